//! 三色标签: the bureau's scoring rules per region, and each enterprise's score and label kept
//! up to date with its history. The rules themselves (score, thresholds, inheritance) are
//! `domain::scoring`; this module counts the facts and stores the results.
//!
//! - Rules are one `label_rules` row per region, applying to the region's subtree unless a
//!   region below has its own (like participation targets: every set row is loaded with its
//!   region path — there are few — and the nearest one at or above a path applies).
//! - `recompute` scores one enterprise inside the caller's transaction (after a hazard moves);
//!   `recompute_all` scores a whole subtree (after a rule change, and daily, since overdue
//!   days grow): one grouped query over hazards gives every enterprise's facts, one query the
//!   enterprises' current scores, and only the changed ones are written, grouped by their new
//!   value. A history row is added whenever the score or the label changes (or on the first
//!   scoring).
//! - Facts at "today" (the injected clock's date in the configured zone, `crate::calendar`):
//!   open hazards by level; overdue days
//!   `today − deadline` summed over hazards in 待确认 or 整改中 whose deadline has passed;
//!   hazards closed by their deadline within the last 365 days.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Offset, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, LoaderTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Func, OnConflict, Query, SimpleExpr},
};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::db::begin_write;
use crate::domain::hazard_flow::HazardState;
use crate::domain::inspection::HazardLevel;
use crate::domain::role::Role;
use crate::domain::scoring::{
    self, DEADLINE_STATES, Facts, Label, OPEN_STATES, Rules, RulesOrigin, TIMELY_WINDOW_DAYS,
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, hazard, label_rule, region, score_history};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged};
use crate::state::Core;

/// Reasons written into the history by this module.
pub const REASON_RULES: &str = "rules.changed";
pub const REASON_DAILY: &str = "daily";
pub const REASON_SEED: &str = "seed.demo";
/// A hazard was found at the enterprise (the other hazard events: [`reason_of`]).
pub const REASON_REPORTED: &str = "hazard.reported";

/// The history reason of a step in the closed loop, from its event code (an action's code, or
/// `review_pass` / `review_fail` for the bureau's 核销 of a major hazard), e.g.
/// "hazard.acknowledge". Pages show the message `labels.reason_<reason, '_' for '.'>`
/// ([`reason_message_key`]); the catalogs hold one for every reason (tested below).
pub fn reason_of(event_code: &str) -> String {
    format!("hazard.{event_code}")
}

/// The catalog key of a history reason's text.
pub fn reason_message_key(reason: &str) -> String {
    format!("labels.reason_{}", reason.replace('.', "_"))
}

// ---------------------------------------------------------------------------------------------
// Rules

/// Every rule row, as `(region path, rules)`.
async fn all_rules<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<(String, Rules)>> {
    let rows = label_rule::Entity::find().all(conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let regions = rows.load_one(region::Entity, conn).await?;
    Ok(rows
        .iter()
        .zip(regions)
        .filter_map(|(r, region)| Some((region?.path, stored(r)?)))
        .collect())
}

fn stored(r: &label_rule::Model) -> Option<Rules> {
    Rules::from_stored([
        r.base,
        r.per_general,
        r.per_major,
        r.per_overdue_day,
        r.timely_bonus,
        r.green_min,
        r.yellow_min,
    ])
}

/// The rules that apply to an enterprise or region at `region_path`.
pub async fn rules_for<C: ConnectionTrait>(conn: &C, region_path: &str) -> AppResult<Rules> {
    Ok(scoring::effective(region_path, &all_rules(conn).await?).0)
}

// ---------------------------------------------------------------------------------------------
// Facts

/// `SUM(CASE WHEN cond THEN value ELSE 0 END)`.
fn sum_where(cond: Condition, value: SimpleExpr) -> SimpleExpr {
    Func::sum(Expr::case(cond, value).finally(Expr::val(0i32))).into()
}

fn open() -> Condition {
    Condition::all().add(hazard::Column::State.is_in(OPEN_STATES.iter().copied()))
}

/// Days from the deadline to `today`, in the database's own date arithmetic. The date is
/// written into the SQL as a literal (a `NaiveDate` prints as digits and dashes only).
fn days_overdue(backend: DbBackend, today: NaiveDate) -> SimpleExpr {
    let today = today.format("%Y-%m-%d");
    match backend {
        DbBackend::Postgres => Expr::cust(format!("(DATE '{today}' - \"deadline\")")),
        _ => Expr::cust(format!(
            "CAST(julianday('{today}') - julianday(\"deadline\") AS INTEGER)"
        )),
    }
}

/// Closed on or before the deadline day: the local date of `closed_at`, in the portal's zone
/// (PostgreSQL by the zone's name; SQLite, which knows no zones, by its offset now). A zone
/// name holds only letters, digits and `/_+-`, so it is safe as a literal.
fn closed_by_deadline(backend: DbBackend, calendar: &Calendar) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            "CAST(\"closed_at\" AT TIME ZONE '{}' AS DATE) <= \"deadline\"",
            calendar.zone().name()
        )),
        _ => {
            let offset = calendar.now_local().offset().fix().local_minus_utc();
            Expr::cust(format!(
                "date(\"closed_at\", '{offset:+} seconds') <= \"deadline\""
            ))
        }
    }
}

