//! One version of a checklist template; immutable once an inspection uses it.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "checklist_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub template_id: i64,
    /// 1, 2, 3 … per template.
    pub version: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub published_by: Option<i64>,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::checklist_template::Entity",
        from = "Column::TemplateId",
        to = "super::checklist_template::Column::Id"
    )]
    Template,
    #[sea_orm(
        has_many = "super::checklist_item::Entity",
        via_rel = "Relation::Version"
    )]
    Items,
}

impl Related<super::checklist_template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Template.def()
    }
}

impl Related<super::checklist_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Items.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
