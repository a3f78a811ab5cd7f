//! 检查: inspections as the inspecting side, the inspected enterprise, the committee and the
//! bureau see them; self-inspections (自查); starting, submitting (`submit`) and the
//! committee's review of a mutual inspection.
//!
//! Who acts: the inspecting enterprise's accounts start and submit (a self-inspection is
//! inspected and inspecting at once); a committee member reviews its alliance's submitted
//! mutual inspections. Everyone else who may see the inspection (`scope::inspections`) reads it.

mod queries;
pub mod submit;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::inspection::{InspectionKind, InspectionState};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, hazard, inspection};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::keyset::{self, Key, Page};
use crate::services::{
    PageParams, Paged, checklists, code_filter, given, idempotency, text_contains,
};
use crate::state::Core;

pub use queries::{AnswerView, FileRef, InspectionDetail, InspectionRow, ItemView, Party};

/// Filters of the inspection lists (pages and API).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct InspectionFilter {
    /// `mutual`, `self`, `expert` or `regulator`.
    pub kind: Option<String>,
    /// `planned`, `in_progress`, `submitted` or `reviewed`.
    pub state: Option<String>,
    /// For enterprise users: `inspecting` (my assignments) or `inspected` (inspections of us).
    pub side: Option<String>,
    /// Part of an enterprise's name (either side).
    pub q: Option<String>,
    pub round_id: Option<i64>,
    /// Only inspections of this (inspected) enterprise: its 一企一档.
    pub enterprise_id: Option<i64>,
    /// Only those still to be done (planned or in progress).
    pub open: Option<bool>,
}

/// The inspection list's statement: the scope's inspections under the filter, latest planned
/// first (`planned_on`, then `id`, descending). `list` pages it.
pub fn list_query(
    scope: &Scope,
    f: &InspectionFilter,
) -> AppResult<sea_orm::Select<inspection::Entity>> {
    use inspection::Column as I;
    let mut errors = FieldErrors::default();
    let kind: Option<InspectionKind> = code_filter(&mut errors, "kind", &f.kind);
    let state: Option<InspectionState> = code_filter(&mut errors, "state", &f.state);
    errors.into_result()?;
    let mut q = inspection::Entity::find().filter(scope::inspections(scope));
    if let Some(kind) = kind {
        q = q.filter(I::Kind.eq(kind));
    }
    if let Some(state) = state {
        q = q.filter(I::State.eq(state));
    }
    if let Some(round) = f.round_id {
        q = q.filter(I::RoundId.eq(round));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(I::InspectedEnterpriseId.eq(e));
    }
    if f.open == Some(true) {
        q = q.filter(I::State.is_in([InspectionState::Planned, InspectionState::InProgress]));
    }
    if let Scope::Enterprise { enterprise_id, .. } = scope {
        match given(&f.side) {
            Some("inspecting") => q = q.filter(I::InspectingEnterpriseId.eq(*enterprise_id)),
            Some("inspected") => {
                q = q
                    .filter(I::InspectedEnterpriseId.eq(*enterprise_id))
                    .filter(I::Kind.ne(InspectionKind::SelfCheck))
            }
            _ => {}
        }
    }
    if let Some(text) = given(&f.q) {
        let names = sea_orm::sea_query::Query::select()
            .column(enterprise::Column::Id)
            .from(enterprise::Entity)
            .and_where(text_contains(enterprise::Column::Name, text))
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(I::InspectedEnterpriseId.in_subquery(names.clone()))
                .add(I::InspectingEnterpriseId.in_subquery(names)),
        );
    }
    Ok(q.order_by_desc(I::PlannedOn).order_by_desc(I::Id))
}

/// One page of the inspections the scope may see.
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &InspectionFilter,
    page: PageParams,
) -> AppResult<Paged<InspectionRow>> {
    let key = Key::new("inspections")
        .desc(inspection::Column::PlannedOn)
        .desc(inspection::Column::Id);
    let Page { rows, info } = keyset::page(core, list_query(scope, filter)?, &key, &page).await?;
    Ok(info.with(queries::rows(core, rows).await?))
}

