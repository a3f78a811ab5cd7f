//! The JSON API under `/api/v1` (bearer tokens), sharing the services with the pages.
//! Errors are `{code, message}`; lists are `Paged`; every operation is in the OpenAPI document.

pub mod alliances;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod checklists;
pub mod enterprises;
pub mod expert_requests;
pub mod experts;
pub mod files;
pub mod groups;
pub mod hazards;
pub mod inspections;
pub mod labels;
pub mod memberships;
pub mod notifications;
pub mod openapi;
pub mod participation;
pub mod publication_reach;
pub mod publications;
pub mod rectification;
pub mod regions;
pub mod rounds;
pub mod staff;
pub mod supervision;

use serde::Serialize;

/// The error body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// Stable machine-readable code (`unauthorized`, `not_found`, `login_failed` …).
    pub code: String,
    /// Human-readable message in the caller's language.
    pub message: String,
    /// With `validation` (422): field name → what is wrong with it, in the caller's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// With a 5xx: the request id to quote when reporting it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The routes of every API module, in registration order: fixed paths before the `{param}`
/// paths that would take them (`web::routes::inventory` composes them; its test checks the order).
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    [
        openapi::routes(),
        auth::routes(),
        notifications::routes(),
        files::routes(),
        enterprises::routes(),
        memberships::routes(),
        groups::routes(),
        rounds::routes(),
        participation::routes(),
        labels::routes(),
        regions::routes(),
        catalog::routes(),
        staff::routes(),
        alliances::routes(),
        checklists::routes(),
        supervision::routes(),
        inspections::routes(),
        hazards::routes(),
        rectification::routes(),
        publications::routes(),
        publication_reach::routes(),
        experts::routes(),
        expert_requests::routes(),
        audit::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
