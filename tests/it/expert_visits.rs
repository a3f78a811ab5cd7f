//! An expert's visit (专家上门服务) is an inspection of kind `expert`: the expert starts it and
//! hands in its findings as hazards in the same closed loop; the inspected enterprise may
//! dispute them (the bureau decides, as for any hazard found outside an alliance); the expert
//! verifies the rectification of its own general findings. An expert sees its own visits and
//! their findings, nothing else.

use portal::models::{enterprise, user};
use portal::services::audit::Author;
use portal::services::inspections::{ExpertVisit, plan_expert_visit};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::inspections::{checklist, multipart, setup, submission, submit};
use crate::photos::{jpeg_with_exif, png_bytes};
use crate::rectification::{act, hand_in, notices, ok, plan, set_day, stored};

/// The demo expert behind the `zhuanjia` account.
async fn expert_id(app: &TestApp) -> i64 {
    user::Entity::find()
        .filter(user::Column::Username.eq(EXPERT))
        .one(&app.core.db)
        .await
        .expect("query")
        .and_then(|u| u.expert_id)
        .expect("the expert account")
}

async fn enterprise_id(app: &TestApp, credit_code: &str) -> i64 {
    enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(credit_code))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise")
        .id
}

/// Plans a visit of the demo expert to 鸿田 with the city's checklist (as the step that
/// schedules a service request does); returns the inspection id and the checklist's items.
async fn visit(app: &TestApp) -> (i64, Vec<i64>) {
    let (version, items) = checklist(app).await;
    let visit = ExpertVisit {
        expert_id: expert_id(app).await,
        enterprise_id: enterprise_id(app, HONGTIAN).await,
        template_version_id: version,
        planned_on: app.core.today(),
        created_by: crate::photos::user_id(app, REGULATOR).await,
        request_id: None,
    };
    let txn = portal::db::begin_write(&app.core.db).await.expect("txn");
    let i = plan_expert_visit(&app.core, &txn, &Author::system(), &visit)
        .await
        .expect("planned");
    txn.commit().await.expect("commit");
    (i.id, items)
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn an_experts_findings_go_round_the_closed_loop_with_a_dispute_decided_by_the_bureau() {
    let app = spawn_app().await;
    set_day(&app, "2026-11-24");
    let (id, items) = visit(&app).await;
    let expert = app.api_token(EXPERT).await;
    let res = bare_client()
        .post(app.url(&format!("/api/v1/inspections/{id}/start")))
        .bearer_auth(&expert)
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 200, "the expert starts its visit");
    let files = vec![
        ("item_photo", "箱门.jpg", jpeg_with_exif()),
        ("extra_photo", "灭火器.png", png_bytes()),
    ];
    let res = submit(
        &app,
        &expert,
        id,
        multipart(&submission(&items), files),
        None,
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let out: Value = res.json().await.expect("json");
    let found: Vec<i64> = serde_json::from_value(out["hazard_ids"].clone()).expect("ids");
    assert_eq!(found.len(), 2);
    let (a, b) = (found[0], found[1]);
    let h = stored(&app, a).await;
    assert_eq!(h.reporter_expert_id, Some(expert_id(&app).await));
    assert_eq!(h.reporter_enterprise_id, None);
    assert_eq!(h.alliance_id, None, "a visit is outside any alliance");

    // The enterprise finds both on its to-do list and may dispute an expert's finding.
    let enterprise = app.api_token(ENTERPRISE).await;
    assert_eq!(notices(&app, ENTERPRISE, "hazard_reported", a).await, 1);
    let detail = app
        .api_json(&format!("/api/v1/hazards/{a}"), &enterprise)
        .await;
    assert_eq!(
        detail["actions"],
        json!(["acknowledge", "dispute", "extension_request"])
    );
    for id in [a, b] {
        ok(
            &app,
            &enterprise,
            id,
            "dispute",
            &json!({"reason": "该项已整改"}),
        )
        .await;
    }
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "hazard_disputed", a).await,
        1,
        "the town's bureau decides a dispute outside any alliance"
    );
    assert_eq!(notices(&app, EXPERT, "hazard_disputed", a).await, 0);
    // The expert cannot decide the dispute of its own finding; the bureau does.
    let res = act(&app, &expert, a, "uphold", &json!({"note": "维持"}), None).await;
    assert_eq!(res.status(), 403);
    let bureau = app.api_token(TOWN_REGULATOR).await;
    let out = ok(&app, &bureau, a, "uphold", &json!({"note": "现场确认"})).await;
    assert_eq!(out["state"], "reported");
    let out = ok(&app, &bureau, b, "withdraw", &json!({"note": "已整改"})).await;
    assert_eq!(out["state"], "withdrawn");
    assert_eq!(
        notices(&app, EXPERT, "hazard_withdrawn", b).await,
        1,
        "the expert learns its finding was withdrawn"
    );

    // Acknowledged with a plan, evidence handed in: the expert verifies its own finding.
    ok(&app, &enterprise, a, "acknowledge", &plan("2026-12-20")).await;
    hand_in(&app, &enterprise, a).await;
    assert_eq!(notices(&app, EXPERT, "evidence_submitted", a).await, 1);
    let detail = app.api_json(&format!("/api/v1/hazards/{a}"), &expert).await;
    assert_eq!(detail["actions"], json!(["verify", "reject"]));
    let todo = app.api_json("/api/v1/todo", &expert).await;
    assert!(
        todo["items"]
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["id"] == a && r["action"] == "verify")),
        "the expert finds it to verify: {todo}"
    );
    let out = ok(&app, &expert, a, "verify", &json!({"note": "复查合格"})).await;
    assert_eq!(out["state"], "closed");
    assert_eq!(notices(&app, ENTERPRISE, "hazard_closed", a).await, 1);
}

