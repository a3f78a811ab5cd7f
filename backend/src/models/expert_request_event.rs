//! One step of a service request's timeline: immutable (who, what, from, to, note, when).
use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::domain::expert_flow::{RequestAction, RequestState};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "expert_request_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    /// What happened (`submit` for the filing, with `from_state` empty).
    pub action: RequestAction,
    pub from_state: Option<RequestState>,
    pub to_state: RequestState,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::expert_request::Entity",
        from = "Column::RequestId",
        to = "super::expert_request::Column::Id"
    )]
    Request,
}

impl Related<super::expert_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
