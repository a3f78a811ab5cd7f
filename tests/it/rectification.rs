//! The rectification loop through the API, on real hazards reported by a mutual inspection
//! (瑞韩's inspector finds two general hazards at 鸿田 = qiye1, in the industry alliance whose
//! committee is qpw; the bureau is yjj): the full loop to 已销号, rejection, disputes,
//! extensions, a major hazard closed only by the bureau, retries, refusals and overdue.

mod deadline;
mod decisions;
mod flow;
mod refusals;

use chrono::{NaiveDate, TimeZone, Utc};
use portal::models::{hazard, hazard_event, notification};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, bare_client};
use crate::inspections::{INSPECTOR, multipart, setup, submission, submit};
use crate::photos::{jpeg_with_exif, pdf_bytes, png_bytes};

/// The day the tests play on.
pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Sets the clock to 09:00 UTC of `date`.
pub fn set_day(app: &TestApp, date: &str) {
    let d = day(date);
    app.clock
        .set(Utc.from_utc_datetime(&d.and_hms_opt(9, 0, 0).expect("time")));
}

/// Submits 瑞韩's planned inspection `id` of 鸿田; returns the hazard ids.
async fn submit_ok(
    app: &TestApp,
    id: i64,
    s: &Value,
    files: Vec<(&str, &str, Vec<u8>)>,
) -> Vec<i64> {
    let token = app.api_token(INSPECTOR).await;
    let res = submit(app, &token, id, multipart(s, files), None).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let outcome: Value = res.json().await.expect("json");
    serde_json::from_value(outcome["hazard_ids"].clone()).expect("ids")
}

/// Two general hazards at 鸿田 (deadlines 2026-12-24 and 2026-12-10), found on 2026-11-24.
pub async fn two_hazards(app: &TestApp) -> (i64, i64) {
    set_day(app, "2026-11-24");
    let (id, items) = setup(app).await;
    let files = vec![
        ("item_photo", "箱门.jpg", jpeg_with_exif()),
        ("extra_photo", "灭火器.png", png_bytes()),
    ];
    let ids = submit_ok(app, id, &submission(&items), files).await;
    (ids[0], ids[1])
}

/// One major hazard at 鸿田 (an extra finding, deadline 2026-12-31), found on 2026-11-24.
pub async fn major_hazard(app: &TestApp) -> i64 {
    set_day(app, "2026-11-24");
    let (id, items) = setup(app).await;
    let s = json!({
        "inspectors": "张工",
        "answers": [
            {"item_id": items[0], "result": "pass"},
            {"item_id": items[1], "result": "pass"},
            {"item_id": items[2], "result": "pass"}
        ],
        "extra_hazards": [
            {"title": "粉尘涉爆区域除尘系统未按规定清理", "category": "dust", "level": "major",
             "major_clause": "《工贸企业重大事故隐患判定标准》第十一条", "location": "抛光车间",
             "deadline": "2026-12-31", "photos": ["extra_photo"]}
        ]
    });
    submit_ok(app, id, &s, vec![("extra_photo", "粉尘.png", png_bytes())]).await[0]
}

/// A complete 五落实 plan with its deadline.
pub fn plan(deadline: &str) -> Value {
    json!({
        "responsible_person": "周建华",
        "measures": "更换配电箱门并加锁，张贴警示标识",
        "funds": "800 元，企业自筹",
        "deadline": deadline,
        "contingency": "整改期间断电挂牌，专人看护"
    })
}

/// POSTs a loop action (`/api/v1/hazards/{id}/{action}`) with an optional key.
pub async fn act(
    app: &TestApp,
    token: &str,
    id: i64,
    action: &str,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = bare_client()
        .post(app.url(&format!("/api/v1/hazards/{id}/{action}")))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.expect("POST")
}

/// `act`, asserting 200; returns the outcome.
pub async fn ok(app: &TestApp, token: &str, id: i64, action: &str, body: &Value) -> Value {
    let res = act(app, token, id, action, body, None).await;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{action} on {id}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// Hands in evidence: a note and files (field `files`).
pub async fn evidence(
    app: &TestApp,
    token: &str,
    id: i64,
    note: &str,
    files: Vec<(&str, Vec<u8>)>,
    key: Option<&str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("note", note.to_string());
    for (name, bytes) in files {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let mut req = bare_client()
        .post(app.url(&format!("/api/v1/hazards/{id}/evidence")))
        .bearer_auth(token)
        .multipart(form);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.expect("POST evidence")
}

/// Evidence with one photo and one PDF, asserting 200.
pub async fn hand_in(app: &TestApp, token: &str, id: i64) -> Value {
    let res = evidence(
        app,
        token,
        id,
        "已更换箱门并加锁",
        vec![("整改后.png", png_bytes()), ("验收单.pdf", pdf_bytes())],
        None,
    )
    .await;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 200, "evidence on {id}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// The hazard row as stored.
pub async fn stored(app: &TestApp, id: i64) -> hazard::Model {
    hazard::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("hazard")
}

/// The actions of the hazard's timeline, oldest first (read from the database).
pub async fn event_actions(app: &TestApp, id: i64) -> Vec<String> {
    hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(id))
        .order_by_asc(hazard_event::Column::Id)
        .all(&app.core.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// How many notices of `kind` about hazard `id` the user got.
pub async fn notices(app: &TestApp, username: &str, kind: &str, id: i64) -> u64 {
    let user = crate::photos::user_id(app, username).await;
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::Kind.eq(kind))
        .filter(notification::Column::HazardId.eq(id))
        .count(&app.core.db)
        .await
        .expect("count")
}