/// An inspection the scope may see (`NotFound` otherwise).
pub(crate) async fn visible(core: &Core, scope: &Scope, id: i64) -> AppResult<inspection::Model> {
    inspection::Entity::find_by_id(id)
        .filter(scope::inspections(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether the caller acts for the inspecting side of this inspection: an account of the
/// inspecting enterprise, which for an alliance's inspection is still its approved member, or
/// the inspecting expert of an expert's visit (`scope::inspections_to_conduct`).
pub async fn is_inspector<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    i: &inspection::Model,
) -> AppResult<bool> {
    let inspecting = match (&caller.scope, caller.role) {
        (
            Scope::Enterprise { enterprise_id, .. },
            Role::EnterpriseAdmin | Role::EnterpriseStaff,
        ) => Some(*enterprise_id) == i.inspecting_enterprise_id,
        (Scope::Expert { expert_id }, Role::Expert) => Some(*expert_id) == i.inspecting_expert_id,
        _ => false,
    };
    if !inspecting {
        return Ok(false);
    }
    Ok(inspection::Entity::find_by_id(i.id)
        .filter(scope::inspections_to_conduct(&caller.scope))
        .one(conn)
        .await?
        .is_some())
}

/// Whether the caller reviews this inspection: a committee member of its alliance, for a
/// mutual inspection.
pub fn is_reviewer(caller: &Caller, i: &inspection::Model) -> bool {
    matches!(
        (&caller.scope, caller.role),
        (Scope::Alliance { alliance_id, .. }, Role::Committee)
            if i.alliance_id == Some(*alliance_id) && i.kind == InspectionKind::Mutual
    )
}

/// The whole inspection: its checklist with the answers, photos and hazards.
pub async fn detail(core: &Core, caller: &Caller, id: i64) -> AppResult<InspectionDetail> {
    let i = visible(core, &caller.scope, id).await?;
    queries::detail(core, caller, i).await
}

/// The enterprise whose accounts may start a self-inspection: its own.
fn own_enterprise(caller: &Caller) -> AppResult<(i64, String)> {
    match (&caller.scope, caller.role) {
        (
            Scope::Enterprise {
                enterprise_id,
                region_path,
            },
            Role::EnterpriseAdmin | Role::EnterpriseStaff,
        ) => Ok((*enterprise_id, region_path.clone())),
        _ => Err(AppError::Forbidden),
    }
}

/// What a self-inspection needs: the checklist version and the day it is planned for.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SelfInspectionInput {
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub template_version_id: Option<i64>,
    /// `YYYY-MM-DD`; today when absent.
    pub planned_on: Option<String>,
}

/// 自查: the enterprise plans an inspection of itself with a checklist it may use.
pub async fn create_self(
    core: &Core,
    actor: &Actor,
    input: &SelfInspectionInput,
) -> AppResult<inspection::Model> {
    let caller = &actor.caller;
    let (enterprise_id, region_path) = own_enterprise(caller)?;
    let mut errors = FieldErrors::default();
    let version = match input.template_version_id {
        Some(v) => match checklists::usable_version(core, &caller.scope, v).await {
            Ok((_, version)) => Some(version),
            Err(AppError::NotFound) => {
                errors.add("template_version_id", "inspections.unknown_checklist");
                None
            }
            Err(e) => return Err(e),
        },
        None => {
            errors.add("template_version_id", "form.required");
            None
        }
    };
    let today = core.today();
    let planned_on = match given(&input.planned_on) {
        None => Some(today),
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add("planned_on", "inspections.bad_date");
                None
            }
        },
    };
    errors.into_result()?;
    let (Some(version), Some(planned_on)) = (version, planned_on) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated input missing"
        )));
    };
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let created = planned_row(Planned {
        kind: InspectionKind::SelfCheck,
        round: None,
        inspecting: Inspecting::Enterprise(enterprise_id),
        inspected_enterprise_id: enterprise_id,
        region_path,
        template_version_id: version.id,
        planned_on,
        created_by: caller.user_id,
        now,
    })
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "inspection.create_self",
        Some(("inspection", created.id.to_string())),
        Outcome::Success,
        Some(format!("checklist version {}", version.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// An expert's visit (专家上门服务) to plan: who visits whom, with which checklist, on which day.
#[derive(Debug, Clone)]
pub struct ExpertVisit {
    pub expert_id: i64,
    pub enterprise_id: i64,
    /// A bureau checklist's version (experts use the bureau's checklists).
    pub template_version_id: i64,
    pub planned_on: NaiveDate,
    /// The account that plans it (the service request's step that schedules the visit).
    pub created_by: i64,
    /// The service request the visit serves.
    pub request_id: Option<i64>,
}

/// Plans an expert's visit as an inspection of kind `expert`, inside the caller's transaction
/// (the step that schedules the visit), with its audit record. The expert must be active, the
/// enterprise registered, the checklist a bureau checklist usable in the enterprise's region (a
/// field error on `template_version_id` otherwise).
pub async fn plan_expert_visit(
    core: &Core,
    txn: &DatabaseTransaction,
    author: &Author,
    visit: &ExpertVisit,
) -> AppResult<inspection::Model> {
    use crate::models::{checklist_template, checklist_version, expert};
    let expert = expert::Entity::find_by_id(visit.expert_id)
        .one(txn)
        .await?
        .filter(|e| e.active)
        .ok_or(AppError::Conflict("inspections.expert_inactive"))?;
    let inspected = enterprise::Entity::find_by_id(visit.enterprise_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // The checklist is the caller's choice: refused on its field, as `create_self` does.
    let unknown = || {
        let mut errors = FieldErrors::default();
        errors.add("template_version_id", "inspections.unknown_checklist");
        AppError::Validation(errors)
    };
    let version = checklist_version::Entity::find_by_id(visit.template_version_id)
        .one(txn)
        .await?
        .ok_or_else(unknown)?;
    let usable = checklist_template::Entity::find_by_id(version.template_id)
        .filter(scope::checklist_templates(&Scope::Enterprise {
            enterprise_id: inspected.id,
            region_path: inspected.region_path.clone(),
        }))
        .filter(checklist_template::Column::RegionId.is_not_null())
        .one(txn)
        .await?;
    if usable.is_none() {
        return Err(unknown());
    }
    let now = core.now();
    let mut row = planned_row(Planned {
        kind: InspectionKind::Expert,
        round: None,
        inspecting: Inspecting::Expert(expert.id),
        inspected_enterprise_id: inspected.id,
        region_path: inspected.region_path.clone(),
        template_version_id: version.id,
        planned_on: visit.planned_on,
        created_by: visit.created_by,
        now,
    });
    row.expert_request_id = Set(visit.request_id);
    let created = row.insert(txn).await?;
    audit::record(
        txn,
        now,
        author,
        "inspection.plan_expert_visit",
        Some(("inspection", created.id.to_string())),
        Outcome::Success,
        Some(format!(
            "expert {} visits enterprise {} on {}",
            expert.id, inspected.id, visit.planned_on
        )),
    )
    .await?;
    Ok(created)
}

/// Re-reads the inspection inside the write transaction, so a state check there sees what
/// concurrent writers committed (SQLite's write lock, PostgreSQL's row lock).
pub(crate) async fn locked(
    txn: &DatabaseTransaction,
    scope: &Scope,
    id: i64,
) -> AppResult<inspection::Model> {
    use sea_orm::QuerySelect;
    let mut q = inspection::Entity::find_by_id(id).filter(scope::inspections(scope));
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(txn).await?.ok_or(AppError::NotFound)
}

use sea_orm::ConnectionTrait;

/// 开始检查: the inspecting side opens its assignment (planned → in progress).
pub async fn start(core: &Core, actor: &Actor, id: i64) -> AppResult<inspection::Model> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let i = locked(&txn, &caller.scope, id).await?;
    if !is_inspector(&txn, caller, &i).await? {
        return Err(AppError::Forbidden);
    }
    if i.state != InspectionState::Planned {
        return Err(AppError::Conflict("inspections.not_planned"));
    }
    let now = core.now();
    let mut active = i.into_active_model();
    active.state = Set(InspectionState::InProgress);
    active.started_at = Set(Some(now));
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "inspection.start",
        Some(("inspection", id.to_string())),
        Outcome::Success,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// What a review answers, saved for a retried request.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewOutcome {
    pub inspection_id: i64,
    pub state: String,
}

/// 审阅: the committee reviews a submitted mutual inspection of its alliance, with a note.
pub async fn review(
    core: &Core,
    actor: &Actor,
    id: i64,
    note: Option<&str>,
) -> AppResult<ReviewOutcome> {
    let caller = &actor.caller;
    let key = actor.key()?;
    let fingerprint = format!("review inspection {id}");
    if let Some(key) = key
        && let Some(saved) = idempotency::replay(core, caller.user_id, key, &fingerprint).await?
    {
        return Ok(saved);
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        let mut errors = FieldErrors::default();
        errors.add("note", "form.too_long");
        return Err(AppError::Validation(errors));
    }
    let txn = begin_write(&core.db).await?;
    let i = locked(&txn, &caller.scope, id).await?;
    if !is_reviewer(caller, &i) {
        return Err(AppError::Forbidden);
    }
    if i.state != InspectionState::Submitted {
        return Err(AppError::Conflict("inspections.not_submitted"));
    }
    let now = core.now();
    let mut active = i.into_active_model();
    active.state = Set(InspectionState::Reviewed);
    active.reviewed_at = Set(Some(now));
    active.reviewed_by = Set(Some(caller.user_id));
    active.review_note = Set(note.map(str::to_string));
    active.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "inspection.review",
        Some(("inspection", id.to_string())),
        Outcome::Success,
        None,
    )
    .await?;
    let outcome = ReviewOutcome {
        inspection_id: id,
        state: InspectionState::Reviewed.as_str().into(),
    };
    if let Some(key) = key {
        idempotency::save(&txn, core, caller.user_id, key, &fingerprint, &outcome).await?;
    }
    txn.commit().await?;
    Ok(outcome)
}

/// Hazards found per inspection, for lists.
pub(crate) async fn hazard_counts(core: &Core, ids: &[i64]) -> AppResult<HashMap<i64, u64>> {
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let mut counts = HashMap::new();
    if wanted.is_empty() {
        return Ok(counts);
    }
    let rows: Vec<Option<i64>> = hazard::Entity::find()
        .select_only()
        .column(hazard::Column::InspectionId)
        .filter(hazard::Column::InspectionId.is_in(wanted))
        .into_tuple()
        .all(&core.db)
        .await?;
    for id in rows.into_iter().flatten() {
        *counts.entry(id).or_insert(0) += 1;
    }
    Ok(counts)
}

use sea_orm::QuerySelect;

/// Cancels the open (planned or in-progress) inspections `which` selects, inside the caller's
/// transaction, each with an `inspection.cancel` audit record whose detail `why` gives. A row a
/// concurrent writer moved on is left as it is. Returns how many were found and how many this
/// call cancelled.
async fn cancel_open<C: ConnectionTrait>(
    conn: &C,
    at: chrono::DateTime<chrono::Utc>,
    author: &Author,
    which: sea_orm::Condition,
    why: impl Fn(&inspection::Model) -> String,
) -> AppResult<(usize, u64)> {
    use inspection::Column as I;
    let open: Vec<InspectionState> = InspectionState::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect();
    let affected = inspection::Entity::find()
        .filter(which)
        .filter(I::State.is_in(open.clone()))
        .all(conn)
        .await?;
    let mut cancelled = 0;
    for i in &affected {
        let done = inspection::Entity::update_many()
            .col_expr(
                I::State,
                sea_orm::sea_query::Expr::value(InspectionState::Cancelled),
            )
            .filter(I::Id.eq(i.id))
            .filter(I::State.is_in(open.clone()))
            .exec(conn)
            .await?;
        if done.rows_affected == 1 {
            cancelled += 1;
            audit::record(
                conn,
                at,
                author,
                "inspection.cancel",
                Some(("inspection", i.id.to_string())),
                Outcome::Success,
                Some(why(i)),
            )
            .await?;
        }
    }
    Ok((affected.len(), cancelled))
}

/// A service request was cancelled: the open visits it scheduled are cancelled inside the
/// caller's transaction, each with an `inspection.cancel` audit record naming the request.
/// Returns how many were cancelled.
pub(crate) async fn cancel_request_visits<C: ConnectionTrait>(
    conn: &C,
    at: chrono::DateTime<chrono::Utc>,
    author: &Author,
    request_id: i64,
) -> AppResult<u64> {
    let which = sea_orm::Condition::all().add(inspection::Column::ExpertRequestId.eq(request_id));
    let (_, cancelled) = cancel_open(conn, at, author, which, |i| {
        format!(
            "service request {request_id} cancelled ({} → cancelled)",
            i.state.as_str()
        )
    })
    .await?;
    Ok(cancelled)
}

/// An enterprise left an alliance: its open (planned or in-progress) inspections in that
/// alliance, as the inspecting party and as the inspected one, are cancelled inside the
/// caller's transaction, each with an `inspection.cancel` audit record naming its round. The
/// hazards already found stay in their loop. Returns how many were cancelled.
pub(crate) async fn cancel_for_leaver<C: ConnectionTrait>(
    conn: &C,
    at: chrono::DateTime<chrono::Utc>,
    author: &Author,
    alliance_id: i64,
    enterprise_id: i64,
) -> AppResult<u64> {
    use inspection::Column as I;
    let which = sea_orm::Condition::all()
        .add(I::AllianceId.eq(alliance_id))
        .add(
            sea_orm::Condition::any()
                .add(I::InspectingEnterpriseId.eq(enterprise_id))
                .add(I::InspectedEnterpriseId.eq(enterprise_id)),
        );
    let (found, _) = cancel_open(conn, at, author, which, |i| {
        format!(
            "round {}: enterprise {enterprise_id} left alliance {alliance_id} ({} → cancelled)",
            i.round_id.map_or("—".to_string(), |r| r.to_string()),
            i.state.as_str()
        )
    })
    .await?;
    Ok(found as u64)
}

/// The inspecting party: an enterprise (mutual and self-inspections) or an expert (a visit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inspecting {
    Enterprise(i64),
    Expert(i64),
}

