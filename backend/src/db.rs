//! Database connection for both engines. SQLite: a WAL file with a busy timeout, foreign keys
//! on, and write transactions started `BEGIN IMMEDIATE` so a reader never has to upgrade to a
//! writer mid-transaction ("database is locked"). PostgreSQL: a plain pool.
//!
//! Both: a request waits for a pooled connection at most `database.acquire_timeout_secs`;
//! every connection is tested before it is handed out, so after a database restart the pool
//! drops the dead ones and reconnects by itself. `is_unavailable` tells a database that is
//! gone or overloaded (answered 503, retry later) from a failing statement (a bug, 500).

use std::time::Duration;

use crate::config::Settings;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, RuntimeErr, SqliteTransactionMode, TransactionOptions, TransactionTrait, sqlx,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// How long a request waits for a pooled connection unless configured.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, ACQUIRE_TIMEOUT).await
}

/// `connect` as the settings say (`database.url`, `max_connections`, `acquire_timeout_secs`).
pub async fn connect_settings(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    connect_with(
        &settings.database_url(),
        settings.database.max_connections,
        Duration::from_secs(settings.database.acquire_timeout_secs),
    )
    .await
}

/// `connect` with the wait for a pooled connection bounded by `acquire_timeout`.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let acquire_timeout = acquire_timeout.max(Duration::from_secs(1));
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(acquire_timeout.min(Duration::from_secs(10)))
        .acquire_timeout(acquire_timeout)
        // A PostgreSQL connection may have been cut while idle (a restart, a proxy): pinged
        // before use. A SQLite connection is a file handle in this process: nothing to ping.
        .test_before_acquire(!url.starts_with("sqlite:"))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file(url)
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    }
    Database::connect(opts).await
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Starts a transaction that will write. On SQLite it takes the write lock up front.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// Whether `e` says the database is not there for now (connection refused or cut, the pool
/// exhausted or closed, the server shutting down or refusing connections, SQLite busy past
/// its timeout or its file unopenable) rather than that a statement is wrong.
pub fn is_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs (five characters): class 08 connection exceptions, 57P01
/// "terminating connection due to administrator command", 57P02 crash shutdown, 57P03
/// "the database system is starting up", 53300 too many connections. SQLite result codes
/// (numbers, extended ones included): BUSY, LOCKED, CANTOPEN.
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
    } else {
        code.parse::<u32>()
            .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 14))
    }
}

/// `SELECT 1`, for readiness.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};

    use super::is_unavailable;

    /// A database error with a code, as a driver reports it.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "error {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn exec(e: sqlx::Error) -> DbErr {
        DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
    }

    fn coded(code: &'static str) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Database(
            Box::new(Coded(code)),
        ))))
    }

    #[test]
    fn a_database_that_is_gone_or_busy_is_unavailable() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        for e in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::Internal("connection refused".into())),
            exec(sqlx::Error::Io(refused)),
            exec(sqlx::Error::PoolTimedOut),
            exec(sqlx::Error::PoolClosed),
            exec(sqlx::Error::Protocol("unexpected end of stream".into())),
            coded("57P01"), // terminating connection due to administrator command
            coded("57P03"), // the database system is starting up
            coded("08006"), // connection failure
            coded("5"),     // SQLITE_BUSY: database is locked
            coded("517"),   // SQLITE_BUSY_SNAPSHOT
            coded("14"),    // SQLITE_CANTOPEN
        ] {
            assert!(is_unavailable(&e), "{e}");
        }
    }

    #[test]
    fn a_failing_statement_is_not_unavailable() {
        for e in [
            coded("23505"), // unique violation
            coded("42P01"), // undefined table
            coded("1"),     // SQLITE_ERROR: no such table
            coded("2067"),  // SQLITE_CONSTRAINT_UNIQUE
            exec(sqlx::Error::RowNotFound),
            DbErr::RecordNotFound("x".into()),
            DbErr::Custom("bad".into()),
        ] {
            assert!(!is_unavailable(&e), "{e}");
        }
    }
}
