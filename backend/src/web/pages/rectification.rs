//! The rectification loop on the hazard page: one POST per action (acknowledge with the
//! 五落实 plan, dispute and its decision, evidence from the phone, verify or reject, extension
//! request and decision, comment), the enterprise's to-do list and the verification queue of
//! the committee and the bureau. Thin: the rules and the transaction are
//! `services::rectification`.

use std::collections::HashMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::hazard_flow::PlanInput;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::hazards::{self, HazardDetail};
use crate::services::rectification::{
    self as loop_, CommentInput, ExtensionInput, LoopOutcome, LoopSection, NoteInput, QueueRow,
    ReasonInput, RejectInput, TodoRow, VerifyInput,
};
use crate::services::{PageParams, Paged, idempotency};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::upload::CsrfUpload;
use crate::web::{AppState, render};

/// Every form of the hazard page: the fields any action uses, and its one-time token.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LoopForm {
    #[serde(default)]
    idempotency_key: String,
    #[serde(default)]
    responsible_person: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    funds: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    contingency: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reviewed_on: String,
    #[serde(default)]
    text: String,
}

impl LoopForm {
    /// The acting request with this form's one-time token as its idempotency key.
    fn actor(&self, actor: Actor) -> AppResult<Actor> {
        Ok(actor.with_key(idempotency::parse_key(Some(&self.idempotency_key))?))
    }

    fn values(&self) -> HashMap<String, String> {
        let json = serde_json::to_value(self).unwrap_or_default();
        json.as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn note(&self) -> NoteInput {
        NoteInput {
            note: optional(&self.note),
        }
    }
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The hazard page (`hazards/show.html`): the record, its rectification loop, and the forms of
/// the actions the caller may take.
#[derive(Serialize)]
struct HazardPage<'a> {
    hazard: &'a HazardDetail,
    /// The publication the legal basis links to, when the caller may read it: what it is,
    /// whether it is in force (and its successor), the articles the basis names.
    basis: Option<&'a crate::services::checklists::LinkedBasis>,
    /// The loop at the top level: `plan`, `timeline`, `actions` (what the caller may do now),
    /// `may_comment`, `pending_extension`, `overdue_days`.
    #[serde(flatten)]
    rectification: &'a LoopSection,
    /// The notice after an action (`loop.done_…`).
    done: Option<String>,
    /// The form shown again after a refusal (`acknowledge`, `dispute`, `verification` …).
    refused_form: Option<&'a str>,
    /// That form's values as typed.
    values: &'a HashMap<String, String>,
    errors: &'a FieldErrors,
    /// Why the action was refused, when it was not a field's fault.
    problem: Option<&'static str>,
    /// The forms' one-time token.
    idempotency_key: String,
    today: chrono::NaiveDate,
}

/// The hazard page, with what the caller may do and (after a refusal) the form named `form`
/// shown again.
pub(crate) async fn hazard_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    done: Option<String>,
    form: Option<&str>,
    retry: Option<&Retry<HashMap<String, String>>>,
) -> AppResult<HttpResponse> {
    let detail = hazards::detail(&state.core, caller, id).await?;
    let status = retry.map_or(StatusCode::OK, |r| r.status);
    let (no_values, no_errors) = (HashMap::new(), FieldErrors::default());
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "hazards/show.html",
        HazardPage {
            hazard: &detail,
            basis: detail.basis.as_ref(),
            rectification: &detail.rectification,
            done,
            refused_form: form,
            values: retry.map_or(&no_values, |r| &r.values),
            errors: retry.map_or(&no_errors, |r| &r.errors),
            problem: retry.and_then(|r| r.problem),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            today: state.core.today(),
        },
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

/// After an action: back to the hazard, or the form again with what went wrong.
async fn conclude(
    state: &AppState,
    ctx: &RequestContext,
    actor: &Actor,
    id: i64,
    form_name: &str,
    values: HashMap<String, String>,
    result: AppResult<LoopOutcome>,
) -> AppResult<HttpResponse> {
    let retry = match result {
        Ok(outcome) => return Ok(see_other(&format!("/hazards/{id}?done={}", outcome.action))),
        Err(AppError::Validation(errors)) => Retry::invalid(values, errors),
        Err(AppError::Conflict(key)) | Err(AppError::BadRequest(key)) => {
            let status = if key.starts_with("loop.wrong") {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            Retry::refused(values, status, key)
        }
        Err(e) => return Err(e),
    };
    hazard_page(
        state,
        ctx,
        &actor.caller,
        id,
        None,
        Some(form_name),
        Some(&retry),
    )
    .await
}

/// 确认并制定整改方案 (form `acknowledge`).
pub async fn acknowledge(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let plan = PlanInput {
        responsible_person: form.responsible_person.clone(),
        measures: form.measures.clone(),
        funds: form.funds.clone(),
        deadline: form.deadline.clone(),
        contingency: form.contingency.clone(),
    };
    let result = loop_::acknowledge(&state.core, &actor, id, &plan).await;
    conclude(
        &state,
        &ctx,
        &actor,
        id,
        "acknowledge",
        form.values(),
        result,
    )
    .await
}

/// 申诉 (form `dispute`).
pub async fn dispute(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let input = ReasonInput {
        reason: form.reason.clone(),
    };
    let result = loop_::dispute(&state.core, &actor, id, &input).await;
    conclude(&state, &ctx, &actor, id, "dispute", form.values(), result).await
}

/// 维持: the dispute is rejected (form `dispute_decision`).
pub async fn uphold(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let result = loop_::uphold(&state.core, &actor, id, &form.note()).await;
    conclude(
        &state,
        &ctx,
        &actor,
        id,
        "dispute_decision",
        form.values(),
        result,
    )
    .await
}

/// 撤销: the dispute is accepted (form `dispute_decision`).
pub async fn withdraw(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let result = loop_::withdraw(&state.core, &actor, id, &form.note()).await;
    conclude(
        &state,
        &ctx,
        &actor,
        id,
        "dispute_decision",
        form.values(),
        result,
    )
    .await
}

/// 验收通过 (form `verification`).
pub async fn verify(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let input = VerifyInput {
        note: optional(&form.note),
        reviewed_on: optional(&form.reviewed_on),
    };
    let result = loop_::verify(&state.core, &actor, id, &input).await;
    conclude(
        &state,
        &ctx,
        &actor,
        id,
        "verification",
        form.values(),
        result,
    )
    .await
}

/// 验收不通过 (form `verification`).
pub async fn reject(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let input = RejectInput {
        reason: form.reason.clone(),
        reviewed_on: optional(&form.reviewed_on),
    };
    let result = loop_::reject(&state.core, &actor, id, &input).await;
    conclude(
        &state,
        &ctx,
        &actor,
        id,
        "verification",
        form.values(),
        result,
    )
    .await
}

/// 延期申请 (form `extension`).
pub async fn request_extension(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let input = ExtensionInput {
        reason: form.reason.clone(),
        deadline: form.deadline.clone(),
    };
    let result = loop_::request_extension(&state.core, &actor, id, &input).await;
    conclude(&state, &ctx, &actor, id, "extension", form.values(), result).await
}

/// 留言 (form `comment`).
pub async fn comment(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), form.actor(actor)?);
    let input = CommentInput {
        text: form.text.clone(),
    };
    let result = loop_::comment(&state.core, &actor, id, &input).await;
    conclude(&state, &ctx, &actor, id, "comment", form.values(), result).await
}

