//! 法律法规 / 通知公告: one publication of the library. A bureau's has `region_id` set, a
//! committee's `alliance_id`; `region_path` is the publisher's (the region's, or the
//! alliance's) for scope filters.
use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::domain::publication::{PublicationKind, PublicationStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: PublicationKind,
    pub title: String,
    /// 文号 (主席令第88号, GB 30871-2022 …), when it has one.
    pub doc_number: Option<String>,
    pub issuer: String,
    pub published_on: Date,
    pub effective_on: Option<Date>,
    pub status: PublicationStatus,
    /// The publication that replaces this one (revised or repealed ones only).
    pub superseded_by: Option<i64>,
    /// Markdown; shown through `domain::publication::render_body`.
    pub body: String,
    /// Readable by anyone at `/public/regulations`.
    pub is_public: bool,
    pub region_id: Option<i64>,
    pub alliance_id: Option<i64>,
    pub region_path: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Enterprise accounts are asked to acknowledge it (我已阅知).
    pub requires_ack: bool,
    /// When the publisher last reminded the accounts that have not read it.
    pub reminded_at: Option<DateTimeUtc>,
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
        belongs_to = "super::alliance::Entity",
        from = "Column::AllianceId",
        to = "super::alliance::Column::Id"
    )]
    Alliance,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::SupersededBy",
        to = "Column::Id"
    )]
    SupersededBy,
    #[sea_orm(
        has_many = "super::publication_industry::Entity",
        via_rel = "Relation::Publication"
    )]
    Industries,
    #[sea_orm(
        has_many = "super::publication_risk_tag::Entity",
        via_rel = "Relation::Publication"
    )]
    RiskTags,
    #[sea_orm(
        has_many = "super::publication_file::Entity",
        via_rel = "Relation::Publication"
    )]
    Files,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::alliance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alliance.def()
    }
}

impl Related<super::publication_industry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Industries.def()
    }
}

impl Related<super::publication_risk_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskTags.def()
    }
}

impl Related<super::publication_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Files.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
