//! Reads: scoped lists, pages and exports (every query through `crate::scope`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, LoaderTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, sea_query::Query,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::hazard_flow::{self, HazardState};
use crate::domain::inspection::{HazardCategory, HazardLevel};
use crate::domain::supervision::{ReviewResult, SupervisionStatus};
use crate::error::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::models::{enterprise, hazard, nested, region, supervision};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::code_filter;
use crate::services::enterprises::EXPORT_LIMIT;
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, given, rectification};
use crate::state::Core;

/// The states in which a hazard's deadline runs (overdue is possible).
pub fn running_states() -> Vec<HazardState> {
    HazardState::ALL
        .iter()
        .copied()
        .filter(|s| hazard_flow::deadline_runs(*s))
        .collect()
}

/// Whether the hazard is on the list now (a listing not released). A listed hazard is
/// verified only by the bureau (`hazard_flow::verifies`).
pub async fn is_listed<C: ConnectionTrait>(conn: &C, hazard_id: i64) -> AppResult<bool> {
    Ok(supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(hazard_id))
        .filter(supervision::Column::Status.eq(SupervisionStatus::Listed))
        .count(conn)
        .await?
        > 0)
}

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
    #[schema(value_type = String)]
    pub status: SupervisionStatus,
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
    #[schema(value_type = Option<String>)]
    pub review_result: Option<ReviewResult>,
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

/// The supervision list's statement (and its export's): the scope's listings under the filter,
/// still listed first, then by supervision deadline and `id`.
pub async fn list_query(
    core: &Core,
    scope: &Scope,
    f: &SupervisionFilter,
) -> AppResult<Select<supervision::Entity>> {
    use supervision::Column as S;
    let mut errors = FieldErrors::default();
    let status: Option<SupervisionStatus> = code_filter(&mut errors, "status", &f.status);
    let category: Option<HazardCategory> = code_filter(&mut errors, "category", &f.category);
    let level: Option<HazardLevel> = code_filter(&mut errors, "level", &f.level);
    errors.into_result()?;
    let mut q = supervision::Entity::find().filter(scope::supervisions(scope));
    if let Some(v) = given(&f.reason) {
        q = q.filter(S::Reason.eq(v));
    }
    if let Some(v) = status {
        q = q.filter(S::Status.eq(v));
    }
    if let Some(code) = given(&f.region) {
        let path = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&core.db)
            .await?
            .map(|r| r.path)
            .unwrap_or_else(|| "unknown".into());
        q = q.filter(scope::in_subtree(S::RegionPath, &path));
    }
    let mut on_hazard = Condition::all();
    let mut any = false;
    if let Some(v) = category {
        on_hazard = on_hazard.add(hazard::Column::Category.eq(v));
        any = true;
    }
    if let Some(v) = level {
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
    use supervision::Column as S;
    let q = list_query(core, scope, filter).await?;
    let key = Key::new("supervisions")
        .asc(S::Status)
        .asc(S::Deadline)
        .asc(S::Id);
    let Page { rows: found, info } = keyset::page(core, q, &key, &page).await?;
    Ok(info.with(rows(core, found).await?))
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
        Scope::Region { path, .. } => q = q.filter(scope::in_subtree(region::Column::Path, path)),
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
    let found = list_query(core, &caller.scope, filter)
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
