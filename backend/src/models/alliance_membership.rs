//! An enterprise's membership of an alliance, one row per (alliance, enterprise); its
//! transitions are `domain::membership`, its history `membership_event`.
use crate::domain::membership::Status;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "alliance_memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alliance_id: i64,
    pub enterprise_id: i64,
    pub status: Status,
    /// When the current round started (applied or invited).
    pub applied_at: DateTimeUtc,
    /// When the current status was reached, unless it is applied or invited.
    pub decided_at: Option<DateTimeUtc>,
    /// The reason given with the last transition (rejection, leaving …).
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::alliance::Entity",
        from = "Column::AllianceId",
        to = "super::alliance::Column::Id"
    )]
    Alliance,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(
        has_many = "super::membership_event::Entity",
        via_rel = "Relation::Membership"
    )]
    Events,
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliance.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::membership_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
