//! 活动小组 (committee portal): the alliance's groups with leader and members; creating and
//! renaming a group, adding and removing members, naming the leader.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult};
use crate::models::alliance;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::groups::{GroupItem, GroupMember};
use crate::services::{groups, membership};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::account::Empty;
use crate::web::pages::members::{PostedForm, notice, refused, user_error};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

const HOME: &str = "/committee/groups";

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
        "groups",
        q.done.as_deref(),
        &["create", "rename", "add", "remove", "leader"],
    );
    show(&state, &ctx, &caller, done, None).await
}

/// 活动小组: the committee's alliance, its groups with leader and members, the members in no
/// group, the notice of what was just done and the refused form.
#[derive(Serialize)]
struct GroupsPage {
    alliance: alliance::Model,
    groups: Vec<GroupItem>,
    ungrouped: Vec<GroupMember>,
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
    let alliance = membership::own_alliance(core, &caller.scope).await?;
    let list = groups::list(core, &caller.scope).await?;
    let ungrouped = groups::ungrouped_members(core, &caller.scope).await?;
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "committee/groups.html",
        GroupsPage {
            alliance,
            groups: list,
            ungrouped,
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
pub struct NameForm {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    enterprise_id: String,
}

fn chosen(id: &str) -> AppResult<i64> {
    id.trim()
        .parse()
        .map_err(|_| AppError::BadRequest("members.nothing_chosen"))
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<NameForm>,
) -> AppResult<HttpResponse> {
    let result = groups::create(&state.core, &actor, &form.name)
        .await
        .map(|_| ());
    let posted = PostedForm {
        form: "create".into(),
        text: Some(form.name),
        ..PostedForm::default()
    };
    conclude(&state, &ctx, &actor.caller, result, "create", posted).await
}

pub async fn rename(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<NameForm>,
) -> AppResult<HttpResponse> {
    let result = groups::rename(&state.core, &actor, *id, &form.name).await;
    let posted = PostedForm {
        form: format!("rename-{id}"),
        text: Some(form.name),
        ..PostedForm::default()
    };
    conclude(&state, &ctx, &actor.caller, result, "rename", posted).await
}

pub async fn add_member(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> AppResult<HttpResponse> {
    let result = match chosen(&form.enterprise_id) {
        Ok(e) => groups::add_member(&state.core, &actor, *id, e).await,
        Err(e) => Err(e),
    };
    let posted = PostedForm {
        form: format!("add-{id}"),
        choice: Some(form.enterprise_id),
        ..PostedForm::default()
    };
    conclude(&state, &ctx, &actor.caller, result, "add", posted).await
}

pub async fn remove_member(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let (id, enterprise_id) = *path;
    let result = groups::remove_member(&state.core, &actor, id, enterprise_id).await;
    let posted = PostedForm {
        form: format!("remove-{id}"),
        ..PostedForm::default()
    };
    conclude(&state, &ctx, &actor.caller, result, "remove", posted).await
}

pub async fn set_leader(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> AppResult<HttpResponse> {
    let result = match chosen(&form.enterprise_id) {
        Ok(e) => groups::set_leader(&state.core, &actor, *id, e).await,
        Err(e) => Err(e),
    };
    let posted = PostedForm {
        form: format!("leader-{id}"),
        choice: Some(form.enterprise_id),
        ..PostedForm::default()
    };
    conclude(&state, &ctx, &actor.caller, result, "leader", posted).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 活动小组 (committee).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/committee/groups", Portal(P::Committee), board),
        post("/committee/groups", Portal(P::Committee), create),
        post("/committee/groups/{id}/rename", Portal(P::Committee), rename),
        post("/committee/groups/{id}/members", Portal(P::Committee), add_member),
        post("/committee/groups/{id}/members/{enterprise_id}/remove", Portal(P::Committee), remove_member),
        post("/committee/groups/{id}/leader", Portal(P::Committee), set_leader),
    ]
}
