//! Times are stored in UTC and shown and reckoned in the portal's zone (`time_zone`, default
//! Asia/Shanghai). The clock stands at 23:30 UTC, which is 07:30 of the next day in 瑞安:
//! pages and exports show the local time, and "today" for deadlines, overdue days, reminders
//! and "this month" is the local date.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::helpers::{COMMITTEE, ENTERPRISE, REGULATOR, TestApp, sheet_rows, spawn_app};
use crate::inspections::{INSPECTOR, multipart, setup, submission, submit};
use crate::reminders::{major_extra, notices, reported, run};

/// Moves the clock to an RFC 3339 instant.
fn set(app: &TestApp, instant: &str) {
    let t: DateTime<Utc> = instant.parse().expect("instant");
    app.clock.set(t);
}

/// 瑞韩 submits its inspection of 鸿田 (the submission adjusted first) at the clock's time.
async fn submitted(app: &TestApp, adjust: impl FnOnce(&mut Value)) -> reqwest::Response {
    let (id, items) = setup(app).await;
    let mut s = submission(&items);
    adjust(&mut s);
    let token = app.api_token(INSPECTOR).await;
    submit(app, &token, id, multipart(&s, vec![]), None).await
}

#[tokio::test]
async fn a_hazard_found_at_2330_utc_shows_the_shanghai_time_on_its_page_and_in_the_export() {
    let app = spawn_app().await;
    set(&app, "2026-11-30T23:30:00Z");
    let res = submitted(&app, major_extra).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let body: Value = res.json().await.expect("json");
    let major = body["hazard_ids"][1]
        .as_i64()
        .expect("the extra (major) hazard");

    let bureau = app.logged_in(REGULATOR).await;
    let page = bureau.page(&format!("/hazards/{major}")).await;
    assert!(page.contains("2026-12-01 07:30"), "found at, local time");
    assert!(!page.contains("2026-11-30 23:30"), "not the UTC time");

    let res = bureau.get("/regulator/supervision/export.xlsx").await;
    assert_eq!(res.status(), 200);
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains("supervision-20261201-0730"),
        "the file is named by the local time: {disposition}"
    );
    let sheet = sheet_rows(&res.bytes().await.expect("body"));
    let col = sheet[0]
        .iter()
        .position(|h| h.starts_with("挂牌时间"))
        .expect("a listed-at column");
    let row = sheet
        .iter()
        .find(|r| r[0] == "灭火器过期")
        .expect("the listing's row");
    assert_eq!(row[col], "2026-12-01 07:30", "listed at, local time");
}

#[tokio::test]
async fn a_deadline_that_is_today_in_utc_but_yesterday_in_shanghai_is_refused() {
    let app = spawn_app().await;
    set(&app, "2026-11-30T23:30:00Z");
    let res = submitted(&app, |s| {
        s["extra_hazards"][0]["deadline"] = "2026-11-30".into();
    })
    .await;
    assert_eq!(res.status(), 422, "2026-11-30 is yesterday in 瑞安");
}

#[tokio::test]
async fn reminders_and_overdue_days_count_from_the_shanghai_date() {
    let app = spawn_app().await;
    // `b` is due on 2026-12-10.
    let (_, b) = reported(&app, |_| {}).await;

    // 23:30 UTC on 12-09 is the morning of the deadline in 瑞安: the committee is told.
    set(&app, "2026-12-09T23:30:00Z");
    run(&app).await;
    assert_eq!(notices(&app, COMMITTEE, "deadline_due", b).await, 1);

    // 23:30 UTC on 12-10 is 12-11 in 瑞安: one day overdue.
    set(&app, "2026-12-10T23:30:00Z");
    let token = app.api_token(ENTERPRISE).await;
    let detail = app.api_json(&format!("/api/v1/hazards/{b}"), &token).await;
    assert_eq!(detail["overdue_days"], 1);
    let list = app.api_json("/api/v1/hazards?overdue=true", &token).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["id"] == b),
        "listed as overdue"
    );
}

#[tokio::test]
async fn today_at_2330_utc_on_the_last_day_of_a_month_is_the_first_of_the_next_month() {
    let app = spawn_app().await;
    set(&app, "2026-11-30T23:30:00Z");
    let page = app
        .logged_in(ENTERPRISE)
        .await
        .page("/enterprise/inspections?side=self")
        .await;
    assert!(
        page.contains("name=\"planned_on\" value=\"2026-12-01\""),
        "a self-inspection is planned for today, 12-01 in 瑞安"
    );
}

#[tokio::test]
async fn with_time_zone_utc_the_same_moment_is_shown_and_reckoned_in_utc() {
    let app = crate::helpers::spawn_app_with(|s| s.time_zone = "UTC".into()).await;
    set(&app, "2026-11-30T23:30:00Z");
    let res = submitted(&app, |s| {
        s["extra_hazards"][0]["deadline"] = "2026-11-30".into();
    })
    .await;
    assert_eq!(res.status(), 200, "2026-11-30 is still today in UTC");
    let body: Value = res.json().await.expect("json");
    let hazard = body["hazard_ids"][1].as_i64().expect("the extra hazard");
    let page = app
        .logged_in(REGULATOR)
        .await
        .page(&format!("/hazards/{hazard}"))
        .await;
    assert!(page.contains("2026-11-30 23:30"), "found at, UTC");
    assert!(!page.contains("2026-12-01 07:30"));

    // 23:30 UTC on 12-01: one day past the 11-30 deadline in UTC (two in 瑞安).
    set(&app, "2026-12-01T23:30:00Z");
    let token = app.api_token(ENTERPRISE).await;
    let detail = app
        .api_json(&format!("/api/v1/hazards/{hazard}"), &token)
        .await;
    assert_eq!(detail["overdue_days"], 1);
}

#[test]
fn an_unknown_time_zone_stops_the_start_up_with_a_clear_error() {
    let mut s = portal::config::Settings {
        time_zone: "Asia/Shangai".into(),
        ..Default::default()
    };
    s.auth.secret = Some(crate::helpers::TEST_SECRET.to_string().into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = rt
        .block_on(portal::db::connect("sqlite::memory:", 1))
        .expect("db");
    let clock = std::sync::Arc::new(portal::clock::ManualClock::new(Utc::now()));
    let err = portal::startup::core(db, s, clock)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("time_zone"), "{err}");
    assert!(err.contains("Asia/Shangai"), "{err}");
}
