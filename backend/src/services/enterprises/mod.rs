//! The bureau's enterprise register: filtered and sorted lists, registration and editing with
//! field-by-field validation, the enterprise's own contact details, and the xlsx export of
//! exactly what a list shows. Every read goes through `scope::enterprises`.

mod queries;
mod valid;
mod write;

pub use queries::*;
pub use valid::ValidEnterprise;
pub(crate) use valid::{Known, fill, new_row};
pub use write::*;

#[cfg(test)]
mod tests {
    use super::valid_phone;

    #[test]
    fn phones_as_written_in_china() {
        for ok in [
            "13786682686",
            "0577-65812345",
            "057765812345",
            "0577 6581234",
        ] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in ["", "1378668268", "23786682686", "0577-abc", "12345"] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }
}
