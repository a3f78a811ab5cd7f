//! The outbox sender: claims due emails, sends them outside any transaction, and records the
//! outcome on the row. A claim is a lease (`locked_until`) taken in a short transaction —
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite — so
//! several workers (in one process or in several instances) never send a row twice. A failed
//! attempt is retried with exponential backoff and given up after `email.max_attempts`; a
//! sent row is never picked again, so a restart does not resend. A worker that dies holding a
//! claim only delays those rows until the lease runs out.
//!
//! Every send has a deadline (`email.send_timeout_secs`, covering the whole SMTP conversation,
//! not only lettre's connect timeout), so a server that accepts and never answers costs one
//! failed attempt and never blocks the worker. The rows of one claim are sent concurrently, so
//! each is sent within one deadline of its claim, and the lease is derived from the deadline
//! with a margin: a row is never claimed again while it is still being sent.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::EmailSettings;
use crate::domain::notice::OutboxStatus;
use crate::error::AppResult;
use crate::jobs::mailer::{Mailer, Outgoing, SharedMailer};
use crate::models::email_outbox::{self, Column as C};
use crate::state::Core;

/// The deadline of one whole send.
pub fn send_deadline(settings: &EmailSettings) -> Duration {
    Duration::from_secs(settings.send_timeout_secs.max(1))
}

/// How long a claim holds a row: the send deadline plus a margin (as long again, at least a
/// minute) for recording the outcome, so the lease never runs out while the row is being sent.
pub fn lease(settings: &EmailSettings) -> chrono::Duration {
    let deadline = send_deadline(settings).as_secs();
    let secs = deadline.saturating_add(deadline.max(60));
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}

/// Wait before the next try after `attempts` failed tries: 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 6)).unwrap_or(0);
    chrono::Duration::minutes(2_i64.pow(exp).min(60))
}

fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(C::Status.eq(OutboxStatus::Pending))
        .add(C::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(C::LockedUntil.is_null())
                .add(C::LockedUntil.lte(now)),
        )
}

/// Claims up to `batch_size` due rows for this worker.
async fn claim(core: &Core) -> AppResult<Vec<email_outbox::Model>> {
    let now = core.now();
    // A plain read first, so an idle worker does not take SQLite's write lock every tick.
    if email_outbox::Entity::find()
        .filter(due(now))
        .count(&core.db)
        .await?
        == 0
    {
        return Ok(Vec::new());
    }
    let txn = crate::db::begin_write(&core.db).await?;
    let rows = email_outbox::Entity::find()
        .filter(due(now))
        .order_by_asc(C::NextAttemptAt)
        .order_by_asc(C::Id)
        .limit(core.settings.email.batch_size.max(1))
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if !rows.is_empty() {
        email_outbox::Entity::update_many()
            .col_expr(
                C::LockedUntil,
                Expr::value(now + lease(&core.settings.email)),
            )
            .filter(C::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows)
}

/// Sends one claimed row and records the outcome; `true` when it went out.
async fn deliver(core: &Core, mailer: &dyn Mailer, row: email_outbox::Model) -> AppResult<bool> {
    let email = Outgoing {
        to_address: row.to_address,
        to_name: row.to_name,
        subject: row.subject,
        body_text: row.body_text,
        body_html: row.body_html,
    };
    let deadline = send_deadline(&core.settings.email);
    let result = match tokio::time::timeout(deadline, mailer.send(&email)).await {
        Ok(result) => result,
        Err(_) => Err(format!("timed out after {} s", deadline.as_secs())),
    };
    let now = core.now();
    let attempts = row.attempts.saturating_add(1);
    let update = email_outbox::Entity::update_many()
        .col_expr(C::Attempts, Expr::value(attempts))
        .col_expr(C::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(row.id))
        .filter(C::Status.eq(OutboxStatus::Pending));
    let sent = result.is_ok();
    let update = match result {
        Ok(()) => update
            .col_expr(C::Status, Expr::value(OutboxStatus::Sent))
            .col_expr(C::SentAt, Expr::value(Some(now))),
        Err(error) => {
            let gave_up = attempts >= core.settings.email.max_attempts.max(1);
            tracing::warn!(id = row.id, attempts, gave_up, %error, "email not sent");
            let error: String = error.chars().take(2000).collect();
            update
                .col_expr(
                    C::Status,
                    Expr::value(if gave_up {
                        OutboxStatus::Failed
                    } else {
                        OutboxStatus::Pending
                    }),
                )
                .col_expr(C::LastError, Expr::value(Some(error)))
                .col_expr(C::NextAttemptAt, Expr::value(now + backoff(attempts)))
        }
    };
    update.exec(&core.db).await?;
    Ok(sent)
}

/// One pass: claims and sends what is due until nothing is; returns how many were sent.
pub async fn run_once(core: &Core, mailer: &dyn Mailer) -> AppResult<usize> {
    let mut sent = 0;
    // Failed rows move into the future and sent ones leave the queue, so this ends; the
    // bound only guards against a clock that jumps backwards mid-pass.
    for _ in 0..1000 {
        let rows = claim(core).await?;
        if rows.is_empty() {
            break;
        }
        // All rows of a claim at once: each ends within one deadline of the claim.
        let outcomes = join_all(rows.into_iter().map(|row| deliver(core, mailer, row))).await;
        for outcome in outcomes {
            if outcome? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// The background loop of `serve`: `run_once` every `email.worker_interval_secs`.
pub struct Worker {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Worker {
    pub fn spawn(core: Core, mailer: SharedMailer) -> Worker {
        let (stop, mut stopped) = watch::channel(false);
        let every = Duration::from_secs(core.settings.email.worker_interval_secs.max(1));
        let handle = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        match run_once(&core, mailer.as_ref()).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(sent = n, "outbox: emails sent"),
                            Err(e) => tracing::error!(error = %e, "outbox worker pass failed"),
                        }
                    }
                    _ = stopped.changed() => break,
                }
            }
        });
        Worker { stop, handle }
    }

    /// Stops after the pass in progress (waiting at most `grace`). A row claimed but not
    /// yet sent stays pending and is picked up again when its lease runs out.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let mut handle = self.handle;
        if tokio::time::timeout(grace, &mut handle).await.is_err() {
            handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{backoff, lease, send_deadline};
    use crate::config::EmailSettings;

    #[test]
    fn a_claim_lasts_longer_than_the_send_deadline_plus_a_margin() {
        for secs in [0, 1, 2, 30, 60, 600] {
            let settings = EmailSettings {
                send_timeout_secs: secs,
                ..EmailSettings::default()
            };
            let deadline = chrono::Duration::from_std(send_deadline(&settings)).expect("secs");
            assert!(
                deadline >= chrono::Duration::seconds(1),
                "{secs}: a deadline of 0 is 1 s"
            );
            assert!(
                lease(&settings) >= deadline + chrono::Duration::seconds(60),
                "{secs}: lease {:?}",
                lease(&settings)
            );
            assert!(lease(&settings) >= deadline * 2, "{secs}");
        }
        assert_eq!(EmailSettings::default().send_timeout_secs, 60);
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| backoff(a).num_minutes()).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
