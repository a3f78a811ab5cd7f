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
    responses((status = 200, body = Paged<SupervisionRow>)),
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

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::domain::role::Role;
    use crate::web::routes::api;

    /// Who reads the supervision list (挂牌督办): the bureau (its region), the admin (the city).
    const SUPERVISION_READERS: &[Role] = &[Role::Admin, Role::Regulator];
    /// Who sets a listing's units and deadline: the bureau, inside its region.
    const SUPERVISION_EDITORS: &[Role] = &[Role::Regulator];

    vec![
        api(Roles(SUPERVISION_READERS), __path_list, list),
        api(Roles(SUPERVISION_EDITORS), __path_update, update),
    ]
}
