//! The audit log search page (system admin: everything; bureau: its region).

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Serialize;

use crate::auth::guard::RequestContext;
use crate::error::AppResult;
use crate::models::audit_log;
use crate::scope::Caller;
use crate::services::audit::AuditFilter;
use crate::services::{PageParams, Paged, audit};
use crate::web::{AppState, render};

/// The audit filter as given, for the search form and the pager's links.
#[derive(Serialize)]
struct AuditFilterValues<'a> {
    action: Option<&'a str>,
    actor: Option<&'a str>,
    outcome: Option<&'a str>,
    from: Option<&'a str>,
    to: Option<&'a str>,
}

impl<'a> From<&'a AuditFilter> for AuditFilterValues<'a> {
    fn from(filter: &'a AuditFilter) -> Self {
        AuditFilterValues {
            action: filter.action.as_deref(),
            actor: filter.actor.as_deref(),
            outcome: filter.outcome.as_deref(),
            from: filter.from.as_deref(),
            to: filter.to.as_deref(),
        }
    }
}

/// 审计日志: one page of entries and the filter that found them.
#[derive(Serialize)]
struct AuditPage<'a> {
    result: Paged<audit_log::Model>,
    filter: AuditFilterValues<'a>,
}

pub async fn search(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<AuditFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = audit::search(&state.core, &caller, &filter, page).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "audit.html",
        AuditPage {
            result,
            filter: (&*filter).into(),
        },
    )
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// The audit log: the admin's (the city) and the bureau's (its region).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::get;
    vec![
        get("/admin/audit", Portal(P::Admin), search),
        get("/regulator/audit", Portal(P::Regulator), search),
    ]
}
