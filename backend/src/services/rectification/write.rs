//! The one transaction of every action: lock the hazard, replay a saved answer, check the rule
//! again (the state may have moved since the request was checked), change the hazard and the
//! rows that go with it (plan, extension request, supervision), write the immutable event and
//! its files, the audit record and the notices, rescore the enterprise and save the answer
//! under the idempotency key; then commit, or leave nothing behind.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use super::{LoopOutcome, party_of, refused};
use crate::db::begin_write;
use crate::domain::hazard_flow::{self, Action, ExtensionStatus, Facts, HazardState, Party, Plan};
use crate::domain::inspection::HazardLevel;
use crate::domain::supervision::{ReviewResult, SupervisionStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::{self, Lang};
use crate::models::{extension_request, hazard, hazard_event, rectification_plan, supervision};
use crate::scope::Caller;
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::files::{self, StoredFile};
use crate::services::hazards::{self, Copied};
use crate::services::idempotency;
use crate::state::Core;

/// What an action changes, its input already checked.
pub(super) enum Change {
    Acknowledge(Plan),
    Dispute(String),
    Uphold(String),
    Withdraw(String),
    Evidence(String, Vec<StoredFile>),
    Verify {
        note: Option<String>,
        reviewed_on: Option<NaiveDate>,
    },
    Reject {
        reason: String,
        reviewed_on: Option<NaiveDate>,
    },
    RequestExtension {
        reason: String,
        deadline: NaiveDate,
    },
    DecideExtension {
        extension_id: i64,
        grant: bool,
        note: Option<String>,
    },
    Comment(String),
}

impl Change {
    fn action(&self) -> Option<Action> {
        Some(match self {
            Change::Acknowledge(_) => Action::Acknowledge,
            Change::Dispute(_) => Action::Dispute,
            Change::Uphold(_) => Action::Uphold,
            Change::Withdraw(_) => Action::Withdraw,
            Change::Evidence(..) => Action::SubmitEvidence,
            Change::Verify { .. } => Action::Verify,
            Change::Reject { .. } => Action::Reject,
            Change::RequestExtension { .. } => Action::RequestExtension,
            Change::DecideExtension { grant: true, .. } => Action::GrantExtension,
            Change::DecideExtension { grant: false, .. } => Action::RefuseExtension,
            Change::Comment(_) => return None,
        })
    }

    /// The event's action code: the rule's action, `comment`, and for a major hazard the
    /// bureau's on-site review (`review_pass` / `review_fail`).
    fn code(&self, f: Facts) -> &'static str {
        let major = f.level == HazardLevel::Major;
        match (self, self.action()) {
            (Change::Verify { .. }, _) if major => "review_pass",
            (Change::Reject { .. }, _) if major => "review_fail",
            (_, Some(a)) => a.as_str(),
            (_, None) => "comment",
        }
    }
}

/// Runs the change; the flag tells a replayed answer (nothing was written this time).
pub(super) async fn run(
    core: &Core,
    actor: &Actor,
    id: i64,
    change: Change,
    fingerprint: &str,
) -> AppResult<(LoopOutcome, bool)> {
    let caller = &actor.caller;
    let key = actor.key()?;
    match apply(core, actor, id, change, fingerprint).await {
        Ok(done) => Ok(done),
        Err(e) => {
            // A concurrent request with the same key may have won the race.
            if let Some(key) = key
                && let Ok(Some(saved)) =
                    idempotency::replay::<LoopOutcome>(core, caller.user_id, key, fingerprint).await
            {
                return Ok((saved, true));
            }
            Err(e)
        }
    }
}

fn invalid(field: &'static str, key: &'static str) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, key);
    AppError::Validation(errors)
}

/// The review date as the event keeps it, in front of the note (the catalog's zh-CN text, like
/// the notices: stored once, in the main language).
fn with_review_date(on: Option<NaiveDate>, text: Option<String>) -> Option<String> {
    let Some(on) = on else { return text };
    let line = i18n::t_args(
        Lang::ZhCn,
        "loop.reviewed_on_line",
        &[("date", &on.to_string())],
    );
    Some(match text {
        Some(t) => format!("{line}\n{t}"),
        None => line,
    })
}

