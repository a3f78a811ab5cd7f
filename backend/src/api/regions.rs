//! `/api/v1/regions`: the caller's region subtree (行政区划) and its upkeep.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::regions::{self, NewRegionInput, RegionNode, RenameInput};
use crate::web::AppState;

/// The caller's region subtree as a flat list ordered by path (each node after its parent).
#[utoipa::path(get, path = "/api/v1/regions", tag = "registry",
    responses((status = 200, body = Vec<RegionNode>)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(regions::tree(&state.core, &caller.scope).await?))
}

/// Add a child region under a region of the caller's subtree (404 outside it). The code
/// extends the parent's: town/street 9 digits, village/community 12.
#[utoipa::path(post, path = "/api/v1/regions", tag = "registry", request_body = NewRegionInput,
    responses((status = 201, body = RegionNode),
              (status = 404, body = super::ApiError),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewRegionInput>,
) -> AppResult<HttpResponse> {
    let r = regions::create_child(&state.core, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Rename a region of the caller's subtree (its code and path stay).
#[utoipa::path(put, path = "/api/v1/regions/{code}", tag = "registry", request_body = RenameInput,
    params(("code" = String, Path, description = "region code, e.g. 330381101")),
    responses((status = 200, body = RegionNode),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn rename(
    state: web::Data<AppState>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<RenameInput>,
) -> AppResult<HttpResponse> {
    let r = regions::rename(&state.core, &actor, &code, body.into_inner()).await?;
    let node = regions::tree(&state.core, &actor.caller.scope)
        .await?
        .into_iter()
        .find(|n| n.code == r.code)
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(node))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::web::routes::{api, roles::REGISTRARS};
    vec![
        api(Roles(REGISTRARS), __path_list, list),
        api(Roles(REGISTRARS), __path_create, create),
        api(Roles(REGISTRARS), __path_rename, rename),
    ]
}
