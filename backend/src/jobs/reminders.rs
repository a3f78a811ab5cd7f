//! Deadlines, on a schedule: reminders to the enterprise N days before (`loop.remind_days`),
//! a notice to the committee at the deadline (the bureau for a major hazard), and escalation
//! onto the bureau's supervision list (挂牌督办) after `loop.escalate_after_days` days overdue,
//! or at once for an overdue major hazard. "Today" is the injected clock's UTC date.
//!
//! Exactly once, with several instances on one database: every reminder is a row of
//! `hazard_reminders`, unique per (hazard, kind, deadline). A worker inserts that row first
//! with ON CONFLICT DO NOTHING and writes the notices (and the listing) only when its insert
//! went in, all in one transaction. A second worker's insert waits on the unique index until the
//! first commits, then inserts nothing (PostgreSQL); SQLite's write lock serialises the same.
//! An extension changes the deadline, so the new deadline gets its own reminders.
//!
//! Candidates are read in id-ordered batches with indexed conditions only (state in the
//! running states, deadline ≤ today + the largest N); reminders already sent for a batch are
//! read in one query, so a steady state writes nothing.

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, LoaderTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, sea_query::OnConflict,
};
use serde::Serialize;

use crate::config::LoopSettings;
use crate::db::begin_write;
use crate::domain::hazard_flow;
use crate::domain::inspection::HazardLevel;
use crate::error::AppResult;
use crate::models::{enterprise, hazard, hazard_reminder};
use crate::services::notify::{self, Notice};
use crate::services::supervision;
use crate::state::Core;

/// Hazards read at a time.
const BATCH: u64 = 500;

/// Kind of the reminder row at the deadline (the committee is told).
pub const KIND_DUE: &str = "due";
/// Kind of the reminder row of an escalation onto the supervision list.
pub const KIND_ESCALATED: &str = "escalated";

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReminderReport {
    /// Candidate hazards looked at.
    pub scanned: u64,
    /// Reminders sent to enterprises before a deadline.
    pub reminded: u64,
    /// Deadlines reached (committee or bureau told).
    pub due: u64,
    /// Escalations of overdue hazards (the bureau told).
    pub escalated: u64,
    /// Of those, hazards newly put on the supervision list.
    pub listed: u64,
}

/// A reminder that falls due for a hazard today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// `before_<n>`: the enterprise is reminded, `days_left` before the deadline.
    Before { n: u32, days_left: i64 },
    /// At (or past) the deadline: the committee, or the bureau for a major hazard.
    AtDeadline,
    /// Escalation onto the supervision list, `days_overdue` past the deadline.
    Escalate { days_overdue: i64 },
}

impl Due {
    pub fn kind(&self) -> String {
        match self {
            Due::Before { n, .. } => format!("before_{n}"),
            Due::AtDeadline => KIND_DUE.into(),
            Due::Escalate { .. } => KIND_ESCALATED.into(),
        }
    }
}

/// The reminder days in force: positive, largest first, each once.
fn remind_days(settings: &LoopSettings) -> Vec<u32> {
    let mut days: Vec<u32> = settings
        .remind_days
        .iter()
        .copied()
        .filter(|d| *d > 0)
        .collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
}

/// What falls due today for a hazard whose deadline runs. Of the "before" reminders only the
/// most urgent one that applies is sent (a hazard found two days before its deadline gets the
/// 3-day reminder now and the 1-day one tomorrow; after a missed day no backlog is sent).
pub fn due_today(
    settings: &LoopSettings,
    level: HazardLevel,
    deadline: NaiveDate,
    today: NaiveDate,
) -> Vec<Due> {
    let days_left = (deadline - today).num_days();
    let mut out = Vec::new();
    if days_left > 0 {
        if let Some(n) = remind_days(settings)
            .into_iter()
            .rfind(|n| days_left <= i64::from(*n))
        {
            out.push(Due::Before { n, days_left });
        }
        return out;
    }
    out.push(Due::AtDeadline);
    let days_overdue = -days_left;
    let escalates = match level {
        HazardLevel::Major => days_overdue >= 1,
        HazardLevel::General => days_overdue >= i64::from(settings.escalate_after_days.max(1)),
    };
    if escalates {
        out.push(Due::Escalate { days_overdue });
    }
    out
}

