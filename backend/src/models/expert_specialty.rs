//! The specialties (专业领域) an expert serves in, one row each.
use sea_orm::entity::prelude::*;

use crate::domain::expert::Specialty;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_specialties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub expert_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub specialty: Specialty,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::expert::Entity",
        from = "Column::ExpertId",
        to = "super::expert::Column::Id"
    )]
    Expert,
}

impl Related<super::expert::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Expert.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
