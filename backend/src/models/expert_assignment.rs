//! One expert assigned to a service request, and where its answer stands.
use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::domain::expert_flow::AssignmentState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "expert_assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub expert_id: i64,
    pub state: AssignmentState,
    pub decline_reason: Option<String>,
    pub assigned_by: Option<i64>,
    pub assigned_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::expert_request::Entity",
        from = "Column::RequestId",
        to = "super::expert_request::Column::Id"
    )]
    Request,
    #[sea_orm(
        belongs_to = "super::expert::Entity",
        from = "Column::ExpertId",
        to = "super::expert::Column::Id"
    )]
    Expert,
}

impl Related<super::expert_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl Related<super::expert::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Expert.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