#[tokio::test]
async fn an_expert_sees_its_own_visits_and_their_findings_and_nothing_else() {
    let app = spawn_app().await;
    set_day(&app, "2026-11-24");
    let expert = app.api_token(EXPERT).await;
    for path in ["/api/v1/inspections", "/api/v1/hazards"] {
        assert_eq!(app.api_json(path, &expert).await["total"], 0, "{path}");
    }
    // 瑞韩's mutual inspection of 鸿田 is not the expert's.
    let (mutual, _) = setup(&app).await;
    let (id, _) = visit(&app).await;
    let list = app.api_json("/api/v1/inspections", &expert).await;
    assert_eq!(ids(&list), [id]);
    assert_eq!(list["items"][0]["kind"], "expert");
    assert_eq!(
        app.api_get(&format!("/api/v1/inspections/{mutual}"), &expert)
            .await
            .status(),
        404
    );
    let res = bare_client()
        .post(app.url(&format!("/api/v1/inspections/{mutual}/start")))
        .bearer_auth(&expert)
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 404, "not its inspection");
    // The inspected enterprise sees the visit but cannot conduct it.
    let enterprise = app.api_token(ENTERPRISE).await;
    assert_eq!(
        app.api_get(&format!("/api/v1/inspections/{id}"), &enterprise)
            .await
            .status(),
        200
    );
    let res = bare_client()
        .post(app.url(&format!("/api/v1/inspections/{id}/start")))
        .bearer_auth(&enterprise)
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 403, "the expert inspects, not the enterprise");
    // Another enterprise does not see it.
    let other = app.api_token(ENTERPRISE_OTHER).await;
    assert_eq!(
        app.api_get(&format!("/api/v1/inspections/{id}"), &other)
            .await
            .status(),
        404
    );
    // The expert's portal lists its visit.
    let page = app.logged_in(EXPERT).await;
    let html = page.page("/expert/inspections").await;
    assert!(html.contains(&format!("/inspections/{id}")), "{html}");
    let html = page.page(&format!("/inspections/{id}")).await;
    assert!(
        html.contains(&format!("/inspections/{id}/start")),
        "the expert may start its visit on its page"
    );
}

#[tokio::test]
async fn an_inactive_expert_is_not_sent_on_a_visit() {
    let app = spawn_app().await;
    let (version, _) = checklist(&app).await;
    let expert = expert_id(&app).await;
    portal::models::expert::Entity::update_many()
        .col_expr(
            portal::models::expert::Column::Active,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(portal::models::expert::Column::Id.eq(expert))
        .exec(&app.core.db)
        .await
        .expect("deactivate");
    let visit = ExpertVisit {
        expert_id: expert,
        enterprise_id: enterprise_id(&app, HONGTIAN).await,
        template_version_id: version,
        planned_on: app.core.today(),
        created_by: crate::photos::user_id(&app, REGULATOR).await,
        request_id: None,
    };
    let txn = portal::db::begin_write(&app.core.db).await.expect("txn");
    let refused = plan_expert_visit(&app.core, &txn, &Author::system(), &visit).await;
    assert!(
        matches!(
            refused,
            Err(portal::error::AppError::Conflict(
                "inspections.expert_inactive"
            ))
        ),
        "{refused:?}"
    );
}
