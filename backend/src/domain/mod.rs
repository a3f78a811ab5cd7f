//! Value types and rules of the domain. No I/O here: parse constructors, enums, pure checks.

/// An enum stored by its code: `as_str`/`parse`, serde by code, `ALL` in display order and
/// `codes()`. It is also the sea-orm value type of a `varchar(N)` column (`Name(N) { … }`, N
/// as the migrations create the column), so a model field holds the enum itself, a query
/// compares with the enum, and a row with an unknown code is an error when read. (sea-orm's
/// `DeriveActiveEnum` turns each code into an identifier, which the inspection kind `self`
/// cannot be; `DeriveValueType` stores the same codes in the same columns.) Defined before
/// the modules that use it (macros are scoped by text order).
///
/// A code is taken as a token tree (`tt`), not a `literal` fragment: a `literal` reaches the
/// derives wrapped in an invisible group, which serde reads but utoipa silently ignores, so the
/// OpenAPI schema would list the Rust names instead of the codes.
macro_rules! coded {
    ($(#[$m:meta])* $name:ident ($len:literal) { $($(#[$vm:meta])* $variant:ident = $code:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema, sea_orm::DeriveValueType,
        )]
        #[sea_orm(
            value_type = "String",
            column_type = "String(sea_orm::sea_query::StringLen::N(Self::COLUMN_LEN))",
            to_str = "std::convert::AsRef::<str>::as_ref"
        )]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The length of the column the code is stored in.
            const COLUMN_LEN: u32 = $len;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }

            /// Every code, in display order.
            pub fn codes() -> Vec<&'static str> {
                Self::ALL.iter().map(|x| x.as_str()).collect()
            }
        }

        /// A stored or sent code, refused with its kind when it names no variant.
        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownCode;

            fn from_str(s: &str) -> Result<$name, Self::Err> {
                Self::parse(s).ok_or_else(|| $crate::domain::UnknownCode {
                    kind: stringify!($name),
                    code: s.to_owned(),
                })
            }
        }

        /// Shows the code (`hazard_state.{}` and the like name catalog keys).
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        /// A code may be part of a composite primary key; it is never a number.
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
                Err(sea_orm::DbErr::ConvertFromU64(stringify!($name)))
            }
        }
    };
}

/// A code that names no variant of its enum: a stored row or an input out of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code {code:?}")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

pub mod alliance;
pub mod bigrams;
pub mod credit_code;
pub mod enterprise;
pub mod expert;
pub mod expert_flow;
pub mod hazard_flow;
pub mod import;
pub mod inspection;
pub mod membership;
pub mod notice;
pub mod participation;
pub mod password_policy;
pub mod publication;
pub mod region_path;
pub mod role;
pub mod rounds;
pub mod scoring;
pub mod session;
pub mod supervision;

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::hazard_flow::{Action, ExtensionStatus, HazardState};
    use super::inspection::{
        AnswerResult, ChecklistTopic, HazardCategory, HazardLevel, InspectionKind, InspectionState,
        RoundStatus, TemplateStatus,
    };
    use super::membership::Status;

    /// Every variant reads back from its code, by `parse` and by `FromStr`, and shows its code.
    fn round_trips<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display + AsRef<str> + FromStr,
        T::Err: std::fmt::Debug,
    {
        for v in all {
            assert_eq!(T::from_str(v.as_ref()).expect("its own code"), *v);
            assert_eq!(v.to_string(), v.as_ref());
        }
    }

    #[test]
    fn every_coded_enum_round_trips_through_its_code() {
        round_trips(HazardState::ALL);
        round_trips(Action::ALL);
        round_trips(ExtensionStatus::ALL);
        round_trips(InspectionKind::ALL);
        round_trips(InspectionState::ALL);
        round_trips(AnswerResult::ALL);
        round_trips(HazardCategory::ALL);
        round_trips(HazardLevel::ALL);
        round_trips(ChecklistTopic::ALL);
        round_trips(RoundStatus::ALL);
        round_trips(TemplateStatus::ALL);
        round_trips(super::enterprise::EnterpriseStatus::ALL);
        round_trips(super::enterprise::EnterpriseScale::ALL);
        round_trips(super::alliance::AllianceKind::ALL);
        round_trips(super::alliance::AllianceStatus::ALL);
        round_trips(super::import::ImportKind::ALL);
        round_trips(super::import::ImportStatus::ALL);
        round_trips(super::supervision::SupervisionStatus::ALL);
        round_trips(super::supervision::ReviewResult::ALL);
        round_trips(super::notice::OutboxStatus::ALL);
        round_trips(super::session::SessionKind::ALL);
        round_trips(super::role::Role::ALL);
        round_trips(Status::ALL);
        round_trips(super::publication::PublicationKind::ALL);
        round_trips(super::publication::PublicationStatus::ALL);
        round_trips(super::expert::Specialty::ALL);
        round_trips(super::expert_flow::RequestState::ALL);
        round_trips(super::expert_flow::RequestAction::ALL);
        round_trips(super::expert_flow::AssignmentState::ALL);
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            InspectionKind::parse("self"),
            Some(InspectionKind::SelfCheck)
        );
    }

    #[test]
    fn an_unknown_code_is_refused_with_its_kind() {
        let err = HazardState::from_str("on_hold").expect_err("not a state");
        assert_eq!(err.kind, "HazardState");
        assert_eq!(err.code, "on_hold");
        assert_eq!(err.to_string(), "unknown HazardState code \"on_hold\"");
        assert!(HazardLevel::from_str("重大").is_err());
        assert!(Status::from_str("Approved").is_err());
        assert!(super::enterprise::EnterpriseScale::from_str("规上").is_err());
        assert!(super::alliance::AllianceKind::from_str("club").is_err());
        assert!(super::alliance::AllianceStatus::from_str("paused").is_err());
        assert!(super::import::ImportKind::from_str("alliances").is_err());
        assert!(super::import::ImportStatus::from_str("done").is_err());
        assert!(super::supervision::SupervisionStatus::from_str("closed").is_err());
        assert!(super::supervision::ReviewResult::from_str("ok").is_err());
        assert!(super::notice::OutboxStatus::from_str("queued").is_err());
        assert!(super::session::SessionKind::from_str("cli").is_err());
        assert!(super::role::Role::from_str("root").is_err());
    }
}
