//! One transition of an alliance membership: immutable, the membership's history.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "membership_events")]
#[schema(as = MembershipEvent)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub membership_id: i64,
    pub alliance_id: i64,
    pub enterprise_id: i64,
    /// None for the first event of a membership.
    pub from_status: Option<crate::domain::membership::Status>,
    /// "applied" | "invited" | "approved" | "rejected" | "left"
    pub to_status: crate::domain::membership::Status,
    /// None when the system did it (the demo seed).
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::alliance_membership::Entity",
        from = "Column::MembershipId",
        to = "super::alliance_membership::Column::Id"
    )]
    Membership,
    #[sea_orm(
        belongs_to = "super::alliance::Entity",
        from = "Column::AllianceId",
        to = "super::alliance::Column::Id"
    )]
    Alliance,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
}

impl Related<super::alliance_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliance.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
