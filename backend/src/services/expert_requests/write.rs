//! Writing service requests: filing (with attachments), and each step of the flow (assign,
//! reject, accept, decline, file the report, complete, rate, cancel). Each write is one
//! transaction with its timeline row, its audit record and its notices (`notices`); a request
//! retried with the same idempotency key gets the first answer back and changes nothing.
//!
//! Concurrent steps: the request row is locked (`FOR UPDATE` on PostgreSQL; SQLite's write
//! transactions are serialised) and every state change is a conditional `UPDATE … WHERE state
//! = <the state read>` whose row count is checked, so of two concurrent accepts or ratings one
//! wins and the other is refused as stale (409).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, SimpleExpr},
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::expert_flow::{
    self, AssignmentState, Facts, MAX_FILES, Party, Refusal, RequestAction, RequestState,
};
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{
    alliance_membership, enterprise, expert, expert_assignment, expert_request,
    expert_request_event, expert_request_file,
};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::files::{self, Kind, Upload};
use crate::services::{idempotency, inspections};
use crate::state::Core;

use super::queries::{self, others_open, party};
use super::{AcceptInput, AssignInput, NewRequest, RateInput, ReasonInput, ReportInput, notices};

/// What a write answers (saved for a retried request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestRef {
    pub id: i64,
}

/// The roles that file requests: enterprise accounts for their enterprise, committees for
/// their members.
pub const REQUESTERS: &[Role] = &[
    Role::EnterpriseAdmin,
    Role::EnterpriseStaff,
    Role::Committee,
];
/// The roles that read requests (each sees what `scope::expert_requests` gives it).
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::EnterpriseAdmin,
    Role::EnterpriseStaff,
    Role::Committee,
    Role::Regulator,
    Role::Expert,
];
/// The roles that confirm a visited request complete: the requester's and the bureau.
pub const COMPLETERS: &[Role] = &[
    Role::EnterpriseAdmin,
    Role::EnterpriseStaff,
    Role::Committee,
    Role::Regulator,
];

/// The saved answer of a retried request, if any.
async fn replayed(core: &Core, actor: &Actor, fingerprint: &str) -> AppResult<Option<RequestRef>> {
    match actor.key()? {
        Some(key) => idempotency::replay(core, actor.caller.user_id, key, fingerprint).await,
        None => Ok(None),
    }
}

/// Saves the answer for the key (if any) and commits. When a concurrent request with the same
/// key won, this one rolls back and answers as that one did.
async fn finish(
    core: &Core,
    actor: &Actor,
    txn: DatabaseTransaction,
    fingerprint: &str,
    answer: RequestRef,
) -> AppResult<RequestRef> {
    if let Some(key) = actor.key()?
        && let Err(e) =
            idempotency::save(&txn, core, actor.caller.user_id, key, fingerprint, &answer).await
    {
        txn.rollback().await?;
        return match replayed(core, actor, fingerprint).await? {
            Some(saved) => Ok(saved),
            None => Err(e),
        };
    }
    txn.commit().await?;
    Ok(answer)
}

