//! 活动小组: members of one alliance that inspect each other.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "activity_groups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alliance_id: i64,
    pub name: String,
    pub leader_enterprise_id: Option<i64>,
    pub created_at: DateTimeUtc,
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
        from = "Column::LeaderEnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    LeaderEnterprise,
    #[sea_orm(has_many = "super::group_member::Entity", via_rel = "Relation::Group")]
    Members,
    #[sea_orm(
        has_many = "super::inspection_round::Entity",
        via_rel = "Relation::Group"
    )]
    Rounds,
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliance.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeaderEnterprise.def()
    }
}

impl Related<super::group_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Members.def()
    }
}

impl Related<super::inspection_round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rounds.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
