//! The secondary indexes are built once after the bulk load instead of being kept up to date
//! row by row during it: each one sorted in a single pass is several times cheaper than
//! hundreds of thousands of B-tree inserts (on SQLite the read-path indexes of migration
//! 000019 doubled the load). The definitions are read from the schema the migrations made,
//! so nothing here repeats them; indexes that back a constraint (primary keys, `UNIQUE`
//! constraints, SQLite's automatic ones) stay, and so keep checking the rows as they arrive.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::sink::{self, Out};

/// A dropped index: its name and the statement that makes it again.
pub(crate) struct Saved {
    name: String,
    create: String,
}

/// The explicit secondary indexes of the schema (none backs a constraint).
async fn secondary<C: ConnectionTrait>(db: &C) -> Result<Vec<Saved>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT name, sql AS def FROM sqlite_master \
             WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE 'seaql_%' \
             ORDER BY name"
        }
        _ => {
            "SELECT ci.relname AS name, pg_get_indexdef(ix.indexrelid) AS def \
             FROM pg_index ix \
             JOIN pg_class ci ON ci.oid = ix.indexrelid \
             JOIN pg_class ct ON ct.oid = ix.indrelid \
             JOIN pg_namespace n ON n.oid = ct.relnamespace \
             WHERE n.nspname = current_schema() AND NOT ix.indisprimary \
               AND ct.relname NOT LIKE 'seaql_%' \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) \
             ORDER BY ci.relname"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Saved {
                name: r.try_get("", "name")?,
                create: r.try_get("", "def")?,
            })
        })
        .collect()
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Drops the secondary indexes and returns how to make them again.
pub(crate) async fn drop_secondary<C: ConnectionTrait>(db: &C) -> Result<Vec<Saved>, DbErr> {
    let saved = secondary(db).await?;
    for s in &saved {
        db.execute_unprepared(&format!("DROP INDEX {}", quoted(&s.name)))
            .await?;
    }
    Ok(saved)
}

/// Builds the dropped indexes again, on the generator's writer.
pub(crate) async fn restore(
    out: &mut Out<'_>,
    saved: &[Saved],
    progress: bool,
) -> Result<(), DbErr> {
    if let Out::Pg(c) = out {
        // Each index is sorted in memory rather than in temporary files (session only).
        sink::pg_exec(c, "SET maintenance_work_mem = '256MB'").await?;
    }
    let bar = if progress {
        let b =
            ProgressBar::with_draw_target(Some(saved.len() as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{msg:<22} {bar:40} {pos:>9}/{len:9} {elapsed:>4}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.set_message("indexes");
        b
    } else {
        ProgressBar::hidden()
    };
    for s in saved {
        out.exec(&s.create).await?;
        bar.inc(1);
    }
    bar.finish();
    Ok(())
}