/// A planned inspection as its creator gives it; `round` is (round, alliance, group) for a
/// mutual inspection of a round.
pub(crate) struct Planned {
    pub kind: InspectionKind,
    pub round: Option<(i64, i64, i64)>,
    pub inspecting: Inspecting,
    pub inspected_enterprise_id: i64,
    pub region_path: String,
    pub template_version_id: i64,
    pub planned_on: NaiveDate,
    pub created_by: i64,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The row of a planned inspection: the one place inspection rows are built (a self-inspection
/// inserts one, a round's generation inserts its pairs in bulk).
pub(crate) fn planned_row(p: Planned) -> inspection::ActiveModel {
    inspection::ActiveModel {
        kind: Set(p.kind),
        round_id: Set(p.round.map(|r| r.0)),
        alliance_id: Set(p.round.map(|r| r.1)),
        group_id: Set(p.round.map(|r| r.2)),
        inspecting_enterprise_id: Set(match p.inspecting {
            Inspecting::Enterprise(id) => Some(id),
            Inspecting::Expert(_) => None,
        }),
        inspecting_expert_id: Set(match p.inspecting {
            Inspecting::Expert(id) => Some(id),
            Inspecting::Enterprise(_) => None,
        }),
        inspected_enterprise_id: Set(p.inspected_enterprise_id),
        region_path: Set(p.region_path),
        template_version_id: Set(p.template_version_id),
        planned_on: Set(p.planned_on),
        state: Set(InspectionState::Planned),
        inspectors: Set(String::new()),
        summary: Set(None),
        created_by: Set(Some(p.created_by)),
        created_at: Set(p.now),
        ..Default::default()
    }
}
