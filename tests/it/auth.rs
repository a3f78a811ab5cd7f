//! Logging in and out, tokens, lockout, revocation, password changes and session timeouts.

use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portal::clock::Clock;
use serde_json::{Value, json};

use crate::helpers::*;

/// base64url of `{"alg":"none","typ":"JWT"}`.
const ALG_NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
const NEW_PASSWORD: &str = "Xin-Mima#2027";

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json body")
}

/// Asserts an API answer is the JSON 401 `unauthorized`.
async fn assert_unauthorized(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 401, "{what}");
    let body = json_of(res).await;
    assert_eq!(body["code"], "unauthorized", "{what}: {body}");
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign token")
}

#[tokio::test]
async fn page_login_lands_each_role_on_its_portal_home() {
    let app = spawn_app().await;
    for (username, home) in ROLE_HOMES {
        let v = app.visitor();
        let res = v.login(username, PASSWORD).await;
        assert_eq!(res.status(), 303, "login of {username}");
        assert_eq!(location(&res), *home, "{username} lands on its portal");
        let cookie = res
            .cookies()
            .find(|c| c.name() == "session")
            .unwrap_or_else(|| panic!("{username} got no session cookie"));
        assert!(cookie.http_only(), "the session cookie is HttpOnly");
        let html = v.page(home).await;
        assert!(
            html.contains(&format!("data-portal=\"{}\"", &home[1..])),
            "{home} renders the {username} portal"
        );
        assert!(html.contains("<main"), "{home} has a main element");
    }
}

#[tokio::test]
async fn api_login_returns_a_token_and_me_shows_role_portal_and_scope() {
    let app = spawn_app().await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let qpw = app.alliance_id(QPW_ALLIANCE).await;
    let expected = [
        (ADMIN, "admin", "admin", json!({ "kind": "system" })),
        (
            REGULATOR,
            "regulator",
            "regulator",
            json!({ "kind": "region", "path": "/330381/" }),
        ),
        (
            COMMITTEE,
            "committee",
            "committee",
            json!({ "kind": "alliance", "alliance_id": qpw }),
        ),
        (
            ENTERPRISE,
            "enterprise_admin",
            "enterprise",
            json!({ "kind": "enterprise", "enterprise_id": hongtian }),
        ),
        (
            STAFF,
            "enterprise_staff",
            "enterprise",
            json!({ "kind": "enterprise", "enterprise_id": hongtian }),
        ),
        (EXPERT, "expert", "expert", json!({ "kind": "expert" })),
    ];
    for (username, role, portal, scope) in expected {
        let res = app.api_login(username, PASSWORD).await;
        assert_eq!(res.status(), 200, "api login of {username}");
        let login = json_of(res).await;
        assert_eq!(login["token_type"], "Bearer");
        assert_eq!(login["user"]["username"], username);
        let token = login["token"].as_str().expect("token");
        let me = app.api_json("/api/v1/me", token).await;
        assert_eq!(me["username"], username);
        assert_eq!(me["role"], role, "{username}");
        assert_eq!(me["portal"], portal, "{username}");
        for (k, v) in scope.as_object().expect("object") {
            assert_eq!(&me["scope"][k], v, "{username} scope.{k}: {me}");
        }
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let unknown = app.api_login("nobody-here", PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let unknown = json_of(unknown).await;
    let wrong = app.api_login(ENTERPRISE, "Wrong@Password1").await;
    assert_eq!(wrong.status(), 401);
    let wrong = json_of(wrong).await;
    assert_eq!(
        unknown, wrong,
        "nothing tells an unknown user from a wrong password"
    );
    assert_eq!(wrong["code"], "login_failed");
    assert_eq!(wrong["message"], message("login.failed"));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let app = spawn_app().await;
    let mut last = Value::Null;
    for i in 0..5 {
        let res = app.api_login(ENTERPRISE, "Wrong@Password1").await;
        assert_eq!(res.status(), 401, "wrong password #{}", i + 1);
        last = json_of(res).await;
    }
    let res = app.api_login(ENTERPRISE, PASSWORD).await;
    assert_eq!(
        res.status(),
        401,
        "the right password is refused while locked"
    );
    assert_eq!(
        json_of(res).await,
        last,
        "a locked account gets the same message"
    );
    // The page form says the same.
    let v = app.visitor();
    let res = v.login(ENTERPRISE, PASSWORD).await;
    assert_eq!(res.status(), 401);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("login.failed"))));
    // Another account is not affected.
    assert_eq!(app.api_login(STAFF, PASSWORD).await.status(), 200);
    // The lock is in the audit log.
    let admin = app.api_token(ADMIN).await;
    let locked = app
        .api_json("/api/v1/audit?action=account.locked", &admin)
        .await;
    assert_eq!(locked["total"], 1, "{locked}");
}

