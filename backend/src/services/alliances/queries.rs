//! Reads: scoped lists, pages and exports (every query through `crate::scope`).

use super::*;

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, LoaderTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::alliance::{AllianceKind, AllianceStatus};
use crate::domain::enterprise::EnterpriseStatus;
use crate::domain::membership::Status as MembershipStatus;
use crate::error::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::models::{activity_group, alliance, alliance_membership, enterprise, region};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::code_filter;
use crate::services::committee::{self, CommitteeAccount};
use crate::services::enterprises::{Choice, EXPORT_LIMIT};
use crate::services::keyset::{self, Key, Page};
use crate::services::registry::{EnterpriseSummary, GroupView, names, summary};
use crate::services::{PageParams, Paged, given, text_contains};
use crate::state::Core;

/// What a list of alliances can be narrowed and ordered by (pages, API and export alike).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct AllianceFilter {
    /// Name contains.
    pub q: Option<String>,
    /// `industry`, `regional`, `park` or `village`.
    pub kind: Option<String>,
    /// Region code: alliances registered in the region and everything under it.
    pub region: Option<String>,
    /// `active` or `dissolved`.
    pub status: Option<String>,
    /// `name` (default), `founded`, `region`, `kind`, `created`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
}

/// An alliance as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllianceSummary {
    pub id: i64,
    pub name: String,
    pub kind: AllianceKind,
    pub region_code: String,
    /// The region as users say it (town and village).
    pub region_name: String,
    pub lead_enterprise_id: Option<i64>,
    pub lead_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub founded_on: NaiveDate,
    pub status: AllianceStatus,
    /// Approved members.
    pub member_count: u64,
    pub group_count: u64,
}

/// The alliance page: profile, committee accounts, members, groups.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllianceDetail {
    #[serde(flatten)]
    pub summary: AllianceSummary,
    pub charter: String,
    pub committee: Vec<CommitteeAccount>,
    pub members: Vec<EnterpriseSummary>,
    pub groups: Vec<GroupView>,
}

/// The scoped, filtered and ordered query behind lists and exports.
async fn filtered(
    core: &Core,
    scope: &Scope,
    f: &AllianceFilter,
) -> AppResult<Select<alliance::Entity>> {
    let mut q = alliance::Entity::find().filter(scope::alliances(scope));
    if let Some(t) = given(&f.q) {
        q = q.filter(text_contains(alliance::Column::Name, t));
    }
    let mut errors = FieldErrors::default();
    let kind: Option<AllianceKind> = code_filter(&mut errors, "kind", &f.kind);
    let status: Option<AllianceStatus> = code_filter(&mut errors, "status", &f.status);
    errors.into_result()?;
    if let Some(kind) = kind {
        q = q.filter(alliance::Column::Kind.eq(kind));
    }
    if let Some(status) = status {
        q = q.filter(alliance::Column::Status.eq(status));
    }
    if let Some(code) = given(&f.region) {
        let path = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&core.db)
            .await?
            .map(|r| r.path)
            .unwrap_or_else(|| "/none/".into());
        q = q.filter(scope::in_subtree(alliance::Column::RegionPath, &path));
    }
    let column = sort_column(f);
    q = if f.dir.as_deref() == Some("desc") {
        q.order_by_desc(column)
    } else {
        q.order_by_asc(column)
    };
    Ok(q.order_by_asc(alliance::Column::Id))
}

/// The column the alliance list is sorted by (`sort`), by name unless told.
fn sort_column(f: &AllianceFilter) -> alliance::Column {
    match f.sort.as_deref() {
        Some("founded") => alliance::Column::FoundedOn,
        Some("region") => alliance::Column::RegionPath,
        Some("kind") => alliance::Column::Kind,
        Some("created") => alliance::Column::CreatedAt,
        _ => alliance::Column::Name,
    }
}

/// The alliance list's order as a key: the sort column in its direction, then the id.
fn order_key(f: &AllianceFilter) -> Key {
    Key::new("alliances")
        .by(sort_column(f), f.dir.as_deref() == Some("desc"))
        .asc(alliance::Column::Id)
}

/// Number of rows per alliance of `column` (approved members, groups), for these alliances.
async fn counts<E, C>(
    core: &Core,
    ids: &[i64],
    alliance_col: C,
    extra: Condition,
) -> AppResult<HashMap<i64, u64>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = E::find()
            .select_only()
            .column(alliance_col)
            .column_as(alliance_col.count(), "n")
            .filter(alliance_col.is_in(chunk.to_vec()))
            .filter(extra.clone())
            .group_by(alliance_col)
            .into_tuple()
            .all(&core.db)
            .await?;
        out.extend(rows.into_iter().map(|(id, n)| (id, n.max(0) as u64)));
    }
    Ok(out)
}

