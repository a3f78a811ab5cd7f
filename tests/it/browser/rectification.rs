//! The loop on a phone, across three accounts: 鸿田 (the enterprise) acknowledges a finding
//! with its 五落实 plan and hands in evidence photographed on site; 瑞韩's inspector finds it
//! not good enough; 鸿田 fixes it again; the 汽摩配 committee verifies from its queue; 鸿田
//! sees the hazard closed (已销号).

use std::path::Path;

use fantoccini::Client;
use serde_json::Value;

use super::{body_text, click, in_browser, sign_in, type_into, wait_for_done};
use crate::helpers::{COMMITTEE, ENTERPRISE, TestApp, spawn_app};
use crate::inspections::{INSPECTOR, multipart, setup, submission, submit};
use crate::photos::jpeg_with_exif;

async fn hand_in_evidence(client: &Client, app: &TestApp, page: &str, photo: &Path, note: &str) {
    client.goto(&app.url(page)).await.expect("open the hazard");
    type_into(client, "#form-evidence textarea[name=note]", note).await;
    client
        .find(fantoccini::Locator::Css("#f-evidence-files"))
        .await
        .expect("evidence input")
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose the photo");
    click(client, "#form-evidence button[type=submit]").await;
    wait_for_done(client, "evidence").await;
}

async fn walk_the_loop(client: &Client, app: &TestApp, photo: &Path) {
    let (id, items) = setup(app).await;
    let token = app.api_token(INSPECTOR).await;
    let res = submit(
        app,
        &token,
        id,
        multipart(&submission(&items), vec![]),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let outcome: Value = res.json().await.expect("json");
    let hazard = outcome["hazard_ids"][0].as_i64().expect("hazard");
    let page = format!("/hazards/{hazard}");

    // 鸿田 finds it in its to-do list and acknowledges it with the plan.
    sign_in(client, app, ENTERPRISE, "/enterprise").await;
    client
        .goto(&app.url("/enterprise/todo"))
        .await
        .expect("to-do");
    click(client, &format!("a[href='{page}#actions']")).await;
    type_into(client, "#f-acknowledge-responsible_person", "周建华").await;
    type_into(client, "#f-acknowledge-measures", "更换配电箱门，加装门锁").await;
    type_into(client, "#f-acknowledge-funds", "800 元，企业自筹").await;
    type_into(
        client,
        "#f-acknowledge-contingency",
        "整改期间断电挂牌，专人看护",
    )
    .await;
    click(client, "#form-acknowledge button[type=submit]").await;
    wait_for_done(client, "acknowledge").await;
    hand_in_evidence(client, app, &page, photo, "已更换箱门").await;

    // The inspector is not satisfied.
    sign_in(client, app, INSPECTOR, "/enterprise").await;
    client.goto(&app.url(&page)).await.expect("open the hazard");
    type_into(client, "#form-reject textarea[name=reason]", "门锁未安装").await;
    click(client, "#form-reject button[type=submit]").await;
    wait_for_done(client, "reject").await;

    // 鸿田 fixes it again.
    sign_in(client, app, ENTERPRISE, "/enterprise").await;
    hand_in_evidence(client, app, &page, photo, "门锁已安装").await;

    // The committee verifies from its queue.
    sign_in(client, app, COMMITTEE, "/committee").await;
    client
        .goto(&app.url("/committee/queue"))
        .await
        .expect("queue");
    click(client, &format!("a[href='{page}#actions']")).await;
    click(client, "#form-verify button[type=submit]").await;
    wait_for_done(client, "verify").await;

    // 鸿田 sees it closed, with the whole story.
    sign_in(client, app, ENTERPRISE, "/enterprise").await;
    client.goto(&app.url(&page)).await.expect("open the hazard");
    let text = body_text(client).await;
    for expected in ["已销号", "门锁未安装", "门锁已安装", "周建华", "验收通过"]
    {
        assert!(
            text.contains(expected),
            "{expected:?} on the closed hazard:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_hazard_goes_round_the_loop_on_a_phone() {
    in_browser(|client, scratch| async move {
        let photo = scratch.join("整改后.jpg");
        std::fs::write(&photo, jpeg_with_exif()).expect("photo file");
        let app = spawn_app().await;
        walk_the_loop(&client, &app, &photo).await;
    })
    .await;
}
