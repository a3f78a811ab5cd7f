//! Two-character words in the library search (粉尘, 电气): found in titles and bodies through the
//! bigram index, lost when the text changes, the index filled for the rows already there by its
//! migration, and the query plan an index lookup, never a scan of the publications (both
//! engines: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` over a library grown to thousands of rows
//! on PostgreSQL, whose planner scans a table of a few dozen rows whatever the indexes).

use chrono::Utc;
use migration::MigratorTrait;
use portal::scope::Scope;
use portal::services::publications::{PublicationFilter, queries::search_query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

/// The issuer of this file's publications, which keeps the demo library out of its lists.
const ISSUER: &str = "短词测试局";

fn publication(title: &str, body: &str) -> Value {
    json!({
        "kind": "notice",
        "title": title,
        "doc_number": "",
        "issuer": ISSUER,
        "published_on": "2026-03-01",
        "effective_on": "",
        "body": body,
        "is_public": false,
        "industries": [],
        "risk_tags": [],
    })
}

async fn publish(app: &TestApp, token: &str, body: &Value) -> i64 {
    let res = app.api_post("/api/v1/publications", token, body).await;
    assert_eq!(res.status(), 201, "publish {body}");
    let v: Value = res.json().await.expect("json");
    v["id"].as_i64().expect("id")
}

async fn edit(app: &TestApp, token: &str, id: i64, body: &Value) {
    let res = app
        .api_put(&format!("/api/v1/publications/{id}"), token, body)
        .await;
    assert_eq!(res.status(), 200, "edit {body}");
}

/// The titles the search finds for `q` (already URL-encoded) among this file's publications.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let list = app
        .api_json(
            &format!("/api/v1/publications?q={q}&issuer={ISSUER}"),
            token,
        )
        .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_two_character_word_is_found_in_a_title_and_a_body_and_lost_when_the_text_changes() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let title_hit = publication("关于电气线路专项检查的通知", "各企业自查线路老化情况。");
    let a = publish(&app, &yjj, &title_hit).await;
    let body_hit = publication("安全生产月活动安排", "重点检查电气和消防设施。");
    let b = publish(&app, &yjj, &body_hit).await;
    let neither = publication("有限空间作业提示", "先通风、再检测、后作业。");
    let c = publish(&app, &yjj, &neither).await;
    let percent = publication("含氧量要求", "氧含量低于19.5%时禁止进入。");
    publish(&app, &yjj, &percent).await;

    // Title hits first; the word's case and a wildcard in it are matched as the longer words are.
    assert_eq!(
        found(&app, &yjj, "电气").await,
        vec!["关于电气线路专项检查的通知", "安全生产月活动安排"]
    );
    assert_eq!(found(&app, &yjj, "5%25").await, vec!["含氧量要求"]);
    assert_eq!(found(&app, &yjj, "气和").await, vec!["安全生产月活动安排"]);
    // Two characters that are only adjacent across the title and the body are not a hit.
    assert!(found(&app, &yjj, "知各").await.is_empty());

    // The texts change: the word goes with them, and comes with a new one.
    let mut t = title_hit.clone();
    t["title"] = json!("关于线路专项检查的通知");
    edit(&app, &yjj, a, &t).await;
    assert_eq!(found(&app, &yjj, "电气").await, vec!["安全生产月活动安排"]);
    let mut t = body_hit.clone();
    t["body"] = json!("重点检查消防设施。");
    edit(&app, &yjj, b, &t).await;
    assert!(found(&app, &yjj, "电气").await.is_empty());
    let mut t = neither.clone();
    t["body"] = json!("先通风、再检测、后作业；电气设备应防爆。");
    edit(&app, &yjj, c, &t).await;
    assert_eq!(found(&app, &yjj, "电气").await, vec!["有限空间作业提示"]);
    // With another word, both must be there.
    assert_eq!(
        found(&app, &yjj, "电气 通风").await,
        vec!["有限空间作业提示"]
    );
    assert!(found(&app, &yjj, "电气 线路").await.is_empty());
}

