//! Who may see what: the one place tenant filters are built.
//!
//! A `Scope` is made once per request from the caller's token (role + tenant) and passed to
//! every service that lists, counts or fetches tenant data. Each entity has one function here
//! that turns a scope into the query condition; services have no other way to filter. A record
//! outside the scope is reported as not found (404), never as forbidden.
//!
//! The rules, entity by entity:
//! - **enterprises**: system admin all; bureau officer those whose `region_path` lies in its
//!   region subtree; committee member the enterprises that are members of its alliance or have
//!   applied to it; enterprise users their own enterprise; experts none (until service
//!   requests assign them).
//! - **alliances**: admin all; bureau officer those registered in its region subtree; committee
//!   member its own; enterprise users the alliances they are an approved member of; experts none.
//! - **audit log**: admin all; bureau officer rows whose actor's tenant lies in its region
//!   subtree; everyone else only their own actions.
//! - **memberships** (联盟成员资格, in any status, with their history): admin all; bureau
//!   officer those of an alliance or of an enterprise in its region subtree; committee member
//!   those of its alliance; enterprise users (admin and staff) their own enterprise's; experts
//!   none.
//! - **activity groups**: those of the alliances the scope may see (the alliance rule above):
//!   admin all, bureau its region's alliances', committee its alliance's, enterprise users
//!   those of alliances they are an approved member of; experts none.
//! - **regions for participation figures and targets** (参盟率): admin all; bureau officer its
//!   region and its subtree (a target set above its region still applies there, shown as
//!   inherited, but only the officer above can change it); everyone else none.

use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, Query},
};
use serde::Serialize;

use crate::domain::region_path::subtree_pattern;
use crate::domain::role::{Portal, Role};
use crate::models::{activity_group, alliance, alliance_membership, audit_log, enterprise, region};

/// The caller's tenant, as far as data access is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// 系统管理员: everything.
    System,
    /// 应急管理部门: a region node and its subtree.
    Region { region_id: i64, path: String },
    /// 联盟委员会: one alliance.
    Alliance {
        alliance_id: i64,
        region_path: String,
    },
    /// 企业: one enterprise.
    Enterprise {
        enterprise_id: i64,
        region_path: String,
    },
    /// 专家: only what is assigned to the expert.
    Expert { expert_id: i64 },
}

impl Scope {
    /// A short tenant label for the audit log ("region:330381", "alliance:3" …).
    pub fn tenant_label(&self) -> String {
        match self {
            Scope::System => "system".into(),
            Scope::Region { path, .. } => format!(
                "region:{}",
                path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
            ),
            Scope::Alliance { alliance_id, .. } => format!("alliance:{alliance_id}"),
            Scope::Enterprise { enterprise_id, .. } => format!("enterprise:{enterprise_id}"),
            Scope::Expert { expert_id } => format!("expert:{expert_id}"),
        }
    }

    /// The region path the caller's tenant sits in (none for admin and experts).
    pub fn region_path(&self) -> Option<&str> {
        match self {
            Scope::Region { path, .. } => Some(path),
            Scope::Alliance { region_path, .. } | Scope::Enterprise { region_path, .. } => {
                Some(region_path)
            }
            Scope::System | Scope::Expert { .. } => None,
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// The session the token names (for logout and CSRF binding).
    #[serde(skip)]
    pub session_id: String,
}

impl Caller {
    pub fn portal(&self) -> Portal {
        self.role.portal()
    }
}

/// Whether the scope governs a region (and so may register, import or edit what lies in it):
/// the system admin everywhere, a bureau officer inside its subtree, nobody else.
pub fn governs_region(scope: &Scope, region_path: &str) -> bool {
    match scope {
        Scope::System => true,
        Scope::Region { path, .. } => crate::domain::region_path::contains(path, region_path),
        _ => false,
    }
}

/// A condition that matches nothing.
fn nothing() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

fn enterprises_of_alliance(
    alliance_id: i64,
    statuses: &[&str],
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(alliance_membership::Column::EnterpriseId)
        .from(alliance_membership::Entity)
        .and_where(alliance_membership::Column::AllianceId.eq(alliance_id))
        .and_where(alliance_membership::Column::Status.is_in(statuses.iter().copied()))
        .to_owned()
}

/// Which enterprises the scope may see.
pub fn enterprises(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(enterprise::Column::RegionPath.like(subtree_pattern(path)))
        }
        Scope::Alliance { alliance_id, .. } => {
            Condition::all().add(enterprise::Column::Id.in_subquery(enterprises_of_alliance(
                *alliance_id,
                &["approved", "applied"],
            )))
        }
        Scope::Enterprise { enterprise_id, .. } => {
            Condition::all().add(enterprise::Column::Id.eq(*enterprise_id))
        }
        Scope::Expert { .. } => nothing(),
    }
}