/// Alliance rows as list items: region and lead names, member and group counts.
async fn summaries(core: &Core, rows: Vec<alliance::Model>) -> AppResult<Vec<AllianceSummary>> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let members = counts::<alliance_membership::Entity, _>(
        core,
        &ids,
        alliance_membership::Column::AllianceId,
        Condition::all().add(alliance_membership::Column::Status.eq(MembershipStatus::Approved)),
    )
    .await?;
    let groups = counts::<activity_group::Entity, _>(
        core,
        &ids,
        activity_group::Column::AllianceId,
        Condition::all(),
    )
    .await?;
    let leads = rows.load_one(enterprise::Entity, &core.db).await?;
    let regions = rows.load_one(region::Entity, &core.db).await?;
    let (region_names, _) = names(core).await?;
    Ok(rows
        .into_iter()
        .zip(leads.into_iter().zip(regions))
        .map(|(a, (lead, region))| AllianceSummary {
            id: a.id,
            kind: a.kind,
            region_code: region.map(|r| r.code).unwrap_or_default(),
            region_name: region_names.get(&a.region_id).cloned().unwrap_or_default(),
            lead_enterprise_id: a.lead_enterprise_id,
            lead_name: lead.map(|e| e.name),
            founded_on: a.founded_on,
            status: a.status,
            member_count: members.get(&a.id).copied().unwrap_or(0),
            group_count: groups.get(&a.id).copied().unwrap_or(0),
            name: a.name,
        })
        .collect())
}

pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &AllianceFilter,
    page: PageParams,
) -> AppResult<Paged<AllianceSummary>> {
    let q = filtered(core, scope, filter).await?;
    let Page { rows, info } = keyset::page(core, q, &order_key(filter), &page).await?;
    Ok(info.with(summaries(core, rows).await?))
}

/// One alliance the scope may see (404 otherwise).
pub(crate) async fn scoped<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    id: i64,
) -> AppResult<alliance::Model> {
    alliance::Entity::find_by_id(id)
        .filter(scope::alliances(scope))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The alliance page: its profile, committee accounts, approved members and groups.
pub async fn detail(core: &Core, scope: &Scope, id: i64) -> AppResult<AllianceDetail> {
    let a = scoped(&core.db, scope, id).await?;
    let charter = a.charter.clone();
    let by_id = HashMap::from([(a.id, a.clone())]);
    let member_ids: Vec<i64> = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(a.id))
        .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    let (regions, industries) = names(core).await?;
    let members = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(member_ids))
        .order_by_asc(enterprise::Column::Name)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|e| summary(e, &regions, &industries))
        .collect();
    let groups = crate::services::registry::group_views(
        core,
        Condition::all().add(activity_group::Column::AllianceId.eq(a.id)),
        &by_id,
    )
    .await?;
    let committee = committee::accounts(core, a.id).await?;
    let summary = summaries(core, vec![a])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(AllianceDetail {
        summary,
        charter,
        committee,
        members,
        groups,
    })
}

/// Enterprises the form offers as lead (龙头企业): those in the caller's scope, by name.
pub async fn lead_choices(core: &Core, scope: &Scope) -> AppResult<Vec<Choice>> {
    Ok(enterprise::Entity::find()
        .filter(scope::enterprises(scope))
        .filter(enterprise::Column::Status.eq(EnterpriseStatus::Active))
        .order_by_asc(enterprise::Column::Name)
        .limit(1000)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|e| Choice {
            value: e.credit_code,
            label: e.name,
        })
        .collect())
}

/// The registration data of an alliance the caller may see, as the edit form shows it.
pub async fn input_of(core: &Core, scope: &Scope, id: i64) -> AppResult<AllianceInput> {
    let a = scoped(&core.db, scope, id).await?;
    let region = region::Entity::find_by_id(a.region_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let lead = match a.lead_enterprise_id {
        Some(id) => enterprise::Entity::find_by_id(id)
            .one(&core.db)
            .await?
            .map(|e| e.credit_code),
        None => None,
    };
    Ok(AllianceInput {
        name: a.name,
        kind: a.kind.as_str().into(),
        region: region.code,
        lead: lead.unwrap_or_default(),
        charter: a.charter,
        founded_on: a.founded_on.format("%Y-%m-%d").to_string(),
        status: a.status.as_str().into(),
    })
}

fn kind_label(kind: AllianceKind) -> String {
    crate::services::xlsx::text(&format!("alliance_kind.{kind}"))
}

/// The list as a spreadsheet: every row the filter selects (not just one page), Chinese
/// headers, audited as an export.
pub async fn export_xlsx(
    core: &Core,
    actor: &Actor,
    filter: &AllianceFilter,
) -> AppResult<Vec<u8>> {
    let caller = &actor.caller;
    let rows = filtered(core, &caller.scope, filter)
        .await?
        .limit(EXPORT_LIMIT)
        .all(&core.db)
        .await?;
    let rows = summaries(core, rows).await?;
    let columns = [
        "name",
        "kind",
        "region",
        "lead",
        "founded_on",
        "status",
        "members",
        "groups",
    ];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                kind_label(a.kind),
                a.region_name.clone(),
                a.lead_name.clone().unwrap_or_default(),
                a.founded_on.format("%Y-%m-%d").to_string(),
                crate::services::xlsx::text(match a.status {
                    AllianceStatus::Active => "alliances.status_active",
                    AllianceStatus::Dissolved => "alliances.status_dissolved",
                }),
                a.member_count.to_string(),
                a.group_count.to_string(),
            ]
        })
        .collect();
    let bytes = crate::services::xlsx::catalog_workbook(
        "export.alliances",
        &columns,
        &[],
        &table,
        &[6, 7],
    )?;
    let txn = begin_write(&core.db).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "export.alliances",
        None,
        Outcome::Success,
        Some(format!(
            "{} rows; filter {}",
            table.len(),
            serde_json::to_string(filter).unwrap_or_default()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(bytes)
}
