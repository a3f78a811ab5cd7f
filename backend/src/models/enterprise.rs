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
    /// "above" 规上 | "small_micro" 小微
    pub scale: String,
    /// "active" | "closed"
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Current safety score (三色标签), recomputed on every relevant event; None until first scored.
    pub score: Option<i32>,
    /// "green" | "yellow" | "red"
    pub label: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
