//! An in-app notification 站内信 for one user.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The event it tells of (e.g. "hazard.reported", "hazard.reminder").
    pub kind: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Where to act (a local path).
    pub link: Option<String>,
    pub hazard_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::hazard::Entity",
        from = "Column::HazardId",
        to = "super::hazard::Column::Id"
    )]
    Hazard,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
