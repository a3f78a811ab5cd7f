//! `PageParams` as an extractor: every paginated list, API and pages, takes its `page`,
//! `per_page` and `cursor` from the query string through `PageParams::parse`, so out-of-range
//! values are a 422 naming the field (the API's `fields`, the page's message) before any query
//! runs.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::error::AppError;
use crate::services::PageParams;

impl FromRequest for PageParams {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        ready(
            PageParams::parse(first("page"), first("per_page"), first("cursor"))
                .map_err(AppError::Validation),
        )
    }
}
