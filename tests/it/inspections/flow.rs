//! The inspection from assignment to findings, through the API and the pages.

use portal::models::{attachment, hazard, idempotency_key, inspection_answer};
use serde_json::json;

use super::*;
use crate::helpers::{
    COMMITTEE, COMMITTEE_REGIONAL, ENTERPRISE, REGULATOR, csrf_in, location, spawn_app,
};
use crate::photos::{jpeg_with_exif, png_bytes};

#[tokio::test]
async fn a_submitted_inspection_turns_failed_items_and_extra_findings_into_hazards() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;

    let started = app
        .api_post(
            &format!("/api/v1/inspections/{id}/start"),
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(started.status(), 200);
    let form = multipart(
        &submission(&items),
        vec![
            ("item_photo", "箱门.jpg", jpeg_with_exif()),
            ("extra_photo", "灭火器.png", png_bytes()),
        ],
    );
    let res = submit(&app, &token, id, form, None).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let outcome: Value = res.json().await.expect("json");
    let hazard_ids: Vec<i64> = serde_json::from_value(outcome["hazard_ids"].clone()).expect("ids");
    assert_eq!(hazard_ids.len(), 2, "one failed item + one extra finding");

    let detail = app
        .api_json(&format!("/api/v1/inspections/{id}"), &token)
        .await;
    assert_eq!(detail["state"], "submitted");
    assert_eq!(detail["inspectors"], "张工、李工");
    assert_eq!(detail["items"][0]["answer"]["result"], "pass");
    assert_eq!(detail["items"][2]["answer"]["result"], "na");
    assert_eq!(detail["items"][1]["hazard_id"], hazard_ids[0]);

    let from_item = app
        .api_json(&format!("/api/v1/hazards/{}", hazard_ids[0]), &token)
        .await;
    assert_eq!(from_item["title"], "配电箱完好，箱门关闭，无私拉乱接电线");
    assert_eq!(from_item["category"], "electrical");
    assert_eq!(from_item["legal_basis"], "GB 50054-2011 第4.2条");
    assert_eq!(from_item["level"], "general");
    assert_eq!(from_item["state"], "reported");
    assert_eq!(from_item["location"], "二车间东侧");
    assert_eq!(
        from_item["description"], "配电箱门损坏",
        "the note describes it"
    );
    assert_eq!(from_item["deadline"], "2026-12-24");
    assert_eq!(from_item["photos"].as_array().map(Vec::len), Some(1));
    let extra = app
        .api_json(&format!("/api/v1/hazards/{}", hazard_ids[1]), &token)
        .await;
    assert_eq!(extra["title"], "灭火器过期");
    assert_eq!(extra["category"], "fire");

    // The inspected enterprise, its committee and the bureau all see both findings.
    for user in [ENTERPRISE, COMMITTEE, REGULATOR] {
        let t = app.api_token(user).await;
        let list = app
            .api_json(&format!("/api/v1/hazards?inspection_id={id}"), &t)
            .await;
        assert_eq!(list["total"], 2, "{user} sees the findings");
    }
    // A committee of an alliance the inspection is not in sees the hazards only of its own
    // members: 鸿田 is a member of the regional alliance too.
    let regional = app.api_token(COMMITTEE_REGIONAL).await;
    let list = app
        .api_json(&format!("/api/v1/hazards?inspection_id={id}"), &regional)
        .await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn a_major_hazard_needs_its_determination_clause() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let mut s = submission(&items);
    s["answers"][1]["hazard"]["level"] = json!("major");
    let res = submit(&app, &token, id, multipart(&s, vec![]), None).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body["fields"][format!("item_{}_major_clause", items[1])].is_string());
    assert_eq!(count(&app, hazard::Entity).await, 0);

    s["answers"][1]["hazard"]["major_clause"] = json!("第四条第（一）项");
    let res = submit(&app, &token, id, multipart(&s, vec![]), None).await;
    assert_eq!(res.status(), 200);
    let major = app
        .api_json(
            "/api/v1/hazards?level=major",
            &app.api_token(REGULATOR).await,
        )
        .await;
    assert_eq!(major["total"], 1);
}

