//! 挂牌督办: the bureau's supervision list. A major hazard goes on it the moment it is reported
//! (`list_major`, inside the report's transaction); a hazard long overdue (or a major one past
//! its deadline) is escalated onto it by the scheduled job (`escalate`). One row per hazard
//! (unique `hazard_id`, inserted with ON CONFLICT DO NOTHING, so a race lists it once).
//!
//! Who sees the list: the bureau inside its region subtree (`region_path` prefix, copied from
//! the hazard), the system admin everything, nobody else. The bureau sets the supervising unit,
//! the responsible unit and the supervision deadline (督办期限); the rectification loop records
//! the on-site review (核销) and releases the listing.
//!
//! Overdue is derived, never stored: a hazard whose deadline runs (待确认 or 整改中) and whose
//! rectification deadline lies before today; the list shows the days.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    LoaderTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
    sea_query::{OnConflict, Query},
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::hazard_flow::{self, HazardState};
use crate::domain::inspection::{HazardCategory, HazardLevel};
use crate::domain::region_path::subtree_pattern;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::{self, Lang};
use crate::models::{enterprise, hazard, hazard_event, nested, region, supervision, user};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::enterprises::EXPORT_LIMIT;
use crate::services::notify::{self, Notice};
use crate::services::{PageParams, Paged, given, rectification};
use crate::state::Core;

/// Why a hazard is listed.
pub const REASON_MAJOR: &str = "major";
pub const REASON_OVERDUE: &str = "overdue";
/// Listing status.
pub const STATUS_LISTED: &str = "listed";
pub const STATUS_RELEASED: &str = "released";
/// The timeline actions written here.
pub const EVENT_SUPERVISE: &str = "supervise";
pub const EVENT_DEADLINE: &str = "supervision_deadline";
/// The listing released because the finding was withdrawn.
pub const EVENT_RELEASE: &str = "supervision_release";

pub(crate) const MAX_UNIT: usize = 128;

