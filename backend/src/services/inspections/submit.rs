//! 提交检查: the inspecting side hands in the whole inspection at once — an answer for every
//! checklist item, the hazards of the failed items (pre-filled from the item), extra hazards
//! found outside the checklist, and their photos.
//!
//! One transaction writes the answers, the hazards, the files' records and the inspection's
//! new state, with the audit record and the idempotency key: all of it or none. Photos are
//! checked and written to storage first; when the transaction does not commit, they are
//! deleted again, so no row ever points at a missing file and no file is left behind (a crash
//! between the two leaves only unreferenced blobs, never rows). A retried submit with the same
//! key returns the first answer; a second submit without one finds the inspection submitted.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::hazard_flow::HazardState;
use crate::domain::inspection::{
    AnswerResult, HazardCategory, HazardLevel, InspectionKind, InspectionState,
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{checklist_item, hazard, inspection, inspection_answer};
use crate::scope::{Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::files::{self, PreparedFile, StoredFile};
use crate::services::{checklists, idempotency};
use crate::state::Core;

/// Longest texts (characters).
const MAX_TITLE: usize = 200;
const MAX_LOCATION: usize = 200;
const MAX_TEXT: usize = 2000;
const MAX_BASIS: usize = 500;
const MAX_INSPECTORS: usize = 255;
/// Photos per item or hazard.
pub const MAX_PHOTOS: usize = 9;
/// The latest deadline an inspector may propose, days after the finding.
const MAX_DEADLINE_DAYS: u64 = 366;

/// A hazard as the inspector describes it. For a failed checklist item, what is left out is
/// taken from the item (title, category, legal basis) or defaulted (level 一般).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct HazardInput {
    pub title: Option<String>,
    /// A hazard category code (`fire`, `electrical` …).
    pub category: Option<String>,
    /// `general` 一般 or `major` 重大.
    pub level: Option<String>,
    /// For a major hazard: the determination-standard clause it meets (required then).
    pub major_clause: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub legal_basis: Option<String>,
    /// The publication of the library the legal basis names: one the inspector may read, else
    /// 422 on `…basis_publication_id`. Left out for a failed item whose legal basis is kept as
    /// the item's, the item's link is copied.
    pub basis_publication_id: Option<i64>,
    pub suggested_measure: Option<String>,
    /// Proposed rectification deadline, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// Names of the multipart file fields holding this hazard's photos.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// The answer to one checklist item.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AnswerInput {
    pub item_id: i64,
    /// `pass` 合格, `fail` 不合格 or `na` 不适用.
    pub result: String,
    pub note: Option<String>,
    /// Names of the multipart file fields holding this item's photos.
    #[serde(default)]
    pub photos: Vec<String>,
    /// For a failed item: the hazard it becomes.
    pub hazard: Option<HazardInput>,
}

/// A whole inspection as handed in.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Submission {
    /// The named inspectors (检查人员).
    #[serde(default)]
    pub inspectors: String,
    pub summary: Option<String>,
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
    /// Hazards found outside the checklist.
    #[serde(default)]
    pub extra_hazards: Vec<HazardInput>,
}

use crate::services::files::Upload;

/// A photo that is already on another hazard.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReusedPhoto {
    pub file_name: String,
    pub hazard_ids: Vec<i64>,
}

/// What a submit answers (and a retried one replays).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitOutcome {
    pub inspection_id: i64,
    pub hazard_ids: Vec<i64>,
    /// Photos that are the same file as one on an earlier hazard.
    pub reused_photos: Vec<ReusedPhoto>,
}

/// A hazard checked and ready to write, with its photo fields.
struct HazardDraft {
    answer_item: Option<i64>,
    category: HazardCategory,
    level: HazardLevel,
    major_clause: Option<String>,
    title: String,
    description: String,
    location: String,
    legal_basis: String,
    basis_publication_id: Option<i64>,
    suggested_measure: String,
    deadline: NaiveDate,
    photos: Vec<String>,
}

fn text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

fn optional(errors: &mut FieldErrors, field: String, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.add(field, "form.too_long");
    }
}

