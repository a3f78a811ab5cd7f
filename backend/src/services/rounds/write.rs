//! The committee's writes on rounds: generate, adjust the pairs, publish, discard. Each is one
//! transaction with its audit record; the group (for `generate`) or the round (for the others)
//! is locked first, so two concurrent requests on the same group or round take turns.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::inspection::{InspectionKind, RoundStatus, TemplateStatus};
use crate::domain::role::Role;
use crate::domain::rounds::{self, Pair, PairProblem, PairingError, PastPair, SeveralAssignments};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{activity_group, enterprise, group_member, inspection, inspection_round};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::{checklists, idempotency, inspections};
use crate::state::Core;

use super::MAX_TITLE;

/// What the committee asks for when it generates a round.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewRound {
    pub group_id: i64,
    /// A checklist version the committee may use (`/committee/rounds/new` lists them).
    pub template_version_id: i64,
    pub planned_on: NaiveDate,
    pub title: String,
}

/// What a generate or publish answers, saved for a retried request (`Idempotency-Key`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct RoundRef {
    pub round_id: i64,
}

/// The saved answer to an earlier request with this key, if any.
async fn replayed(
    core: &Core,
    caller: &Caller,
    key: Option<&str>,
    fingerprint: &str,
) -> AppResult<Option<RoundRef>> {
    match key {
        Some(key) => idempotency::replay(core, caller.user_id, key, fingerprint).await,
        None => Ok(None),
    }
}

/// The alliance whose rounds the caller manages: committee members only.
fn managed_alliance(caller: &Caller) -> AppResult<i64> {
    match (&caller.scope, caller.role) {
        (Scope::Alliance { alliance_id, .. }, Role::Committee) => Ok(*alliance_id),
        _ => Err(AppError::Forbidden),
    }
}