#[tokio::test]
async fn a_locked_account_opens_again_after_the_lockout_period() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(
            app.api_login(ENTERPRISE, "Wrong@Password1").await.status(),
            401
        );
    }
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        401,
        "still locked after 14 minutes"
    );
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        200,
        "open again after 16 minutes"
    );
}

#[tokio::test]
async fn a_successful_login_resets_the_failure_count() {
    let app = spawn_app().await;
    for _ in 0..4 {
        assert_eq!(
            app.api_login(ENTERPRISE, "Wrong@Password1").await.status(),
            401
        );
    }
    assert_eq!(app.api_login(ENTERPRISE, PASSWORD).await.status(), 200);
    for _ in 0..4 {
        assert_eq!(
            app.api_login(ENTERPRISE, "Wrong@Password1").await.status(),
            401
        );
    }
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        200,
        "eight failures split by a success do not lock"
    );
}

#[tokio::test]
async fn login_without_username_or_password_is_a_bad_request() {
    let app = spawn_app().await;
    for (username, password) in [("", PASSWORD), ("   ", PASSWORD), (ENTERPRISE, "")] {
        let res = app.api_login(username, password).await;
        assert_eq!(res.status(), 400, "{username:?}/{password:?}");
        let body = json_of(res).await;
        assert_eq!(body["code"], "bad_request");
        assert_eq!(body["message"], message("login.required"));
    }
}

#[tokio::test]
async fn tampered_foreign_and_expired_tokens_are_refused() {
    let app = spawn_app().await;
    let real = app.api_token(ENTERPRISE).await;
    let claims: Value =
        jsonwebtoken::dangerous::insecure_decode_claims(&real).expect("claims of a real token");
    assert_eq!(claims["aud"], "api");
    assert_eq!(claims["iss"], "anquan-hulian");

    // Control: the same claims re-signed with the app's key are accepted, so each refusal
    // below is down to the one thing changed.
    let resigned = sign(&claims, TEST_SECRET);
    assert_eq!(app.api_get("/api/v1/me", &resigned).await.status(), 200);

    let payload = real.split('.').nth(1).expect("payload part");
    let alg_none = format!("{ALG_NONE_HEADER}.{payload}.");
    assert_unauthorized(app.api_get("/api/v1/me", &alg_none).await, "alg none").await;

    let mut web = claims.clone();
    web["aud"] = json!("web");
    let web = sign(&web, TEST_SECRET);
    assert_unauthorized(app.api_get("/api/v1/me", &web).await, "web audience").await;

    let mut issuer = claims.clone();
    issuer["iss"] = json!("someone-else");
    let issuer = sign(&issuer, TEST_SECRET);
    assert_unauthorized(app.api_get("/api/v1/me", &issuer).await, "other issuer").await;

    let mut expired = claims.clone();
    expired["exp"] = json!(app.clock.now().timestamp() - 3600);
    let expired = sign(&expired, TEST_SECRET);
    assert_unauthorized(app.api_get("/api/v1/me", &expired).await, "expired").await;

    let other_key = sign(&claims, "another-secret-another-secret-another-secret");
    assert_unauthorized(app.api_get("/api/v1/me", &other_key).await, "other key").await;

    let (signed, signature) = real.rsplit_once('.').expect("three parts");
    let first = signature.chars().next().expect("a signature");
    let flipped = format!(
        "{signed}.{}{}",
        if first == 'A' { 'B' } else { 'A' },
        &signature[1..]
    );
    assert_unauthorized(
        app.api_get("/api/v1/me", &flipped).await,
        "altered signature",
    )
    .await;

    assert_unauthorized(app.api_get("/api/v1/me", "garbage").await, "garbage").await;
    assert_unauthorized(app.api_get("/api/v1/me", "a.b.c").await, "garbage parts").await;
    assert_unauthorized(
        bare_client()
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .expect("GET"),
        "no token",
    )
    .await;

    // The genuine token is still fine.
    assert_eq!(app.api_get("/api/v1/me", &real).await.status(), 200);
}

#[tokio::test]
async fn an_api_token_ends_after_its_lifetime() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;
    app.clock
        .advance(Duration::hours(7) + Duration::minutes(50));
    assert_eq!(
        app.api_get("/api/v1/me", &token).await.status(),
        200,
        "API tokens are not subject to the page idle timeout"
    );
    app.clock.advance(Duration::minutes(11));
    assert_unauthorized(app.api_get("/api/v1/me", &token).await, "after 8h").await;
}

