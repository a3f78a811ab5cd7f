//! An expert as the form and the API send it, and its check: `ExpertInput::parse` gives a
//! `Profile` that cannot be invalid (bounded texts, a phone of 7–20 digits, a region code,
//! 1..=`MAX_SPECIALTIES` known specialty codes); `AccountInput::parse` the account that comes
//! with a registration (username, a password the policy accepts, an optional email). Whether
//! the region lies in the officer's subtree is checked by the write, against the database.

use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::expert::{MAX_NAME, MAX_ORGANISATION, MAX_SPECIALTIES, MAX_TITLE, Specialty};
use crate::domain::password_policy;
use crate::error::FieldErrors;
use crate::services::committee::valid_email;
use crate::services::users::valid_username;

/// Shortest and longest phone number, digits.
pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=20;
/// Longest region code, characters.
const MAX_REGION_CODE: usize = 12;

/// An expert's profile as entered.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpertInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 50)]
    pub name: String,
    /// 职称 (高级工程师 …), optional.
    #[serde(default)]
    #[schema(max_length = 50)]
    pub title: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 100)]
    pub organisation: String,
    /// 7–20 digits.
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{7,20}$")]
    pub phone: String,
    /// The code of the expert's region (inside the officer's subtree).
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{1,12}$")]
    pub region: String,
    /// Specialty codes (`mining`, `fire`, `dust` …), 1 to 6.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 6)]
    pub specialties: Vec<String>,
    /// An inactive expert is kept on record, hidden from the directory, its account closed.
    #[serde(default = "yes", deserialize_with = "flag")]
    pub active: bool,
}

impl Default for ExpertInput {
    fn default() -> Self {
        ExpertInput {
            name: String::new(),
            title: String::new(),
            organisation: String::new(),
            phone: String::new(),
            region: String::new(),
            specialties: Vec::new(),
            active: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// A checkbox (`on`, `true`, `1`) or a JSON boolean.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => matches!(t.as_str(), "on" | "true" | "1"),
    })
}

/// The account registered with an expert (role `expert`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountInput {
    #[serde(default)]
    #[schema(required = true, pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    pub username: String,
    /// Initial password (password policy: 10+ characters, three of four classes, not the
    /// username). Never shown again.
    #[serde(default, serialize_with = "never_written")]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
    /// Optional.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: String,
}

fn never_written<S: serde::Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("")
}

/// A registration: the expert and its account, in one flat body (the fields of
/// `ExpertInput` and of `AccountInput`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 50)]
    pub name: String,
    /// 职称 (高级工程师 …), optional.
    #[serde(default)]
    #[schema(max_length = 50)]
    pub title: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 100)]
    pub organisation: String,
    /// 7–20 digits.
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{7,20}$")]
    pub phone: String,
    /// The code of the expert's region (inside the officer's subtree).
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{1,12}$")]
    pub region: String,
    /// Specialty codes (`mining`, `fire`, `dust` …), 1 to 6.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 6)]
    pub specialties: Vec<String>,
    /// Registered inactive when `false` (its account closed).
    #[serde(default = "yes", deserialize_with = "flag")]
    pub active: bool,
    #[serde(default)]
    #[schema(required = true, pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    pub username: String,
    /// Initial password (password policy: 10+ characters, three of four classes, not the
    /// username).
    #[serde(default, serialize_with = "never_written")]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
    /// Optional.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: String,
}

/// A checked profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub title: String,
    pub organisation: String,
    pub phone: String,
    pub region_code: String,
    /// Sorted, without repeats, 1..=`MAX_SPECIALTIES`.
    pub specialties: Vec<Specialty>,
    pub active: bool,
}

/// A checked account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

impl ExpertInput {
    /// Checks every field; all problems are reported at once (field → catalog key).
    pub fn parse(&self) -> Result<Profile, FieldErrors> {
        let mut errors = FieldErrors::default();
        self.check(&mut errors).ok_or(errors)
    }

    fn check(&self, errors: &mut FieldErrors) -> Option<Profile> {
        errors.require("name", &self.name, MAX_NAME);
        if self.title.trim().chars().count() > MAX_TITLE {
            errors.add("title", "form.too_long");
        }
        errors.require("organisation", &self.organisation, MAX_ORGANISATION);
        let phone = self.phone.trim();
        if !(PHONE_DIGITS.contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit())) {
            errors.add("phone", "experts.bad_phone");
        }
        let region = self.region.trim();
        if region.is_empty() {
            errors.add("region", "form.required");
        } else if region.len() > MAX_REGION_CODE || !region.bytes().all(|b| b.is_ascii_digit()) {
            errors.add("region", "experts.unknown_region");
        }
        let mut specialties = Vec::new();
        // More codes than there are specialties cannot be a choice (and are not read).
        let given = if self.specialties.len() > Specialty::ALL.len() {
            errors.add("specialties", "experts.too_many_specialties");
            &[][..]
        } else {
            &self.specialties[..]
        };
        for code in given.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            match Specialty::parse(code) {
                Some(s) => specialties.push(s),
                None => errors.add("specialties", "experts.bad_specialty"),
            }
        }
        specialties.sort_by_key(|s| s.as_str());
        specialties.dedup();
        if specialties.is_empty() {
            errors.add("specialties", "experts.no_specialty");
        } else if specialties.len() > MAX_SPECIALTIES {
            errors.add("specialties", "experts.too_many_specialties");
        }
        errors.is_empty().then(|| Profile {
            name: self.name.trim().to_string(),
            title: self.title.trim().to_string(),
            organisation: self.organisation.trim().to_string(),
            phone: phone.to_string(),
            region_code: region.to_string(),
            specialties,
            active: self.active,
        })
    }
}