async fn event<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    actor: &Actor,
    request_id: i64,
    action: RequestAction,
    (from, to): (Option<RequestState>, RequestState),
    note: Option<String>,
) -> AppResult<()> {
    expert_request_event::ActiveModel {
        request_id: Set(request_id),
        action: Set(action),
        from_state: Set(from),
        to_state: Set(to),
        actor_user_id: Set(Some(actor.caller.user_id)),
        actor_name: Set(actor.caller.display_name.chars().take(64).collect()),
        note: Set(note),
        at: Set(core.now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn audit_step<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    actor: &Actor,
    action: RequestAction,
    id: i64,
    detail: String,
) -> AppResult<()> {
    audit::record(
        db,
        core.now(),
        &Author::of(actor),
        &format!("expert_request.{action}"),
        Some(("expert_request", id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await
}

async fn enterprise_name<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<String> {
    Ok(enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|e| e.name)
        .unwrap_or_default())
}

/// Files a request: an enterprise account for its own enterprise, a committee for one of its
/// approved members (`enterprise_id`). The bureau officers on the enterprise's path are told.
pub async fn create(core: &Core, actor: &Actor, input: &NewRequest) -> AppResult<RequestRef> {
    let fingerprint = "create expert request";
    if let Some(saved) = replayed(core, actor, fingerprint).await? {
        return Ok(saved);
    }
    let parsed = input.parse(core.today()).map_err(AppError::Validation)?;
    let txn = begin_write(&core.db).await?;
    let (enterprise_id, alliance_id) = match (&actor.caller.scope, actor.caller.role) {
        (
            Scope::Enterprise { enterprise_id, .. },
            Role::EnterpriseAdmin | Role::EnterpriseStaff,
        ) => (*enterprise_id, None),
        (Scope::Alliance { alliance_id, .. }, Role::Committee) => {
            let member = match parsed.enterprise_id {
                Some(e) => {
                    alliance_membership::Entity::find()
                        .filter(alliance_membership::Column::AllianceId.eq(*alliance_id))
                        .filter(alliance_membership::Column::EnterpriseId.eq(e))
                        .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
                        .count(&txn)
                        .await?
                        > 0
                }
                None => false,
            };
            match parsed.enterprise_id {
                Some(e) if member => (e, Some(*alliance_id)),
                _ => {
                    let mut errors = FieldErrors::default();
                    errors.add("enterprise_id", "expert_requests.not_a_member");
                    return Err(AppError::Validation(errors));
                }
            }
        }
        _ => return Err(AppError::Forbidden),
    };
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = core.now();
    let r = expert_request::ActiveModel {
        enterprise_id: Set(enterprise_id),
        requested_by: Set(actor.caller.user_id),
        alliance_id: Set(alliance_id),
        region_path: Set(e.region_path.clone()),
        topic: Set(parsed.topic.clone()),
        specialty: Set(parsed.specialty),
        description: Set(parsed.description.clone()),
        preferred_from: Set(parsed.preferred_from),
        preferred_to: Set(parsed.preferred_to),
        state: Set(RequestState::Submitted),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        core,
        actor,
        r.id,
        RequestAction::Submit,
        (None, RequestState::Submitted),
        None,
    )
    .await?;
    let detail = format!("{} {} {}", e.name, parsed.specialty, parsed.topic);
    audit_step(&txn, core, actor, RequestAction::Submit, r.id, detail).await?;
    let bureau = notices::bureau(&txn, &r).await?;
    notices::tell(&txn, core, &bureau, "expert_submitted", &r, &e.name, vec![]).await?;
    finish(core, actor, txn, fingerprint, RequestRef { id: r.id }).await
}

/// A locked request with the caller's party on it.
struct Step {
    r: expert_request::Model,
    party: Party,
    own: Option<expert_assignment::Model>,
    all: Vec<expert_assignment::Model>,
    enterprise: String,
}

impl Step {
    async fn load(txn: &DatabaseTransaction, actor: &Actor, id: i64) -> AppResult<Step> {
        let caller = &actor.caller;
        let r = expert_request::Entity::find_by_id(id)
            .filter(scope::expert_requests(&caller.scope))
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let own = queries::own_assignment(txn, caller, id).await?;
        let all = queries::assignments(txn, id).await?;
        let enterprise = enterprise_name(txn, r.enterprise_id).await?;
        Ok(Step {
            party: party(caller, &r, own.as_ref()),
            r,
            own,
            all,
            enterprise,
        })
    }

    /// The state `action` leads to, or its refusal: 403 for the wrong party, 409 otherwise.
    fn decide(&self, action: RequestAction) -> AppResult<RequestState> {
        let facts = Facts {
            others_open: others_open(&self.all, self.own.as_ref().map(|a| a.expert_id)),
        };
        expert_flow::next(self.r.state, action, self.party, facts).map_err(|r| match r {
            // An expert who already answered retries with a fresh request: stale, not forbidden.
            Refusal::NotAllowed
                if matches!(action, RequestAction::Accept | RequestAction::Decline)
                    && self.own.is_some() =>
            {
                AppError::Conflict(Refusal::WrongState.message_key())
            }
            Refusal::NotAllowed => AppError::Forbidden,
            Refusal::WrongState => AppError::Conflict(r.message_key()),
        })
    }

    /// Moves the request from the state read to `to` (with `set`), refusing a stale read.
    async fn advance(
        &self,
        txn: &DatabaseTransaction,
        core: &Core,
        to: RequestState,
        set: Vec<(expert_request::Column, SimpleExpr)>,
    ) -> AppResult<()> {
        use expert_request::Column as R;
        let mut q = expert_request::Entity::update_many()
            .col_expr(R::State, Expr::value(to))
            .col_expr(R::UpdatedAt, Expr::value(core.now()));
        for (c, v) in set {
            q = q.col_expr(c, v);
        }
        let done = q
            .filter(R::Id.eq(self.r.id))
            .filter(R::State.eq(self.r.state))
            .exec(txn)
            .await?
            .rows_affected;
        if done != 1 {
            return Err(AppError::Conflict(Refusal::WrongState.message_key()));
        }
        Ok(())
    }

    /// Experts whose assignment is in one of `states`.
    fn experts_in(&self, states: &[AssignmentState]) -> Vec<i64> {
        self.all
            .iter()
            .filter(|a| states.contains(&a.state))
            .map(|a| a.expert_id)
            .collect()
    }
}

/// Sets assignments of the request from one state to another (all, or one expert's).
async fn move_assignments(
    txn: &DatabaseTransaction,
    core: &Core,
    request_id: i64,
    expert_id: Option<i64>,
    from: &[AssignmentState],
    to: AssignmentState,
    reason: Option<String>,
) -> AppResult<u64> {
    use expert_assignment::Column as A;
    let mut q = expert_assignment::Entity::update_many()
        .col_expr(A::State, Expr::value(to))
        .col_expr(A::AnsweredAt, Expr::value(core.now()))
        .filter(A::RequestId.eq(request_id))
        .filter(A::State.is_in(from.iter().copied()));
    if let Some(e) = expert_id {
        q = q.filter(A::ExpertId.eq(e));
    }
    if reason.is_some() {
        q = q.col_expr(A::DeclineReason, Expr::value(reason));
    }
    Ok(q.exec(txn).await?.rows_affected)
}

/// Begins a step: replays a retried request, else opens the transaction and loads the request.
async fn begin(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: RequestAction,
) -> AppResult<Result<(DatabaseTransaction, Step, String), RequestRef>> {
    let fingerprint = format!("expert request {id} {action}");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(Err(saved));
    }
    let txn = begin_write(&core.db).await?;
    let step = Step::load(&txn, actor, id).await?;
    Ok(Ok((txn, step, fingerprint)))
}

/// The bureau assigns one or more experts. An expert whose organisation is the enterprise
/// itself needs `confirm_conflict`; inactive or unknown experts are refused on `expert_ids`.
pub async fn assign(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &AssignInput,
) -> AppResult<RequestRef> {
    let ids = input.parse().map_err(AppError::Validation)?;
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Assign).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Assign)?;
    let chosen = expert::Entity::find()
        .filter(expert::Column::Id.is_in(ids.iter().copied()))
        .filter(expert::Column::Active.eq(true))
        .all(&txn)
        .await?;
    let mut errors = FieldErrors::default();
    if chosen.len() != ids.len()
        || ids
            .iter()
            .any(|i| step.all.iter().any(|a| a.expert_id == *i))
    {
        errors.add("expert_ids", "expert_requests.bad_expert");
    } else if step.all.len() + ids.len() > expert_flow::MAX_EXPERTS {
        errors.add("expert_ids", "expert_requests.too_many_experts");
    } else if !input.confirm_conflict
        && chosen
            .iter()
            .any(|e| expert_flow::conflicts(&e.organisation, &step.enterprise))
    {
        errors.add("confirm_conflict", "expert_requests.conflict_unconfirmed");
    }
    errors.into_result()?;
    let now = core.now();
    for e in &chosen {
        expert_assignment::ActiveModel {
            request_id: Set(id),
            expert_id: Set(e.id),
            state: Set(AssignmentState::Assigned),
            decline_reason: Set(None),
            assigned_by: Set(Some(actor.caller.user_id)),
            assigned_at: Set(now),
            answered_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    step.advance(&txn, core, to, vec![]).await?;
    let names: Vec<String> = chosen.iter().map(|e| e.name.clone()).collect();
    let note = names.join("、");
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Assign,
        (Some(step.r.state), to),
        Some(note.clone()),
    )
    .await?;
    audit_step(
        &txn,
        core,
        actor,
        RequestAction::Assign,
        id,
        format!("experts {ids:?}"),
    )
    .await?;
    let experts = notices::experts(&txn, &ids).await?;
    let extra = vec![("expert", note)];
    notices::tell(
        &txn,
        core,
        &experts,
        "expert_assigned",
        &step.r,
        &step.enterprise,
        extra.clone(),
    )
    .await?;
    let requester = notices::requester(&txn, &step.r).await?;
    notices::tell(
        &txn,
        core,
        &requester,
        "expert_assigned_requester",
        &step.r,
        &step.enterprise,
        extra,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// The bureau rejects the request with a reason; assigned experts are withdrawn.
pub async fn reject(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ReasonInput,
) -> AppResult<RequestRef> {
    let reason = input.required().map_err(AppError::Validation)?;
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Reject).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Reject)?;
    step.advance(
        &txn,
        core,
        to,
        vec![(expert_request::Column::Reason, Expr::value(reason.clone()))],
    )
    .await?;
    move_assignments(
        &txn,
        core,
        id,
        None,
        &[AssignmentState::Assigned],
        AssignmentState::Withdrawn,
        None,
    )
    .await?;
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Reject,
        (Some(step.r.state), to),
        Some(reason.clone()),
    )
    .await?;
    audit_step(&txn, core, actor, RequestAction::Reject, id, reason.clone()).await?;
    let requester = notices::requester(&txn, &step.r).await?;
    notices::tell(
        &txn,
        core,
        &requester,
        "expert_rejected",
        &step.r,
        &step.enterprise,
        vec![("reason", reason)],
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// The requester cancels before the visit; the experts still assigned (or accepted) are
/// withdrawn and told, and so is the bureau.
pub async fn cancel(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ReasonInput,
) -> AppResult<RequestRef> {
    let reason = input.optional().map_err(AppError::Validation)?;
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Cancel).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Cancel)?;
    step.advance(
        &txn,
        core,
        to,
        vec![(expert_request::Column::Reason, Expr::value(reason.clone()))],
    )
    .await?;
    let open = step.experts_in(&[AssignmentState::Assigned, AssignmentState::Accepted]);
    inspections::cancel_request_visits(&txn, core.now(), &Author::of(actor), id).await?;
    move_assignments(
        &txn,
        core,
        id,
        None,
        &[AssignmentState::Assigned, AssignmentState::Accepted],
        AssignmentState::Withdrawn,
        None,
    )
    .await?;
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Cancel,
        (Some(step.r.state), to),
        reason.clone(),
    )
    .await?;
    audit_step(
        &txn,
        core,
        actor,
        RequestAction::Cancel,
        id,
        reason.clone().unwrap_or_default(),
    )
    .await?;
    let mut told = notices::bureau(&txn, &step.r).await?;
    told.extend(notices::experts(&txn, &open).await?);
    let extra = vec![("reason", reason.unwrap_or_default())];
    notices::tell(
        &txn,
        core,
        &told,
        "expert_cancelled",
        &step.r,
        &step.enterprise,
        extra,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// An assigned expert accepts. The first acceptance schedules the request with its visit
/// date; a later one joins the visit on the date already set.
pub async fn accept(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &AcceptInput,
) -> AppResult<RequestRef> {
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Accept).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Accept)?;
    let own = step.own.as_ref().map(|a| a.expert_id);
    let set = step
        .r
        .visit_on
        .filter(|_| step.r.state == RequestState::Scheduled);
    let (visit_on, version_id) = input
        .parse(core.today(), set)
        .map_err(AppError::Validation)?;
    let Some(expert_id) = own else {
        return Err(AppError::Conflict(Refusal::WrongState.message_key()));
    };
    let moved = move_assignments(
        &txn,
        core,
        id,
        own,
        &[AssignmentState::Assigned],
        AssignmentState::Accepted,
        None,
    )
    .await?;
    if moved != 1 {
        return Err(AppError::Conflict(Refusal::WrongState.message_key()));
    }
    step.advance(
        &txn,
        core,
        to,
        vec![(expert_request::Column::VisitOn, Expr::value(visit_on))],
    )
    .await?;
    // The visit is an inspection of kind `expert`, planned for the visit date.
    let visit = inspections::ExpertVisit {
        expert_id,
        enterprise_id: step.r.enterprise_id,
        template_version_id: version_id,
        planned_on: visit_on,
        created_by: actor.caller.user_id,
        request_id: Some(id),
    };
    inspections::plan_expert_visit(core, &txn, &Author::of(actor), &visit).await?;
    let note = visit_on.to_string();
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Accept,
        (Some(step.r.state), to),
        Some(note.clone()),
    )
    .await?;
    audit_step(&txn, core, actor, RequestAction::Accept, id, note.clone()).await?;
    let mut told = notices::requester(&txn, &step.r).await?;
    told.extend(notices::bureau(&txn, &step.r).await?);
    let extra = vec![
        ("date", note),
        ("expert", actor.caller.display_name.clone()),
    ];
    notices::tell(
        &txn,
        core,
        &told,
        "expert_accepted",
        &step.r,
        &step.enterprise,
        extra,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// An assigned expert declines with a reason; when no other assignment is open the request
/// goes back to submitted for the bureau to assign again.
pub async fn decline(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ReasonInput,
) -> AppResult<RequestRef> {
    let reason = input.required().map_err(AppError::Validation)?;
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Decline).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Decline)?;
    let own = step.own.as_ref().map(|a| a.expert_id);
    let moved = move_assignments(
        &txn,
        core,
        id,
        own,
        &[AssignmentState::Assigned],
        AssignmentState::Declined,
        Some(reason.clone()),
    )
    .await?;
    if moved != 1 {
        return Err(AppError::Conflict(Refusal::WrongState.message_key()));
    }
    step.advance(&txn, core, to, vec![]).await?;
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Decline,
        (Some(step.r.state), to),
        Some(reason.clone()),
    )
    .await?;
    audit_step(
        &txn,
        core,
        actor,
        RequestAction::Decline,
        id,
        reason.clone(),
    )
    .await?;
    let bureau = notices::bureau(&txn, &step.r).await?;
    let extra = vec![
        ("reason", reason),
        ("expert", actor.caller.display_name.clone()),
    ];
    notices::tell(
        &txn,
        core,
        &bureau,
        "expert_declined",
        &step.r,
        &step.enterprise,
        extra,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// An expert who accepted files the report: the request is visited.
pub async fn report(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ReportInput,
) -> AppResult<RequestRef> {
    let text = input.parse().map_err(AppError::Validation)?;
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::FileReport).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::FileReport)?;
    // Experts still pending when the visit is done did not take part.
    move_assignments(
        &txn,
        core,
        id,
        None,
        &[AssignmentState::Assigned],
        AssignmentState::Withdrawn,
        None,
    )
    .await?;
    step.advance(
        &txn,
        core,
        to,
        vec![
            (expert_request::Column::Report, Expr::value(text.clone())),
            (expert_request::Column::ReportedAt, Expr::value(core.now())),
        ],
    )
    .await?;
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::FileReport,
        (Some(step.r.state), to),
        None,
    )
    .await?;
    let chars = text.chars().count();
    audit_step(
        &txn,
        core,
        actor,
        RequestAction::FileReport,
        id,
        format!("{chars} characters"),
    )
    .await?;
    let mut told = notices::requester(&txn, &step.r).await?;
    told.extend(notices::bureau(&txn, &step.r).await?);
    let extra = vec![("expert", actor.caller.display_name.clone())];
    notices::tell(
        &txn,
        core,
        &told,
        "expert_reported",
        &step.r,
        &step.enterprise,
        extra,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// The requester or the bureau confirms the service; the experts are told.
pub async fn complete(core: &Core, actor: &Actor, id: i64) -> AppResult<RequestRef> {
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Complete).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Complete)?;
    step.advance(
        &txn,
        core,
        to,
        vec![(expert_request::Column::CompletedAt, Expr::value(core.now()))],
    )
    .await?;
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Complete,
        (Some(step.r.state), to),
        None,
    )
    .await?;
    audit_step(
        &txn,
        core,
        actor,
        RequestAction::Complete,
        id,
        String::new(),
    )
    .await?;
    let experts = notices::experts(&txn, &step.experts_in(&[AssignmentState::Accepted])).await?;
    notices::tell(
        &txn,
        core,
        &experts,
        "expert_completed",
        &step.r,
        &step.enterprise,
        vec![],
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// The requester rates the service once: 1–5 and an optional comment; the experts are told.
pub async fn rate(core: &Core, actor: &Actor, id: i64, input: &RateInput) -> AppResult<RequestRef> {
    let (rating, comment) = input.parse().map_err(AppError::Validation)?;
    let (txn, step, fingerprint) = match begin(core, actor, id, RequestAction::Rate).await? {
        Ok(t) => t,
        Err(saved) => return Ok(saved),
    };
    let to = step.decide(RequestAction::Rate)?;
    step.advance(
        &txn,
        core,
        to,
        vec![
            (expert_request::Column::Rating, Expr::value(rating)),
            (
                expert_request::Column::RatingComment,
                Expr::value(comment.clone()),
            ),
            (expert_request::Column::RatedAt, Expr::value(core.now())),
        ],
    )
    .await?;
    event(
        &txn,
        core,
        actor,
        id,
        RequestAction::Rate,
        (Some(step.r.state), to),
        comment,
    )
    .await?;
    audit_step(
        &txn,
        core,
        actor,
        RequestAction::Rate,
        id,
        format!("rating {rating}"),
    )
    .await?;
    let experts = notices::experts(&txn, &step.experts_in(&[AssignmentState::Accepted])).await?;
    let extra = vec![("rating", rating.to_string())];
    notices::tell(
        &txn,
        core,
        &experts,
        "expert_rated",
        &step.r,
        &step.enterprise,
        extra,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, RequestRef { id }).await
}

/// Attaches a PDF, JPEG or PNG: the requester, before the visit, up to `MAX_FILES`. Checked as
/// uploads are (size, name, magic bytes) before anything is stored; the blob is written first,
/// the row inside the transaction; a failed transaction deletes the blob again.
pub async fn attach(core: &Core, actor: &Actor, id: i64, upload: Upload) -> AppResult<RequestRef> {
    let fingerprint = format!("expert request {id} attach");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    let check = |r: &expert_request::Model| {
        if party(&actor.caller, r, None) != Party::Requester {
            Err(AppError::Forbidden)
        } else if !expert_flow::before_visit(r.state) {
            Err(AppError::Conflict(Refusal::WrongState.message_key()))
        } else {
            Ok(())
        }
    };
    check(&queries::visible(&core.db, &actor.caller.scope, id).await?)?;
    let refuse = |key: &'static str| {
        let mut errors = FieldErrors::default();
        errors.add("file", key);
        AppError::Validation(errors)
    };
    let prepared = match files::prepare_async(core, upload.file_name, upload.bytes).await? {
        Ok(p) if matches!(p.kind, Kind::Pdf | Kind::Jpeg | Kind::Png) => p,
        Ok(_) => return Err(refuse("expert_requests.file_type")),
        Err(refusal) if refusal.key() == "files.bad_type" => {
            return Err(refuse("expert_requests.file_type"));
        }
        Err(refusal) => return Err(refuse(refusal.key())),
    };
    let stored = files::store(core.storage.as_ref(), prepared).await?;
    let result = async {
        let txn = begin_write(&core.db).await?;
        let step = Step::load(&txn, actor, id).await?;
        check(&step.r)?;
        let count = expert_request_file::Entity::find()
            .filter(expert_request_file::Column::RequestId.eq(id))
            .count(&txn)
            .await?;
        if count >= MAX_FILES as u64 {
            return Err(refuse("expert_requests.too_many_files"));
        }
        expert_request_file::ActiveModel {
            request_id: Set(id),
            storage_key: Set(stored.storage_key.clone()),
            original_name: Set(stored.display_name.clone()),
            content_type: Set(stored.content_type.to_string()),
            size_bytes: Set(stored.size_bytes),
            sha256: Set(stored.sha256.clone()),
            uploaded_by: Set(Some(actor.caller.user_id)),
            created_at: Set(core.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let detail = format!("{} ({} bytes)", stored.display_name, stored.size_bytes);
        audit::record(
            &txn,
            core.now(),
            &Author::of(actor),
            "expert_request.attach",
            Some(("expert_request", id.to_string())),
            Outcome::Success,
            Some(detail),
        )
        .await?;
        finish(core, actor, txn, &fingerprint, RequestRef { id }).await
    }
    .await;
    if result.is_err() {
        files::discard(core.storage.as_ref(), std::slice::from_ref(&stored)).await;
    }
    result
}
