//! `/api/v1/expert-requests`: expert service requests (专家服务申请) — the list and one request
//! as the caller's scope allows, filing (and attachments) by an enterprise or a committee, the
//! bureau's suggestions, and one POST per step of the flow (`domain::expert_flow`).

use actix_web::{HttpResponse, web};

use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::expert_requests::write::{COMPLETERS, READERS, REQUESTERS};
use crate::services::expert_requests::{
    AcceptInput, AssignInput, GivenReason, NewRequest, RateInput, ReasonInput, ReportInput,
    RequestFilter, RequestItem, RequestRef, RequestView, SuggestionView, queries, write,
};
use crate::services::{PageParams, Paged};
use crate::web::AppState;
use crate::web::upload::ApiUpload;

/// The requests the caller may see, newest first; optionally in one state.
#[utoipa::path(get, path = "/api/v1/expert-requests", tag = "expert_requests",
    params(RequestFilter, PageParams),
    responses((status = 200, body = Paged<RequestItem>),
              (status = 422, description = "unknown state", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<RequestFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = queries::list(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One request with its experts, files, timeline and the actions the caller may take.
#[utoipa::path(get, path = "/api/v1/expert-requests/{id}", tag = "expert_requests",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = RequestView),
              (status = 404, description = "absent or not for the caller", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(queries::get(&state.core, &caller, *id).await?))
}

async fn current(state: &AppState, caller: &Caller, r: RequestRef) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(queries::get(&state.core, caller, r.id).await?))
}

/// File a request: an enterprise for itself, a committee for an approved member
/// (`enterprise_id`). The bureau officers of the enterprise's town and city are told.
#[utoipa::path(post, path = "/api/v1/expert-requests", tag = "expert_requests",
    request_body = NewRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 201, body = RequestView),
              (status = 422, description = "fields refused, by field", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewRequest>,
) -> AppResult<HttpResponse> {
    let r = write::create(&state.core, &actor, &body).await?;
    let view = queries::get(&state.core, &actor.caller, r.id).await?;
    Ok(HttpResponse::Created().json(view))
}

/// An attachment upload.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the multipart body only")]
pub struct RequestUpload {
    /// A PDF, JPEG or PNG (checked by its magic bytes).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attach a PDF, JPEG or PNG (the requester, before the visit).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/files", tag = "expert_requests",
    request_body(content = RequestUpload, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView),
              (status = 422, description = "not a PDF/JPEG/PNG, empty or too big", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn attach(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    ApiUpload(form): ApiUpload,
) -> AppResult<HttpResponse> {
    actor.key()?;
    form.check()?;
    let upload = form
        .files
        .into_iter()
        .find(|f| f.field == "file")
        .ok_or(AppError::BadRequest("expert_requests.no_file"))?;
    let r = write::attach(&state.core, &actor, *id, upload).await?;
    current(&state, &actor.caller, r).await
}

/// The experts offered for a request, best first (the bureau holding it).
#[utoipa::path(get, path = "/api/v1/expert-requests/{id}/suggestions", tag = "expert_requests",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = Vec<SuggestionView>)),
    security(("bearer" = [])))]
pub async fn suggestions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(queries::suggestions(&state.core, &caller, *id).await?))
}

/// Assign experts (the bureau); a conflicted expert needs `confirm_conflict`.
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/assign", tag = "expert_requests",
    request_body = AssignInput,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn assign(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<AssignInput>,
) -> AppResult<HttpResponse> {
    let r = write::assign(&state.core, &actor, *id, &body).await?;
    current(&state, &actor.caller, r).await
}

/// Reject with a reason (the bureau, before an expert accepted).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/reject", tag = "expert_requests",
    request_body = GivenReason,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<GivenReason>,
) -> AppResult<HttpResponse> {
    let r = write::reject(&state.core, &actor, *id, &body.into_inner().into()).await?;
    current(&state, &actor.caller, r).await
}

/// Accept with the visit date (an assigned expert).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/accept", tag = "expert_requests",
    request_body = AcceptInput,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn accept(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<AcceptInput>,
) -> AppResult<HttpResponse> {
    let r = write::accept(&state.core, &actor, *id, &body).await?;
    current(&state, &actor.caller, r).await
}

/// Decline with a reason (an assigned expert).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/decline", tag = "expert_requests",
    request_body = GivenReason,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn decline(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<GivenReason>,
) -> AppResult<HttpResponse> {
    let r = write::decline(&state.core, &actor, *id, &body.into_inner().into()).await?;
    current(&state, &actor.caller, r).await
}

/// File the service report (an expert who accepted).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/report", tag = "expert_requests",
    request_body = ReportInput,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn report(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReportInput>,
) -> AppResult<HttpResponse> {
    let r = write::report(&state.core, &actor, *id, &body).await?;
    current(&state, &actor.caller, r).await
}

/// Confirm completion (the requester or the bureau).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/complete", tag = "expert_requests",
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn complete(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let r = write::complete(&state.core, &actor, *id).await?;
    current(&state, &actor.caller, r).await
}

/// Rate once, 1–5 with an optional comment (the requester).
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/rate", tag = "expert_requests",
    request_body = RateInput,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn rate(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<RateInput>,
) -> AppResult<HttpResponse> {
    let r = write::rate(&state.core, &actor, *id, &body).await?;
    current(&state, &actor.caller, r).await
}

/// Cancel before the visit (the requester), with an optional reason.
#[utoipa::path(post, path = "/api/v1/expert-requests/{id}/cancel", tag = "expert_requests",
    request_body = ReasonInput,
    params(("id" = i64, Path, description = "request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = RequestView)),
    security(("bearer" = [])))]
pub async fn cancel(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReasonInput>,
) -> AppResult<HttpResponse> {
    let r = write::cancel(&state.core, &actor, *id, &body).await?;
    current(&state, &actor.caller, r).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 专家服务申请: enterprises and committees file; everyone in the flow reads what its scope
/// allows and takes the steps its party may take (each step checks the party).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::domain::role::Role;
    use crate::web::routes::api;
    vec![
        api(Roles(READERS), __path_list, list),
        api(Roles(REQUESTERS), __path_create, create),
        api(Roles(READERS), __path_get, get),
        api(Roles(REQUESTERS), __path_attach, attach),
        api(Roles(&[Role::Regulator]), __path_suggestions, suggestions),
        api(Roles(&[Role::Regulator]), __path_assign, assign),
        api(Roles(&[Role::Regulator]), __path_reject, reject),
        api(Roles(&[Role::Expert]), __path_accept, accept),
        api(Roles(&[Role::Expert]), __path_decline, decline),
        api(Roles(&[Role::Expert]), __path_report, report),
        api(Roles(COMPLETERS), __path_complete, complete),
        api(Roles(REQUESTERS), __path_rate, rate),
        api(Roles(REQUESTERS), __path_cancel, cancel),
    ]
}
