//! On a phone: the inspector of 瑞韩 opens its assignment, starts it, goes through the
//! checklist, fails an item with a photo from the "camera", submits; then 鸿田's admin finds
//! the hazard with its photo.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};

use super::{
    NAV_TIMEOUT, body_text, click, in_browser, sign_in, type_into, wait_for_done, wait_for_path,
};
use crate::helpers::{ENTERPRISE, TestApp, spawn_app};
use crate::inspections::{INSPECTOR, setup};
use crate::photos::jpeg_with_exif;

async fn walk_through(client: &Client, app: &TestApp, photo: &Path) {
    let (id, items) = setup(app).await;
    let page = format!("/inspections/{id}");

    sign_in(client, app, INSPECTOR, "/enterprise").await;
    client
        .goto(&app.url("/enterprise/inspections"))
        .await
        .expect("open assignments");
    click(client, &format!("a[href='{page}']")).await;
    assert_eq!(wait_for_path(client, &page).await, page);
    click(client, &format!("form[action='{page}/start'] button")).await;
    client
        .wait()
        .at_most(NAV_TIMEOUT)
        .for_element(Locator::Css("#checklist-form"))
        .await
        .expect("the checklist form after starting");

    type_into(client, "#f-inspectors", "张工").await;
    click(client, &format!("#item-{} .verdict-pass", items[0])).await;
    click(client, &format!("#item-{} .verdict-fail", items[1])).await;
    click(client, &format!("#item-{} .verdict-na", items[2])).await;
    // The failed item now asks where the hazard is.
    let location = format!("#f-item_{}_location", items[1]);
    let field = client
        .find(Locator::Css(&location))
        .await
        .expect("location field");
    assert!(
        field.is_displayed().await.unwrap_or(false),
        "the hazard fields open for a failed item"
    );
    type_into(client, &location, "二车间配电房").await;
    let input = client
        .find(Locator::Css(&format!("#f-item_{}_photos", items[1])))
        .await
        .expect("photo input");
    assert_eq!(
        input.attr("capture").await.expect("capture").as_deref(),
        Some("environment"),
        "the phone offers its camera"
    );
    input
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose the photo");
    click(client, "#checklist-form button[type=submit].primary").await;

    wait_for_done(client, "submit").await;
    let text = body_text(client).await;
    assert!(text.contains("检查结果已提交"), "{text}");

    // The inspected enterprise sees the finding, with its photo.
    sign_in(client, app, ENTERPRISE, "/enterprise").await;
    client
        .goto(&app.url("/enterprise/hazards"))
        .await
        .expect("open hazards");
    let text = body_text(client).await;
    assert!(
        text.contains("配电箱完好"),
        "the finding is listed:\n{text}"
    );
    click(client, ".item-list a.item-link").await;
    let img = client
        .wait()
        .at_most(NAV_TIMEOUT)
        .for_element(Locator::Css(".photo-list img"))
        .await
        .expect("the photo on the hazard page");
    let mut loaded = false;
    for _ in 0..50 {
        let w = client
            .execute(
                "return arguments[0].complete ? arguments[0].naturalWidth : 0;",
                vec![serde_json::to_value(&img).expect("img")],
            )
            .await
            .expect("naturalWidth");
        if w.as_u64().unwrap_or(0) > 0 {
            loaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(loaded, "the thumbnail loads for the inspected enterprise");
    assert!(body_text(client).await.contains("二车间配电房"));
}

#[tokio::test]
async fn an_inspector_completes_a_mutual_inspection_on_a_phone() {
    in_browser(|client, scratch| async move {
        let photo = scratch.join("现场照片.jpg");
        std::fs::write(&photo, jpeg_with_exif()).expect("photo file");
        let app = spawn_app().await;
        walk_through(&client, &app, &photo).await;
    })
    .await;
}
