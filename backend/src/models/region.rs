//! 行政区划: city → town/street → village/community.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// 1 city, 2 town/street, 3 village/community.
    pub level: i16,
    pub parent_id: Option<i64>,
    pub path: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The region one level up (self-referencing).
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
    #[sea_orm(has_many = "super::enterprise::Entity", via_rel = "Relation::Region")]
    Enterprises,
    #[sea_orm(has_many = "super::alliance::Entity", via_rel = "Relation::Region")]
    Alliances,
    #[sea_orm(
        has_many = "super::checklist_template::Entity",
        via_rel = "Relation::Region"
    )]
    ChecklistTemplates,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprises.def()
    }
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliances.def()
    }
}

impl Related<super::checklist_template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChecklistTemplates.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
