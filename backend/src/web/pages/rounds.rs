//! 互查轮次 (committee portal): each activity group's rounds with their progress; generating a
//! round; a round's pairs, adjusted while it is a draft, then published or discarded. Forms
//! post, then redirect back with a notice; a refused form is shown again with its values and
//! the reason (422, or 409 when the round's state refuses it).

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::inspection::RoundStatus;
use crate::domain::rounds::Pair;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::groups::{GroupItem, GroupMember};
use crate::services::rounds::{
    GroupRounds, LoadWarning, Mirrored, PairView, RoundDetail, RoundSummary,
};
use crate::services::{checklists, groups, rounds};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::account::Empty;
use crate::web::pages::members::notice;
use crate::web::pages::see_other;
use crate::web::{AppState, render};

const HOME: &str = "/committee/rounds";

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// 互查轮次 (`committee/rounds.html`): each activity group with its rounds and their progress.
#[derive(Serialize)]
struct RoundsPage {
    groups: Vec<GroupRounds>,
    /// The notice after discarding a round.
    done: Option<String>,
}

pub async fn overview(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let groups = rounds::overview(&state.core, &caller.scope).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "committee/rounds.html",
        RoundsPage {
            groups,
            done: notice("rounds", q.done.as_deref(), &["discard"]),
        },
    )
}

/// The generate form as typed (kept when it is shown again).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RoundForm {
    #[serde(default)]
    group_id: String,
    #[serde(default)]
    template_version_id: String,
    #[serde(default)]
    planned_on: String,
    #[serde(default)]
    title: String,
}

impl RoundForm {
    /// The request, or what is wrong with the fields as typed.
    fn parse(&self) -> Result<rounds::NewRound, FieldErrors> {
        let mut errors = FieldErrors::default();
        let group_id = self.group_id.trim().parse::<i64>().ok();
        if group_id.is_none() {
            errors.add("group_id", "form.required");
        }
        let template_version_id = self.template_version_id.trim().parse::<i64>().ok();
        if template_version_id.is_none() {
            errors.add("template_version_id", "form.required");
        }
        let planned_on = NaiveDate::parse_from_str(self.planned_on.trim(), "%Y-%m-%d").ok();
        if planned_on.is_none() {
            let key = if self.planned_on.trim().is_empty() {
                "form.required"
            } else {
                "rounds.bad_date"
            };
            errors.add("planned_on", key);
        }
        errors.require("title", &self.title, rounds::MAX_TITLE);
        match (group_id, template_version_id, planned_on) {
            (Some(group_id), Some(template_version_id), Some(planned_on)) if errors.is_empty() => {
                Ok(rounds::NewRound {
                    group_id,
                    template_version_id,
                    planned_on,
                    title: self.title.clone(),
                })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    group_id: Option<i64>,
}

/// 生成轮次 (`committee/rounds_new.html`): the form, with the groups and checklists to choose.
#[derive(Serialize)]
struct NewRoundPage<'a> {
    /// The form as typed.
    values: &'a RoundForm,
    errors: &'a FieldErrors,
    /// Why the round was refused, when it was not a field's fault.
    refused: Option<&'static str>,
    groups: Vec<GroupItem>,
    checklists: Vec<checklists::VersionChoice>,
}

async fn form_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    form: &Retry<RoundForm>,
) -> AppResult<HttpResponse> {
    let (status, values, errors) = (form.status, &form.values, &form.errors);
    let refused = form.problem;
    let core = &state.core;
    let groups = groups::list(core, &caller.scope).await?;
    let checklists = checklists::choices(core, &caller.scope).await?;
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "committee/rounds_new.html",
        NewRoundPage {
            values,
            errors,
            refused,
            groups,
            checklists,
        },
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let values = RoundForm {
        group_id: q.group_id.map(|g| g.to_string()).unwrap_or_default(),
        ..RoundForm::default()
    };
    form_page(&state, &ctx, &caller, &Retry::first(values)).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<RoundForm>,
) -> AppResult<HttpResponse> {
    let result = match form.parse() {
        Ok(input) => rounds::generate(&state.core, &actor, &input).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(round) => Ok(see_other(&format!(
            "{HOME}/{}?done=generate",
            round.round_id
        ))),
        Err(AppError::Validation(errors)) => {
            let retry = Retry::invalid(form, errors);
            form_page(&state, &ctx, &actor.caller, &retry).await
        }
        Err(AppError::Conflict(key)) => {
            let retry = Retry::refused(form, StatusCode::CONFLICT, key);
            form_page(&state, &ctx, &actor.caller, &retry).await
        }
        Err(e) => Err(e),
    }
}

/// A refused action on the round page: the message, the field errors, the choices as sent.
#[derive(Default, Serialize)]
struct Refusal {
    error: Option<&'static str>,
    errors: FieldErrors,
    /// Inspected id → inspector id as chosen.
    chosen: BTreeMap<String, String>,
}

/// A round (`committee/round.html`): its pairs, adjustable while it is a draft.
#[derive(Serialize)]
struct RoundPage {
    round: RoundSummary,
    /// Still a draft: the pairs may be changed, the round published or discarded.
    draft: bool,
    pairs: Vec<PairView>,
    /// Inspectors with two or more assignments.
    warnings: Vec<LoadWarning>,
    /// Members inspecting each other in this round.
    mirrored: Vec<Mirrored>,
    /// The members that may be chosen as inspectors.
    members: Vec<GroupMember>,
    /// The notice after an action (`rounds.done_…`).
    done: Option<String>,
    refusal: Refusal,
}

async fn round_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    status: StatusCode,
    done: Option<String>,
    refusal: Refusal,
) -> AppResult<HttpResponse> {
    let RoundDetail {
        round,
        pairs,
        warnings,
        mirrored,
        members,
    } = rounds::detail(&state.core, &caller.scope, id).await?;
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "committee/round.html",
        RoundPage {
            draft: round.status == RoundStatus::Draft,
            round,
            pairs,
            warnings,
            mirrored,
            members,
            done,
            refusal,
        },
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let done = notice(
        "rounds",
        q.done.as_deref(),
        &["generate", "adjust", "publish"],
    );
    let ok = StatusCode::OK;
    round_page(&state, &ctx, &caller, *id, ok, done, Refusal::default()).await
}