/// A round of the caller's alliance, locked (`NotFound` for anyone else's).
async fn managed_round(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: i64,
) -> AppResult<inspection_round::Model> {
    managed_alliance(caller)?;
    inspection_round::Entity::find_by_id(id)
        .filter(scope::inspection_rounds(&caller.scope))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

fn is_draft(round: &inspection_round::Model) -> bool {
    round.status == RoundStatus::Draft
}

async fn audit_round(
    core: &Core,
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    round_id: i64,
    detail: String,
) -> AppResult<()> {
    audit::record(
        txn,
        core.now(),
        &Author::of(actor),
        action,
        Some(("inspection_round", round_id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await
}

/// The pairs of the group's published rounds, aged: the latest round is 1 round ago.
async fn history(txn: &DatabaseTransaction, group_id: i64) -> AppResult<Vec<PastPair>> {
    let published: Vec<i64> = inspection_round::Entity::find()
        .select_only()
        .column(inspection_round::Column::Id)
        .filter(inspection_round::Column::GroupId.eq(group_id))
        .filter(inspection_round::Column::Status.eq(RoundStatus::Published))
        .order_by_desc(inspection_round::Column::Seq)
        .into_tuple()
        .all(txn)
        .await?;
    let ago: HashMap<i64, u32> = published
        .iter()
        .zip(1u32..)
        .map(|(&id, n)| (id, n))
        .collect();
    let rows = inspection::Entity::find()
        .filter(inspection::Column::RoundId.is_in(published))
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|i| {
            Some(PastPair {
                inspector: i.inspecting_enterprise_id?,
                inspected: i.inspected_enterprise_id,
                rounds_ago: *ago.get(&i.round_id?)?,
            })
        })
        .collect())
}

/// Generates a draft round for a group of the caller's alliance: pairs every member with an
/// inspector, avoiding the pairs of the group's published rounds (recent ones most). Refused
/// with 409 while the group has a draft round. With a `key`, a retry returns the first answer.
pub async fn generate(core: &Core, actor: &Actor, input: &NewRound) -> AppResult<RoundRef> {
    let caller = &actor.caller;
    let key = actor.key()?;
    let alliance_id = managed_alliance(caller)?;
    let fingerprint = format!("generate round for group {}", input.group_id);
    if let Some(saved) = replayed(core, caller, key, &fingerprint).await? {
        return Ok(saved);
    }
    let mut errors = FieldErrors::default();
    errors.require("title", &input.title, MAX_TITLE);
    match checklists::usable_version(core, &caller.scope, input.template_version_id).await {
        Ok((template, _)) if template.status == TemplateStatus::Active => {}
        Ok(_) | Err(AppError::NotFound) => errors.add("template_version_id", "rounds.no_checklist"),
        Err(e) => return Err(e),
    }
    errors.into_result()?;
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let group = activity_group::Entity::find_by_id(input.group_id)
        .filter(scope::activity_groups(&caller.scope))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let rounds_of_group = inspection_round::Entity::find()
        .filter(inspection_round::Column::GroupId.eq(group.id))
        .all(&txn)
        .await?;
    if rounds_of_group.iter().any(is_draft) {
        return Err(AppError::Conflict("rounds.draft_exists"));
    }
    let members: Vec<i64> = group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    let pairs = match rounds::pair_round(&members, &history(&txn, group.id).await?) {
        Ok(p) => p,
        Err(PairingError::TooFewMembers) => {
            let mut errors = FieldErrors::default();
            errors.add("group_id", "rounds.too_few_members");
            return Err(AppError::Validation(errors));
        }
    };
    let regions: HashMap<i64, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(members))
        .all(&txn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.region_path))
        .collect();
    let seq = rounds_of_group.iter().map(|r| r.seq).max().unwrap_or(0) + 1;
    let round = inspection_round::ActiveModel {
        alliance_id: Set(alliance_id),
        group_id: Set(group.id),
        seq: Set(seq),
        title: Set(input.title.trim().to_string()),
        template_version_id: Set(input.template_version_id),
        planned_on: Set(input.planned_on),
        status: Set(RoundStatus::Draft),
        created_by: Set(Some(caller.user_id)),
        created_at: Set(now),
        published_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let rows = pairs.iter().map(|p| {
        inspections::planned_row(inspections::Planned {
            kind: InspectionKind::Mutual,
            round: Some((round.id, alliance_id, group.id)),
            inspecting: inspections::Inspecting::Enterprise(p.inspector),
            inspected_enterprise_id: p.inspected,
            region_path: regions.get(&p.inspected).cloned().unwrap_or_default(),
            template_version_id: input.template_version_id,
            planned_on: input.planned_on,
            created_by: caller.user_id,
            now,
        })
    });
    inspection::Entity::insert_many(rows).exec(&txn).await?;
    let detail = format!("group {} round {seq}: {} pairs", group.id, pairs.len());
    audit_round(core, &txn, actor, "round.generate", round.id, detail).await?;
    let answer = RoundRef { round_id: round.id };
    if let Some(key) = key {
        idempotency::save(&txn, core, caller.user_id, key, &fingerprint, &answer).await?;
    }
    txn.commit().await?;
    Ok(answer)
}

/// The form field a pair problem belongs to: the inspector choice of the inspected member.
pub fn problem_field(inspected: i64) -> String {
    format!("inspector_{inspected}")
}

fn problem_key(p: PairProblem) -> &'static str {
    match p {
        PairProblem::SelfInspection(_) => "rounds.self_pair",
        PairProblem::NotInspected(_) => "rounds.not_inspected",
        PairProblem::InspectedTwice(_) => "rounds.inspected_twice",
        PairProblem::InspectorNotMember(_) => "rounds.inspector_not_member",
        PairProblem::InspectedNotMember(_) => "rounds.inspected_not_member",
    }
}

