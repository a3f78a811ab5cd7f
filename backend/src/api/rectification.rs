//! `/api/v1/hazards/{id}/…`: the rectification loop's actions (each with `Idempotency-Key`),
//! the timeline, the enterprise's to-do list and the verification queue. Who may act is decided
//! by the loop's rules: 404 outside the caller's scope, 403 not the caller's action, 409 the
//! hazard is no longer in a state where it applies, 422 input refused by field.

use actix_web::{HttpResponse, web};
use utoipa::ToSchema;

use crate::domain::hazard_flow::PlanInput;
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::rectification::{
    self as loop_, CommentInput, DecisionInput, ExtensionInput, LoopOutcome, NoteInput, QueueRow,
    ReasonInput, RejectInput, TimelineEntry, TodoRow, VerifyInput,
};
use crate::web::AppState;
use crate::web::upload::ApiUpload;

fn ok(outcome: LoopOutcome) -> HttpResponse {
    HttpResponse::Ok().json(outcome)
}

/// 确认并制定整改方案: the inspected enterprise acknowledges the finding with the 五落实 plan
/// (all five elements required); the plan's deadline becomes the hazard's.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/acknowledge", tag = "rectification",
    request_body = PlanInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome),
              (status = 403, description = "not the inspected enterprise", body = super::ApiError),
              (status = 409, description = "not 待确认 any more", body = super::ApiError),
              (status = 422, description = "plan elements missing, by field", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<PlanInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(
        loop_::acknowledge(&state.core, &actor, *id, &body).await?
    ))
}

/// 申诉: the inspected enterprise disputes a finding made by someone else.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/dispute", tag = "rectification",
    request_body = ReasonInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome)),
    security(("bearer" = [])))]
pub async fn dispute(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReasonInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::dispute(&state.core, &actor, *id, &body).await?))
}

/// 维持: the committee (the bureau for a major hazard) rejects the dispute; back to 待确认.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/uphold", tag = "rectification",
    request_body = NoteInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome)),
    security(("bearer" = [])))]
pub async fn uphold(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NoteInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::uphold(&state.core, &actor, *id, &body).await?))
}

/// 撤销: the decider accepts the dispute and withdraws the finding (已撤销).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/withdraw", tag = "rectification",
    request_body = NoteInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome)),
    security(("bearer" = [])))]
pub async fn withdraw(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<NoteInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::withdraw(&state.core, &actor, *id, &body).await?))
}

/// The multipart body of an evidence submission.
#[derive(ToSchema)]
#[expect(dead_code, reason = "documents the multipart body for OpenAPI")]
pub struct EvidenceBody {
    /// The completion note (整改完成情况).
    note: String,
    /// At least one photo or PDF (JPEG, PNG, WebP, PDF), in any file field.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// 提交整改证据: the inspected enterprise hands in its completion note with photos or PDFs
/// (→ 待验收); the verifiers are told.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/evidence", tag = "rectification",
    request_body(content = EvidenceBody, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome),
              (status = 422, description = "note or files refused", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn evidence(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    ApiUpload(form): ApiUpload,
) -> AppResult<HttpResponse> {
    // A malformed key is refused before the form is looked at.
    actor.key()?;
    form.field_errors().into_result()?;
    let note = form.value("note").unwrap_or("").to_string();
    let uploads = form.files;
    let outcome = loop_::submit_evidence(&state.core, &actor, *id, &note, uploads).await?;
    Ok(ok(outcome))
}

/// 验收通过 → 已销号. A major hazard only by the bureau, with its on-site review date (核销).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/verify", tag = "rectification",
    request_body = VerifyInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome),
              (status = 403, description = "not a verifier of this hazard", body = super::ApiError),
              (status = 422, description = "review date missing or in the future", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn verify(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<VerifyInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::verify(&state.core, &actor, *id, &body).await?))
}

/// 验收不通过 → back to 整改中 with the reason (for a major hazard: a failed review, still listed).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/reject", tag = "rectification",
    request_body = RejectInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome)),
    security(("bearer" = [])))]
pub async fn reject(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<RejectInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::reject(&state.core, &actor, *id, &body).await?))
}

