//! Password policy: at least 10 characters, at least three of the four classes (lower, upper,
//! digit, symbol), and not the username (nor containing it).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooFewClasses,
    ContainsUsername,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password.too_short",
            PasswordProblem::TooFewClasses => "password.too_few_classes",
            PasswordProblem::ContainsUsername => "password.contains_username",
        }
    }
}

pub const MIN_LENGTH: usize = 10;

pub fn check(password: &str, username: &str) -> Result<(), PasswordProblem> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < 3 {
        return Err(PasswordProblem::TooFewClasses);
    }
    let user = username.trim().to_lowercase();
    if !user.is_empty() && password.to_lowercase().contains(&user) {
        return Err(PasswordProblem::ContainsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check("Ab1!", "x"), Err(PasswordProblem::TooShort));
        assert_eq!(
            check("abcdefghijk1", "x"),
            Err(PasswordProblem::TooFewClasses)
        );
        assert_eq!(
            check("Zhangsan2026", "zhangsan"),
            Err(PasswordProblem::ContainsUsername)
        );
        assert_eq!(check("Anquan@2026", "qiye1"), Ok(()));
        assert_eq!(check("anquan@2026", "qiye1"), Ok(()));
        assert_eq!(check("安全生产互助联盟Ab1", "qiye1"), Ok(()));
    }
}
