//! Who may act on an inspection and who may see its findings and photos.

use serde_json::json;

use super::*;
use crate::helpers::{
    COMMITTEE, ENTERPRISE, ENTERPRISE_OTHER, EXPERT, REGULATOR, TOWN_REGULATOR, spawn_app,
};
use crate::photos::jpeg_with_exif;

async fn submitted(app: &TestApp) -> (i64, i64, i64) {
    let (id, items) = setup(app).await;
    let token = app.api_token(INSPECTOR).await;
    let res = submit(
        app,
        &token,
        id,
        multipart(
            &submission(&items),
            vec![("item_photo", "a.jpg", jpeg_with_exif())],
        ),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let outcome: Value = res.json().await.expect("json");
    let hazard = outcome["hazard_ids"][0].as_i64().expect("hazard");
    let detail = app
        .api_json(&format!("/api/v1/hazards/{hazard}"), &token)
        .await;
    let file = detail["photos"][0]["id"].as_i64().expect("photo");
    (id, hazard, file)
}

#[tokio::test]
async fn only_the_inspecting_side_can_start_or_submit() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    // The inspected enterprise sees its inspection but does not fill it in.
    let inspected = app.api_token(ENTERPRISE).await;
    let res = app
        .api_post(
            &format!("/api/v1/inspections/{id}/start"),
            &inspected,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = submit(
        &app,
        &inspected,
        id,
        multipart(&submission(&items), vec![]),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
    // An unrelated enterprise does not even know it exists.
    let other = app.api_token(ENTERPRISE_OTHER).await;
    let res = submit(
        &app,
        &other,
        id,
        multipart(&submission(&items), vec![]),
        None,
    )
    .await;
    assert_eq!(res.status(), 404);
    // The committee and the bureau are not inspectors here.
    for user in [COMMITTEE, REGULATOR] {
        let t = app.api_token(user).await;
        let res = submit(&app, &t, id, multipart(&submission(&items), vec![]), None).await;
        assert_eq!(res.status(), 403, "{user}");
    }
    assert_eq!(count(&app, portal::models::hazard::Entity).await, 0);
}

#[tokio::test]
async fn an_unrelated_enterprise_gets_404_for_the_inspection_the_hazard_and_the_photo() {
    let app = spawn_app().await;
    let (id, hazard, file) = submitted(&app).await;
    let other = app.api_token(ENTERPRISE_OTHER).await;
    for path in [
        format!("/api/v1/inspections/{id}"),
        format!("/api/v1/hazards/{hazard}"),
        format!("/api/v1/files/{file}"),
        format!("/api/v1/files/{file}/thumb"),
        format!("/api/v1/files/{file}/original"),
    ] {
        assert_eq!(app.api_get(&path, &other).await.status(), 404, "{path}");
    }
    let list = app.api_json("/api/v1/hazards", &other).await;
    assert_eq!(list["total"], 0);
    let visitor = app.logged_in(ENTERPRISE_OTHER).await;
    for path in [
        format!("/inspections/{id}"),
        format!("/hazards/{hazard}"),
        format!("/files/{file}"),
        format!("/files/{file}/thumb"),
    ] {
        assert_eq!(visitor.get(&path).await.status(), 404, "{path}");
    }
    // The expert and a town bureau outside 塘下镇 see nothing either.
    for user in [EXPERT] {
        let t = app.api_token(user).await;
        assert_eq!(
            app.api_get(&format!("/api/v1/hazards/{hazard}"), &t)
                .await
                .status(),
            404
        );
    }
    let _ = TOWN_REGULATOR;
}

#[tokio::test]
async fn the_public_copy_has_no_exif_while_the_bureau_keeps_the_evidence() {
    let app = spawn_app().await;
    let (_, hazard, file) = submitted(&app).await;
    let owner = app.api_token(ENTERPRISE).await;
    let res = app.api_get(&format!("/api/v1/files/{file}"), &owner).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    let bytes = res.bytes().await.expect("bytes");
    assert!(
        !bytes.windows(6).any(|w| w == b"Exif\0\0"),
        "the copy shown to users carries no EXIF"
    );
    let seen_by_owner = app
        .api_json(&format!("/api/v1/hazards/{hazard}"), &owner)
        .await;
    assert!(seen_by_owner["photos"][0]["evidence"].is_null());
    let bureau = app.api_token(REGULATOR).await;
    let seen_by_bureau = app
        .api_json(&format!("/api/v1/hazards/{hazard}"), &bureau)
        .await;
    assert!(
        seen_by_bureau["photos"][0]["evidence"]["latitude"].is_number(),
        "{seen_by_bureau}"
    );
    let original = app
        .api_get(&format!("/api/v1/files/{file}/original"), &bureau)
        .await;
    assert_eq!(original.status(), 200);
    let bytes = original.bytes().await.expect("bytes");
    assert!(
        bytes.windows(6).any(|w| w == b"Exif\0\0"),
        "the original keeps its EXIF"
    );
}

#[tokio::test]
async fn the_same_photo_on_a_second_hazard_is_flagged() {
    let app = spawn_app().await;
    let (_, first_hazard, _) = submitted(&app).await;
    // A second inspection by the same inspector, with the very same photo.
    let (version, items) = checklist(&app).await;
    let second = mutual_inspection(&app, version, RUIHAN, HONGTIAN).await;
    let token = app.api_token(INSPECTOR).await;
    let res = submit(
        &app,
        &token,
        second,
        multipart(
            &submission(&items),
            vec![("item_photo", "again.jpg", jpeg_with_exif())],
        ),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let outcome: Value = res.json().await.expect("json");
    assert_eq!(outcome["reused_photos"][0]["hazard_ids"][0], first_hazard);
    let new_hazard = outcome["hazard_ids"][0].as_i64().expect("hazard");
    let detail = app
        .api_json(
            &format!("/api/v1/hazards/{new_hazard}"),
            &app.api_token(REGULATOR).await,
        )
        .await;
    assert_eq!(detail["photos"][0]["reused_on"][0], first_hazard);
}

#[tokio::test]
async fn lists_follow_the_scope() {
    let app = spawn_app().await;
    let (id, _, _) = submitted(&app).await;
    let bureau = app.api_token(REGULATOR).await;
    let list = app
        .api_json("/api/v1/inspections?kind=mutual", &bureau)
        .await;
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["id"] == id))
    );
    // 鸿田 is in 塘下镇: the 塘下 bureau sees it.
    let town = app.api_token(TOWN_REGULATOR).await;
    let list = app.api_json("/api/v1/hazards", &town).await;
    assert_eq!(list["total"], 2, "the failed item and the extra finding");
    let pages = app.logged_in(REGULATOR).await;
    let html = pages.page("/regulator/hazards").await;
    assert!(html.contains("配电箱完好"));
    let html = pages.page("/regulator/inspections").await;
    assert!(html.contains(&format!("/inspections/{id}")));
}
