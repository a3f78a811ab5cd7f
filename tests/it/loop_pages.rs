//! The loop's forms on the hazard page: a refused plan comes back with every value and the
//! messages; a stale form gets a clear answer; the to-do list and the queues show what waits.

use serde_json::Value;

use crate::helpers::{
    COMMITTEE, ENTERPRISE, REGULATOR, csrf_in, html_escape, location, message, spawn_app,
};
use crate::inspections::{INSPECTOR, multipart, setup, submission, submit};

async fn reported(app: &crate::helpers::TestApp) -> i64 {
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
    outcome["hazard_ids"][0].as_i64().expect("hazard")
}

#[tokio::test]
async fn a_plan_missing_an_element_comes_back_with_the_values_and_the_message() {
    let app = spawn_app().await;
    let hazard = reported(&app).await;
    let owner = app.logged_in(ENTERPRISE).await;
    let page = owner.page(&format!("/hazards/{hazard}")).await;
    assert!(
        page.contains("id=\"form-acknowledge\""),
        "the enterprise is asked for its plan"
    );
    let csrf = csrf_in(&page).expect("csrf");
    let res = owner
        .post_raw(
            &format!("/hazards/{hazard}/acknowledge"),
            &[
                ("_csrf", &csrf),
                ("responsible_person", "周建华"),
                ("measures", "更换配电箱门"),
                ("funds", ""),
                ("deadline", "2026-12-20"),
                ("contingency", "断电挂牌"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("更换配电箱门") && html.contains("断电挂牌"),
        "values kept"
    );
    assert!(html.contains(&html_escape(&message("form.required"))));
    let detail = app
        .api_json(
            &format!("/api/v1/hazards/{hazard}"),
            &app.api_token(ENTERPRISE).await,
        )
        .await;
    assert_eq!(detail["state"], "reported", "nothing changed");

    let res = owner
        .post_raw(
            &format!("/hazards/{hazard}/acknowledge"),
            &[
                ("_csrf", &csrf),
                ("idempotency_key", "form-1"),
                ("responsible_person", "周建华"),
                ("measures", "更换配电箱门"),
                ("funds", "800 元"),
                ("deadline", "2026-12-20"),
                ("contingency", "断电挂牌"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/hazards/{hazard}?done=acknowledge")
    );
    let page = owner.page(&location(&res)).await;
    assert!(page.contains(&html_escape(&message("loop.done_acknowledge"))));
    assert!(page.contains("800 元"), "the plan is shown");

    // The same form again (a double tap) with its token: the same answer, nothing new.
    let again = owner
        .post_raw(
            &format!("/hazards/{hazard}/acknowledge"),
            &[
                ("_csrf", &csrf),
                ("idempotency_key", "form-1"),
                ("responsible_person", "周建华"),
                ("measures", "更换配电箱门"),
                ("funds", "800 元"),
                ("deadline", "2026-12-20"),
                ("contingency", "断电挂牌"),
            ],
        )
        .await;
    assert_eq!(again.status(), 303);
    // A stale form without the token: told it is no longer possible.
    let stale = owner
        .post_raw(
            &format!("/hazards/{hazard}/dispute"),
            &[("_csrf", &csrf), ("reason", "不同意")],
        )
        .await;
    assert_eq!(stale.status(), 409);
    let html = stale.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("loop.wrong_state"))));
    let timeline = app
        .api_json(
            &format!("/api/v1/hazards/{hazard}/timeline"),
            &app.api_token(ENTERPRISE).await,
        )
        .await;
    let acks = timeline
        .as_array()
        .map(|a| a.iter().filter(|e| e["action"] == "acknowledge").count());
    assert_eq!(acks, Some(1), "acknowledged once: {timeline}");
}

#[tokio::test]
async fn the_to_do_list_and_the_queues_show_what_waits_for_whom() {
    let app = spawn_app().await;
    let hazard = reported(&app).await;
    let owner = app.logged_in(ENTERPRISE).await;
    let todo = owner.page("/enterprise/todo").await;
    assert!(todo.contains(&format!("/hazards/{hazard}#actions")));
    assert!(todo.contains(&html_escape(&message("loop.todo_acknowledge"))));
    // The home page, where the enterprise lands, shows it too.
    let home = owner.page("/enterprise").await;
    assert!(home.contains(&format!("/hazards/{hazard}#actions")));
    // Nothing waits for the committee or the bureau yet.
    let committee = app.logged_in(COMMITTEE).await;
    assert!(
        !committee
            .page("/committee/queue")
            .await
            .contains(&format!("/hazards/{hazard}#"))
    );
    let bureau = app.logged_in(REGULATOR).await;
    assert!(
        bureau
            .page("/regulator/queue")
            .await
            .contains(&html_escape(&message("loop.queue_empty")))
    );
    // An unrelated user's form is refused by the rules.
    let other = app.logged_in(crate::helpers::ENTERPRISE_OTHER).await;
    let csrf = other.csrf("/account/password").await;
    let res = other
        .post_raw(
            &format!("/hazards/{hazard}/dispute"),
            &[("_csrf", &csrf), ("reason", "x")],
        )
        .await;
    assert_eq!(res.status(), 404);
}
