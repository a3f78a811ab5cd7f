//! One step of a hazard's timeline: immutable (who, as what, from, to, text, deadline change, when).
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "hazard_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hazard_id: i64,
    /// None when the system did it (a scheduled escalation).
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: Option<String>,
    /// What happened: "report", "acknowledge", "evidence", "verify", "reject", "close",
    /// "dispute", "uphold", "withdraw", "extension_request", "extension_grant",
    /// "extension_refuse", "supervise", "review_pass", "review_fail", "comment" …
    pub action: String,
    pub from_state: Option<crate::domain::hazard_flow::HazardState>,
    pub to_state: crate::domain::hazard_flow::HazardState,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub deadline_before: Option<Date>,
    pub deadline_after: Option<Date>,
    pub at: DateTimeUtc,
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