type FactRow = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// The facts of every enterprise with relevant hazards among those `which` selects, in one
/// grouped query. Enterprises without any are absent (their facts are all zero).
async fn facts_where<C: ConnectionTrait>(
    conn: &C,
    calendar: &Calendar,
    which: Condition,
) -> AppResult<HashMap<i64, Facts>> {
    let backend = conn.get_database_backend();
    let now = calendar.now();
    let today = calendar.today();
    let since = now - Duration::days(TIMELY_WINDOW_DAYS);
    let one = || SimpleExpr::from(Expr::val(1i32));
    let level = |l: HazardLevel| open().add(hazard::Column::Level.eq(l));
    let overdue = Condition::all()
        .add(hazard::Column::State.is_in(DEADLINE_STATES.iter().copied()))
        .add(hazard::Column::Deadline.lt(today));
    let timely = Condition::all()
        .add(hazard::Column::State.eq(HazardState::Closed))
        .add(hazard::Column::ClosedAt.gte(since))
        .add(closed_by_deadline(backend, calendar));
    let rows: Vec<FactRow> = hazard::Entity::find()
        .select_only()
        .column(hazard::Column::EnterpriseId)
        .column_as(
            sum_where(level(HazardLevel::General), one()),
            "open_general",
        )
        .column_as(sum_where(level(HazardLevel::Major), one()), "open_major")
        .column_as(
            sum_where(overdue, days_overdue(backend, today)),
            "overdue_days",
        )
        .column_as(sum_where(timely, one()), "timely")
        .filter(which)
        .filter(
            Condition::any().add(open()).add(
                Condition::all()
                    .add(hazard::Column::State.eq(HazardState::Closed))
                    .add(hazard::Column::ClosedAt.gte(since)),
            ),
        )
        .group_by(hazard::Column::EnterpriseId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, g, m, d, t)| {
            let facts = Facts {
                open_general: g.unwrap_or(0),
                open_major: m.unwrap_or(0),
                overdue_days: d.unwrap_or(0),
                timely_closures: t.unwrap_or(0),
            };
            (id, facts)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Recomputing

/// An enterprise's stored score before recomputing.
type Current = (i64, String, Option<i32>, Option<String>);

/// Writes the new scores of those enterprises whose score or label changed (or that had none)
/// and their history rows. Returns how many changed.
async fn apply<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    reason: &str,
    current: Vec<Current>,
    facts: &HashMap<i64, Facts>,
    rules: &[(String, Rules)],
) -> AppResult<u64> {
    let mut by_path: HashMap<String, Rules> = HashMap::new();
    let mut changed: HashMap<(i32, Label), Vec<i64>> = HashMap::new();
    let mut history = Vec::new();
    for (id, path, old_score, old_label) in current {
        let r = *by_path
            .entry(path)
            .or_insert_with_key(|p| scoring::effective(p, rules).0);
        let s = scoring::score(&r, &facts.get(&id).copied().unwrap_or_default());
        let l = scoring::label(&r, s);
        if old_score == Some(s) && old_label.as_deref() == Some(l.as_str()) {
            continue;
        }
        changed.entry((s, l)).or_default().push(id);
        history.push(score_history::ActiveModel {
            enterprise_id: Set(id),
            score: Set(s),
            label: Set(l.as_str().into()),
            reason: Set(reason.chars().take(64).collect()),
            at: Set(now),
            ..Default::default()
        });
    }
    for ((s, l), ids) in &changed {
        for chunk in ids.chunks(500) {
            enterprise::Entity::update_many()
                .col_expr(enterprise::Column::Score, Expr::val(*s))
                .col_expr(enterprise::Column::Label, Expr::val(l.as_str()))
                .filter(enterprise::Column::Id.is_in(chunk.iter().copied()))
                .exec(conn)
                .await?;
        }
    }
    let count = history.len() as u64;
    let mut rows = history.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        score_history::Entity::insert_many(chunk).exec(conn).await?;
    }
    Ok(count)
}

