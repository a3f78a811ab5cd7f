//! 互助联盟.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "alliances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: crate::domain::alliance::AllianceKind,
    pub region_id: i64,
    pub region_path: String,
    pub lead_enterprise_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub charter: String,
    pub founded_on: Date,
    pub status: crate::domain::alliance::AllianceStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::LeadEnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    LeadEnterprise,
    #[sea_orm(
        has_many = "super::alliance_membership::Entity",
        via_rel = "Relation::Alliance"
    )]
    Memberships,
    #[sea_orm(
        has_many = "super::activity_group::Entity",
        via_rel = "Relation::Alliance"
    )]
    Groups,
    #[sea_orm(
        has_many = "super::inspection_round::Entity",
        via_rel = "Relation::Alliance"
    )]
    Rounds,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadEnterprise.def()
    }
}

impl Related<super::alliance_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl Related<super::activity_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Groups.def()
    }
}

impl Related<super::inspection_round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rounds.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
