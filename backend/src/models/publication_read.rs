//! 宣传覆盖: an enterprise account's first read of a publication and, when asked for, its
//! acknowledgement (我已阅知); one row per (publication, account), written once.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "publication_reads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub publication_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// The account's enterprise when it read (the reach figures count by it).
    pub enterprise_id: i64,
    pub first_read_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::publication::Entity",
        from = "Column::PublicationId",
        to = "super::publication::Column::Id"
    )]
    Publication,
}

impl Related<super::publication::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publication.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
