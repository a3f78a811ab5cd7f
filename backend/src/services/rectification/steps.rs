//! The actions on a hazard, one public function each: check the caller may take it now (so a
//! refused request stores nothing), check the input (422 by field), store evidence files, then
//! run the one transaction (`write::run`). A retried request with its `Idempotency-Key` gets
//! the first answer back and changes nothing.

use chrono::NaiveDate;

use super::write::{self, Change};
use super::{LoopOutcome, MAX_EVIDENCE_FILES, MAX_NOTE, facts, party_of, refused};
use crate::domain::hazard_flow::{self, Action, Party, PlanInput};
use crate::domain::inspection::HazardLevel;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::hazard;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::files::Upload;
use crate::services::files::{self, StoredFile};
use crate::services::idempotency;
use crate::state::Core;

pub use super::inputs::*;

fn fingerprint(id: i64, what: &str) -> String {
    format!("hazard {id} {what}")
}

/// The saved answer of a retried request, if any.
async fn replayed(core: &Core, actor: &Actor, fingerprint: &str) -> AppResult<Option<LoopOutcome>> {
    match actor.key()? {
        Some(key) => idempotency::replay(core, actor.caller.user_id, key, fingerprint).await,
        None => Ok(None),
    }
}

/// The hazard, if the caller may take `action` on it now (a comment when `None`).
async fn allowed(
    core: &Core,
    caller: &Caller,
    id: i64,
    action: Option<Action>,
) -> AppResult<hazard::Model> {
    let h = super::visible(core, caller, id).await?;
    let party = party_of(&core.db, caller, &h).await?;
    match action {
        Some(a) => {
            let f = facts(&core.db, &h).await?;
            hazard_flow::next(h.state, a, party, f).map_err(refused)?;
        }
        None if party == Party::Observer => return Err(AppError::Forbidden),
        None => {}
    }
    Ok(h)
}

/// Trimmed text: required (or not) and at most `MAX_NOTE` characters.
fn text(errors: &mut FieldErrors, field: &'static str, v: Option<&str>, required: bool) -> String {
    let v = v.map(str::trim).unwrap_or("");
    if required {
        errors.require(field, v, MAX_NOTE);
    } else if v.chars().count() > MAX_NOTE {
        errors.add(field, "form.too_long");
    }
    v.to_string()
}

fn optional(v: String) -> Option<String> {
    (!v.is_empty()).then_some(v)
}

/// A date field: `YYYY-MM-DD`.
fn date(errors: &mut FieldErrors, field: &'static str, v: Option<&str>) -> Option<NaiveDate> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add(field, "inspections.bad_date");
                None
            }
        },
    }
}

/// A plain action with a text: checked, then written.
async fn simple(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: Option<Action>,
    build: impl FnOnce(&hazard::Model, &mut FieldErrors) -> Change,
) -> AppResult<LoopOutcome> {
    let caller = &actor.caller;
    let fp = fingerprint(id, action.map_or("comment", Action::as_str));
    if let Some(saved) = replayed(core, actor, &fp).await? {
        return Ok(saved);
    }
    let h = allowed(core, caller, id, action).await?;
    let mut errors = FieldErrors::default();
    let change = build(&h, &mut errors);
    errors.into_result()?;
    write::run(core, actor, id, change, &fp)
        .await
        .map(|(outcome, _)| outcome)
}

/// 确认并制定整改方案: the enterprise acknowledges the finding with its 五落实 plan; the plan's
/// deadline becomes the hazard's. It may not be later than the hazard's deadline (a later
/// date is an extension request for the decider); checked again inside the transaction.
pub async fn acknowledge(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &PlanInput,
) -> AppResult<LoopOutcome> {
    let today = core.today();
    simple(
        core,
        actor,
        id,
        Some(Action::Acknowledge),
        |h, errors| match input.parse(today, h.deadline) {
            Ok(plan) => Change::Acknowledge(plan),
            Err(list) => {
                for (field, key) in list {
                    errors.add(field, key);
                }
                Change::Comment(String::new())
            }
        },
    )
    .await
}

/// 申诉: the enterprise disputes a finding made by someone else, with its reason.
pub async fn dispute(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ReasonInput,
) -> AppResult<LoopOutcome> {
    simple(core, actor, id, Some(Action::Dispute), |_, errors| {
        Change::Dispute(text(errors, "reason", Some(&input.reason), true))
    })
    .await
}

/// 维持: the decider rejects the dispute; the finding stands (back to 待确认). Note required.
pub async fn uphold(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &NoteInput,
) -> AppResult<LoopOutcome> {
    simple(core, actor, id, Some(Action::Uphold), |_, errors| {
        Change::Uphold(text(errors, "note", input.note.as_deref(), true))
    })
    .await
}

/// 撤销: the decider accepts the dispute and withdraws the finding. Note required.
pub async fn withdraw(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &NoteInput,
) -> AppResult<LoopOutcome> {
    simple(core, actor, id, Some(Action::Withdraw), |_, errors| {
        Change::Withdraw(text(errors, "note", input.note.as_deref(), true))
    })
    .await
}

