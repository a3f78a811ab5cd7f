//! `spawn_app()`: the real server on port 0 with its own database and a clock the test moves.
//!
//! The demo fixtures are loaded once per test process into a template (a SQLite file, or a
//! PostgreSQL database used as `TEMPLATE`), and every test gets a copy of it. A test that asks
//! for the demo with its history (`spawn_app_with_history`) gets a copy of a second template,
//! built the first time one asks.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use portal::clock::ManualClock;
use portal::config::Settings;
use portal::startup::{self, Application};
use portal::state::Core;
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::{Mutex, OnceCell};

/// Every demo account's password.
pub const PASSWORD: &str = "Anquan@2026";

/// Demo accounts by what tests need of them.
pub const ADMIN: &str = "admin";
/// City-level bureau officer (瑞安市).
pub const REGULATOR: &str = "yjj";
/// Town-level bureau officer (塘下镇).
pub const TOWN_REGULATOR: &str = "tangxia";
/// Committee member of the industry alliance.
pub const COMMITTEE: &str = "qpw";
/// Committee member of the regional alliance.
pub const COMMITTEE_REGIONAL: &str = "hantian";
/// Enterprise admin in the industry + regional alliances (塘下镇).
pub const ENTERPRISE: &str = "qiye1";
/// Enterprise admin in the park alliance only (锦湖街道).
pub const ENTERPRISE_OTHER: &str = "qiye2";
/// Safety officer (staff) of the same enterprise as `ENTERPRISE`.
pub const STAFF: &str = "anquanyuan1";
pub const EXPERT: &str = "zhuanjia";

/// One account per role, with the portal home it lands on.
pub const ROLE_HOMES: &[(&str, &str)] = &[
    (ADMIN, "/admin"),
    (REGULATOR, "/regulator"),
    (COMMITTEE, "/committee"),
    (ENTERPRISE, "/enterprise"),
    (STAFF, "/enterprise"),
    (EXPERT, "/expert"),
];

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub clock: ManualClock,
    pub core: Core,
    /// A browser-like client: keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
    _dir: Arc<tempfile::TempDir>,
}

fn settings(dir: &std::path::Path, url: String) -> Settings {
    let mut s = Settings::default();
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.database.url = Some(url.into());
    s.database.max_connections = 5;
    // A busy 2-core machine may wait long for one of five pooled connections: that is load,
    // not an outage (the outage test sets its own short timeout).
    s.database.acquire_timeout_secs = 60;
    s.auth.secret = Some(TEST_SECRET.to_string().into());
    s.auth.secure_cookie = Some(false);
    s.demo = Some(false);
    // Tests log in many times from 127.0.0.1 within one (frozen) minute; the rate-limit tests
    // put the production limits back.
    s.auth.login_limit_per_username = 10_000;
    s.auth.login_limit_per_ip = 10_000;
    s.data_dir = dir.to_path_buf();
    // Tests drive the outbox themselves (`portal::jobs::outbox::run_once`).
    s.email.worker_enabled = false;
    // Tests run the reminder job themselves (`portal::jobs::reminders::run_once`), on their clock.
    s.closed_loop.jobs_enabled = false;
    s
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Connects a fresh core for `url` and loads the demo fixtures through the services; with
/// `history`, also the demo's service requests and its three months of history.
async fn seed_template(url: &str, dir: &std::path::Path, history: bool) {
    let db = portal::db::connect(url, 2).await.expect("connect template");
    <migration::Migrator as migration::MigratorTrait>::up(&db, None)
        .await
        .expect("migrate template");
    let core = startup::core(
        db,
        settings(dir, url.into()),
        Arc::new(ManualClock::new(Utc::now())),
    )
    .expect("core");
    portal::services::seed::load_demo(&core)
        .await
        .expect("seed template");
    if history {
        portal::services::expert_requests::demo::load(&core)
            .await
            .expect("demo service requests");
        portal::services::seed_history::load(&core)
            .await
            .expect("demo history");
    }
    core.db.close().await.expect("close template");
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
/// The template with the demo's history, built the first time a test asks for it.
static HISTORY_TEMPLATE: OnceCell<String> = OnceCell::const_new();
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());
static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn run_id() -> &'static str {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RUN.get_or_init(|| format!("{}_{}", Utc::now().timestamp(), std::process::id()))
}

