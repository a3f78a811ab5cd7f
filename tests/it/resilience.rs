//! Failures stay inside: a database error is an opaque 500 with a request id, and concurrent
//! writers do not trip over each other ("database is locked" on SQLite).

use sea_orm::ConnectionTrait;

use crate::helpers::*;

#[tokio::test]
async fn a_database_failure_is_an_opaque_500_with_a_request_id() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    assert_eq!(app.login(REGULATOR, PASSWORD).await.status(), 303);
    // Break the schema under the running app.
    app.core
        .db
        .execute_unprepared("DROP TABLE enterprise_risk_tags")
        .await
        .expect("drop");
    app.core
        .db
        .execute_unprepared("ALTER TABLE enterprises RENAME TO enterprises_gone")
        .await
        .expect("rename");

    let res = app.api_get("/api/v1/enterprises", &token).await;
    assert_eq!(res.status(), 500);
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("request id header");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "internal");
    assert_eq!(body["request_id"], id.as_str());
    let text = body.to_string().to_lowercase();
    for leak in [
        "enterprises",
        "select",
        "sql",
        "relation",
        "table",
        "/work",
        "src/",
    ] {
        assert!(!text.contains(leak), "500 body leaks {leak:?}: {text}");
    }

    let page = app.get("/regulator/enterprises").await;
    assert_eq!(page.status(), 500);
    let html = page.text().await.expect("body").to_lowercase();
    assert!(html.contains("<main"), "the error page has the site's look");
    for leak in [
        "enterprises_gone",
        "select ",
        "no such table",
        "relation",
        "src/",
    ] {
        assert!(!html.contains(leak), "500 page leaks {leak:?}");
    }
}

#[tokio::test]
async fn concurrent_logins_all_succeed_and_are_all_audited() {
    let app = spawn_app().await;
    let users = [
        ADMIN,
        REGULATOR,
        TOWN_REGULATOR,
        COMMITTEE,
        ENTERPRISE,
        ENTERPRISE_OTHER,
        STAFF,
        EXPERT,
    ];
    let mut tasks = Vec::new();
    for round in 0..3 {
        for user in users {
            let client = new_client();
            let url = app.url("/api/v1/auth/login");
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(url)
                    .json(&serde_json::json!({ "username": user, "password": PASSWORD }))
                    .send()
                    .await
                    .expect("send");
                (round, user, res.status().as_u16())
            }));
        }
    }
    for t in tasks {
        let (round, user, status) = t.await.expect("task");
        assert_eq!(status, 200, "login {round}/{user}");
    }
    let admin = app.api_token(ADMIN).await;
    let res = app
        .api_get(
            "/api/v1/audit?action=login&outcome=success&per_page=100",
            &admin,
        )
        .await;
    let body: serde_json::Value = res.json().await.expect("json");
    // 24 concurrent logins plus the admin's own.
    assert_eq!(body["total"], 25);
}