/// 延期申请: the inspected enterprise asks for a later deadline (one pending request at a time).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/extensions", tag = "rectification",
    request_body = ExtensionInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome),
              (status = 409, description = "a request is already pending, or wrong state", body = super::ApiError),
              (status = 422, description = "reason missing or deadline not later", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn request_extension(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ExtensionInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::request_extension(
        &state.core,
        &actor,
        *id,
        &body,
    )
    .await?))
}

async fn decide(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    body: web::Json<DecisionInput>,
    grant: bool,
) -> AppResult<HttpResponse> {
    let (id, extension_id) = path.into_inner();
    let outcome =
        loop_::decide_extension(&state.core, &actor, id, extension_id, grant, &body).await?;
    Ok(ok(outcome))
}

/// 同意延期: the decider grants the pending request; the deadline moves.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/extensions/{extension_id}/grant", tag = "rectification",
    request_body = NoteInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("extension_id" = i64, Path, description = "extension request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome),
              (status = 409, description = "already decided", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn grant_extension(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    body: web::Json<DecisionInput>,
) -> AppResult<HttpResponse> {
    decide(state, actor, path, body, true).await
}

/// 不同意延期: the decider refuses the pending request, with a note.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/extensions/{extension_id}/refuse", tag = "rectification",
    request_body = NoteInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("extension_id" = i64, Path, description = "extension request id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome),
              (status = 409, description = "already decided", body = super::ApiError),
              (status = 422, description = "note missing", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn refuse_extension(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    body: web::Json<DecisionInput>,
) -> AppResult<HttpResponse> {
    decide(state, actor, path, body, false).await
}

/// 留言: a comment on the timeline by a party of the hazard; the state does not change.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/comments", tag = "rectification",
    request_body = CommentInput,
    params(("id" = i64, Path, description = "hazard id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = LoopOutcome)),
    security(("bearer" = [])))]
pub async fn comment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<CommentInput>,
) -> AppResult<HttpResponse> {
    Ok(ok(loop_::comment(&state.core, &actor, *id, &body).await?))
}

/// The hazard's timeline, oldest first, with the files of each event.
#[utoipa::path(get, path = "/api/v1/hazards/{id}/timeline", tag = "rectification",
    params(("id" = i64, Path, description = "hazard id")),
    responses((status = 200, body = Vec<TimelineEntry>)),
    security(("bearer" = [])))]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(loop_::timeline(&state.core, &caller, *id).await?))
}

/// 待办: one page of the hazards waiting for the caller's enterprise, earliest deadline first
/// (empty for other callers).
#[utoipa::path(get, path = "/api/v1/todo", tag = "rectification",
    params(crate::services::PageParams),
    responses((status = 200, body = crate::services::Paged<TodoRow>)),
    security(("bearer" = [])))]
pub async fn todo(
    state: web::Data<AppState>,
    caller: Caller,
    page: crate::services::PageParams,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(loop_::todo(&state.core, &caller, page).await?))
}

/// The verification queue of a committee or the bureau, one page: evidence to verify, disputes
/// and extension requests to decide, longest untouched first (empty for other callers).
#[utoipa::path(get, path = "/api/v1/queue", tag = "rectification",
    params(crate::services::PageParams),
    responses((status = 200, body = crate::services::Paged<QueueRow>)),
    security(("bearer" = [])))]
pub async fn queue(
    state: web::Data<AppState>,
    caller: Caller,
    page: crate::services::PageParams,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(loop_::verification_queue(&state.core, &caller, page).await?))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 整改闭环: any logged-in caller; the loop's rules decide (404 / 403 / 409).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Authenticated;
    use crate::web::routes::api;
    vec![
        api(Authenticated, __path_acknowledge, acknowledge),
        api(Authenticated, __path_dispute, dispute),
        api(Authenticated, __path_uphold, uphold),
        api(Authenticated, __path_withdraw, withdraw),
        api(Authenticated, __path_evidence, evidence),
        api(Authenticated, __path_verify, verify),
        api(Authenticated, __path_reject, reject),
        api(Authenticated, __path_request_extension, request_extension),
        api(Authenticated, __path_grant_extension, grant_extension),
        api(Authenticated, __path_refuse_extension, refuse_extension),
        api(Authenticated, __path_comment, comment),
        api(Authenticated, __path_timeline, timeline),
        api(Authenticated, __path_todo, todo),
        api(Authenticated, __path_queue, queue),
    ]
}
