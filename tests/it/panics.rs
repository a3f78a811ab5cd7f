//! No request ends a worker: a panic in a handler is a logged, opaque 500 (JSON under
//! `/api/`, the error page elsewhere), and the server goes on answering.

use actix_web::web;

use crate::helpers::*;

/// Routes only this test mounts (through `Application::bind_with`): handlers that panic.
fn panicking_routes(cfg: &mut web::ServiceConfig) {
    async fn boom() -> &'static str {
        let secret = "/work/src/secret.rs";
        panic!("a handler bug at {secret}")
    }
    cfg.route("/api/v1/test-panic", web::get().to(boom))
        .route("/test-panic", web::get().to(boom));
}

#[tokio::test]
async fn a_panicking_handler_is_an_opaque_500_and_the_server_still_answers() {
    let app = spawn_app_serving(|_| {}, panicking_routes).await;
    // More panics than the server has workers: none of them may take one down.
    for _ in 0..8 {
        let res = bare_client()
            .get(app.url("/api/v1/test-panic"))
            .send()
            .await
            .expect("the API panic is answered, not a dropped connection");
        assert_eq!(res.status(), 500);
        assert!(res.headers().contains_key("x-request-id"));
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["code"], "internal");
        assert_eq!(body["message"], message("error.internal"));
        let text = body.to_string();
        assert!(
            !text.contains("secret") && !text.contains("panick"),
            "{text}"
        );

        let res = bare_client()
            .get(app.url("/test-panic"))
            .send()
            .await
            .expect("the page panic is answered, not a dropped connection");
        assert_eq!(res.status(), 500);
        let html = res.text().await.expect("body");
        assert!(html.contains(&html_escape(&message("error.internal"))));
        assert!(!html.contains("secret.rs") && !html.contains("panick"));
    }
    let token = app.api_token(REGULATOR).await;
    app.api_json("/api/v1/me", &token).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}
