//! `/api/v1/hazards`: hazards in the caller's scope.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::hazards::{self, HazardDetail, HazardFilter, HazardRow};
use crate::services::{PageParams, Paged};
use crate::web::AppState;

/// Hazards the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/hazards", tag = "inspections",
    params(HazardFilter, PageParams),
    responses((status = 200, body = Paged<HazardRow>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<HazardFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(hazards::list(&state.core, &caller.scope, &filter, page).await?))
}

/// One hazard with its photos (and, for those who may, the photos' EXIF evidence).
#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "inspections",
    params(("id" = i64, Path, description = "hazard id")),
    responses((status = 200, body = HazardDetail)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(hazards::detail(&state.core, &caller, *id).await?))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Authenticated;
    use crate::web::routes::api;
    vec![
        api(Authenticated, __path_list, list),
        api(Authenticated, __path_get, get),
    ]
}
