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
    /// The inspecting expert of an expert's visit (kind `expert`); then no inspecting
    /// enterprise.
    pub inspecting_expert_id: Option<i64>,
    /// The service request (专家服务申请) whose accepted expert visits, for a visit it scheduled.
    pub expert_request_id: Option<i64>,
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
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspection_round::Entity",
        from = "Column::RoundId",
        to = "super::inspection_round::Column::Id"
    )]
    Round,
    #[sea_orm(
        belongs_to = "super::alliance::Entity",
        from = "Column::AllianceId",
        to = "super::alliance::Column::Id"
    )]
    Alliance,
    #[sea_orm(
        belongs_to = "super::activity_group::Entity",
        from = "Column::GroupId",
        to = "super::activity_group::Column::Id"
    )]
    Group,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::InspectingEnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    InspectingEnterprise,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::InspectedEnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    InspectedEnterprise,
    #[sea_orm(
        belongs_to = "super::checklist_version::Entity",
        from = "Column::TemplateVersionId",
        to = "super::checklist_version::Column::Id"
    )]
    TemplateVersion,
    #[sea_orm(
        has_many = "super::inspection_answer::Entity",
        via_rel = "Relation::Inspection"
    )]
    Answers,
    #[sea_orm(has_many = "super::hazard::Entity", via_rel = "Relation::Inspection")]
    Hazards,
    #[sea_orm(
        has_many = "super::attachment::Entity",
        via_rel = "Relation::Inspection"
    )]
    Attachments,
}

impl Related<super::inspection_round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliance.def()
    }
}

impl Related<super::activity_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

/// The inspected enterprise; the inspecting one is `Relation::InspectingEnterprise`.
impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::InspectedEnterprise.def()
    }
}

impl Related<super::checklist_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TemplateVersion.def()
    }
}

impl Related<super::inspection_answer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Answers.def()
    }
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazards.def()
    }
}

impl Related<super::attachment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attachments.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
