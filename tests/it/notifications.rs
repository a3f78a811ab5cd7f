//! 站内信 and email: a notice written in an event's transaction shows up in the list, the
//! header count and the API; marking read; nobody sees or marks someone else's; and the email
//! outbox — an SMTP outage loses nothing, a restart resends nothing, two workers send each
//! email once, and a hopeless email is given up after `email.max_attempts`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::Duration;
use portal::i18n::Lang;
use portal::jobs::mailer::{self, Mailer};
use portal::jobs::outbox;
use portal::models::{email_outbox, notification, user};
use portal::services::notify::{Notice, notify};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// A tiny SMTP server: refuses (421) while down, accepts and records messages while up.

#[derive(Clone)]
struct SmtpSink {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    async fn start(up: bool) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let sink = SmtpSink {
            port: listener.local_addr().expect("addr").port(),
            up: Arc::new(AtomicBool::new(up)),
            connections: Arc::new(AtomicUsize::new(0)),
            messages: Arc::new(Mutex::new(Vec::new())),
        };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.converse(sock).await;
                });
            }
        });
        sink
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    async fn messages(&self) -> Vec<String> {
        self.messages.lock().await.clone()
    }

    async fn converse(&self, sock: TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        if !self.up.load(Ordering::SeqCst) {
            w.write_all(b"421 4.3.2 Service not available, try later\r\n")
                .await?;
            return Ok(());
        }
        w.write_all(b"220 sink.test ESMTP\r\n").await?;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            if cmd.starts_with("EHLO") {
                w.write_all(b"250-sink.test\r\n250 8BITMIME\r\n").await?;
            } else if cmd.starts_with("HELO") {
                w.write_all(b"250 sink.test\r\n").await?;
            } else if cmd == "DATA" {
                w.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                self.messages.lock().await.push(data);
                w.write_all(b"250 2.0.0 queued\r\n").await?;
            } else if cmd == "QUIT" {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                // MAIL, RCPT, RSET, NOOP …
                w.write_all(b"250 2.0.0 ok\r\n").await?;
            }
        }
    }
}

/// The app with the SMTP transport pointing at the sink.
async fn app_with_smtp(sink: &SmtpSink, max_attempts: i32, batch: u64) -> TestApp {
    let port = sink.port;
    let app = spawn_app_with(|s| {
        s.email.transport = portal::config::EmailTransport::Smtp;
        s.email.smtp_host = "127.0.0.1".into();
        s.email.smtp_port = port;
        s.email.smtp_tls = portal::config::SmtpTls::None;
        s.email.smtp_timeout_secs = 5;
        s.email.max_attempts = max_attempts;
        s.email.batch_size = batch;
        s.email.send_timeout_secs = 2;
    })
    .await;
    forget_earlier_emails(&app).await;
    app
}

fn smtp(app: &TestApp) -> Arc<dyn Mailer> {
    mailer::from_settings(&app.core.settings).expect("smtp mailer")
}

// ---------------------------------------------------------------------------------------------

async fn user_id(app: &TestApp, username: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.core.db)
        .await
        .expect("query user")
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}

pub async fn user_email(app: &TestApp, username: &str) -> String {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.core.db)
        .await
        .expect("query user")
        .and_then(|u| u.email)
        .unwrap_or_else(|| panic!("{username} has no email"))
}

/// Marks whatever the demo data queued as sent, so a test counts only its own emails.
async fn forget_earlier_emails(app: &TestApp) {
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value("sent"))
        .exec(&app.core.db)
        .await
        .expect("clear outbox");
}

fn notice(kind: &'static str, link: &str) -> Notice {
    Notice {
        kind,
        hazard_id: None,
        link: Some(link.to_string()),
        params: vec![
            ("hazard", "配电箱未接地".to_string()),
            ("enterprise", "瑞安市鸿田汽车电器有限公司".to_string()),
            ("deadline", "2026-12-31".to_string()),
        ],
    }
}

/// Writes `notice` for `usernames` in one transaction, committed.
async fn tell(app: &TestApp, usernames: &[&str], notice: &Notice) {
    let mut ids = Vec::new();
    for u in usernames {
        ids.push(user_id(app, u).await);
    }
    let txn = portal::db::begin_write(&app.core.db).await.expect("begin");
    notify(&txn, &app.core, &ids, notice).await.expect("notify");
    txn.commit().await.expect("commit");
}