/// Sets the inspector of each inspected member of a draft round (the full set of pairs).
/// Refused with 422 (a field per problem, `inspector_<inspected id>`) unless every member of
/// the round is inspected exactly once, by a member, never by itself; 409 once published.
/// Returns the inspectors left with several assignments (allowed, worth a look).
pub async fn adjust_pairs(
    core: &Core,
    actor: &Actor,
    id: i64,
    pairs: &[Pair],
) -> AppResult<Vec<SeveralAssignments>> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let round = managed_round(&txn, caller, id).await?;
    if !is_draft(&round) {
        return Err(AppError::Conflict("rounds.not_draft"));
    }
    let rows = inspection::Entity::find()
        .filter(inspection::Column::RoundId.eq(round.id))
        .all(&txn)
        .await?;
    let members: Vec<i64> = rows.iter().map(|i| i.inspected_enterprise_id).collect();
    let warnings = match rounds::check_pairs(&members, pairs) {
        Ok(w) => w,
        Err(problems) => {
            let mut errors = FieldErrors::default();
            for p in problems {
                let key = problem_key(p);
                match p {
                    PairProblem::InspectorNotMember(x) => pairs
                        .iter()
                        .filter(|q| q.inspector == x)
                        .for_each(|q| errors.add(problem_field(q.inspected), key)),
                    _ => errors.add(problem_field(p.member()), key),
                }
            }
            return Err(AppError::Validation(errors));
        }
    };
    let wanted: BTreeMap<i64, i64> = pairs.iter().map(|p| (p.inspected, p.inspector)).collect();
    let mut changes = Vec::new();
    for row in rows {
        let Some(&inspector) = wanted.get(&row.inspected_enterprise_id) else {
            continue;
        };
        if row.inspecting_enterprise_id == Some(inspector) {
            continue;
        }
        changes.push(format!(
            "{}: {} → {inspector}",
            row.inspected_enterprise_id,
            row.inspecting_enterprise_id.unwrap_or_default()
        ));
        let mut active = row.into_active_model();
        active.inspecting_enterprise_id = Set(Some(inspector));
        active.update(&txn).await?;
    }
    if !changes.is_empty() {
        let detail = format!("inspected: inspector → inspector; {}", changes.join("; "));
        audit_round(core, &txn, actor, "round.adjust", round.id, detail).await?;
    }
    txn.commit().await?;
    Ok(warnings)
}

/// Publishes a draft round: its members see their assignments from now on. 409 if it is
/// already published (unless this is a retry with the same `key`, which gets the first answer).
pub async fn publish(core: &Core, actor: &Actor, id: i64) -> AppResult<RoundRef> {
    let caller = &actor.caller;
    let key = actor.key()?;
    let fingerprint = format!("publish round {id}");
    if let Some(saved) = replayed(core, caller, key, &fingerprint).await? {
        return Ok(saved);
    }
    let txn = begin_write(&core.db).await?;
    let round = managed_round(&txn, caller, id).await?;
    if !is_draft(&round) {
        return Err(AppError::Conflict("rounds.already_published"));
    }
    let detail = format!("group {} round {}", round.group_id, round.seq);
    let mut active = round.into_active_model();
    active.status = Set(RoundStatus::Published);
    active.published_at = Set(Some(core.now()));
    active.update(&txn).await?;
    audit_round(core, &txn, actor, "round.publish", id, detail).await?;
    let answer = RoundRef { round_id: id };
    if let Some(key) = key {
        idempotency::save(&txn, core, caller.user_id, key, &fingerprint, &answer).await?;
    }
    txn.commit().await?;
    Ok(answer)
}

/// Discards a draft round with its pairs. 409 once published.
pub async fn discard(core: &Core, actor: &Actor, id: i64) -> AppResult<()> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let round = managed_round(&txn, caller, id).await?;
    if !is_draft(&round) {
        return Err(AppError::Conflict("rounds.not_draft"));
    }
    inspection::Entity::delete_many()
        .filter(inspection::Column::RoundId.eq(round.id))
        .exec(&txn)
        .await?;
    inspection_round::Entity::delete_by_id(round.id)
        .exec(&txn)
        .await?;
    let detail = format!("group {} round {}", round.group_id, round.seq);
    audit_round(core, &txn, actor, "round.discard", id, detail).await?;
    txn.commit().await?;
    Ok(())
}
