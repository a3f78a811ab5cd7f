//! 参盟率: participation in mutual-aid alliances per region against the bureau's targets, and
//! the setting of those targets. The rules (rates, inheritance, met or not) are
//! `domain::participation`; this module counts and stores.
//!
//! The counts are one aggregate query: enterprises of the subtree (status `active`) grouped by
//! their `region_path`, each group with its total, those with an approved membership of an
//! active alliance, and the same two for small and micro enterprises (`scale = small_micro`).
//! The groups (one per region that has enterprises) are then added up to the officer's region
//! and to each child region — no enterprise row is loaded.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
    sea_query::{Expr, ExprTrait, Func, OnConflict, Query},
};
use serde::Serialize;

use crate::db::begin_write;
use crate::domain::alliance::AllianceStatus;
use crate::domain::enterprise::{EnterpriseScale, EnterpriseStatus};
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::participation::{
    self, Counts, DEFAULT_TARGET, TargetOrigin, TargetPercent, effective_target,
};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{alliance, alliance_membership, enterprise, participation_target, region};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::state::Core;

/// One region's participation against its target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipationRow {
    /// Region code (GB/T 2260 style).
    pub code: String,
    pub name: String,
    /// Enterprises registered (status active) in the region and below.
    pub enterprises: u64,
    /// Of those, in at least one active alliance (approved membership).
    pub in_alliance: u64,
    /// Percent, one decimal, truncated; `null` without enterprises.
    pub rate: Option<f64>,
    /// Small and micro enterprises (小微).
    pub small_micro: u64,
    pub small_micro_in_alliance: u64,
    /// The small and micro enterprises' rate, which the target is about.
    pub small_micro_rate: Option<f64>,
    /// The target that applies, whole percent.
    pub target: u8,
    /// Set on this region, inherited from an ancestor, or the default (80).
    pub target_origin: TargetOrigin,
    /// Whether the small and micro rate reaches the target; `null` without such enterprises.
    pub met: Option<bool>,
}

/// The caller's region (its row holds the totals) and one row per child region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipationReport {
    pub region: ParticipationRow,
    pub children: Vec<ParticipationRow>,
    /// Child regions that meet their target.
    pub children_met: u64,
    /// Child regions that do not (those without small and micro enterprises are neither).
    pub children_not_met: u64,
    /// The target where nobody set one.
    pub default_target: u8,
}

/// What a target change did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetSet {
    pub region_code: String,
    pub region_name: String,
    pub target_percent: u8,
    /// The region's own target before, if it had one.
    pub previous: Option<u8>,
    #[schema(value_type = String, format = DateTime)]
    pub set_at: chrono::DateTime<chrono::Utc>,
}

/// The region a report is about: the officer's own; for the system admin the city (the root
/// region; with several roots, the first by code).
async fn report_root(core: &Core, scope: &Scope) -> AppResult<region::Model> {
    let found = match scope {
        Scope::Region { region_id, .. } => {
            region::Entity::find_by_id(*region_id).one(&core.db).await?
        }
        Scope::System => {
            region::Entity::find()
                .filter(region::Column::ParentId.is_null())
                .order_by_asc(region::Column::Code)
                .one(&core.db)
                .await?
        }
        _ => None,
    };
    found.ok_or(AppError::NotFound)
}

