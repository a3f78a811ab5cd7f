//! Bulk writing: rows are buffered per table. On SQLite they go in as multi-row `INSERT`s,
//! each as large as the statement parameter limit allows (32766), so one SQL text is prepared
//! once and reused for every full batch; on PostgreSQL through `COPY … FROM STDIN` (text
//! format) on the generator's own connection.

use std::fmt::Write as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::sqlx::{self, Executor, PgConnection};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement, Value};

/// Where rows go: a sea-orm transaction (SQLite) or a PostgreSQL connection inside `BEGIN`.
pub(crate) enum Out<'c> {
    Orm(&'c DatabaseTransaction),
    Pg(&'c mut PgConnection),
}

impl Out<'_> {
    /// Runs one statement without results.
    pub async fn exec(&mut self, sql: &str) -> Result<(), DbErr> {
        match self {
            Out::Orm(t) => t.execute_unprepared(sql).await.map(|_| ()),
            Out::Pg(c) => pg_exec(c, sql).await,
        }
    }
}

pub(crate) fn db_err(e: sqlx::Error) -> DbErr {
    DbErr::Custom(e.to_string())
}

/// Runs a plain SQL statement on a PostgreSQL connection.
pub(crate) async fn pg_exec(c: &mut PgConnection, sql: &str) -> Result<(), DbErr> {
    c.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())))
        .await
        .map(|_| ())
        .map_err(db_err)
}

/// One value in COPY's text format.
fn copy_text(out: &mut String, v: &Value) {
    match v {
        Value::Bool(Some(b)) => out.push(if *b { 't' } else { 'f' }),
        Value::SmallInt(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::Int(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::BigInt(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::String(Some(s)) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
        }
        Value::ChronoDate(Some(d)) => {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
        Value::ChronoDateTimeUtc(Some(t)) => {
            let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"));
        }
        _ => out.push_str("\\N"),
    }
}

/// Rows per statement, at most.
const MAX_ROWS: usize = 4000;

/// One table's pending rows.
pub(crate) struct Table {
    pub name: &'static str,
    cols: &'static [&'static str],
    backend: DbBackend,
    vals: Vec<Value>,
    rows: usize,
    per_statement: usize,
    written: u64,
    bar: ProgressBar,
    full_sql: Option<String>,
}

impl Table {
    /// A buffer for `name (cols…)`; `expected` sizes the progress bar.
    pub fn new(
        backend: DbBackend,
        name: &'static str,
        cols: &'static [&'static str],
        expected: u64,
        progress: bool,
    ) -> Table {
        let limit = match backend {
            DbBackend::Postgres => 65_535,
            _ => 32_766,
        };
        let bar = if progress {
            let b = ProgressBar::with_draw_target(Some(expected), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{msg:<22} {bar:40} {pos:>9}/{len:9} {elapsed:>4}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_message(name);
            b
        } else {
            ProgressBar::hidden()
        };
        Table {
            name,
            cols,
            backend,
            vals: Vec::new(),
            rows: 0,
            per_statement: (limit / cols.len()).min(MAX_ROWS),
            written: 0,
            bar,
            full_sql: None,
        }
    }

    /// Adds one row (its values in column order).
    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.cols.len(), "{}", self.name);
        self.vals.extend(row);
        self.rows += 1;
    }

    /// Writes a full statement's worth of rows when there are that many.
    pub async fn maybe_flush(&mut self, out: &mut Out<'_>) -> Result<(), DbErr> {
        let batch = match out {
            Out::Orm(_) => self.per_statement,
            Out::Pg(_) => self.per_statement * 4,
        };
        if self.rows >= batch {
            self.flush(out).await?;
        }
        Ok(())
    }

    /// Writes every pending row.
    pub async fn flush(&mut self, out: &mut Out<'_>) -> Result<(), DbErr> {
        let conn = match out {
            Out::Orm(t) => *t,
            Out::Pg(c) => return self.copy(c).await,
        };
        while self.rows > 0 {
            let n = self.rows.min(self.per_statement);
            let vals: Vec<Value> = if n == self.rows {
                std::mem::take(&mut self.vals)
            } else {
                self.vals.drain(..n * self.cols.len()).collect()
            };
            let sql = if n == self.per_statement {
                if self.full_sql.is_none() {
                    self.full_sql = Some(self.sql(n));
                }
                self.full_sql.clone().unwrap_or_default()
            } else {
                self.sql(n)
            };
            conn.execute_raw(Statement::from_sql_and_values(self.backend, sql, vals))
                .await?;
            self.rows -= n;
            self.written += n as u64;
            self.bar.inc(n as u64);
        }
        Ok(())
    }

    /// Writes every pending row through one `COPY`.
    async fn copy(&mut self, c: &mut PgConnection) -> Result<(), DbErr> {
        if self.rows == 0 {
            return Ok(());
        }
        let ncols = self.cols.len();
        let mut text = String::with_capacity(self.vals.len() * 12);
        for row in self.vals.chunks(ncols) {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    text.push('\t');
                }
                copy_text(&mut text, v);
            }
            text.push('\n');
        }
        let sql = format!("COPY {} ({}) FROM STDIN", self.name, self.cols.join(", "));
        let mut copy = c.copy_in_raw(&sql).await.map_err(db_err)?;
        copy.send(text.into_bytes()).await.map_err(db_err)?;
        copy.finish().await.map_err(db_err)?;
        self.vals.clear();
        self.written += self.rows as u64;
        self.bar.inc(self.rows as u64);
        self.rows = 0;
        Ok(())
    }

    /// Flushes and closes the progress bar; the number of rows written.
    pub async fn finish(mut self, out: &mut Out<'_>) -> Result<u64, DbErr> {
        self.flush(out).await?;
        self.bar.set_length(self.written);
        self.bar.finish();
        Ok(self.written)
    }

    fn sql(&self, rows: usize) -> String {
        let ncols = self.cols.len();
        let mut s = String::with_capacity(64 + rows * ncols * 6);
        s.push_str("INSERT INTO ");
        s.push_str(self.name);
        s.push_str(" (");
        s.push_str(&self.cols.join(", "));
        s.push_str(") VALUES ");
        let mut n = 0;
        for r in 0..rows {
            if r > 0 {
                s.push(',');
            }
            s.push('(');
            for c in 0..ncols {
                if c > 0 {
                    s.push(',');
                }
                n += 1;
                match self.backend {
                    DbBackend::Postgres => {
                        s.push('$');
                        s.push_str(&n.to_string());
                    }
                    _ => s.push('?'),
                }
            }
            s.push(')');
        }
        s
    }
}
