//! `/api/v1/supervisions`: the bureau's supervision list (挂牌督办) and its edits.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::supervision::{self, SupervisionFilter, SupervisionInput, SupervisionRow};
use crate::services::{PageParams, Paged};
use crate::web::AppState;

/// Listed hazards: a bureau officer's region, the admin's whole city. Still-listed first,
/// earliest supervision deadline first; `overdue_days` is computed from the hazard's deadline.
#[utoipa::path(get, path = "/api/v1/supervisions", tag = "inspections",
    params(SupervisionFilter, PageParams),
    responses((status = 200, body = Paged<SupervisionRow>),
              (status = 401, body = super::ApiError),
              (status = 403, body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<SupervisionFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    Ok(
        HttpResponse::Ok()
            .json(supervision::list(&state.core, &caller.scope, &filter, page).await?),
    )
}

/// Set a listing's supervising unit, responsible unit and supervision deadline (督办期限; a
/// changed one may not lie in the past). A released listing answers 409; one outside the
/// officer's region 404.
#[utoipa::path(put, path = "/api/v1/supervisions/{id}", tag = "inspections",
    request_body = SupervisionInput,
    params(("id" = i64, Path, description = "supervision id")),
    responses((status = 200, body = SupervisionRow),
              (status = 401, body = super::ApiError),
              (status = 403, body = super::ApiError),
              (status = 404, body = super::ApiError),
              (status = 409, body = super::ApiError),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<SupervisionInput>,
) -> AppResult<HttpResponse> {
    let row = supervision::update(&state.core, &actor, *id, &body).await?;
    Ok(HttpResponse::Ok().json(row))
}