/// Enterprises with an approved membership of an active alliance.
fn in_active_alliance() -> Condition {
    Condition::all().add(
        enterprise::Column::Id.in_subquery(
            Query::select()
                .column(alliance_membership::Column::EnterpriseId)
                .from(alliance_membership::Entity)
                .and_where(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
                .and_where(
                    alliance_membership::Column::AllianceId.in_subquery(
                        Query::select()
                            .column(alliance::Column::Id)
                            .from(alliance::Entity)
                            .and_where(alliance::Column::Status.eq(AllianceStatus::Active))
                            .to_owned(),
                    ),
                )
                .to_owned(),
        ),
    )
}

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`, with 32-bit ones so PostgreSQL sums to a bigint.
fn count_where(cond: Condition) -> Expr {
    Func::sum(Expr::case(cond, Expr::val(1i32)).finally(Expr::val(0i32))).into()
}

/// One group of the count: region path, enterprises, in an alliance, small and micro, small
/// and micro in an alliance (the sums are NULL for an empty group, which never happens here).
type PathCounts = (String, i64, Option<i64>, Option<i64>, Option<i64>);

/// Active enterprises under `root_path`, counted per region path.
async fn counts_by_path<C: ConnectionTrait>(
    conn: &C,
    root_path: &str,
) -> AppResult<Vec<(String, Counts)>> {
    let small = || Condition::all().add(enterprise::Column::Scale.eq(EnterpriseScale::SmallMicro));
    let rows: Vec<PathCounts> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::RegionPath)
        .column_as(Expr::col(enterprise::Column::Id).count(), "enterprises")
        .column_as(count_where(in_active_alliance()), "in_alliance")
        .column_as(count_where(small()), "small")
        .column_as(
            count_where(small().add(in_active_alliance())),
            "small_in_alliance",
        )
        .filter(scope::in_subtree(enterprise::Column::RegionPath, root_path))
        .filter(enterprise::Column::Status.eq(EnterpriseStatus::Active))
        .group_by(enterprise::Column::RegionPath)
        .into_tuple()
        .all(conn)
        .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(path, e, i, s, si)| {
            let counts = Counts {
                enterprises: n(e),
                in_alliance: n(i.unwrap_or(0)),
                small_micro: n(s.unwrap_or(0)),
                small_micro_in_alliance: n(si.unwrap_or(0)),
            };
            (path, counts)
        })
        .collect())
}

/// Every target set, as `(region path, target)`. One row per region at most, so this stays
/// small; the inheritance needs the targets above the caller's region too.
async fn all_targets<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<(String, TargetPercent)>> {
    let targets = participation_target::Entity::find().all(conn).await?;
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let regions = region::Entity::find()
        .filter(region::Column::Id.is_in(targets.iter().map(|t| t.region_id)))
        .all(conn)
        .await?;
    Ok(targets
        .iter()
        .filter_map(|t| {
            let path = regions.iter().find(|r| r.id == t.region_id)?.path.clone();
            let percent = TargetPercent::from_stored(t.target_percent.into())?;
            Some((path, percent))
        })
        .collect())
}

fn row(r: &region::Model, c: Counts, targets: &[(String, TargetPercent)]) -> ParticipationRow {
    let (target, target_origin) = effective_target(&r.path, targets);
    ParticipationRow {
        code: r.code.clone(),
        name: r.name.clone(),
        enterprises: c.enterprises,
        in_alliance: c.in_alliance,
        rate: participation::rate(c.in_alliance, c.enterprises),
        small_micro: c.small_micro,
        small_micro_in_alliance: c.small_micro_in_alliance,
        small_micro_rate: participation::rate(c.small_micro_in_alliance, c.small_micro),
        target: target.get(),
        target_origin,
        met: participation::meets(c.small_micro_in_alliance, c.small_micro, target),
    }
}

/// The participation report of the caller's region: bureau officers their region, the system
/// admin the whole city; anyone else has none (404).
pub async fn report(core: &Core, scope: &Scope) -> AppResult<ParticipationReport> {
    let root = report_root(core, scope).await?;
    let children = region::Entity::find()
        .filter(region::Column::ParentId.eq(root.id))
        .filter(scope::participation_regions(scope))
        .order_by_asc(region::Column::Code)
        .all(&core.db)
        .await?;
    let rows = counts_by_path(&core.db, &root.path).await?;
    let targets = all_targets(&core.db).await?;
    let mut paths = vec![root.path.as_str()];
    paths.extend(children.iter().map(|c| c.path.as_str()));
    let mut counts = participation::tally(&rows, &paths).into_iter();
    let total = row(&root, counts.next().unwrap_or_default(), &targets);
    let children: Vec<ParticipationRow> = children
        .iter()
        .zip(counts)
        .map(|(c, n)| row(c, n, &targets))
        .collect();
    let met = |want: bool| children.iter().filter(|r| r.met == Some(want)).count() as u64;
    Ok(ParticipationReport {
        children_met: met(true),
        children_not_met: met(false),
        region: total,
        children,
        default_target: DEFAULT_TARGET,
    })
}

/// Sets the participation target of a region: a bureau officer for its own region or any
/// region below it. A region outside its jurisdiction (or unknown) is 404; a percent that is
/// not a whole number 0..=100 is a validation error on `target_percent`. The target and its
/// audit record are written in one transaction.
pub async fn set_target(
    core: &Core,
    actor: &Actor,
    region_code: &str,
    percent: &str,
) -> AppResult<TargetSet> {
    let caller = &actor.caller;
    if caller.role != Role::Regulator || !matches!(caller.scope, Scope::Region { .. }) {
        return Err(AppError::Forbidden);
    }
    let region = region::Entity::find()
        .filter(region::Column::Code.eq(region_code.trim()))
        .filter(scope::participation_regions(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = TargetPercent::parse(percent).map_err(|key| {
        let mut errors = FieldErrors::default();
        errors.add("target_percent", key);
        AppError::Validation(errors)
    })?;
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let previous = participation_target::Entity::find_by_id(region.id)
        .one(&txn)
        .await?
        .and_then(|t| TargetPercent::from_stored(t.target_percent.into()));
    participation_target::Entity::insert(participation_target::ActiveModel {
        region_id: Set(region.id),
        target_percent: Set(target.get().into()),
        set_by_user_id: Set(Some(caller.user_id)),
        set_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(participation_target::Column::RegionId)
            .update_columns([
                participation_target::Column::TargetPercent,
                participation_target::Column::SetByUserId,
                participation_target::Column::SetAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    let was = previous.map_or_else(|| "none".to_string(), |p| p.get().to_string());
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "participation.target.set",
        Some(("region", region.code.clone())),
        Outcome::Success,
        Some(format!("target_percent {was} -> {}", target.get())),
    )
    .await?;
    txn.commit().await?;
    Ok(TargetSet {
        region_code: region.code,
        region_name: region.name,
        target_percent: target.get(),
        previous: previous.map(TargetPercent::get),
        set_at: now,
    })
}
