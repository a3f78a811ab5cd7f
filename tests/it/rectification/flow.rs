//! The loop from finding to 已销号, and a rejected rectification fixed and verified.

use portal::domain::hazard_flow::HazardState;
use serde_json::json;

use super::*;
use crate::helpers::{COMMITTEE, ENTERPRISE, REGULATOR, spawn_app};

#[tokio::test]
async fn a_hazard_goes_from_finding_to_closed_across_the_enterprise_and_the_inspector() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let inspector = app.api_token(INSPECTOR).await;

    // The report is the first step of the timeline, and the enterprise was told.
    assert_eq!(event_actions(&app, id).await, ["report"]);
    assert_eq!(notices(&app, ENTERPRISE, "hazard_reported", id).await, 1);
    let todo = app.api_json("/api/v1/todo", &enterprise).await;
    let row = todo["items"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == id))
        .cloned()
        .expect("the new hazard is on the enterprise's to-do list");
    assert_eq!(row["action"], "acknowledge");
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &enterprise)
        .await;
    assert_eq!(
        detail["actions"],
        json!(["acknowledge", "dispute", "extension_request"])
    );
    let seen_by_inspector = app
        .api_json(&format!("/api/v1/hazards/{id}"), &inspector)
        .await;
    assert_eq!(
        seen_by_inspector["actions"],
        json!([]),
        "nothing to verify yet"
    );

    // 1. The enterprise acknowledges with its plan; the plan's deadline becomes the hazard's.
    let out = ok(&app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;
    assert_eq!(out["state"], "rectifying");
    assert_eq!(out["deadline"], "2026-12-20");
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &enterprise)
        .await;
    assert_eq!(detail["state"], "rectifying");
    assert_eq!(detail["deadline"], "2026-12-20");
    assert_eq!(detail["plan"]["responsible_person"], "周建华");
    assert_eq!(detail["plan"]["funds"], "800 元，企业自筹");
    assert_eq!(detail["actions"], json!(["evidence", "extension_request"]));

    // 2. Two days later, evidence: a completion note, a photo and a PDF.
    set_day(&app, "2026-11-26");
    let enterprise = app.api_token(ENTERPRISE).await;
    let inspector = app.api_token(INSPECTOR).await;
    let out = hand_in(&app, &enterprise, id).await;
    assert_eq!(out["state"], "awaiting_verification");
    assert_eq!(notices(&app, INSPECTOR, "evidence_submitted", id).await, 1);
    assert_eq!(notices(&app, COMMITTEE, "evidence_submitted", id).await, 1);
    assert_eq!(
        notices(&app, REGULATOR, "evidence_submitted", id).await,
        0,
        "a general hazard is verified by the inspecting side or the committee"
    );
    let todo = app.api_json("/api/v1/todo", &inspector).await;
    assert!(
        todo["items"].as_array().is_some_and(|rows| rows
            .iter()
            .any(|r| r["id"] == id && r["action"] == "verify")),
        "the inspecting side finds it to verify: {todo}"
    );
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &inspector)
        .await;
    assert_eq!(detail["actions"], json!(["verify", "reject"]));
    assert_eq!(
        detail["photos"].as_array().map(Vec::len),
        Some(1),
        "the finding's photo only; evidence belongs to its event"
    );

    // 3. The inspector verifies: 已销号.
    let out = ok(
        &app,
        &inspector,
        id,
        "verify",
        &json!({"note": "现场复查合格"}),
    )
    .await;
    assert_eq!(out["state"], "closed");
    assert_eq!(notices(&app, ENTERPRISE, "hazard_closed", id).await, 1);
    let h = stored(&app, id).await;
    assert_eq!(h.state, HazardState::Closed);
    assert!(h.closed_at.is_some() && h.verified_at.is_some() && h.rectified_at.is_some());
    assert_eq!(
        h.verified_by,
        Some(crate::photos::user_id(&app, INSPECTOR).await)
    );

    // The timeline shows every step, oldest first, with who did it and the evidence files.
    let timeline = app
        .api_json(&format!("/api/v1/hazards/{id}/timeline"), &enterprise)
        .await;
    let steps: Vec<(&str, Option<&str>, &str)> = timeline
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["from_state"].as_str(),
                e["to_state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("report", None, "reported"),
            ("acknowledge", Some("reported"), "rectifying"),
            ("evidence", Some("rectifying"), "awaiting_verification"),
            ("verify", Some("awaiting_verification"), "closed"),
        ]
    );
    assert_eq!(timeline[0]["actor_role"], "enterprise_admin");
    assert_eq!(timeline[1]["deadline_before"], "2026-12-24");
    assert_eq!(timeline[1]["deadline_after"], "2026-12-20");
    assert_eq!(timeline[2]["note"], "已更换箱门并加锁");
    let names: Vec<&str> = timeline[2]["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["整改后.png", "验收单.pdf"]);
    assert_eq!(timeline[3]["note"], "现场复查合格");
    // The evidence photo is served to those who see the hazard.
    let file_id = timeline[2]["files"][0]["id"].as_i64().expect("file id");
    let res = app
        .api_get(&format!("/api/v1/files/{file_id}"), &enterprise)
        .await;
    assert_eq!(res.status(), 200);
    // Nothing is left to do.
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &enterprise)
        .await;
    assert_eq!(detail["actions"], json!([]));
    let todo = app.api_json("/api/v1/todo", &enterprise).await;
    assert!(
        !todo["items"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["id"] == id))
    );
}

