//! `/api/v1/enterprises`: the registry as the caller's scope shows it.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::{PageParams, registry};
use crate::web::AppState;

/// Enterprises in the caller's scope, paginated, optionally filtered by name or credit code.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "registry",
    params(registry::EnterpriseFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<registry::EnterpriseSummary>),
              (status = 401, body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<registry::EnterpriseFilter>,
    page: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let result = registry::list_enterprises(&state.core, &caller.scope, &filter, *page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One enterprise's file (一企一档); 404 when it is outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "registry",
    params(("id" = i64, Path, description = "enterprise id")),
    responses((status = 200, body = registry::EnterpriseFile),
              (status = 401, body = super::ApiError),
              (status = 404, body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let file = registry::enterprise_file(&state.core, &caller.scope, *id).await?;
    Ok(HttpResponse::Ok().json(file))
}