/// Scores one enterprise again, inside the caller's transaction. `reason` names the event
/// (such as "hazard.closed") and goes into the history when the score or label changes.
pub async fn recompute<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    enterprise_id: i64,
    reason: &str,
) -> AppResult<()> {
    let current: Vec<Current> = enterprise::Entity::find_by_id(enterprise_id)
        .select_only()
        .columns([
            enterprise::Column::Id,
            enterprise::Column::RegionPath,
            enterprise::Column::Score,
            enterprise::Column::Label,
        ])
        .into_tuple()
        .all(conn)
        .await?;
    if current.is_empty() {
        return Err(AppError::NotFound);
    }
    let now = core.now();
    let which = Condition::all().add(hazard::Column::EnterpriseId.eq(enterprise_id));
    let facts = facts_where(conn, &core.calendar, which).await?;
    apply(conn, now, reason, current, &facts, &all_rules(conn).await?).await?;
    Ok(())
}

/// Scores every enterprise under `region_path` ("/" for all) again: after a rule change and in
/// the daily run. Returns how many scores or labels changed.
pub async fn recompute_all<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    region_path: &str,
    reason: &str,
) -> AppResult<u64> {
    let current: Vec<Current> = enterprise::Entity::find()
        .select_only()
        .columns([
            enterprise::Column::Id,
            enterprise::Column::RegionPath,
            enterprise::Column::Score,
            enterprise::Column::Label,
        ])
        .filter(scope::in_subtree(
            enterprise::Column::RegionPath,
            region_path,
        ))
        .into_tuple()
        .all(conn)
        .await?;
    let now = core.now();
    let which = Condition::all().add(
        hazard::Column::EnterpriseId.in_subquery(
            Query::select()
                .column(enterprise::Column::Id)
                .from(enterprise::Entity)
                .and_where(scope::in_subtree(
                    enterprise::Column::RegionPath,
                    region_path,
                ))
                .to_owned(),
        ),
    );
    let facts = facts_where(conn, &core.calendar, which).await?;
    apply(conn, now, reason, current, &facts, &all_rules(conn).await?).await
}

/// The daily run: overdue days grow, so every score is looked at again, in one transaction.
pub async fn daily(core: &Core) -> AppResult<u64> {
    let txn = begin_write(&core.db).await?;
    let n = recompute_all(&txn, core, "/", REASON_DAILY).await?;
    txn.commit().await?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// The bureau's page: rules, distribution, setting

/// How many enterprises carry each label.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Distribution {
    pub green: u64,
    pub yellow: u64,
    pub red: u64,
    /// Not scored yet.
    pub unscored: u64,
    pub total: u64,
}

impl Distribution {
    fn add(&mut self, label: Option<&str>, n: u64) {
        match label.and_then(Label::parse) {
            Some(Label::Green) => self.green += n,
            Some(Label::Yellow) => self.yellow += n,
            Some(Label::Red) => self.red += n,
            None => self.unscored += n,
        }
        self.total += n;
    }
}

/// One region's rules and the labels of its enterprises.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionLabels {
    pub code: String,
    pub name: String,
    /// The rules that apply.
    pub rules: Rules,
    /// Set on this region, inherited from an ancestor, or the defaults.
    pub origin: RulesOrigin,
    /// What would apply without this region's own rules (from above, or the defaults).
    pub inherited: Rules,
    pub inherited_origin: RulesOrigin,
    /// Enterprises of the region and below, by label.
    pub distribution: Distribution,
}

/// The caller's region (or the one asked for inside it) and its child regions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabelsOverview {
    pub region: RegionLabels,
    pub children: Vec<RegionLabels>,
    /// The rules where nobody set any.
    pub defaults: Rules,
    /// Who last set this region's own rules, and when.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub set_at: Option<DateTime<Utc>>,
}

