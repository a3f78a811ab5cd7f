//! 参盟率目标: the participation target the bureau set on one region (applies to its subtree
//! unless a descendant has its own; see `domain::participation`).
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "participation_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_id: i64,
    /// Whole percent, 0..=100 (a CHECK constraint holds it there too).
    pub target_percent: i32,
    /// The officer who set it; `None` when the system did.
    pub set_by_user_id: Option<i64>,
    pub set_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
