//! 专家, managed by the bureau.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "experts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub region_id: i64,
    /// The region's path (`/330381/330381101/`), copied when the region is set.
    pub region_path: String,
    pub phone: String,
    /// 职称 (高级工程师 …), empty when not given.
    pub title: String,
    /// An inactive expert stays on record but is not suggested or assigned.
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    #[sea_orm(has_many = "super::expert_specialty::Entity")]
    Specialties,
}

impl Related<super::expert_specialty::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Specialties.def()
    }
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