async fn apply(
    core: &Core,
    actor: &Actor,
    id: i64,
    change: Change,
    fingerprint: &str,
) -> AppResult<(LoopOutcome, bool)> {
    let caller = &actor.caller;
    let key = actor.key()?;
    let txn = begin_write(&core.db).await?;
    let h = super::locked(&txn, caller, id).await?;
    if let Some(key) = key
        && let Some(saved) = idempotency::replay(core, caller.user_id, key, fingerprint).await?
    {
        return Ok((saved, true));
    }
    let party = party_of(&txn, caller, &h).await?;
    let facts = super::facts(&txn, &h).await?;
    let from = h.state;
    let to = match change.action() {
        Some(a) => hazard_flow::next(from, a, party, facts).map_err(refused)?,
        None if party == Party::Observer => return Err(AppError::Forbidden),
        None => from,
    };
    let code = change.code(facts);
    let now = core.now();
    let mut active = h.clone().into_active_model();
    active.state = Set(to);
    active.updated_at = Set(now);
    let mut deadline = h.deadline;
    let mut extension_id = None;
    let mut evidence = Vec::new();
    let (note, deadline_change) = match change {
        Change::Acknowledge(plan) => {
            // The deadline may have moved since the request was checked.
            if plan.deadline > h.deadline {
                return Err(invalid("deadline", hazard_flow::PLAN_DEADLINE_LATER));
            }
            deadline = plan.deadline;
            save_plan(&txn, caller, &h, plan, now).await?;
            (
                None,
                (deadline != h.deadline).then_some((h.deadline, deadline)),
            )
        }
        Change::Dispute(t) | Change::Uphold(t) | Change::Withdraw(t) | Change::Comment(t) => {
            (Some(t), None)
        }
        Change::Evidence(note, stored) => {
            active.rectified_at = Set(Some(now));
            evidence = stored;
            (Some(note), None)
        }
        Change::Verify { note, reviewed_on } => {
            active.verified_by = Set(Some(caller.user_id));
            active.verified_at = Set(Some(now));
            active.closed_at = Set(Some(now));
            // A listed hazard's closing is the bureau's review: it releases the listing.
            if let Some(on) = reviewed_on.or(facts.listed.then(|| core.calendar.local_date_of(now)))
            {
                review(&txn, caller, id, true, note.clone(), on).await?;
            }
            (with_review_date(reviewed_on, note), None)
        }
        Change::Reject {
            reason,
            reviewed_on,
        } => {
            if let Some(on) = reviewed_on.or(facts.listed.then(|| core.calendar.local_date_of(now)))
            {
                review(&txn, caller, id, false, Some(reason.clone()), on).await?;
            }
            (with_review_date(reviewed_on, Some(reason)), None)
        }
        Change::RequestExtension {
            reason,
            deadline: asked,
        } => {
            if pending(&txn, id).await?.is_some() {
                return Err(AppError::Conflict("loop.extension_pending"));
            }
            if asked <= h.deadline {
                return Err(invalid("deadline", "loop.extension_not_later"));
            }
            let created = extension_request::ActiveModel {
                hazard_id: Set(id),
                requested_by: Set(Some(caller.user_id)),
                reason: Set(reason.clone()),
                requested_deadline: Set(asked),
                status: Set(ExtensionStatus::Pending),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            hazards::set_copied(&txn, id, Copied::ExtensionPending, true).await?;
            extension_id = Some(created.id);
            // The event shows the change asked for; the deadline in force stays.
            (Some(reason), Some((h.deadline, asked)))
        }
        Change::DecideExtension {
            extension_id: eid,
            grant,
            note,
        } => {
            let Some(ext) = extension_request::Entity::find_by_id(eid)
                .filter(extension_request::Column::HazardId.eq(id))
                .one(&txn)
                .await?
            else {
                return Err(AppError::NotFound);
            };
            if ext.status != ExtensionStatus::Pending {
                return Err(AppError::Conflict("loop.extension_decided"));
            }
            extension_id = Some(eid);
            let mut e = ext.clone().into_active_model();
            e.status = Set(if grant {
                ExtensionStatus::Granted
            } else {
                ExtensionStatus::Refused
            });
            e.decided_by = Set(Some(caller.user_id));
            e.decision_note = Set(note.clone());
            e.decided_at = Set(Some(now));
            e.update(&txn).await?;
            hazards::set_copied(&txn, id, Copied::ExtensionPending, false).await?;
            if grant {
                deadline = ext.requested_deadline;
                if let Some(plan) = rectification_plan::Entity::find_by_id(id).one(&txn).await? {
                    let mut p = plan.into_active_model();
                    p.deadline = Set(deadline);
                    p.update(&txn).await?;
                }
            }
            (note, grant.then_some((h.deadline, deadline)))
        }
    };
    active.deadline = Set(deadline);
    active.update(&txn).await?;
    let step = Step { code, from, to };
    let event = event(&txn, caller, &h, step, note, deadline_change, now).await?;
    if to == HazardState::Withdrawn {
        // A withdrawn finding is nobody's to supervise: its listing is released.
        let after = hazard::Model {
            state: to,
            ..h.clone()
        };
        crate::services::supervision::release_withdrawn(&txn, &after, caller.user_id, now).await?;
    }
    let links = files::Links {
        enterprise_id: h.enterprise_id,
        region_path: h.region_path.clone(),
        inspection_id: h.inspection_id,
        answer_id: None,
        hazard_id: Some(h.id),
    };
    for s in &evidence {
        let mut row = files::record(s, &links, caller.user_id, now);
        row.hazard_event_id = Set(Some(event.id));
        row.insert(&txn).await?;
    }
    let done = Done {
        hazard: &h,
        facts,
        step,
        deadline,
        event,
        extension_id,
    };
    let done = finish(core, &txn, actor, done, fingerprint).await?;
    txn.commit().await?;
    Ok((done, false))
}

/// The move a change makes: its event code and the states before and after.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub code: &'static str,
    pub from: HazardState,
    pub to: HazardState,
}

