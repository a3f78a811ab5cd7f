//! The record of an uploaded file; its bytes live in the storage abstraction.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Random storage key of the original as uploaded (evidence).
    pub storage_key: String,
    /// Key of the copy shown to users, re-encoded without EXIF/GPS (images only).
    pub public_key: Option<String>,
    /// Key of the list thumbnail (images only).
    pub thumb_key: Option<String>,
    /// The uploaded file name, cleaned; never used as a path.
    pub original_name: String,
    /// Detected from the content (magic bytes), not taken from the client.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the original.
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// From the original's EXIF, kept as evidence metadata.
    pub exif_taken_at: Option<String>,
    pub exif_latitude: Option<f64>,
    pub exif_longitude: Option<f64>,
    /// The enterprise the file is about (the inspected one), for scope.
    pub enterprise_id: i64,
    pub region_path: String,
    pub inspection_id: Option<i64>,
    pub answer_id: Option<i64>,
    pub hazard_id: Option<i64>,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// The timeline event it came with (rectification evidence), if any.
    pub hazard_event_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id"
    )]
    Enterprise,
    #[sea_orm(
        belongs_to = "super::inspection::Entity",
        from = "Column::InspectionId",
        to = "super::inspection::Column::Id"
    )]
    Inspection,
    #[sea_orm(
        belongs_to = "super::inspection_answer::Entity",
        from = "Column::AnswerId",
        to = "super::inspection_answer::Column::Id"
    )]
    Answer,
    #[sea_orm(
        belongs_to = "super::hazard::Entity",
        from = "Column::HazardId",
        to = "super::hazard::Column::Id"
    )]
    Hazard,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::inspection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Inspection.def()
    }
}

impl Related<super::inspection_answer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Answer.def()
    }
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
