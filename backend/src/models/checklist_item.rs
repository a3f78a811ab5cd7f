//! One item of a checklist version: what is checked and on what legal basis.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "checklist_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub version_id: i64,
    /// Order within the version, from 1.
    pub seq: i32,
    /// Hazard category code the item's finding falls under ("fire", "electrical" …).
    pub category: String,
    #[sea_orm(column_type = "Text")]
    pub requirement: String,
    #[sea_orm(column_type = "Text")]
    pub legal_basis: String,
    /// The publication of the library the legal basis names, when linked (the article is read
    /// from `legal_basis`).
    pub basis_publication_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::checklist_version::Entity",
        from = "Column::VersionId",
        to = "super::checklist_version::Column::Id"
    )]
    Version,
    #[sea_orm(
        belongs_to = "super::publication::Entity",
        from = "Column::BasisPublicationId",
        to = "super::publication::Column::Id"
    )]
    BasisPublication,
}

impl Related<super::checklist_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Version.def()
    }
}

impl Related<super::publication::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BasisPublication.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
