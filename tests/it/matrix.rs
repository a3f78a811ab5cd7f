//! The authorization matrix: every route of the inventory, asked by anonymous and by one
//! account of each role. Who got in is written out as a table, one line per route, and compared
//! with the reviewed snapshot `snapshots/matrix_access.snap` (independently of the access rules
//! the inventory declares); every refusal must have its proper form. Plus CSRF on every
//! state-changing page route.
//!
//! A changed or missing snapshot fails the test; under `CI` no file is written. To accept a
//! change, run the test with `INSTA_UPDATE=always` and review the snapshot with `git diff`.

use std::collections::BTreeSet;

use portal::web::routes::inventory;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

/// The role accounts of the matrix, with the role each stands for in the table.
const ACCOUNTS: [(&str, &str); 6] = [
    (ADMIN, "admin"),
    (REGULATOR, "regulator"),
    (COMMITTEE, "committee"),
    (ENTERPRISE, "enterprise-admin"),
    (STAFF, "enterprise-staff"),
    (EXPERT, "expert"),
];

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// One party of the matrix: a browser (cookies) and, when logged in, an API token.
struct Actor {
    account: Option<&'static str>,
    /// The actor's name in the table (`anonymous` or the role).
    label: &'static str,
    browser: Visitor,
    /// The CSRF token of the browser's session (or pre-login seed).
    csrf: String,
    token: Option<String>,
}

async fn actors(app: &TestApp) -> Vec<Actor> {
    let anon = app.visitor();
    let csrf = anon.csrf("/login").await;
    let mut out = vec![Actor {
        account: None,
        label: "anonymous",
        browser: anon,
        csrf,
        token: None,
    }];
    for (account, label) in ACCOUNTS {
        let browser = app.logged_in(account).await;
        let csrf = browser.csrf("/account/password").await;
        out.push(Actor {
            account: Some(account),
            label,
            browser,
            csrf,
            token: Some(app.api_token(account).await),
        });
    }
    out
}

/// The concrete path of a route pattern.
fn concrete(pattern: &str, enterprise_id: i64) -> String {
    // Checklist templates: an id no template has. A template the caller sees but may not
    // change answers 403 by rule, whatever the route allows (tests/it/checklists.rs).
    // Files: an id no attachment has (tests/it/photos.rs checks who sees a real one).
    // Experts: an id no expert has (a real one would be deactivated, and its account with it).
    let pattern = &if pattern.contains("/checklists/{id}")
        || pattern.contains("/files/{id}")
        || pattern.contains("/experts/{id}")
    {
        pattern.replace("{id}", "999999")
    } else {
        pattern.to_string()
    };
    pattern
        .replace("{id}", &enterprise_id.to_string())
        .replace("{enterprise_id}", &enterprise_id.to_string())
        // No such account: staff routes must not deactivate the matrix's own accounts.
        .replace("{user_id}", "0")
        // No such account: access decides, nothing is changed.
        .replace("{user_id}", "999999")
        .replace("{extension_id}", "999999")
        .replace("{file_id}", "999999")
        .replace("{name}", "app.css")
        .replace("{code}", "en")
}

/// The request a route gets in the matrix: valid in shape, so that access decides.
async fn send(app: &TestApp, actor: &Actor, method: &str, path: &str) -> reqwest::Response {
    let url = app.url(path);
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    if is_api(path) {
        let mut req = bare_client().request(method.clone(), &url);
        if let Some(t) = &actor.token {
            req = req.bearer_auth(t);
        }
        if method == Method::POST {
            let body = match path {
                "/api/v1/auth/login" => {
                    json!({ "username": actor.account.unwrap_or(ENTERPRISE), "password": PASSWORD })
                }
                "/api/v1/auth/password" => {
                    json!({ "current": "Wrong@Password1", "new": "Xin-Mima#2027" })
                }
                _ => json!({}),
            };
            req = req.json(&body);
        }
        req.send().await.expect("request")
    } else if method == Method::POST {
        let fields: Vec<(&str, &str)> = match path {
            // Harmless bodies: refused by the handler (400), not by access.
            "/login" => vec![("username", ""), ("password", "")],
            "/account/password" => vec![
                ("current", "Wrong@Password1"),
                ("new", "Xin-Mima#2027"),
                ("confirm", "Xin-Mima#2027"),
            ],
            _ => vec![],
        };
        let mut form = fields;
        form.push(("_csrf", &actor.csrf));
        if path == "/regulator/imports"
            || path.ends_with("/submit")
            || path.ends_with("/evidence")
            || path.ends_with("/attach")
        {
            // File uploads carry their token in the action URL (the body is multipart).
            let with_token = format!("{path}?_csrf={}", actor.csrf);
            return actor.browser.post_raw(&with_token, &form).await;
        }
        actor.browser.post_raw(path, &form).await
    } else {
        actor
            .browser
            .client
            .request(method.clone(), &url)
            .send()
            .await
            .expect("request")
    }
}

