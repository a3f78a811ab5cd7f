//! 我的联盟 (enterprise portal): the enterprise's memberships, invitations to answer, applying
//! to an alliance, leaving one, and its history. The enterprise admin acts; staff see the same
//! page without the forms (their posts are refused by the route's access rule).

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::membership::{Action, Status};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::membership::{
    self, AllianceChoice, HistoryItem, MembershipFilter, MembershipItem,
};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::members::{PostedForm, ReasonForm, by_status, notice, refused, user_error};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

const HISTORY: u64 = 50;
const HOME: &str = "/enterprise/alliances";

#[derive(Deserialize)]
pub struct BoardQuery {
    done: Option<String>,
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
        &["apply", "accept", "decline", "leave"],
    );
    show(&state, &ctx, &caller, done, None).await
}

/// 我的联盟: the enterprise's memberships by status (current, invitations to answer, pending
/// applications, past ones), the alliances it may apply to, its history, whether the caller may
/// act (the enterprise's admin), the notice of what was just done and the refused form.
#[derive(Serialize)]
struct MyAlliancesPage {
    memberships: Vec<MembershipItem>,
    invitations: Vec<MembershipItem>,
    applications: Vec<MembershipItem>,
    past: Vec<MembershipItem>,
    eligible: Vec<AllianceChoice>,
    history: Vec<HistoryItem>,
    can_act: bool,
    done: Option<String>,
    retry: Option<Retry<PostedForm>>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    done: Option<String>,
    retry: Option<Retry<PostedForm>>,
) -> AppResult<HttpResponse> {
    let status = retry.as_ref().map_or(StatusCode::OK, |r| r.status);
    let core = &state.core;
    let mut all = membership::all(core, &caller.scope, &MembershipFilter::default()).await?;
    all.sort_by(|a, b| a.alliance_name.cmp(&b.alliance_name));
    let eligible = membership::eligible_alliances(core, &caller.scope).await?;
    let history = membership::recent_history(core, &caller.scope, HISTORY).await?;
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "enterprise/alliances.html",
        MyAlliancesPage {
            memberships: by_status(all.clone(), &[Status::Approved]),
            invitations: by_status(all.clone(), &[Status::Invited]),
            applications: by_status(all.clone(), &[Status::Applied]),
            past: by_status(all, &[Status::Rejected, Status::Left]),
            eligible,
            history,
            can_act: caller.role == Role::EnterpriseAdmin,
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

async fn conclude(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    result: AppResult<()>,
    done: &str,
    posted: PostedForm,
) -> AppResult<HttpResponse> {
    match result {
        Ok(()) => Ok(see_other(&format!("{HOME}?done={done}"))),
        Err(e) => match user_error(&e) {
            Some(refusal) => show(state, ctx, caller, None, Some(refused(posted, refusal))).await,
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    alliance_id: String,
}

pub async fn apply(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<ApplyForm>,
) -> AppResult<HttpResponse> {
    let result = match form.alliance_id.trim().parse::<i64>() {
        Ok(id) => membership::apply(&state.core, &actor, id).await.map(|_| ()),
        Err(_) => Err(AppError::BadRequest("members.nothing_chosen")),
    };
    let posted = PostedForm {
        form: "apply".into(),
        text: None,
        choice: Some(form.alliance_id),
    };
    conclude(&state, &ctx, &actor.caller, result, "apply", posted).await
}

async fn answer(
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

pub async fn accept(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<HttpResponse> {
    answer(state, ctx, actor, *id, Action::Accept, form).await
}

pub async fn decline(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<HttpResponse> {
    answer(state, ctx, actor, *id, Action::Decline, form).await
}

pub async fn leave(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<HttpResponse> {
    answer(state, ctx, actor, *id, Action::Leave, form).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 我的联盟 (enterprise: staff look, the admin acts).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Portal, Roles};
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post, roles::ENTERPRISE_ADMINS};
    vec![
        get("/enterprise/alliances", Portal(P::Enterprise), board),
        post("/enterprise/alliances/apply", Roles(ENTERPRISE_ADMINS), apply),
        post("/enterprise/alliances/{id}/accept", Roles(ENTERPRISE_ADMINS), accept),
        post("/enterprise/alliances/{id}/decline", Roles(ENTERPRISE_ADMINS), decline),
        post("/enterprise/alliances/{id}/leave", Roles(ENTERPRISE_ADMINS), leave),
    ]
}