/// The region a bureau officer asks about: its own, or the one with `code` inside its
/// jurisdiction; for the admin the city (the first root region) or any. Others: 404.
async fn region_of<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    code: Option<&str>,
) -> AppResult<region::Model> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let found = match (scope, code) {
        (Scope::Region { .. } | Scope::System, Some(code)) => {
            region::Entity::find()
                .filter(region::Column::Code.eq(code))
                .filter(scope::participation_regions(scope))
                .one(conn)
                .await?
        }
        (Scope::Region { region_id, .. }, None) => {
            region::Entity::find_by_id(*region_id).one(conn).await?
        }
        (Scope::System, None) => {
            region::Entity::find()
                .filter(region::Column::ParentId.is_null())
                .order_by_asc(region::Column::Code)
                .one(conn)
                .await?
        }
        _ => None,
    };
    found.ok_or(AppError::NotFound)
}

fn region_labels(
    r: &region::Model,
    rules: &[(String, Rules)],
    counts: &[(String, Option<String>, i64)],
) -> RegionLabels {
    let (applies, origin) = scoring::effective(&r.path, rules);
    let above: Vec<(String, Rules)> = rules
        .iter()
        .filter(|(p, _)| *p != r.path)
        .cloned()
        .collect();
    let (inherited, inherited_origin) = scoring::effective(&r.path, &above);
    let mut distribution = Distribution::default();
    for (path, label, n) in counts {
        if path.starts_with(&r.path) {
            distribution.add(label.as_deref(), u64::try_from(*n).unwrap_or(0));
        }
    }
    RegionLabels {
        code: r.code.clone(),
        name: r.name.clone(),
        rules: applies,
        origin,
        inherited,
        inherited_origin,
        distribution,
    }
}

/// The rules and label distribution of the caller's region (or of `code` inside it) and of
/// each child region: bureau officers and the admin; anyone else 404.
pub async fn overview(core: &Core, scope: &Scope, code: Option<&str>) -> AppResult<LabelsOverview> {
    let root = region_of(&core.db, scope, code).await?;
    let children = region::Entity::find()
        .filter(region::Column::ParentId.eq(root.id))
        .order_by_asc(region::Column::Code)
        .all(&core.db)
        .await?;
    let rules = all_rules(&core.db).await?;
    let counts: Vec<(String, Option<String>, i64)> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::RegionPath)
        .column(enterprise::Column::Label)
        .column_as(Expr::col(enterprise::Column::Id).count(), "n")
        .filter(scope::in_subtree(
            enterprise::Column::RegionPath,
            &root.path,
        ))
        .group_by(enterprise::Column::RegionPath)
        .group_by(enterprise::Column::Label)
        .into_tuple()
        .all(&core.db)
        .await?;
    let set_at = label_rule::Entity::find_by_id(root.id)
        .one(&core.db)
        .await?
        .map(|r| r.set_at);
    Ok(LabelsOverview {
        region: region_labels(&root, &rules, &counts),
        children: children
            .iter()
            .map(|c| region_labels(c, &rules, &counts))
            .collect(),
        defaults: Rules::default(),
        set_at,
    })
}

/// The rules as given: one value per field in `Rules::FIELDS` order, `None` where what was
/// typed is not a whole number.
pub type RulesValues = [Option<i64>; 7];

/// What a rule change did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulesSet {
    pub region_code: String,
    pub region_name: String,
    pub rules: Rules,
    /// The region's own rules before, if it had any.
    pub previous: Option<Rules>,
    /// Enterprises whose score or label changed with it.
    pub recomputed: u64,
    #[schema(value_type = String, format = DateTime)]
    pub set_at: DateTime<Utc>,
}

