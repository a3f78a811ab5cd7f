//! Page handlers, grouped by what they show. Thin: parse, call a service with the caller's
//! scope, render.

pub mod account;
pub mod alliances;
pub mod audit;
pub mod catalog;
pub mod checklists;
pub mod enterprises;
pub mod files;
pub mod groups;
pub mod hazards;
pub mod home;
pub mod imports;
pub mod inspections;
pub mod labels;
pub mod members;
pub mod my_alliances;
pub mod notifications;
pub mod ops;
pub mod participation;
pub mod rectification;
pub mod regions;
pub mod rounds;
pub mod staff;
pub mod supervision;

use actix_web::{HttpResponse, http::header};

/// A local path to go to after a form, refusing anything that could leave the site.
pub fn safe_next(next: Option<&str>, fallback: &str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => fallback.to_string(),
    }
}

/// 303 See Other, the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/committee"), "/"), "/committee");
        assert_eq!(safe_next(Some("//evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("https://evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("/\\evil.example"), "/"), "/");
        assert_eq!(safe_next(None, "/x"), "/x");
    }
}