impl AccountInput {
    fn check(&self, errors: &mut FieldErrors) -> Option<NewAccount> {
        let username = self.username.trim().to_lowercase();
        if !valid_username(&username) {
            errors.add("username", "user.bad_username");
        }
        if let Err(p) = password_policy::check(&self.password, &username) {
            errors.add("password", p.message_key());
        }
        let email = self.email.trim();
        if !email.is_empty() && !valid_email(email) {
            errors.add("email", "experts.bad_email");
        }
        errors.is_empty().then(|| NewAccount {
            username,
            password: self.password.clone(),
            email: Some(email.to_string()).filter(|e| !e.is_empty()),
        })
    }
}

impl RegistrationInput {
    /// The registration of `expert` with `account`.
    pub fn new(expert: ExpertInput, account: AccountInput) -> RegistrationInput {
        RegistrationInput {
            name: expert.name,
            title: expert.title,
            organisation: expert.organisation,
            phone: expert.phone,
            region: expert.region,
            specialties: expert.specialties,
            active: expert.active,
            username: account.username,
            password: account.password,
            email: account.email,
        }
    }

    /// The expert's and the account's parts.
    pub fn split(&self) -> (ExpertInput, AccountInput) {
        (
            ExpertInput {
                name: self.name.clone(),
                title: self.title.clone(),
                organisation: self.organisation.clone(),
                phone: self.phone.clone(),
                region: self.region.clone(),
                specialties: self.specialties.clone(),
                active: self.active,
            },
            AccountInput {
                username: self.username.clone(),
                password: self.password.clone(),
                email: self.email.clone(),
            },
        )
    }

    /// Checks the expert and its account together (every problem at once).
    pub fn parse(&self) -> Result<(Profile, NewAccount), FieldErrors> {
        let (expert, account) = self.split();
        let mut errors = FieldErrors::default();
        let profile = expert.check(&mut errors);
        let account = account.check(&mut errors);
        match (profile, account) {
            (Some(p), Some(a)) if errors.is_empty() => Ok((p, a)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RegistrationInput {
        RegistrationInput::new(
            ExpertInput {
                name: " 王海涛 ".into(),
                title: "高级工程师".into(),
                organisation: "温州市特种设备检测研究院".into(),
                phone: "13905770001".into(),
                region: "330381101".into(),
                specialties: vec!["dust".into(), "fire".into(), "dust".into()],
                active: true,
            },
            AccountInput {
                username: "WangHT".into(),
                password: "Zhuanjia#2026".into(),
                email: String::new(),
            },
        )
    }

    #[test]
    fn a_complete_registration_parses_trimmed_and_deduplicated() {
        let (p, a) = good().parse().expect("valid");
        assert_eq!(p.name, "王海涛");
        assert_eq!(p.specialties, vec![Specialty::Dust, Specialty::Fire]);
        assert_eq!(a.username, "wanght");
        assert_eq!(a.email, None);
    }

    #[test]
    fn every_bound_is_reported_by_field() {
        let mut bad = good();
        bad.name = "名".repeat(MAX_NAME + 1);
        bad.title = "职".repeat(MAX_TITLE + 1);
        bad.organisation = " ".into();
        bad.phone = "0577-1234".into();
        bad.region = "33'0381".into();
        bad.specialties = vec!["cooking".into()];
        bad.username = "王".into();
        bad.password = "short".into();
        bad.email = "nobody".into();
        let errors = bad.parse().expect_err("refused");
        let fields: Vec<&str> = errors.0.keys().map(|k| k.as_ref()).collect();
        assert_eq!(
            fields,
            vec![
                "email",
                "name",
                "organisation",
                "password",
                "phone",
                "region",
                "specialties",
                "title",
                "username"
            ]
        );
        assert_eq!(errors.0["specialties"], "experts.bad_specialty");
    }

    #[test]
    fn the_number_of_specialties_and_phone_digits_are_bounded() {
        let mut input = good().split().0;
        input.specialties = Specialty::ALL[..=MAX_SPECIALTIES]
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
        input.phone = "1".repeat(21);
        let errors = input.parse().expect_err("refused");
        assert_eq!(errors.0["specialties"], "experts.too_many_specialties");
        input.specialties = vec!["fire".to_string(); Specialty::ALL.len() + 1];
        let errors = input.parse().expect_err("refused");
        assert_eq!(errors.0["specialties"], "experts.too_many_specialties");
        assert_eq!(errors.0["phone"], "experts.bad_phone");
        input.specialties = vec![];
        input.phone = "1234567".into();
        let errors = input.parse().expect_err("refused");
        assert_eq!(errors.0["specialties"], "experts.no_specialty");
        assert!(!errors.0.contains_key("phone"));
    }
}