/// One pass over every hazard whose deadline runs.
pub async fn run_once(core: &Core) -> AppResult<ReminderReport> {
    let settings = &core.settings.closed_loop;
    let today = core.today();
    let horizon = today
        .checked_add_days(Days::new(u64::from(
            remind_days(settings).first().copied().unwrap_or(0),
        )))
        .unwrap_or(today);
    let states = supervision::running_states();
    let mut report = ReminderReport::default();
    let mut after = 0_i64;
    loop {
        let batch = hazard::Entity::find()
            .filter(hazard::Column::State.is_in(states.iter().copied()))
            .filter(hazard::Column::Deadline.lte(horizon))
            .filter(hazard::Column::Id.gt(after))
            .order_by_asc(hazard::Column::Id)
            .limit(BATCH)
            .all(&core.db)
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.id;
        report.scanned += batch.len() as u64;
        let sent: HashSet<(i64, String, NaiveDate)> = hazard_reminder::Entity::find()
            .filter(hazard_reminder::Column::HazardId.is_in(batch.iter().map(|h| h.id)))
            .all(&core.db)
            .await?
            .into_iter()
            .map(|r| (r.hazard_id, r.kind, r.deadline))
            .collect();
        let mut enterprises: Option<Vec<Option<enterprise::Model>>> = None;
        for (at, h) in batch.iter().enumerate() {
            for due in due_today(settings, h.level, h.deadline, today) {
                if sent.contains(&(h.id, due.kind(), h.deadline)) {
                    continue;
                }
                if enterprises.is_none() {
                    enterprises = Some(batch.load_one(enterprise::Entity, &core.db).await?);
                }
                let name = enterprises
                    .as_ref()
                    .and_then(|e| e.get(at)?.as_ref())
                    .map(|e| e.name.clone())
                    .unwrap_or_default();
                if let Some(listed) = send(core, h, &due, &name).await? {
                    match due {
                        Due::Before { .. } => report.reminded += 1,
                        Due::AtDeadline => report.due += 1,
                        Due::Escalate { .. } => {
                            report.escalated += 1;
                            report.listed += u64::from(listed);
                        }
                    }
                }
            }
        }
        if (batch.len() as u64) < BATCH {
            break;
        }
    }
    Ok(report)
}

