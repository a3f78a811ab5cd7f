//! `/api/v1/notifications`: the caller's own notifications (站内信), the unread count and
//! marking read. Someone else's notification answers 404.

use crate::services::audit::Actor;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::PageParams;
use crate::services::notify::inbox::{self, InboxFilter, NoticeView};
use crate::web::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    /// How many were unread and are now read.
    pub marked: u64,
}

/// The caller's notifications, newest first (`unread=true`: only unread ones).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    params(InboxFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<NoticeView>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<InboxFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(inbox::list(&state.core, &caller, &filter, page).await?))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCount)),
    security(("bearer" = [])))]
pub async fn unread_count(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let unread = inbox::unread_count(&state.core.db, caller.user_id).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { unread }))
}

/// Marks one of the caller's notifications read (repeating it is harmless).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path, description = "Notification id")),
    responses((status = 200, body = NoticeView)),
    security(("bearer" = [])))]
pub async fn mark_read(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(inbox::mark_read(&state.core, &actor, *id).await?))
}

/// Marks all the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = MarkedRead)),
    security(("bearer" = [])))]
pub async fn read_all(state: web::Data<AppState>, actor: Actor) -> AppResult<HttpResponse> {
    let marked = inbox::mark_all_read(&state.core, &actor).await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Authenticated;
    use crate::web::routes::api;
    vec![
        api(Authenticated, __path_list, list),
        api(Authenticated, __path_unread_count, unread_count),
        api(Authenticated, __path_read_all, read_all),
        api(Authenticated, __path_mark_read, mark_read),
    ]
}
