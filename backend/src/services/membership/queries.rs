//! The read side of memberships, always through the caller's scope: lists, one membership's
//! history, recent history, and what each side may pick from (the alliances an enterprise may
//! apply to, the enterprises a committee may invite).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, LoaderTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Query,
};
use serde::{Deserialize, Serialize};

use crate::domain::alliance::{AllianceKind, AllianceStatus};
use crate::domain::enterprise::EnterpriseStatus;
use crate::domain::membership::Status;
use crate::domain::region_path;
use crate::error::{AppError, AppResult};
use crate::models::{alliance, alliance_membership, enterprise, membership_event};
use crate::scope::{self, Scope};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, text_contains};
use crate::state::Core;

/// The statuses in which an enterprise is in an alliance or on its way in.
const OPEN: [Status; 3] = [Status::Applied, Status::Invited, Status::Approved];

/// A membership as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MembershipItem {
    pub id: i64,
    pub alliance_id: i64,
    pub alliance_name: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub credit_code: String,
    /// The enterprise's region (town and village).
    pub region_name: String,
    pub status: Status,
    /// When the current round started (application or invitation).
    #[schema(value_type = String, format = DateTime)]
    pub applied_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<DateTime<Utc>>,
    /// The reason given with the last transition.
    pub reason: Option<String>,
}

/// Filters of the membership list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct MembershipFilter {
    /// Only memberships in this status.
    pub status: Option<Status>,
    /// Only memberships of this alliance.
    pub alliance_id: Option<i64>,
}

/// One event of the history, with the names it is about.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    #[serde(flatten)]
    pub event: membership_event::Model,
    pub alliance_name: String,
    pub enterprise_name: String,
}

/// An alliance an enterprise may apply to.
#[derive(Debug, Clone, Serialize)]
pub struct AllianceChoice {
    pub id: i64,
    pub name: String,
    pub kind: AllianceKind,
    pub region_name: String,
}

/// An enterprise a committee may invite.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseChoice {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub region_name: String,
}

/// Region names as users say them ("塘下镇 韩田村"), shared with the registry.
async fn region_names(core: &Core) -> AppResult<HashMap<i64, String>> {
    Ok(crate::services::registry::names(core).await?.0)
}

/// Membership rows as list items (names looked up in one go).
async fn items(
    core: &Core,
    rows: Vec<alliance_membership::Model>,
) -> AppResult<Vec<MembershipItem>> {
    let alliances = rows.load_one(alliance::Entity, &core.db).await?;
    let enterprises = rows.load_one(enterprise::Entity, &core.db).await?;
    let regions = region_names(core).await?;
    rows.into_iter()
        .zip(alliances.into_iter().zip(enterprises))
        .map(|(m, (alliance, e))| {
            let status = m.status;
            Ok(MembershipItem {
                id: m.id,
                alliance_id: m.alliance_id,
                alliance_name: alliance.map(|a| a.name).unwrap_or_default(),
                enterprise_id: m.enterprise_id,
                region_name: e
                    .as_ref()
                    .and_then(|e| regions.get(&e.region_id).cloned())
                    .unwrap_or_default(),
                enterprise_name: e.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
                credit_code: e.map(|e| e.credit_code).unwrap_or_default(),
                status,
                applied_at: m.applied_at,
                decided_at: m.decided_at,
                reason: m.reason,
            })
        })
        .collect()
}

fn filtered(scope: &Scope, filter: &MembershipFilter) -> Condition {
    let mut cond = Condition::all().add(scope::memberships(scope));
    if let Some(s) = filter.status {
        cond = cond.add(alliance_membership::Column::Status.eq(s.as_str()));
    }
    if let Some(a) = filter.alliance_id {
        cond = cond.add(alliance_membership::Column::AllianceId.eq(a));
    }
    cond
}

/// The membership list's statement: the memberships the scope may see under the filter, oldest
/// first (by `id`).
pub fn list_query(
    scope: &Scope,
    filter: &MembershipFilter,
) -> sea_orm::Select<alliance_membership::Entity> {
    alliance_membership::Entity::find()
        .filter(filtered(scope, filter))
        .order_by_asc(alliance_membership::Column::Id)
}