/// Sends one reminder in its own transaction: `None` when another worker already did (or the
/// hazard moved on meanwhile), else `Some(newly listed)`.
async fn send(
    core: &Core,
    h: &hazard::Model,
    due: &Due,
    enterprise: &str,
) -> AppResult<Option<bool>> {
    let txn = begin_write(&core.db).await?;
    let inserted = hazard_reminder::Entity::insert(hazard_reminder::ActiveModel {
        hazard_id: Set(h.id),
        kind: Set(due.kind()),
        deadline: Set(h.deadline),
        sent_at: Set(core.now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            hazard_reminder::Column::HazardId,
            hazard_reminder::Column::Kind,
            hazard_reminder::Column::Deadline,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(None);
    }
    // The hazard as it is now: a transition or an extension since the batch was read means
    // this reminder is no longer due (the rollback takes the row back). Locked on PostgreSQL
    // (SQLite's write transaction holds the database), so a listing never lands on a hazard
    // a concurrent verification is closing.
    let mut q = hazard::Entity::find_by_id(h.id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let current = q.one(&txn).await?;
    let still_due = current
        .as_ref()
        .is_some_and(|c| hazard_flow::deadline_runs(c.state) && c.deadline == h.deadline);
    let Some(current) = current.filter(|_| still_due) else {
        txn.rollback().await?;
        return Ok(None);
    };
    let listed = deliver(&txn, core, &current, due, enterprise).await?;
    txn.commit().await?;
    Ok(Some(listed))
}

fn notice(kind: &'static str, h: &hazard::Model, enterprise: &str, days: i64) -> Notice {
    Notice {
        kind,
        hazard_id: Some(h.id),
        link: Some(format!("/hazards/{}", h.id)),
        params: vec![
            ("hazard", h.title.clone()),
            ("enterprise", enterprise.to_string()),
            ("deadline", h.deadline.to_string()),
            ("days", days.to_string()),
        ],
    }
}

/// The notices (and the listing) of one reminder; whether the hazard was newly listed.
async fn deliver<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
    due: &Due,
    enterprise: &str,
) -> AppResult<bool> {
    let major = h.level == HazardLevel::Major;
    match due {
        Due::Before { days_left, .. } => {
            let to = notify::enterprise_users(conn, h.enterprise_id).await?;
            let n = notice("deadline_soon", h, enterprise, *days_left);
            notify::notify(conn, core, &to, &n).await?;
            Ok(false)
        }
        Due::AtDeadline => {
            let to = if major {
                notify::bureau_users(conn, &h.region_path).await?
            } else if let Some(alliance) = h.alliance_id {
                notify::committee_users(conn, alliance).await?
            } else {
                notify::member_committee_users(conn, h.enterprise_id).await?
            };
            let n = notice("deadline_due", h, enterprise, 0);
            notify::notify(conn, core, &to, &n).await?;
            Ok(false)
        }
        Due::Escalate { days_overdue } => {
            if supervision::escalate(conn, core, h).await?.is_some() {
                return Ok(true);
            }
            // Listed already (a major hazard from the start): the bureau is told it is late.
            let to = notify::bureau_users(conn, &h.region_path).await?;
            let n = notice("supervision_overdue", h, enterprise, *days_overdue);
            notify::notify(conn, core, &to, &n).await?;
            Ok(false)
        }
    }
}

/// Starts the scheduled work of this instance (unless `loop.jobs_enabled` is off): every
/// `loop.job_interval_secs` a reminder pass, and once a day the labels' daily recomputation
/// (overdue days grow). Safe on several instances at once.
pub fn spawn(core: &Core) -> Option<tokio::task::JoinHandle<()>> {
    let settings = &core.settings.closed_loop;
    if !settings.jobs_enabled {
        return None;
    }
    let every = std::time::Duration::from_secs(settings.job_interval_secs.max(1));
    let core = core.clone();
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut labels_day: Option<NaiveDate> = None;
        loop {
            ticks.tick().await;
            match run_once(&core).await {
                Ok(r) if r != ReminderReport::default() => {
                    tracing::info!(?r, "deadline reminders");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline reminders failed"),
            }
            let today = core.today();
            if labels_day != Some(today) {
                match crate::services::labels::daily(&core).await {
                    Ok(changed) => {
                        labels_day = Some(today);
                        tracing::info!(changed, "daily label recomputation");
                    }
                    Err(e) => tracing::warn!(error = %e, "daily label recomputation failed"),
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn kinds(level: HazardLevel, today: &str) -> Vec<String> {
        due_today(
            &LoopSettings::default(),
            level,
            day("2026-12-24"),
            day(today),
        )
        .iter()
        .map(Due::kind)
        .collect()
    }

    #[test]
    fn the_enterprise_is_reminded_three_days_and_one_day_before() {
        assert!(kinds(HazardLevel::General, "2026-12-20").is_empty());
        assert_eq!(kinds(HazardLevel::General, "2026-12-21"), ["before_3"]);
        assert_eq!(kinds(HazardLevel::General, "2026-12-22"), ["before_3"]);
        assert_eq!(kinds(HazardLevel::General, "2026-12-23"), ["before_1"]);
    }

    #[test]
    fn the_deadline_tells_the_committee_and_a_week_late_escalates() {
        assert_eq!(kinds(HazardLevel::General, "2026-12-24"), ["due"]);
        assert_eq!(kinds(HazardLevel::General, "2026-12-30"), ["due"]);
        assert_eq!(
            kinds(HazardLevel::General, "2026-12-31"),
            ["due", "escalated"]
        );
    }

    #[test]
    fn an_overdue_major_hazard_escalates_at_once() {
        assert_eq!(kinds(HazardLevel::Major, "2026-12-24"), ["due"]);
        assert_eq!(
            kinds(HazardLevel::Major, "2026-12-25"),
            ["due", "escalated"]
        );
    }

    #[test]
    fn reminder_days_come_from_the_settings() {
        let s = LoopSettings {
            remind_days: vec![1, 5, 0, 5],
            escalate_after_days: 2,
            ..LoopSettings::default()
        };
        assert_eq!(remind_days(&s), [5, 1]);
        let at = |today: &str| -> Vec<String> {
            due_today(&s, HazardLevel::General, day("2026-12-24"), day(today))
                .iter()
                .map(Due::kind)
                .collect()
        };
        assert_eq!(at("2026-12-19"), ["before_5"]);
        assert_eq!(at("2026-12-23"), ["before_1"]);
        assert_eq!(at("2026-12-26"), ["due", "escalated"]);
    }
}
