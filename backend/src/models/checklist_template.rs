//! A checklist template 检查表: its identity; the items live in immutable versions.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "checklist_templates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    /// Topic code: "fire" 消防, "electrical" 电气, "dust" 粉尘涉爆, "hazchem" 危化品,
    /// "confined" 有限空间, "general" 综合 …
    pub topic: String,
    /// Set for a bureau template: the publishing bureau's region.
    pub region_id: Option<i64>,
    /// Set for a committee template: usable in that alliance only.
    pub alliance_id: Option<i64>,
    /// The owner's region path (the bureau's region, or the alliance's region).
    pub region_path: String,
    pub status: crate::domain::inspection::TemplateStatus,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        has_many = "super::checklist_version::Entity",
        via_rel = "Relation::Template"
    )]
    Versions,
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

impl Related<super::checklist_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Versions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
