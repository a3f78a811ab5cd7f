//! The 五落实 rectification plan of a hazard: responsible person, measures, funds, deadline, contingency plan.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "rectification_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hazard_id: i64,
    pub responsible_person: String,
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    pub funds: String,
    pub deadline: Date,
    #[sea_orm(column_type = "Text")]
    pub contingency: String,
    pub filed_by: Option<i64>,
    pub filed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::hazard::Entity",
        from = "Column::HazardId",
        to = "super::hazard::Column::Id"
    )]
    Hazard,
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
