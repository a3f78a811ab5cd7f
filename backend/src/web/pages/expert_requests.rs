//! 专家服务 pages, one set for every portal (what each sees is `scope::expert_requests`): the
//! list with its state filter (for an expert, its upcoming visits by date first), the new
//! request form with an attachment (enterprise for itself, committee for a member), and the
//! request page with its timeline and the forms of the steps the caller's party may take —
//! for the bureau the suggested experts with their conflict warnings and the assign form.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::expert::Specialty;
use crate::domain::expert_flow::{RequestAction, RequestState};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::{Caller, Scope};
use crate::services::audit::Actor;
use crate::services::expert_requests::write::{COMPLETERS, READERS, REQUESTERS};
use crate::services::expert_requests::{
    AcceptInput, AssignInput, NewRequest, RateInput, ReasonInput, ReportInput, RequestFilter,
    RequestItem, RequestView, SuggestionView, queries, write,
};
use crate::services::{PageParams, Paged, idempotency};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::upload::CsrfUpload;
use crate::web::{AppState, render};

const BASE: &str = "/expert-requests";

#[derive(Serialize)]
struct ListPage<'a> {
    base: &'static str,
    files: bool,
    result: Paged<RequestItem>,
    upcoming: Option<Vec<RequestItem>>,
    f: &'a RequestFilter,
    query: String,
    states: Vec<&'static str>,
}

/// The values of the step forms as typed (shown again when refused).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepValues {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    visit_on: String,
    #[serde(default)]
    template_version_id: String,
    #[serde(default)]
    report: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    expert_ids: Vec<String>,
    #[serde(default)]
    confirm_conflict: Option<String>,
    #[serde(default)]
    idempotency_key: String,
}

#[derive(Serialize)]
struct ShowPage {
    base: &'static str,
    r: RequestView,
    suggestions: Option<Vec<SuggestionView>>,
    /// The checklists the accepting expert may choose for the visit.
    checklists: Vec<crate::services::checklists::VersionChoice>,
    /// The step whose form was refused, its values and errors.
    refused: Option<RequestAction>,
    v: StepValues,
    errors: FieldErrors,
    may_attach: bool,
    idempotency_key: String,
    done: Option<String>,
}

#[derive(Serialize)]
struct NewPage {
    base: &'static str,
    v: NewRequest,
    errors: FieldErrors,
    for_member: bool,
    members: Vec<queries::MemberChoice>,
    specialties: Vec<&'static str>,
    idempotency_key: String,
}

fn finish(res: HttpResponse, status: StatusCode) -> HttpResponse {
    if status.is_success() {
        res
    } else {
        rendered(res)
    }
}

fn may_file(caller: &Caller) -> bool {
    REQUESTERS.contains(&caller.role)
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<RequestFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let core = &state.core;
    let result = queries::list(core, &caller.scope, &filter, page).await?;
    let upcoming = match caller.scope {
        Scope::Expert { .. } => {
            Some(queries::upcoming_visits(core, &caller.scope, core.today()).await?)
        }
        _ => None,
    };
    let view = ListPage {
        base: BASE,
        files: may_file(&caller),
        result,
        upcoming,
        f: &filter,
        query: serde_urlencoded::to_string(&*filter).unwrap_or_default(),
        states: RequestState::codes(),
    };
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "expert_requests/list.html",
        view,
    )
}