/// The plan of `stmt`, one line per step.
async fn plan(db: &DatabaseConnection, stmt: Statement) -> String {
    let (prefix, column) = if db.get_database_backend() == DbBackend::Postgres {
        ("EXPLAIN", "QUERY PLAN")
    } else {
        ("EXPLAIN QUERY PLAN", "detail")
    };
    let explain = Statement {
        sql: format!("{prefix} {}", stmt.sql),
        ..stmt
    };
    db.query_all_raw(explain)
        .await
        .expect("explain")
        .iter()
        .map(|r| r.try_get::<String>("", column).expect("plan line"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `plan` reads every row of `publications`: a sequential scan, or on PostgreSQL an
/// index scan with no index condition (the whole primary key, in order).
fn scans_publications(backend: DbBackend, plan: &str) -> bool {
    let lines: Vec<&str> = plan.lines().map(str::trim).collect();
    lines.iter().enumerate().any(|(i, l)| {
        if backend == DbBackend::Postgres {
            let on_publications =
                l.contains(" on publications ") || l.ends_with(" on publications");
            l.contains("Seq Scan on publications")
                || (on_publications
                    && l.contains("Index Scan")
                    && !lines
                        .get(i + 1)
                        .is_some_and(|n| n.starts_with("Index Cond")))
        } else {
            *l == "SCAN publications" || l.starts_with("SCAN publications USING")
        }
    })
}

/// PostgreSQL plans by the table's size: 5,000 more publications (copies of the first one under
/// other titles, with bigrams of their own) and fresh statistics, so the plan is the one a real
/// library gets (on a few dozen rows any plan scans). SQLite plans by the query's shape alone.
async fn grow_library(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    for sql in [
        "INSERT INTO publications \
         SELECT (jsonb_populate_record(NULL::publications, to_jsonb(p) || jsonb_build_object(\
           'id', 1000000 + g, 'title', '填充文本' || g, 'body', '与检索无关的正文' || g))).* \
         FROM publications p, generate_series(1, 5000) g \
         WHERE p.id = (SELECT min(id) FROM publications)",
        "INSERT INTO publication_bigrams (publication_id, grams) \
         SELECT id, ARRAY['填充', '充文', '文本'] FROM publications WHERE id > 1000000",
        // VACUUM also moves the GIN index's pending entries into the index proper.
        "VACUUM ANALYZE publications",
        "VACUUM ANALYZE publication_bigrams",
    ] {
        db.execute_unprepared(sql).await.expect("grow the library");
    }
}

#[tokio::test]
async fn a_two_character_word_is_looked_up_in_the_bigram_index_not_by_a_scan() {
    let app = spawn_app().await;
    let db = &app.core.db;
    let backend = db.get_database_backend();
    grow_library(db).await;
    let bureau = Scope::Region {
        region_id: 1,
        path: "/330381/".into(),
    };
    for (reader, q) in [
        (None, "粉尘"),
        (Some(&bureau), "粉尘"),
        (Some(&Scope::System), "粉尘"),
        (Some(&bureau), "粉尘 有限空间"),
    ] {
        let filter = PublicationFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let stmt = search_query(backend, reader, &filter)
            .expect("query")
            .build(backend);
        let plan = plan(db, stmt).await;
        assert!(!scans_publications(backend, &plan), "{q}:\n{plan}");
        // One word: its bigram is looked up. (With a second, longer word the planner may start
        // from that word's trigram index instead and check the bigram row by its key.)
        let by_index = if backend == DbBackend::Postgres {
            "Bitmap Index Scan on idx_publication_bigrams_grams"
        } else {
            "publication_bigrams VIRTUAL TABLE INDEX"
        };
        assert!(q.contains(' ') || plan.contains(by_index), "{q}:\n{plan}");
    }
}

#[tokio::test]
async fn the_migration_fills_the_bigram_index_for_the_publications_already_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = empty_database(dir.path()).await;
    let backend = db.get_database_backend();
    // Every step up to the library's (m20261203_000009_publications), then a publication
    // written as that step left the table, then the remaining steps.
    migration::Migrator::up(&db, Some(9))
        .await
        .expect("migrate");
    let now = Utc::now();
    let sql = if backend == DbBackend::Postgres {
        "INSERT INTO publications (kind, title, issuer, published_on, status, body, is_public, \
         region_path, created_at, updated_at) \
         VALUES ('rule', $1, '应急管理部', '2021-07-25', 'current', $2, TRUE, '/', $3, $3)"
    } else {
        "INSERT INTO publications (kind, title, issuer, published_on, status, body, is_public, \
         region_path, created_at, updated_at) \
         VALUES ('rule', ?, '应急管理部', '2021-07-25', 'current', ?, TRUE, '/', ?3, ?3)"
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            "工贸企业粉尘防爆安全规定".into(),
            "第二条 存在可燃性粉尘的工贸企业，应当落实防爆措施。".into(),
            now.into(),
        ],
    ))
    .await
    .expect("insert");
    migration::Migrator::up(&db, None).await.expect("migrate");
    for (q, hits) in [("粉尘", 1), ("措施", 1), ("可燃性粉尘", 1), ("电气", 0)] {
        let filter = PublicationFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let rows = search_query(backend, None, &filter)
            .expect("query")
            .all(&db)
            .await
            .expect("search");
        assert_eq!(rows.len(), hits, "{q}");
    }
    db.close().await.expect("close");
}
