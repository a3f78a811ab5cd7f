//! Page handlers, grouped by what they show. Thin: parse, call a service with the caller's
//! scope, render.

pub mod account;
pub mod alliances;
pub mod audit;
pub mod catalog;
pub mod checklists;
pub mod enterprises;
pub mod expert_requests;
pub mod experts;
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
pub mod publication_reach;
pub mod publications;
pub mod rectification;
pub mod regions;
pub mod rounds;
pub mod staff;
pub mod supervision;

use actix_web::{HttpResponse, http::header};

/// A local path to go to after a form (the one rule for every `next`, `back` and notice link
/// the portal redirects to), refusing anything that could leave the site: only a path that
/// starts with one `/`, with no second `/` or `\` after it, no backslash anywhere, and no
/// control character or whitespace (browsers drop tabs and newlines, so `/\t/evil.example`
/// would become `//evil.example`). The value arrives decoded once; `%2F` left in it stays a
/// literal character of the path.
pub fn safe_next(next: Option<&str>, fallback: &str) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => fallback.to_string(),
    }
}

fn is_local_path(n: &str) -> bool {
    let mut chars = n.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

/// 303 See Other, the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// The routes of every page module, in registration order: fixed paths before the `{param}`
/// paths that would take them (`web::routes::inventory` composes them; its test checks the order).
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    [
        ops::routes(),
        account::routes(),
        notifications::routes(),
        files::routes(),
        home::routes(),
        audit::routes(),
        enterprises::routes(),
        alliances::routes(),
        imports::routes(),
        regions::routes(),
        catalog::routes(),
        staff::routes(),
        participation::routes(),
        labels::routes(),
        checklists::routes(),
        members::routes(),
        groups::routes(),
        rounds::routes(),
        my_alliances::routes(),
        inspections::routes(),
        hazards::routes(),
        supervision::routes(),
        rectification::routes(),
        publications::routes(),
        publication_reach::routes(),
        experts::routes(),
        expert_requests::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
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
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "/\u{0}/evil.example",
            "\\\\evil.example",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_next(Some(bad), "/"), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/login?next=%2Fenterprise"), "/"),
            "/login?next=%2Fenterprise"
        );
    }
}
