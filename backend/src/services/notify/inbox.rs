//! A user's own notifications (站内信): the list, the unread count and marking read. Only
//! ever the caller's own rows: someone else's id answers `NotFound`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Select,
};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::models::notification::{self, Column as C};
use crate::scope::Caller;
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged};
use crate::state::Core;

/// One notification as the user sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: i64,
    /// The event it tells of (e.g. `hazard_reported`).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where to act: a local path.
    pub link: Option<String>,
    pub hazard_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub unread: bool,
}

impl From<notification::Model> for NoticeView {
    fn from(m: notification::Model) -> Self {
        NoticeView {
            unread: m.read_at.is_none(),
            id: m.id,
            kind: m.kind,
            title: m.title,
            body: m.body,
            link: m.link,
            hazard_id: m.hazard_id,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// `unread=true`: only what is still unread.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct InboxFilter {
    pub unread: Option<bool>,
}

/// The unread count of the header: one COUNT on the (user_id, read_at) index.
pub async fn unread_count<C2: ConnectionTrait>(conn: &C2, user_id: i64) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(C::UserId.eq(user_id))
        .filter(C::ReadAt.is_null())
        .count(conn)
        .await?)
}

/// The inbox's statement: the caller's notifications (all or unread), newest first
/// (`created_at`, then `id`, descending).
pub fn list_query(caller: &Caller, filter: &InboxFilter) -> Select<notification::Entity> {
    let mut q = notification::Entity::find().filter(C::UserId.eq(caller.user_id));
    if filter.unread == Some(true) {
        q = q.filter(C::ReadAt.is_null());
    }
    q.order_by_desc(C::CreatedAt).order_by_desc(C::Id)
}

/// The caller's notifications, newest first.
pub async fn list(
    core: &Core,
    caller: &Caller,
    filter: &InboxFilter,
    page: PageParams,
) -> AppResult<Paged<NoticeView>> {
    let q = list_query(caller, filter);
    let key = Key::new("notifications").desc(C::CreatedAt).desc(C::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    Ok(info.with(rows.into_iter().map(NoticeView::from).collect()))
}

/// Marks one of the caller's notifications read (again is fine); returns it. The change and
/// its audit record are one transaction.
pub async fn mark_read(core: &Core, actor: &Actor, id: i64) -> AppResult<NoticeView> {
    let caller = &actor.caller;
    let found = notification::Entity::find_by_id(id)
        .filter(C::UserId.eq(caller.user_id))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.read_at.is_some() {
        return Ok(found.into());
    }
    let now = core.now();
    let txn = crate::db::begin_write(&core.db).await?;
    notification::Entity::update_many()
        .col_expr(C::ReadAt, Expr::value(Some(now)))
        .filter(C::Id.eq(id))
        .filter(C::UserId.eq(caller.user_id))
        .filter(C::ReadAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "notification.read",
        Some(("notification", id.to_string())),
        Outcome::Success,
        None,
    )
    .await?;
    txn.commit().await?;
    let mut view = NoticeView::from(found);
    view.read_at = Some(now);
    view.unread = false;
    Ok(view)
}

/// Marks all the caller's notifications read; returns how many were unread.
pub async fn mark_all_read(core: &Core, actor: &Actor) -> AppResult<u64> {
    let caller = &actor.caller;
    let now = core.now();
    let txn = crate::db::begin_write(&core.db).await?;
    let done = notification::Entity::update_many()
        .col_expr(C::ReadAt, Expr::value(Some(now)))
        .filter(C::UserId.eq(caller.user_id))
        .filter(C::ReadAt.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected > 0 {
        audit::record(
            &txn,
            now,
            &Author::of(actor),
            "notification.read_all",
            None,
            Outcome::Success,
            Some(format!("{} notices", done.rows_affected)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(done.rows_affected)
}