/// 同意 / 不同意延期 (form `extension_decision`).
async fn decide(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    form: LoopForm,
    grant: bool,
) -> AppResult<HttpResponse> {
    let ((id, extension_id), actor) = (path.into_inner(), form.actor(actor)?);
    let input = form.note();
    let result =
        loop_::decide_extension(&state.core, &actor, id, extension_id, grant, &input).await;
    conclude(
        &state,
        &ctx,
        &actor,
        id,
        "extension_decision",
        form.values(),
        result,
    )
    .await
}

pub async fn grant_extension(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    decide(state, ctx, actor, path, form, true).await
}

pub async fn refuse_extension(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    decide(state, ctx, actor, path, form, false).await
}

/// 提交整改证据 from the phone: a completion note and photos (multipart; form `evidence`).
pub async fn evidence(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<i64>,
    CsrfUpload(form): CsrfUpload,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let actor = actor.with_key(idempotency::parse_key(form.value("idempotency_key"))?);
    let note = form.value("note").unwrap_or("").to_string();
    let values = HashMap::from([("note".to_string(), note.clone())]);
    let read = form.field_errors();
    let result = if read.is_empty() {
        let uploads = form.files.clone();
        loop_::submit_evidence(&state.core, &actor, id, &note, uploads).await
    } else {
        Err(AppError::Validation(read))
    };
    conclude(&state, &ctx, &actor, id, "evidence", values, result).await
}

/// 我的待办 (`hazards/todo.html`): the enterprise's hazards waiting for its action.
#[derive(Serialize)]
struct TodoPage {
    rows: Paged<TodoRow>,
}

/// 待处理 (`hazards/queue.html`): the hazards waiting for the committee's or the bureau's
/// decision.
#[derive(Serialize)]
struct QueuePage {
    rows: Paged<QueueRow>,
}

/// 我的待办 (enterprise) and 待处理 (committee, bureau): what needs the caller's action.
pub async fn todo(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let rows = loop_::todo(&state.core, &caller, page).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/todo.html",
        TodoPage { rows },
    )
}

pub async fn queue(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let rows = loop_::verification_queue(&state.core, &caller, page).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/queue.html",
        QueuePage { rows },
    )
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 整改闭环 on the hazard page: every logged-in user reaches the forms; the loop's rules (party and
/// state) decide, as in the API. The to-do list and the queues.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Portal};
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        post("/hazards/{id}/acknowledge", Authenticated, acknowledge),
        post("/hazards/{id}/dispute", Authenticated, dispute),
        post("/hazards/{id}/uphold", Authenticated, uphold),
        post("/hazards/{id}/withdraw", Authenticated, withdraw),
        post("/hazards/{id}/evidence", Authenticated, evidence),
        post("/hazards/{id}/verify", Authenticated, verify),
        post("/hazards/{id}/reject", Authenticated, reject),
        post("/hazards/{id}/extensions", Authenticated, request_extension),
        post("/hazards/{id}/extensions/{extension_id}/grant", Authenticated, grant_extension),
        post("/hazards/{id}/extensions/{extension_id}/refuse", Authenticated, refuse_extension),
        post("/hazards/{id}/comments", Authenticated, comment),
        get("/enterprise/todo", Portal(P::Enterprise), todo),
        get("/expert/todo", Portal(P::Expert), todo),
        get("/committee/queue", Portal(P::Committee), queue),
        get("/regulator/queue", Portal(P::Regulator), queue),
    ]
}
