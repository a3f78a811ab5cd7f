//! A PDF, JPEG or PNG attached to a service request; its bytes live in the storage abstraction (the same store
//! and checks as inspection photos, `services::files`).
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "expert_request_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    #[serde(skip)]
    pub storage_key: String,
    /// The uploaded file name, cleaned; never used as a path.
    pub original_name: String,
    /// Detected from the content (magic bytes): `application/pdf`, `image/jpeg` or `image/png`.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::expert_request::Entity",
        from = "Column::RequestId",
        to = "super::expert_request::Column::Id"
    )]
    Request,
}

impl Related<super::expert_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
