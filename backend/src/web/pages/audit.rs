//! The audit log search page (system admin: everything; bureau: its region).

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};

use crate::auth::guard::RequestContext;
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::{PageParams, audit};
use crate::web::{AppState, render};

pub async fn search(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<audit::AuditFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = audit::search(&state.core, &caller, &filter, page).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "audit.html",
        context! { result => Value::from(Serde(&result)), f => context! {
            action => filter.action.clone(), actor => filter.actor.clone(), outcome => filter.outcome.clone(),
            from => filter.from.clone(), to => filter.to.clone(),
        }},
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
