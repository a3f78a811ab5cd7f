//! `/api/v1/inspections`: inspections in the caller's scope; self-inspections; start, submit
//! (multipart, with `Idempotency-Key`) and the committee's review.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::inspections::submit::{self, Submission, SubmitOutcome};
use crate::services::inspections::{
    self, InspectionDetail, InspectionFilter, InspectionRow, ReviewOutcome, SelfInspectionInput,
};
use crate::services::{PageParams, Paged};
use crate::web::AppState;
use crate::web::upload::ApiUpload;

/// Inspections the caller may see, newest planned first.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections",
    params(InspectionFilter, PageParams),
    responses((status = 200, body = Paged<InspectionRow>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<InspectionFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    Ok(
        HttpResponse::Ok()
            .json(inspections::list(&state.core, &caller.scope, &filter, page).await?),
    )
}

/// One inspection with its checklist, answers, photos and hazards.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections",
    params(("id" = i64, Path, description = "inspection id")),
    responses((status = 200, body = InspectionDetail)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(inspections::detail(&state.core, &caller, *id).await?))
}

/// Plan a self-inspection (自查) of the caller's enterprise.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections",
    request_body = SelfInspectionInput,
    responses((status = 201, body = InspectionDetail)),
    security(("bearer" = [])))]
pub async fn create_self(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<SelfInspectionInput>,
) -> AppResult<HttpResponse> {
    let i = inspections::create_self(&state.core, &actor, &body).await?;
    Ok(HttpResponse::Created().json(inspections::detail(&state.core, &actor.caller, i.id).await?))
}

/// Start an assigned inspection (planned → in progress); the inspecting side only.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/start", tag = "inspections",
    params(("id" = i64, Path, description = "inspection id")),
    responses((status = 200, body = InspectionDetail),
              (status = 409, description = "not planned any more", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn start(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    inspections::start(&state.core, &actor, *id).await?;
    Ok(HttpResponse::Ok().json(inspections::detail(&state.core, &actor.caller, *id).await?))
}

/// The multipart body of a submit: a `submission` part holding the JSON below, and file
/// parts whose field names the JSON's `photos` lists refer to.
#[derive(ToSchema)]
#[expect(dead_code, reason = "documents the multipart body for OpenAPI")]
pub struct SubmitBody {
    /// `Submission` as JSON.
    submission: Submission,
    /// Photo or PDF files (JPEG, PNG, WebP, PDF), in fields named by the submission.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// Hand in the whole inspection in one transaction: answers, hazards of failed items and extra
/// hazards, with their photos. With an `Idempotency-Key`, a retry returns the first answer.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/submit", tag = "inspections",
    params(("id" = i64, Path, description = "inspection id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retried submit safe")),
    request_body(content = SubmitBody, content_type = "multipart/form-data"),
    responses((status = 200, body = SubmitOutcome),
              (status = 403, description = "not the inspecting side", body = super::ApiError),
              (status = 409, description = "already submitted", body = super::ApiError),
              (status = 422, description = "fields and files refused, by field", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn submit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    ApiUpload(form): ApiUpload,
) -> AppResult<HttpResponse> {
    // A malformed key is refused before the form is looked at.
    actor.key()?;
    let Some(raw) = form.value("submission") else {
        return Err(AppError::BadRequest("inspections.no_submission"));
    };
    let submission: Submission = serde_json::from_str(raw)
        .map_err(|_| AppError::BadRequest("inspections.bad_submission"))?;
    form.field_errors().into_result()?;
    let uploads = form.files;
    let outcome = submit::submit(&state.core, &actor, *id, &submission, uploads).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    pub note: Option<String>,
}

/// The committee reviews a submitted mutual inspection of its alliance.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/review", tag = "inspections",
    request_body = ReviewRequest,
    params(("id" = i64, Path, description = "inspection id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = ReviewOutcome),
              (status = 409, description = "not submitted", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn review(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<ReviewRequest>,
) -> AppResult<HttpResponse> {
    let outcome = inspections::review(&state.core, &actor, *id, body.note.as_deref()).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{
        api,
        roles::{COMMITTEE_MEMBERS, ENTERPRISE_USERS, INSPECTORS},
    };
    vec![
        api(Authenticated, __path_list, list),
        api(Roles(ENTERPRISE_USERS), __path_create_self, create_self),
        api(Authenticated, __path_get, get),
        api(Roles(INSPECTORS), __path_start, start),
        api(Roles(INSPECTORS), __path_submit, submit),
        api(Roles(COMMITTEE_MEMBERS), __path_review, review),
    ]
}
