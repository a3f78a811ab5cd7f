//! `/api/v1/experts`: the expert pool (专家库). The bureau (and the admin) reads full profiles
//! and registers, edits, deactivates and activates experts of its subtree with their
//! accounts; committees and enterprises read the directory (name, specialties, organisation);
//! an expert reads itself.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::PageParams;
use crate::services::audit::Actor;
use crate::services::experts::{
    ExpertFilter, ExpertInput, ExpertRef, Listed, RegistrationInput, Shown, queries, write,
};
use crate::web::AppState;

/// The experts the caller may see, by name: full profiles for the bureau, the admin and the
/// expert itself; the directory (id, name, specialties, organisation) for committees and
/// enterprises. Filters by specialty, region subtree, words in name or organisation, active.
#[utoipa::path(get, path = "/api/v1/experts", tag = "experts",
    params(ExpertFilter, PageParams),
    responses((status = 200, body = Listed),
              (status = 422, description = "a filter value is not acceptable", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<ExpertFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = queries::search(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One expert in the caller's view.
#[utoipa::path(get, path = "/api/v1/experts/{id}", tag = "experts",
    params(("id" = i64, Path, description = "expert id")),
    responses((status = 200, body = Shown),
              (status = 404, description = "absent or not for the caller", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let shown = queries::get(&state.core, &caller.scope, *id).await?;
    Ok(HttpResponse::Ok().json(shown))
}

async fn current(state: &AppState, caller: &Caller, r: ExpertRef) -> AppResult<Shown> {
    queries::get(&state.core, &caller.scope, r.id).await
}

/// Register an expert of the caller's subtree with its account (role `expert`).
#[utoipa::path(post, path = "/api/v1/experts", tag = "experts",
    request_body = RegistrationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 201, body = Shown),
              (status = 422, description = "fields refused, by field (a region outside the caller's subtree is `region`)", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<RegistrationInput>,
) -> AppResult<HttpResponse> {
    let r = write::register(&state.core, &actor, &body).await?;
    Ok(HttpResponse::Created().json(current(&state, &actor.caller, r).await?))
}

/// Change an expert of the caller's subtree: profile, region, specialties (replaced as a
/// set), active.
#[utoipa::path(put, path = "/api/v1/experts/{id}", tag = "experts",
    request_body = ExpertInput,
    params(("id" = i64, Path, description = "expert id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = Shown),
              (status = 404, description = "not one the caller manages", body = super::ApiError),
              (status = 422, description = "fields refused, by field", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ExpertInput>,
) -> AppResult<HttpResponse> {
    let r = write::update(&state.core, &actor, *id, &body).await?;
    Ok(HttpResponse::Ok().json(current(&state, &actor.caller, r).await?))
}

/// Deactivate an expert: hidden from the directory, its account closed, its sessions ended.
#[utoipa::path(post, path = "/api/v1/experts/{id}/deactivate", tag = "experts",
    params(("id" = i64, Path, description = "expert id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = Shown),
              (status = 404, description = "not one the caller manages", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn deactivate(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let r = write::set_active(&state.core, &actor, *id, false).await?;
    Ok(HttpResponse::Ok().json(current(&state, &actor.caller, r).await?))
}

/// Activate an expert again, and its account.
#[utoipa::path(post, path = "/api/v1/experts/{id}/activate", tag = "experts",
    params(("id" = i64, Path, description = "expert id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = Shown),
              (status = 404, description = "not one the caller manages", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn activate(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let r = write::set_active(&state.core, &actor, *id, true).await?;
    Ok(HttpResponse::Ok().json(current(&state, &actor.caller, r).await?))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 专家库: everyone logged in reads what its scope allows; the bureau and the admin keep it.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::api;
    use write::KEEPERS;
    vec![
        api(Authenticated, __path_list, list),
        api(Roles(KEEPERS), __path_create, create),
        api(Authenticated, __path_get, get),
        api(Roles(KEEPERS), __path_update, update),
        api(Roles(KEEPERS), __path_deactivate, deactivate),
        api(Roles(KEEPERS), __path_activate, activate),
    ]
}