/// Which alliances the scope may see.
pub fn alliances(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(alliance::Column::RegionPath.like(subtree_pattern(path)))
        }
        Scope::Alliance { alliance_id, .. } => {
            Condition::all().add(alliance::Column::Id.eq(*alliance_id))
        }
        Scope::Enterprise { enterprise_id, .. } => Condition::all().add(
            alliance::Column::Id.in_subquery(
                Query::select()
                    .column(alliance_membership::Column::AllianceId)
                    .from(alliance_membership::Entity)
                    .and_where(alliance_membership::Column::EnterpriseId.eq(*enterprise_id))
                    .and_where(alliance_membership::Column::Status.eq("approved"))
                    .to_owned(),
            ),
        ),
        Scope::Expert { .. } => nothing(),
    }
}

/// Which alliance memberships (and so which membership events) the scope may see.
pub fn memberships(scope: &Scope) -> Condition {
    use alliance_membership::Column as M;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            let pattern = subtree_pattern(path);
            Condition::any()
                .add(
                    M::AllianceId.in_subquery(
                        Query::select()
                            .column(alliance::Column::Id)
                            .from(alliance::Entity)
                            .and_where(alliance::Column::RegionPath.like(pattern.clone()))
                            .to_owned(),
                    ),
                )
                .add(
                    M::EnterpriseId.in_subquery(
                        Query::select()
                            .column(enterprise::Column::Id)
                            .from(enterprise::Entity)
                            .and_where(enterprise::Column::RegionPath.like(pattern))
                            .to_owned(),
                    ),
                )
        }
        Scope::Alliance { alliance_id, .. } => Condition::all().add(M::AllianceId.eq(*alliance_id)),
        Scope::Enterprise { enterprise_id, .. } => {
            Condition::all().add(M::EnterpriseId.eq(*enterprise_id))
        }
        Scope::Expert { .. } => nothing(),
    }
}

/// Which activity groups the scope may see: those of the alliances it may see.
pub fn activity_groups(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Alliance { alliance_id, .. } => {
            Condition::all().add(activity_group::Column::AllianceId.eq(*alliance_id))
        }
        Scope::Expert { .. } => nothing(),
        Scope::Region { .. } | Scope::Enterprise { .. } => Condition::all().add(
            activity_group::Column::AllianceId.in_subquery(
                Query::select()
                    .column(alliance::Column::Id)
                    .from(alliance::Entity)
                    .cond_where(alliances(scope))
                    .to_owned(),
            ),
        ),
    }
}

/// Which regions the scope may report participation on and set targets for.
pub fn participation_regions(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(region::Column::Path.like(subtree_pattern(path)))
        }
        _ => nothing(),
    }
}

/// Which audit records the caller may read.
pub fn audit_logs(caller: &Caller) -> Condition {
    match &caller.scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(audit_log::Column::RegionPath.like(subtree_pattern(path)))
        }
        _ => Condition::all().add(audit_log::Column::ActorUserId.eq(caller.user_id)),
    }
}