/// Sets the scoring rules of a region (the officer's own when `code` is `None`, or one below
/// it): bureau officers only, inside their jurisdiction (a region above or beside it is 404).
/// The rules, the new scores of the region's enterprises, their history and the audit record
/// are written in one transaction.
pub async fn set_rules(
    core: &Core,
    actor: &Actor,
    code: Option<&str>,
    values: RulesValues,
) -> AppResult<RulesSet> {
    let caller = &actor.caller;
    if caller.role != Role::Regulator || !matches!(caller.scope, Scope::Region { .. }) {
        return Err(AppError::Forbidden);
    }
    let region = region_of(&core.db, &caller.scope, code).await?;
    let rules = Rules::build(values).map_err(|errs| {
        let mut errors = FieldErrors::default();
        for (field, key) in errs {
            errors.add(field, key);
        }
        AppError::Validation(errors)
    })?;
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let previous = label_rule::Entity::find_by_id(region.id)
        .one(&txn)
        .await?
        .as_ref()
        .and_then(stored);
    label_rule::Entity::insert(label_rule::ActiveModel {
        region_id: Set(region.id),
        base: Set(rules.base),
        per_general: Set(rules.per_general),
        per_major: Set(rules.per_major),
        per_overdue_day: Set(rules.per_overdue_day),
        timely_bonus: Set(rules.timely_bonus),
        green_min: Set(rules.green_min),
        yellow_min: Set(rules.yellow_min),
        set_by: Set(Some(caller.user_id)),
        set_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(label_rule::Column::RegionId)
            .update_columns([
                label_rule::Column::Base,
                label_rule::Column::PerGeneral,
                label_rule::Column::PerMajor,
                label_rule::Column::PerOverdueDay,
                label_rule::Column::TimelyBonus,
                label_rule::Column::GreenMin,
                label_rule::Column::YellowMin,
                label_rule::Column::SetBy,
                label_rule::Column::SetAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    let recomputed = recompute_all(&txn, core, &region.path, REASON_RULES).await?;
    let show = |r: &Rules| format!("{:?}", r.values());
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "labels.rules.set",
        Some(("region", region.code.clone())),
        Outcome::Success,
        Some(format!(
            "{} -> {}; {recomputed} enterprises relabelled",
            previous.as_ref().map_or_else(|| "none".into(), show),
            show(&rules)
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(RulesSet {
        region_code: region.code,
        region_name: region.name,
        rules,
        previous,
        recomputed,
        set_at: now,
    })
}

// ---------------------------------------------------------------------------------------------
// An enterprise's score and history

/// One entry of an enterprise's score history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreEntry {
    pub score: i32,
    /// `green`, `yellow` or `red`.
    pub label: String,
    /// What caused it: an event such as `hazard.closed`, or `rules.changed`, `daily`.
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
}

/// An enterprise's current score and label with its history, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseScores {
    pub enterprise_id: i64,
    pub score: Option<i32>,
    pub label: Option<String>,
    pub history: Paged<ScoreEntry>,
}

/// The score, label and history (a page of it, newest first) of an enterprise the caller may
/// see; 404 otherwise.
pub async fn scores(
    core: &Core,
    scope: &Scope,
    enterprise_id: i64,
    page: PageParams,
) -> AppResult<EnterpriseScores> {
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .filter(scope::enterprises(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let q = score_history::Entity::find()
        .filter(score_history::Column::EnterpriseId.eq(e.id))
        .order_by_desc(score_history::Column::At)
        .order_by_desc(score_history::Column::Id);
    let key = Key::new("scores")
        .desc(score_history::Column::At)
        .desc(score_history::Column::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    let items = rows
        .into_iter()
        .map(|h| ScoreEntry {
            score: h.score,
            label: h.label,
            reason: h.reason,
            at: h.at,
        })
        .collect();
    Ok(EnterpriseScores {
        enterprise_id: e.id,
        score: e.score,
        label: e.label,
        history: info.with(items),
    })
}

/// The 一企一档 section: the current label and the latest 20 history entries.
pub async fn file_section(
    core: &Core,
    scope: &Scope,
    enterprise_id: i64,
) -> AppResult<EnterpriseScores> {
    let latest = PageParams::first(20);
    scores(core, scope, enterprise_id, latest).await
}

#[cfg(test)]
mod reason_tests {
    use super::*;
    use crate::domain::hazard_flow::Action;
    use crate::i18n::{Lang, t};

    #[test]
    fn every_history_reason_has_its_text_in_both_catalogs() {
        let mut reasons: Vec<String> = [REASON_RULES, REASON_DAILY, REASON_SEED, REASON_REPORTED]
            .iter()
            .map(|r| r.to_string())
            .collect();
        reasons.extend(Action::ALL.iter().map(|a| reason_of(a.as_str())));
        reasons.extend(["review_pass", "review_fail"].map(reason_of));
        for reason in reasons {
            let key = reason_message_key(&reason);
            for lang in [Lang::ZhCn, Lang::En] {
                assert_ne!(t(lang, &key), key, "no {lang:?} text for reason {reason}");
            }
        }
    }
}
