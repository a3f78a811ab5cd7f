//! The plan's deadline is bounded by the hazard's: the enterprise may promise an earlier date,
//! never a later one (that is 延期申请, for its decider). Through the API and the page, for a
//! general and a major hazard, and again after a dispute was upheld.

use portal::domain::hazard_flow::HazardState;
use serde_json::json;

use super::*;
use crate::helpers::{COMMITTEE, ENTERPRISE, REGULATOR, csrf_in, html_escape, message, spawn_app};

/// Acknowledging `id` with a plan until `deadline` is refused on the `deadline` field and
/// changes nothing.
async fn refused_later(app: &TestApp, token: &str, id: i64, deadline: &str) {
    let before = stored(app, id).await;
    let res = act(app, token, id, "acknowledge", &plan(deadline), None).await;
    assert_eq!(res.status(), 422, "a plan until {deadline} on {id}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["deadline"],
        message("loop.plan_deadline_later"),
        "{body}"
    );
    let after = stored(app, id).await;
    assert_eq!(after.deadline, before.deadline, "the deadline stays");
    assert_eq!(after.state, before.state, "nothing changed");
}

#[tokio::test]
async fn an_enterprise_cannot_set_a_later_deadline_with_its_plan() {
    let app = spawn_app().await;
    // `a` is due on 2026-12-24 (the inspector's proposal).
    let (a, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    refused_later(&app, &enterprise, a, "2099-12-31").await;
    refused_later(&app, &enterprise, a, "2026-12-25").await;
    assert_eq!(event_actions(&app, a).await, ["report"]);

    // The deadline itself, or an earlier one, is the enterprise's to promise.
    let out = ok(&app, &enterprise, a, "acknowledge", &plan("2026-12-24")).await;
    assert_eq!(out["deadline"], "2026-12-24");
    assert_eq!(stored(&app, a).await.deadline, day("2026-12-24"));
}

#[tokio::test]
async fn a_major_hazard_keeps_its_deadline_and_a_later_one_needs_the_bureau() {
    let app = spawn_app().await;
    // Due on 2026-12-31, listed for the bureau.
    let id = major_hazard(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    refused_later(&app, &enterprise, id, "2099-12-31").await;

    // A later date only through an extension request the bureau grants.
    let asked = ok(
        &app,
        &enterprise,
        id,
        "extensions",
        &json!({"reason": "设备需厂家改造", "deadline": "2027-01-31"}),
    )
    .await;
    assert_eq!(asked["deadline"], "2026-12-31", "asked, not granted");
    let ext = asked["extension_id"].as_i64().expect("extension");
    let bureau = app.api_token(REGULATOR).await;
    ok(
        &app,
        &bureau,
        id,
        &format!("extensions/{ext}/grant"),
        &json!({}),
    )
    .await;
    let out = ok(&app, &enterprise, id, "acknowledge", &plan("2027-01-31")).await;
    assert_eq!(out["deadline"], "2027-01-31");
}

#[tokio::test]
async fn after_an_upheld_dispute_the_plan_is_still_bounded() {
    let app = spawn_app().await;
    let (_, b) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let committee = app.api_token(COMMITTEE).await;
    ok(
        &app,
        &enterprise,
        b,
        "dispute",
        &json!({"reason": "灭火器在有效期内"}),
    )
    .await;
    ok(
        &app,
        &committee,
        b,
        "uphold",
        &json!({"note": "压力表指针在红区"}),
    )
    .await;
    refused_later(&app, &enterprise, b, "2027-06-30").await;
    ok(&app, &enterprise, b, "acknowledge", &plan("2026-12-08")).await;
    assert_eq!(stored(&app, b).await.deadline, day("2026-12-08"));
}

#[tokio::test]
async fn an_overdue_hazard_is_acknowledged_with_its_own_deadline_and_stays_overdue() {
    let app = spawn_app().await;
    let (_, b) = two_hazards(&app).await;
    set_day(&app, "2026-12-12");
    let enterprise = app.api_token(ENTERPRISE).await;
    refused_later(&app, &enterprise, b, "2026-12-20").await;
    let res = act(
        &app,
        &enterprise,
        b,
        "acknowledge",
        &plan("2026-12-01"),
        None,
    )
    .await;
    assert_eq!(res.status(), 422, "earlier still and in the past");
    let out = ok(&app, &enterprise, b, "acknowledge", &plan("2026-12-10")).await;
    assert_eq!(out["deadline"], "2026-12-10");
    let h = stored(&app, b).await;
    assert_eq!(h.state, HazardState::Rectifying);
    assert_eq!(
        portal::services::rectification::overdue_days(&h, day("2026-12-12")),
        Some(2),
        "still two days late"
    );
}

#[tokio::test]
async fn the_plan_form_names_the_latest_date_and_a_later_one_comes_back_refused() {
    let app = spawn_app().await;
    let (a, _) = two_hazards(&app).await;
    let owner = app.logged_in(ENTERPRISE).await;
    let page = owner.page(&format!("/hazards/{a}")).await;
    let hint = portal::i18n::t_args(
        portal::i18n::Lang::ZhCn,
        "loop.plan_deadline_hint",
        &[("date", "2026-12-24")],
    );
    assert!(
        page.contains(&html_escape(&hint)),
        "the hint next to the field"
    );
    assert!(
        page.contains("max=\"2026-12-24\""),
        "the date picker stops there"
    );
    let csrf = csrf_in(&page).expect("csrf");
    let res = owner
        .post_raw(
            &format!("/hazards/{a}/acknowledge"),
            &[
                ("_csrf", &csrf),
                ("responsible_person", "周建华"),
                ("measures", "更换配电箱门"),
                ("funds", "800 元"),
                ("deadline", "2099-12-31"),
                ("contingency", "断电挂牌"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("value=\"2099-12-31\""), "the value kept");
    assert!(html.contains("更换配电箱门") && html.contains("800 元"));
    assert!(html.contains(&html_escape(&message("loop.plan_deadline_later"))));
    let h = stored(&app, a).await;
    assert_eq!(
        (h.state.as_str(), h.deadline),
        ("reported", day("2026-12-24"))
    );
}
