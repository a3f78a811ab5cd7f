//! The bigram index of the library (`publication_bigrams`): for each publication the distinct
//! two-character sequences of its title and body, so a two-character word is found through an
//! index (the trigram indexes of `m20261203_000009_publications` cannot answer it). The service
//! writes a publication's row in the transaction that writes its title or body; this step fills
//! the rows of the publications already there.
//!
//! SQLite: a content-less FTS5 table (`detail=none`: only which rows hold a token), one token per
//! bigram, the bigram's UTF-8 bytes in hex, `rowid` the publication's id; `contentless_delete`
//! lets the service replace a row. PostgreSQL: a table of `text[]` with a GIN index, matched with
//! `@>`.

use std::collections::BTreeSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    Title,
    Body,
}

const SQLITE_TABLE: &str = "CREATE VIRTUAL TABLE publication_bigrams USING fts5(grams, \
     content='', contentless_delete=1, detail=none, tokenize='ascii')";

const POSTGRES_TABLE: &[&str] = &[
    "CREATE TABLE publication_bigrams (\
       publication_id BIGINT PRIMARY KEY REFERENCES publications (id) ON DELETE CASCADE, \
       grams TEXT[] NOT NULL)",
    "CREATE INDEX idx_publication_bigrams_grams ON publication_bigrams USING gin (grams)",
];

/// Publications read per batch while filling.
const BATCH: u64 = 500;

/// The bigrams of a title and a body, as `domain::bigrams::of_texts` makes them today (frozen
/// here with the step): lower-cased where one character lowers to one, none holding
/// whitespace, none spanning the title and the body.
fn bigrams(title: &str, body: &str) -> BTreeSet<String> {
    let fold = |c: char| {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) => l,
            _ => c,
        }
    };
    let mut out = BTreeSet::new();
    for text in [title, body] {
        let chars: Vec<char> = text.chars().map(fold).collect();
        for pair in chars.windows(2) {
            if !pair[0].is_whitespace() && !pair[1].is_whitespace() {
                out.insert(pair.iter().collect());
            }
        }
    }
    out
}

/// The row of one publication's bigrams, as the service writes it.
fn insert_row(backend: DbBackend, id: i64, grams: &BTreeSet<String>) -> Statement {
    if backend == DbBackend::Postgres {
        let joined = grams.iter().cloned().collect::<Vec<_>>().join(" ");
        Statement::from_sql_and_values(
            backend,
            "INSERT INTO publication_bigrams (publication_id, grams) VALUES ($1, string_to_array($2, ' '))",
            [id.into(), joined.into()],
        )
    } else {
        let tokens = grams
            .iter()
            .map(|g| g.bytes().map(|b| format!("{b:02x}")).collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        Statement::from_sql_and_values(
            backend,
            "INSERT INTO publication_bigrams (rowid, grams) VALUES (?, ?)",
            [id.into(), tokens.into()],
        )
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        if backend == DbBackend::Postgres {
            for sql in POSTGRES_TABLE {
                db.execute_unprepared(sql).await?;
            }
        } else {
            db.execute_unprepared(SQLITE_TABLE).await?;
        }
        let mut after = 0i64;
        loop {
            let rows = db
                .query_all(
                    &Query::select()
                        .columns([Publications::Id, Publications::Title, Publications::Body])
                        .from(Publications::Table)
                        .and_where(Expr::col(Publications::Id).gt(after))
                        .order_by(Publications::Id, Order::Asc)
                        .limit(BATCH)
                        .to_owned(),
                )
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.try_get("", "id")?;
            for row in rows {
                let id: i64 = row.try_get("", "id")?;
                let title: String = row.try_get("", "title")?;
                let body: String = row.try_get("", "body")?;
                db.execute_raw(insert_row(backend, id, &bigrams(&title, &body)))
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS publication_bigrams")
            .await?;
        Ok(())
    }
}
