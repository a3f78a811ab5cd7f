//! `/api/v1/alliances`: the alliance register as the caller's scope shows it, its upkeep by the
//! bureau, and the committee accounts the bureau appoints and deactivates.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::{Caller, Scope};
use crate::services::PageParams;
use crate::services::alliances::{self, AllianceDetail, AllianceFilter, AllianceInput};
use crate::services::audit::Actor;
use crate::services::committee::{self, AppointInput, CommitteeAccount};
use crate::web::AppState;

/// Alliances in the caller's scope: filtered, sorted, paginated, with member and group counts.
#[utoipa::path(get, path = "/api/v1/alliances", tag = "registry",
    params(AllianceFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<alliances::AllianceSummary>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<AllianceFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = alliances::list(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// The alliance page as the caller may see it; the committee accounts only for the bureau and
/// the committee itself.
async fn detail_for(state: &AppState, caller: &Caller, id: i64) -> AppResult<AllianceDetail> {
    let mut d = alliances::detail(&state.core, &caller.scope, id).await?;
    if !matches!(
        caller.scope,
        Scope::System | Scope::Region { .. } | Scope::Alliance { .. }
    ) {
        d.committee.clear();
    }
    Ok(d)
}

/// One alliance: profile, committee accounts, approved members, groups; 404 outside the
/// caller's scope.
#[utoipa::path(get, path = "/api/v1/alliances/{id}", tag = "registry",
    params(("id" = i64, Path, description = "alliance id")),
    responses((status = 200, body = AllianceDetail)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(detail_for(&state, &caller, *id).await?))
}

/// Register an alliance (bureau officers inside their region). The lead enterprise becomes its
/// first approved member. Invalid fields answer 422 with `fields: {name: message}`.
#[utoipa::path(post, path = "/api/v1/alliances", tag = "registry", request_body = AllianceInput,
    responses((status = 201, body = AllianceDetail),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<AllianceInput>,
) -> AppResult<HttpResponse> {
    let a = alliances::register(&state.core, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(detail_for(&state, &actor.caller, a.id).await?))
}

/// Edit an alliance's registration. Once it has members, the lead must be one of them.
#[utoipa::path(put, path = "/api/v1/alliances/{id}", tag = "registry", request_body = AllianceInput,
    params(("id" = i64, Path, description = "alliance id")),
    responses((status = 200, body = AllianceDetail),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<AllianceInput>,
) -> AppResult<HttpResponse> {
    let a = alliances::update(&state.core, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(detail_for(&state, &actor.caller, a.id).await?))
}

/// Appoint a committee member (联盟委员会成员): a login account with the committee role bound
/// to this alliance. The initial password must satisfy the password policy (422 otherwise).
#[utoipa::path(post, path = "/api/v1/alliances/{id}/committee", tag = "registry",
    request_body = AppointInput,
    params(("id" = i64, Path, description = "alliance id")),
    responses((status = 201, body = CommitteeAccount),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn appoint(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<AppointInput>,
) -> AppResult<HttpResponse> {
    let u = committee::appoint(&state.core, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(CommitteeAccount::from(u)))
}

/// Deactivate a committee account of this alliance: it can no longer log in and its tokens
/// stop working at once. Repeating it changes nothing.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/committee/{user_id}/deactivate", tag = "registry",
    params(("id" = i64, Path, description = "alliance id"),
           ("user_id" = i64, Path, description = "committee account id")),
    responses((status = 204, description = "deactivated")),
    security(("bearer" = [])))]
pub async fn deactivate(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, user_id) = *path;
    committee::deactivate(&state.core, &actor, id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{api, roles::REGISTRARS};
    vec![
        api(Authenticated, __path_list, list),
        api(Authenticated, __path_get, get),
        api(Roles(REGISTRARS), __path_create, create),
        api(Roles(REGISTRARS), __path_update, update),
        api(Roles(REGISTRARS), __path_appoint, appoint),
        api(Roles(REGISTRARS), __path_deactivate, deactivate),
    ]
}