/// This test's outbox rows (the demo's, marked sent by `forget_earlier_emails`, have no `sent_at`).
async fn outbox_rows(app: &TestApp) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(email_outbox::Column::Status.ne("sent"))
                .add(email_outbox::Column::SentAt.is_not_null()),
        )
        .order_by_asc(email_outbox::Column::Id)
        .all(&app.core.db)
        .await
        .expect("outbox")
}

async fn latest_notification(app: &TestApp, username: &str) -> notification::Model {
    let uid = user_id(app, username).await;
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(uid))
        .order_by_desc(notification::Column::Id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("a notification")
}

/// A time as the database keeps it (PostgreSQL: microseconds).
fn micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros()
}

/// The unread count shown in the page header (`None` when the badge is absent).
fn header_count(html: &str) -> Option<u64> {
    let at = html.find("class=\"inbox-count\"")?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    rest[start..start + end].trim().parse().ok()
}

// ---------------------------------------------------------------------------------------------
// In-app notifications.

#[tokio::test]
async fn a_notice_written_in_a_transaction_appears_in_the_list_the_header_and_the_api() {
    let app = spawn_app().await;
    let n = notice("hazard_reported", "/enterprise/hazards");
    tell(&app, &[ENTERPRISE], &n).await;
    let title = n.title(Lang::ZhCn);

    let browser = app.logged_in(ENTERPRISE).await;
    let home = browser.page("/enterprise").await;
    assert_eq!(header_count(&home), Some(1), "the header shows one unread");
    let list = browser.page("/notifications").await;
    assert!(
        list.contains(&html_escape(&title)),
        "the list shows the title"
    );
    assert!(list.contains("inbox-item unread"), "unread is highlighted");

    let token = app.api_token(ENTERPRISE).await;
    let count = app
        .api_json("/api/v1/notifications/unread-count", &token)
        .await;
    assert_eq!(count["unread"], 1);
    let items = app
        .api_json("/api/v1/notifications?unread=true", &token)
        .await;
    assert_eq!(items["total"], 1);
    assert_eq!(items["items"][0]["title"], title.as_str());
    assert_eq!(items["items"][0]["link"], "/enterprise/hazards");

    // Others are not told: their header has no badge.
    let other = app.logged_in(ENTERPRISE_OTHER).await;
    assert_eq!(header_count(&other.page("/enterprise").await), None);
}

#[tokio::test]
async fn a_rolled_back_event_leaves_neither_a_notice_nor_an_email() {
    let app = spawn_app().await;
    forget_earlier_emails(&app).await;
    let before = notification::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count");
    let uid = user_id(&app, ENTERPRISE).await;
    {
        let txn = portal::db::begin_write(&app.core.db).await.expect("begin");
        notify(&txn, &app.core, &[uid], &notice("hazard_reported", "/x"))
            .await
            .expect("notify");
        // Dropped without commit: the event failed.
    }
    let after = notification::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(after, before);
    assert!(outbox_rows(&app).await.is_empty(), "no email queued");
}

