//! The lists of who must act: the enterprise's to-do list (待办) and the verification queue
//! of a committee or the bureau (待验收, 申诉, 延期申请). A city bureau's queue holds tens of
//! thousands of rows at city scale: both are paged like every list (`keyset`: a bounded
//! count, cursors), each one query in an order an index serves.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, Query},
};
use serde::Serialize;

use super::queries::{ExtensionView, overdue_days};
use crate::domain::hazard_flow::{Action, ExtensionStatus, HazardState};
use crate::domain::inspection::HazardLevel;
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::models::{alliance_membership, extension_request, hazard};
use crate::scope::{self, Caller, Scope};
use crate::services::hazards::{self, HazardRow};
use crate::services::keyset::Key;
use crate::services::{PageParams, Paged};
use crate::state::Core;

/// A row of the enterprise's to-do list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TodoRow {
    #[serde(flatten)]
    pub hazard: HazardRow,
    /// What is expected: `acknowledge`, `evidence`, or `verify` (as the inspecting side).
    pub action: Action,
    pub overdue_days: Option<i64>,
    /// An extension request awaits its decision.
    pub pending_extension: bool,
}

async fn pending_set<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, extension_request::Model>> {
    Ok(extension_request::Entity::find()
        .filter(extension_request::Column::HazardId.is_in(ids.iter().copied()))
        .filter(extension_request::Column::Status.eq(ExtensionStatus::Pending))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.hazard_id, e))
        .collect())
}

/// 待办: one page of what needs the caller's action, earliest deadline first. For an
/// enterprise's accounts: its hazards to acknowledge (待确认) and to fix (整改中), and the
/// findings it reported in a mutual inspection that await its verification; for an expert:
/// its general findings that await its verification (neither those on the supervision list).
/// Empty for other callers.
pub async fn todo(core: &Core, caller: &Caller, page: PageParams) -> AppResult<Paged<TodoRow>> {
    use hazard::Column as H;
    let key = Key::new("todo").asc(H::Deadline).asc(H::Id);
    let (found, info) = hazards::page_of(core, vec![todo_query(caller)], &key, &page).await?;
    let today = core.today();
    let ids: Vec<i64> = found.iter().map(|(h, _)| h.id).collect();
    let pending = pending_set(&core.db, &ids).await?;
    let meta: Vec<(Action, Option<i64>, bool)> = found
        .iter()
        .map(|(h, _)| {
            let action = match h.state {
                HazardState::Reported => Action::Acknowledge,
                HazardState::Rectifying => Action::SubmitEvidence,
                _ => Action::Verify,
            };
            (action, overdue_days(h, today), pending.contains_key(&h.id))
        })
        .collect();
    let rows: Vec<HazardRow> = found.into_iter().map(|(_, row)| row).collect();
    Ok(info.with(
        rows.into_iter()
            .zip(meta)
            .map(
                |(hazard, (action, overdue_days, pending_extension))| TodoRow {
                    hazard,
                    action,
                    overdue_days,
                    pending_extension,
                },
            )
            .collect(),
    ))
}

/// The to-do list's statement (see `todo`), earliest deadline first (`deadline`, then `id`);
/// for callers without one a statement that selects nothing.
pub fn todo_query(caller: &Caller) -> sea_orm::Select<hazard::Entity> {
    use hazard::Column as H;
    // A general finding awaiting verification by the side that found it (on the supervision
    // list it is the bureau's to verify).
    let to_verify = || {
        Condition::all()
            .add(H::Level.eq(HazardLevel::General))
            .add(H::State.eq(HazardState::AwaitingVerification))
            .add(H::Listed.eq(false))
    };
    let mine = match (&caller.scope, caller.role) {
        (
            Scope::Enterprise { enterprise_id, .. },
            Role::EnterpriseAdmin | Role::EnterpriseStaff,
        ) => {
            let e = *enterprise_id;
            Condition::any()
                .add(
                    Condition::all()
                        .add(H::EnterpriseId.eq(e))
                        .add(H::State.is_in([HazardState::Reported, HazardState::Rectifying])),
                )
                .add(
                    to_verify()
                        .add(H::ReporterEnterpriseId.eq(e))
                        .add(H::EnterpriseId.ne(e))
                        .add(H::AllianceId.is_not_null()),
                )
        }
        // An expert verifies its own general findings.
        (Scope::Expert { expert_id }, Role::Expert) => {
            to_verify().add(H::ReporterExpertId.eq(*expert_id))
        }
        // Nobody's: the same (empty) page, its parameters checked like any list's.
        _ => Condition::all().add(Expr::cust("1 = 0")),
    };
    hazard::Entity::find()
        .filter(mine)
        .order_by_asc(H::Deadline)
        .order_by_asc(H::Id)
}

/// A row of the verification queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueRow {
    /// `verify` (evidence to check), `dispute` (to uphold or withdraw) or `extension` (to
    /// grant or refuse).
    pub kind: String,
    #[serde(flatten)]
    pub hazard: HazardRow,
    pub extension: Option<ExtensionView>,
    /// Waiting since.
    #[schema(value_type = String, format = DateTime)]
    pub since: DateTime<Utc>,
}

