//! The JSON API's contract: the OpenAPI document, pagination, error shape and language,
//! probes, security headers, body limits and the docs page.

use std::collections::BTreeSet;

use portal::i18n::{Lang, t};
use portal::web::routes::inventory;
use serde_json::{Value, json};

use crate::helpers::*;

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json body")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("application/json"));
    let doc = json_of(res).await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{}",
        doc["openapi"]
    );
    let api_routes: Vec<_> = inventory()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
        .collect();
    assert!(api_routes.len() >= 7);
    for r in &api_routes {
        let method = r.method.as_str().to_lowercase();
        assert!(
            doc["paths"][&r.path][&method].is_object(),
            "{} {} is missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
    // And nothing that does not exist.
    let documented: BTreeSet<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    let real: BTreeSet<&str> = api_routes.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(documented, real);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn the_enterprise_list_is_paginated() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let first = app.api_json("/api/v1/enterprises?per_page=5", &token).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(first["total"], 40);
    assert_eq!(first["pages"], 8);
    assert_eq!(first["page"], 1);
    assert_eq!(first["per_page"], 5);
    // Walking the pages gives every enterprise exactly once.
    let mut seen = BTreeSet::new();
    for page in 1..=8 {
        let p = app
            .api_json(
                &format!("/api/v1/enterprises?per_page=5&page={page}"),
                &token,
            )
            .await;
        assert_eq!(p["page"], page);
        for e in p["items"].as_array().expect("items") {
            assert!(
                seen.insert(e["id"].as_i64().expect("id")),
                "{e} listed twice"
            );
        }
    }
    assert_eq!(seen.len(), 40);
    let beyond = app
        .api_json("/api/v1/enterprises?per_page=5&page=9", &token)
        .await;
    assert_eq!(beyond["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(beyond["total"], 40);
    // The largest page allowed holds them all; beyond it is a 422 naming the field.
    let largest = app
        .api_json("/api/v1/enterprises?per_page=100", &token)
        .await;
    assert_eq!(largest["items"].as_array().map(Vec::len), Some(40));
    assert_eq!(largest["pages"], 1);
    let huge = app
        .api_get("/api/v1/enterprises?per_page=100000", &token)
        .await;
    assert_eq!(huge.status(), 422);
    let body: serde_json::Value = huge.json().await.expect("json");
    assert!(body["fields"]["per_page"].is_string(), "{body}");
    let default = app.api_json("/api/v1/enterprises", &token).await;
    assert_eq!(default["per_page"], 20);
    assert_eq!(default["pages"], 2);
    // Filtering by name narrows the total.
    let q = app
        .api_json("/api/v1/enterprises?q=%E9%B8%BF%E7%94%B0", &token)
        .await;
    assert_eq!(q["total"], 1, "q=鸿田: {q}");
    assert_eq!(q["items"][0]["name"], "瑞安市鸿田汽车电器有限公司");
}

#[tokio::test]
async fn api_errors_are_json_with_code_and_message() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;

    for res in [
        app.api_get("/api/v1/no-such-thing", &token).await,
        bare_client()
            .get(app.url("/api/v1/no-such-thing"))
            .send()
            .await
            .expect("GET"),
    ] {
        assert_eq!(res.status(), 404);
        assert!(header(&res, "content-type").starts_with("application/json"));
        let body = json_of(res).await;
        assert_eq!(
            body,
            json!({ "code": "not_found", "message": message("error.not_found") })
        );
    }

    let res = app.api_get("/api/v1/enterprises/999999", &token).await;
    assert_eq!(res.status(), 404);
    assert_eq!(json_of(res).await["code"], "not_found");

    let res = bare_client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 401);
    assert_eq!(header(&res, "www-authenticate"), "Bearer");
    let body = json_of(res).await;
    assert_eq!(
        body,
        json!({ "code": "unauthorized", "message": message("error.unauthorized") })
    );

    let res = app.api_get("/api/v1/audit", &token).await;
    assert_eq!(res.status(), 403);
    let body = json_of(res).await;
    assert_eq!(
        body,
        json!({ "code": "forbidden", "message": message("error.forbidden") })
    );

    let res = bare_client()
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 400, "malformed JSON");
    let body = json_of(res).await;
    assert_eq!(body["code"], "bad_request");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn accept_language_en_gives_english_messages() {
    let app = spawn_app().await;
    let ask = |lang: &'static str| {
        bare_client()
            .get(app.url("/api/v1/me"))
            .header("accept-language", lang)
            .send()
    };
    let en = json_of(ask("en-US,en;q=0.9").await.expect("GET")).await;
    let zh = json_of(ask("zh-CN,zh;q=0.9").await.expect("GET")).await;
    assert_eq!(
        en["code"], zh["code"],
        "the code does not depend on the language"
    );
    assert_ne!(en["message"], zh["message"]);
    assert_eq!(en["message"], t(Lang::En, "error.unauthorized"));
    assert_eq!(zh["message"], message("error.unauthorized"));
    assert!(
        en["message"].as_str().is_some_and(|m| m.is_ascii()),
        "English is English: {en}"
    );

    let res = bare_client()
        .post(app.url("/api/v1/auth/login"))
        .header("accept-language", "en")
        .json(&json!({ "username": ENTERPRISE, "password": "Wrong@Password1" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 401);
    assert_eq!(json_of(res).await["message"], t(Lang::En, "login.failed"));
}

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let res = bare_client().get(app.url(path)).send().await.expect("GET");
        assert_eq!(res.status(), 200, "{path}");
    }
}

