//! Reviewed snapshots of what users see most: the login page, each portal's home, the hazard
//! page in every state of the loop, the enterprise file, the to-do list, the committee's
//! queue, the notice email and the rows of the xlsx exports. The files are in
//! `tests/it/snapshots/`; the same files hold on SQLite and PostgreSQL. What changes from run
//! to run (ids, dates and times, ports, CSRF tokens, idempotency keys) is redacted.
//!
//! A changed page fails the test (always under `CI`). After reviewing the change, accept it
//! with `INSTA_UPDATE=always cargo test -p portal-tests --test it -- snapshots::` and read
//! `git diff tests/it/snapshots/` before committing.

use portal::models::email_outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::helpers::{
    ADMIN, COMMITTEE, ENTERPRISE, EXPERT, HONGTIAN, REGULATOR, TestApp, page_outline, sheet_rows,
    spawn_app,
};
use crate::inspections::INSPECTOR;
use crate::notifications::user_email;
use crate::rectification::{hand_in, major_hazard, ok, plan, set_day, two_hazards};

/// The redactions every snapshot here goes through.
fn redacted() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    for (pattern, replacement) in [
        // The test server's port.
        (r"127\.0\.0\.1:\d+", "[host]"),
        // Tokens and keys made fresh for each page.
        (r#"_csrf" value="[^"]*""#, r#"_csrf" value="[csrf]""#),
        (r"_csrf=[^&\x22\s)]+", "_csrf=[csrf]"),
        (
            r#"idempotency_key" value="[^"]*""#,
            r#"idempotency_key" value="[key]""#,
        ),
        (
            r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            "[uuid]",
        ),
        // Row ids in paths and queries (the databases number rows their own way).
        (r"(/[A-Za-z_-]+)/\d+\b", "$1/[id]"),
        (r"(&#x2f;[A-Za-z_-]+)&#x2f;\d+\b", "$1&#x2f;[id]"),
        (r"([?&](?:amp;)?[a-z_]*id)=\d+", "$1=[id]"),
        (r"\b(user|enterprise|alliance|hazard)#\d+", "$1#[id]"),
        // Stored instants and the dates the demo data got when it was loaded.
        (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", "[datetime]"),
        (r"\b\d{2}:\d{2}:\d{2}\b", "[time]"),
    ] {
        s.add_filter(pattern, replacement);
    }
    s
}

/// Asserts the outline of `html`'s `<main>` against the snapshot `name`.
fn assert_page(name: &str, html: &str) {
    redacted().bind(|| insta::assert_snapshot!(name, page_outline(html)));
}

/// The page at `path` as `username` sees it.
async fn page_of(app: &TestApp, username: &str, path: &str) -> String {
    app.logged_in(username).await.page(path).await
}

#[tokio::test]
async fn the_login_page() {
    let app = spawn_app().await;
    let html = app.visitor().page("/login").await;
    assert_page("login", &html);
}

#[tokio::test]
async fn the_admin_home() {
    let app = spawn_app().await;
    assert_page("home_admin", &page_of(&app, ADMIN, "/admin").await);
}

#[tokio::test]
async fn the_regulator_home() {
    let app = spawn_app().await;
    assert_page(
        "home_regulator",
        &page_of(&app, REGULATOR, "/regulator").await,
    );
}

#[tokio::test]
async fn the_committee_home() {
    let app = spawn_app().await;
    let html = page_of(&app, COMMITTEE, "/committee").await;
    let outline = page_outline(&html);
    redacted().bind(|| insta::assert_snapshot!("home_committee", outline));
}

#[tokio::test]
async fn the_enterprise_home() {
    let app = spawn_app().await;
    assert_page(
        "home_enterprise",
        &page_of(&app, ENTERPRISE, "/enterprise").await,
    );
}

#[tokio::test]
async fn the_expert_home() {
    let app = spawn_app().await;
    assert_page("home_expert", &page_of(&app, EXPERT, "/expert").await);
}

// ---------------------------------------------------------------------------------------------
// The hazard page through the loop: 灭火器过期 at 鸿田 (deadline 2026-12-10), found on
// 2026-11-24, each state seen by the party whose turn it is.

/// The second hazard of `two_hazards`: general, due on 2026-12-10.
async fn reported(app: &TestApp) -> i64 {
    two_hazards(app).await.1
}

/// Reported and acknowledged with a plan until 2026-12-08.
async fn rectifying(app: &TestApp) -> i64 {
    let id = reported(app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(app, &enterprise, id, "acknowledge", &plan("2026-12-08")).await;
    id
}

/// Rectifying, and the evidence handed in on 2026-11-26.
async fn awaiting_verification(app: &TestApp) -> i64 {
    let id = rectifying(app).await;
    set_day(app, "2026-11-26");
    hand_in(app, &app.api_token(ENTERPRISE).await, id).await;
    id
}

/// The enterprise disputes hazard `id` for `reason`.
async fn dispute(app: &TestApp, id: i64, reason: &str) {
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(
        app,
        &enterprise,
        id,
        "dispute",
        &json!({ "reason": reason }),
    )
    .await;
}

async fn hazard_page(app: &TestApp, username: &str, id: i64) -> String {
    page_of(app, username, &format!("/hazards/{id}")).await
}

#[tokio::test]
async fn a_reported_hazard_as_the_enterprise_sees_it() {
    let app = spawn_app().await;
    let id = reported(&app).await;
    assert_page("hazard_reported", &hazard_page(&app, ENTERPRISE, id).await);
}

#[tokio::test]
async fn a_disputed_hazard_as_the_committee_sees_it() {
    let app = spawn_app().await;
    let id = reported(&app).await;
    dispute(&app, id, "灭火器在有效期内").await;
    assert_page("hazard_disputed", &hazard_page(&app, COMMITTEE, id).await);
}

#[tokio::test]
async fn a_hazard_in_rectification_as_the_enterprise_sees_it() {
    let app = spawn_app().await;
    let id = rectifying(&app).await;
    assert_page(
        "hazard_rectifying",
        &hazard_page(&app, ENTERPRISE, id).await,
    );
}

#[tokio::test]
async fn a_hazard_awaiting_verification_as_the_committee_sees_it() {
    let app = spawn_app().await;
    let id = awaiting_verification(&app).await;
    assert_page(
        "hazard_awaiting_verification",
        &hazard_page(&app, COMMITTEE, id).await,
    );
}

#[tokio::test]
async fn a_closed_hazard_as_the_enterprise_sees_it() {
    let app = spawn_app().await;
    let id = awaiting_verification(&app).await;
    let inspector = app.api_token(INSPECTOR).await;
    let passed = json!({"note": "现场复查合格"});
    ok(&app, &inspector, id, "verify", &passed).await;
    assert_page("hazard_closed", &hazard_page(&app, ENTERPRISE, id).await);
}

#[tokio::test]
async fn an_overdue_hazard_as_the_enterprise_sees_it() {
    let app = spawn_app().await;
    let id = rectifying(&app).await;
    // Three days past the plan's deadline.
    set_day(&app, "2026-12-11");
    assert_page("hazard_overdue", &hazard_page(&app, ENTERPRISE, id).await);
}

// ---------------------------------------------------------------------------------------------
// The enterprise file, the to-do list and the queue.

#[tokio::test]
async fn the_enterprise_file_as_the_bureau_sees_it() {
    let app = spawn_app().await;
    reported(&app).await;
    let id = app.enterprise_id(HONGTIAN).await;
    let html = page_of(&app, REGULATOR, &format!("/regulator/enterprises/{id}")).await;
    assert_page("enterprise_file", &html);
}

#[tokio::test]
async fn the_enterprise_to_do_list() {
    let app = spawn_app().await;
    // One hazard to acknowledge, one in rectification.
    let (a, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(&app, &enterprise, a, "acknowledge", &plan("2026-12-20")).await;
    assert_page(
        "enterprise_todo",
        &page_of(&app, ENTERPRISE, "/enterprise/todo").await,
    );
}

#[tokio::test]
async fn the_committee_queue() {
    let app = spawn_app().await;
    // One dispute to decide and one rectification to verify.
    let (a, b) = two_hazards(&app).await;
    dispute(&app, a, "配电箱门已在检查后更换").await;
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(&app, &enterprise, b, "acknowledge", &plan("2026-12-08")).await;
    hand_in(&app, &enterprise, b).await;
    assert_page(
        "committee_queue",
        &page_of(&app, COMMITTEE, "/committee/queue").await,
    );
}

// ---------------------------------------------------------------------------------------------
// The notice email.

#[tokio::test]
async fn the_notice_email_of_a_reported_hazard() {
    let app = spawn_app().await;
    let id = reported(&app).await;
    let address = user_email(&app, ENTERPRISE).await;
    let email = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq(address))
        .order_by_desc(email_outbox::Column::Id)
        .one(&app.core.db)
        .await
        .expect("query outbox")
        .expect("an email to the enterprise admin");
    let shown = format!(
        "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}",
        email.subject,
        email.body_text,
        email.body_html.as_deref().unwrap_or("(none)")
    );
    assert!(shown.contains(&format!("/hazards/{id}")), "{shown}");
    redacted().bind(|| insta::assert_snapshot!("email_hazard_reported", shown));
}

// ---------------------------------------------------------------------------------------------
// The xlsx exports, one line per row, cells split by ` | `.

/// The rows of the xlsx at `path` as `username` downloads it.
async fn export_rows(app: &TestApp, username: &str, path: &str) -> String {
    let res = app.logged_in(username).await.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    table_text(&sheet_rows(&res.bytes().await.expect("body")))
}

/// One line per row, cells split by ` | `.
fn table_text(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|row| row.join(" | "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_enterprise_register_export() {
    let app = spawn_app().await;
    let res = app
        .logged_in(REGULATOR)
        .await
        .get("/regulator/enterprises/export.xlsx")
        .await;
    assert_eq!(res.status(), 200);
    let sheet = sheet_rows(&res.bytes().await.expect("body"));
    let rows = table_text(&sheet);
    redacted().bind(|| insta::assert_snapshot!("export_enterprises", rows));
}

#[tokio::test]
async fn the_alliance_export() {
    let app = spawn_app().await;
    let rows = export_rows(&app, REGULATOR, "/regulator/alliances/export.xlsx").await;
    redacted().bind(|| insta::assert_snapshot!("export_alliances", rows));
}

#[tokio::test]
async fn the_committee_member_export() {
    let app = spawn_app().await;
    let rows = export_rows(&app, COMMITTEE, "/committee/members/export.xlsx").await;
    let mut settings = redacted();
    // The join date, the day the demo data was loaded.
    settings.add_filter(r"(?m)\| \d{4}-\d{2}-\d{2}$", "| [joined]");
    settings.bind(|| insta::assert_snapshot!("export_members", rows));
}

#[tokio::test]
async fn the_supervision_export() {
    let app = spawn_app().await;
    major_hazard(&app).await;
    let rows = export_rows(&app, REGULATOR, "/regulator/supervision/export.xlsx").await;
    redacted().bind(|| insta::assert_snapshot!("export_supervision", rows));
}
