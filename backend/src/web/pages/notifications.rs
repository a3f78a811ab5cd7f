//! 站内信: the caller's notifications page, marking read, and the unread count every page's
//! header shows (counted once per logged-in page request by `count_unread`).

use actix_web::{
    Error, HttpMessage, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, StatusCode},
    middleware::Next,
    web,
};
use serde::{Deserialize, Serialize};

use crate::auth::guard::{RequestContext, is_api};
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::notify::inbox::NoticeView;
use crate::services::notify::inbox::{self, InboxFilter};
use crate::services::{PageParams, Paged};
use crate::web::form::CsrfForm;
use crate::web::pages::{safe_next, see_other};
use crate::web::{AppState, render};

const HOME: &str = "/notifications";

tokio::task_local! {
    static UNREAD: Option<u64>;
}

/// The unread count of the request being handled (`None` outside a logged-in page request).
pub fn current_unread() -> Option<u64> {
    UNREAD.try_with(|n| *n).ok().flatten()
}

/// Middleware (inside `authenticate`): for a logged-in GET of a page, counts the caller's
/// unread notifications once, for the header.
pub async fn count_unread(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path();
    let wanted = req.method() == Method::GET
        && !is_api(path)
        && !path.starts_with("/static/")
        && !path.starts_with("/files/");
    let user = wanted
        .then(|| {
            req.extensions()
                .get::<RequestContext>()
                .and_then(|c| c.caller.as_ref().map(|c| c.user_id))
        })
        .flatten();
    let count = match (user, req.app_data::<web::Data<AppState>>()) {
        (Some(user), Some(state)) => inbox::unread_count(&state.core.db, user)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "unread count"))
            .ok(),
        _ => None,
    };
    UNREAD
        .scope(count, async move {
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        })
        .await
}

/// 站内信: one page of the caller's notices, whether only unread ones are shown, and the notice
/// of what was just done.
#[derive(Serialize)]
struct NotificationsPage {
    result: Paged<NoticeView>,
    only_unread: bool,
    done: Option<&'static str>,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<InboxFilter>,
    page: PageParams,
    done: web::Query<Done>,
) -> AppResult<HttpResponse> {
    let result = inbox::list(&state.core, &caller, &filter, page).await?;
    let done = (done.done.as_deref() == Some("read_all")).then_some("notifications.done_read_all");
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "notifications.html",
        NotificationsPage {
            result,
            only_unread: filter.unread == Some(true),
            done,
        },
    )
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct ReadForm {
    /// `open`: go on to the notice's link after marking it read.
    go: Option<String>,
    /// Where to come back to (a local path), e.g. the page of the list the user was on.
    back: Option<String>,
}

pub async fn mark_read(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReadForm>,
) -> AppResult<HttpResponse> {
    let notice = inbox::mark_read(&state.core, &actor, *id).await?;
    let to = if form.go.as_deref() == Some("open") {
        safe_next(notice.link.as_deref(), HOME)
    } else {
        safe_next(form.back.as_deref(), HOME)
    };
    Ok(see_other(&to))
}

pub async fn read_all(
    state: web::Data<AppState>,
    actor: Actor,
    CsrfForm(_): CsrfForm<crate::web::pages::account::Empty>,
) -> AppResult<HttpResponse> {
    inbox::mark_all_read(&state.core, &actor).await?;
    Ok(see_other(&format!("{HOME}?done=read_all")))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 站内信: everyone's own notifications (someone else's id is 404).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Authenticated;
    use crate::web::routes::{get, post};
    vec![
        get("/notifications", Authenticated, list),
        post("/notifications/read-all", Authenticated, read_all),
        post("/notifications/{id}/read", Authenticated, mark_read),
    ]
}
