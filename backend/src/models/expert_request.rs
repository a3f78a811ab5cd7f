//! 专家服务申请: an enterprise's request for expert help (filed by the enterprise, or by a
//! committee for its member), with the state of its flow (`domain::expert_flow`).
use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::domain::expert::Specialty;
use crate::domain::expert_flow::RequestState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "expert_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    /// The account that filed it.
    pub requested_by: i64,
    /// Set when a committee filed it for its member.
    pub alliance_id: Option<i64>,
    /// The enterprise's region path (follows the enterprise when it moves).
    pub region_path: String,
    pub topic: String,
    pub specialty: Specialty,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub preferred_from: Date,
    pub preferred_to: Date,
    pub state: RequestState,
    pub visit_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    /// Why it was rejected or cancelled.
    pub reason: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub reported_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub rated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(has_many = "super::expert_assignment::Entity")]
    Assignments,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::expert_assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignments.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