/// Checks one hazard; `prefix` names its form fields (`item_12_`, `extra_0_`).
fn check_hazard(
    errors: &mut FieldErrors,
    prefix: &str,
    input: &HazardInput,
    item: Option<&checklist_item::Model>,
    note: &str,
    today: NaiveDate,
) -> Option<HazardDraft> {
    let f = |name: &str| format!("{prefix}{name}");
    let before = errors.0.len();
    let title = match text(&input.title) {
        t if t.is_empty() => item
            .map(|i| i.requirement.chars().take(MAX_TITLE).collect())
            .unwrap_or_default(),
        t => t,
    };
    errors.require(f("title"), &title, MAX_TITLE);
    let category = match text(&input.category) {
        c if c.is_empty() => item.map(|i| i.category.clone()).unwrap_or_default(),
        c => c,
    };
    let category = if category.is_empty() {
        errors.add(f("category"), "form.required");
        None
    } else {
        let parsed = HazardCategory::parse(&category);
        if parsed.is_none() {
            errors.add(f("category"), "inspections.invalid_choice");
        }
        parsed
    };
    let level = match text(&input.level) {
        l if l.is_empty() => Some(HazardLevel::General),
        l => HazardLevel::parse(&l),
    };
    let major_clause = text(&input.major_clause);
    match level {
        None => errors.add(f("level"), "inspections.invalid_choice"),
        Some(HazardLevel::Major) => {
            if major_clause.is_empty() {
                errors.add(f("major_clause"), "inspections.major_clause_required");
            } else {
                optional(errors, f("major_clause"), &major_clause, MAX_BASIS);
            }
        }
        Some(HazardLevel::General) => {}
    }
    let location = text(&input.location);
    errors.require(f("location"), &location, MAX_LOCATION);
    let description = match text(&input.description) {
        d if d.is_empty() => note.to_string(),
        d => d,
    };
    optional(errors, f("description"), &description, MAX_TEXT);
    let legal_basis = match text(&input.legal_basis) {
        b if b.is_empty() => item.map(|i| i.legal_basis.clone()).unwrap_or_default(),
        b => b,
    };
    optional(errors, f("legal_basis"), &legal_basis, MAX_BASIS);
    // The item's link goes with the item's legal basis, not with one the inspector rewrote.
    let basis_publication_id = input.basis_publication_id.or_else(|| {
        item.filter(|i| i.legal_basis == legal_basis)
            .and_then(|i| i.basis_publication_id)
    });
    let suggested_measure = text(&input.suggested_measure);
    optional(errors, f("suggested_measure"), &suggested_measure, MAX_TEXT);
    let deadline = match text(&input.deadline) {
        d if d.is_empty() => {
            errors.add(f("deadline"), "form.required");
            None
        }
        d => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Err(_) => {
                errors.add(f("deadline"), "inspections.bad_date");
                None
            }
            Ok(d) if d < today => {
                errors.add(f("deadline"), "inspections.deadline_past");
                None
            }
            Ok(d)
                if today
                    .checked_add_days(Days::new(MAX_DEADLINE_DAYS))
                    .is_some_and(|m| d > m) =>
            {
                errors.add(f("deadline"), "inspections.deadline_too_far");
                None
            }
            Ok(d) => Some(d),
        },
    };
    if input.photos.len() > MAX_PHOTOS {
        errors.add(f("photos"), "inspections.too_many_photos");
    }
    if errors.0.len() != before {
        return None;
    }
    let level = level?;
    Some(HazardDraft {
        answer_item: item.map(|i| i.id),
        category: category?,
        level,
        major_clause: (level == HazardLevel::Major).then_some(major_clause),
        title,
        description,
        location,
        legal_basis,
        basis_publication_id,
        suggested_measure,
        deadline: deadline?,
        photos: input.photos.clone(),
    })
}

/// A checked submission: what will be written.
struct Checked {
    inspectors: String,
    summary: Option<String>,
    answers: Vec<(i64, AnswerResult, Option<String>, Vec<String>)>,
    hazards: Vec<HazardDraft>,
}