#[tokio::test]
async fn a_retried_submit_with_the_same_key_creates_nothing_twice() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let files = || {
        vec![
            ("item_photo", "a.jpg", jpeg_with_exif()),
            ("extra_photo", "b.png", png_bytes()),
        ]
    };
    let first = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), files()),
        Some("k-1"),
    )
    .await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.expect("json");
    let (hazards, files_n, answers) = (
        count(&app, hazard::Entity).await,
        count(&app, attachment::Entity).await,
        count(&app, inspection_answer::Entity).await,
    );
    assert_eq!((hazards, answers), (2, 3));

    let again = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), files()),
        Some("k-1"),
    )
    .await;
    assert_eq!(again.status(), 200, "the retry gets the first answer");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again, first);
    assert_eq!(count(&app, hazard::Entity).await, hazards);
    assert_eq!(count(&app, attachment::Entity).await, files_n);
    assert_eq!(count(&app, inspection_answer::Entity).await, answers);
    assert_eq!(count(&app, idempotency_key::Entity).await, 1);
    assert!(
        stored_files(&app) > 0,
        "the first submit's files are stored"
    );

    // Without the key, a second submit finds the inspection submitted.
    let other = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), files()),
        None,
    )
    .await;
    assert_eq!(other.status(), 409);
    assert_eq!(count(&app, hazard::Entity).await, hazards);
}

#[tokio::test]
async fn concurrent_submits_with_one_key_write_once() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let send = || {
        submit(
            &app,
            &token,
            id,
            multipart(&submission(&items), vec![]),
            Some("same"),
        )
    };
    let (a, b) = tokio::join!(send(), send());
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200);
    let (a, b): (Value, Value) = (a.json().await.expect("a"), b.json().await.expect("b"));
    assert_eq!(a, b);
    assert_eq!(count(&app, hazard::Entity).await, 2);
}