/// The base URL of the PostgreSQL server with another database name.
fn pg_url(base: &str, db: &str) -> String {
    let (prefix, rest) = base.rsplit_once('/').unwrap_or((base, ""));
    let query = rest
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{prefix}/{db}{query}")
}

/// A fresh database URL for one test: a copy of the demo template, or of the template with the
/// demo's history.
async fn fresh_database(dir: &std::path::Path, history: bool) -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (cell, suffix): (&'static OnceCell<String>, &'static str) = if history {
        (&HISTORY_TEMPLATE, "hist")
    } else {
        (&TEMPLATE, "tmpl")
    };
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(base) => {
            let template = cell
                .get_or_init(|| async {
                    let admin = Database::connect(&base).await.expect("connect postgres");
                    drop_stale_databases(&admin).await;
                    let name = format!("portal_t_{}_{suffix}", run_id());
                    admin
                        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                        .await
                        .expect("create template");
                    admin.close().await.ok();
                    let tmp = tempfile::tempdir().expect("tempdir");
                    seed_template(&pg_url(&base, &name), tmp.path(), history).await;
                    name
                })
                .await;
            let name = format!("portal_t_{}_{n}", run_id());
            {
                let _guard = CREATE_LOCK.lock().await;
                let admin = Database::connect(&base).await.expect("connect postgres");
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                    ))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
            }
            pg_url(&base, &name)
        }
        None => {
            let template = cell
                .get_or_init(|| async {
                    let dir = std::env::temp_dir().join(format!("portal_t_{}_{suffix}", run_id()));
                    std::fs::create_dir_all(&dir).expect("template dir");
                    let file = dir.join("template.db");
                    let url = format!("sqlite://{}?mode=rwc", file.display());
                    seed_template(&url, &dir, history).await;
                    file.display().to_string()
                })
                .await;
            let file: PathBuf = dir.join("test.db");
            std::fs::copy(template, &file).expect("copy template");
            format!("sqlite://{}?mode=rwc", file.display())
        }
    }
}

/// A connection to a new, empty database (no migrations, no seed) that lives as long as `dir`
/// (SQLite) or is dropped with the other leftovers of this run (PostgreSQL).
pub async fn empty_database(dir: &std::path::Path) -> sea_orm::DatabaseConnection {
    portal::db::connect(&empty_database_url(dir).await, 2)
        .await
        .expect("connect empty database")
}

/// Drops test databases left by earlier runs (their process has ended, or they are old).
async fn drop_stale_databases(admin: &sea_orm::DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'portal\\_t\\_%'",
        ))
        .await
        .unwrap_or_default();
    let cutoff = Utc::now().timestamp() - 2 * 3600;
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        // Names are portal_t_<start time>_<pid>_…: stale when old or when that process is gone.
        let mut parts = name.trim_start_matches("portal_t_").split('_');
        let started = parts.next().and_then(|s| s.parse::<i64>().ok());
        let pid = parts.next().and_then(|s| s.parse::<u32>().ok());
        let gone = pid.is_some_and(|p| {
            p != std::process::id() && !std::path::Path::new(&format!("/proc/{p}")).exists()
        });
        if started.is_some_and(|t| t < cutoff) || gone {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with a chance to adjust the settings first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_serving(adjust, |_| {}).await
}

/// Like `spawn_app_with`, with extra services (routes the real app does not have) mounted
/// inside the app's middleware through `Application::bind_with`.
pub async fn spawn_app_serving(
    adjust: impl FnOnce(&mut Settings),
    extra: fn(&mut actix_web::web::ServiceConfig),
) -> TestApp {
    spawn(adjust, extra, false).await
}

/// Like `spawn_app`, on a copy of the demo with its service requests and its three months of
/// history (`services::seed_history`): rounds, inspections, hazards in every state.
pub async fn spawn_app_with_history() -> TestApp {
    spawn(|_| {}, |_| {}, true).await
}

