//! 互助联盟.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "alliances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// "industry" 行业型 | "regional" 区域型 | "park" 园区型 | "village" 村居型
    pub kind: String,
    pub region_id: i64,
    pub region_path: String,
    pub lead_enterprise_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub charter: String,
    pub founded_on: Date,
    /// "active" | "dissolved"
    pub status: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
