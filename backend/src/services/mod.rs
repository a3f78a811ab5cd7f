//! Use cases. Each write runs in one transaction together with its audit record; every read of
//! tenant data takes the caller's `Scope`. Services never see HTTP.

pub mod alliances;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod checklists;
pub mod committee;
pub mod dashboard;
pub mod enterprises;
pub mod expert_requests;
pub mod experts;
pub mod files;
pub mod groups;
pub mod hazards;
pub mod idempotency;
pub mod import;
pub mod inspections;
pub mod keyset;
pub mod labels;
pub mod login_limit;
pub mod membership;
pub mod notify;
pub mod participation;
pub mod publications;
pub mod rectification;
pub mod regions;
pub mod registry;
pub mod relocation;
pub mod rounds;
pub mod seed;
pub mod seed_history;
pub mod staff;
pub mod supervision;
pub mod users;
pub mod xlsx;

use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, LikeExpr};
use serde::Serialize;

use crate::error::FieldErrors;

/// A filter's text when something was typed (trimmed), else `None`.
pub(crate) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A list filter naming a code (`state=rectifying`): `None` when absent or blank; a value that
/// names no code adds a field error (`list.bad_filter`), so a tampered or stale link is told
/// so rather than shown an empty list.
pub(crate) fn code_filter<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &'static str,
    v: &Option<String>,
) -> Option<T> {
    let s = given(v)?;
    let parsed = s.parse().ok();
    if parsed.is_none() {
        errors.add(field, "list.bad_filter");
    }
    parsed
}

/// The escape character of the `LIKE` patterns built by `contains_pattern`, given with
/// `ESCAPE` on both engines (SQLite has no default; PostgreSQL's backslash is not used).
pub const LIKE_ESCAPE: char = '!';

/// `text` as a `LIKE` pattern matching it anywhere, its `%`, `_` and `LIKE_ESCAPE` taken
/// literally. Use it with `LikeExpr::new(..).escape(LIKE_ESCAPE)`, as `text_contains` does.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if c == '%' || c == '_' || c == LIKE_ESCAPE {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `column LIKE '%text%' ESCAPE '!'`: the column holds `text` (wildcards literal). The one
/// text search of the lists; never sea-orm's `.contains`, which takes `%` and `_` as wildcards.
pub fn text_contains(column: impl ColumnTrait, text: &str) -> Expr {
    column.like(LikeExpr::new(contains_pattern(text)).escape(LIKE_ESCAPE))
}

/// Largest page size a list serves.
pub const MAX_PER_PAGE: u64 = 100;
/// Largest page number a request may name; a page is served only while its offset stays
/// inside the counted window (`lists.count_bound`), see `keyset`.
pub const MAX_PAGE: u64 = 1_000_000;

