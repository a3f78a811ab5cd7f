//! Figures for the portals' home pages, always within the caller's scope.

use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, sea_query::Query,
};
use serde::Serialize;

use crate::domain::region_path::subtree_pattern;
use crate::error::{AppError, AppResult};
use crate::models::{alliance, alliance_membership, enterprise, region};
use crate::scope::{self, Scope};
use crate::state::Core;

/// Enterprises and alliance participation (参盟率) in one region.
#[derive(Debug, Clone, Serialize)]
pub struct RegionParticipation {
    pub code: String,
    pub name: String,
    pub enterprises: u64,
    pub in_alliance: u64,
    pub small_micro: u64,
    pub small_micro_in_alliance: u64,
    /// Percent, one decimal; `None` when the region has no enterprises.
    pub rate: Option<f64>,
    pub small_micro_rate: Option<f64>,
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// Enterprises with an approved membership of an active alliance.
fn in_active_alliance() -> Condition {
    Condition::all().add(
        enterprise::Column::Id.in_subquery(
            Query::select()
                .column(alliance_membership::Column::EnterpriseId)
                .from(alliance_membership::Entity)
                .and_where(alliance_membership::Column::Status.eq("approved"))
                .and_where(
                    alliance_membership::Column::AllianceId.in_subquery(
                        Query::select()
                            .column(alliance::Column::Id)
                            .from(alliance::Entity)
                            .and_where(alliance::Column::Status.eq("active"))
                            .to_owned(),
                    ),
                )
                .to_owned(),
        ),
    )
}

async fn participation(core: &Core, r: &region::Model) -> AppResult<RegionParticipation> {
    let base = || {
        enterprise::Entity::find()
            .filter(enterprise::Column::RegionPath.like(subtree_pattern(&r.path)))
            .filter(enterprise::Column::Status.eq("active"))
    };
    let enterprises = base().count(&core.db).await?;
    let in_alliance = base().filter(in_active_alliance()).count(&core.db).await?;
    let small = || base().filter(enterprise::Column::Scale.eq("small_micro"));
    let small_micro = small().count(&core.db).await?;
    let small_micro_in_alliance = small().filter(in_active_alliance()).count(&core.db).await?;
    Ok(RegionParticipation {
        code: r.code.clone(),
        name: r.name.clone(),
        enterprises,
        in_alliance,
        small_micro,
        small_micro_in_alliance,
        rate: percent(in_alliance, enterprises),
        small_micro_rate: percent(small_micro_in_alliance, small_micro),
    })
}

/// The bureau officer's home: its region's totals and one row per child region.
#[derive(Debug, Clone, Serialize)]
pub struct RegulatorHome {
    pub region_name: String,
    pub total: RegionParticipation,
    pub children: Vec<RegionParticipation>,
    pub alliances: u64,
}

pub async fn regulator_home(core: &Core, scope: &Scope) -> AppResult<RegulatorHome> {
    let Scope::Region { region_id, .. } = scope else {
        return Err(AppError::NotFound);
    };
    let root = region::Entity::find_by_id(*region_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let children = region::Entity::find()
        .filter(region::Column::ParentId.eq(root.id))
        .order_by_asc(region::Column::Code)
        .all(&core.db)
        .await?;
    let mut rows = Vec::with_capacity(children.len());
    for c in &children {
        rows.push(participation(core, c).await?);
    }
    let alliances = alliance::Entity::find()
        .filter(scope::alliances(scope))
        .count(&core.db)
        .await?;
    Ok(RegulatorHome {
        region_name: root.name.clone(),
        total: participation(core, &root).await?,
        children: rows,
        alliances,
    })
}