#[tokio::test]
async fn a_page_session_does_not_open_the_api() {
    let app = spawn_app().await;
    let v = app.visitor();
    let res = v.login(ENTERPRISE, PASSWORD).await;
    assert_eq!(res.status(), 303);
    let cookie = session_cookie(&res).expect("session cookie");
    // The browser's cookie is not enough for the API …
    assert_unauthorized(v.get("/api/v1/me").await, "cookie on the API").await;
    // … and the page token is no bearer token either.
    assert_unauthorized(
        app.api_get("/api/v1/me", &cookie).await,
        "page token as bearer",
    )
    .await;
    // An API token is no page session.
    let api = app.api_token(ENTERPRISE).await;
    let res = bare_client()
        .get(app.url("/enterprise"))
        .header("cookie", format!("session={api}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=/enterprise");
}

#[tokio::test]
async fn api_logout_revokes_that_token_only() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;
    let other = app.api_token(ENTERPRISE).await;
    let res = app
        .api_post("/api/v1/auth/logout", &token, &json!({}))
        .await;
    assert_eq!(res.status(), 204);
    assert_unauthorized(app.api_get("/api/v1/me", &token).await, "after logout").await;
    assert_unauthorized(
        app.api_post("/api/v1/auth/logout", &token, &json!({}))
            .await,
        "second logout",
    )
    .await;
    assert_eq!(
        app.api_get("/api/v1/me", &other).await.status(),
        200,
        "the account's other token lives on"
    );
}

async fn page_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    bare_client()
        .get(app.url(path))
        .header("cookie", format!("session={cookie}"))
        .send()
        .await
        .expect("GET")
}

