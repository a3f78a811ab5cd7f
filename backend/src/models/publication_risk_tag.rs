//! Which risk tags (粉尘涉爆, 有限空间 …) a publication is tagged with.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication_risk_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub publication_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::publication::Entity",
        from = "Column::PublicationId",
        to = "super::publication::Column::Id"
    )]
    Publication,
    #[sea_orm(
        belongs_to = "super::risk_tag::Entity",
        from = "Column::TagCode",
        to = "super::risk_tag::Column::Code"
    )]
    RiskTag,
}

impl Related<super::publication::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publication.def()
    }
}

impl Related<super::risk_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskTag.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