async fn spawn(
    adjust: impl FnOnce(&mut Settings),
    extra: fn(&mut actix_web::web::ServiceConfig),
    history: bool,
) -> TestApp {
    // Logs only when asked for: `TEST_LOG=1 cargo test …`.
    if std::env::var_os("TEST_LOG").is_some() {
        portal::telemetry::init();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database(dir.path(), history).await;
    let mut s = settings(dir.path(), url);
    adjust(&mut s);
    // The settings' URL: `adjust` may route it (through a proxy, say).
    let db = portal::db::connect_settings(&s)
        .await
        .expect("connect test database");
    let clock = ManualClock::new(Utc::now());
    let core = startup::core(db, s, Arc::new(clock.clone())).expect("core");
    let app = Application::bind_with(core, extra).expect("bind");
    let port = app.port();
    let core = app.core.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        clock,
        core,
        client: new_client(),
        _dir: Arc::new(dir),
    }
}

/// The value of `<input name="_csrf" value="…">` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\"")?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_string())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// The CSRF token of the form on `path` (fetched with this app's client and cookies).
    pub async fn csrf(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.expect("body");
        csrf_in(&html).unwrap_or_else(|| panic!("no csrf field on {path}"))
    }

    /// Posts a form with the page's CSRF token added.
    pub async fn post_form(
        &self,
        path: &str,
        token_from: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(token_from).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &token));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Logs in through the login form; returns the response (303 to the portal on success).
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Logs in through the API; returns the bearer token.
    pub async fn api_token(&self, username: &str) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), 200, "api login of {username}");
        let body: serde_json::Value = res.json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    /// GET with a bearer token.
    pub async fn api_get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }
}

/// The `Location` header of a redirect.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Added for the API, auth, matrix, scope and page suites.

/// `text` as minijinja's HTML auto-escaping writes it, to find catalog messages in pages.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '/' => out.push_str("&#x2f;"),
            c => out.push(c),
        }
    }
    out
}

/// A catalog message in zh-CN (the default language), asserting the catalog has the key.
pub fn message(key: &str) -> String {
    let m = portal::i18n::t(portal::i18n::Lang::ZhCn, key);
    assert_ne!(m, key, "the zh-CN catalog has no message for {key}");
    m
}

/// The value of the `session` cookie a response sets, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies()
        .find(|c| c.name() == "session" && !c.value().is_empty())
        .map(|c| c.value().to_string())
}

/// A client without a cookie jar or redirects, for sending hand-made cookies and headers.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Another browser on the same app: its own cookie jar, no redirects followed.
pub struct Visitor {
    pub address: String,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn visitor(&self) -> Visitor {
        Visitor {
            address: self.address.clone(),
            client: new_client(),
        }
    }

    /// A browser logged in as `username` (demo password) through the login form.
    pub async fn logged_in(&self, username: &str) -> Visitor {
        let v = self.visitor();
        let res = v.login(username, PASSWORD).await;
        assert_eq!(res.status(), 303, "page login of {username}");
        v
    }

    /// Posts JSON credentials to the API login; returns the response.
    pub async fn api_login(&self, username: &str, password: &str) -> reqwest::Response {
        bare_client()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("api login")
    }

    /// POST JSON with a bearer token.
    pub async fn api_post(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        bare_client()
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// PUT JSON with a bearer token.
    pub async fn api_put(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        bare_client()
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    /// GET JSON with a bearer token, asserting 200.
    pub async fn api_json(&self, path: &str, token: &str) -> serde_json::Value {
        let res = self.api_get(path, token).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("json body")
    }
}

impl Visitor {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET, asserting 200, returning the HTML.
    pub async fn page(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.expect("body")
    }

    /// The CSRF token of the form on `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.expect("body");
        csrf_in(&html).unwrap_or_else(|| panic!("no csrf field on {path}"))
    }

    /// Posts a form as it is, without adding a CSRF token.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Posts a form with the CSRF token of the form on `token_from` added.
    pub async fn post_form(
        &self,
        path: &str,
        token_from: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(token_from).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &token));
        self.post_raw(path, &form).await
    }

    /// Logs in through the login form; returns the response (303 on success).
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
        .await
    }
}