#[tokio::test]
async fn page_logout_ends_the_session_for_good() {
    let app = spawn_app().await;
    let v = app.visitor();
    let res = v.login(ENTERPRISE, PASSWORD).await;
    let cookie = session_cookie(&res).expect("session cookie");
    assert_eq!(
        page_with_cookie(&app, "/enterprise", &cookie)
            .await
            .status(),
        200,
        "the copied cookie works before logout"
    );
    let res = v.post_form("/logout", "/account/password", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    let res = v.get("/enterprise").await;
    assert_eq!(res.status(), 303, "the browser is logged out");
    let res = page_with_cookie(&app, "/enterprise", &cookie).await;
    assert_eq!(
        res.status(),
        303,
        "the old cookie value is revoked, not just deleted"
    );
    assert_eq!(location(&res), "/login?next=/enterprise");
}

#[tokio::test]
async fn api_password_change_revokes_tokens_and_swaps_the_password() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;
    let other = app.api_token(ENTERPRISE).await;
    let res = app
        .api_post(
            "/api/v1/auth/password",
            &token,
            &json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_unauthorized(app.api_get("/api/v1/me", &token).await, "changing token").await;
    assert_unauthorized(app.api_get("/api/v1/me", &other).await, "other token").await;
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        401,
        "old password"
    );
    assert_eq!(
        app.api_login(ENTERPRISE, NEW_PASSWORD).await.status(),
        200,
        "new password"
    );
    // The staff account of the same enterprise keeps its password.
    assert_eq!(app.api_login(STAFF, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn page_password_change_revokes_sessions_and_swaps_the_password() {
    let app = spawn_app().await;
    let v = app.visitor();
    let res = v.login(ENTERPRISE, PASSWORD).await;
    let cookie = session_cookie(&res).expect("session cookie");
    let api = app.api_token(ENTERPRISE).await;
    let res = v
        .post_form(
            "/account/password",
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).starts_with("/login"),
        "back to the login page"
    );
    assert_eq!(
        page_with_cookie(&app, "/enterprise", &cookie)
            .await
            .status(),
        303
    );
    assert_unauthorized(app.api_get("/api/v1/me", &api).await, "api token").await;
    assert_eq!(
        app.visitor().login(ENTERPRISE, PASSWORD).await.status(),
        401
    );
    let res = app.visitor().login(ENTERPRISE, NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise");
}

#[tokio::test]
async fn password_changes_breaking_the_rules_are_refused_with_a_message() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;
    let cases = [
        (PASSWORD, "Ab1!xyz", "password.too_short"),
        (PASSWORD, "abcdefghijkl", "password.too_few_classes"),
        (PASSWORD, "abcdefgh1234", "password.too_few_classes"),
        (PASSWORD, "Qiye1@abcdef", "password.contains_username"),
        ("Wrong@Password1", NEW_PASSWORD, "password.wrong_current"),
    ];
    for (current, new, key) in cases {
        let res = app
            .api_post(
                "/api/v1/auth/password",
                &token,
                &json!({ "current": current, "new": new }),
            )
            .await;
        assert_eq!(res.status(), 400, "{new}");
        let body = json_of(res).await;
        assert_eq!(body["code"], "bad_request");
        assert_eq!(body["message"], message(key), "{new}");
    }
    // Nothing changed: the token lives on and the old password still works.
    assert_eq!(app.api_get("/api/v1/me", &token).await.status(), 200);
    assert_eq!(app.api_login(ENTERPRISE, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_page_password_form_explains_a_refusal() {
    let app = spawn_app().await;
    let v = app.logged_in(ENTERPRISE).await;
    let cases = [
        (NEW_PASSWORD, "Xin-Mima#2028", "password.mismatch"),
        ("Ab1!xyz", "Ab1!xyz", "password.too_short"),
        ("Qiye1@abcdef", "Qiye1@abcdef", "password.contains_username"),
    ];
    for (new, confirm, key) in cases {
        let res = v
            .post_form(
                "/account/password",
                "/account/password",
                &[("current", PASSWORD), ("new", new), ("confirm", confirm)],
            )
            .await;
        assert_eq!(res.status(), 400, "{new}/{confirm}");
        let html = res.text().await.expect("body");
        assert!(html.contains(&html_escape(&message(key))), "{key} shown");
    }
    assert_eq!(v.get("/enterprise").await.status(), 200, "still logged in");
}

#[tokio::test]
async fn a_page_session_unused_for_31_minutes_ends() {
    let app = spawn_app().await;
    let v = app.logged_in(ENTERPRISE).await;
    assert_eq!(v.get("/enterprise").await.status(), 200);
    app.clock.advance(Duration::minutes(31));
    let res = v.get("/enterprise").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=/enterprise");
}

#[tokio::test]
async fn a_page_session_in_use_stays_open() {
    let app = spawn_app().await;
    let v = app.logged_in(ENTERPRISE).await;
    for _ in 0..4 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(
            v.get("/enterprise").await.status(),
            200,
            "each visit keeps it alive"
        );
    }
}

#[tokio::test]
async fn logins_and_failed_logins_are_audited() {
    let app = spawn_app().await;
    assert_eq!(
        app.visitor().login(ENTERPRISE, PASSWORD).await.status(),
        303
    );
    assert_eq!(
        app.api_login(ENTERPRISE_OTHER, "Wrong@Password1")
            .await
            .status(),
        401
    );
    assert_eq!(app.api_login("nobody-here", PASSWORD).await.status(), 401);
    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=login&per_page=100", &admin)
        .await;
    let items = log["items"].as_array().expect("items");
    assert!(
        items
            .iter()
            .all(|r| r["action"].as_str().is_some_and(|a| a.starts_with("login")))
    );
    let has = |name: &str, outcome: &str| {
        items
            .iter()
            .any(|r| r["actor_name"] == name && r["outcome"] == outcome && r["action"] == "login")
    };
    assert!(has(ENTERPRISE, "success"), "qiye1's login: {log}");
    assert!(has(ADMIN, "success"), "admin's own login");
    assert!(has(ENTERPRISE_OTHER, "failure"), "qiye2's wrong password");
    assert!(has("nobody-here", "failure"), "the unknown user");
    assert!(!has(ENTERPRISE_OTHER, "success"), "qiye2 never got in");
    // Filtering by outcome narrows the list.
    let failures = app
        .api_json(
            "/api/v1/audit?action=login&outcome=failure&per_page=100",
            &admin,
        )
        .await;
    assert_eq!(failures["total"], 2, "{failures}");
}

#[tokio::test]
async fn wrong_passwords_sent_all_at_once_still_lock_the_account() {
    let app = spawn_app().await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let url = app.url("/api/v1/auth/login");
        attempts.spawn(async move {
            bare_client()
                .post(url)
                .json(&json!({ "username": ENTERPRISE, "password": "Wrong@Password1" }))
                .send()
                .await
                .expect("login")
                .status()
        });
    }
    while let Some(status) = attempts.join_next().await {
        assert_eq!(status.expect("attempt"), 401);
    }
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        401,
        "a burst of guesses locks the account like guesses one by one"
    );
    let admin = app.api_token(ADMIN).await;
    let locked = app
        .api_json("/api/v1/audit?action=account.locked", &admin)
        .await;
    assert!(locked["total"].as_u64().is_some_and(|n| n >= 1), "{locked}");
}

#[tokio::test]
async fn a_page_session_ends_after_twelve_hours_even_in_use() {
    let app = spawn_app().await;
    let v = app.logged_in(ENTERPRISE).await;
    // 28 visits 25 minutes apart: 11h40m, never idle for long.
    for _ in 0..28 {
        app.clock.advance(Duration::minutes(25));
        assert_eq!(v.get("/enterprise").await.status(), 200);
    }
    app.clock.advance(Duration::minutes(25));
    let res = v.get("/enterprise").await;
    assert_eq!(res.status(), 303, "12h05m after login");
    assert_eq!(location(&res), "/login?next=/enterprise");
}
