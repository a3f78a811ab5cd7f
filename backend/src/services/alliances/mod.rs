//! The bureau's alliance register (互助联盟): filtered and sorted lists with member and group
//! counts, registration (the lead enterprise becomes the first approved member in the same
//! transaction) and editing with field-by-field validation, the alliance page, and the xlsx
//! export of exactly what a list shows. Every read goes through `scope::alliances`; the
//! committee accounts of an alliance are `services::committee`.

mod queries;
mod write;

pub use queries::*;
pub use write::*;
