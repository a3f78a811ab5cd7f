//! 隐患整改闭环: the actions on a hazard after it is found (acknowledge with the 五落实 plan,
//! dispute and its decision, evidence, verification or rejection, deadline extensions,
//! comments), the hazard's timeline and the queues of who must act.
//!
//! The rules are `domain::hazard_flow`; this module finds the caller's `Party`, applies an
//! action in ONE transaction (the hazard row locked, the rule checked again inside, the hazard
//! updated, the immutable `hazard_events` row, evidence files, the audit record, the notices to
//! whoever acts next, the enterprise's label recomputed and the idempotency key saved), and
//! reads the results back for pages and the API.
//!
//! Refusals: outside the caller's scope → 404; not the caller's action → 403; the action does
//! not apply in the hazard's state (already done, retried without a key, stale page) → 409
//! `loop.wrong_state`; bad input → 422 with the fields.
//!
//! - `steps`: the actions, one public function each (input checked, files stored first).
//! - `write`: the transaction shared by every action.
//! - `queries`: timeline, plan, pending extension, the hazard page's loop section.
//! - `report`: the first timeline event when an inspection reports a hazard.
//! - `inputs`, `notices`, `queues`: the actions' inputs, who is told, to-do list and queue.

mod inputs;
mod notices;
mod queries;
mod queues;
mod report;
mod steps;
mod write;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::domain::hazard_flow::{self, Action, Facts, HazardState, Party, Refusal};
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::region_path;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{alliance_membership, hazard};
use crate::scope::{self, Caller, Scope};
use crate::state::Core;

pub use queries::{
    ExtensionView, LoopSection, PlanView, TimelineEntry, loop_section, overdue_days,
    pending_extension, plan_of, timeline, timeline_query,
};
pub use queues::{
    QueueRow, TodoRow, queue_key, queue_queries, todo, todo_query, verification_queue,
};
pub use report::on_reported;
pub use steps::{
    CommentInput, DecisionInput, ExtensionInput, NoteInput, ReasonInput, RejectInput, VerifyInput,
    acknowledge, comment, decide_extension, dispute, reject, request_extension, submit_evidence,
    uphold, verify, withdraw,
};
pub(crate) use write::{EventActor, HazardEvent, insert_hazard_event};

/// Longest free text of a note, reason or comment (characters).
pub const MAX_NOTE: usize = 2000;
/// Evidence files per submission.
pub const MAX_EVIDENCE_FILES: usize = 9;

/// What an action answers (and a retried request with the same key gets again).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoopOutcome {
    pub hazard_id: i64,
    /// The event's action code (`acknowledge`, `evidence`, `verify`, `comment` …).
    pub action: String,
    /// The hazard's state afterwards.
    pub state: String,
    /// The hazard's deadline afterwards.
    #[schema(value_type = String, format = Date)]
    pub deadline: chrono::NaiveDate,
    /// The timeline event written.
    pub event_id: i64,
    /// The extension request made or decided, if any.
    pub extension_id: Option<i64>,
}

/// The rule facts of a hazard; `listed`: it is on the supervision list (see `facts`).
pub fn facts_of(h: &hazard::Model, listed: bool) -> Facts {
    Facts {
        level: h.level,
        in_alliance: h.alliance_id.is_some(),
        reported_by_other: h.reporter_expert_id.is_some()
            || h.reporter_enterprise_id
                .is_some_and(|r| r != h.enterprise_id),
        by_expert: h.reporter_expert_id.is_some(),
        listed,
    }
}

/// The rule facts of a hazard, its supervision listing read through `conn` (inside the write
/// transaction when the facts decide a write).
pub async fn facts<C: ConnectionTrait>(conn: &C, h: &hazard::Model) -> AppResult<Facts> {
    let listed = crate::services::supervision::is_listed(conn, h.id).await?;
    Ok(facts_of(h, listed))
}

/// The caller's relation to the hazard.
pub async fn party_of<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    h: &hazard::Model,
) -> AppResult<Party> {
    Ok(match (&caller.scope, caller.role) {
        (
            Scope::Enterprise { enterprise_id, .. },
            Role::EnterpriseAdmin | Role::EnterpriseStaff,
        ) => {
            if *enterprise_id == h.enterprise_id {
                Party::InspectedEnterprise
            } else if h.reporter_enterprise_id == Some(*enterprise_id) {
                Party::InspectingSide
            } else {
                Party::Observer
            }
        }
        (Scope::Alliance { alliance_id, .. }, Role::Committee) => match h.alliance_id {
            Some(a) if a == *alliance_id => Party::Committee,
            Some(_) => Party::Observer,
            None => {
                let members = alliance_membership::Entity::find()
                    .filter(alliance_membership::Column::AllianceId.eq(*alliance_id))
                    .filter(alliance_membership::Column::EnterpriseId.eq(h.enterprise_id))
                    .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
                    .count(conn)
                    .await?;
                if members > 0 {
                    Party::Committee
                } else {
                    Party::Observer
                }
            }
        },
        (Scope::Region { path, .. }, Role::Regulator)
            if region_path::contains(path, &h.region_path) =>
        {
            Party::Bureau
        }
        (Scope::Expert { expert_id }, Role::Expert) if h.reporter_expert_id == Some(*expert_id) => {
            Party::InspectingSide
        }
        _ => Party::Observer,
    })
}

