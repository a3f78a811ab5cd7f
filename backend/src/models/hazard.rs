//! A hazard 隐患 as found; the rectification loop adds its own tables.
use crate::domain::hazard_flow::HazardState;
use crate::domain::inspection::{HazardCategory, HazardLevel};
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "hazards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inspection_id: Option<i64>,
    /// The failed checklist answer it came from; None for an extra finding.
    pub answer_id: Option<i64>,
    /// The inspected enterprise.
    pub enterprise_id: i64,
    /// The enterprise's region path, copied at creation.
    pub region_path: String,
    pub alliance_id: Option<i64>,
    pub reporter_user_id: Option<i64>,
    pub reporter_enterprise_id: Option<i64>,
    pub category: HazardCategory,
    pub level: HazardLevel,
    /// For a major hazard: the determination-standard clause it meets.
    #[sea_orm(column_type = "Text", nullable)]
    pub major_clause: Option<String>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub location: String,
    #[sea_orm(column_type = "Text")]
    pub legal_basis: String,
    #[sea_orm(column_type = "Text")]
    pub suggested_measure: String,
    pub found_at: DateTimeUtc,
    /// The rectification deadline proposed by the inspector.
    pub deadline: Date,
    pub state: HazardState,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the enterprise handed in its evidence (待验收).
    pub rectified_at: Option<DateTimeUtc>,
    pub verified_by: Option<i64>,
    pub verified_at: Option<DateTimeUtc>,
    /// 销号.
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