/// What a change wrote, for its audit record, notices, score and answer.
struct Done<'a> {
    hazard: &'a hazard::Model,
    facts: Facts,
    step: Step,
    deadline: NaiveDate,
    event: hazard_event::Model,
    extension_id: Option<i64>,
}

/// Audit, notices, score, idempotency key, commit.
async fn finish(
    core: &Core,
    txn: &DatabaseTransaction,
    actor: &Actor,
    done: Done<'_>,
    fingerprint: &str,
) -> AppResult<LoopOutcome> {
    let caller = &actor.caller;
    let key = actor.key()?;
    let Done {
        hazard: h,
        facts,
        step: Step { code, from, to },
        deadline,
        event,
        extension_id,
    } = done;
    audit::record(
        txn,
        event.at,
        &Author::of(actor),
        &format!("hazard.{code}"),
        Some(("hazard", h.id.to_string())),
        Outcome::Success,
        Some(format!("{} → {}", from.as_str(), to.as_str())),
    )
    .await?;
    super::notices::tell(txn, core, h, facts, code, deadline, event.note.as_deref()).await?;
    if code != "comment" {
        let reason = crate::services::labels::reason_of(code);
        crate::services::labels::recompute(txn, core, h.enterprise_id, &reason).await?;
    }
    let outcome = LoopOutcome {
        hazard_id: h.id,
        action: code.into(),
        state: to.as_str().into(),
        deadline,
        event_id: event.id,
        extension_id,
    };
    if let Some(key) = key {
        idempotency::save(txn, core, caller.user_id, key, fingerprint, &outcome).await?;
    }
    Ok(outcome)
}