/// After a round action: back to the page with a notice, or the page again with the reason.
async fn conclude<T>(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    result: AppResult<T>,
    done: &str,
    chosen: BTreeMap<String, String>,
) -> AppResult<HttpResponse> {
    let (status, refusal) = match result {
        Ok(_) => return Ok(see_other(&format!("{HOME}/{id}?done={done}"))),
        Err(AppError::Validation(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Refusal {
                error: Some("rounds.pairs_refused"),
                errors,
                chosen,
            },
        ),
        Err(AppError::Conflict(key)) => (
            StatusCode::CONFLICT,
            Refusal {
                error: Some(key),
                ..Refusal::default()
            },
        ),
        Err(e) => return Err(e),
    };
    round_page(state, ctx, caller, id, status, None, refusal).await
}

/// The pairs of the adjust form: one `inspector_<inspected id>` select per inspected member.
fn chosen_pairs(form: &HashMap<String, String>) -> Result<Vec<Pair>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut pairs = Vec::new();
    for (field, value) in form {
        let Some(inspected) = field
            .strip_prefix("inspector_")
            .and_then(|s| s.parse::<i64>().ok())
        else {
            continue;
        };
        match value.trim().parse::<i64>() {
            Ok(inspector) => pairs.push(Pair {
                inspector,
                inspected,
            }),
            Err(_) => errors.add(field.clone(), "form.required"),
        }
    }
    pairs.sort();
    if errors.is_empty() {
        Ok(pairs)
    } else {
        Err(errors)
    }
}

pub async fn adjust(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let result = match chosen_pairs(&form) {
        Ok(pairs) => rounds::adjust_pairs(&state.core, &actor, *id, &pairs)
            .await
            .map(|_| ()),
        Err(errors) => Err(AppError::Validation(errors)),
    };
    let chosen = form
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("inspector_")?.to_string(), v)))
        .collect();
    conclude(&state, &ctx, &actor.caller, *id, result, "adjust", chosen).await
}

pub async fn publish(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let result = rounds::publish(&state.core, &actor, *id).await;
    conclude(
        &state,
        &ctx,
        &actor.caller,
        *id,
        result,
        "publish",
        BTreeMap::new(),
    )
    .await
}

pub async fn discard(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    match rounds::discard(&state.core, &actor, *id).await {
        Ok(()) => Ok(see_other(&format!("{HOME}?done=discard"))),
        Err(e) => {
            conclude::<()>(
                &state,
                &ctx,
                &actor.caller,
                *id,
                Err(e),
                "",
                BTreeMap::new(),
            )
            .await
        }
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 互查轮次 (committee): generate, adjust, publish, discard.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/committee/rounds", Portal(P::Committee), overview),
        post("/committee/rounds", Portal(P::Committee), create),
        get("/committee/rounds/new", Portal(P::Committee), new_form),
        get("/committee/rounds/{id}", Portal(P::Committee), show),
        post("/committee/rounds/{id}/pairs", Portal(P::Committee), adjust),
        post("/committee/rounds/{id}/publish", Portal(P::Committee), publish),
        post("/committee/rounds/{id}/discard", Portal(P::Committee), discard),
    ]
}