/// The directives of a Content-Security-Policy, by name.
fn csp_directive(csp: &str, name: &str) -> Option<String> {
    csp.split(';')
        .map(str::trim)
        .find(|d| d.split_whitespace().next() == Some(name))
        .map(str::to_string)
}

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    let csp = header(res, "content-security-policy");
    assert!(!csp.is_empty(), "{what}: no CSP");
    let script = csp_directive(&csp, "script-src")
        .or_else(|| csp_directive(&csp, "default-src"))
        .unwrap_or_else(|| panic!("{what}: CSP without script-src: {csp}"));
    assert!(!script.contains("'unsafe-inline'"), "{what}: {script}");
    assert!(!script.contains("'unsafe-eval'"), "{what}: {script}");
    assert_eq!(
        csp_directive(&csp, "frame-ancestors").as_deref(),
        Some("frame-ancestors 'none'"),
        "{what}"
    );
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert!(
        !header(res, "referrer-policy").is_empty(),
        "{what}: no Referrer-Policy"
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = spawn_app().await;
    let res = app.get("/login").await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res, "login page");
    let res = app.get("/no-such-page").await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res, "404 page");
    let v = app.logged_in(REGULATOR).await;
    let res = v.get("/regulator").await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res, "portal page");
    let html = res.text().await.expect("body");
    assert!(!html.contains("<script>"), "no inline script on a page");
    let res = bare_client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("GET");
    assert_security_headers(&res, "API answer");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_not_a_crash() {
    let app = spawn_app_with(|s| s.server.body_limit = 1024).await;
    let padding = "x".repeat(4096);
    let res = bare_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": ENTERPRISE, "password": padding }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 413);
    let body = json_of(res).await;
    assert_eq!(body["code"], "too_large");
    assert_eq!(body["message"], message("error.too_large"));
    // A body within the limit still works.
    assert_eq!(app.api_login(ENTERPRISE, PASSWORD).await.status(), 200);
    // A page form over the limit is refused the same way, as a page.
    let v = app.visitor();
    let token = v.csrf("/login").await;
    let res = v
        .post_raw(
            "/login",
            &[
                ("username", ENTERPRISE),
                ("password", &padding),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(res.status(), 413, "oversized form");
    assert!(session_cookie(&res).is_none());
}

#[tokio::test]
async fn the_api_docs_serve_swagger_ui() {
    let app = spawn_app().await;
    let res = app.get("/api/docs/").await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/html"));
    let html = res.text().await.expect("body");
    assert!(html.to_lowercase().contains("swagger"), "{html}");
    let res = app.get("/api/docs").await;
    assert!(res.status().is_redirection());
    assert_eq!(location(&res), "/api/docs/");
}
