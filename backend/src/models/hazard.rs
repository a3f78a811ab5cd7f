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
    /// The expert who found it on a visit (then no reporting enterprise).
    pub reporter_expert_id: Option<i64>,
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
    /// The publication of the library the legal basis names, when linked (copied from the
    /// checklist item at creation, or named with a free finding).
    pub basis_publication_id: Option<i64>,
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
    /// On the supervision list (挂牌督办) now: a copy of its `supervisions` row's status,
    /// written in the same transaction as that row, for the queues' index.
    #[serde(skip)]
    pub listed: bool,
    /// An extension request awaits its decision: a copy of `extension_requests`, written in
    /// the same transaction as the request and its decision, for the queues' index.
    #[serde(skip)]
    pub extension_pending: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspection::Entity",
        from = "Column::InspectionId",
        to = "super::inspection::Column::Id"
    )]
    Inspection,
    #[sea_orm(
        belongs_to = "super::inspection_answer::Entity",
        from = "Column::AnswerId",
        to = "super::inspection_answer::Column::Id"
    )]
    Answer,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(
        belongs_to = "super::alliance::Entity",
        from = "Column::AllianceId",
        to = "super::alliance::Column::Id"
    )]
    Alliance,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::ReporterEnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    ReporterEnterprise,
    #[sea_orm(
        belongs_to = "super::publication::Entity",
        from = "Column::BasisPublicationId",
        to = "super::publication::Column::Id"
    )]
    BasisPublication,
    #[sea_orm(has_many = "super::attachment::Entity", via_rel = "Relation::Hazard")]
    Attachments,
    #[sea_orm(
        has_many = "super::rectification_plan::Entity",
        via_rel = "Relation::Hazard"
    )]
    Plans,
    #[sea_orm(has_many = "super::hazard_event::Entity", via_rel = "Relation::Hazard")]
    Events,
    #[sea_orm(
        has_many = "super::extension_request::Entity",
        via_rel = "Relation::Hazard"
    )]
    Extensions,
    #[sea_orm(has_many = "super::supervision::Entity", via_rel = "Relation::Hazard")]
    Supervisions,
    #[sea_orm(
        has_many = "super::hazard_reminder::Entity",
        via_rel = "Relation::Hazard"
    )]
    Reminders,
    #[sea_orm(has_many = "super::notification::Entity", via_rel = "Relation::Hazard")]
    Notifications,
}

impl Related<super::inspection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspection.def()
    }
}

impl Related<super::inspection_answer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Answer.def()
    }
}

/// The inspected enterprise; the reporting one is `Relation::ReporterEnterprise`.
impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliance.def()
    }
}

impl Related<super::publication::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BasisPublication.def()
    }
}

impl Related<super::attachment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attachments.def()
    }
}

impl Related<super::rectification_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plans.def()
    }
}

impl Related<super::hazard_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl Related<super::extension_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Extensions.def()
    }
}

impl Related<super::supervision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Supervisions.def()
    }
}

impl Related<super::hazard_reminder::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reminders.def()
    }
}

impl Related<super::notification::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notifications.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
