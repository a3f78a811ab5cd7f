//! Defences of the login: the lockout under a concurrent burst, the per-IP and per-username
//! rate limit, the client IP behind a proxy and where `next` may send the browser.

use chrono::Duration;
use portal::config::Settings;
use serde_json::{Value, json};

use crate::helpers::*;

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json body")
}

/// One API login attempt with its own connection (as a burst of clients would send it).
async fn attempt(url: String, password: &'static str) -> u16 {
    bare_client()
        .post(url)
        .json(&json!({ "username": ENTERPRISE, "password": password }))
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_right_password_in_a_burst_of_forty_wrong_ones_is_refused_and_the_lock_is_audited() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/auth/login");
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..20 {
        burst.spawn(attempt(url.clone(), "Wrong@Password1"));
    }
    let right = tokio::spawn(attempt(url.clone(), PASSWORD));
    for _ in 0..20 {
        burst.spawn(attempt(url.clone(), "Wrong@Password1"));
    }
    while let Some(status) = burst.join_next().await {
        assert_eq!(status.expect("attempt"), 401, "a wrong password");
    }
    assert_eq!(
        right.await.expect("attempt"),
        401,
        "the right password inside the burst is refused"
    );
    let admin = app.api_token(ADMIN).await;
    let locked = app
        .api_json("/api/v1/audit?action=account.locked", &admin)
        .await;
    assert_eq!(
        locked["total"], 1,
        "the burst locks the account once: {locked}"
    );
    let ok = app
        .api_json(
            &format!("/api/v1/audit?action=login&actor={ENTERPRISE}&outcome=success"),
            &admin,
        )
        .await;
    assert_eq!(ok["total"], 0, "no login succeeded: {ok}");
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        401,
        "still locked after the burst"
    );
}

/// The production defaults of the auth settings (the suite raises the login rate limits).
fn production_auth(s: &mut Settings) {
    let secret = s.auth.secret.clone();
    s.auth = Settings::default().auth;
    s.auth.secret = secret;
}

#[tokio::test]
async fn too_many_logins_for_one_username_answer_429_until_the_window_passes() {
    let app = spawn_app_with(production_auth).await;
    for i in 0..10 {
        let res = app.api_login(ENTERPRISE, PASSWORD).await;
        assert_eq!(res.status(), 200, "login #{}", i + 1);
    }
    let res = app.api_login(ENTERPRISE, PASSWORD).await;
    assert_eq!(res.status(), 429, "the eleventh login in a minute");
    let retry: i64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body = json_of(res).await;
    assert_eq!(body["message"], message("login.too_many"), "{body}");
    // The page form is limited too, with the message on the form.
    let res = app.visitor().login(ENTERPRISE, PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("login.too_many"))));
    // Another account from the same address is not limited by this one's count.
    assert_eq!(app.api_login(STAFF, PASSWORD).await.status(), 200);

    app.clock.advance(Duration::seconds(retry));
    assert_eq!(
        app.api_login(ENTERPRISE, PASSWORD).await.status(),
        200,
        "the window has passed"
    );
}

#[tokio::test]
async fn too_many_logins_from_one_address_answer_429() {
    let app = spawn_app_with(production_auth).await;
    let users = [ADMIN, REGULATOR, COMMITTEE, ENTERPRISE, STAFF, EXPERT];
    for i in 0..30 {
        let res = app.api_login(users[i % users.len()], PASSWORD).await;
        assert_eq!(res.status(), 200, "login #{}", i + 1);
    }
    let res = app.api_login(ENTERPRISE_OTHER, PASSWORD).await;
    assert_eq!(
        res.status(),
        429,
        "the 31st login from one address in a minute"
    );
    assert!(res.headers().get("retry-after").is_some());
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        app.api_login(ENTERPRISE_OTHER, PASSWORD).await.status(),
        200
    );
}