/// The states in which a hazard's deadline runs (overdue is possible).
pub fn running_states() -> Vec<HazardState> {
    HazardState::ALL
        .iter()
        .copied()
        .filter(|s| hazard_flow::deadline_runs(*s))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Listing

/// "<region> 应急管理部门": the town's or the city's bureau for a path (the deepest of them).
pub(crate) async fn supervising_unit<C: ConnectionTrait>(
    conn: &C,
    region_path: &str,
) -> AppResult<String> {
    let codes: Vec<&str> = region_path.split('/').filter(|p| !p.is_empty()).collect();
    let found = region::Entity::find()
        .filter(region::Column::Code.is_in(codes.iter().copied()))
        .filter(region::Column::Level.lte(2))
        .order_by_desc(region::Column::Level)
        .one(conn)
        .await?;
    let name = found.map(|r| r.name).unwrap_or_default();
    Ok(
        format!("{name}{}", i18n::t(Lang::ZhCn, "supervision.bureau_suffix"))
            .chars()
            .take(MAX_UNIT)
            .collect(),
    )
}

/// Who did it, for the timeline: a user, or the system.
async fn event_actor<C: ConnectionTrait>(
    conn: &C,
    user_id: Option<i64>,
) -> AppResult<(Option<i64>, String, Option<String>)> {
    let Some(id) = user_id else {
        return Ok((None, "system".into(), None));
    };
    Ok(match user::Entity::find_by_id(id).one(conn).await? {
        Some(u) => (Some(u.id), u.display_name, Some(u.role)),
        None => (None, "system".into(), None),
    })
}

/// A listing event on the hazard's timeline; `deadline_change` is (before, after).
async fn timeline<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    h: &hazard::Model,
    actor: (Option<i64>, String, Option<String>),
    action: &str,
    note: Option<String>,
    deadline_change: Option<(NaiveDate, NaiveDate)>,
) -> AppResult<()> {
    hazard_event::ActiveModel {
        hazard_id: Set(h.id),
        actor_user_id: Set(actor.0),
        actor_name: Set(actor.1),
        actor_role: Set(actor.2),
        action: Set(action.into()),
        from_state: Set(Some(h.state.as_str().into())),
        to_state: Set(h.state.as_str().into()),
        note: Set(note),
        deadline_before: Set(deadline_change.map(|c| c.0)),
        deadline_after: Set(deadline_change.map(|c| c.1)),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn enterprise_name<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<String> {
    Ok(enterprise::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default())
}

/// Puts the hazard on the list unless it is there already; `None` when it was.
async fn put_on_list<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
    reason: &str,
    listed_by: Option<i64>,
    note: String,
) -> AppResult<Option<(supervision::Model, String)>> {
    let now = core.now();
    let enterprise = enterprise_name(conn, h.enterprise_id).await?;
    let inserted = supervision::Entity::insert(supervision::ActiveModel {
        hazard_id: Set(h.id),
        reason: Set(reason.into()),
        supervising_unit: Set(supervising_unit(conn, &h.region_path).await?),
        responsible_unit: Set(enterprise.chars().take(MAX_UNIT).collect()),
        deadline: Set(h.deadline),
        region_path: Set(h.region_path.clone()),
        status: Set(STATUS_LISTED.into()),
        listed_at: Set(now),
        listed_by: Set(listed_by),
        review_result: Set(None),
        review_note: Set(None),
        reviewed_on: Set(None),
        reviewed_by: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(supervision::Column::HazardId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let row = supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(h.id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = event_actor(conn, listed_by).await?;
    timeline(conn, now, h, actor, EVENT_SUPERVISE, Some(note), None).await?;
    Ok(Some((row, enterprise)))
}

fn notice(
    kind: &'static str,
    h: &hazard::Model,
    enterprise: &str,
    extra: Vec<(&'static str, String)>,
) -> Notice {
    let mut params = vec![
        ("hazard", h.title.clone()),
        ("enterprise", enterprise.to_string()),
        ("deadline", h.deadline.to_string()),
    ];
    params.extend(extra);
    Notice {
        kind,
        hazard_id: Some(h.id),
        link: Some(format!("/hazards/{}", h.id)),
        params,
    }
}

/// The bureau officers of the hazard's place and the enterprise's accounts.
async fn bureau_and_enterprise<C: ConnectionTrait>(
    conn: &C,
    h: &hazard::Model,
) -> AppResult<Vec<i64>> {
    let mut to = notify::bureau_users(conn, &h.region_path).await?;
    to.extend(notify::enterprise_users(conn, h.enterprise_id).await?);
    Ok(to)
}

/// A major hazard goes on the list the moment it is reported (inside the report's
/// transaction): supervising unit the bureau of its region, responsible unit the enterprise,
/// deadline the hazard's; a "supervise" event, and the bureau and the enterprise are told.
/// `None` when the hazard is not major or is listed already.
pub async fn list_major<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
    listed_by: Option<i64>,
) -> AppResult<Option<supervision::Model>> {
    if h.level != HazardLevel::Major {
        return Ok(None);
    }
    let note = i18n::t(Lang::ZhCn, "supervision.note_major");
    let Some((row, enterprise)) = put_on_list(conn, core, h, REASON_MAJOR, listed_by, note).await?
    else {
        return Ok(None);
    };
    let to = bureau_and_enterprise(conn, h).await?;
    let n = notice(
        "supervision_listed",
        h,
        &enterprise,
        vec![("unit", row.supervising_unit.clone())],
    );
    notify::notify(conn, core, &to, &n).await?;
    Ok(Some(row))
}

/// Escalation of an overdue hazard onto the list by the system (reason "overdue"), with its
/// event; the bureau and the enterprise are told. `None` when it is listed already.
pub async fn escalate<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
) -> AppResult<Option<supervision::Model>> {
    let days = rectification::overdue_days(h, core.today()).unwrap_or(0);
    let note = i18n::t_args(
        Lang::ZhCn,
        "supervision.note_overdue",
        &[("days", &days.to_string())],
    );
    let Some((row, enterprise)) = put_on_list(conn, core, h, REASON_OVERDUE, None, note).await?
    else {
        return Ok(None);
    };
    let to = bureau_and_enterprise(conn, h).await?;
    let n = notice(
        "supervision_escalated",
        h,
        &enterprise,
        vec![
            ("days", days.to_string()),
            ("unit", row.supervising_unit.clone()),
        ],
    );
    notify::notify(conn, core, &to, &n).await?;
    Ok(Some(row))
}

/// Whether the hazard is on the list now (a listing not released). A listed hazard is
/// verified only by the bureau (`hazard_flow::verifies`).
pub async fn is_listed<C: ConnectionTrait>(conn: &C, hazard_id: i64) -> AppResult<bool> {
    Ok(supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(hazard_id))
        .filter(supervision::Column::Status.eq(STATUS_LISTED))
        .count(conn)
        .await?
        > 0)
}

/// The ids of the hazards on the list now, for queue conditions.
pub fn listed_hazard_ids() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(supervision::Column::HazardId)
        .from(supervision::Entity)
        .and_where(supervision::Column::Status.eq(STATUS_LISTED))
        .to_owned()
}

/// A withdrawn finding leaves the list (inside the withdrawal's transaction): the listing is
/// released and the timeline gets a "supervision_release" event by `actor`. Nothing when the
/// hazard is not listed.
pub async fn release_withdrawn<C: ConnectionTrait>(
    conn: &C,
    h: &hazard::Model,
    actor: i64,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(row) = supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(h.id))
        .filter(supervision::Column::Status.eq(STATUS_LISTED))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    let mut m = row.into_active_model();
    m.status = Set(STATUS_RELEASED.into());
    m.update(conn).await?;
    let actor = event_actor(conn, Some(actor)).await?;
    let note = i18n::t(Lang::ZhCn, "supervision.note_withdrawn");
    timeline(conn, at, h, actor, EVENT_RELEASE, Some(note), None).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Reads

/// A listed hazard as the bureau sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionRow {
    pub id: i64,
    pub hazard_id: i64,
    pub hazard_title: String,
    /// `general` | `major`.
    #[schema(value_type = String)]
    pub level: HazardLevel,
    #[schema(value_type = String)]
    pub category: HazardCategory,
    /// The hazard's state.
    #[schema(value_type = String)]
    pub state: HazardState,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// The town (镇/街道) the hazard is in.
    pub town: Option<String>,
    /// `major` (listed when reported) | `overdue` (escalated).
    pub reason: String,
    /// `listed` | `released`.
    pub status: String,
    pub supervising_unit: String,
    pub responsible_unit: String,
    /// 督办期限.
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// The hazard's rectification deadline.
    #[schema(value_type = String, format = Date)]
    pub hazard_deadline: NaiveDate,
    /// Days past the hazard's deadline while it runs; 0 when not overdue.
    pub overdue_days: i64,
    #[schema(value_type = String, format = DateTime)]
    pub listed_at: DateTime<Utc>,
    /// The on-site review (核销): `passed` | `failed`.
    pub review_result: Option<String>,
    pub review_note: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub reviewed_on: Option<NaiveDate>,
}

/// Filters of the supervision list.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct SupervisionFilter {
    /// `major` or `overdue`.
    pub reason: Option<String>,
    /// `listed` or `released`.
    pub status: Option<String>,
    /// Only hazards past their deadline.
    pub overdue: Option<bool>,
    /// A region code (a town): only listings inside it.
    pub region: Option<String>,
    /// A hazard category code.
    pub category: Option<String>,
    /// `general` or `major`.
    pub level: Option<String>,
}

