//! The orphan sweep: deletes stored files that no attachment row refers to. A photo's blobs
//! are written before the transaction that inserts its row; when that transaction fails the
//! upload deletes them again (`services::files::discard`), but a process killed in between
//! (`kill -9`, a power cut) leaves them behind. This job finds them.
//!
//! A file is swept only when it is older than `storage.orphan_grace_secs` (default a day), so
//! an upload in flight, whose row is about to commit, is never touched; and only when none of
//! an attachment's keys (original, public copy, thumbnail) names it, nor a publication's PDF
//! (`publication_files`). Safe on several instances at once: deleting a file twice is
//! harmless, and a referenced file is never a candidate. The storage is walked one first-level folder (`00` … `ff`) at a time. The
//! temporary file of a local write killed half-way (`<key>.tmpXXXXXXXX`) is deleted after
//! the same grace period.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::error::AppResult;
use crate::models::{attachment, publication_file};
use crate::state::Core;

/// Keys checked against the attachments in one query.
const BATCH: usize = 300;
/// How often an instance sweeps.
const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Files looked at.
    pub listed: u64,
    /// Files older than the grace period that no attachment refers to, deleted.
    pub deleted: u64,
    /// Orphans whose deletion failed (tried again next time).
    pub failed: u64,
    /// Temporary files of writes killed half-way, deleted.
    pub partial: u64,
}

/// Files last written before this time may be swept.
pub fn cutoff(now: DateTime<Utc>, grace_secs: u64) -> DateTime<Utc> {
    let grace = i64::try_from(grace_secs)
        .ok()
        .and_then(Duration::try_seconds)
        .unwrap_or(Duration::MAX);
    now.checked_sub_signed(grace)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The keys of `keys` that some attachment row refers to.
async fn referenced(core: &Core, keys: &[String]) -> AppResult<HashSet<String>> {
    use attachment::Column as A;
    let rows: Vec<(String, Option<String>, Option<String>)> = attachment::Entity::find()
        .select_only()
        .columns([A::StorageKey, A::PublicKey, A::ThumbKey])
        .filter(
            Condition::any()
                .add(A::StorageKey.is_in(keys.iter().cloned()))
                .add(A::PublicKey.is_in(keys.iter().cloned()))
                .add(A::ThumbKey.is_in(keys.iter().cloned())),
        )
        .into_tuple()
        .all(&core.db)
        .await?;
    // A publication's PDFs (法律法规 attachments) live in the same storage.
    let pdfs: Vec<String> = publication_file::Entity::find()
        .select_only()
        .column(publication_file::Column::StorageKey)
        .filter(publication_file::Column::StorageKey.is_in(keys.iter().cloned()))
        .into_tuple()
        .all(&core.db)
        .await?;
    Ok(rows
        .into_iter()
        .flat_map(|(o, p, t)| [Some(o), p, t])
        .flatten()
        .chain(pdfs)
        .collect())
}

/// One pass over the whole storage.
pub async fn sweep(core: &Core) -> AppResult<SweepReport> {
    let before = cutoff(core.now(), core.settings.storage.orphan_grace_secs);
    let mut report = SweepReport::default();
    for folder in 0..=u8::MAX {
        let prefix = format!("{folder:02x}");
        report.partial += core.storage.sweep_partial(&prefix, before).await?;
        let listed = core.storage.list(&prefix).await?;
        report.listed += listed.len() as u64;
        let old: Vec<String> = listed
            .into_iter()
            .filter(|o| o.modified < before)
            .map(|o| o.key)
            .collect();
        for batch in old.chunks(BATCH) {
            let keep = referenced(core, batch).await?;
            for key in batch.iter().filter(|k| !keep.contains(*k)) {
                match core.storage.delete(key).await {
                    Ok(()) => report.deleted += 1,
                    Err(e) => {
                        report.failed += 1;
                        tracing::warn!(error = %e, key, "could not delete an orphaned file");
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Sweeps every hour in this instance (unless `loop.jobs_enabled` is off), logging what it
/// deleted.
pub fn spawn(core: &Core) -> Option<tokio::task::JoinHandle<()>> {
    if !core.settings.closed_loop.jobs_enabled {
        return None;
    }
    let core = core.clone();
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep(&core).await {
                Ok(r) if r.deleted > 0 || r.failed > 0 || r.partial > 0 => {
                    tracing::info!(?r, "orphaned files swept");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "orphan sweep failed"),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_younger_than_the_grace_period_are_never_candidates() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T06:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let day_before = DateTime::parse_from_rfc3339("2026-12-02T06:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(cutoff(now, 86_400), day_before);
        assert_eq!(cutoff(now, 0), now);
        assert_eq!(
            cutoff(now, u64::MAX),
            DateTime::<Utc>::MIN_UTC,
            "no overflow"
        );
    }
}
