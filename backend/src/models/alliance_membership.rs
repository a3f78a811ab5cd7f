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
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