async fn filtered(
    core: &Core,
    scope: &Scope,
    f: &SupervisionFilter,
) -> AppResult<Select<supervision::Entity>> {
    use supervision::Column as S;
    let mut q = supervision::Entity::find().filter(scope::supervisions(scope));
    if let Some(v) = given(&f.reason) {
        q = q.filter(S::Reason.eq(v));
    }
    if let Some(v) = given(&f.status) {
        q = q.filter(S::Status.eq(v));
    }
    if let Some(code) = given(&f.region) {
        let pattern = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&core.db)
            .await?
            .map(|r| subtree_pattern(&r.path))
            .unwrap_or_else(|| subtree_pattern("unknown"));
        q = q.filter(S::RegionPath.like(pattern));
    }
    let mut on_hazard = Condition::all();
    let mut any = false;
    if let Some(v) = given(&f.category) {
        on_hazard = on_hazard.add(hazard::Column::Category.eq(v));
        any = true;
    }
    if let Some(v) = given(&f.level) {
        on_hazard = on_hazard.add(hazard::Column::Level.eq(v));
        any = true;
    }
    if f.overdue == Some(true) {
        on_hazard = on_hazard
            .add(hazard::Column::State.is_in(running_states()))
            .add(hazard::Column::Deadline.lt(core.today()));
        any = true;
    }
    if any {
        q = q.filter(
            S::HazardId.in_subquery(
                Query::select()
                    .column(hazard::Column::Id)
                    .from(hazard::Entity)
                    .cond_where(on_hazard)
                    .to_owned(),
            ),
        );
    }
    Ok(q.order_by_asc(S::Status)
        .order_by_asc(S::Deadline)
        .order_by_asc(S::Id))
}