/// Whether `res` let the actor in (`Ok(true)`), refused it in the proper form (`Ok(false)`:
/// anonymous pages go to log in, anonymous API calls get a JSON 401, logged-in callers a 403
/// page or a JSON 403), or neither (`Err`: a server error, or a refusal in the wrong form).
async fn got_in(actor: &Actor, path: &str, res: reqwest::Response) -> Result<bool, String> {
    let status = res.status().as_u16();
    let loc = location(&res);
    if status >= 500 {
        return Err(format!("got {status}"));
    }
    let sent_to_login = status == 303 && loc.starts_with("/login?next=");
    if status != 401 && status != 403 && !sent_to_login {
        return Ok(true);
    }
    let problem = match (actor.account, is_api(path)) {
        (None, false) => {
            let want = format!("/login?next={path}");
            (status != 303 || loc != want)
                .then(|| format!("expected 303 to {want}, got {status} {loc}"))
        }
        (None, true) => {
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            (status != 401 || body["code"] != "unauthorized")
                .then(|| format!("expected JSON 401, got {status} {body}"))
        }
        (Some(_), false) => {
            let html = res.text().await.unwrap_or_default();
            (status != 403 || !html.contains("<main"))
                .then(|| format!("expected a 403 page, got {status} {loc}"))
        }
        (Some(_), true) => {
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            (status != 403 || body["code"] != "forbidden")
                .then(|| format!("expected JSON 403, got {status} {body}"))
        }
    };
    problem.map_or(Ok(false), Err)
}