/// 提交整改证据: a completion note and at least one photo or PDF (待验收 afterwards). Files are
/// checked and stored before the transaction and deleted again when it does not commit.
pub async fn submit_evidence(
    core: &Core,
    actor: &Actor,
    id: i64,
    note: &str,
    uploads: Vec<Upload>,
) -> AppResult<LoopOutcome> {
    let caller = &actor.caller;
    let fp = fingerprint(id, Action::SubmitEvidence.as_str());
    if let Some(saved) = replayed(core, actor, &fp).await? {
        return Ok(saved);
    }
    allowed(core, caller, id, Some(Action::SubmitEvidence)).await?;
    let mut errors = FieldErrors::default();
    let note = text(&mut errors, "note", Some(note), true);
    if uploads.is_empty() {
        errors.add("files", "loop.evidence_required");
    } else if uploads.len() > MAX_EVIDENCE_FILES {
        errors.add("files", "inspections.too_many_photos");
    }
    let mut prepared = Vec::new();
    if errors.is_empty() {
        for u in uploads {
            match files::prepare_async(core, u.file_name, u.bytes).await? {
                Ok(p) => prepared.push(p),
                Err(refusal) => errors.add("files", refusal.key()),
            }
        }
    }
    errors.into_result()?;
    let stored: Vec<StoredFile> = files::store_all(&*core.storage, prepared).await?;
    match write::run(core, actor, id, Change::Evidence(note, stored.clone()), &fp).await {
        Ok((outcome, false)) => Ok(outcome),
        Ok((outcome, true)) => {
            files::discard(&*core.storage, &stored).await;
            Ok(outcome)
        }
        Err(e) => {
            files::discard(&*core.storage, &stored).await;
            Err(e)
        }
    }
}

/// The review date of a major hazard: not in the future; `required` for 核销.
fn review_date(
    errors: &mut FieldErrors,
    h: &hazard::Model,
    v: Option<&str>,
    required: bool,
    today: NaiveDate,
) -> Option<NaiveDate> {
    if h.level != HazardLevel::Major {
        return None;
    }
    match date(errors, "reviewed_on", v) {
        Some(d) if d > today => {
            errors.add("reviewed_on", "loop.review_date_future");
            None
        }
        Some(d) => Some(d),
        None if required && !errors.0.contains_key("reviewed_on") => {
            errors.add("reviewed_on", "loop.review_date_required");
            None
        }
        None => Some(today),
    }
}

/// 验收通过 → 已销号. For a major hazard this is the bureau's on-site review (核销) with its date;
/// the supervision listing is released.
pub async fn verify(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &VerifyInput,
) -> AppResult<LoopOutcome> {
    let today = core.today();
    simple(core, actor, id, Some(Action::Verify), |h, errors| {
        Change::Verify {
            note: optional(text(errors, "note", input.note.as_deref(), false)),
            reviewed_on: review_date(errors, h, input.reviewed_on.as_deref(), true, today),
        }
    })
    .await
}

/// 验收不通过 → back to 整改中, with the reason. For a major hazard a failed on-site review: the
/// hazard stays on the supervision list with the written reason.
pub async fn reject(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &RejectInput,
) -> AppResult<LoopOutcome> {
    let today = core.today();
    simple(core, actor, id, Some(Action::Reject), |h, errors| {
        Change::Reject {
            reason: text(errors, "reason", Some(&input.reason), true),
            reviewed_on: review_date(errors, h, input.reviewed_on.as_deref(), false, today),
        }
    })
    .await
}

/// 延期申请: the enterprise asks for a later deadline, with its reason; one pending request at a
/// time. The decider (committee, or the bureau for a major hazard) grants or refuses it.
pub async fn request_extension(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ExtensionInput,
) -> AppResult<LoopOutcome> {
    let today = core.today();
    simple(
        core,
        actor,
        id,
        Some(Action::RequestExtension),
        |h, errors| {
            let reason = text(errors, "reason", Some(&input.reason), true);
            let deadline = match date(errors, "deadline", Some(&input.deadline)) {
                None if !errors.0.contains_key("deadline") => {
                    errors.add("deadline", "form.required");
                    h.deadline
                }
                None => h.deadline,
                Some(d) if d <= h.deadline || d < today => {
                    errors.add("deadline", "loop.extension_not_later");
                    d
                }
                Some(d) => d,
            };
            Change::RequestExtension { reason, deadline }
        },
    )
    .await
}

/// 同意 / 不同意延期: the decider answers the pending request `extension_id`; a grant moves the
/// deadline (the event keeps before and after), a refusal needs its note.
pub async fn decide_extension(
    core: &Core,
    actor: &Actor,
    id: i64,
    extension_id: i64,
    grant: bool,
    input: &DecisionInput,
) -> AppResult<LoopOutcome> {
    let caller = &actor.caller;
    let action = if grant {
        Action::GrantExtension
    } else {
        Action::RefuseExtension
    };
    let fp = fingerprint(id, &format!("{} {extension_id}", action.as_str()));
    if let Some(saved) = replayed(core, actor, &fp).await? {
        return Ok(saved);
    }
    allowed(core, caller, id, Some(action)).await?;
    let mut errors = FieldErrors::default();
    let note = optional(text(&mut errors, "note", input.note.as_deref(), !grant));
    errors.into_result()?;
    let change = Change::DecideExtension {
        extension_id,
        grant,
        note,
    };
    write::run(core, actor, id, change, &fp)
        .await
        .map(|(outcome, _)| outcome)
}

/// 留言: a comment on the timeline by any party of the hazard; the state does not change.
pub async fn comment(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &CommentInput,
) -> AppResult<LoopOutcome> {
    simple(core, actor, id, None, |_, errors| {
        Change::Comment(text(errors, "text", Some(&input.text), true))
    })
    .await
}
