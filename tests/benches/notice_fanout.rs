//! 宣传覆盖 at city scale: a `requires_ack` notice of the city bureau to 20,000 enterprise
//! accounts, published through the real API (`POST /api/v1/publications`, which tells the whole
//! audience in the publish transaction: 20,000 notifications and 20,000 outbox rows), and a bare
//! baseline on the same database: the same 20,000 notification rows through `insert_many` alone.
//!
//! `cargo bench -p portal-tests --bench notice_fanout` (release). SQLite always; PostgreSQL too
//! when `TEST_DATABASE_URL` names a server (a database `portal_bench_<pid>` is made and dropped).
//! Prints one Markdown table row per database for `tests/bench/RESULTS.md`.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use portal::clock::ManualClock;
use portal::config::Settings;
use portal::domain::role::Role;
use portal::models::{email_outbox, enterprise, notification, user};
use portal::startup::{self, Application};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

const ACCOUNTS: usize = 20_000;
const CHUNK: usize = 1_000;

fn settings(dir: &std::path::Path, url: &str) -> Settings {
    let mut s = Settings::default();
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.database.url = Some(url.to_string().into());
    s.database.max_connections = 5;
    s.database.acquire_timeout_secs = 60;
    s.auth.secret = Some(
        "bench-secret-bench-secret-bench-secret-0123456789"
            .to_string()
            .into(),
    );
    s.auth.secure_cookie = Some(false);
    s.demo = Some(false);
    s.data_dir = dir.to_path_buf();
    s.email.worker_enabled = false;
    s.closed_loop.jobs_enabled = false;
    s
}

/// 20,000 active enterprise accounts with addresses, spread over the city's enterprises,
/// written in chunks.
async fn accounts(core: &portal::state::Core) {
    let enterprises: Vec<i64> = enterprise::Entity::find()
        .all(&core.db)
        .await
        .expect("enterprises")
        .into_iter()
        .map(|e| e.id)
        .collect();
    let now = core.now();
    let rows: Vec<user::ActiveModel> = (0..ACCOUNTS)
        .map(|i| user::ActiveModel {
            username: Set(format!("bench{i:05}")),
            display_name: Set(format!("测试账号{i:05}")),
            password_hash: Set("!bench-no-login".into()),
            role: Set(if i % 2 == 0 {
                Role::EnterpriseAdmin
            } else {
                Role::EnterpriseStaff
            }),
            region_id: Set(None),
            alliance_id: Set(None),
            enterprise_id: Set(Some(enterprises[i % enterprises.len()])),
            expert_id: Set(None),
            email: Set(Some(format!("bench{i:05}@example.com"))),
            phone: Set(None),
            active: Set(true),
            failed_logins: Set(0),
            locked_until: Set(None),
            password_changed_at: Set(now),
            last_login_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        user::Entity::insert_many(chunk)
            .exec_without_returning(&core.db)
            .await
            .expect("insert accounts");
    }
}

async fn count_kind(db: &impl ConnectionTrait, kind: &str) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::Kind.eq(kind))
        .count(db)
        .await
        .expect("count")
}

async fn run(label: &str, url: &str, dir: &std::path::Path) -> String {
    let db = portal::db::connect(url, 5).await.expect("connect");
    <migration::Migrator as migration::MigratorTrait>::up(&db, None)
        .await
        .expect("migrate");
    let core = startup::core(
        db,
        settings(dir, url),
        Arc::new(ManualClock::new(Utc::now())),
    )
    .expect("core");
    portal::services::seed::load_demo(&core)
        .await
        .expect("seed");
    accounts(&core).await;
    let app = Application::bind_with(core.clone(), |_| {}).expect("bind");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "yjj", "password": "Anquan@2026" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    let token = login["token"].as_str().expect("token").to_string();

    let started = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/publications"))
        .bearer_auth(&token)
        .json(&json!({
            "kind": "notice",
            "title": "关于开展全市安全生产大检查的通知",
            "issuer": "瑞安市应急管理局",
            "published_on": "2026-12-04",
            "body": "各生产经营单位：请对照检查表开展自查，并于月底前完成整改。",
            "requires_ack": true,
        }))
        .send()
        .await
        .expect("publish");
    let service = started.elapsed();
    assert_eq!(res.status(), 201, "publish");
    let publication = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let told = count_kind(&core.db, "publication_ack").await;
    let mails = email_outbox::Entity::find()
        .count(&core.db)
        .await
        .expect("outbox");
    assert!(told >= ACCOUNTS as u64, "told {told}");

    // The baseline: the same notification rows, `insert_many` alone (in the same chunks: one
    // statement cannot bind 160,000 values on either engine).
    let ids: Vec<i64> = user::Entity::find()
        .filter(user::Column::Username.starts_with("bench"))
        .all(&core.db)
        .await
        .expect("ids")
        .into_iter()
        .map(|u| u.id)
        .collect();
    let now = core.now();
    let started = Instant::now();
    for chunk in ids.chunks(CHUNK) {
        notification::Entity::insert_many(chunk.iter().map(|&user_id| notification::ActiveModel {
            user_id: Set(user_id),
            kind: Set("bench_baseline".into()),
            title: Set("请确认阅知：关于开展全市安全生产大检查的通知".into()),
            body: Set("瑞安市应急管理局发布了「关于开展全市安全生产大检查的通知」。".into()),
            link: Set(Some("/publications/1".into())),
            hazard_id: Set(None),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(&core.db)
        .await
        .expect("baseline");
    }
    let baseline = started.elapsed();
    assert_eq!(
        count_kind(&core.db, "bench_baseline").await,
        ids.len() as u64
    );

    // The reach figures over the same audience (one aggregate per breakdown).
    let started = Instant::now();
    let res = client
        .get(format!("{base}/api/v1/publications/{publication}/reach"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("reach");
    let reach = started.elapsed();
    assert_eq!(res.status(), 200, "reach");
    core.db.close().await.ok();
    format!(
        "| {} | {label} | {ACCOUNTS} accounts ({told} notices, {mails} emails queued) | {:.2} s | {:.2} s | {:.2} s |",
        Utc::now().format("%Y-%m-%d"),
        service.as_secs_f64(),
        baseline.as_secs_f64(),
        reach.as_secs_f64()
    )
}

#[tokio::main]
async fn main() {
    // `BENCH_KEEP=1` keeps the databases (SQLite under `target/notice_fanout/`, the PostgreSQL
    // one undropped) to look at query plans afterwards.
    let keep = std::env::var_os("BENCH_KEEP").is_some();
    let dir = tempfile::tempdir().expect("tempdir");
    let kept = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/notice_fanout");
    if keep {
        std::fs::create_dir_all(&kept).expect("keep dir");
        std::fs::remove_file(kept.join("bench.db")).ok();
    }
    let at = if keep { kept.as_path() } else { dir.path() };
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", at.display());
    let mut lines = vec![run("SQLite (WAL)", &sqlite, at).await];
    if let Ok(base) = std::env::var("TEST_DATABASE_URL") {
        let name = format!("portal_bench_{}", std::process::id());
        let admin = Database::connect(&base).await.expect("connect PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
        let (prefix, _) = base.rsplit_once('/').expect("a database URL");
        let url = format!("{prefix}/{name}");
        lines.push(run("PostgreSQL", &url, dir.path()).await);
        if keep {
            eprintln!("kept {url}");
        } else {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .ok();
        }
    }
    println!(
        "| date | database | rows | service (publish) | baseline (insert_many) | reach figures |"
    );
    println!("|---|---|---|---|---|---|");
    for l in lines {
        println!("{l}");
    }
}
