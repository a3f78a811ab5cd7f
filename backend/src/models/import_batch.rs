//! An uploaded spreadsheet on its way into the register.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "import_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: crate::domain::import::ImportKind,
    pub file_name: String,
    pub created_by: i64,
    pub status: crate::domain::import::ImportStatus,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub valid_rows: i32,
    pub error_rows: i32,
    pub created_rows: i32,
    pub updated_rows: i32,
    pub unchanged_rows: i32,
    /// JSON: `[{row, field, key}]`.
    #[sea_orm(column_type = "Text")]
    #[serde(skip)]
    pub errors: String,
    /// JSON: the valid rows, ready to write.
    #[sea_orm(column_type = "Text")]
    #[serde(skip)]
    pub payload: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub committed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
