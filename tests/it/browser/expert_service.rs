//! Expert services on a phone, across three accounts: 鸿田 asks for an expert; the city bureau
//! assigns 陈志强 from the suggestions; the expert accepts with a date and a checklist, visits,
//! fails an item with a photo from the "camera"; 鸿田 finds the finding in its 待办 and
//! acknowledges it with its 五落实 plan.

use std::path::Path;

use fantoccini::{Client, Locator};
use portal::models::{expert, hazard};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    NAV_TIMEOUT, body_text, click, in_browser, sign_in, type_into, wait_for_done, wait_for_path,
};
use crate::helpers::{ENTERPRISE, EXPERT, REGULATOR, TestApp, spawn_app};
use crate::inspections::checklist;
use crate::photos::jpeg_with_exif;

/// Sets a field's value as a picker would (date inputs and selects differ by locale and
/// platform when typed into).
async fn set_value(client: &Client, css: &str, value: &str) {
    let el = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"));
    client
        .execute(
            "arguments[0].value = arguments[1]; \
             arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            vec![
                serde_json::to_value(&el).expect("el"),
                serde_json::Value::from(value),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// The id in a page's path `/expert-requests/{id}` (with or without a query).
fn request_id(path: &str) -> i64 {
    path.rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a request page, not {path}"))
}

async fn walk_through(client: &Client, app: &TestApp, photo: &Path) {
    let (version, items) = checklist(app).await;
    let today = app.core.today();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();

    // 鸿田 asks for an expert.
    sign_in(client, app, ENTERPRISE, "/enterprise").await;
    client
        .goto(&app.url("/expert-requests/new"))
        .await
        .expect("the request form");
    type_into(client, "#f-topic", "配电房电气专项体检").await;
    set_value(client, "#f-specialty", "electrical").await;
    type_into(
        client,
        "#f-description",
        "配电房线路老化，请专家检查并提出整改建议。",
    )
    .await;
    set_value(client, "#f-preferred_from", &day(0)).await;
    set_value(client, "#f-preferred_to", &day(14)).await;
    click(client, "#request-form button[type=submit]").await;
    wait_for_done(client, "submit").await;
    let id = request_id(client.current_url().await.expect("url").path());
    let page = format!("/expert-requests/{id}");

    // The city bureau assigns 陈志强 from the suggestions.
    let chen = expert::Entity::find()
        .filter(expert::Column::Name.eq("陈志强"))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("the demo expert")
        .id;
    sign_in(client, app, REGULATOR, "/regulator").await;
    client.goto(&app.url(&page)).await.expect("the request");
    click(
        client,
        &format!("#assign-form input[name=expert_ids][value='{chen}']"),
    )
    .await;
    click(client, "#assign-form button[type=submit]").await;
    wait_for_done(client, "assign").await;

    // The expert accepts with today's date and the city's checklist, and opens the visit.
    sign_in(client, app, EXPERT, "/expert").await;
    client.goto(&app.url(&page)).await.expect("the request");
    set_value(client, "#f-visit_on", &day(0)).await;
    set_value(client, "#f-template_version_id", &version.to_string()).await;
    click(client, "#accept-form button[type=submit]").await;
    wait_for_done(client, "accept").await;
    click(client, "#visits a").await;
    let visit = client.current_url().await.expect("url").path().to_string();
    assert!(visit.starts_with("/inspections/"), "{visit}");
    click(client, &format!("form[action='{visit}/start'] button")).await;
    client
        .wait()
        .at_most(NAV_TIMEOUT)
        .for_element(Locator::Css("#checklist-form"))
        .await
        .expect("the checklist form after starting");
    type_into(client, "#f-inspectors", "陈志强").await;
    click(client, &format!("#item-{} .verdict-pass", items[0])).await;
    click(client, &format!("#item-{} .verdict-fail", items[1])).await;
    click(client, &format!("#item-{} .verdict-na", items[2])).await;
    type_into(client, &format!("#f-item_{}_location", items[1]), "配电房").await;
    client
        .find(Locator::Css(&format!("#f-item_{}_photos", items[1])))
        .await
        .expect("photo input")
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose the photo");
    click(client, "#checklist-form button[type=submit].primary").await;
    wait_for_done(client, "submit").await;

    let inspection: i64 = visit
        .trim_start_matches("/inspections/")
        .parse()
        .expect("inspection id");
    let found = hazard::Entity::find()
        .filter(hazard::Column::InspectionId.eq(inspection))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("the expert's finding");
    assert_eq!(found.reporter_expert_id, Some(chen));
    let hazard_page = format!("/hazards/{}", found.id);

    // 鸿田 finds it in its 待办 and acknowledges it with the plan.
    sign_in(client, app, ENTERPRISE, "/enterprise").await;
    client
        .goto(&app.url("/enterprise/todo"))
        .await
        .expect("to-do");
    click(client, &format!("a[href='{hazard_page}#actions']")).await;
    assert_eq!(wait_for_path(client, &hazard_page).await, hazard_page);
    type_into(client, "#f-acknowledge-responsible_person", "周建华").await;
    type_into(client, "#f-acknowledge-measures", "更换老化线路").await;
    type_into(client, "#f-acknowledge-funds", "3000 元，企业自筹").await;
    type_into(
        client,
        "#f-acknowledge-contingency",
        "整改期间断电挂牌，专人看护",
    )
    .await;
    click(client, "#form-acknowledge button[type=submit]").await;
    wait_for_done(client, "acknowledge").await;
    let text = body_text(client).await;
    assert!(text.contains("周建华"), "{text}");
    assert!(
        text.contains("陈志强"),
        "the finding names its expert:\n{text}"
    );
}

#[tokio::test]
async fn an_expert_service_goes_from_request_to_an_acknowledged_finding_on_a_phone() {
    in_browser(|client, scratch| async move {
        let photo = scratch.join("配电房.jpg");
        std::fs::write(&photo, jpeg_with_exif()).expect("photo file");
        let app = spawn_app().await;
        walk_through(&client, &app, &photo).await;
    })
    .await;
}