/// The hazards whose disputes and extensions the scope decides, and (`verify`) whose evidence
/// it checks first: a committee its alliance's general hazards (and, to verify, the general
/// hazards of its members found outside any alliance, not those on the supervision list);
/// the bureau, in its region, the major hazards and those found outside any alliance (and, to
/// verify, every hazard on its supervision list).
fn queue_scope(caller: &Caller, verify: bool) -> Option<Condition> {
    use hazard::Column as H;
    match (&caller.scope, caller.role) {
        (Scope::Alliance { alliance_id, .. }, Role::Committee) => {
            let mine = Condition::any().add(H::AllianceId.eq(*alliance_id));
            let mine = if verify {
                mine.add(
                    Condition::all().add(H::AllianceId.is_null()).add(
                        H::EnterpriseId.in_subquery(
                            Query::select()
                                .column(alliance_membership::Column::EnterpriseId)
                                .from(alliance_membership::Entity)
                                .and_where(alliance_membership::Column::AllianceId.eq(*alliance_id))
                                .and_where(
                                    alliance_membership::Column::Status
                                        .eq(MembershipStatus::Approved),
                                )
                                .to_owned(),
                        ),
                    ),
                )
            } else {
                mine
            };
            let mut general = Condition::all()
                .add(H::Level.eq(HazardLevel::General))
                .add(mine);
            if verify {
                // A hazard on the supervision list is the bureau's to verify.
                general = general.add(H::Listed.eq(false));
            }
            Some(general)
        }
        (Scope::Region { path, .. }, Role::Regulator) => {
            let mut its = Condition::any()
                .add(H::Level.eq(HazardLevel::Major))
                .add(H::AllianceId.is_null());
            if verify {
                its = its.add(H::Listed.eq(true));
            }
            Some(
                Condition::all()
                    .add(scope::in_subtree(H::RegionPath, path))
                    .add(its),
            )
        }
        _ => None,
    }
}

/// 待验收 / 待处理: for a committee or the bureau, one page of the evidence it verifies, the
/// disputes and the pending extension requests it decides, longest untouched first (by the
/// hazard's `updated_at`, then id: one query, whose states never overlap). Empty for other
/// callers.
pub async fn verification_queue(
    core: &Core,
    caller: &Caller,
    page: PageParams,
) -> AppResult<Paged<QueueRow>> {
    let (found, info) = hazards::page_of(core, queue_queries(caller), &queue_key(), &page).await?;
    let ids: Vec<i64> = found.iter().map(|(h, _)| h.id).collect();
    let mut pending = pending_set(&core.db, &ids).await?;
    let meta: Vec<(
        &'static str,
        Option<extension_request::Model>,
        DateTime<Utc>,
    )> = found
        .iter()
        .map(|(h, _)| match h.state {
            HazardState::AwaitingVerification => {
                ("verify", None, h.rectified_at.unwrap_or(h.updated_at))
            }
            HazardState::Disputed => ("dispute", None, h.updated_at),
            _ => {
                let e = pending.remove(&h.id);
                let since = e.as_ref().map_or(h.updated_at, |e| e.created_at);
                ("extension", e, since)
            }
        })
        .collect();
    let rows: Vec<HazardRow> = found.into_iter().map(|(_, row)| row).collect();
    Ok(info.with(
        rows.into_iter()
            .zip(meta)
            .map(|(hazard, (kind, extension, since))| QueueRow {
                kind: kind.into(),
                hazard,
                extension: extension.map(ExtensionView::from),
                since,
            })
            .collect(),
    ))
}

/// The queue's order, longest untouched first: the hazard's `updated_at`, then the id.
pub fn queue_key() -> Key {
    Key::new("queue")
        .asc(hazard::Column::UpdatedAt)
        .asc(hazard::Column::Id)
}

/// The verification queue's statements (see `verification_queue`), one per kind, which never
/// overlap: evidence to verify, disputes, and pending extension requests. Each reads its rows
/// in the order of an index that leads with the kind (`state`, or the hazard's copy of
/// `extension_pending`) and then `updated_at`, longest untouched first, and whose further
/// columns (level, alliance, enterprise, region, the copy of `listed`) answer the scope's
/// conditions without reading the rows. Each page reads the first rows of each and merges
/// them (one statement with an `OR` of them sorts every match: the whole city's queue). For
/// callers without a queue a statement that selects nothing.
pub fn queue_queries(caller: &Caller) -> Vec<sea_orm::Select<hazard::Entity>> {
    use hazard::Column as H;
    let of = |which: Condition| {
        hazard::Entity::find()
            .filter(which)
            .order_by_asc(H::UpdatedAt)
            .order_by_asc(H::Id)
    };
    match (queue_scope(caller, true), queue_scope(caller, false)) {
        (Some(verifies), Some(decides)) => {
            let extensions = decides
                .clone()
                .add(H::ExtensionPending.eq(true))
                .add(H::State.is_in([HazardState::Reported, HazardState::Rectifying]));
            vec![
                of(verifies.add(H::State.eq(HazardState::AwaitingVerification))),
                of(decides.add(H::State.eq(HazardState::Disputed))),
                of(extensions),
            ]
        }
        // Nobody's: the same (empty) page, its parameters checked like any list's.
        _ => vec![of(Condition::all().add(Expr::cust("1 = 0")))],
    }
}
