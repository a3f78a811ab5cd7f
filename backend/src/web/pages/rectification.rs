//! The rectification loop on the hazard page: one POST per action (acknowledge with the
//! 五落实 plan, dispute and its decision, evidence from the phone, verify or reject, extension
//! request and decision, comment), the enterprise's to-do list and the verification queue of
//! the committee and the bureau. Thin: the rules and the transaction are
//! `services::rectification`.

use std::collections::HashMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::hazard_flow::PlanInput;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::rectification::{
    self as loop_, CommentInput, ExtensionInput, LoopOutcome, NoteInput, ReasonInput, RejectInput,
    VerifyInput,
};
use crate::services::{hazards, idempotency};
use crate::web::errors::rendered;
use crate::web::form::CsrfForm;
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
    fn key(&self) -> AppResult<Option<String>> {
        idempotency::parse_key(Some(&self.idempotency_key))
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
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The hazard page, with what the caller may do and (after a refusal) the form shown again.
#[expect(clippy::too_many_arguments)]
pub(crate) async fn hazard_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    status: StatusCode,
    done: Option<String>,
    form: Option<&str>,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    problem: Option<&str>,
) -> AppResult<HttpResponse> {
    let detail = hazards::detail(&state.core, caller, id).await?;
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "hazards/show.html",
        context! {
            h => Value::from(Serde(&detail)),
            done,
            form,
            v => Value::from(Serde(values)),
            errors => Value::from(Serde(errors)),
            problem,
            key => uuid::Uuid::new_v4().to_string(),
            today => state.core.today().to_string(),
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
    caller: &Caller,
    id: i64,
    form_name: &str,
    values: HashMap<String, String>,
    result: AppResult<LoopOutcome>,
) -> AppResult<HttpResponse> {
    match result {
        Ok(outcome) => Ok(see_other(&format!("/hazards/{id}?done={}", outcome.action))),
        Err(AppError::Validation(errors)) => {
            hazard_page(
                state,
                ctx,
                caller,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(form_name),
                &values,
                &errors,
                None,
            )
            .await
        }
        Err(AppError::Conflict(key)) | Err(AppError::BadRequest(key)) => {
            let status = if key.starts_with("loop.wrong") {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            hazard_page(
                state,
                ctx,
                caller,
                id,
                status,
                None,
                Some(form_name),
                &values,
                &FieldErrors::default(),
                Some(key),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

macro_rules! loop_action {
    ($name:ident, $form:literal, |$core:ident, $caller:ident, $ip:ident, $id:ident, $f:ident, $key:ident| $call:expr) => {
        pub async fn $name(
            state: web::Data<AppState>,
            ctx: RequestContext,
            caller: Caller,
            path: web::Path<i64>,
            CsrfForm(form): CsrfForm<LoopForm>,
        ) -> AppResult<HttpResponse> {
            let $id = path.into_inner();
            let key = form.key()?;
            let result = {
                let ($core, $caller, $ip, $f, $key) =
                    (&state.core, &caller, ctx.ip.clone(), &form, key.as_deref());
                $call.await
            };
            conclude(&state, &ctx, &caller, $id, $form, form.values(), result).await
        }
    };
}

loop_action!(
    acknowledge,
    "acknowledge",
    |core, caller, ip, id, f, key| {
        let plan = PlanInput {
            responsible_person: f.responsible_person.clone(),
            measures: f.measures.clone(),
            funds: f.funds.clone(),
            deadline: f.deadline.clone(),
            contingency: f.contingency.clone(),
        };
        async move { loop_::acknowledge(core, caller, ip, id, &plan, key).await }
    }
);

loop_action!(dispute, "dispute", |core, caller, ip, id, f, key| {
    let input = ReasonInput {
        reason: f.reason.clone(),
    };
    async move { loop_::dispute(core, caller, ip, id, &input, key).await }
});

loop_action!(
    uphold,
    "dispute_decision",
    |core, caller, ip, id, f, key| {
        let input = NoteInput {
            note: optional(&f.note),
        };
        async move { loop_::uphold(core, caller, ip, id, &input, key).await }
    }
);

loop_action!(
    withdraw,
    "dispute_decision",
    |core, caller, ip, id, f, key| {
        let input = NoteInput {
            note: optional(&f.note),
        };
        async move { loop_::withdraw(core, caller, ip, id, &input, key).await }
    }
);

loop_action!(verify, "verification", |core, caller, ip, id, f, key| {
    let input = VerifyInput {
        note: optional(&f.note),
        reviewed_on: optional(&f.reviewed_on),
    };
    async move { loop_::verify(core, caller, ip, id, &input, key).await }
});

loop_action!(reject, "verification", |core, caller, ip, id, f, key| {
    let input = RejectInput {
        reason: f.reason.clone(),
        reviewed_on: optional(&f.reviewed_on),
    };
    async move { loop_::reject(core, caller, ip, id, &input, key).await }
});

loop_action!(
    request_extension,
    "extension",
    |core, caller, ip, id, f, key| {
        let input = ExtensionInput {
            reason: f.reason.clone(),
            deadline: f.deadline.clone(),
        };
        async move { loop_::request_extension(core, caller, ip, id, &input, key).await }
    }
);

loop_action!(comment, "comment", |core, caller, ip, id, f, key| {
    let input = CommentInput {
        text: f.text.clone(),
    };
    async move { loop_::comment(core, caller, ip, id, &input, key).await }
});

/// 同意 / 不同意延期.
async fn decide(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    form: LoopForm,
    grant: bool,
) -> AppResult<HttpResponse> {
    let (id, extension_id) = path.into_inner();
    let key = form.key()?;
    let input = NoteInput {
        note: optional(&form.note),
    };
    let result = loop_::decide_extension(
        &state.core,
        &caller,
        ctx.ip.clone(),
        id,
        extension_id,
        grant,
        &input,
        key.as_deref(),
    )
    .await;
    conclude(
        &state,
        &ctx,
        &caller,
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
    caller: Caller,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    decide(state, ctx, caller, path, form, true).await
}

pub async fn refuse_extension(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<LoopForm>,
) -> AppResult<HttpResponse> {
    decide(state, ctx, caller, path, form, false).await
}

/// 提交整改证据 from the phone: a completion note and photos (multipart).
pub async fn evidence(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    path: web::Path<i64>,
    CsrfUpload(form): CsrfUpload,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let key = idempotency::parse_key(form.value("idempotency_key"))?;
    let note = form.value("note").unwrap_or("").to_string();
    let values = HashMap::from([("note".to_string(), note.clone())]);
    let read = form.field_errors();
    let result = if read.is_empty() {
        let uploads = form.files.clone();
        loop_::submit_evidence(
            &state.core,
            &caller,
            ctx.ip.clone(),
            id,
            &note,
            uploads,
            key.as_deref(),
        )
        .await
    } else {
        Err(AppError::Validation(read))
    };
    conclude(&state, &ctx, &caller, id, "evidence", values, result).await
}

/// 我的待办 (enterprise) and 待处理 (committee, bureau): what needs the caller's action.
pub async fn todo(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let rows = loop_::todo(&state.core, &caller).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/todo.html",
        context! { rows => Value::from(Serde(&rows)) },
    )
}

pub async fn queue(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let rows = loop_::verification_queue(&state.core, &caller).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/queue.html",
        context! { rows => Value::from(Serde(&rows)) },
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
        get("/committee/queue", Portal(P::Committee), queue),
        get("/regulator/queue", Portal(P::Regulator), queue),
    ]
}
