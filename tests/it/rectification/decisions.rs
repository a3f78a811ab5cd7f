//! Decisions: disputes upheld and withdrawn, extensions granted and refused, and a major
//! hazard that only the bureau closes, with its on-site review (核销).

use portal::models::supervision;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::helpers::{COMMITTEE, ENTERPRISE, REGULATOR, TOWN_REGULATOR, spawn_app};

#[tokio::test]
async fn a_dispute_is_decided_by_the_committee_upheld_or_withdrawn() {
    let app = spawn_app().await;
    let (a, b) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let committee = app.api_token(COMMITTEE).await;

    // A dispute needs its reason.
    let res = act(&app, &enterprise, a, "dispute", &json!({}), None).await;
    assert_eq!(res.status(), 422);
    for id in [a, b] {
        let out = ok(
            &app,
            &enterprise,
            id,
            "dispute",
            &json!({"reason": "该配电箱已停用"}),
        )
        .await;
        assert_eq!(out["state"], "disputed");
        assert_eq!(notices(&app, COMMITTEE, "hazard_disputed", id).await, 1);
    }
    let queue = app.api_json("/api/v1/queue", &committee).await;
    let disputes = queue["items"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["kind"] == "dispute")
        .count();
    assert_eq!(disputes, 2, "{queue}");
    // The enterprise and the inspector cannot decide their own dispute.
    let res = act(
        &app,
        &enterprise,
        a,
        "uphold",
        &json!({"note": "自己维持"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
    let inspector = app.api_token(INSPECTOR).await;
    let res = act(
        &app,
        &inspector,
        a,
        "withdraw",
        &json!({"note": "撤销"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);

    // Upheld: back to 待确认, the enterprise must act.
    let out = ok(
        &app,
        &committee,
        a,
        "uphold",
        &json!({"note": "现场确认配电箱仍在使用"}),
    )
    .await;
    assert_eq!(out["state"], "reported");
    assert_eq!(notices(&app, ENTERPRISE, "dispute_upheld", a).await, 1);
    let detail = app
        .api_json(&format!("/api/v1/hazards/{a}"), &enterprise)
        .await;
    assert_eq!(
        detail["actions"],
        json!(["acknowledge", "dispute", "extension_request"])
    );

    // Withdrawn: 已撤销, nothing more to do, and the inspecting side hears of it too.
    let out = ok(
        &app,
        &committee,
        b,
        "withdraw",
        &json!({"note": "灭火器已在有效期内"}),
    )
    .await;
    assert_eq!(out["state"], "withdrawn");
    assert_eq!(notices(&app, ENTERPRISE, "hazard_withdrawn", b).await, 1);
    assert_eq!(notices(&app, INSPECTOR, "hazard_withdrawn", b).await, 1);
    let detail = app
        .api_json(&format!("/api/v1/hazards/{b}"), &enterprise)
        .await;
    assert_eq!(detail["state"], "withdrawn");
    assert_eq!(detail["actions"], json!([]));
    assert_eq!(
        event_actions(&app, b).await,
        ["report", "dispute", "withdraw"]
    );
    let timeline = app
        .api_json(&format!("/api/v1/hazards/{b}/timeline"), &enterprise)
        .await;
    assert_eq!(timeline[1]["note"], "该配电箱已停用");
    assert_eq!(timeline[2]["note"], "灭火器已在有效期内");
}

#[tokio::test]
async fn an_extension_granted_moves_the_deadline_and_a_refused_one_does_not() {
    let app = spawn_app().await;
    let (id, _) = two_hazards(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let committee = app.api_token(COMMITTEE).await;
    ok(&app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;

    // Not later than the deadline in force: refused by field.
    let res = act(
        &app,
        &enterprise,
        id,
        "extensions",
        &json!({"reason": "配件未到货", "deadline": "2026-12-20"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["deadline"],
        crate::helpers::message("loop.extension_not_later")
    );

    let asked = ok(
        &app,
        &enterprise,
        id,
        "extensions",
        &json!({"reason": "配件未到货", "deadline": "2027-01-15"}),
    )
    .await;
    assert_eq!(asked["deadline"], "2026-12-20", "asking does not move it");
    let ext = asked["extension_id"].as_i64().expect("extension id");
    assert_eq!(notices(&app, COMMITTEE, "extension_requested", id).await, 1);
    assert!(
        stored(&app, id).await.extension_pending,
        "the hazard's copy follows the request"
    );
    // One pending request at a time.
    let res = act(
        &app,
        &enterprise,
        id,
        "extensions",
        &json!({"reason": "再延一次", "deadline": "2027-02-01"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 409);
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &committee)
        .await;
    assert_eq!(
        detail["pending_extension"]["requested_deadline"],
        "2027-01-15"
    );
    assert_eq!(
        detail["actions"],
        json!(["extension_grant", "extension_refuse"])
    );
    let queue = app.api_json("/api/v1/queue", &committee).await;
    let row = queue["items"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["kind"] == "extension"))
        .cloned()
        .expect("the request is in the committee's queue");
    assert_eq!(row["extension"]["id"], ext);

    // The enterprise cannot grant itself more time.
    let res = act(
        &app,
        &enterprise,
        id,
        &format!("extensions/{ext}/grant"),
        &json!({}),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
    let out = ok(
        &app,
        &committee,
        id,
        &format!("extensions/{ext}/grant"),
        &json!({"note": "同意"}),
    )
    .await;
    assert_eq!(out["deadline"], "2027-01-15");
    assert_eq!(notices(&app, ENTERPRISE, "extension_granted", id).await, 1);
    assert!(
        !stored(&app, id).await.extension_pending,
        "and its decision"
    );
    let detail = app
        .api_json(&format!("/api/v1/hazards/{id}"), &enterprise)
        .await;
    assert_eq!(detail["deadline"], "2027-01-15");
    assert_eq!(detail["plan"]["deadline"], "2027-01-15");
    assert!(detail["pending_extension"].is_null());
    let timeline = app
        .api_json(&format!("/api/v1/hazards/{id}/timeline"), &enterprise)
        .await;
    let grant = timeline
        .as_array()
        .and_then(|t| t.iter().find(|e| e["action"] == "extension_grant"))
        .cloned()
        .expect("grant event");
    assert_eq!(grant["deadline_before"], "2026-12-20");
    assert_eq!(grant["deadline_after"], "2027-01-15");
    // Deciding it again finds it decided.
    let res = act(
        &app,
        &committee,
        id,
        &format!("extensions/{ext}/refuse"),
        &json!({"note": "晚了"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 409, "it is decided already");

    // A second request, refused: a refusal needs its note; the deadline stays.
    let asked = ok(
        &app,
        &enterprise,
        id,
        "extensions",
        &json!({"reason": "再延一个月", "deadline": "2027-02-15"}),
    )
    .await;
    let ext = asked["extension_id"].as_i64().expect("extension id");
    let res = act(
        &app,
        &committee,
        id,
        &format!("extensions/{ext}/refuse"),
        &json!({}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let out = ok(
        &app,
        &committee,
        id,
        &format!("extensions/{ext}/refuse"),
        &json!({"note": "整改难度不大，请按期完成"}),
    )
    .await;
    assert_eq!(out["deadline"], "2027-01-15");
    assert_eq!(notices(&app, ENTERPRISE, "extension_refused", id).await, 1);
    assert_eq!(stored(&app, id).await.deadline, day("2027-01-15"));
    assert!(
        !stored(&app, id).await.extension_pending,
        "refused: none pending"
    );
    assert_eq!(
        event_actions(&app, id).await,
        [
            "report",
            "acknowledge",
            "extension_request",
            "extension_grant",
            "extension_request",
            "extension_refuse"
        ]
    );
}

async fn supervision_of(app: &TestApp, id: i64) -> Option<supervision::Model> {
    supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(id))
        .one(&app.core.db)
        .await
        .expect("query")
}

#[tokio::test]
async fn a_major_hazard_is_closed_only_by_the_bureau_after_its_on_site_review() {
    let app = spawn_app().await;
    let id = major_hazard(&app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let committee = app.api_token(COMMITTEE).await;
    let inspector = app.api_token(INSPECTOR).await;
    let bureau = app.api_token(REGULATOR).await;
    assert_eq!(notices(&app, ENTERPRISE, "hazard_reported", id).await, 1);
    ok(&app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;
    hand_in(&app, &enterprise, id).await;
    // The bureau (the town's office, nearest to the enterprise) is asked to verify.
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "evidence_submitted", id).await,
        1
    );
    assert_eq!(notices(&app, COMMITTEE, "evidence_submitted", id).await, 0);

    for token in [&committee, &inspector] {
        let res = act(&app, token, id, "verify", &json!({"note": "合格"}), None).await;
        assert_eq!(res.status(), 403, "only the bureau closes a major hazard");
    }
    let queue = app.api_json("/api/v1/queue", &committee).await;
    assert!(
        !queue["items"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["id"] == id))
    );
    let queue = app.api_json("/api/v1/queue", &bureau).await;
    assert!(
        queue["items"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["id"] == id && r["kind"] == "verify"))
    );

    // 核销 needs its date, not in the future.
    set_day(&app, "2026-11-30");
    let bureau = app.api_token(REGULATOR).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let res = act(&app, &bureau, id, "verify", &json!({"note": "合格"}), None).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["reviewed_on"],
        crate::helpers::message("loop.review_date_required")
    );
    let res = act(
        &app,
        &bureau,
        id,
        "verify",
        &json!({"reviewed_on": "2026-12-01"}),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);

    // A failed review: back to 整改中, still on the supervision list with the reason.
    let out = ok(
        &app,
        &bureau,
        id,
        "reject",
        &json!({"reason": "除尘管道仍有积尘", "reviewed_on": "2026-11-29"}),
    )
    .await;
    assert_eq!(out["action"], "review_fail");
    assert_eq!(out["state"], "rectifying");
    if let Some(s) = supervision_of(&app, id).await {
        assert_eq!(s.status.as_str(), "listed");
        assert_eq!(s.review_result.map(|r| r.as_str()), Some("failed"));
        assert_eq!(s.review_note.as_deref(), Some("除尘管道仍有积尘"));
        assert_eq!(s.reviewed_on, Some(day("2026-11-29")));
    } else {
        panic!("a major hazard is on the supervision list from its report");
    }
    assert!(
        stored(&app, id).await.listed,
        "the hazard's copy of its listing"
    );

    hand_in(&app, &enterprise, id).await;
    let out = ok(
        &app,
        &bureau,
        id,
        "verify",
        &json!({"note": "现场核销合格", "reviewed_on": "2026-11-30"}),
    )
    .await;
    assert_eq!(out["action"], "review_pass");
    assert_eq!(out["state"], "closed");
    let s = supervision_of(&app, id).await.expect("listed");
    assert_eq!(s.status.as_str(), "released");
    assert!(!stored(&app, id).await.listed, "released with its listing");
    assert_eq!(s.review_result.map(|r| r.as_str()), Some("passed"));
    assert_eq!(s.reviewed_on, Some(day("2026-11-30")));
    assert_eq!(
        s.reviewed_by,
        Some(crate::photos::user_id(&app, REGULATOR).await)
    );
    let timeline = app
        .api_json(&format!("/api/v1/hazards/{id}/timeline"), &enterprise)
        .await;
    let last = timeline
        .as_array()
        .and_then(|t| t.last())
        .cloned()
        .expect("events");
    let note = last["note"].as_str().unwrap_or("");
    assert!(
        note.contains("2026-11-30") && note.contains("现场核销合格"),
        "{note}"
    );
}
