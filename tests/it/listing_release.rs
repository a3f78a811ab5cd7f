//! A supervision listing (挂牌督办) tells the truth about its hazard: once the bureau has a
//! hazard on its list, only the bureau closes it (its verification releases the listing), and
//! a withdrawn finding leaves the list with a timeline event. The list, its filters, its page
//! and its spreadsheet show the same.

use portal::models::supervision;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{
    COMMITTEE, ENTERPRISE, REGULATOR, TOWN_REGULATOR, TestApp, sheet_rows, spawn_app,
};
use crate::inspections::INSPECTOR;
use crate::rectification::{act, event_actions, hand_in, ok, plan};
use crate::reminders::{at, major_extra, reported, run};

async fn listing(app: &TestApp, hazard_id: i64) -> supervision::Model {
    supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(hazard_id))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("listed")
}

/// The hazard ids on the bureau's list with `status`, through the API.
async fn on_list(app: &TestApp, token: &str, status: &str) -> Vec<i64> {
    let page = app
        .api_json(&format!("/api/v1/supervisions?status={status}"), token)
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["hazard_id"].as_i64())
        .collect()
}

/// Whether the caller's queue (待审核) or to-do list (待办) asks it to verify `id`.
async fn asked_to_verify(app: &TestApp, token: &str, id: i64) -> bool {
    let queue = app.api_json("/api/v1/queue", token).await;
    let todo = app.api_json("/api/v1/todo", token).await;
    let verify =
        |r: &serde_json::Value| (r["kind"] == "verify" || r["action"] == "verify") && r["id"] == id;
    [queue, todo]
        .iter()
        .any(|rows| rows["items"].as_array().expect("rows").iter().any(verify))
}

#[tokio::test]
async fn an_escalated_general_hazard_is_closed_only_by_the_bureau_which_releases_the_listing() {
    let app = spawn_app().await;
    // `b`: a general hazard at 鸿田 due on 2026-12-10, found by 瑞韩 (the reporting peer).
    // `a`, due on 2026-12-24, is not overdue and stays off the list: the contrast.
    let (a, b) = reported(&app, |_| {}).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(&app, &enterprise, a, "acknowledge", &plan("2026-12-24")).await;
    ok(&app, &enterprise, b, "acknowledge", &plan("2026-12-10")).await;
    at(&app, "2026-12-17");
    assert_eq!(run(&app).await.escalated, 1, "seven days overdue");
    assert_eq!(listing(&app, b).await.status.as_str(), "listed");
    assert!(
        crate::rectification::stored(&app, b).await.listed,
        "the escalation job writes the hazard's copy of its listing"
    );
    // Tokens are issued on the clock's day.
    let enterprise = app.api_token(ENTERPRISE).await;
    hand_in(&app, &enterprise, a).await;
    hand_in(&app, &enterprise, b).await;

    let committee = app.api_token(COMMITTEE).await;
    let peer = app.api_token(INSPECTOR).await;
    let bureau = app.api_token(TOWN_REGULATOR).await;
    for (who, token) in [("committee", &committee), ("peer", &peer)] {
        assert!(asked_to_verify(&app, token, a).await, "{who} verifies `a`");
        assert!(
            !asked_to_verify(&app, token, b).await,
            "{who}: not in its queue"
        );
        let res = act(&app, token, b, "verify", &json!({"note": "合格"}), None).await;
        assert_eq!(res.status(), 403, "{who} may not close a listed hazard");
        let res = act(&app, token, b, "reject", &json!({"reason": "不合格"}), None).await;
        assert_eq!(res.status(), 403, "{who} may not reject it either");
    }
    assert_eq!(listing(&app, b).await.status.as_str(), "listed");
    assert!(asked_to_verify(&app, &bureau, b).await, "the bureau is");
    let detail = app.api_json(&format!("/api/v1/hazards/{b}"), &bureau).await;
    assert_eq!(detail["actions"], json!(["verify", "reject"]), "{detail}");
    let detail = app
        .api_json(&format!("/api/v1/hazards/{b}"), &committee)
        .await;
    assert_eq!(detail["actions"], json!([]), "{detail}");

    let out = ok(&app, &bureau, b, "verify", &json!({"note": "现场复核合格"})).await;
    assert_eq!(out["state"], "closed");
    let row = listing(&app, b).await;
    assert_eq!(
        row.status.as_str(),
        "released",
        "closure releases the listing"
    );
    assert_eq!(row.review_result.map(|r| r.as_str()), Some("passed"));
    assert_eq!(row.reviewed_on, Some(crate::reminders::day("2026-12-17")));

    let city = app.api_token(REGULATOR).await;
    assert!(!on_list(&app, &city, "listed").await.contains(&b));
    assert!(on_list(&app, &city, "released").await.contains(&b));
}

#[tokio::test]
async fn a_withdrawn_major_hazard_leaves_the_list_with_an_event() {
    let app = spawn_app().await;
    let (_, b) = reported(&app, major_extra).await;
    assert_eq!(listing(&app, b).await.status.as_str(), "listed");
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(
        &app,
        &enterprise,
        b,
        "dispute",
        &json!({"reason": "该区域已停用并拆除"}),
    )
    .await;
    let bureau = app.api_token(TOWN_REGULATOR).await;
    let out = ok(
        &app,
        &bureau,
        b,
        "withdraw",
        &json!({"note": "现场核实已拆除"}),
    )
    .await;
    assert_eq!(out["state"], "withdrawn");

    let row = listing(&app, b).await;
    assert_eq!(
        row.status.as_str(),
        "released",
        "withdrawal releases the listing"
    );
    assert!(
        !crate::rectification::stored(&app, b).await.listed,
        "and the hazard's copy of it"
    );
    assert_eq!(
        event_actions(&app, b).await,
        [
            "report",
            "supervise",
            "dispute",
            "withdraw",
            "supervision_release"
        ]
    );
    let city = app.api_token(REGULATOR).await;
    assert!(!on_list(&app, &city, "listed").await.contains(&b));
    assert!(on_list(&app, &city, "released").await.contains(&b));

    // The page's filter and the spreadsheet agree.
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let listed = officer.page("/regulator/supervision?status=listed").await;
    assert!(!listed.contains(&format!("href=\"/hazards/{b}\"")));
    let res = officer
        .get("/regulator/supervision/export.xlsx?status=listed")
        .await;
    assert_eq!(res.status(), 200);
    let sheet = sheet_rows(&res.bytes().await.expect("body"));
    assert_eq!(sheet.len(), 1, "only the header: {sheet:?}");
    let res = officer.get("/regulator/supervision/export.xlsx").await;
    let sheet: Vec<Vec<String>> = sheet_rows(&res.bytes().await.expect("body"));
    let released = portal::i18n::t(portal::i18n::Lang::ZhCn, "supervision.status_released");
    assert!(
        sheet.iter().skip(1).all(|r| r.contains(&released)),
        "{sheet:?}"
    );
}
