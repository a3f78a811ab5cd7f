//! A reminder or escalation already done for a hazard's deadline: unique per (hazard, kind, deadline).
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "hazard_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hazard_id: i64,
    /// "before_3", "before_1" (days before), "due" (committee told), "escalated"
    pub kind: String,
    /// The deadline it was about (an extension makes new reminders).
    pub deadline: Date,
    pub sent_at: DateTimeUtc,
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
