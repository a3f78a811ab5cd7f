//! Retries and refusals: a key applies once, a stale repeat gets 409, the plan needs its five
//! elements, evidence needs a file, and whoever is not a party gets 404 (or 403 when it may
//! see the hazard).

use portal::domain::hazard_flow::HazardState;
use portal::models::{attachment, hazard_event};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::helpers::{ADMIN, ENTERPRISE, ENTERPRISE_OTHER, EXPERT, STAFF, spawn_app};

async fn events(app: &TestApp, id: i64) -> u64 {
    hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(id))
        .count(&app.core.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_request_repeated_with_its_key_applies_once_and_answers_the_same() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let first = act(
        &app,
        &enterprise,
        id,
        "acknowledge",
        &plan("2026-12-20"),
        Some("ack-1"),
    )
    .await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.expect("json");
    let again = act(
        &app,
        &enterprise,
        id,
        "acknowledge",
        &plan("2026-12-20"),
        Some("ack-1"),
    )
    .await;
    assert_eq!(
        again.status(),
        200,
        "a retry with the key is answered, not refused"
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(first, again);
    assert_eq!(events(&app, id).await, 2, "report + one acknowledge");

    // Evidence retried with its key: one event, the files stored once.
    let files = || vec![("整改后.png", png_bytes())];
    let a = evidence(&app, &enterprise, id, "已整改", files(), Some("ev-1")).await;
    assert_eq!(a.status(), 200);
    let b = evidence(&app, &enterprise, id, "已整改", files(), Some("ev-1")).await;
    assert_eq!(b.status(), 200);
    let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
    assert_eq!(a, b);
    assert_eq!(events(&app, id).await, 3);
    let evidence_files = attachment::Entity::find()
        .filter(attachment::Column::HazardId.eq(id))
        .filter(attachment::Column::HazardEventId.is_not_null())
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(evidence_files, 1);
}

#[tokio::test]
async fn a_stale_repeat_without_a_key_is_refused_with_a_clear_conflict() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let staff = app.api_token(STAFF).await;
    ok(&app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;
    // The safety officer's page still showed 待确认.
    let res = act(&app, &staff, id, "acknowledge", &plan("2026-12-22"), None).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "conflict");
    assert_eq!(body["message"], crate::helpers::message("loop.wrong_state"));
    assert_eq!(
        stored(&app, id).await.deadline,
        day("2026-12-20"),
        "nothing changed"
    );
    assert_eq!(events(&app, id).await, 2);
    // The same key for another action is refused too.
    let res = act(
        &app,
        &enterprise,
        id,
        "comments",
        &json!({"text": "好的"}),
        Some("k"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = act(
        &app,
        &enterprise,
        id,
        "extensions",
        &json!({"reason": "r", "deadline": "2027-01-01"}),
        Some("k"),
    )
    .await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn the_plan_needs_all_five_elements_and_evidence_a_file() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let res = act(
        &app,
        &enterprise,
        id,
        "acknowledge",
        &json!({"measures": "  "}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    for field in [
        "responsible_person",
        "measures",
        "funds",
        "deadline",
        "contingency",
    ] {
        assert_eq!(
            body["fields"][field],
            crate::helpers::message("form.required"),
            "{field}: {body}"
        );
    }
    let res = act(
        &app,
        &enterprise,
        id,
        "acknowledge",
        &plan("2026-11-01"),
        None,
    )
    .await;
    assert_eq!(res.status(), 422, "a deadline in the past");
    assert_eq!(stored(&app, id).await.state, HazardState::Reported);
    assert_eq!(events(&app, id).await, 1);

    ok(&app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;
    let res = evidence(&app, &enterprise, id, "已整改", vec![], None).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["files"],
        crate::helpers::message("loop.evidence_required")
    );
    let res = evidence(
        &app,
        &enterprise,
        id,
        "",
        vec![("a.png", png_bytes())],
        None,
    )
    .await;
    assert_eq!(res.status(), 422, "the completion note is required");
    let res = evidence(
        &app,
        &enterprise,
        id,
        "已整改",
        vec![("a.txt", b"hello".to_vec())],
        None,
    )
    .await;
    assert_eq!(res.status(), 422, "only photos and PDFs");
    assert_eq!(stored(&app, id).await.state, HazardState::Rectifying);
}

#[tokio::test]
async fn an_unrelated_enterprise_and_an_expert_get_404_and_the_admin_403_on_every_action() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let actions: [(&str, Value); 10] = [
        ("acknowledge", plan("2026-12-20")),
        ("dispute", json!({"reason": "r"})),
        ("uphold", json!({"note": "n"})),
        ("withdraw", json!({"note": "n"})),
        ("verify", json!({"note": "n"})),
        ("reject", json!({"reason": "r"})),
        (
            "extensions",
            json!({"reason": "r", "deadline": "2027-01-01"}),
        ),
        ("extensions/1/grant", json!({"note": "n"})),
        ("extensions/1/refuse", json!({"note": "n"})),
        ("comments", json!({"text": "t"})),
    ];
    for user in [ENTERPRISE_OTHER, EXPERT] {
        let token = app.api_token(user).await;
        for (action, body) in &actions {
            let res = act(&app, &token, id, action, body, None).await;
            assert_eq!(res.status(), 404, "{action} by {user}");
        }
        let res = evidence(&app, &token, id, "n", vec![("a.png", png_bytes())], None).await;
        assert_eq!(res.status(), 404, "evidence by {user}");
        let res = app
            .api_get(&format!("/api/v1/hazards/{id}/timeline"), &token)
            .await;
        assert_eq!(res.status(), 404, "timeline for {user}");
    }
    // The admin sees everything but is no party to the loop.
    let admin = app.api_token(ADMIN).await;
    for (action, body) in &actions {
        let res = act(&app, &admin, id, action, body, None).await;
        assert_eq!(res.status(), 403, "{action} by the admin");
    }
    assert_eq!(events(&app, id).await, 1, "nothing was written");
    let todo = app.api_json("/api/v1/todo", &admin).await;
    assert_eq!(todo["items"], json!([]));
    assert_eq!(todo["total"], 0);
}
