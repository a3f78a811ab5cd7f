//! 专家服务申请 through the API: the whole flow with who is told what, the bureau's
//! suggestions on known data with the conflict warning and its confirmation, a decline back to
//! submitted, rating once and by the requester only, no cancel after the visit, retried
//! requests answering the same, and who sees which request.

use std::collections::BTreeMap;

use portal::domain::expert::Specialty;
use portal::models::{audit_log, expert, expert_request_event, notification, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

/// Registers an active expert through the pool's one insert path; returns its id.
async fn add_expert(
    app: &TestApp,
    name: &str,
    organisation: &str,
    region: &str,
    specialty: Specialty,
) -> i64 {
    use portal::services::audit::Author;
    use portal::services::experts::{ExpertInput, write};
    let profile = ExpertInput {
        name: name.into(),
        title: "工程师".into(),
        organisation: organisation.into(),
        phone: "13800000000".into(),
        region: region.into(),
        specialties: vec![specialty.as_str().into()],
        active: true,
    }
    .parse()
    .expect("a valid expert");
    let txn = portal::db::begin_write(&app.core.db).await.expect("txn");
    let e = write::insert(
        &txn,
        &app.core,
        &Author::system(),
        &portal::scope::Scope::System,
        &profile,
    )
    .await
    .expect("expert");
    txn.commit().await.expect("commit");
    e.id
}

fn day(offset: i64, app: &TestApp) -> String {
    (app.core.today() + chrono::Duration::days(offset)).to_string()
}

/// An acceptance for a visit on `visit_on` with a bureau checklist of the city.
async fn acceptance(app: &TestApp, visit_on: &str) -> Value {
    let (version, _) = crate::inspections::checklist(app).await;
    json!({ "visit_on": visit_on, "template_version_id": version })
}

fn new_request(app: &TestApp, topic: &str, specialty: &str) -> Value {
    json!({
        "topic": topic,
        "specialty": specialty,
        "description": "抛光车间除尘系统改造后需要专家体检",
        "preferred_from": day(3, app),
        "preferred_to": day(20, app),
    })
}

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = bare_client()
        .post(app.url(path))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.expect("POST")
}

/// Files a request, asserting 201; returns its id.
async fn file(app: &TestApp, token: &str, body: &Value) -> i64 {
    let res = post(app, token, "/api/v1/expert-requests", body, None).await;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 201, "{text}");
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["state"], "submitted");
    v["id"].as_i64().expect("id")
}

/// One step, asserting 200; returns the request as the caller sees it.
async fn step(app: &TestApp, token: &str, id: i64, action: &str, body: Value) -> Value {
    let res = post(
        app,
        token,
        &format!("/api/v1/expert-requests/{id}/{action}"),
        &body,
        None,
    )
    .await;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{action} on {id}: {text}");
    serde_json::from_str(&text).expect("json")
}

async fn status_of(app: &TestApp, token: &str, id: i64, action: &str, body: Value) -> u16 {
    post(
        app,
        token,
        &format!("/api/v1/expert-requests/{id}/{action}"),
        &body,
        None,
    )
    .await
    .status()
    .as_u16()
}

async fn expert_id(app: &TestApp, name: &str) -> i64 {
    expert::Entity::find()
        .filter(expert::Column::Name.eq(name))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("expert")
        .id
}

/// The demo expert behind the `zhuanjia` account.
async fn chen(app: &TestApp) -> i64 {
    expert_id(app, "陈志强").await
}