async fn new_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    retry: Retry<NewRequest>,
) -> AppResult<HttpResponse> {
    let view = NewPage {
        base: BASE,
        v: retry.values,
        errors: retry.errors,
        for_member: caller.role == Role::Committee,
        members: queries::members(&state.core, &caller.scope).await?,
        specialties: Specialty::codes(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
    };
    let res = render::page(
        &state.templates,
        ctx,
        retry.status,
        "expert_requests/new.html",
        view,
    )?;
    Ok(finish(res, retry.status))
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let today = state.core.today();
    let first = NewRequest {
        preferred_from: (today + chrono::Duration::days(7)).to_string(),
        preferred_to: (today + chrono::Duration::days(30)).to_string(),
        ..NewRequest::default()
    };
    new_page(&state, &ctx, &caller, Retry::first(first)).await
}

/// The new request form as posted, with its one-time token.
#[derive(Deserialize)]
pub struct PostedRequest {
    #[serde(default)]
    enterprise_id: Option<String>,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    preferred_from: String,
    #[serde(default)]
    preferred_to: String,
    #[serde(default)]
    idempotency_key: String,
}

fn keyed(actor: Actor, key: &str) -> AppResult<Actor> {
    Ok(actor.with_key(idempotency::parse_key(Some(key))?))
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(p): CsrfForm<PostedRequest>,
) -> AppResult<HttpResponse> {
    let input = NewRequest {
        enterprise_id: p.enterprise_id.filter(|s| !s.trim().is_empty()),
        topic: p.topic,
        specialty: p.specialty,
        description: p.description,
        preferred_from: p.preferred_from,
        preferred_to: p.preferred_to,
    };
    let actor = keyed(actor, &p.idempotency_key)?;
    match write::create(&state.core, &actor, &input).await {
        Ok(r) => Ok(see_other(&format!("{BASE}/{}?done=submit", r.id))),
        Err(AppError::Validation(errors)) => {
            new_page(&state, &ctx, &actor.caller, Retry::invalid(input, errors)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    done: Option<String>,
    refused: Option<(RequestAction, StepValues, FieldErrors)>,
) -> AppResult<HttpResponse> {
    let core = &state.core;
    let r = queries::get(core, caller, id).await?;
    let suggestions = if r.actions.contains(&RequestAction::Assign) {
        Some(queries::suggestions(core, caller, id).await?)
    } else {
        None
    };
    let checklists = if r.actions.contains(&RequestAction::Accept) {
        queries::visit_checklists(core, caller, id).await?
    } else {
        Vec::new()
    };
    let may_attach = r.actions.contains(&RequestAction::Cancel);
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (refused, v, errors) = match refused {
        Some((a, v, e)) => (Some(a), v, e),
        None => (None, StepValues::default(), FieldErrors::default()),
    };
    let view = ShowPage {
        base: BASE,
        r,
        suggestions,
        checklists,
        refused,
        v,
        errors,
        may_attach,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        done,
    };
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "expert_requests/show.html",
        view,
    )?;
    Ok(finish(res, status))
}

pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let done = q
        .done
        .as_deref()
        .and_then(RequestAction::parse)
        .map(|a| format!("request_action.{a}"));
    show(&state, &ctx, &caller, *id, done, None).await
}

/// Runs one step from its form: 303 to the request page, or the page again with the form's
/// values and errors (422).
async fn take(
    state: &AppState,
    ctx: &RequestContext,
    actor: Actor,
    id: i64,
    action: RequestAction,
    v: StepValues,
) -> AppResult<HttpResponse> {
    let actor = keyed(actor, &v.idempotency_key)?;
    let core = &state.core;
    let result = match action {
        RequestAction::Assign => {
            let ids: Result<Vec<i64>, _> = v.expert_ids.iter().map(|s| s.trim().parse()).collect();
            let input = AssignInput {
                expert_ids: ids.unwrap_or_default(),
                confirm_conflict: v.confirm_conflict.is_some(),
            };
            write::assign(core, &actor, id, &input).await
        }
        RequestAction::Reject => {
            write::reject(
                core,
                &actor,
                id,
                &ReasonInput {
                    reason: v.reason.clone(),
                },
            )
            .await
        }
        RequestAction::Cancel => {
            write::cancel(
                core,
                &actor,
                id,
                &ReasonInput {
                    reason: v.reason.clone(),
                },
            )
            .await
        }
        RequestAction::Decline => {
            write::decline(
                core,
                &actor,
                id,
                &ReasonInput {
                    reason: v.reason.clone(),
                },
            )
            .await
        }
        RequestAction::Accept => {
            let input = AcceptInput {
                visit_on: v.visit_on.clone(),
                // A value that is no number is no choice: the field error says so.
                template_version_id: v.template_version_id.trim().parse().ok(),
            };
            write::accept(core, &actor, id, &input).await
        }
        RequestAction::FileReport => {
            let input = ReportInput {
                report: v.report.clone(),
            };
            write::report(core, &actor, id, &input).await
        }
        RequestAction::Complete => write::complete(core, &actor, id).await,
        RequestAction::Rate => {
            let rating = Some(v.rating.clone()).filter(|r| !r.trim().is_empty());
            let input = RateInput {
                rating,
                comment: v.comment.clone(),
            };
            write::rate(core, &actor, id, &input).await
        }
        RequestAction::Submit => Err(AppError::NotFound),
    };
    match result {
        Ok(r) => Ok(see_other(&format!("{BASE}/{}?done={action}", r.id))),
        Err(AppError::Validation(errors)) => {
            show(
                state,
                ctx,
                &actor.caller,
                id,
                None,
                Some((action, v, errors)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

macro_rules! step_handler {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            state: web::Data<AppState>,
            ctx: RequestContext,
            actor: Actor,
            id: web::Path<i64>,
            CsrfForm(v): CsrfForm<StepValues>,
        ) -> AppResult<HttpResponse> {
            take(&state, &ctx, actor, *id, $action, v).await
        }
    };
}

step_handler!(assign, RequestAction::Assign);
step_handler!(reject, RequestAction::Reject);
step_handler!(accept, RequestAction::Accept);
step_handler!(decline, RequestAction::Decline);
step_handler!(report, RequestAction::FileReport);
step_handler!(complete, RequestAction::Complete);
step_handler!(rate, RequestAction::Rate);
step_handler!(cancel, RequestAction::Cancel);

/// An attachment from the page's upload form (its CSRF token in the action URL).
pub async fn attach(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfUpload(upload): CsrfUpload,
) -> AppResult<HttpResponse> {
    let id = *id;
    let refused =
        |errors: FieldErrors| Some((RequestAction::Submit, StepValues::default(), errors));
    if let Err(AppError::Validation(errors)) = upload.check() {
        return show(&state, &ctx, &actor.caller, id, None, refused(errors)).await;
    }
    let Some(file) = upload.files.into_iter().find(|f| f.field == "file") else {
        let mut errors = FieldErrors::default();
        errors.add("file", "expert_requests.no_file");
        return show(&state, &ctx, &actor.caller, id, None, refused(errors)).await;
    };
    match write::attach(&state.core, &actor, id, file).await {
        Ok(_) => Ok(see_other(&format!("{BASE}/{id}"))),
        Err(AppError::Validation(errors)) => {
            show(&state, &ctx, &actor.caller, id, None, refused(errors)).await
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 专家服务: everyone in the flow reads what its scope allows; enterprises and committees file;
/// each step is for the roles that may take it (the service checks the party).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::web::routes::{get as page, post};
    vec![
        page("/expert-requests", Roles(READERS), list),
        page("/expert-requests/new", Roles(REQUESTERS), new_form),
        post("/expert-requests", Roles(REQUESTERS), create),
        page("/expert-requests/{id}", Roles(READERS), get),
        post("/expert-requests/{id}/attach", Roles(REQUESTERS), attach),
        post("/expert-requests/{id}/assign", Roles(&[Role::Regulator]), assign),
        post("/expert-requests/{id}/reject", Roles(&[Role::Regulator]), reject),
        post("/expert-requests/{id}/accept", Roles(&[Role::Expert]), accept),
        post("/expert-requests/{id}/decline", Roles(&[Role::Expert]), decline),
        post("/expert-requests/{id}/report", Roles(&[Role::Expert]), report),
        post("/expert-requests/{id}/complete", Roles(COMPLETERS), complete),
        post("/expert-requests/{id}/rate", Roles(REQUESTERS), rate),
        post("/expert-requests/{id}/cancel", Roles(REQUESTERS), cancel),
    ]
}