/// Inserts the immutable timeline event.
pub(super) async fn event<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    h: &hazard::Model,
    step: Step,
    note: Option<String>,
    deadline_change: Option<(NaiveDate, NaiveDate)>,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<hazard_event::Model> {
    let Step { code, from, to } = step;
    insert_hazard_event(
        conn,
        HazardEvent {
            hazard_id: h.id,
            actor: EventActor::of(caller),
            action: code,
            from: Some(from),
            to,
            note: note.filter(|n| !n.is_empty()),
            deadline_before: deadline_change.map(|c| c.0),
            deadline_after: deadline_change.map(|c| c.1),
            at,
        },
    )
    .await
}

/// Who a timeline event names: user id, display name (cut to 64 characters on insert), role.
pub(crate) struct EventActor {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Option<String>,
}

impl EventActor {
    pub(crate) fn of(caller: &Caller) -> EventActor {
        EventActor {
            user_id: Some(caller.user_id),
            name: caller.display_name.clone(),
            role: Some(caller.role.as_str().into()),
        }
    }
}

/// One immutable step on a hazard's timeline, as its writer gives it.
pub(crate) struct HazardEvent<'a> {
    pub hazard_id: i64,
    pub actor: EventActor,
    pub action: &'a str,
    pub from: Option<HazardState>,
    pub to: HazardState,
    pub note: Option<String>,
    pub deadline_before: Option<NaiveDate>,
    pub deadline_after: Option<NaiveDate>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Inserts a timeline event inside the caller's transaction: the one place hazard events are
/// created (the report, the rectification steps, supervision and listing).
pub(crate) async fn insert_hazard_event<C: ConnectionTrait>(
    conn: &C,
    e: HazardEvent<'_>,
) -> AppResult<hazard_event::Model> {
    Ok(hazard_event::ActiveModel {
        hazard_id: Set(e.hazard_id),
        actor_user_id: Set(e.actor.user_id),
        actor_name: Set(e.actor.name.chars().take(64).collect()),
        actor_role: Set(e.actor.role),
        action: Set(e.action.into()),
        from_state: Set(e.from),
        to_state: Set(e.to),
        note: Set(e.note),
        deadline_before: Set(e.deadline_before),
        deadline_after: Set(e.deadline_after),
        at: Set(e.at),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

async fn save_plan(
    txn: &DatabaseTransaction,
    caller: &Caller,
    h: &hazard::Model,
    plan: Plan,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let row = rectification_plan::ActiveModel {
        hazard_id: Set(h.id),
        responsible_person: Set(plan.responsible_person),
        measures: Set(plan.measures),
        funds: Set(plan.funds),
        deadline: Set(plan.deadline),
        contingency: Set(plan.contingency),
        filed_by: Set(Some(caller.user_id)),
        filed_at: Set(now),
    };
    if rectification_plan::Entity::find_by_id(h.id)
        .one(txn)
        .await?
        .is_some()
    {
        row.update(txn).await?;
    } else {
        row.insert(txn).await?;
    }
    Ok(())
}

/// The pending extension request of a hazard, if any.
pub(super) async fn pending<C: ConnectionTrait>(
    conn: &C,
    hazard_id: i64,
) -> AppResult<Option<extension_request::Model>> {
    Ok(extension_request::Entity::find()
        .filter(extension_request::Column::HazardId.eq(hazard_id))
        .filter(extension_request::Column::Status.eq(ExtensionStatus::Pending))
        .one(conn)
        .await?)
}

/// The bureau's on-site review result on the supervision listing, if the hazard is listed:
/// passed releases it, failed keeps it listed with the reason.
async fn review(
    txn: &DatabaseTransaction,
    caller: &Caller,
    hazard_id: i64,
    passed: bool,
    note: Option<String>,
    on: NaiveDate,
) -> AppResult<()> {
    let Some(row) = supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(hazard_id))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let mut s = row.into_active_model();
    if passed {
        s.status = Set(SupervisionStatus::Released);
        hazards::set_copied(txn, hazard_id, Copied::Listed, false).await?;
    }
    s.review_result = Set(Some(if passed {
        ReviewResult::Passed
    } else {
        ReviewResult::Failed
    }));
    s.review_note = Set(note);
    s.reviewed_on = Set(Some(on));
    s.reviewed_by = Set(Some(caller.user_id));
    s.update(txn).await?;
    Ok(())
}
