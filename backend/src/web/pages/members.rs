//! 成员管理 (committee portal): applications to approve or reject, invitations sent, current
//! members, inviting an enterprise, recent changes. Forms post, then redirect back with a
//! notice; a refused form is shown again with its values and the reason (4xx).

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::membership::{Action, Status};
use crate::error::{AppError, AppResult};
use crate::models::alliance;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::membership::{
    self, EnterpriseChoice, HistoryItem, INVITE_CHOICES, MembershipFilter, MembershipItem,
};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

const HISTORY: u64 = 30;

/// The status and message of an error the user can correct (the form is shown again); `None`
/// for everything else (not found, forbidden, internal), which keeps its own page.
pub(super) fn user_error(e: &AppError) -> Option<(StatusCode, &'static str)> {
    match e {
        AppError::BadRequest(key) => Some((StatusCode::BAD_REQUEST, key)),
        AppError::Conflict(key) => Some((StatusCode::CONFLICT, key)),
        _ => None,
    }
}

/// The catalog key of the notice after a successful `done` (only known ones are shown).
pub(super) fn notice(section: &str, done: Option<&str>, known: &[&str]) -> Option<String> {
    done.filter(|d| known.contains(d))
        .map(|d| format!("{section}.done_{d}"))
}

/// One of a board's small forms as posted: which one (`invite`, `reject-12`, `rename-3` …), the
/// text entered and the option chosen. A refused one is shown again as a `Retry<PostedForm>`
/// (`Retry::refused`, the reason its `problem`); the membership and group boards share it.
#[derive(Debug, Default, Clone, Serialize)]
pub(super) struct PostedForm {
    pub form: String,
    /// The text entered (reason, note or name).
    pub text: Option<String>,
    /// The option chosen (an id, as sent).
    pub choice: Option<String>,
}

/// The board again with the form that was refused (its status and reason).
pub(super) fn refused(
    posted: PostedForm,
    (status, key): (StatusCode, &'static str),
) -> Retry<PostedForm> {
    Retry::refused(posted, status, key)
}

/// The memberships in one of `status`, in the order given.
pub(super) fn by_status(mut all: Vec<MembershipItem>, status: &[Status]) -> Vec<MembershipItem> {
    all.retain(|m| status.contains(&m.status));
    all
}

#[derive(Deserialize)]
pub struct BoardQuery {
    done: Option<String>,
    q: Option<String>,
}

pub async fn board(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    let done = notice(
        "members",
        q.done.as_deref(),
        &["invite", "approve", "reject"],
    );
    show(&state, &ctx, &caller, done, q.q.clone(), None).await
}

/// 成员管理: the committee's alliance, its memberships by status (applications to decide,
/// invitations sent, members, past ones), the enterprises it may invite (the first `limit`
/// matching `search`; `truncated` when there are more), recent changes, the notice of what was
/// just done and the refused form.
#[derive(Serialize)]
struct MembersPage {
    alliance: alliance::Model,
    applications: Vec<MembershipItem>,
    invitations: Vec<MembershipItem>,
    members: Vec<MembershipItem>,
    past: Vec<MembershipItem>,
    eligible: Vec<EnterpriseChoice>,
    truncated: bool,
    limit: u64,
    search: Option<String>,
    history: Vec<HistoryItem>,
    done: Option<String>,
    retry: Option<Retry<PostedForm>>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    done: Option<String>,
    search: Option<String>,
    retry: Option<Retry<PostedForm>>,
) -> AppResult<HttpResponse> {
    let status = retry.as_ref().map_or(StatusCode::OK, |r| r.status);
    let core = &state.core;
    let alliance = membership::own_alliance(core, &caller.scope).await?;
    let mut all = membership::all(core, &caller.scope, &MembershipFilter::default()).await?;
    all.sort_by(|a, b| a.enterprise_name.cmp(&b.enterprise_name));
    let eligible = membership::eligible_enterprises(core, &caller.scope, search.as_deref()).await?;
    let history = membership::recent_history(core, &caller.scope, HISTORY).await?;
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "committee/members.html",
        MembersPage {
            alliance,
            applications: by_status(all.clone(), &[Status::Applied]),
            invitations: by_status(all.clone(), &[Status::Invited]),
            members: by_status(all.clone(), &[Status::Approved]),
            past: by_status(all, &[Status::Rejected, Status::Left]),
            truncated: eligible.len() as u64 >= INVITE_CHOICES,
            limit: INVITE_CHOICES,
            eligible,
            search,
            history,
            done,
            retry,
        },
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

/// After a form: back to the page with a notice, or the page again with the problem.
async fn conclude(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    result: AppResult<()>,
    done: &str,
    posted: PostedForm,
) -> AppResult<HttpResponse> {
    match result {
        Ok(()) => Ok(see_other(&format!("/committee/members?done={done}"))),
        Err(e) => match user_error(&e) {
            Some(refusal) => {
                show(
                    state,
                    ctx,
                    caller,
                    None,
                    None,
                    Some(refused(posted, refusal)),
                )
                .await
            }
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    enterprise_id: String,
    #[serde(default)]
    note: String,
}

pub async fn invite(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> AppResult<HttpResponse> {
    let result = match form.enterprise_id.trim().parse::<i64>() {
        Ok(id) => membership::invite(&state.core, &actor, id, Some(&form.note))
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::BadRequest("members.nothing_chosen")),
    };
    let posted = PostedForm {
        form: "invite".into(),
        text: Some(form.note),
        choice: Some(form.enterprise_id),
    };
    conclude(&state, &ctx, &actor.caller, result, "invite", posted).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub(super) reason: String,
}

async fn decide(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: i64,
    action: Action,
    form: ReasonForm,
) -> AppResult<HttpResponse> {
    let result = membership::act(&state.core, &actor, id, action, Some(&form.reason))
        .await
        .map(|_| ());
    let posted = PostedForm {
        form: format!("{}-{id}", action.as_str()),
        text: Some(form.reason),
        choice: None,
    };
    conclude(&state, &ctx, &actor.caller, result, action.as_str(), posted).await
}

pub async fn approve(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<HttpResponse> {
    decide(state, ctx, actor, *id, Action::Approve, form).await
}

pub async fn reject(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<HttpResponse> {
    decide(state, ctx, actor, *id, Action::Reject, form).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 成员管理 (committee).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/committee/members", Portal(P::Committee), board),
        post("/committee/members/invite", Portal(P::Committee), invite),
        post("/committee/members/{id}/approve", Portal(P::Committee), approve),
        post("/committee/members/{id}/reject", Portal(P::Committee), reject),
    ]
}