/// The memberships the scope may see, paginated (oldest first).
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &MembershipFilter,
    page: PageParams,
) -> AppResult<Paged<MembershipItem>> {
    let q = list_query(scope, filter);
    let key = Key::new("memberships").asc(alliance_membership::Column::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    Ok(info.with(items(core, rows).await?))
}

/// Every membership the scope may see (for the portal pages: one alliance's or one
/// enterprise's, never the whole city).
pub async fn all(
    core: &Core,
    scope: &Scope,
    filter: &MembershipFilter,
) -> AppResult<Vec<MembershipItem>> {
    let rows = alliance_membership::Entity::find()
        .filter(filtered(scope, filter))
        .order_by_asc(alliance_membership::Column::Id)
        .all(&core.db)
        .await?;
    items(core, rows).await
}

/// One membership, if the scope may see it; otherwise `NotFound`.
pub async fn item(core: &Core, scope: &Scope, id: i64) -> AppResult<MembershipItem> {
    let m = alliance_membership::Entity::find_by_id(id)
        .filter(scope::memberships(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    items(core, vec![m]).await?.pop().ok_or(AppError::NotFound)
}

/// The committee's own alliance (`NotFound` for any other scope).
pub async fn own_alliance(core: &Core, scope: &Scope) -> AppResult<alliance::Model> {
    let Scope::Alliance { alliance_id, .. } = scope else {
        return Err(AppError::NotFound);
    };
    alliance::Entity::find_by_id(*alliance_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One membership's history, oldest first; `NotFound` outside the scope.
pub async fn history(
    core: &Core,
    scope: &Scope,
    id: i64,
) -> AppResult<Vec<membership_event::Model>> {
    alliance_membership::Entity::find_by_id(id)
        .filter(scope::memberships(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(membership_event::Entity::find()
        .filter(membership_event::Column::MembershipId.eq(id))
        .order_by_asc(membership_event::Column::At)
        .order_by_asc(membership_event::Column::Id)
        .all(&core.db)
        .await?)
}

/// The latest `limit` events of the memberships the scope may see, newest first.
pub async fn recent_history(core: &Core, scope: &Scope, limit: u64) -> AppResult<Vec<HistoryItem>> {
    let visible = Query::select()
        .column(alliance_membership::Column::Id)
        .from(alliance_membership::Entity)
        .cond_where(scope::memberships(scope))
        .to_owned();
    let events = membership_event::Entity::find()
        .filter(membership_event::Column::MembershipId.in_subquery(visible))
        .order_by_desc(membership_event::Column::At)
        .order_by_desc(membership_event::Column::Id)
        .limit(limit)
        .all(&core.db)
        .await?;
    let alliances = events.load_one(alliance::Entity, &core.db).await?;
    let enterprises = events.load_one(enterprise::Entity, &core.db).await?;
    Ok(events
        .into_iter()
        .zip(alliances.into_iter().zip(enterprises))
        .map(|(event, (alliance, enterprise))| HistoryItem {
            alliance_name: alliance.map(|a| a.name).unwrap_or_default(),
            enterprise_name: enterprise.map(|e| e.name).unwrap_or_default(),
            event,
        })
        .collect())
}

/// The alliances an enterprise may apply to: active, its region containing the enterprise, and
/// not already joined, applied to or inviting it. Empty for any other scope.
pub async fn eligible_alliances(core: &Core, scope: &Scope) -> AppResult<Vec<AllianceChoice>> {
    let Scope::Enterprise {
        enterprise_id,
        region_path: own_path,
    } = scope
    else {
        return Ok(Vec::new());
    };
    let taken: HashSet<i64> = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::EnterpriseId.eq(*enterprise_id))
        .filter(alliance_membership::Column::Status.is_in(OPEN))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|m| m.alliance_id)
        .collect();
    let regions = region_names(core).await?;
    Ok(alliance::Entity::find()
        .filter(alliance::Column::Status.eq(AllianceStatus::Active))
        .order_by_asc(alliance::Column::Name)
        .all(&core.db)
        .await?
        .into_iter()
        .filter(|a| region_path::contains(&a.region_path, own_path) && !taken.contains(&a.id))
        .map(|a| AllianceChoice {
            region_name: regions.get(&a.region_id).cloned().unwrap_or_default(),
            id: a.id,
            name: a.name,
            kind: a.kind,
        })
        .collect())
}

/// At most this many enterprises are offered for an invitation at once (search to narrow).
pub const INVITE_CHOICES: u64 = 200;

/// The enterprises a committee may invite: active, inside its alliance's region, not already a
/// member, applicant or invitee; optionally narrowed by name or credit code. Empty for any
/// other scope.
pub async fn eligible_enterprises(
    core: &Core,
    scope: &Scope,
    q: Option<&str>,
) -> AppResult<Vec<EnterpriseChoice>> {
    let Scope::Alliance { alliance_id, .. } = scope else {
        return Ok(Vec::new());
    };
    let a = alliance::Entity::find_by_id(*alliance_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.status != AllianceStatus::Active {
        return Ok(Vec::new());
    }
    let taken = Query::select()
        .column(alliance_membership::Column::EnterpriseId)
        .from(alliance_membership::Entity)
        .and_where(alliance_membership::Column::AllianceId.eq(a.id))
        .and_where(alliance_membership::Column::Status.is_in(OPEN))
        .to_owned();
    let mut query = enterprise::Entity::find()
        .filter(scope::in_subtree(
            enterprise::Column::RegionPath,
            &a.region_path,
        ))
        .filter(enterprise::Column::Status.eq(EnterpriseStatus::Active))
        .filter(enterprise::Column::Id.not_in_subquery(taken));
    if let Some(text) = q.map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(text_contains(enterprise::Column::Name, text))
                .add(text_contains(
                    enterprise::Column::CreditCode,
                    &text.to_uppercase(),
                )),
        );
    }
    let regions = region_names(core).await?;
    Ok(query
        .order_by_asc(enterprise::Column::Name)
        .order_by_asc(enterprise::Column::Id)
        .limit(INVITE_CHOICES)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|e| EnterpriseChoice {
            region_name: regions.get(&e.region_id).cloned().unwrap_or_default(),
            id: e.id,
            name: e.name,
            credit_code: e.credit_code,
        })
        .collect())
}