fn check(
    submission: &Submission,
    items: &[checklist_item::Model],
    today: NaiveDate,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let inspectors = submission.inspectors.trim().to_string();
    errors.require("inspectors", &inspectors, MAX_INSPECTORS);
    let summary = text(&submission.summary);
    optional(&mut errors, "summary".into(), &summary, MAX_TEXT);
    let by_id: HashMap<i64, &checklist_item::Model> = items.iter().map(|i| (i.id, i)).collect();
    let mut seen = HashSet::new();
    let mut answers = Vec::new();
    let mut hazards = Vec::new();
    for a in &submission.answers {
        let Some(item) = by_id.get(&a.item_id) else {
            errors.add("answers", "inspections.unknown_item");
            continue;
        };
        if !seen.insert(a.item_id) {
            errors.add("answers", "inspections.duplicate_answer");
            continue;
        }
        let prefix = format!("item_{}_", a.item_id);
        let note = text(&a.note);
        optional(&mut errors, format!("{prefix}note"), &note, MAX_TEXT);
        if a.photos.len() > MAX_PHOTOS {
            errors.add(format!("{prefix}photos"), "inspections.too_many_photos");
        }
        let Some(result) = AnswerResult::parse(a.result.trim()) else {
            errors.add(format!("{prefix}result"), "inspections.answer_required");
            continue;
        };
        if result == AnswerResult::Fail {
            let input = a.hazard.clone().unwrap_or_default();
            let mut input = input;
            // The item's photos are the hazard's evidence too.
            for p in &a.photos {
                if !input.photos.contains(p) {
                    input.photos.push(p.clone());
                }
            }
            if let Some(h) = check_hazard(&mut errors, &prefix, &input, Some(item), &note, today) {
                hazards.push(h);
            }
        }
        answers.push((
            a.item_id,
            result,
            (!note.is_empty()).then_some(note),
            a.photos.clone(),
        ));
    }
    for item in items {
        if !seen.contains(&item.id) {
            errors.add(
                format!("item_{}_result", item.id),
                "inspections.answer_required",
            );
        }
    }
    for (k, h) in submission.extra_hazards.iter().enumerate() {
        if let Some(d) = check_hazard(&mut errors, &format!("extra_{k}_"), h, None, "", today) {
            hazards.push(d);
        }
    }
    if errors.is_empty() {
        Ok(Checked {
            inspectors,
            summary: (!summary.is_empty()).then_some(summary),
            answers,
            hazards,
        })
    } else {
        Err(errors)
    }
}

/// The publications the submission's hazards name for their legal basis, with the field of
/// each (`item_<id>_basis_publication_id`, `extra_<k>_basis_publication_id`).
fn named_links(submission: &Submission) -> Vec<(String, i64)> {
    let failed = submission
        .answers
        .iter()
        .filter(|a| AnswerResult::parse(a.result.trim()) == Some(AnswerResult::Fail))
        .filter_map(|a| {
            let id = a.hazard.as_ref()?.basis_publication_id?;
            Some((format!("item_{}_basis_publication_id", a.item_id), id))
        });
    let extra = submission
        .extra_hazards
        .iter()
        .enumerate()
        .filter_map(|(k, h)| {
            Some((
                format!("extra_{k}_basis_publication_id"),
                h.basis_publication_id?,
            ))
        });
    failed.chain(extra).collect()
}

/// Checks and prepares the files the submission refers to, keyed by field. Files in fields
/// nothing refers to are not kept.
async fn prepare_files(
    core: &Core,
    checked: &Checked,
    uploads: Vec<Upload>,
    errors: &mut FieldErrors,
) -> AppResult<HashMap<String, Vec<PreparedFile>>> {
    let wanted: HashSet<&str> = checked
        .answers
        .iter()
        .flat_map(|a| a.3.iter())
        .chain(checked.hazards.iter().flat_map(|h| h.photos.iter()))
        .map(String::as_str)
        .collect();
    let mut prepared: HashMap<String, Vec<PreparedFile>> = HashMap::new();
    for upload in uploads {
        if !wanted.contains(upload.field.as_str()) {
            continue;
        }
        match files::prepare_async(core, upload.file_name, upload.bytes).await? {
            Ok(p) => prepared.entry(upload.field).or_default().push(p),
            Err(refusal) => errors.add(upload.field, refusal.key()),
        }
    }
    for (field, list) in &prepared {
        if list.len() > MAX_PHOTOS {
            errors.add(field.clone(), "inspections.too_many_photos");
        }
    }
    Ok(prepared)
}

fn fingerprint(id: i64) -> String {
    format!("submit inspection {id}")
}

