//! 生产经营单位. `region_path` is copied from its region for scope filters.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub name: String,
    pub region_id: i64,
    pub region_path: String,
    pub industry_code: String,
    pub address: String,
    pub legal_representative: String,
    pub safety_officer: String,
    pub safety_phone: String,
    pub employees: i32,
    pub scale: crate::domain::enterprise::EnterpriseScale,
    pub status: crate::domain::enterprise::EnterpriseStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Current safety score (三色标签), recomputed on every relevant event; None until first scored.
    pub score: Option<i32>,
    /// "green" | "yellow" | "red"
    pub label: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    #[sea_orm(
        belongs_to = "super::industry::Entity",
        from = "Column::IndustryCode",
        to = "super::industry::Column::Code"
    )]
    Industry,
    #[sea_orm(
        has_many = "super::alliance_membership::Entity",
        via_rel = "Relation::Enterprise"
    )]
    Memberships,
    #[sea_orm(
        has_many = "super::group_member::Entity",
        via_rel = "Relation::Enterprise"
    )]
    GroupMemberships,
    #[sea_orm(has_many = "super::user::Entity", via_rel = "Relation::Enterprise")]
    Users,
    #[sea_orm(has_many = "super::hazard::Entity", via_rel = "Relation::Enterprise")]
    Hazards,
    #[sea_orm(
        has_many = "super::inspection::Entity",
        via_rel = "Relation::InspectedEnterprise"
    )]
    InspectionsReceived,
    #[sea_orm(
        has_many = "super::enterprise_risk_tag::Entity",
        via_rel = "Relation::Enterprise"
    )]
    RiskTags,
    #[sea_orm(
        has_many = "super::score_history::Entity",
        via_rel = "Relation::Enterprise"
    )]
    ScoreHistory,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::industry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Industry.def()
    }
}

impl Related<super::alliance_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl Related<super::group_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GroupMemberships.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazards.def()
    }
}

impl Related<super::inspection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::InspectionsReceived.def()
    }
}

impl Related<super::enterprise_risk_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskTags.def()
    }
}

impl Related<super::score_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScoreHistory.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
