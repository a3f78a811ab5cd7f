//! 专家库: the expert pool the bureau keeps. An officer registers an expert of its subtree
//! together with the expert's account (role `expert`), edits the profile and its specialties,
//! and deactivates or activates it (its account with it). Who sees which experts, and in
//! which view, is `scope::experts`; who changes one is `scope::manages_expert`. The one check
//! of a profile is `input`, reads are in `queries`, writes in `write`.

pub mod input;
pub mod queries;
pub mod write;

pub use input::{AccountInput, ExpertInput, NewAccount, Profile, RegistrationInput};
pub use queries::{DirectoryEntry, ExpertAccount, ExpertFilter, ExpertView, Listed, Shown};
pub use write::ExpertRef;