/// Hands in the inspection. The actor's idempotency key makes a retry safe.
pub async fn submit(
    core: &Core,
    actor: &Actor,
    id: i64,
    submission: &Submission,
    uploads: Vec<Upload>,
) -> AppResult<SubmitOutcome> {
    let caller = &actor.caller;
    let key = actor.key()?;
    if let Some(key) = key
        && let Some(saved) =
            idempotency::replay(core, caller.user_id, key, &fingerprint(id)).await?
    {
        return Ok(saved);
    }
    let i = super::visible(core, &caller.scope, id).await?;
    if let Err(e) = ensure_open(&core.db, caller, &i).await {
        // A concurrent request with the same key may have committed between the replay above
        // and this read: its answer is this request's answer too.
        return match won_elsewhere(core, caller.user_id, key, id).await {
            Some(saved) => Ok(saved),
            None => Err(e),
        };
    }
    let items = checklists::version_items(&core.db, i.template_version_id).await?;
    let today = core.today();
    let mut link_errors = FieldErrors::default();
    checklists::basis::check_links(
        &core.db,
        &caller.scope,
        &named_links(submission),
        &mut link_errors,
    )
    .await?;
    let checked = match check(submission, &items, today) {
        Ok(checked) => {
            link_errors.into_result()?;
            checked
        }
        Err(mut errors) => {
            for (field, key) in link_errors.0 {
                errors.add(field, key);
            }
            return Err(AppError::Validation(errors));
        }
    };
    let mut errors = FieldErrors::default();
    let prepared = prepare_files(core, &checked, uploads, &mut errors).await?;
    errors.into_result()?;

    let mut reused = Vec::new();
    for list in prepared.values() {
        for p in list {
            let ids = files::reused_elsewhere(&core.db, &caller.scope, &p.sha256, 0).await?;
            if !ids.is_empty() {
                reused.push(ReusedPhoto {
                    file_name: p.display_name.clone(),
                    hazard_ids: ids,
                });
            }
        }
    }

    let mut stored: HashMap<String, Vec<StoredFile>> = HashMap::new();
    let mut all_stored: Vec<StoredFile> = Vec::new();
    for (field, list) in prepared {
        for p in list {
            match files::store(&*core.storage, p).await {
                Ok(s) => {
                    all_stored.push(s.clone());
                    stored.entry(field.clone()).or_default().push(s);
                }
                Err(e) => {
                    files::discard(&*core.storage, &all_stored).await;
                    return Err(e);
                }
            }
        }
    }

    match write(core, actor, &i, checked, &stored, reused).await {
        Ok(Written::Done(outcome)) => Ok(outcome),
        Ok(Written::Replay(outcome)) => {
            files::discard(&*core.storage, &all_stored).await;
            Ok(outcome)
        }
        Err(e) => {
            files::discard(&*core.storage, &all_stored).await;
            // A concurrent request with the same key may have won the race.
            match won_elsewhere(core, caller.user_id, key, id).await {
                Some(saved) => Ok(saved),
                None => Err(e),
            }
        }
    }
}

/// The answer a concurrent request with the same key saved, when there is one.
async fn won_elsewhere(
    core: &Core,
    user_id: i64,
    key: Option<&str>,
    id: i64,
) -> Option<SubmitOutcome> {
    let key = key?;
    idempotency::replay::<SubmitOutcome>(core, user_id, key, &fingerprint(id))
        .await
        .ok()
        .flatten()
}

async fn ensure_open<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    i: &inspection::Model,
) -> AppResult<()> {
    if !super::is_inspector(conn, caller, i).await? {
        return Err(AppError::Forbidden);
    }
    if i.state.is_open() {
        Ok(())
    } else {
        Err(AppError::Conflict("inspections.already_submitted"))
    }
}

enum Written {
    Done(SubmitOutcome),
    Replay(SubmitOutcome),
}

