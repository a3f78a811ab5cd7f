//! Value types and rules of the domain. No I/O here: parse constructors, enums, pure checks.

/// An enum stored by its code: `as_str`/`parse`, serde by code, `ALL` in display order and
/// `codes()`. Defined before the modules that use it (macros are scoped by text order).
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

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
    };
}

pub mod credit_code;
pub mod hazard_flow;
pub mod inspection;
pub mod membership;
pub mod participation;
pub mod password_policy;
pub mod region_path;
pub mod role;
pub mod rounds;
pub mod scoring;
