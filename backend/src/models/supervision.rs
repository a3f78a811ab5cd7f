//! A hazard on the bureau's supervision list 挂牌督办, with the on-site review (核销) result.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "supervisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub hazard_id: i64,
    /// Why it is listed: "major" (a major hazard, at once) | "overdue" (escalated).
    pub reason: String,
    pub supervising_unit: String,
    pub responsible_unit: String,
    pub deadline: Date,
    /// The hazard's region path, for the bureau's scope.
    pub region_path: String,
    pub status: crate::domain::supervision::SupervisionStatus,
    pub listed_at: DateTimeUtc,
    pub listed_by: Option<i64>,
    pub review_result: Option<crate::domain::supervision::ReviewResult>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
    pub reviewed_on: Option<Date>,
    pub reviewed_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::hazard::Entity",
        from = "Column::HazardId",
        to = "super::hazard::Column::Id"
    )]
    Hazard,
}

impl Related<super::hazard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hazard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
