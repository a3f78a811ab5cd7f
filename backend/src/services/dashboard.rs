//! Figures for the portals' home pages, always within the caller's scope.

use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use crate::error::AppResult;
use crate::models::alliance;
use crate::scope::{self, Scope};
use crate::services::participation::{self, ParticipationRow};
use crate::state::Core;

/// The bureau officer's home: its region's participation (参盟率) totals, one row per child
/// region, and how many alliances it has.
#[derive(Debug, Clone, Serialize)]
pub struct RegulatorHome {
    pub region_name: String,
    pub total: ParticipationRow,
    pub children: Vec<ParticipationRow>,
    pub alliances: u64,
}

pub async fn regulator_home(core: &Core, scope: &Scope) -> AppResult<RegulatorHome> {
    let report = participation::report(core, scope).await?;
    let alliances = alliance::Entity::find()
        .filter(scope::alliances(scope))
        .count(&core.db)
        .await?;
    Ok(RegulatorHome {
        region_name: report.region.name.clone(),
        total: report.region,
        children: report.children,
        alliances,
    })
}
