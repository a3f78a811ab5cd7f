//! 宣传覆盖 pages: an enterprise account's 我已阅知 on a publication, and for the publisher the
//! reach page (totals, by region, by alliance, by enterprise) with its 提醒未阅读 button.
//! The rules are in `services::publications::reach`.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::publications::reach::{self, ReachView};
use crate::services::{PageParams, idempotency};
use crate::web::errors::rendered;
use crate::web::form::CsrfForm;
use crate::web::pages::see_other;
use crate::web::{AppState, render};

/// The reach page.
#[derive(Serialize)]
struct ReachPage {
    r: ReachView,
    done: bool,
    /// A refused reminder's message key.
    problem: Option<&'static str>,
    idempotency_key: String,
    /// The query string of the page (`page=…`) for the pager's links.
    base: String,
}

/// A form with only its one-time token (acknowledge, remind).
#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    idempotency_key: String,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    params: PageParams,
    done: bool,
    problem: Option<&'static str>,
) -> AppResult<HttpResponse> {
    let r = reach::figures(&state.core, caller, id, params).await?;
    let status = if problem.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let view = ReachPage {
        base: format!("/publications/{id}/reach"),
        r,
        done,
        problem,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
    };
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "publications/reach.html",
        view,
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

/// The reach of a publication the caller publishes.
pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
    params: PageParams,
) -> AppResult<HttpResponse> {
    let done = q.done.as_deref() == Some("remind");
    page(&state, &ctx, &caller, *id, params, done, None).await
}

/// 提醒未阅读; a reminder too soon after the last shows the page again with when it was.
pub async fn remind(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<KeyForm>,
) -> AppResult<HttpResponse> {
    let actor = actor.with_key(idempotency::parse_key(Some(&form.idempotency_key))?);
    match reach::remind(&state.core, &actor, *id).await {
        Ok(_) => Ok(see_other(&format!("/publications/{id}/reach?done=remind"))),
        Err(AppError::Conflict(key @ "reach.reminded_recently")) => {
            let params = PageParams::default();
            page(&state, &ctx, &actor.caller, *id, params, false, Some(key)).await
        }
        Err(e) => Err(e),
    }
}

/// 我已阅知 from the publication's page.
pub async fn acknowledge(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<KeyForm>,
) -> AppResult<HttpResponse> {
    let actor = actor.with_key(idempotency::parse_key(Some(&form.idempotency_key))?);
    reach::acknowledge(&state.core, &actor, *id).await?;
    Ok(see_other(&format!("/publications/{id}?done=acknowledge")))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 宣传覆盖: enterprise accounts acknowledge; the publishers see the reach and remind.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::services::publications::write::PUBLISHERS;
    use crate::web::routes::{get as page_route, post};
    use reach::READERS;
    vec![
        post("/publications/{id}/acknowledge", Roles(READERS), acknowledge),
        page_route("/publications/{id}/reach", Roles(PUBLISHERS), show),
        post("/publications/{id}/remind", Roles(PUBLISHERS), remind),
    ]
}