/// 瑞安市鸿田汽车电器有限公司 (qiye1 and anquanyuan1; 塘下镇; industry + regional alliances).
pub const HONGTIAN: &str = "91330381149700566G";
/// 瑞安市华鑫包装有限公司 (qiye2; 锦湖街道; park alliance only).
pub const HUAXIN: &str = "91330381MA2BCD431H";
/// The industry alliance `qpw` sits on.
pub const QPW_ALLIANCE: &str = "瑞安市汽摩配行业安全生产互助联盟";

impl TestApp {
    /// The id of the enterprise with this credit code.
    pub async fn enterprise_id(&self, credit_code: &str) -> i64 {
        use portal::models::enterprise;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.eq(credit_code))
            .one(&self.core.db)
            .await
            .expect("query enterprise")
            .unwrap_or_else(|| panic!("no enterprise {credit_code}"))
            .id
    }

    /// The id of the alliance with this name.
    pub async fn alliance_id(&self, name: &str) -> i64 {
        use portal::models::alliance;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        alliance::Entity::find()
            .filter(alliance::Column::Name.eq(name))
            .one(&self.core.db)
            .await
            .expect("query alliance")
            .unwrap_or_else(|| panic!("no alliance {name}"))
            .id
    }
}

/// Rows of the first sheet of an xlsx file (an export), every cell as text.
pub fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Snapshots of what users read.

/// The `<main>` element of a page as an outline a reviewer can read: one line per heading,
/// paragraph, list item, table row, field and button, indented by the sections, forms, tables
/// and lists they sit in; links as `[text](href)`, fields as `{input type name="value"}`,
/// buttons as `[[text]]`; scripts, styles, comments and class names dropped, whitespace
/// collapsed.
pub fn page_outline(html: &str) -> String {
    let start = html.find("<main").expect("a <main> element");
    let end = html[start..]
        .find("</main>")
        .map_or(html.len(), |e| start + e + "</main>".len());
    let mut out = Outline::default();
    let mut rest = &html[start..end];
    while let Some(lt) = rest.find('<') {
        out.text(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |e| &comment[e + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let tag = Tag::parse(&rest[1..gt]);
        rest = &rest[gt + 1..];
        if !tag.closing && matches!(tag.name.as_str(), "script" | "style" | "textarea") {
            let close = format!("</{}", tag.name);
            let body_end = rest.find(&close).unwrap_or(rest.len());
            if tag.name == "textarea" {
                let body = unescape(&rest[..body_end]);
                out.push(&format!(
                    "{{textarea {}: {}}}",
                    tag.attr("name").unwrap_or_default(),
                    body.split_whitespace().collect::<Vec<_>>().join(" ")
                ));
            }
            rest = &rest[body_end..];
            rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
            continue;
        }
        out.tag(&tag);
    }
    out.text(rest);
    out.flush();
    out.lines.join("\n")
}

/// Elements that open an indented block, shown with their telling attributes.
const OUTLINE_CONTAINERS: &[&str] = &[
    "section", "article", "nav", "aside", "header", "footer", "form", "table", "ul", "ol", "dl",
    "details", "fieldset", "select", "figure",
];
/// Elements that start and end a line, with the prefix the line gets.
const OUTLINE_LINES: &[(&str, &str)] = &[
    ("h1", "# "),
    ("h2", "## "),
    ("h3", "### "),
    ("h4", "#### "),
    ("h5", "##### "),
    ("h6", "###### "),
    ("li", "- "),
    ("tr", "|"),
    ("dt", "dt: "),
    ("dd", "dd: "),
    ("summary", "summary: "),
    ("legend", "legend: "),
    ("caption", "caption: "),
    ("label", "label: "),
    ("p", ""),
    ("div", ""),
    ("br", ""),
    ("thead", ""),
    ("tbody", ""),
    ("option", ""),
];

struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn parse(inner: &str) -> Tag {
        let inner = inner.trim_end_matches('/').trim();
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut rest = inner[name_end..].trim_start();
        while !rest.is_empty() {
            let key_end = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let key = rest[..key_end].to_ascii_lowercase();
            rest = rest[key_end..].trim_start();
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'');
                let (v, r) = match quote {
                    Some(q) => {
                        let body = &after[1..];
                        let e = body.find(q).unwrap_or(body.len());
                        (&body[..e], body.get(e + 1..).unwrap_or(""))
                    }
                    None => {
                        let e = after
                            .find(|c: char| c.is_whitespace())
                            .unwrap_or(after.len());
                        (&after[..e], &after[e..])
                    }
                };
                value = unescape(v);
                rest = r.trim_start();
            }
            attrs.push((key, value));
        }
        Tag {
            name,
            closing,
            attrs,
        }
    }

    fn attr(&self, key: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn has(&self, key: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == key)
    }

    /// `key="value"` for those of `keys` the tag has (a bare `key` for valueless ones).
    fn shown(&self, keys: &[&str]) -> String {
        keys.iter()
            .filter_map(|k| {
                let v = self.attr(k)?;
                Some(if v.is_empty() && *k != "value" {
                    format!(" {k}")
                } else {
                    format!(" {k}=\"{v}\"")
                })
            })
            .collect()
    }
}