/// Page request: a `cursor` from a page's `next` or `prev` (see `keyset`), or else a 1-based
/// page number (1..=`MAX_PAGE`, default 1, served inside the counted window), and the page
/// size (1..=`MAX_PER_PAGE`, default 20). Built from a request only through
/// `PageParams::parse` (the web layer's extractor calls it), so an out-of-range value never
/// reaches a query.
#[derive(Debug, Clone, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number, for the first pages (up to 10,000 rows in); `next` pages on.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Rows per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// The `next` or `prev` of a page of the same list (opaque); it takes the place of `page`.
    #[param(max_length = 1024, pattern = "^[0-9a-f]*$")]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The first page of `per_page` rows.
    pub fn first(per_page: u64) -> PageParams {
        PageParams {
            page: Some(1),
            per_page: Some(per_page),
            cursor: None,
        }
    }

    /// Checks the raw `page`, `per_page` and `cursor` texts of a request; a value that is not
    /// a whole number inside its range, or a cursor that is not one, is a field error naming it
    /// (a cursor is verified against its list when the page is fetched). A blank cursor is none.
    pub fn parse(
        page: Option<&str>,
        per_page: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<PageParams, FieldErrors> {
        fn bounded(v: Option<&str>, max: u64) -> Result<Option<u64>, ()> {
            match v {
                None => Ok(None),
                Some(text) => match text.parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                    _ => Err(()),
                },
            }
        }
        let mut errors = FieldErrors::default();
        let page = bounded(page, MAX_PAGE)
            .inspect_err(|()| errors.add("page", "list.page_out_of_range"))
            .unwrap_or_default();
        let per_page = bounded(per_page, MAX_PER_PAGE)
            .inspect_err(|()| errors.add("per_page", "list.per_page_out_of_range"))
            .unwrap_or_default();
        let cursor = cursor.map(str::trim).filter(|c| !c.is_empty());
        if cursor.is_some_and(|c| {
            c.len() > keyset::MAX_CURSOR_LEN || !c.bytes().all(|b| b.is_ascii_hexdigit())
        }) {
            errors.add("cursor", "list.bad_cursor");
        }
        if errors.is_empty() {
            Ok(PageParams {
                page,
                per_page,
                cursor: cursor.map(str::to_string),
            })
        } else {
            Err(errors)
        }
    }

    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).clamp(1, MAX_PAGE)
    }
    pub fn per_page(&self) -> u64 {
        self.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE)
    }
}

/// One page of a list (`keyset::page`): its items, a total counted up to the bound, and the
/// cursors of the pages before and after it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// This page's number: as asked by `page`, or counted along the cursors from the first.
    pub page: u64,
    pub per_page: u64,
    /// Rows that match, counted up to the bound (`lists.count_bound`, 10,000).
    pub total: u64,
    /// More rows match than `total`: the count stopped at its bound (shown as "10,000+").
    pub total_capped: bool,
    /// Number of pages, when the total is exact (`null` when capped).
    pub pages: Option<u64>,
    /// `cursor` of the next page; `null` on the last page.
    pub next: Option<String>,
    /// `cursor` of the previous page; `null` on the first page.
    pub prev: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_outside_their_range_name_their_field() {
        for (page, per_page, field) in [
            (Some("0"), None, "page"),
            (Some("1000001"), None, "page"),
            (Some("9223372036854775809"), Some("100"), "page"),
            (Some("-1"), None, "page"),
            (Some(""), None, "page"),
            (Some("1.5"), None, "page"),
            (None, Some("0"), "per_page"),
            (None, Some("101"), "per_page"),
            (None, Some("x"), "per_page"),
        ] {
            let errors = PageParams::parse(page, per_page, None).expect_err("refused");
            assert!(errors.0.contains_key(field), "{page:?} {per_page:?}");
        }
    }

    #[test]
    fn a_contains_pattern_takes_wildcards_and_the_escape_literally() {
        assert_eq!(contains_pattern("粉尘"), "%粉尘%");
        assert_eq!(contains_pattern("19.5%_!"), "%19.5!%!_!!%");
    }

    #[test]
    fn page_numbers_inside_their_range_are_kept() {
        let p = PageParams::parse(Some("1000000"), Some("100"), None).expect("valid");
        assert_eq!((p.page(), p.per_page()), (MAX_PAGE, MAX_PER_PAGE));
        let p = PageParams::parse(None, None, Some(" ")).expect("valid");
        assert_eq!((p.page(), p.per_page(), p.cursor), (1, 20, None));
        let p = PageParams::parse(None, None, Some("00ff")).expect("valid");
        assert_eq!(p.cursor.as_deref(), Some("00ff"));
    }

    #[test]
    fn a_cursor_that_is_not_hex_or_too_long_names_its_field() {
        let long = "a".repeat(keyset::MAX_CURSOR_LEN + 1);
        for cursor in ["xyz", "12 34", long.as_str()] {
            let errors = PageParams::parse(None, None, Some(cursor)).expect_err("refused");
            assert!(errors.0.contains_key("cursor"), "{cursor}");
        }
    }
}
