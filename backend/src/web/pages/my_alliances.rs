//! 我的联盟 (enterprise portal): the enterprise's memberships, invitations to answer, applying
//! to an alliance, leaving one, and its history. The enterprise admin acts; staff see the same
//! page without the forms (their posts are refused by the route's access rule).

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};
use serde::Deserialize;

use crate::auth::guard::RequestContext;
use crate::domain::membership::{Action, Status};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::membership::{self, MembershipFilter};
use crate::web::errors::rendered;
use crate::web::form::CsrfForm;
use crate::web::pages::members::{ReasonForm, Retry, by_status, notice, user_error};
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
    show(&state, &ctx, &caller, StatusCode::OK, done, None).await
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    status: StatusCode,
    done: Option<String>,
    retry: Option<Retry>,
) -> AppResult<HttpResponse> {
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
        context! {
            memberships => Value::from(Serde(by_status(all.clone(), &[Status::Approved]))),
            invitations => Value::from(Serde(by_status(all.clone(), &[Status::Invited]))),
            applications => Value::from(Serde(by_status(all.clone(), &[Status::Applied]))),
            past => Value::from(Serde(by_status(all, &[Status::Rejected, Status::Left]))),
            eligible => Value::from(Serde(eligible)),
            history => Value::from(Serde(history)),
            can_act => caller.role == Role::EnterpriseAdmin,
            done,
            retry => Value::from(Serde(retry)),
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
    retry: impl FnOnce(&'static str) -> Retry,
) -> AppResult<HttpResponse> {
    match result {
        Ok(()) => Ok(see_other(&format!("{HOME}?done={done}"))),
        Err(e) => match user_error(&e) {
            Some((status, key)) => show(state, ctx, caller, status, None, Some(retry(key))).await,
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
    conclude(&state, &ctx, &actor.caller, result, "apply", |error| {
        Retry {
            form: "apply".into(),
            error,
            text: None,
            choice: Some(form.alliance_id.clone()),
        }
    })
    .await
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
    conclude(
        &state,
        &ctx,
        &actor.caller,
        result,
        action.as_str(),
        |error| Retry {
            form: format!("{}-{id}", action.as_str()),
            error,
            text: Some(form.reason.clone()),
            choice: None,
        },
    )
    .await
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