async fn rows(core: &Core, found: Vec<supervision::Model>) -> AppResult<Vec<SupervisionRow>> {
    let hazards = found.load_one(hazard::Entity, &core.db).await?;
    let hazards = nested::load_one_of(&core.db, hazards, enterprise::Entity).await?;
    let town_code = |path: &str| {
        path.split('/')
            .filter(|p| !p.is_empty())
            .nth(1)
            .map(str::to_string)
    };
    let towns: HashMap<String, String> = region::Entity::find()
        .filter(region::Column::Code.is_in(found.iter().filter_map(|s| town_code(&s.region_path))))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let today = core.today();
    Ok(found
        .into_iter()
        .zip(hazards)
        .filter_map(|(s, hazard)| {
            let (h, enterprise) = hazard.as_ref()?;
            Some(SupervisionRow {
                id: s.id,
                hazard_id: h.id,
                hazard_title: h.title.clone(),
                level: h.level,
                category: h.category,
                state: h.state,
                enterprise_id: h.enterprise_id,
                enterprise_name: enterprise
                    .as_ref()
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                town: town_code(&s.region_path).and_then(|c| towns.get(&c).cloned()),
                reason: s.reason,
                status: s.status,
                supervising_unit: s.supervising_unit,
                responsible_unit: s.responsible_unit,
                deadline: s.deadline,
                hazard_deadline: h.deadline,
                overdue_days: rectification::overdue_days(h, today).unwrap_or(0),
                listed_at: s.listed_at,
                review_result: s.review_result,
                review_note: s.review_note,
                reviewed_on: s.reviewed_on,
            })
        })
        .collect())
}

/// One page of the supervision list: still listed first, earliest supervision deadline first.
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &SupervisionFilter,
    page: PageParams,
) -> AppResult<Paged<SupervisionRow>> {
    let paginator = filtered(core, scope, filter)
        .await?
        .paginate(&core.db, page.per_page());
    let total = paginator.num_items().await?;
    let found = paginator.fetch_page(page.page() - 1).await?;
    Ok(Paged::new(rows(core, found).await?, page, total))
}

/// A town to filter by.
#[derive(Debug, Clone, Serialize)]
pub struct TownChoice {
    pub code: String,
    pub name: String,
}

/// The towns (镇/街道) inside the scope, for the region filter.
pub async fn towns(core: &Core, scope: &Scope) -> AppResult<Vec<TownChoice>> {
    let mut q = region::Entity::find().filter(region::Column::Level.eq(2));
    match scope {
        Scope::System => {}
        Scope::Region { path, .. } => {
            q = q.filter(region::Column::Path.like(subtree_pattern(path)))
        }
        _ => return Ok(Vec::new()),
    }
    Ok(q.order_by_asc(region::Column::Code)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|r| TownChoice {
            code: r.code,
            name: r.name,
        })
        .collect())
}

