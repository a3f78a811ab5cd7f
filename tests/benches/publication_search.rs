//! The library search at 10,000 publications: words of two, three and four characters, through
//! the search's own query (`publications::queries::search_query`, counted and one page fetched,
//! as `search` does), next to the bare index lookup it is built on and, for the two-character
//! word, the `LIKE` scan it replaced. Figures go to `tests/bench/RESULTS.md`.
//!
//! `cargo bench -p portal-tests --bench publication_search` (SQLite, a temporary file);
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench …` creates and
//! drops a database `portal_bench_search` on that server.
//!
//! The publications are written as the library's first migration left the table, then the
//! remaining migrations run: the bigram index is filled by its migration, which is timed too.

use std::time::{Duration, Instant};

use migration::MigratorTrait;
use portal::scope::Scope;
use portal::services::publications::{PublicationFilter, queries::search_query};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, PaginatorTrait, Statement, Value,
};

const PUBLICATIONS: usize = 10_000;
const RUNS: usize = 25;
/// Every this many publications holds the searched words (1 %).
const EVERY: usize = 100;

/// The texts of publication `i`: the demo library's titles and bodies recombined, with the
/// searched words in one publication of `EVERY`.
fn texts(demo: &[seed::PublicationFixture], i: usize) -> (String, String) {
    let n = demo.len();
    let title = format!("{}（汇编第{i}号）", demo[i % n].title);
    let mut body = [i, i * 7 + 3, i * 13 + 5]
        .iter()
        .map(|k| demo[k % n].body.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    if i.is_multiple_of(EVERY) {
        body.push_str("\n\n检查配电箱和电气线路是否老化、私拉乱接。");
    }
    (title, body)
}

async fn fill(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    let demo = seed::demo().expect("demo fixtures").publications;
    let sql = if backend == DbBackend::Postgres {
        "INSERT INTO publications (kind, title, issuer, published_on, status, body, is_public, \
         region_path, created_at, updated_at) \
         VALUES ('notice', $1, '瑞安市应急管理局', '2026-03-01', 'current', $2, TRUE, '/330381/', now(), now())"
    } else {
        "INSERT INTO publications (kind, title, issuer, published_on, status, body, is_public, \
         region_path, created_at, updated_at) \
         VALUES ('notice', ?, '瑞安市应急管理局', '2026-03-01', 'current', ?, TRUE, '/330381/', \
         datetime('now'), datetime('now'))"
    };
    let txn = portal::db::begin_write(db).await.expect("begin");
    for i in 0..PUBLICATIONS {
        let (title, body) = texts(&demo, i);
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [title.into(), body.into()],
        ))
        .await
        .expect("insert");
    }
    txn.commit().await.expect("commit");
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// The search as `queries::search` runs it: the count, then the first page of 20.
async fn search(db: &DatabaseConnection, q: &str) -> (f64, u64) {
    let backend = db.get_database_backend();
    let filter = PublicationFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let pages = search_query(backend, Some(&Scope::System), &filter)
            .expect("query")
            .paginate(db, 20);
        total = pages.num_items().await.expect("count");
        pages.fetch_page(0).await.expect("page");
        times.push(start.elapsed());
    }
    (median(times), total)
}

/// A bare statement, counted.
async fn bare(db: &DatabaseConnection, sql: &str, value: String) -> (f64, i64) {
    let backend = db.get_database_backend();
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [Value::from(value.clone())],
            ))
            .await
            .expect("bare query")
            .expect("a count");
        n = row.try_get_by_index::<i64>(0).expect("count");
        times.push(start.elapsed());
    }
    (median(times), n)
}

fn hex(word: &str) -> String {
    word.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, admin) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(base) => {
            let admin = Database::connect(&base).await.expect("connect");
            admin
                .execute_unprepared("DROP DATABASE IF EXISTS portal_bench_search WITH (FORCE)")
                .await
                .expect("drop");
            admin
                .execute_unprepared("CREATE DATABASE portal_bench_search")
                .await
                .expect("create");
            let (prefix, _) = base.rsplit_once('/').expect("a database URL");
            let url = format!("{prefix}/portal_bench_search");
            (
                portal::db::connect(&url, 4).await.expect("connect"),
                Some(admin),
            )
        }
        Err(_) => {
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            );
            (portal::db::connect(&url, 4).await.expect("connect"), None)
        }
    };
    let backend = db.get_database_backend();
    migration::Migrator::up(&db, Some(9))
        .await
        .expect("migrate");
    let start = Instant::now();
    fill(&db).await;
    println!(
        "{PUBLICATIONS} publications written in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    migration::Migrator::up(&db, None).await.expect("migrate");
    println!(
        "remaining migrations (the bigram index filled) in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    if backend == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE")
            .await
            .expect("analyze");
    }

    println!("| word | chars | search (count + page) | hits | bare index lookup | LIKE scan |");
    println!("|---|---|---|---|---|---|");
    for word in ["电气", "粉尘", "电气线", "电气线路", "有限空间"] {
        let (ms, total) = search(&db, word).await;
        let chars = word.chars().count();
        let pattern = format!("%{word}%");
        let (lookup_sql, lookup_value) = match (backend, chars) {
            (DbBackend::Postgres, 2) => (
                "SELECT count(*) FROM publication_bigrams WHERE grams @> string_to_array($1, ' ')",
                word.to_string(),
            ),
            (DbBackend::Postgres, _) => (
                "SELECT count(*) FROM publications WHERE (title || ' ' || body) ILIKE $1",
                pattern.clone(),
            ),
            (_, 2) => (
                "SELECT count(*) FROM publication_bigrams WHERE publication_bigrams MATCH ?",
                format!("\"{}\"", hex(word)),
            ),
            _ => (
                "SELECT count(*) FROM publications_fts WHERE publications_fts MATCH ?",
                format!("\"{word}\""),
            ),
        };
        let (lookup_ms, lookup_n) = bare(&db, lookup_sql, lookup_value).await;
        let scan = if chars == 2 {
            let sql = if backend == DbBackend::Postgres {
                "SELECT count(*) FROM publications WHERE title ILIKE $1 OR body ILIKE $1"
            } else {
                "SELECT count(*) FROM publications WHERE title LIKE ?1 OR body LIKE ?1"
            };
            let (ms, n) = bare(&db, sql, pattern).await;
            assert_eq!(n, lookup_n, "{word}: the scan and the index agree");
            format!("{ms:.2} ms")
        } else {
            "—".into()
        };
        assert_eq!(
            total as i64, lookup_n,
            "{word}: the search and its index agree"
        );
        println!("| {word} | {chars} | {ms:.2} ms | {total} | {lookup_ms:.2} ms | {scan} |");
    }
    db.close().await.expect("close");
    if let Some(admin) = admin {
        admin
            .execute_unprepared("DROP DATABASE IF EXISTS portal_bench_search WITH (FORCE)")
            .await
            .expect("drop");
    }
}
