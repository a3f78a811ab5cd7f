//! Where the portal trusts the request: the `next` target it redirects to, and the client IP
//! it takes from a reverse proxy's `X-Forwarded-For`.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_language_switch_and_the_login_follow_only_local_paths() {
    let app = spawn_app().await;
    for next in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "https://evil.example/",
        "/%20/evil.example",
        "/%E3%80%80/evil.example",
    ] {
        let res = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(res.status(), 303, "{next}");
        assert_eq!(location(&res), "/", "the switch stays on the site: {next}");
    }
    let res = app
        .get("/lang/en?next=/login%3Fnext%3D%252Fenterprise")
        .await;
    assert_eq!(
        location(&res),
        "/login?next=%2Fenterprise",
        "a local path is kept"
    );

    // The login form follows `next` through the same rule.
    let token = app.csrf("/login").await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", ENTERPRISE),
            ("password", PASSWORD),
            ("next", "/\t/evil.example"),
            ("_csrf", &token),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise");
}

#[tokio::test]
async fn behind_a_proxy_the_client_is_the_right_most_untrusted_hop() {
    let app = spawn_app_with(|s| s.server.trust_proxy = true).await;
    // The client forged the first entry; the proxy (loopback, trusted) appended the real one.
    let res = bare_client()
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
        .json(&json!({ "username": ENTERPRISE, "password": "Wrong@Password1" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 401);
    let admin = app.api_token(ADMIN).await;
    let failures = app
        .api_json(
            &format!("/api/v1/audit?action=login&actor={ENTERPRISE}&outcome=failure"),
            &admin,
        )
        .await;
    assert_eq!(failures["total"], 1, "{failures}");
    assert_eq!(failures["items"][0]["ip"], "203.0.113.7", "{failures}");

    // Without trust_proxy the header is ignored.
    let app = spawn_app().await;
    bare_client()
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", "6.6.6.6")
        .json(&json!({ "username": ENTERPRISE, "password": "Wrong@Password1" }))
        .send()
        .await
        .expect("login");
    let admin = app.api_token(ADMIN).await;
    let failures = app
        .api_json(
            &format!("/api/v1/audit?action=login&actor={ENTERPRISE}&outcome=failure"),
            &admin,
        )
        .await;
    assert_eq!(failures["items"][0]["ip"], "127.0.0.1", "{failures}");
}
