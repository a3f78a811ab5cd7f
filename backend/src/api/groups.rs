//! `/api/v1/groups`: 活动小组 — the groups in the caller's scope; the committee creates and
//! renames its alliance's groups, adds and removes members and names the leader.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::groups;
use crate::web::AppState;

/// The activity groups in the caller's scope, each with its leader and members.
#[utoipa::path(get, path = "/api/v1/groups", tag = "registry",
    responses((status = 200, body = Vec<groups::GroupItem>)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(groups::list(&state.core, &caller.scope).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct GroupName {
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct GroupMemberRequest {
    pub enterprise_id: i64,
}

async fn current(state: &AppState, caller: &Caller, id: i64) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(groups::get(&state.core, &caller.scope, id).await?))
}

/// Create an (empty) group in the committee's alliance.
#[utoipa::path(post, path = "/api/v1/groups", tag = "registry", request_body = GroupName,
    responses((status = 201, body = groups::GroupItem),
              (status = 400, description = "name missing or too long", body = super::ApiError),
              (status = 409, description = "the alliance has a group of that name", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<GroupName>,
) -> AppResult<HttpResponse> {
    let g = groups::create(&state.core, &actor, &body.name).await?;
    Ok(HttpResponse::Created().json(groups::get(&state.core, &actor.caller.scope, g.id).await?))
}

/// Rename a group of the committee's alliance.
#[utoipa::path(post, path = "/api/v1/groups/{id}/name", tag = "registry", request_body = GroupName,
    params(("id" = i64, Path, description = "group id")),
    responses((status = 200, body = groups::GroupItem),
              (status = 400, description = "name missing or too long", body = super::ApiError),
              (status = 409, description = "the alliance has a group of that name", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn rename(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<GroupName>,
) -> AppResult<HttpResponse> {
    groups::rename(&state.core, &actor, *id, &body.name).await?;
    current(&state, &actor.caller, *id).await
}

/// Add an approved member of the alliance that is in no other group of it.
#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "registry",
    request_body = GroupMemberRequest,
    params(("id" = i64, Path, description = "group id")),
    responses((status = 200, body = groups::GroupItem),
              (status = 400, description = "not an approved member of the alliance", body = super::ApiError),
              (status = 409, description = "already in a group of this alliance", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn add_member(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<GroupMemberRequest>,
) -> AppResult<HttpResponse> {
    groups::add_member(&state.core, &actor, *id, body.enterprise_id).await?;
    current(&state, &actor.caller, *id).await
}

/// Remove a member from the group (a leader removed leaves the group without one).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{enterprise_id}", tag = "registry",
    params(("id" = i64, Path, description = "group id"),
           ("enterprise_id" = i64, Path, description = "enterprise id")),
    responses((status = 200, body = groups::GroupItem),
              (status = 409, description = "not in the group; nothing changed", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn remove_member(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, enterprise_id) = *path;
    groups::remove_member(&state.core, &actor, id, enterprise_id).await?;
    current(&state, &actor.caller, id).await
}

/// Name the group's leader (组长单位); it must be a member of the group.
#[utoipa::path(post, path = "/api/v1/groups/{id}/leader", tag = "registry",
    request_body = GroupMemberRequest,
    params(("id" = i64, Path, description = "group id")),
    responses((status = 200, body = groups::GroupItem),
              (status = 400, description = "not a member of the group", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn set_leader(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<GroupMemberRequest>,
) -> AppResult<HttpResponse> {
    groups::set_leader(&state.core, &actor, *id, body.enterprise_id).await?;
    current(&state, &actor.caller, *id).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{api, roles::COMMITTEE_MEMBERS};
    vec![
        api(Authenticated, __path_list, list),
        api(Roles(COMMITTEE_MEMBERS), __path_create, create),
        api(Roles(COMMITTEE_MEMBERS), __path_rename, rename),
        api(Roles(COMMITTEE_MEMBERS), __path_add_member, add_member),
        api(Roles(COMMITTEE_MEMBERS), __path_remove_member, remove_member),
        api(Roles(COMMITTEE_MEMBERS), __path_set_leader, set_leader),
    ]
}
