//! 三色标签: scores and labels on known hazards with a moving clock, the bureau's rules per
//! region (inherited down the tree, set only inside the officer's jurisdiction, relabelling at
//! once with history), the 一企一档 section and the enterprise list filtered by label.
//!
//! The default rules: base 100; 3 off per open general hazard, 20 per open major one, 1 per
//! overdue day; 2 back per hazard closed on time in the last 365 days; green from 85, yellow
//! from 60. The demo data has no hazards, so every demo enterprise starts at 100, green.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use portal::domain::inspection::HazardCategory;
use portal::models::{enterprise, hazard};
use portal::services::labels;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::*;

/// 塘下镇, where 鸿田 (ENTERPRISE) is.
const TANGXIA: &str = "330381101";
const CITY: &str = "330381";
/// 瑞安市鸿田汽车电器有限公司's name, as pages show it.
const HONGTIAN_NAME: &str = "瑞安市鸿田汽车电器有限公司";
/// 瑞安市华鑫包装有限公司 (锦湖街道).
const HUAXIN_NAME: &str = "瑞安市华鑫包装有限公司";

/// A hazard of `enterprise_id` as it stands, inserted directly.
async fn hazard(
    app: &TestApp,
    enterprise_id: i64,
    level: &str,
    state: &str,
    deadline: NaiveDate,
    closed_at: Option<DateTime<Utc>>,
) -> hazard::Model {
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise");
    let now = app.core.now();
    hazard::ActiveModel {
        inspection_id: Set(None),
        answer_id: Set(None),
        enterprise_id: Set(enterprise_id),
        region_path: Set(e.region_path),
        alliance_id: Set(None),
        reporter_user_id: Set(None),
        reporter_enterprise_id: Set(None),
        category: Set(HazardCategory::Fire),
        level: Set(level.parse().expect("a hazard level code")),
        major_clause: Set(None),
        title: Set(format!("{level} {state} {deadline}")),
        description: Set("测试隐患".into()),
        location: Set("车间".into()),
        legal_basis: Set("《消防法》".into()),
        suggested_measure: Set("整改".into()),
        found_at: Set(now),
        deadline: Set(deadline),
        state: Set(state.parse().expect("a hazard state code")),
        created_at: Set(now),
        updated_at: Set(now),
        rectified_at: Set(None),
        verified_by: Set(None),
        verified_at: Set(None),
        closed_at: Set(closed_at),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("insert hazard")
}

/// Moves a hazard to `state` (closing it now when `closed`).
async fn set_state(app: &TestApp, h: &hazard::Model, state: &str) {
    let mut m: hazard::ActiveModel = h.clone().into();
    m.state = Set(state.parse().expect("a hazard state code"));
    if state == "closed" {
        m.closed_at = Set(Some(app.core.now()));
    }
    m.update(&app.core.db).await.expect("update hazard");
}

async fn recompute(app: &TestApp, enterprise_id: i64, reason: &str) {
    labels::recompute(&app.core.db, &app.core, enterprise_id, reason)
        .await
        .expect("recompute");
}

/// (score, label) stored on the enterprise.
async fn stored(app: &TestApp, enterprise_id: i64) -> (Option<i32>, Option<String>) {
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise");
    (e.score, e.label)
}

/// The score history through the API, newest first, as (score, label, reason).
fn history(scores: &Value) -> Vec<(i64, String, String)> {
    scores["history"]["items"]
        .as_array()
        .expect("history items")
        .iter()
        .map(|h| {
            (
                h["score"].as_i64().expect("score"),
                h["label"].as_str().expect("label").to_string(),
                h["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect()
}

fn entry(score: i64, label: &str, reason: &str) -> (i64, String, String) {
    (score, label.to_string(), reason.to_string())
}

async fn put_rules(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    bare_client()
        .put(app.url("/api/v1/labels/rules"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PUT rules")
}

/// The default rules with other points per open major hazard, for `region` (None: own).
fn rules_with_major(region: Option<&str>, per_major: i64) -> Value {
    json!({
        "region": region,
        "base": 100, "per_general": 3, "per_major": per_major, "per_overdue_day": 1,
        "timely_bonus": 2, "green_min": 85, "yellow_min": 60,
    })
}

#[tokio::test]
async fn scores_and_labels_follow_open_overdue_and_timely_closed_hazards() {
    let app = spawn_app().await;
    let id = app.enterprise_id(HONGTIAN).await;
    let scores_url = format!("/api/v1/enterprises/{id}/scores");
    let t0 = app.core.now();
    let d0 = app.core.today();
    let days = Duration::days;

    // The demo seed scored every enterprise: no hazards, 100, green.
    assert_eq!(stored(&app, id).await, (Some(100), Some("green".into())));

    // Two open general hazards and an open major one, none overdue; and hazards that do not
    // count: withdrawn, closed late, closed on time but more than a year ago.
    let g1 = hazard(&app, id, "general", "reported", d0 + days(10), None).await;
    let _g2 = hazard(&app, id, "general", "rectifying", d0 + days(10), None).await;
    let m1 = hazard(&app, id, "major", "rectifying", d0 + days(5), None).await;
    hazard(&app, id, "general", "withdrawn", d0 - days(30), None).await;
    hazard(
        &app,
        id,
        "general",
        "closed",
        d0 - days(60),
        Some(t0 - days(30)),
    )
    .await;
    hazard(
        &app,
        id,
        "general",
        "closed",
        d0 - days(400),
        Some(t0 - days(401)),
    )
    .await;
    recompute(&app, id, "hazard.reported").await;
    // 100 − 2×3 − 20 = 74.
    assert_eq!(stored(&app, id).await, (Some(74), Some("yellow".into())));

    // A hazard closed on time (two days before its deadline) 12 days ago: 2 points back.
    hazard(
        &app,
        id,
        "general",
        "closed",
        d0 - days(10),
        Some(t0 - days(12)),
    )
    .await;
    recompute(&app, id, "hazard.verify").await;
    assert_eq!(stored(&app, id).await, (Some(76), Some("yellow".into())));

    // 20 days later the deadlines have passed: the general ones by 10 days each, the major one
    // by 15: 76 − 35 = 41, red. The daily run finds it.
    app.clock.advance(days(20));
    let changed = labels::daily(&app.core).await.expect("daily run");
    assert_eq!(changed, 1, "only 鸿田 has hazards");
    assert_eq!(stored(&app, id).await, (Some(41), Some("red".into())));

    // The major hazard disputed (申诉中): still open, but its days stop counting. (The same
    // holds for 待验收, `awaiting_verification`, which does not fit the 16-character state
    // column on PostgreSQL yet.)
    // 100 − 6 − 20 − 20 + 2 = 56: still red, another score.
    set_state(&app, &m1, "disputed").await;
    recompute(&app, id, "hazard.dispute").await;
    assert_eq!(stored(&app, id).await, (Some(56), Some("red".into())));

    // Closed (late: no bonus): 100 − 6 − 20 + 2 = 76, yellow again.
    set_state(&app, &m1, "closed").await;
    recompute(&app, id, "hazard.verify").await;
    assert_eq!(stored(&app, id).await, (Some(76), Some("yellow".into())));

    // Nothing changed: no new history entry.
    recompute(&app, id, "hazard.comment").await;
    labels::daily(&app.core).await.expect("daily run");

    // (A token issued now: the clock has moved past the first one's lifetime.)
    let token = app.api_token(REGULATOR).await;
    let scores = app.api_json(&scores_url, &token).await;
    assert_eq!(scores["score"], 76);
    assert_eq!(scores["label"], "yellow");
    assert_eq!(
        history(&scores),
        vec![
            entry(76, "yellow", "hazard.verify"),
            entry(56, "red", "hazard.dispute"),
            entry(41, "red", "daily"),
            entry(76, "yellow", "hazard.verify"),
            entry(74, "yellow", "hazard.reported"),
            entry(100, "green", "seed.demo"),
        ]
    );

    // One day later the two general hazards are each a day more overdue: 74.
    app.clock.advance(days(1));
    labels::daily(&app.core).await.expect("daily run");
    assert_eq!(stored(&app, id).await, (Some(74), Some("yellow".into())));

    // The first general hazard closed (late, no bonus): 100 − 3 − 11 + 2 = 88, green.
    set_state(&app, &g1, "closed").await;
    recompute(&app, id, "hazard.verify").await;
    assert_eq!(stored(&app, id).await, (Some(88), Some("green".into())));

    // The 一企一档: the bureau's file page and the enterprise's home show the badge, the score
    // and the history with its reasons.
    let officer = app.logged_in(REGULATOR).await;
    let html = officer.page(&format!("/regulator/enterprises/{id}")).await;
    assert!(html.contains("label-badge label-green"), "{html}");
    assert!(html.contains(&message("labels.score_is").replace("{score}", "88")));
    assert!(html.contains(&message("labels.reason_hazard_dispute")));
    assert!(html.contains(&message("labels.reason_seed_demo")));
    let own = app.logged_in(ENTERPRISE).await;
    let html = own.page("/enterprise").await;
    assert!(html.contains("label-badge label-green"));
    assert!(html.contains(&message("labels.file_title")));
}

#[tokio::test]
async fn the_scores_of_an_enterprise_are_read_inside_the_callers_scope() {
    let app = spawn_app().await;
    let id = app.enterprise_id(HONGTIAN).await;
    let url = format!("/api/v1/enterprises/{id}/scores");
    for user in [
        REGULATOR,
        TOWN_REGULATOR,
        ENTERPRISE,
        STAFF,
        COMMITTEE,
        ADMIN,
    ] {
        let token = app.api_token(user).await;
        let scores = app.api_json(&url, &token).await;
        assert_eq!(scores["label"], "green", "{user}");
    }
    for user in [ENTERPRISE_OTHER, EXPERT] {
        let token = app.api_token(user).await;
        assert_eq!(app.api_get(&url, &token).await.status(), 404, "{user}");
    }
    let token = app.api_token(REGULATOR).await;
    let res = app
        .api_get("/api/v1/enterprises/999999/scores", &token)
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn changing_the_rules_relabels_the_region_at_once_and_keeps_the_history() {
    let app = spawn_app().await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let d0 = app.core.today();
    let later = d0 + Duration::days(30);
    for id in [hongtian, huaxin] {
        hazard(&app, id, "major", "rectifying", later, None).await;
        recompute(&app, id, "hazard.reported").await;
        assert_eq!(stored(&app, id).await, (Some(80), Some("yellow".into())));
    }

    // 塘下镇 sets its own rules: 10 per major hazard. 鸿田 (塘下镇) turns green at once; 华鑫
    // (锦湖街道) keeps the defaults.
    let town = app.api_token(TOWN_REGULATOR).await;
    let res = put_rules(&app, &town, rules_with_major(None, 10)).await;
    assert_eq!(res.status(), 200);
    let set: Value = res.json().await.expect("json");
    assert_eq!(set["region_code"], TANGXIA);
    assert_eq!(set["rules"]["per_major"], 10);
    assert_eq!(set["previous"], Value::Null);
    assert_eq!(set["recomputed"], 1, "only 鸿田's score changed: {set}");
    assert_eq!(
        stored(&app, hongtian).await,
        (Some(90), Some("green".into()))
    );
    assert_eq!(
        stored(&app, huaxin).await,
        (Some(80), Some("yellow".into()))
    );

    // The town's page of rules: its own, what it would inherit (the defaults).
    let overview = app.api_json("/api/v1/labels/rules", &town).await;
    assert_eq!(overview["region"]["code"], TANGXIA);
    assert_eq!(overview["region"]["origin"], "own");
    assert_eq!(overview["region"]["rules"]["per_major"], 10);
    assert_eq!(overview["region"]["inherited_origin"], "default");
    assert_eq!(overview["region"]["inherited"]["per_major"], 20);
    assert_eq!(overview["region"]["distribution"]["total"], 10);

    // The city sets 30 per major hazard: 华鑫 follows (70, still yellow); 塘下镇 keeps its own.
    let city = app.api_token(REGULATOR).await;
    let res = put_rules(&app, &city, rules_with_major(None, 30)).await;
    assert_eq!(res.status(), 200);
    let set: Value = res.json().await.expect("json");
    assert_eq!(set["region_code"], CITY);
    assert_eq!(set["recomputed"], 1, "only 华鑫's score changed: {set}");
    assert_eq!(
        stored(&app, huaxin).await,
        (Some(70), Some("yellow".into()))
    );
    assert_eq!(
        stored(&app, hongtian).await,
        (Some(90), Some("green".into()))
    );
    let overview = app.api_json("/api/v1/labels/rules", &city).await;
    assert_eq!(overview["region"]["origin"], "own");
    let tangxia = overview["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["code"] == TANGXIA)
        .expect("塘下镇")
        .clone();
    assert_eq!(tangxia["origin"], "own");
    assert_eq!(tangxia["inherited"]["per_major"], 30);
    assert_eq!(tangxia["inherited_origin"], "inherited");
    let jinhu = overview["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["code"] == "330381003")
        .expect("锦湖街道")
        .clone();
    assert_eq!(jinhu["origin"], "inherited");
    assert_eq!(jinhu["rules"]["per_major"], 30);
    // Every demo enterprise is green except 华鑫.
    assert_eq!(overview["region"]["distribution"]["green"], 39);
    assert_eq!(overview["region"]["distribution"]["yellow"], 1);
    assert_eq!(overview["region"]["distribution"]["red"], 0);

    // The same rules again change no score and add no history.
    let res = put_rules(&app, &city, rules_with_major(None, 30)).await;
    let set: Value = res.json().await.expect("json");
    assert_eq!(set["recomputed"], 0);
    assert_eq!(set["previous"]["per_major"], 30);

    let scores = app
        .api_json(&format!("/api/v1/enterprises/{huaxin}/scores"), &city)
        .await;
    assert_eq!(
        history(&scores),
        vec![
            entry(70, "yellow", "rules.changed"),
            entry(80, "yellow", "hazard.reported"),
            entry(100, "green", "seed.demo"),
        ]
    );
    let scores = app
        .api_json(&format!("/api/v1/enterprises/{hongtian}/scores"), &city)
        .await;
    assert_eq!(history(&scores)[0], entry(90, "green", "rules.changed"));

    // Each change is audited.
    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=labels.rules.set", &admin)
        .await;
    assert_eq!(log["total"], 3, "{log}");
}

#[tokio::test]
async fn a_town_officer_sets_its_own_towns_rules_but_not_the_citys() {
    let app = spawn_app().await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let res = put_rules(&app, &town, rules_with_major(Some(CITY), 5)).await;
    assert_eq!(res.status(), 404, "the city is above the town officer");
    let res = put_rules(&app, &town, rules_with_major(Some("330381003"), 5)).await;
    assert_eq!(res.status(), 404, "another town is beside it");
    let res = put_rules(&app, &town, rules_with_major(Some(TANGXIA), 5)).await;
    assert_eq!(res.status(), 200);
    // Nor can it read the city's rules.
    let res = app
        .api_get(&format!("/api/v1/labels/rules?region={CITY}"), &town)
        .await;
    assert_eq!(res.status(), 404);

    // Through the page the same: the city's rules are out of reach.
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let mut form = vec![("region", CITY)];
    let values = [
        ("base", "100"),
        ("per_general", "3"),
        ("per_major", "5"),
        ("per_overdue_day", "1"),
        ("timely_bonus", "2"),
        ("green_min", "85"),
        ("yellow_min", "60"),
    ];
    form.extend(values);
    let res = officer
        .post_form("/regulator/labels", "/regulator/labels", &form)
        .await;
    assert_eq!(res.status(), 404);

    // Nobody else sets rules: the admin reads them only; committee, enterprise and experts
    // neither read nor set.
    for user in [ADMIN, COMMITTEE, ENTERPRISE, STAFF, EXPERT] {
        let token = app.api_token(user).await;
        let res = put_rules(&app, &token, rules_with_major(None, 5)).await;
        assert_eq!(res.status(), 403, "{user}");
    }
    let admin = app.api_token(ADMIN).await;
    let overview = app.api_json("/api/v1/labels/rules", &admin).await;
    assert_eq!(overview["region"]["code"], CITY);
    let committee = app.api_token(COMMITTEE).await;
    let res = app.api_get("/api/v1/labels/rules", &committee).await;
    assert_eq!(res.status(), 403);
    let log = app
        .api_json("/api/v1/audit?action=labels.rules.set", &admin)
        .await;
    assert_eq!(log["total"], 1, "only the town's own change: {log}");
}

#[tokio::test]
async fn invalid_rules_are_refused_field_by_field_and_change_nothing() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let res = put_rules(
        &app,
        &city,
        json!({ "base": 101, "per_general": 3, "per_major": 20, "per_overdue_day": 1,
                "timely_bonus": 2, "green_min": 85 }),
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["base"],
        message("labels.out_of_range"),
        "{body}"
    );
    assert_eq!(
        body["fields"]["yellow_min"],
        message("labels.number_required")
    );
    let res = put_rules(
        &app,
        &city,
        json!({ "base": 100, "per_general": 3, "per_major": 20, "per_overdue_day": 1,
                "timely_bonus": 2, "green_min": 60, "yellow_min": 60 }),
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["green_min"],
        message("labels.green_not_above_yellow")
    );

    // The page keeps what was typed and shows the message next to the field.
    let officer = app.logged_in(REGULATOR).await;
    let res = officer
        .post_form(
            "/regulator/labels",
            "/regulator/labels",
            &[
                ("region", CITY),
                ("base", "80"),
                ("per_general", "3"),
                ("per_major", "abc"),
                ("per_overdue_day", "1"),
                ("timely_bonus", "2"),
                ("green_min", "85"),
                ("yellow_min", "60"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("labels.number_required"))));
    assert!(html.contains("value=\"abc\""));
    assert!(html.contains("value=\"80\""));

    let overview = app.api_json("/api/v1/labels/rules", &city).await;
    assert_eq!(overview["region"]["origin"], "default");
    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=labels.rules.set", &admin)
        .await;
    assert_eq!(log["total"], 0);
}

#[tokio::test]
async fn the_labels_page_shows_the_distribution_and_saves_a_child_regions_rules() {
    let app = spawn_app().await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let d0 = app.core.today();
    hazard(
        &app,
        hongtian,
        "major",
        "reported",
        d0 + Duration::days(9),
        None,
    )
    .await;
    recompute(&app, hongtian, "hazard.reported").await;

    let officer = app.logged_in(REGULATOR).await;
    let html = officer.page("/regulator/labels").await;
    assert!(html.contains(&message("labels.title")));
    assert!(html.contains("<span class=\"label-badge label-green\">39</span>"));
    assert!(html.contains("<span class=\"label-badge label-yellow\">1</span>"));
    assert!(html.contains("<span class=\"label-badge label-red\">0</span>"));
    assert!(html.contains(&format!("data-region=\"{TANGXIA}\"")));
    // The navigation leads here.
    let home = officer.page("/regulator").await;
    assert!(home.contains(&format!("href=\"{}\"", html_escape("/regulator/labels"))));

    let res = officer
        .post_form(
            "/regulator/labels",
            "/regulator/labels",
            &[
                ("region", TANGXIA),
                ("base", "100"),
                ("per_general", "3"),
                ("per_major", "10"),
                ("per_overdue_day", "1"),
                ("timely_bonus", "2"),
                ("green_min", "85"),
                ("yellow_min", "60"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/regulator/labels?saved={TANGXIA}"));
    let html = officer.page(&location(&res)).await;
    assert!(html.contains(&html_escape(
        &message("labels.saved").replace("{region}", "塘下镇")
    )));
    assert!(html.contains("<span class=\"label-badge label-green\">40</span>"));
    // The form starts on the region just saved, with its values.
    assert!(html.contains(&format!("<option value=\"{TANGXIA}\" selected>")));
    assert!(html.contains("id=\"f-per_major\" name=\"per_major\" type=\"number\" min=\"0\" max=\"100\" step=\"1\" inputmode=\"numeric\" required value=\"10\""));
    assert_eq!(
        stored(&app, hongtian).await,
        (Some(90), Some("green".into()))
    );
}

#[tokio::test]
async fn the_enterprise_list_filters_by_label_in_the_page_the_api_and_the_export() {
    let app = spawn_app().await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let d0 = app.core.today();
    for _ in 0..3 {
        hazard(
            &app,
            hongtian,
            "major",
            "rectifying",
            d0 + Duration::days(9),
            None,
        )
        .await;
    }
    hazard(
        &app,
        huaxin,
        "major",
        "rectifying",
        d0 + Duration::days(9),
        None,
    )
    .await;
    recompute(&app, hongtian, "hazard.reported").await;
    recompute(&app, huaxin, "hazard.reported").await;

    let token = app.api_token(REGULATOR).await;
    let red = app
        .api_json("/api/v1/enterprises?label=red&per_page=100", &token)
        .await;
    assert_eq!(red["total"], 1, "{red}");
    assert_eq!(red["items"][0]["id"], hongtian);
    assert_eq!(red["items"][0]["score"], 40);
    assert_eq!(red["items"][0]["label"], "red");
    assert_eq!(red["items"][0]["name"], HONGTIAN_NAME);
    let yellow = app
        .api_json("/api/v1/enterprises?label=yellow&per_page=100", &token)
        .await;
    assert_eq!(yellow["total"], 1);
    assert_eq!(yellow["items"][0]["id"], huaxin);
    assert_eq!(yellow["items"][0]["score"], 80);
    let green = app
        .api_json("/api/v1/enterprises?label=green&per_page=100", &token)
        .await;
    assert_eq!(green["total"], 38);
    for e in green["items"].as_array().expect("items") {
        assert_eq!(e["label"], "green");
        assert_eq!(e["score"], 100);
    }
    // The town officer's red list stays inside the town; 华鑫 is not in it.
    let town = app.api_token(TOWN_REGULATOR).await;
    let yellow = app
        .api_json("/api/v1/enterprises?label=yellow", &town)
        .await;
    assert_eq!(yellow["total"], 0);

    let officer = app.logged_in(REGULATOR).await;
    let html = officer.page("/regulator/enterprises?label=red").await;
    assert!(html.contains(HONGTIAN_NAME));
    assert!(!html.contains(HUAXIN_NAME));
    assert!(html.contains("data-label=\"red\""));
    assert!(html.contains("<option value=\"red\" selected>"));
    let html = officer.page("/regulator/enterprises").await;
    assert!(html.contains("data-label=\"yellow\""));
    assert!(html.contains("data-label=\"green\""));

    let res = officer
        .get("/regulator/enterprises/export.xlsx?label=red")
        .await;
    assert_eq!(res.status(), 200);
    let rows = sheet_rows(&res.bytes().await.expect("bytes"));
    assert_eq!(rows.len(), 2, "header and 鸿田");
    assert_eq!(rows[0][11], "安全分");
    assert_eq!(rows[0][12], "三色标签");
    assert_eq!(rows[1][0], HONGTIAN);
    assert_eq!(rows[1][11], "40");
    assert_eq!(rows[1][12], "红");
}

#[tokio::test]
async fn a_hazard_row_with_an_unknown_stored_state_is_an_error_when_read_not_a_default() {
    let app = spawn_app().await;
    let id = app.enterprise_id(HONGTIAN).await;
    let today = app.core.today();
    let h = hazard(&app, id, "general", "reported", today, None).await;
    hazard::Entity::update_many()
        .col_expr(hazard::Column::State, Expr::value("on_hold"))
        .filter(hazard::Column::Id.eq(h.id))
        .exec(&app.core.db)
        .await
        .expect("store an unknown code");

    let read = hazard::Entity::find_by_id(h.id).one(&app.core.db).await;
    let err = read.expect_err("an unknown state code does not read as a hazard");
    assert!(err.to_string().contains("on_hold"), "{err}");
}