#[tokio::test]
async fn the_committee_reviews_a_submitted_mutual_inspection_once() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let committee = app.api_token(COMMITTEE).await;
    let early = app
        .api_post(
            &format!("/api/v1/inspections/{id}/review"),
            &committee,
            &json!({}),
        )
        .await;
    assert_eq!(early.status(), 409, "nothing to review before the submit");
    let res = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), vec![]),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let other = app.api_token(COMMITTEE_REGIONAL).await;
    let res = app
        .api_post(
            &format!("/api/v1/inspections/{id}/review"),
            &other,
            &json!({"note": "x"}),
        )
        .await;
    assert_eq!(
        res.status(),
        403,
        "the regional committee sees it (its member) but does not review it"
    );
    let res = app
        .api_post(
            &format!("/api/v1/inspections/{id}/review"),
            &committee,
            &json!({"note": "已核实"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let detail = app
        .api_json(&format!("/api/v1/inspections/{id}"), &committee)
        .await;
    assert_eq!(detail["state"], "reviewed");
    assert_eq!(detail["review_note"], "已核实");
    let again = app
        .api_post(
            &format!("/api/v1/inspections/{id}/review"),
            &committee,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn an_enterprise_runs_a_self_inspection() {
    let app = spawn_app().await;
    let (version, items) = checklist(&app).await;
    let token = app.api_token(ENTERPRISE).await;
    let res = app
        .api_post(
            "/api/v1/inspections",
            &token,
            &json!({"template_version_id": version, "planned_on": "2026-11-25"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["kind"], "self");
    assert_eq!(created["may_start"], true);
    let res = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), vec![]),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let mine = app.api_json("/api/v1/hazards?side=received", &token).await;
    assert_eq!(mine["total"], 2);

    let bad = app
        .api_post(
            "/api/v1/inspections",
            &token,
            &json!({"planned_on": "2026-13-01"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.expect("json");
    assert!(body["fields"]["template_version_id"].is_string());
    assert!(body["fields"]["planned_on"].is_string());
}

/// The checklist page's form fields for a submission (the failed second item, no extras).
fn page_fields(items: &[i64], key: &str) -> Vec<(String, String)> {
    let mut f = vec![
        ("idempotency_key".to_string(), key.to_string()),
        ("inspectors".into(), "张工".into()),
        (format!("item_{}_result", items[0]), "pass".into()),
        (format!("item_{}_result", items[1]), "fail".into()),
        (format!("item_{}_note", items[1]), "箱门损坏".into()),
        (format!("item_{}_level", items[1]), "general".into()),
        (format!("item_{}_deadline", items[1]), "2026-12-24".into()),
        (format!("item_{}_category", items[1]), "electrical".into()),
        (format!("item_{}_title", items[1]), "配电箱门损坏".into()),
        (format!("item_{}_result", items[2]), "na".into()),
        ("extra_0_level".into(), "general".into()),
        ("extra_0_deadline".into(), "2026-12-24".into()),
    ];
    f.push((format!("item_{}_location", items[1]), String::new()));
    f
}

fn page_form(
    fields: &[(String, String)],
    photo: Option<(&str, Vec<u8>)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    if let Some((field, bytes)) = photo {
        form = form.part(
            field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name("现场.jpg"),
        );
    }
    form
}

#[tokio::test]
async fn the_checklist_page_is_refused_with_values_kept_then_accepted() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let inspector = app.logged_in(INSPECTOR).await;
    let page = inspector.page(&format!("/inspections/{id}")).await;
    assert!(page.contains(&format!("/inspections/{id}/start")));
    let csrf = csrf_in(&page).expect("csrf");
    let res = inspector
        .client
        .post(inspector.url(&format!("/inspections/{id}/start")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 303);
    let page = inspector.page(&format!("/inspections/{id}")).await;
    assert!(
        page.contains("capture=\"environment\""),
        "photos from the camera"
    );
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let key = page
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("form token")
        .to_string();
    let csrf = csrf_in(&page).unwrap_or_default();
    let action = format!("/inspections/{id}/submit?_csrf={csrf}");
    let photo_field = format!("item_{}_photos", items[1]);
    // The form as the phone sends it, with a photo on the failed item.
    let post = |fields: &[(String, String)]| {
        inspector
            .client
            .post(inspector.url(&action))
            .multipart(page_form(fields, Some((&photo_field, jpeg_with_exif()))))
            .send()
    };

    // The failed item has no location: refused, values kept, nothing written.
    let fields = page_fields(&items, &key);
    let res = post(&fields).await.expect("submit");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("配电箱门损坏"), "the typed title is kept");
    assert!(html.contains("箱门损坏"), "the note is kept");
    assert!(
        html.contains(&crate::helpers::html_escape(&crate::helpers::message(
            "form.required"
        )))
    );
    assert_eq!(count(&app, hazard::Entity).await, 0);
    assert_eq!(count(&app, attachment::Entity).await, 0);

    let mut fields = page_fields(&items, &key);
    fields.retain(|(k, _)| !k.ends_with("_location"));
    fields.push((format!("item_{}_location", items[1]), "配电房".into()));
    let res = post(&fields).await.expect("submit");
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/inspections/{id}?done=submit"));
    assert_eq!(
        count(&app, hazard::Entity).await,
        1,
        "the empty extra block is not a hazard"
    );
    assert_eq!(count(&app, attachment::Entity).await, 1);

    // The same form sent again (a double tap) is the same submission.
    let res = post(&fields).await.expect("submit");
    assert_eq!(res.status(), 303);
    assert_eq!(count(&app, hazard::Entity).await, 1);

    // The inspected enterprise sees the finding in its list.
    let owner = app.logged_in(ENTERPRISE).await;
    let list = owner.page("/enterprise/hazards").await;
    assert!(list.contains("配电箱门损坏"));
}
