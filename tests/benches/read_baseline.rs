//! The bare baseline of the read-path benchmark (`tests/bench/read_path.py`): one actix-web
//! handler that runs the city bureau's hazard list — the 20 newest hazards of a region subtree,
//! by the `(region_path, found_at, id)` index — on the same database file or server as the
//! portal, through the same pool (`portal::db::connect`), and answers them as JSON. No session,
//! no scope, no templates: what a list costs when nothing but the query and the JSON is done.
//!
//! Started by the script; by hand:
//! `BASELINE_DATABASE_URL=sqlite://city.db BASELINE_PORT=8099 target/release/deps/read_baseline-… --bench`
//! then `GET /hazards?region=/330381/` (the region path whose subtree is listed).

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};

#[derive(Debug, FromQueryResult, Serialize)]
struct Row {
    id: i64,
    title: String,
    category: String,
    level: String,
    state: String,
    enterprise_id: i64,
    found_at: DateTime<Utc>,
    deadline: NaiveDate,
}

#[derive(Deserialize)]
struct Region {
    region: String,
}

/// The subtree of `/a/b/` as a byte range: every path starting with it sorts in
/// `['/a/b/', '/a/b0')` (`'0'` follows `'/'`).
fn subtree(path: &str) -> (String, String) {
    let upper = format!("{}0", path.trim_end_matches('/'));
    (path.to_string(), upper)
}

async fn hazards(db: web::Data<DatabaseConnection>, q: web::Query<Region>) -> HttpResponse {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT id, title, category, level, state, enterprise_id, found_at, deadline \
             FROM hazards WHERE region_path >= $1 AND region_path < $2 \
             ORDER BY found_at DESC, id DESC LIMIT 20"
        }
        _ => {
            "SELECT id, title, category, level, state, enterprise_id, found_at, deadline \
             FROM hazards WHERE region_path >= ? AND region_path < ? \
             ORDER BY found_at DESC, id DESC LIMIT 20"
        }
    };
    let (lo, hi) = subtree(&q.region);
    let found = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [lo.into(), hi.into()],
    ))
    .all(db.get_ref())
    .await;
    match found {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("BASELINE_DATABASE_URL").expect("BASELINE_DATABASE_URL");
    let port: u16 = std::env::var("BASELINE_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8099);
    let pool: u32 = std::env::var("BASELINE_POOL")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(10);
    let db = portal::db::connect(&url, pool)
        .await
        .map_err(std::io::Error::other)?;
    let data = web::Data::new(db);
    println!("baseline listening on 127.0.0.1:{port}");
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hazards", web::get().to(hazards))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
