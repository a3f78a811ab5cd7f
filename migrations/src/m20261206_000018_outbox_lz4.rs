//! PostgreSQL compresses the email bodies of the outbox with lz4 where the server has it: a
//! city-wide notice queues 20,000 bodies of a few kilobytes in its publish transaction, and the
//! default pglz compression took about ten times as long as lz4 for them (measured with the
//! `notice_fanout` bench, `tests/bench/RESULTS.md`). A server built without lz4 keeps pglz.
//! SQLite stores text as it is: nothing to do.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Whether the server offers lz4 for TOAST compression.
async fn has_lz4(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let row = manager
        .get_connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT 1 AS yes FROM pg_settings \
             WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
        ))
        .await?;
    Ok(row.is_some())
}

async fn set(manager: &SchemaManager<'_>, method: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres || !has_lz4(manager).await? {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "ALTER TABLE email_outbox \
             ALTER COLUMN body_text SET COMPRESSION {method}, \
             ALTER COLUMN body_html SET COMPRESSION {method}"
        ))
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set(manager, "lz4").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set(manager, "pglz").await
    }
}
