//! Who is told what on each step of a service request (站内信 + email through the outbox, in the
//! step's transaction): submitted → the bureau officers on the enterprise's path (its town's
//! and its city's); assigned → each newly assigned expert's account and the requester;
//! accepted (scheduled) → requester and bureau; declined → bureau; rejected → requester;
//! cancelled → bureau and the experts still assigned; report filed → requester and bureau;
//! completed and rated → the experts who accepted.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::region_path::path_and_ancestors;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::models::{expert_request, region, user};
use crate::services::notify::{self, Notice};
use crate::state::Core;

/// The requester's accounts: the enterprise's, and the committee's when it filed the request.
pub async fn requester<C: ConnectionTrait>(
    conn: &C,
    r: &expert_request::Model,
) -> AppResult<Vec<i64>> {
    let mut users = notify::enterprise_users(conn, r.enterprise_id).await?;
    if let Some(a) = r.alliance_id {
        users.extend(notify::committee_users(conn, a).await?);
    }
    Ok(users)
}

/// The active bureau officers of every region on the request's path (town and city).
pub async fn bureau<C: ConnectionTrait>(
    conn: &C,
    r: &expert_request::Model,
) -> AppResult<Vec<i64>> {
    let regions: Vec<i64> = region::Entity::find()
        .filter(region::Column::Path.is_in(path_and_ancestors(&r.region_path)))
        .all(conn)
        .await?
        .into_iter()
        .map(|x| x.id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.eq(Role::Regulator.as_str()))
        .filter(user::Column::RegionId.is_in(regions))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// The active accounts of these experts.
pub async fn experts<C: ConnectionTrait>(conn: &C, expert_ids: &[i64]) -> AppResult<Vec<i64>> {
    if expert_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.eq(Role::Expert.as_str()))
        .filter(user::Column::ExpertId.is_in(expert_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Tells `recipients` about `r`: `notice.<kind>` with the topic, the enterprise and `extra`.
pub async fn tell<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    recipients: &[i64],
    kind: &'static str,
    r: &expert_request::Model,
    enterprise: &str,
    extra: Vec<(&'static str, String)>,
) -> AppResult<()> {
    let mut params = vec![
        ("topic", r.topic.clone()),
        ("enterprise", enterprise.to_string()),
    ];
    params.extend(extra);
    let notice = Notice {
        kind,
        hazard_id: None,
        link: Some(format!("/expert-requests/{}", r.id)),
        params,
    };
    notify::notify(conn, core, recipients, &notice).await
}