/// Who got notices of each `expert_*` kind (usernames, sorted).
async fn told(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let names: BTreeMap<i64, String> = user::Entity::find()
        .all(&app.core.db)
        .await
        .expect("users")
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in notification::Entity::find()
        .filter(notification::Column::Kind.starts_with("expert_"))
        .all(&app.core.db)
        .await
        .expect("notices")
    {
        out.entry(n.kind)
            .or_default()
            .push(names.get(&n.user_id).cloned().unwrap_or_default());
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn users(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_whole_flow_tells_everyone_concerned_and_leaves_a_timeline_and_audit_trail() {
    let app = spawn_app().await;
    let (qiye1, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let id = file(&app, &qiye1, &new_request(&app, "粉尘涉爆专项体检", "dust")).await;
    let chen = chen(&app).await;
    let v = step(&app, &yjj, id, "assign", json!({ "expert_ids": [chen] })).await;
    assert_eq!(v["state"], "assigned");
    let seen = app
        .api_json(&format!("/api/v1/expert-requests/{id}"), &zhuanjia)
        .await;
    assert_eq!(seen["actions"], json!(["accept", "decline"]));
    let visit = day(7, &app);
    let v = step(
        &app,
        &zhuanjia,
        id,
        "accept",
        acceptance(&app, &visit).await,
    )
    .await;
    assert_eq!(
        (v["state"].clone(), v["visit_on"].clone()),
        (json!("scheduled"), json!(visit))
    );
    assert_eq!(v["actions"], json!(["report"]));
    let v = step(
        &app,
        &zhuanjia,
        id,
        "report",
        json!({ "report": "除尘系统风管积尘，泄爆片缺失，建议一周内整改。" }),
    )
    .await;
    assert_eq!(v["state"], "visited");
    let v = step(&app, &qiye1, id, "complete", json!({})).await;
    assert_eq!(v["state"], "completed");
    let v = step(
        &app,
        &qiye1,
        id,
        "rate",
        json!({ "rating": 5, "comment": "专业细致" }),
    )
    .await;
    assert_eq!(v["state"], "rated");
    assert_eq!(v["rating"], 5);
    assert_eq!(v["rating_comment"], "专业细致");
    assert_eq!(v["actions"], json!([]));
    let timeline: Vec<&str> = v["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        timeline,
        ["submit", "assign", "accept", "report", "complete", "rate"]
    );
    assert_eq!(v["assignments"][0]["state"], "accepted");

    // The enterprise's accounts are qiye1 and its staff anquanyuan1; the bureau on its path
    // is the town's tangxia and the city's yjj; the expert's account is zhuanjia.
    let requester = users(&[ENTERPRISE, STAFF]);
    let bureau = users(&[TOWN_REGULATOR, REGULATOR]);
    let both = users(&[ENTERPRISE, STAFF, TOWN_REGULATOR, REGULATOR]);
    let expected: BTreeMap<String, Vec<String>> = [
        ("expert_submitted", bureau),
        ("expert_assigned", users(&[EXPERT])),
        ("expert_assigned_requester", requester),
        ("expert_accepted", both.clone()),
        ("expert_reported", both),
        ("expert_completed", users(&[EXPERT])),
        ("expert_rated", users(&[EXPERT])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(told(&app).await, expected);
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("expert_request."))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(audited, 6);
}

#[tokio::test]
async fn suggestions_order_by_specialty_region_and_load_and_a_conflict_needs_confirming() {
    let app = spawn_app().await;
    let (qiye1, qiye2, yjj) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(ENTERPRISE_OTHER).await,
        app.api_token(REGULATOR).await,
    );
    let hongtian = "瑞安市鸿田汽车电器有限公司";
    let town_a = add_expert(&app, "甲", "塘下镇安全服务站", "330381101", Specialty::Dust).await;
    let city_b = add_expert(&app, "乙", "瑞安市安全协会", "330381", Specialty::Dust).await;
    let village_c = add_expert(&app, "丙", "韩田村", "330381101201", Specialty::Fire).await;
    let own_d = add_expert(&app, "丁", hongtian, "330381101", Specialty::Dust).await;
    let busy_e = add_expert(&app, "戊", "塘下镇安全服务站", "330381101", Specialty::Dust).await;
    // 戊 has one open assignment elsewhere.
    let other = file(&app, &qiye2, &new_request(&app, "冲压设备", "dust")).await;
    step(
        &app,
        &yjj,
        other,
        "assign",
        json!({ "expert_ids": [busy_e] }),
    )
    .await;

    let id = file(&app, &qiye1, &new_request(&app, "粉尘涉爆专项体检", "dust")).await;
    let list = app
        .api_json(&format!("/api/v1/expert-requests/{id}/suggestions"), &yjj)
        .await;
    let mine = [town_a, city_b, village_c, own_d, busy_e];
    let order: Vec<i64> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["expert_id"].as_i64().unwrap_or_default())
        .filter(|i| mine.contains(i))
        .collect();
    assert_eq!(order, [town_a, own_d, busy_e, city_b, village_c]);
    let of = |id: i64| {
        list.as_array()
            .and_then(|l| l.iter().find(|s| s["expert_id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(of(own_d)["conflict"], true);
    assert_eq!(of(town_a)["conflict"], false);
    assert_eq!(of(busy_e)["open_load"], 1);
    assert_eq!(of(town_a)["nearness"], 2);
    assert_eq!(of(village_c)["has_specialty"], false);

    // Only the bureau gets suggestions.
    let res = app
        .api_get(&format!("/api/v1/expert-requests/{id}/suggestions"), &qiye1)
        .await;
    assert_eq!(res.status(), 403);

    // The conflicted expert needs the confirmation; nothing changes without it.
    let res = post(
        &app,
        &yjj,
        &format!("/api/v1/expert-requests/{id}/assign"),
        &json!({ "expert_ids": [own_d, town_a] }),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body.to_string().contains("confirm_conflict"), "{body}");
    let v = app
        .api_json(&format!("/api/v1/expert-requests/{id}"), &yjj)
        .await;
    assert_eq!(v["state"], "submitted");
    assert_eq!(v["assignments"], json!([]));
    let v = step(
        &app,
        &yjj,
        id,
        "assign",
        json!({ "expert_ids": [own_d, town_a], "confirm_conflict": true }),
    )
    .await;
    assert_eq!(v["state"], "assigned");
    assert_eq!(v["assignments"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_decline_by_the_last_open_expert_sends_the_request_back_to_submitted() {
    let app = spawn_app().await;
    let (qiye1, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let id = file(
        &app,
        &qiye1,
        &new_request(&app, "电气线路检查", "electrical"),
    )
    .await;
    let chen = chen(&app).await;
    step(&app, &yjj, id, "assign", json!({ "expert_ids": [chen] })).await;
    assert_eq!(
        status_of(&app, &zhuanjia, id, "decline", json!({ "reason": "" })).await,
        422
    );
    let v = step(
        &app,
        &zhuanjia,
        id,
        "decline",
        json!({ "reason": "专业不对口" }),
    )
    .await;
    assert_eq!(v["state"], "submitted");
    assert_eq!(v["assignments"][0]["state"], "declined");
    assert_eq!(v["assignments"][0]["decline_reason"], "专业不对口");
    // Answered once: a second answer is stale.
    assert_eq!(
        status_of(
            &app,
            &zhuanjia,
            id,
            "accept",
            acceptance(&app, &day(5, &app)).await
        )
        .await,
        409
    );
    let t = told(&app).await;
    assert_eq!(
        t.get("expert_declined"),
        Some(&users(&[TOWN_REGULATOR, REGULATOR]))
    );
    // The bureau assigns again (another expert); the one who declined cannot be chosen again.
    assert_eq!(
        status_of(&app, &yjj, id, "assign", json!({ "expert_ids": [chen] })).await,
        422
    );
    let lin = expert_id(&app, "林慧").await;
    let v = step(&app, &yjj, id, "assign", json!({ "expert_ids": [lin] })).await;
    assert_eq!(v["state"], "assigned");
}

/// Files a request and takes it to `visited` (chen accepts and reports).
async fn visited(app: &TestApp, qiye1: &str, yjj: &str, zhuanjia: &str) -> i64 {
    let id = file(
        app,
        qiye1,
        &new_request(app, "特种设备检查", "special_equipment"),
    )
    .await;
    let chen = chen(app).await;
    step(app, yjj, id, "assign", json!({ "expert_ids": [chen] })).await;
    step(
        app,
        zhuanjia,
        id,
        "accept",
        acceptance(app, &day(2, app)).await,
    )
    .await;
    step(
        app,
        zhuanjia,
        id,
        "report",
        json!({ "report": "叉车年检过期。" }),
    )
    .await;
    id
}

#[tokio::test]
async fn the_requester_rates_once_and_nobody_else_rates() {
    let app = spawn_app().await;
    let (qiye1, staff, qiye2, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(STAFF).await,
        app.api_token(ENTERPRISE_OTHER).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let id = visited(&app, &qiye1, &yjj, &zhuanjia).await;
    assert_eq!(
        status_of(&app, &qiye1, id, "rate", json!({ "rating": 4 })).await,
        409,
        "not completed yet"
    );
    step(&app, &yjj, id, "complete", json!({})).await;
    assert_eq!(
        status_of(&app, &yjj, id, "rate", json!({ "rating": 5 })).await,
        403
    );
    assert_eq!(
        status_of(&app, &zhuanjia, id, "rate", json!({ "rating": 5 })).await,
        403
    );
    assert_eq!(
        status_of(&app, &qiye2, id, "rate", json!({ "rating": 5 })).await,
        404
    );
    for bad in [
        json!({ "rating": 0 }),
        json!({ "rating": 6 }),
        json!({}),
        json!({ "rating": 3, "comment": "好".repeat(501) }),
    ] {
        assert_eq!(
            status_of(&app, &qiye1, id, "rate", bad.clone()).await,
            422,
            "{bad}"
        );
    }
    let v = step(
        &app,
        &staff,
        id,
        "rate",
        json!({ "rating": 4, "comment": "" }),
    )
    .await;
    assert_eq!(v["rating"], 4);
    assert_eq!(v["rating_comment"], Value::Null);
    assert_eq!(
        status_of(&app, &qiye1, id, "rate", json!({ "rating": 1 })).await,
        409,
        "once"
    );
    let v = app
        .api_json(&format!("/api/v1/expert-requests/{id}"), &qiye1)
        .await;
    assert_eq!(v["rating"], 4);
}

#[tokio::test]
async fn a_request_is_cancelled_before_the_visit_but_not_after_it() {
    let app = spawn_app().await;
    let (qiye1, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let id = visited(&app, &qiye1, &yjj, &zhuanjia).await;
    assert_eq!(
        status_of(&app, &qiye1, id, "cancel", json!({ "reason": "" })).await,
        409
    );

    let early = file(&app, &qiye1, &new_request(&app, "消防检查", "fire")).await;
    let chen = chen(&app).await;
    step(&app, &yjj, early, "assign", json!({ "expert_ids": [chen] })).await;
    assert_eq!(status_of(&app, &yjj, early, "cancel", json!({})).await, 403);
    let v = step(
        &app,
        &qiye1,
        early,
        "cancel",
        json!({ "reason": "已自行整改" }),
    )
    .await;
    assert_eq!(v["state"], "cancelled");
    assert_eq!(v["reason"], "已自行整改");
    assert_eq!(v["assignments"][0]["state"], "withdrawn");
    assert_eq!(
        told(&app).await.get("expert_cancelled"),
        Some(&users(&[EXPERT, TOWN_REGULATOR, REGULATOR]))
    );
    // Withdrawn: the expert no longer sees it.
    let res = app
        .api_get(&format!("/api/v1/expert-requests/{early}"), &zhuanjia)
        .await;
    assert_eq!(res.status(), 404);

    let rejected = file(&app, &qiye1, &new_request(&app, "通风检查", "ventilation")).await;
    assert_eq!(
        status_of(&app, &yjj, rejected, "reject", json!({ "reason": "" })).await,
        422
    );
    let v = step(
        &app,
        &yjj,
        rejected,
        "reject",
        json!({ "reason": "请先完成自查" }),
    )
    .await;
    assert_eq!(v["state"], "rejected");
    assert_eq!(
        told(&app).await.get("expert_rejected"),
        Some(&users(&[ENTERPRISE, STAFF]))
    );
}

#[tokio::test]
async fn a_retried_request_with_the_same_key_answers_the_same_and_changes_nothing() {
    let app = spawn_app().await;
    let (qiye1, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let body = new_request(&app, "有限空间作业检查", "confined_space");
    let first = post(
        &app,
        &qiye1,
        "/api/v1/expert-requests",
        &body,
        Some("er-file-1"),
    )
    .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = post(
        &app,
        &qiye1,
        "/api/v1/expert-requests",
        &body,
        Some("er-file-1"),
    )
    .await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["id"], again["id"]);
    let list = app.api_json("/api/v1/expert-requests", &qiye1).await;
    assert_eq!(list["total"], 1);
    let id = first["id"].as_i64().expect("id");

    let chen = chen(&app).await;
    step(&app, &yjj, id, "assign", json!({ "expert_ids": [chen] })).await;
    let path = format!("/api/v1/expert-requests/{id}/accept");
    let accept = acceptance(&app, &day(4, &app)).await;
    for _ in 0..2 {
        let res = post(&app, &zhuanjia, &path, &accept, Some("er-accept-1")).await;
        assert_eq!(res.status(), 200);
    }
    let accepts = expert_request_event::Entity::find()
        .filter(expert_request_event::Column::RequestId.eq(id))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(accepts, 3, "submit, assign, one accept");
    // Without the key, a second accept is stale.
    assert_eq!(
        post(&app, &zhuanjia, &path, &accept, None).await.status(),
        409
    );
    let t = told(&app).await;
    assert_eq!(t.get("expert_submitted").map(Vec::len), Some(2));
    assert_eq!(t.get("expert_accepted").map(Vec::len), Some(4));
}

#[tokio::test]
async fn each_party_sees_only_its_own_requests() {
    let app = spawn_app().await;
    let (qiye1, qiye2, qpw, hantian, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(ENTERPRISE_OTHER).await,
        app.api_token(COMMITTEE).await,
        app.api_token(COMMITTEE_REGIONAL).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let own = file(&app, &qiye1, &new_request(&app, "企业自己申请", "dust")).await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let mut for_member = new_request(&app, "委员会为成员申请", "fire");
    for_member["enterprise_id"] = json!(hongtian);
    let filed = file(&app, &qpw, &for_member).await;
    // A committee files only for its approved members.
    let mut outsider = for_member.clone();
    outsider["enterprise_id"] = json!(app.enterprise_id(HUAXIN).await);
    let res = post(&app, &qpw, "/api/v1/expert-requests", &outsider, None).await;
    assert_eq!(res.status(), 422);

    let ids = |v: &Value| -> Vec<i64> {
        let mut ids: Vec<i64> = v["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    };
    let list = |t: String| {
        let app = &app;
        async move { ids(&app.api_json("/api/v1/expert-requests", &t).await) }
    };
    assert_eq!(
        list(qiye1.clone()).await,
        [own, filed],
        "both are its enterprise's"
    );
    assert_eq!(list(qiye2.clone()).await, Vec::<i64>::new());
    assert_eq!(list(qpw.clone()).await, [filed]);
    assert_eq!(list(hantian.clone()).await, Vec::<i64>::new());
    assert_eq!(list(yjj.clone()).await, [own, filed]);
    assert_eq!(list(zhuanjia.clone()).await, Vec::<i64>::new());
    for (token, id) in [
        (&qiye2, own),
        (&hantian, filed),
        (&qpw, own),
        (&zhuanjia, own),
    ] {
        let res = app
            .api_get(&format!("/api/v1/expert-requests/{id}"), token)
            .await;
        assert_eq!(res.status(), 404, "{id}");
    }
    // The committee is the requester of what it filed: it is told and may cancel.
    let chen = chen(&app).await;
    step(&app, &yjj, filed, "assign", json!({ "expert_ids": [chen] })).await;
    assert_eq!(list(zhuanjia.clone()).await, [filed]);
    let res = app
        .api_get(&format!("/api/v1/expert-requests/{own}"), &zhuanjia)
        .await;
    assert_eq!(res.status(), 404);
    let t = told(&app).await;
    assert_eq!(
        t.get("expert_assigned_requester"),
        Some(&users(&[ENTERPRISE, STAFF, COMMITTEE]))
    );
    let v = step(&app, &qpw, filed, "cancel", json!({})).await;
    assert_eq!(v["state"], "cancelled");
    // The state filter.
    let submitted = app
        .api_json("/api/v1/expert-requests?state=submitted", &yjj)
        .await;
    assert_eq!(ids(&submitted), [own]);
    let res = app
        .api_get("/api/v1/expert-requests?state=nope", &yjj)
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn attachments_are_pdf_jpeg_or_png_from_the_requester() {
    let app = spawn_app().await;
    let (qiye1, yjj) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(REGULATOR).await,
    );
    let id = file(&app, &qiye1, &new_request(&app, "附件测试", "dust")).await;
    let upload = |token: String, name: &'static str, bytes: Vec<u8>| {
        let url = app.url(&format!("/api/v1/expert-requests/{id}/files"));
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
            bare_client()
                .post(url)
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .expect("upload")
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        upload(qiye1.clone(), "方案.pdf", crate::photos::pdf_bytes()).await,
        200
    );
    assert_eq!(
        upload(qiye1.clone(), "a.txt", b"plain text".to_vec()).await,
        422
    );
    assert_eq!(
        upload(yjj.clone(), "方案.pdf", crate::photos::pdf_bytes()).await,
        403
    );
    let v = app
        .api_json(&format!("/api/v1/expert-requests/{id}"), &qiye1)
        .await;
    assert_eq!(v["files"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["files"][0]["content_type"], "application/pdf");
}

#[tokio::test]
async fn a_request_follows_its_enterprise_when_it_moves_to_another_town() {
    let app = spawn_app().await;
    let (qiye1, tangxia, yjj) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(TOWN_REGULATOR).await,
        app.api_token(REGULATOR).await,
    );
    let id = file(&app, &qiye1, &new_request(&app, "搬迁前的申请", "dust")).await;
    let seen = app.api_json("/api/v1/expert-requests", &tangxia).await;
    assert_eq!(seen["total"], 1);
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let input =
        portal::services::enterprises::input_of(&app.core, &portal::scope::Scope::System, hongtian)
            .await
            .expect("input");
    let mut body = serde_json::to_value(input).expect("json");
    body["region"] = json!("330381003001");
    let res = bare_client()
        .put(app.url(&format!("/api/v1/enterprises/{hongtian}")))
        .bearer_auth(&yjj)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let r = portal::models::expert_request::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("request");
    assert_eq!(r.region_path, "/330381/330381003/330381003001/");
    let seen = app.api_json("/api/v1/expert-requests", &tangxia).await;
    assert_eq!(seen["total"], 0, "塘下镇 no longer holds it");
    let res = app
        .api_get(&format!("/api/v1/expert-requests/{id}"), &tangxia)
        .await;
    assert_eq!(res.status(), 404);
    let seen = app.api_json("/api/v1/expert-requests", &yjj).await;
    assert_eq!(seen["total"], 1, "the city still does");
}

#[tokio::test]
async fn the_pages_file_assign_with_the_conflict_warning_accept_and_list_the_upcoming_visit() {
    let app = spawn_app().await;
    let qiye1 = app.logged_in(ENTERPRISE).await;
    let from = day(3, &app);
    let to = day(10, &app);
    // Refused: the values are shown again, nothing is filed.
    let res = qiye1
        .post_form(
            "/expert-requests",
            "/expert-requests/new",
            &[
                ("topic", "粉尘涉爆专项体检"),
                ("specialty", ""),
                ("description", "除尘系统"),
                ("preferred_from", &from),
                ("preferred_to", &to),
                ("idempotency_key", "page-new-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("粉尘涉爆专项体检"), "the topic is kept");
    assert!(html.contains(&html_escape(&message("expert_requests.bad_specialty"))));
    let res = qiye1
        .post_form(
            "/expert-requests",
            "/expert-requests/new",
            &[
                ("topic", "粉尘涉爆专项体检"),
                ("specialty", "dust"),
                ("description", "除尘系统"),
                ("preferred_from", &from),
                ("preferred_to", &to),
                ("idempotency_key", "page-new-2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let at = location(&res);
    let id: i64 = at
        .trim_start_matches("/expert-requests/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let html = qiye1.page(&at).await;
    assert!(
        html.contains("id=\"cancel-form\""),
        "the requester may cancel"
    );
    assert!(!html.contains("id=\"assign-form\""));

    // The bureau's page: suggestions with the warning on an expert of the enterprise itself.
    let own = add_expert(
        &app,
        "鸿田内部专家",
        "瑞安市鸿田汽车电器有限公司",
        "330381101",
        Specialty::Dust,
    )
    .await;
    let yjj = app.logged_in(REGULATOR).await;
    let page = format!("/expert-requests/{id}");
    let html = yjj.page(&page).await;
    assert!(html.contains("id=\"suggestions\""));
    assert!(html.contains(&html_escape(&message("expert_requests.conflict"))));
    let own_id = own.to_string();
    let res = yjj
        .post_form(
            &format!("{page}/assign"),
            &page,
            &[
                ("expert_ids", own_id.as_str()),
                ("idempotency_key", "page-assign-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message(
        "expert_requests.conflict_unconfirmed"
    ))));
    let chen = chen(&app).await.to_string();
    let res = yjj
        .post_form(
            &format!("{page}/assign"),
            &page,
            &[
                ("expert_ids", chen.as_str()),
                ("idempotency_key", "page-assign-2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // The expert accepts on its page: without a checklist the form comes back with the date
    // kept; with one of the offered checklists the visit is scheduled and in its upcoming list.
    let (version, _) = crate::inspections::checklist(&app).await;
    let zhuanjia = app.logged_in(EXPERT).await;
    let visit = day(5, &app);
    let res = zhuanjia
        .post_form(
            &format!("{page}/accept"),
            &page,
            &[
                ("visit_on", visit.as_str()),
                ("idempotency_key", "page-accept-0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&format!("value=\"{visit}\"")), "date kept");
    assert!(
        html.contains(&format!("<option value=\"{version}\"")),
        "the city's checklist is offered"
    );
    let version = version.to_string();
    let res = zhuanjia
        .post_form(
            &format!("{page}/accept"),
            &page,
            &[
                ("visit_on", visit.as_str()),
                ("template_version_id", version.as_str()),
                ("idempotency_key", "page-accept-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = zhuanjia.page("/expert-requests").await;
    let upcoming = html
        .split("id=\"upcoming-visits\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_default();
    assert!(
        upcoming.contains(&visit) && upcoming.contains("粉尘涉爆专项体检"),
        "{upcoming}"
    );
    let html = zhuanjia.page(&page).await;
    assert!(html.contains("id=\"report-form\""));
}

#[tokio::test]
async fn the_demo_requests_go_through_the_services_into_their_states() {
    let app = spawn_app().await;
    portal::services::expert_requests::demo::load(&app.core)
        .await
        .expect("demo requests");
    let yjj = app.api_token(REGULATOR).await;
    let list = app.api_json("/api/v1/expert-requests", &yjj).await;
    let mut states: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["state"].as_str().unwrap_or_default().to_string())
        .collect();
    states.sort();
    assert_eq!(states, ["rated", "rejected", "scheduled", "submitted"]);
    let zhuanjia = app.api_token(EXPERT).await;
    let mine = app.api_json("/api/v1/expert-requests", &zhuanjia).await;
    assert_eq!(mine["total"], 2, "the expert's two assignments");
    // Both accepted visits are inspections of kind expert; the expert's list shows its rating.
    let visits = portal::models::inspection::Entity::find()
        .filter(portal::models::inspection::Column::ExpertRequestId.is_not_null())
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(visits, 2);
    let html = app.logged_in(EXPERT).await.page("/expert-requests").await;
    let rating = html_escape(&message("expert_requests.rated").replace("{n}", "5"));
    assert!(html.contains(&rating), "{rating} on the expert's list");
}

#[tokio::test]
async fn the_accepted_visit_is_an_inspection_of_the_request_and_a_cancel_cancels_it() {
    use portal::models::inspection;
    let app = spawn_app().await;
    let (qiye1, yjj, zhuanjia) = (
        app.api_token(ENTERPRISE).await,
        app.api_token(REGULATOR).await,
        app.api_token(EXPERT).await,
    );
    let id = file(
        &app,
        &qiye1,
        &new_request(&app, "有限空间作业检查", "confined_space"),
    )
    .await;
    let chen = chen(&app).await;
    step(&app, &yjj, id, "assign", json!({ "expert_ids": [chen] })).await;

    // A checklist that is none (or missing) is a field error and changes nothing.
    let path = format!("/api/v1/expert-requests/{id}/accept");
    for body in [
        json!({ "visit_on": day(6, &app), "template_version_id": 999_999 }),
        json!({ "visit_on": day(6, &app) }),
    ] {
        let res = post(&app, &zhuanjia, &path, &body, None).await;
        assert_eq!(res.status(), 422);
        let v: Value = res.json().await.expect("json");
        assert!(v["fields"]["template_version_id"].is_string(), "{v}");
    }
    let linked = || {
        inspection::Entity::find()
            .filter(inspection::Column::ExpertRequestId.eq(id))
            .all(&app.core.db)
    };
    assert!(linked().await.expect("query").is_empty());
    let seen = app
        .api_json(&format!("/api/v1/expert-requests/{id}"), &zhuanjia)
        .await;
    assert_eq!(seen["state"], "assigned");

    let visit = day(6, &app);
    let v = step(
        &app,
        &zhuanjia,
        id,
        "accept",
        acceptance(&app, &visit).await,
    )
    .await;
    assert_eq!(v["state"], "scheduled");
    let planned = linked().await.expect("query");
    assert_eq!(planned.len(), 1);
    let i = &planned[0];
    assert_eq!(
        (
            i.kind.as_str(),
            i.inspecting_expert_id,
            i.planned_on.to_string()
        ),
        ("expert", Some(chen), visit.clone())
    );
    assert_eq!(v["visits"][0]["inspection_id"], i.id);
    assert_eq!(v["visits"][0]["state"], "planned");
    assert_eq!(v["visits"][0]["readable"], true);
    // The expert finds it among its visits, the enterprise among the inspections of it.
    let mine = app.api_json("/api/v1/inspections", &zhuanjia).await;
    assert!(
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["id"] == i.id),
        "{mine}"
    );
    let theirs = app
        .api_json(&format!("/api/v1/inspections/{}", i.id), &qiye1)
        .await;
    assert_eq!(theirs["kind"], "expert");

    // The requester cancels before the visit: the planned inspection is cancelled with it.
    let v = step(
        &app,
        &qiye1,
        id,
        "cancel",
        json!({ "reason": "改期另行申请" }),
    )
    .await;
    assert_eq!(v["state"], "cancelled");
    assert_eq!(v["visits"][0]["state"], "cancelled");
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("inspection.cancel"))
        .filter(audit_log::Column::TargetId.eq(i.id.to_string()))
        .count(&app.core.db)
        .await
        .expect("audit");
    assert_eq!(audits, 1);
}
