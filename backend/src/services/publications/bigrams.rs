//! The bigram index `publication_bigrams` (migration `m20261204_000015_publication_bigrams`):
//! written with a publication's title and body, in the same transaction, and the condition that
//! finds a two-character word through it. SQLite keeps a content-less FTS5 table of hex tokens
//! (`domain::bigrams::token`), PostgreSQL a `text[]` with a GIN index.

use sea_orm::{ConnectionTrait, DbBackend, Statement, sea_query::Expr};

use crate::domain::bigrams;
use crate::error::AppResult;

/// Replaces the bigrams of publication `id` with those of its `title` and `body`.
pub async fn store<C: ConnectionTrait>(db: &C, id: i64, title: &str, body: &str) -> AppResult<()> {
    let backend = db.get_database_backend();
    let grams = bigrams::of_texts([title, body]);
    if backend == DbBackend::Postgres {
        // A bigram holds no whitespace, so the space joins and splits them losslessly.
        let joined = grams.into_iter().collect::<Vec<_>>().join(" ");
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO publication_bigrams (publication_id, grams) \
             VALUES ($1, string_to_array($2, ' ')) \
             ON CONFLICT (publication_id) DO UPDATE SET grams = EXCLUDED.grams",
            [id.into(), joined.into()],
        ))
        .await?;
    } else {
        let tokens = grams
            .iter()
            .map(|g| bigrams::token(g))
            .collect::<Vec<_>>()
            .join(" ");
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM publication_bigrams WHERE rowid = ?",
            [id.into()],
        ))
        .await?;
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO publication_bigrams (rowid, grams) VALUES (?, ?)",
            [id.into(), tokens.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The condition that a publication's title or body holds `bigram` (from
/// `domain::bigrams::of_word`), answered by the index.
pub fn holds(backend: DbBackend, bigram: &str) -> Expr {
    if backend == DbBackend::Postgres {
        // `string_to_array` of the one bigram (it holds no space) is `ARRAY[$1]`, which sea-query
        // cannot take: it reads `[…]` as a quoted name and leaves the `$1` inside unnumbered.
        Expr::cust_with_values(
            "\"publications\".\"id\" IN (SELECT \"publication_id\" FROM \"publication_bigrams\" \
             WHERE \"grams\" @> string_to_array($1, ' '))",
            [bigram.to_string()],
        )
    } else {
        Expr::cust_with_values(
            "\"publications\".\"id\" IN (SELECT rowid FROM publication_bigrams \
             WHERE publication_bigrams MATCH ?)",
            // A phrase of the one token: no query syntax applies.
            [format!("\"{}\"", bigrams::token(bigram))],
        )
    }
}
