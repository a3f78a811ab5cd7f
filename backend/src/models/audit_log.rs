//! The audit log: logins, logouts, every write, every export.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "audit_logs")]
#[schema(as = AuditEntry)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTimeUtc,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: Option<String>,
    /// e.g. "region:330381101", "alliance:3", "enterprise:12".
    pub tenant: Option<String>,
    /// Region path of the actor's tenant, for the bureau's scoped view.
    pub region_path: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// "success" | "failure" | "denied"
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    /// The id of the request that wrote it (the one its log lines and an error page show).
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