#[tokio::test]
async fn a_rejected_rectification_goes_back_to_the_enterprise_and_closes_after_the_fix() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let committee = app.api_token(COMMITTEE).await;
    ok(&app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;
    hand_in(&app, &enterprise, id).await;
    let queue = app.api_json("/api/v1/queue", &committee).await;
    assert!(
        queue["items"]
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["id"] == id && r["kind"] == "verify")),
        "the committee's queue holds it: {queue}"
    );

    // A rejection needs its reason.
    let res = act(
        &app,
        &committee,
        id,
        "reject",
        &json!({"reason": " "}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body["fields"]["reason"].is_string(), "{body}");

    let out = ok(
        &app,
        &committee,
        id,
        "reject",
        &json!({"reason": "箱门仍无法上锁"}),
    )
    .await;
    assert_eq!(out["state"], "rectifying");
    assert_eq!(notices(&app, ENTERPRISE, "hazard_rejected", id).await, 1);
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &enterprise)
        .await;
    assert_eq!(detail["actions"], json!(["evidence", "extension_request"]));

    hand_in(&app, &enterprise, id).await;
    let out = ok(&app, &committee, id, "verify", &json!({})).await;
    assert_eq!(out["state"], "closed");
    assert_eq!(
        event_actions(&app, id).await,
        [
            "report",
            "acknowledge",
            "evidence",
            "reject",
            "evidence",
            "verify"
        ]
    );
    let timeline = app
        .api_json(&format!("/api/v1/hazards/{id}/timeline"), &committee)
        .await;
    assert_eq!(timeline[3]["note"], "箱门仍无法上锁");
    assert_eq!(timeline[3]["actor_role"], "committee");
}

#[tokio::test]
async fn overdue_days_come_from_the_deadline_and_the_list_filters_overdue_hazards() {
    let app = spawn_app().await;
    let (a, b) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    // `a` (deadline 12-24) is acknowledged with a plan until 12-05; `b` (12-10) handed in.
    ok(&app, &enterprise, a, "acknowledge", &plan("2026-12-05")).await;
    ok(&app, &enterprise, b, "acknowledge", &plan("2026-12-05")).await;
    hand_in(&app, &enterprise, b).await;

    set_day(&app, "2026-12-08");
    let enterprise = app.api_token(ENTERPRISE).await;
    let detail = app
        .api_json(&format!("/api/v1/hazards/{a}"), &enterprise)
        .await;
    assert_eq!(detail["overdue_days"], 3);
    let waiting = app
        .api_json(&format!("/api/v1/hazards/{b}"), &enterprise)
        .await;
    assert!(
        waiting["overdue_days"].is_null(),
        "waiting for verification, the deadline does not run"
    );
    let list = app
        .api_json("/api/v1/hazards?overdue=true", &enterprise)
        .await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, [a]);
    let todo = app.api_json("/api/v1/todo", &enterprise).await;
    let row = todo["items"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == a))
        .cloned()
        .expect("on the to-do list");
    assert_eq!(row["overdue_days"], 3);
    assert_eq!(row["action"], "evidence");
}