/// Who got in, as the table says it: `anyone`, `logged-in` (every account, not anonymous),
/// `nobody`, or the roles one by one.
fn who(actors: &[Actor], admitted: &[bool]) -> String {
    let accounts = &admitted[1..];
    match (admitted[0], accounts.iter().all(|a| *a)) {
        (true, true) => "anyone".to_string(),
        (false, true) => "logged-in".to_string(),
        _ if !admitted.contains(&true) => "nobody".to_string(),
        _ => actors
            .iter()
            .zip(admitted)
            .filter(|(_, a)| **a)
            .map(|(actor, _)| actor.label)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[test]
fn the_inventory_lists_each_route_once() {
    let routes: Vec<(String, String)> = inventory()
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone()))
        .collect();
    let inv: BTreeSet<(String, String)> = routes.iter().cloned().collect();
    assert_eq!(inv.len(), routes.len(), "the inventory lists a route twice");
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_reviewed_access_table_says() {
    let app = spawn_app().await;
    let enterprise_id = app.enterprise_id(HONGTIAN).await;
    let actors = actors(&app).await;
    assert_eq!(actors.len(), ACCOUNTS.len() + 1);
    let inventory = inventory();
    let mut order: Vec<usize> = (0..inventory.len()).collect();
    // Logging out ends the actor's session: do it last.
    order.sort_by_key(|i| inventory[*i].path.ends_with("/logout"));
    let mut admitted = vec![Vec::new(); inventory.len()];
    let mut failures = Vec::new();
    for i in order {
        let route = &inventory[i];
        let path = concrete(&route.path, enterprise_id);
        for actor in &actors {
            let res = send(&app, actor, route.method.as_str(), &path).await;
            match got_in(actor, &path, res).await {
                Ok(admit) => admitted[i].push(admit),
                Err(problem) => {
                    failures.push(format!(
                        "{} {path} as {}: {problem}",
                        route.method, actor.label
                    ));
                    admitted[i].push(false);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "refusals in the wrong form:\n{}",
        failures.join("\n")
    );
    let table: String = inventory
        .iter()
        .zip(&admitted)
        .map(|(route, admitted)| {
            assert_eq!(admitted.len(), actors.len(), "{route:?}");
            format!(
                "{} {}  {}\n",
                route.method,
                route.path,
                who(&actors, admitted)
            )
        })
        .collect();
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("matrix_access", table);
    });
}

#[tokio::test]
async fn every_page_form_refuses_a_missing_or_wrong_csrf_token() {
    let app = spawn_app().await;
    let user = app.logged_in(ENTERPRISE).await;
    let other = app.logged_in(ENTERPRISE_OTHER).await;
    // A well-formed token, but bound to someone else's session.
    let foreign = other.csrf("/account/password").await;
    let own = user.csrf("/account/password").await;
    assert_ne!(own, foreign);
    let posts: Vec<_> = inventory()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && !is_api(&r.path))
        .collect();
    assert!(
        posts.len() >= 3,
        "login, logout and password change at least"
    );
    for route in &posts {
        // Bodies that would change something were they accepted.
        let fields: Vec<(&str, &str)> = match route.path.as_str() {
            "/login" => vec![("username", ENTERPRISE_OTHER), ("password", PASSWORD)],
            "/account/password" => vec![
                ("current", PASSWORD),
                ("new", "Xin-Mima#2027"),
                ("confirm", "Xin-Mima#2027"),
            ],
            _ => vec![],
        };
        let path = concrete(&route.path, 1);
        let mut wrong = fields.clone();
        wrong.push(("_csrf", &foreign));
        let mut garbage = fields.clone();
        garbage.push(("_csrf", "not-a-token"));
        for (what, form) in [
            ("without", &fields),
            ("with a foreign", &wrong),
            ("with a garbage", &garbage),
        ] {
            let res = user.post_raw(&path, form).await;
            assert_eq!(res.status(), 403, "POST {path} {what} csrf token");
            assert!(
                session_cookie(&res).is_none(),
                "POST {path} {what} token set a session"
            );
        }
    }
    // Nothing changed: still logged in as before, the password is the old one.
    let html = user.page("/enterprise").await;
    assert!(html.contains("data-portal=\"enterprise\""));
    assert_eq!(app.api_login(ENTERPRISE, PASSWORD).await.status(), 200);
    let admin = app.api_token(ADMIN).await;
    for action in ["logout", "password.change"] {
        let log = app
            .api_json(&format!("/api/v1/audit?action={action}"), &admin)
            .await;
        assert_eq!(log["total"], 0, "no {action} happened: {log}");
    }
    // With its own token the same logout does go through (so the refusals were the token's).
    let res = user.post_raw("/logout", &[("_csrf", &own)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(user.get("/enterprise").await.status(), 303);
}

#[tokio::test]
async fn the_login_form_refuses_a_post_without_the_browsers_csrf_token() {
    let app = spawn_app().await;
    let v = app.visitor();
    let token = v.csrf("/login").await;
    let res = v
        .post_raw(
            "/login",
            &[("username", ENTERPRISE), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 403, "no token");
    assert!(session_cookie(&res).is_none());
    // A token from another browser is no good either.
    let stranger = app.visitor().csrf("/login").await;
    assert_ne!(stranger, token, "each browser has its own token");
    let res = v
        .post_raw(
            "/login",
            &[
                ("username", ENTERPRISE),
                ("password", PASSWORD),
                ("_csrf", &stranger),
            ],
        )
        .await;
    assert_eq!(res.status(), 403, "another browser's token");
    assert!(session_cookie(&res).is_none());
    let res = v
        .post_raw(
            "/login",
            &[
                ("username", ENTERPRISE),
                ("password", PASSWORD),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "its own token");
}