#[tokio::test]
async fn opening_a_notice_marks_it_read_and_goes_to_its_link() {
    let app = spawn_app().await;
    tell(
        &app,
        &[ENTERPRISE],
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;
    let id = latest_notification(&app, ENTERPRISE).await.id;
    let browser = app.logged_in(ENTERPRISE).await;
    let res = browser
        .post_form(
            &format!("/notifications/{id}/read"),
            "/notifications",
            &[("go", "open")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise/hazards");
    assert!(
        latest_notification(&app, ENTERPRISE)
            .await
            .read_at
            .is_some()
    );
    let html = browser.page("/notifications").await;
    assert_eq!(header_count(&html), None, "nothing unread any more");
    assert!(!html.contains("inbox-item unread"));
}

#[tokio::test]
async fn mark_all_read_clears_the_count_on_the_page_and_through_the_api() {
    let app = spawn_app().await;
    for kind in ["hazard_reported", "hazard_reminder", "hazard_overdue"] {
        tell(
            &app,
            &[ENTERPRISE, STAFF],
            &notice(kind, "/enterprise/hazards"),
        )
        .await;
    }
    let browser = app.logged_in(ENTERPRISE).await;
    assert_eq!(header_count(&browser.page("/enterprise").await), Some(3));
    let res = browser
        .post_form("/notifications/read-all", "/notifications", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(header_count(&browser.page("/notifications").await), None);
    // The staff account's notices are its own: still unread, then read through the API.
    let token = app.api_token(STAFF).await;
    assert_eq!(
        app.api_json("/api/v1/notifications/unread-count", &token)
            .await["unread"],
        3
    );
    let res = app
        .api_post(
            "/api/v1/notifications/read-all",
            &token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["marked"], 3);
    assert_eq!(
        app.api_json("/api/v1/notifications/unread-count", &token)
            .await["unread"],
        0
    );
    let all = app.api_json("/api/v1/notifications", &token).await;
    assert_eq!(all["total"], 3, "read ones stay in the list");
    assert_eq!(all["items"][0]["unread"], false);
    // Each marking is a write with its audit record; one with nothing unread writes nothing.
    let again = app
        .api_post(
            "/api/v1/notifications/read-all",
            &token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(again.status(), 200);
    let admin = app.api_token(crate::helpers::ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=notification.read_all", &admin)
        .await;
    assert_eq!(
        log["total"], 2,
        "one for each account that had unread notices: {log}"
    );
}

#[tokio::test]
async fn another_users_notice_is_not_found_and_stays_unread() {
    let app = spawn_app().await;
    tell(
        &app,
        &[ENTERPRISE],
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;
    let id = latest_notification(&app, ENTERPRISE).await.id;

    let token = app.api_token(ENTERPRISE_OTHER).await;
    let res = app
        .api_post(
            &format!("/api/v1/notifications/{id}/read"),
            &token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let list = app.api_json("/api/v1/notifications", &token).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["id"] != id),
        "not in someone else's list"
    );
    let browser = app.logged_in(ENTERPRISE_OTHER).await;
    let res = browser
        .post_form(
            &format!("/notifications/{id}/read"),
            "/notifications",
            &[("go", "open")],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert!(
        latest_notification(&app, ENTERPRISE)
            .await
            .read_at
            .is_none()
    );

    // The owner marks it through the API.
    let own = app.api_token(ENTERPRISE).await;
    let res = app
        .api_post(
            &format!("/api/v1/notifications/{id}/read"),
            &own,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["unread"], false);
}

// ---------------------------------------------------------------------------------------------
// Email.

#[tokio::test]
async fn each_recipient_with_an_address_gets_a_bilingual_email_with_an_absolute_link() {
    let app = spawn_app().await;
    forget_earlier_emails(&app).await;
    let n = notice("hazard_reported", "/enterprise/hazards");
    tell(&app, &[ENTERPRISE, STAFF], &n).await;
    let rows = outbox_rows(&app).await;
    assert_eq!(rows.len(), 2, "one email per recipient");
    let address = user_email(&app, ENTERPRISE).await;
    let row = rows
        .iter()
        .find(|r| r.to_address == address)
        .expect("an email to the enterprise admin");
    assert_eq!(row.status.as_str(), "pending");
    assert_eq!(row.attempts, 0);
    assert_eq!(
        micros(row.next_attempt_at),
        micros(app.core.now()),
        "due at once"
    );
    let (zh, en) = (n.title(Lang::ZhCn), n.title(Lang::En));
    assert!(row.subject.contains(&zh) && row.subject.contains(&en));
    let url = format!(
        "{}/enterprise/hazards",
        app.core.settings.public_url(app.core.settings.server.port)
    );
    assert!(row.body_text.contains(&url), "absolute link in the text");
    let html = row.body_html.as_deref().expect("an html part");
    assert!(
        html.contains(&html_escape(&url)),
        "absolute link in the html"
    );
    let (zh_at, en_at) = (
        row.body_text.find(&n.body(Lang::ZhCn)).expect("zh body"),
        row.body_text.rfind(&n.body(Lang::En)).expect("en body"),
    );
    assert!(zh_at <= en_at, "Chinese first, English below");
}

#[tokio::test]
async fn the_demo_file_transport_writes_each_email_to_the_mail_folder_once() {
    let app = spawn_app().await;
    forget_earlier_emails(&app).await;
    tell(
        &app,
        &[ENTERPRISE],
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;
    let file = mailer::from_settings(&app.core.settings).expect("file mailer");
    assert_eq!(
        outbox::run_once(&app.core, file.as_ref())
            .await
            .expect("run"),
        1
    );
    assert_eq!(
        outbox::run_once(&app.core, file.as_ref())
            .await
            .expect("run"),
        0
    );
    let files: Vec<_> = std::fs::read_dir(app.core.settings.mail_dir())
        .expect("mail dir")
        .filter_map(Result::ok)
        .collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read_to_string(files[0].path()).expect("eml");
    assert!(raw.contains(&user_email(&app, ENTERPRISE).await));
}

#[tokio::test]
async fn an_smtp_outage_loses_no_email_and_a_later_pass_sends_each_once() {
    let sink = SmtpSink::start(false).await;
    let app = app_with_smtp(&sink, 5, 50).await;
    let mailer = smtp(&app);
    tell(
        &app,
        &[ENTERPRISE, STAFF, COMMITTEE],
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;

    // Down: nothing is sent, every row waits with its attempt counted and a backoff.
    let start = app.core.now();
    assert_eq!(
        outbox::run_once(&app.core, mailer.as_ref())
            .await
            .expect("run"),
        0
    );
    let rows = outbox_rows(&app).await;
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.status.as_str(), "pending");
        assert_eq!(r.attempts, 1);
        assert_eq!(
            micros(r.next_attempt_at),
            micros(start + Duration::minutes(1))
        );
        assert!(r.last_error.is_some());
        assert!(r.locked_until.is_none(), "the claim is released");
    }
    // Not due yet: another pass does not even try.
    let tried = sink.connections.load(Ordering::SeqCst);
    assert_eq!(
        outbox::run_once(&app.core, mailer.as_ref())
            .await
            .expect("run"),
        0
    );
    assert_eq!(sink.connections.load(Ordering::SeqCst), tried);

    // Up, and the backoff has passed: each email goes out once.
    sink.set_up(true);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        outbox::run_once(&app.core, mailer.as_ref())
            .await
            .expect("run"),
        3
    );
    let messages = sink.messages().await;
    assert_eq!(messages.len(), 3);
    for who in [ENTERPRISE, STAFF, COMMITTEE] {
        let address = user_email(&app, who).await;
        assert_eq!(
            messages.iter().filter(|m| m.contains(&address)).count(),
            1,
            "{who} got exactly one email"
        );
    }
    for r in outbox_rows(&app).await {
        assert_eq!(r.status.as_str(), "sent");
        assert_eq!(r.sent_at.map(micros), Some(micros(app.core.now())));
    }

    // A restart (a fresh mailer, later) sends nothing again.
    app.clock.advance(Duration::hours(3));
    let restarted = smtp(&app);
    assert_eq!(
        outbox::run_once(&app.core, restarted.as_ref())
            .await
            .expect("run"),
        0
    );
    assert_eq!(sink.messages().await.len(), 3);
}

#[tokio::test]
async fn two_concurrent_workers_send_each_email_exactly_once() {
    let sink = SmtpSink::start(true).await;
    // Small batches, so the two workers interleave their claims.
    let app = app_with_smtp(&sink, 5, 3).await;
    let everyone = [
        ADMIN,
        REGULATOR,
        TOWN_REGULATOR,
        COMMITTEE,
        COMMITTEE_REGIONAL,
        ENTERPRISE,
        ENTERPRISE_OTHER,
        STAFF,
        EXPERT,
    ];
    tell(
        &app,
        &everyone,
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;
    tell(
        &app,
        &everyone,
        &notice("hazard_overdue", "/enterprise/hazards"),
    )
    .await;
    let total = outbox_rows(&app).await.len();
    assert_eq!(total, 2 * everyone.len());

    let (a, b) = (smtp(&app), smtp(&app));
    let (sent_a, sent_b) = tokio::join!(
        outbox::run_once(&app.core, a.as_ref()),
        outbox::run_once(&app.core, b.as_ref())
    );
    let (sent_a, sent_b) = (sent_a.expect("worker a"), sent_b.expect("worker b"));
    assert_eq!(sent_a + sent_b, total, "together they sent everything");
    let messages = sink.messages().await;
    assert_eq!(messages.len(), total, "and nothing twice");
    for who in everyone {
        let address = user_email(&app, who).await;
        assert_eq!(
            messages.iter().filter(|m| m.contains(&address)).count(),
            2,
            "{who} got each of the two emails once"
        );
    }
    assert!(
        outbox_rows(&app)
            .await
            .iter()
            .all(|r| r.status.as_str() == "sent" && r.attempts == 1)
    );
}

#[tokio::test]
async fn an_email_that_keeps_failing_is_given_up_after_max_attempts() {
    let sink = SmtpSink::start(false).await;
    let app = app_with_smtp(&sink, 3, 50).await;
    let mailer = smtp(&app);
    tell(
        &app,
        &[ENTERPRISE],
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;
    for attempt in 1..=3 {
        assert_eq!(
            outbox::run_once(&app.core, mailer.as_ref())
                .await
                .expect("run"),
            0
        );
        let row = &outbox_rows(&app).await[0];
        assert_eq!(row.attempts, attempt);
        let want = if attempt < 3 { "pending" } else { "failed" };
        assert_eq!(row.status.as_str(), want, "after attempt {attempt}");
        app.clock.advance(Duration::hours(2));
    }
    // Given up: even with the server back, it is not tried again.
    sink.set_up(true);
    let tried = sink.connections.load(Ordering::SeqCst);
    assert_eq!(
        outbox::run_once(&app.core, mailer.as_ref())
            .await
            .expect("run"),
        0
    );
    assert_eq!(sink.connections.load(Ordering::SeqCst), tried);
    let row = &outbox_rows(&app).await[0];
    assert_eq!(row.status.as_str(), "failed");
    assert!(
        row.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "the reason is kept"
    );
}

/// An SMTP server that accepts the connection and never says a word (not even the greeting),
/// holding every socket open until the test ends.
async fn start_silent_smtp() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind silent smtp");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    (port, accepted)
}

#[tokio::test]
async fn a_hung_smtp_server_fails_the_attempt_at_the_deadline_and_the_retry_sends_once() {
    let (silent_port, accepted) = start_silent_smtp().await;
    let sink = SmtpSink::start(true).await;
    let app = app_with_smtp(&sink, 5, 50).await;
    let mut hung_settings = (*app.core.settings).clone();
    hung_settings.email.smtp_port = silent_port;
    hung_settings.email.smtp_timeout_secs = 1;
    let hung = mailer::from_settings(&hung_settings).expect("smtp mailer");
    tell(
        &app,
        &[ENTERPRISE, STAFF],
        &notice("hazard_reported", "/enterprise/hazards"),
    )
    .await;

    // The pass ends at the configured deadline instead of waiting forever; the guard here is
    // only a failure report for a pass that hangs.
    let start = app.core.now();
    let pass = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        outbox::run_once(&app.core, hung.as_ref()),
    )
    .await
    .expect("run_once returns although the SMTP server never answers");
    assert_eq!(pass.expect("run"), 0);
    assert!(
        accepted.load(Ordering::SeqCst) >= 1,
        "the hung server was tried"
    );
    let rows = outbox_rows(&app).await;
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(
            r.status.as_str(),
            "pending",
            "a timed-out send is a failed attempt"
        );
        assert_eq!(r.attempts, 1);
        assert_eq!(
            micros(r.next_attempt_at),
            micros(start + Duration::minutes(1)),
            "with the backoff"
        );
        assert!(
            r.last_error
                .as_deref()
                .is_some_and(|e| e.contains("timed out"))
        );
        assert!(r.locked_until.is_none(), "the claim is released");
    }

    // Past the backoff, against a server that answers: each email goes out exactly once.
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        outbox::run_once(&app.core, smtp(&app).as_ref())
            .await
            .expect("run"),
        2
    );
    app.clock.advance(Duration::hours(3));
    assert_eq!(
        outbox::run_once(&app.core, smtp(&app).as_ref())
            .await
            .expect("run"),
        0
    );
    let messages = sink.messages().await;
    assert_eq!(messages.len(), 2);
    for who in [ENTERPRISE, STAFF] {
        let address = user_email(&app, who).await;
        assert_eq!(
            messages.iter().filter(|m| m.contains(&address)).count(),
            1,
            "{who} got exactly one email"
        );
    }
}