/// The list as a spreadsheet (at most `EXPORT_LIMIT` rows), audited.
pub async fn export_xlsx(
    core: &Core,
    actor: &Actor,
    filter: &SupervisionFilter,
) -> AppResult<Vec<u8>> {
    let caller = &actor.caller;
    let found = filtered(core, &caller.scope, filter)
        .await?
        .limit(EXPORT_LIMIT)
        .all(&core.db)
        .await?;
    let mut all = Vec::with_capacity(found.len());
    for chunk in found.chunks(500) {
        all.extend(rows(core, chunk.to_vec()).await?);
    }
    let zh = |key: String| i18n::t(Lang::ZhCn, &key);
    let columns = [
        "hazard",
        "level",
        "category",
        "enterprise",
        "town",
        "reason",
        "status",
        "supervising_unit",
        "responsible_unit",
        "deadline",
        "hazard_deadline",
        "state",
        "overdue_days",
        "listed_at",
        "review_result",
        "reviewed_on",
    ];
    let table: Vec<Vec<String>> = all
        .iter()
        .map(|r| {
            vec![
                r.hazard_title.clone(),
                zh(format!("hazard_level.{}", r.level)),
                zh(format!("hazard_category.{}", r.category)),
                r.enterprise_name.clone(),
                r.town.clone().unwrap_or_default(),
                zh(format!("supervision.reason_{}", r.reason)),
                zh(format!("supervision.status_{}", r.status)),
                r.supervising_unit.clone(),
                r.responsible_unit.clone(),
                r.deadline.to_string(),
                r.hazard_deadline.to_string(),
                zh(format!("hazard_state.{}", r.state)),
                r.overdue_days.to_string(),
                core.calendar
                    .local(r.listed_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                r.review_result
                    .as_deref()
                    .map(|v| zh(format!("supervision.review_{v}")))
                    .unwrap_or_default(),
                r.reviewed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    // Times in the portal's zone, named in the header.
    let bytes = crate::services::xlsx::catalog_workbook(
        "export.supervision",
        &columns,
        &[("zone", core.calendar.zone().name())],
        &table,
        &[12],
    )?;
    let txn = begin_write(&core.db).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "export.supervisions",
        None,
        Outcome::Success,
        Some(format!(
            "{} rows; filter {}",
            table.len(),
            serde_json::to_string(filter).unwrap_or_default()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------
// The bureau's edit

/// The bureau's settings of a listing, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SupervisionInput {
    /// 督办单位.
    #[serde(default)]
    pub supervising_unit: String,
    /// 责任单位.
    #[serde(default)]
    pub responsible_unit: String,
    /// 督办期限, `YYYY-MM-DD`; a changed one may not lie in the past.
    #[serde(default)]
    pub deadline: String,
}

impl SupervisionInput {
    pub fn of(row: &SupervisionRow) -> Self {
        SupervisionInput {
            supervising_unit: row.supervising_unit.clone(),
            responsible_unit: row.responsible_unit.clone(),
            deadline: row.deadline.to_string(),
        }
    }
}

/// One listing, through the scope.
pub async fn get(core: &Core, scope: &Scope, id: i64) -> AppResult<SupervisionRow> {
    let found = supervision::Entity::find_by_id(id)
        .filter(scope::supervisions(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    rows(core, vec![found])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The bureau sets the supervising unit, the responsible unit and the supervision deadline:
/// one transaction with its audit record and, when the deadline changes, a timeline event.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &SupervisionInput,
) -> AppResult<SupervisionRow> {
    let caller = &actor.caller;
    if !matches!(caller.scope, Scope::Region { .. }) {
        return Err(AppError::Forbidden);
    }
    let existing = supervision::Entity::find_by_id(id)
        .filter(scope::supervisions(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if existing.status == STATUS_RELEASED {
        return Err(AppError::Conflict("supervision.released"));
    }
    let today = core.today();
    let mut errors = FieldErrors::default();
    let supervising = input.supervising_unit.trim();
    let responsible = input.responsible_unit.trim();
    errors.require("supervising_unit", supervising, MAX_UNIT);
    errors.require("responsible_unit", responsible, MAX_UNIT);
    let deadline = match input.deadline.trim() {
        "" => {
            errors.add("deadline", "form.required");
            None
        }
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Err(_) => {
                errors.add("deadline", "supervision.bad_date");
                None
            }
            Ok(d) if d != existing.deadline && d < today => {
                errors.add("deadline", "supervision.deadline_past");
                None
            }
            Ok(d) => Some(d),
        },
    };
    errors.into_result()?;
    let Some(deadline) = deadline else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated deadline lost"
        )));
    };

    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let current = supervision::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut changed = Vec::new();
    if current.supervising_unit != supervising {
        changed.push("supervising_unit");
    }
    if current.responsible_unit != responsible {
        changed.push("responsible_unit");
    }
    let before = current.deadline;
    if before != deadline {
        changed.push("deadline");
    }
    let mut m = current.clone().into_active_model();
    m.supervising_unit = Set(supervising.into());
    m.responsible_unit = Set(responsible.into());
    m.deadline = Set(deadline);
    m.update(&txn).await?;
    if before != deadline {
        let h = hazard::Entity::find_by_id(current.hazard_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = (
            Some(caller.user_id),
            caller.display_name.clone(),
            Some(caller.role.as_str().to_string()),
        );
        timeline(
            &txn,
            now,
            &h,
            actor,
            EVENT_DEADLINE,
            None,
            Some((before, deadline)),
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "supervision.update",
        Some(("supervision", id.to_string())),
        Outcome::Success,
        Some(if changed.is_empty() {
            "unchanged".to_string()
        } else {
            changed.join(",")
        }),
    )
    .await?;
    txn.commit().await?;
    get(core, &caller.scope, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_runs_while_reported_or_rectifying() {
        assert_eq!(
            running_states(),
            vec![HazardState::Reported, HazardState::Rectifying]
        );
    }

    #[test]
    fn only_the_bureau_and_the_admin_see_listings() {
        let enterprise = Scope::Enterprise {
            enterprise_id: 1,
            region_path: "/330381/".into(),
        };
        let region = Scope::Region {
            region_id: 1,
            path: "/330381/330381101/".into(),
        };
        assert!(format!("{:?}", crate::scope::supervisions(&enterprise)).contains("1 = 0"));
        assert!(
            format!("{:?}", crate::scope::supervisions(&region)).contains("/330381/330381101/%")
        );
        assert!(!format!("{:?}", crate::scope::supervisions(&Scope::System)).contains("1 = 0"));
    }
}
