//! Which risk tags an enterprise carries.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise_risk_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_code: String,
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
        belongs_to = "super::risk_tag::Entity",
        from = "Column::TagCode",
        to = "super::risk_tag::Column::Code"
    )]
    RiskTag,
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::risk_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RiskTag.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
