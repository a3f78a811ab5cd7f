//! Password policy: 10 to 128 characters, at least three of the four classes (lower, upper,
//! digit, symbol), and not the username (nor containing it).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooFewClasses,
    ContainsUsername,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password.too_short",
            PasswordProblem::TooLong => "password.too_long",
            PasswordProblem::TooFewClasses => "password.too_few_classes",
            PasswordProblem::ContainsUsername => "password.contains_username",
        }
    }
}

pub const MIN_LENGTH: usize = 10;
/// The upper bound the API document states (`maxLength: 128`); hashing stays cheap to bound.
pub const MAX_LENGTH: usize = 128;

pub fn check(password: &str, username: &str) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
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
        let long = format!("Anquan@2026{}", "a".repeat(118));
        assert_eq!(check(&long, "x"), Err(PasswordProblem::TooLong));
        assert_eq!(check(&long[1..], "x"), Ok(()), "128 characters");
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
