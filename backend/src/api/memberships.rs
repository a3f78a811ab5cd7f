//! `/api/v1/memberships`: 联盟成员资格 — list and history through the caller's scope; apply,
//! invite, approve/reject, accept/decline and leave. A request that no longer fits the
//! membership's status (already decided, retried) is a 409 that changes nothing.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::membership::Action;
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::{PageParams, membership};
use crate::web::AppState;

/// Memberships in the caller's scope, oldest first, filtered by status and alliance.
#[utoipa::path(get, path = "/api/v1/memberships", tag = "registry",
    params(membership::MembershipFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<membership::MembershipItem>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<membership::MembershipFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = membership::list(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One membership's history (every transition, oldest first); 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/memberships/{id}/events", tag = "registry",
    params(("id" = i64, Path, description = "membership id")),
    responses((status = 200, body = Vec<membership::MembershipEvent>)),
    security(("bearer" = [])))]
pub async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let events = membership::history(&state.core, &caller.scope, *id).await?;
    Ok(HttpResponse::Ok().json(events))
}

#[derive(Deserialize, ToSchema)]
pub struct ApplyRequest {
    pub alliance_id: i64,
}

/// Apply to join an alliance (enterprise admin). Only active alliances whose region contains
/// the enterprise; re-applying after a rejection or leaving reuses the membership.
#[utoipa::path(post, path = "/api/v1/memberships", tag = "registry", request_body = ApplyRequest,
    responses((status = 200, description = "the membership, now applied", body = membership::MembershipItem),
              (status = 400, description = "not an alliance the enterprise may apply to", body = super::ApiError),
              (status = 409, description = "already a member, applicant or invitee", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn apply(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<ApplyRequest>,
) -> AppResult<HttpResponse> {
    let m = membership::apply(&state.core, &actor, body.alliance_id).await?;
    let item = membership::item(&state.core, &actor.caller.scope, m.id).await?;
    Ok(HttpResponse::Ok().json(item))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteRequest {
    pub enterprise_id: i64,
    /// A note to the enterprise.
    pub note: Option<String>,
}

/// Invite an enterprise inside the alliance's region (committee member).
#[utoipa::path(post, path = "/api/v1/memberships/invite", tag = "registry", request_body = InviteRequest,
    responses((status = 200, description = "the membership, now invited", body = membership::MembershipItem),
              (status = 400, description = "not an enterprise the alliance may invite", body = super::ApiError),
              (status = 409, description = "already a member, applicant or invitee", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn invite(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<InviteRequest>,
) -> AppResult<HttpResponse> {
    let m = membership::invite(
        &state.core,
        &actor,
        body.enterprise_id,
        body.note.as_deref(),
    )
    .await?;
    let item = membership::item(&state.core, &actor.caller.scope, m.id).await?;
    Ok(HttpResponse::Ok().json(item))
}

/// The body of a decision; rejecting and leaving need the reason.
#[derive(Deserialize, ToSchema, Default)]
pub struct ReasonRequest {
    pub reason: Option<String>,
}

async fn act(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    action: Action,
    body: Option<web::Json<ReasonRequest>>,
) -> AppResult<HttpResponse> {
    let reason = body.and_then(|b| b.into_inner().reason);
    let m = membership::act(&state.core, &actor, id, action, reason.as_deref()).await?;
    let item = membership::item(&state.core, &actor.caller.scope, m.id).await?;
    Ok(HttpResponse::Ok().json(item))
}

/// Approve an application (committee member of the membership's alliance).
#[utoipa::path(post, path = "/api/v1/memberships/{id}/approve", tag = "registry",
    params(("id" = i64, Path, description = "membership id")),
    request_body(content = Option<ReasonRequest>),
    responses((status = 200, body = membership::MembershipItem),
              (status = 400, description = "reason missing or too long", body = super::ApiError),
              (status = 404, description = "outside the caller's scope", body = super::ApiError),
              (status = 409, description = "not (any more) in the status this starts from; nothing changed", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn approve(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<ReasonRequest>>,
) -> AppResult<HttpResponse> {
    act(state, actor, *id, Action::Approve, body).await
}

/// Reject an application with a reason (committee member of the membership's alliance).
#[utoipa::path(post, path = "/api/v1/memberships/{id}/reject", tag = "registry",
    params(("id" = i64, Path, description = "membership id")),
    request_body(content = Option<ReasonRequest>),
    responses((status = 200, body = membership::MembershipItem),
              (status = 400, description = "reason missing or too long", body = super::ApiError),
              (status = 404, description = "outside the caller's scope", body = super::ApiError),
              (status = 409, description = "not (any more) in the status this starts from; nothing changed", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<ReasonRequest>>,
) -> AppResult<HttpResponse> {
    act(state, actor, *id, Action::Reject, body).await
}

/// Accept an invitation (enterprise admin of the membership's enterprise).
#[utoipa::path(post, path = "/api/v1/memberships/{id}/accept", tag = "registry",
    params(("id" = i64, Path, description = "membership id")),
    request_body(content = Option<ReasonRequest>),
    responses((status = 200, body = membership::MembershipItem),
              (status = 400, description = "reason missing or too long", body = super::ApiError),
              (status = 404, description = "outside the caller's scope", body = super::ApiError),
              (status = 409, description = "not (any more) in the status this starts from; nothing changed", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn accept(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<ReasonRequest>>,
) -> AppResult<HttpResponse> {
    act(state, actor, *id, Action::Accept, body).await
}

/// Decline an invitation (enterprise admin of the membership's enterprise).
#[utoipa::path(post, path = "/api/v1/memberships/{id}/decline", tag = "registry",
    params(("id" = i64, Path, description = "membership id")),
    request_body(content = Option<ReasonRequest>),
    responses((status = 200, body = membership::MembershipItem),
              (status = 400, description = "reason missing or too long", body = super::ApiError),
              (status = 404, description = "outside the caller's scope", body = super::ApiError),
              (status = 409, description = "not (any more) in the status this starts from; nothing changed", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn decline(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<ReasonRequest>>,
) -> AppResult<HttpResponse> {
    act(state, actor, *id, Action::Decline, body).await
}

/// Leave the alliance with a reason (enterprise admin); also leaves its activity groups.
#[utoipa::path(post, path = "/api/v1/memberships/{id}/leave", tag = "registry",
    params(("id" = i64, Path, description = "membership id")),
    request_body(content = Option<ReasonRequest>),
    responses((status = 200, body = membership::MembershipItem),
              (status = 400, description = "reason missing or too long", body = super::ApiError),
              (status = 404, description = "outside the caller's scope", body = super::ApiError),
              (status = 409, description = "not (any more) in the status this starts from; nothing changed", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn leave(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<ReasonRequest>>,
) -> AppResult<HttpResponse> {
    act(state, actor, *id, Action::Leave, body).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{
        api,
        roles::{COMMITTEE_MEMBERS, ENTERPRISE_ADMINS},
    };
    vec![
        api(Authenticated, __path_list, list),
        api(Roles(ENTERPRISE_ADMINS), __path_apply, apply),
        api(Roles(COMMITTEE_MEMBERS), __path_invite, invite),
        api(Authenticated, __path_events, events),
        api(Roles(COMMITTEE_MEMBERS), __path_approve, approve),
        api(Roles(COMMITTEE_MEMBERS), __path_reject, reject),
        api(Roles(ENTERPRISE_ADMINS), __path_accept, accept),
        api(Roles(ENTERPRISE_ADMINS), __path_decline, decline),
        api(Roles(ENTERPRISE_ADMINS), __path_leave, leave),
    ]
}