#[derive(Default)]
struct Outline {
    lines: Vec<String>,
    line: String,
    depth: usize,
    /// The hrefs of the links being read, innermost last.
    links: Vec<String>,
}

impl Outline {
    fn flush(&mut self) {
        let text = self.line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && text != "|" {
            self.lines
                .push(format!("{}{text}", "  ".repeat(self.depth)));
        }
        self.line.clear();
    }

    fn push(&mut self, s: &str) {
        self.line.push_str(s);
    }

    fn text(&mut self, raw: &str) {
        let text = unescape(raw);
        self.push(&text);
    }

    fn tag(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        if OUTLINE_CONTAINERS.contains(&name) {
            self.flush();
            if tag.closing {
                self.depth = self.depth.saturating_sub(1);
            } else {
                let attrs = match name {
                    "form" => tag.shown(&["id", "method", "action", "enctype"]),
                    "select" => tag.shown(&["name", "multiple"]),
                    "details" => tag.shown(&["open"]),
                    "section" | "table" => tag.shown(&["id"]),
                    _ => String::new(),
                };
                self.push(&format!("{name}{attrs}"));
                self.flush();
                self.depth += 1;
            }
            return;
        }
        if let Some((_, prefix)) = OUTLINE_LINES.iter().find(|(n, _)| *n == name) {
            // A block right inside a list item or a term continues the item's line.
            let bare = self.line.trim();
            if !tag.closing
                && prefix.is_empty()
                && OUTLINE_LINES
                    .iter()
                    .any(|(_, p)| p.trim() == bare && !bare.is_empty())
            {
                return;
            }
            self.flush();
            if !tag.closing {
                self.push(prefix);
                if name == "option" {
                    self.push(&format!(
                        "(option{})",
                        tag.shown(&["value", "selected", "disabled"])
                    ));
                }
            }
            return;
        }
        match (name, tag.closing) {
            ("th" | "td", false) => self.push(" "),
            ("th" | "td", true) => self.push(" |"),
            ("a", false) => {
                self.links.push(tag.attr("href").unwrap_or_default());
                self.push("[");
            }
            ("a", true) => {
                let href = self.links.pop().unwrap_or_default();
                self.push(&format!("]({href})"));
            }
            ("button", false) => self.push(&format!("[[{}", tag.shown(&["name", "value"]))),
            ("button", true) => self.push("]]"),
            ("input", _) => {
                let kind = tag.attr("type").unwrap_or_else(|| "text".into());
                let checked = if tag.has("checked") { " checked" } else { "" };
                self.push(&format!(
                    " {{input {kind}{}{checked}}} ",
                    tag.shown(&["name", "value"])
                ));
            }
            ("img", false) => self.push(&format!(" {{img{}}} ", tag.shown(&["alt"]))),
            _ => {}
        }
    }
}

/// Text with the entities minijinja and the templates write turned back into characters.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The URL of a new, empty database (like `empty_database`), for code that connects itself.
pub async fn empty_database_url(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(base) => {
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let name = format!("portal_t_{}_{n}", run_id());
            let _guard = CREATE_LOCK.lock().await;
            let admin = Database::connect(&base).await.expect("connect postgres");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create empty database");
            admin.close().await.ok();
            pg_url(&base, &name)
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("empty.db").display()),
    }
}
