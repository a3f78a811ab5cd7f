//! An inspection 检查: who inspects whom, with which checklist version, and where it stands.
use crate::domain::inspection::{InspectionKind, InspectionState};
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: InspectionKind,
    pub round_id: Option<i64>,
    pub alliance_id: Option<i64>,
    pub group_id: Option<i64>,
    /// The inspecting enterprise (for a self-inspection, the inspected one itself).
    pub inspecting_enterprise_id: Option<i64>,
    pub inspected_enterprise_id: i64,
    /// The inspected enterprise's region path, copied at creation.
    pub region_path: String,
    pub template_version_id: i64,
    pub planned_on: Date,
    pub state: InspectionState,
    /// The named inspectors, as entered by the inspecting side.
    pub inspectors: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
