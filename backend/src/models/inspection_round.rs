//! A 互查 round: one generated set of pairings for an activity group.
use crate::domain::inspection::RoundStatus;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "inspection_rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alliance_id: i64,
    pub group_id: i64,
    /// 1, 2, 3 … per group.
    pub seq: i32,
    pub title: String,
    pub template_version_id: i64,
    pub planned_on: Date,
    /// Draft: pairs adjustable, invisible to members.
    pub status: RoundStatus,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