/// The actions `party` may take now on a hazard in `state`; `pending` tells whether an
/// extension request awaits its decision (one at a time).
pub fn actions_for(party: Party, f: Facts, state: HazardState, pending: bool) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| match a {
            Action::RequestExtension => !pending,
            Action::GrantExtension | Action::RefuseExtension => pending,
            _ => true,
        })
        .filter(|a| hazard_flow::next(state, *a, party, f).is_ok())
        .collect()
}

/// The actions the caller may take on the hazard now, for pages to show the right forms.
pub async fn what_can<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    h: &hazard::Model,
) -> AppResult<Vec<Action>> {
    let party = party_of(conn, caller, h).await?;
    if party == Party::Observer {
        return Ok(Vec::new());
    }
    let pending = queries::pending_of(conn, h.id).await?.is_some();
    Ok(actions_for(party, facts(conn, h).await?, h.state, pending))
}

/// Whether the caller may comment: every party but a mere observer.
pub async fn may_comment<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    h: &hazard::Model,
) -> AppResult<bool> {
    Ok(party_of(conn, caller, h).await? != Party::Observer)
}

/// The refusal as the error the caller gets.
pub(crate) fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::WrongState => AppError::Conflict("loop.wrong_state"),
        Refusal::NotAllowed => AppError::Forbidden,
    }
}

/// A hazard the caller may see (`NotFound` otherwise).
pub(crate) async fn visible(core: &Core, caller: &Caller, id: i64) -> AppResult<hazard::Model> {
    hazard::Entity::find_by_id(id)
        .filter(scope::hazards(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The hazard read again inside the write transaction, locked on PostgreSQL (SQLite's write
/// transaction already holds the database lock), so the state checked is the state changed.
pub(crate) async fn locked(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: i64,
) -> AppResult<hazard::Model> {
    let mut q = hazard::Entity::find_by_id(id).filter(scope::hazards(&caller.scope));
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(txn).await?.ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inspection::{HazardCategory, HazardLevel};

    fn general_mutual() -> Facts {
        Facts {
            level: HazardLevel::General,
            in_alliance: true,
            reported_by_other: true,
            by_expert: false,
            listed: false,
        }
    }

    #[test]
    fn the_enterprise_sees_its_forms_and_one_extension_request_at_a_time() {
        let f = general_mutual();
        assert_eq!(
            actions_for(Party::InspectedEnterprise, f, HazardState::Reported, false),
            [
                Action::Acknowledge,
                Action::Dispute,
                Action::RequestExtension
            ]
        );
        assert_eq!(
            actions_for(Party::InspectedEnterprise, f, HazardState::Rectifying, true),
            [Action::SubmitEvidence]
        );
        assert_eq!(
            actions_for(Party::Committee, f, HazardState::Rectifying, true),
            [Action::GrantExtension, Action::RefuseExtension]
        );
        assert!(actions_for(Party::Committee, f, HazardState::Rectifying, false).is_empty());
    }

    #[test]
    fn verifiers_see_verify_and_reject_and_observers_nothing() {
        let f = general_mutual();
        for p in [Party::InspectingSide, Party::Committee, Party::Bureau] {
            assert_eq!(
                actions_for(p, f, HazardState::AwaitingVerification, false),
                [Action::Verify, Action::Reject]
            );
        }
        let major = Facts {
            level: HazardLevel::Major,
            ..f
        };
        assert!(
            actions_for(
                Party::Committee,
                major,
                HazardState::AwaitingVerification,
                false
            )
            .is_empty()
        );
        for s in HazardState::ALL {
            assert!(actions_for(Party::Observer, f, *s, true).is_empty());
        }
    }

    #[test]
    fn a_self_found_hazard_has_no_inspecting_side() {
        let h = |reporter: Option<i64>, expert: Option<i64>| hazard::Model {
            id: 1,
            inspection_id: None,
            answer_id: None,
            enterprise_id: 7,
            region_path: "/330381/".into(),
            alliance_id: None,
            reporter_user_id: None,
            reporter_enterprise_id: reporter,
            reporter_expert_id: expert,
            category: HazardCategory::Fire,
            level: HazardLevel::Major,
            major_clause: None,
            title: String::new(),
            description: String::new(),
            location: String::new(),
            legal_basis: String::new(),
            basis_publication_id: None,
            suggested_measure: String::new(),
            found_at: chrono::DateTime::default(),
            deadline: chrono::NaiveDate::default(),
            state: HazardState::Reported,
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
            rectified_at: None,
            verified_by: None,
            verified_at: None,
            closed_at: None,
            listed: false,
            extension_pending: false,
        };
        let own = facts_of(&h(Some(7), None), false);
        assert!(!own.reported_by_other && !own.in_alliance);
        assert_eq!(own.level, HazardLevel::Major);
        assert!(facts_of(&h(Some(8), None), false).reported_by_other);
        assert!(!facts_of(&h(None, None), false).reported_by_other);
        assert!(
            facts_of(&h(None, Some(3)), false).reported_by_other,
            "an expert's finding may be disputed"
        );
    }
}