async fn write(
    core: &Core,
    actor: &Actor,
    i: &inspection::Model,
    checked: Checked,
    stored: &HashMap<String, Vec<StoredFile>>,
    reused_photos: Vec<ReusedPhoto>,
) -> AppResult<Written> {
    let caller = &actor.caller;
    let key = actor.key()?;
    let txn = begin_write(&core.db).await?;
    let current = super::locked(&txn, &caller.scope, i.id).await?;
    if let Some(key) = key
        && let Some(saved) =
            idempotency::replay(core, caller.user_id, key, &fingerprint(i.id)).await?
    {
        return Ok(Written::Replay(saved));
    }
    ensure_open(&txn, caller, &current).await?;
    let now = core.now();
    let (reporter_enterprise, reporter_expert) = match &caller.scope {
        Scope::Enterprise { enterprise_id, .. } => (Some(*enterprise_id), None),
        Scope::Expert { expert_id } => (None, Some(*expert_id)),
        _ => (None, None),
    };
    let links = |answer_id: Option<i64>, hazard_id: Option<i64>| files::Links {
        enterprise_id: current.inspected_enterprise_id,
        region_path: current.region_path.clone(),
        inspection_id: Some(current.id),
        answer_id,
        hazard_id,
    };
    let mut answer_ids: HashMap<i64, i64> = HashMap::new();
    let mut photo_owner: HashMap<&str, (Option<i64>, Option<i64>)> = HashMap::new();
    for (item_id, result, note, photos) in &checked.answers {
        let answer = inspection_answer::ActiveModel {
            inspection_id: Set(current.id),
            item_id: Set(*item_id),
            result: Set(result.as_str().into()),
            note: Set(note.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        answer_ids.insert(*item_id, answer.id);
        for p in photos {
            photo_owner.insert(p.as_str(), (Some(answer.id), None));
        }
    }
    let alliance_id = match current.kind {
        InspectionKind::Mutual => current.alliance_id,
        _ => None,
    };
    let mut hazard_ids = Vec::new();
    for h in &checked.hazards {
        let answer_id = h
            .answer_item
            .and_then(|item| answer_ids.get(&item).copied());
        let created = hazard::ActiveModel {
            inspection_id: Set(Some(current.id)),
            answer_id: Set(answer_id),
            enterprise_id: Set(current.inspected_enterprise_id),
            region_path: Set(current.region_path.clone()),
            alliance_id: Set(alliance_id),
            reporter_user_id: Set(Some(caller.user_id)),
            reporter_enterprise_id: Set(reporter_enterprise),
            reporter_expert_id: Set(reporter_expert),
            category: Set(h.category),
            level: Set(h.level),
            major_clause: Set(h.major_clause.clone()),
            title: Set(h.title.clone()),
            description: Set(h.description.clone()),
            location: Set(h.location.clone()),
            legal_basis: Set(h.legal_basis.clone()),
            basis_publication_id: Set(h.basis_publication_id),
            suggested_measure: Set(h.suggested_measure.clone()),
            found_at: Set(now),
            deadline: Set(h.deadline),
            state: Set(HazardState::Reported),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        crate::services::rectification::on_reported(&txn, core, caller, &created).await?;
        hazard_ids.push(created.id);
        // 挂牌督办: a major hazard goes on the bureau's supervision list at once (keep this
        // after the hazard's `report` event, so its timeline reads in order).
        crate::services::supervision::list_major(&txn, core, &created, None).await?;
        for p in &h.photos {
            let owner = photo_owner.entry(p.as_str()).or_insert((answer_id, None));
            owner.1 = Some(created.id);
        }
    }
    let mut file_count = 0;
    for (field, (answer_id, hazard_id)) in &photo_owner {
        for s in stored.get(*field).into_iter().flatten() {
            files::record(s, &links(*answer_id, *hazard_id), caller.user_id, now)
                .insert(&txn)
                .await?;
            file_count += 1;
        }
    }
    let mut active = current.clone().into_active_model();
    active.state = Set(InspectionState::Submitted);
    active.inspectors = Set(checked.inspectors.clone());
    active.summary = Set(checked.summary.clone());
    active.submitted_at = Set(Some(now));
    active.submitted_by = Set(Some(caller.user_id));
    if current.started_at.is_none() {
        active.started_at = Set(Some(now));
    }
    active.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "inspection.submit",
        Some(("inspection", current.id.to_string())),
        Outcome::Success,
        Some(format!(
            "{} answers, {} hazards, {} files",
            checked.answers.len(),
            hazard_ids.len(),
            file_count
        )),
    )
    .await?;
    let outcome = SubmitOutcome {
        inspection_id: current.id,
        hazard_ids,
        reused_photos,
    };
    if let Some(key) = key {
        idempotency::save(
            &txn,
            core,
            caller.user_id,
            key,
            &fingerprint(current.id),
            &outcome,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Written::Done(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, category: &str) -> checklist_item::Model {
        checklist_item::Model {
            id,
            version_id: 1,
            seq: id as i32,
            category: category.into(),
            requirement: format!("要求 {id}"),
            legal_basis: format!("依据 {id}"),
            basis_publication_id: None,
        }
    }

    fn answer(item_id: i64, result: &str) -> AnswerInput {
        AnswerInput {
            item_id,
            result: result.into(),
            note: None,
            photos: vec![],
            hazard: None,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_failed_item_becomes_a_hazard_prefilled_from_the_item() {
        let items = vec![item(1, "fire"), item(2, "electrical"), item(3, "dust")];
        let mut failed = answer(2, "fail");
        failed.hazard = Some(HazardInput {
            location: Some("二车间".into()),
            deadline: Some("2026-12-20".into()),
            ..HazardInput::default()
        });
        let s = Submission {
            inspectors: "张三、李四".into(),
            answers: vec![answer(1, "pass"), failed, answer(3, "na")],
            ..Submission::default()
        };
        let checked = check(&s, &items, day("2026-11-24")).map_err(|e| format!("{e:?}"));
        let checked = checked.expect("valid");
        assert_eq!(checked.answers.len(), 3);
        assert_eq!(checked.hazards.len(), 1);
        let h = &checked.hazards[0];
        assert_eq!(h.title, "要求 2");
        assert_eq!(h.category, HazardCategory::Electrical);
        assert_eq!(h.legal_basis, "依据 2");
        assert_eq!(h.level, HazardLevel::General);
        assert_eq!(h.answer_item, Some(2));
        assert_eq!(h.basis_publication_id, None);
    }

    #[test]
    fn a_failed_items_link_is_copied_with_its_legal_basis_and_not_with_another() {
        let mut linked = item(1, "dust");
        linked.basis_publication_id = Some(5);
        let items = vec![linked, item(2, "dust")];
        let hazard = |basis: Option<&str>, publication: Option<i64>| HazardInput {
            location: Some("除尘间".into()),
            deadline: Some("2026-12-20".into()),
            legal_basis: basis.map(str::to_string),
            basis_publication_id: publication,
            ..HazardInput::default()
        };
        let run = |h1: HazardInput, h2: HazardInput| {
            let mut a1 = answer(1, "fail");
            a1.hazard = Some(h1);
            let mut a2 = answer(2, "fail");
            a2.hazard = Some(h2);
            let s = Submission {
                inspectors: "张三".into(),
                answers: vec![a1, a2],
                ..Submission::default()
            };
            let checked = check(&s, &items, day("2026-11-24")).map_err(|e| format!("{e:?}"));
            checked
                .expect("valid")
                .hazards
                .iter()
                .map(|h| h.basis_publication_id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            run(hazard(None, None), hazard(None, Some(9))),
            [Some(5), Some(9)]
        );
        assert_eq!(
            run(hazard(Some("另写的依据"), None), hazard(None, None)),
            [None, None]
        );
    }

    #[test]
    fn every_item_needs_an_answer_and_a_major_hazard_its_clause() {
        let items = vec![item(1, "fire"), item(2, "electrical")];
        let mut failed = answer(1, "fail");
        failed.hazard = Some(HazardInput {
            level: Some("major".into()),
            location: Some("仓库".into()),
            deadline: Some("2026-11-01".into()),
            ..HazardInput::default()
        });
        let s = Submission {
            inspectors: "".into(),
            answers: vec![failed],
            ..Submission::default()
        };
        let errors = match check(&s, &items, day("2026-11-24")) {
            Err(e) => e,
            Ok(_) => FieldErrors::default(),
        };
        assert_eq!(errors.0.get("inspectors"), Some(&"form.required"));
        assert_eq!(
            errors.0.get("item_1_major_clause"),
            Some(&"inspections.major_clause_required")
        );
        assert_eq!(
            errors.0.get("item_1_deadline"),
            Some(&"inspections.deadline_past")
        );
        assert_eq!(
            errors.0.get("item_2_result"),
            Some(&"inspections.answer_required")
        );
    }

    #[test]
    fn extra_hazards_need_their_own_title_category_and_place() {
        let items = vec![item(1, "fire")];
        let s = Submission {
            inspectors: "王五".into(),
            answers: vec![answer(1, "pass")],
            extra_hazards: vec![HazardInput {
                deadline: Some("2026-12-01".into()),
                ..HazardInput::default()
            }],
            ..Submission::default()
        };
        let errors = check(&s, &items, day("2026-11-24"))
            .err()
            .unwrap_or_default();
        assert_eq!(errors.0.get("extra_0_title"), Some(&"form.required"));
        assert_eq!(errors.0.get("extra_0_category"), Some(&"form.required"));
        assert_eq!(errors.0.get("extra_0_location"), Some(&"form.required"));
    }
}
