//! The bureau's scoring rules for enterprise labels (三色标签), per region, inherited down the tree.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "label_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_id: i64,
    pub base: i32,
    /// Points off per open general hazard.
    pub per_general: i32,
    /// Points off per open major hazard.
    pub per_major: i32,
    /// Points off per day overdue, per hazard.
    pub per_overdue_day: i32,
    /// Points back per hazard closed on time (in the last 12 months).
    pub timely_bonus: i32,
    /// Score at or above: green.
    pub green_min: i32,
    /// Score at or above (below green): yellow; below: red.
    pub yellow_min: i32,
    pub set_by: Option<i64>,
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
