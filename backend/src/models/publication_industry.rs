//! Which industries a publication is tagged with.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication_industries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub publication_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub industry_code: String,
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
        belongs_to = "super::industry::Entity",
        from = "Column::IndustryCode",
        to = "super::industry::Column::Code"
    )]
    Industry,
}

impl Related<super::publication::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publication.def()
    }
}

impl Related<super::industry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Industry.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
