//! `/api/v1/audit`: the audit log, for the system admin and (scoped) the bureau.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::{PageParams, audit};
use crate::web::AppState;

/// Search the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(audit::AuditFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<audit::AuditEntry>)),
    security(("bearer" = [])))]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<audit::AuditFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(audit::search(&state.core, &caller, &filter, page).await?))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::domain::role::Role;
    use crate::web::routes::api;

    /// Roles that may read the audit log through the API.
    const AUDIT_READERS: &[Role] = &[Role::Admin, Role::Regulator];

    vec![
        api(Roles(AUDIT_READERS), __path_search, search),
    ]
}
