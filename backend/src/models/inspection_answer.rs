//! The answer to one checklist item in one inspection.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "inspection_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inspection_id: i64,
    pub item_id: i64,
    /// "pass" 合格 | "fail" 不合格 | "na" 不适用
    pub result: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspection::Entity",
        from = "Column::InspectionId",
        to = "super::inspection::Column::Id"
    )]
    Inspection,
    #[sea_orm(
        belongs_to = "super::checklist_item::Entity",
        from = "Column::ItemId",
        to = "super::checklist_item::Column::Id"
    )]
    Item,
}

impl Related<super::inspection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspection.def()
    }
}

impl Related<super::checklist_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Item.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
