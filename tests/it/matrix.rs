//! The authorization matrix: every route of the inventory, asked by anonymous and by one
//! account of each role, against an access table written out here (independently of the
//! access rules the inventory declares). Plus CSRF on every state-changing page route.

use std::collections::BTreeSet;

use portal::web::routes::inventory;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
enum Who {
    Anyone,
    LoggedIn,
    Only(&'static [&'static str]),
}

use Who::*;

/// The role accounts of the matrix.
const ACCOUNTS: [&str; 6] = [ADMIN, REGULATOR, COMMITTEE, ENTERPRISE, STAFF, EXPERT];

/// The expected access of every route, keyed by (method, path pattern).
const EXPECTED: &[(&str, &str, Who)] = &[
    ("GET", "/healthz", Anyone),
    ("GET", "/readyz", Anyone),
    ("GET", "/static/{name}", Anyone),
    ("GET", "/", Anyone),
    ("GET", "/login", Anyone),
    ("POST", "/login", Anyone),
    ("POST", "/logout", LoggedIn),
    ("GET", "/lang/{code}", Anyone),
    ("GET", "/account/password", LoggedIn),
    ("POST", "/account/password", LoggedIn),
    ("GET", "/admin", Only(&[ADMIN])),
    ("GET", "/admin/audit", Only(&[ADMIN])),
    ("GET", "/regulator", Only(&[REGULATOR])),
    ("GET", "/regulator/enterprises", Only(&[REGULATOR])),
    ("POST", "/regulator/enterprises", Only(&[REGULATOR])),
    (
        "GET",
        "/regulator/enterprises/export.xlsx",
        Only(&[REGULATOR]),
    ),
    ("GET", "/regulator/enterprises/new", Only(&[REGULATOR])),
    ("GET", "/regulator/enterprises/{id}", Only(&[REGULATOR])),
    ("POST", "/regulator/enterprises/{id}", Only(&[REGULATOR])),
    (
        "GET",
        "/regulator/enterprises/{id}/edit",
        Only(&[REGULATOR]),
    ),
    ("GET", "/regulator/imports", Only(&[REGULATOR])),
    ("POST", "/regulator/imports", Only(&[REGULATOR])),
    (
        "GET",
        "/regulator/imports/template.xlsx",
        Only(&[REGULATOR]),
    ),
    ("GET", "/regulator/imports/{id}", Only(&[REGULATOR])),
    (
        "GET",
        "/regulator/imports/{id}/progress",
        Only(&[REGULATOR]),
    ),
    ("POST", "/regulator/imports/{id}/commit", Only(&[REGULATOR])),
    ("GET", "/enterprise/profile", Only(&[ENTERPRISE, STAFF])),
    // Staff see their details; only the enterprise admin changes them.
    ("POST", "/enterprise/profile", Only(&[ENTERPRISE])),
    ("GET", "/regulator/audit", Only(&[REGULATOR])),
    ("GET", "/regulator/participation", Only(&[REGULATOR])),
    (
        "POST",
        "/regulator/participation/targets",
        Only(&[REGULATOR]),
    ),
    ("GET", "/committee", Only(&[COMMITTEE])),
    ("GET", "/enterprise", Only(&[ENTERPRISE, STAFF])),
    ("GET", "/committee/members", Only(&[COMMITTEE])),
    ("POST", "/committee/members/invite", Only(&[COMMITTEE])),
    (
        "POST",
        "/committee/members/{id}/approve",
        Only(&[COMMITTEE]),
    ),
    ("POST", "/committee/members/{id}/reject", Only(&[COMMITTEE])),
    ("GET", "/committee/groups", Only(&[COMMITTEE])),
    ("POST", "/committee/groups", Only(&[COMMITTEE])),
    ("POST", "/committee/groups/{id}/rename", Only(&[COMMITTEE])),
    ("POST", "/committee/groups/{id}/members", Only(&[COMMITTEE])),
    (
        "POST",
        "/committee/groups/{id}/members/{enterprise_id}/remove",
        Only(&[COMMITTEE]),
    ),
    ("POST", "/committee/groups/{id}/leader", Only(&[COMMITTEE])),
    // Staff see their enterprise's memberships; only the enterprise admin acts on them.
    ("GET", "/enterprise/alliances", Only(&[ENTERPRISE, STAFF])),
    ("POST", "/enterprise/alliances/apply", Only(&[ENTERPRISE])),
    (
        "POST",
        "/enterprise/alliances/{id}/accept",
        Only(&[ENTERPRISE]),
    ),
    (
        "POST",
        "/enterprise/alliances/{id}/decline",
        Only(&[ENTERPRISE]),
    ),
    (
        "POST",
        "/enterprise/alliances/{id}/leave",
        Only(&[ENTERPRISE]),
    ),
    ("GET", "/expert", Only(&[EXPERT])),
    ("GET", "/api/v1/openapi.json", Anyone),
    ("GET", "/api/docs", Anyone),
    ("POST", "/api/v1/auth/login", Anyone),
    ("POST", "/api/v1/auth/logout", LoggedIn),
    ("POST", "/api/v1/auth/password", LoggedIn),
    ("GET", "/api/v1/me", LoggedIn),
    // 站内信: everyone's own (another user's id answers 404).
    ("GET", "/notifications", LoggedIn),
    ("POST", "/notifications/read-all", LoggedIn),
    ("POST", "/notifications/{id}/read", LoggedIn),
    ("GET", "/api/v1/notifications", LoggedIn),
    ("GET", "/api/v1/notifications/unread-count", LoggedIn),
    ("POST", "/api/v1/notifications/read-all", LoggedIn),
    ("POST", "/api/v1/notifications/{id}/read", LoggedIn),
    // Files answer by scope (404 outside it), not by role.
    ("GET", "/files/{id}", LoggedIn),
    ("GET", "/files/{id}/thumb", LoggedIn),
    ("GET", "/files/{id}/original", LoggedIn),
    ("GET", "/api/v1/files/{id}", LoggedIn),
    ("GET", "/api/v1/files/{id}/thumb", LoggedIn),
    ("GET", "/api/v1/files/{id}/original", LoggedIn),
    ("GET", "/api/v1/enterprises", LoggedIn),
    ("GET", "/api/v1/enterprises/{id}", LoggedIn),
    ("POST", "/api/v1/enterprises", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/enterprises/{id}", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/me/enterprise/contact", Only(&[ENTERPRISE])),
    ("GET", "/api/v1/audit", Only(&[ADMIN, REGULATOR])),
    // 检查 and 隐患: lists per portal; the inspection and hazard pages are everyone's, their
    // records answer by scope (404 outside it); the inspecting enterprise starts and submits,
    // the committee reviews.
    ("GET", "/enterprise/inspections", Only(&[ENTERPRISE, STAFF])),
    (
        "POST",
        "/enterprise/inspections",
        Only(&[ENTERPRISE, STAFF]),
    ),
    ("GET", "/committee/inspections", Only(&[COMMITTEE])),
    ("GET", "/regulator/inspections", Only(&[REGULATOR])),
    ("GET", "/inspections/{id}", LoggedIn),
    (
        "POST",
        "/inspections/{id}/start",
        Only(&[ENTERPRISE, STAFF]),
    ),
    (
        "POST",
        "/inspections/{id}/submit",
        Only(&[ENTERPRISE, STAFF]),
    ),
    ("POST", "/inspections/{id}/review", Only(&[COMMITTEE])),
    ("GET", "/enterprise/hazards", Only(&[ENTERPRISE, STAFF])),
    ("GET", "/committee/hazards", Only(&[COMMITTEE])),
    ("GET", "/regulator/hazards", Only(&[REGULATOR])),
    // 挂牌督办: the bureau's list and edits; the admin reads the city's through the API.
    ("GET", "/regulator/supervision", Only(&[REGULATOR])),
    (
        "GET",
        "/regulator/supervision/export.xlsx",
        Only(&[REGULATOR]),
    ),
    ("POST", "/regulator/supervision/{id}", Only(&[REGULATOR])),
    ("GET", "/api/v1/supervisions", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/supervisions/{id}", Only(&[REGULATOR])),
    ("GET", "/hazards/{id}", LoggedIn),
    // 整改闭环 forms: reachable by everyone logged in; the loop's rules answer 403/404/409.
    ("POST", "/hazards/{id}/acknowledge", LoggedIn),
    ("POST", "/hazards/{id}/dispute", LoggedIn),
    ("POST", "/hazards/{id}/uphold", LoggedIn),
    ("POST", "/hazards/{id}/withdraw", LoggedIn),
    ("POST", "/hazards/{id}/evidence", LoggedIn),
    ("POST", "/hazards/{id}/verify", LoggedIn),
    ("POST", "/hazards/{id}/reject", LoggedIn),
    ("POST", "/hazards/{id}/extensions", LoggedIn),
    (
        "POST",
        "/hazards/{id}/extensions/{extension_id}/grant",
        LoggedIn,
    ),
    (
        "POST",
        "/hazards/{id}/extensions/{extension_id}/refuse",
        LoggedIn,
    ),
    ("POST", "/hazards/{id}/comments", LoggedIn),
    ("GET", "/enterprise/todo", Only(&[ENTERPRISE, STAFF])),
    ("GET", "/committee/queue", Only(&[COMMITTEE])),
    ("GET", "/regulator/queue", Only(&[REGULATOR])),
    ("GET", "/api/v1/inspections", LoggedIn),
    ("POST", "/api/v1/inspections", Only(&[ENTERPRISE, STAFF])),
    ("GET", "/api/v1/inspections/{id}", LoggedIn),
    (
        "POST",
        "/api/v1/inspections/{id}/start",
        Only(&[ENTERPRISE, STAFF]),
    ),
    (
        "POST",
        "/api/v1/inspections/{id}/submit",
        Only(&[ENTERPRISE, STAFF]),
    ),
    (
        "POST",
        "/api/v1/inspections/{id}/review",
        Only(&[COMMITTEE]),
    ),
    ("GET", "/api/v1/hazards", LoggedIn),
    ("GET", "/api/v1/hazards/{id}", LoggedIn),
    // 整改闭环: any logged-in caller may ask; the loop's rules answer (404/403/409).
    ("POST", "/api/v1/hazards/{id}/acknowledge", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/dispute", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/uphold", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/withdraw", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/evidence", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/verify", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/reject", LoggedIn),
    ("POST", "/api/v1/hazards/{id}/extensions", LoggedIn),
    (
        "POST",
        "/api/v1/hazards/{id}/extensions/{extension_id}/grant",
        LoggedIn,
    ),
    (
        "POST",
        "/api/v1/hazards/{id}/extensions/{extension_id}/refuse",
        LoggedIn,
    ),
    ("POST", "/api/v1/hazards/{id}/comments", LoggedIn),
    ("GET", "/api/v1/hazards/{id}/timeline", LoggedIn),
    ("GET", "/api/v1/todo", LoggedIn),
    ("GET", "/api/v1/queue", LoggedIn),
    // 互助联盟: the bureau's register and committee appointments; the committee's export.
    ("GET", "/regulator/alliances", Only(&[REGULATOR])),
    ("POST", "/regulator/alliances", Only(&[REGULATOR])),
    (
        "GET",
        "/regulator/alliances/export.xlsx",
        Only(&[REGULATOR]),
    ),
    ("GET", "/regulator/alliances/new", Only(&[REGULATOR])),
    ("GET", "/regulator/alliances/{id}", Only(&[REGULATOR])),
    ("POST", "/regulator/alliances/{id}", Only(&[REGULATOR])),
    ("GET", "/regulator/alliances/{id}/edit", Only(&[REGULATOR])),
    (
        "POST",
        "/regulator/alliances/{id}/committee",
        Only(&[REGULATOR]),
    ),
    (
        "POST",
        "/regulator/alliances/{id}/committee/{user_id}/deactivate",
        Only(&[REGULATOR]),
    ),
    ("GET", "/committee/members/export.xlsx", Only(&[COMMITTEE])),
    ("GET", "/api/v1/alliances", LoggedIn),
    ("GET", "/api/v1/alliances/{id}", LoggedIn),
    ("POST", "/api/v1/alliances", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/alliances/{id}", Only(&[ADMIN, REGULATOR])),
    (
        "POST",
        "/api/v1/alliances/{id}/committee",
        Only(&[ADMIN, REGULATOR]),
    ),
    (
        "POST",
        "/api/v1/alliances/{id}/committee/{user_id}/deactivate",
        Only(&[ADMIN, REGULATOR]),
    ),
    ("GET", "/api/v1/participation", Only(&[ADMIN, REGULATOR])),
    // Targets are set by the bureau inside its jurisdiction; the admin reads them only.
    (
        "PUT",
        "/api/v1/participation/targets/{region_code}",
        Only(&[REGULATOR]),
    ),
    // 三色标签: the bureau reads and sets the rules of its region (the admin reads them); an
    // enterprise's score history answers by scope (404 outside it).
    ("GET", "/regulator/labels", Only(&[REGULATOR])),
    ("POST", "/regulator/labels", Only(&[REGULATOR])),
    ("GET", "/api/v1/labels/rules", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/labels/rules", Only(&[REGULATOR])),
    ("GET", "/api/v1/enterprises/{id}/scores", LoggedIn),
    // 行政区划 and 行业与标签: the bureau (catalog changes only at city level, inside the
    // service); the lists are everyone's to read through the API.
    ("GET", "/regulator/regions", Only(&[REGULATOR])),
    ("POST", "/regulator/regions", Only(&[REGULATOR])),
    (
        "POST",
        "/regulator/regions/{code}/rename",
        Only(&[REGULATOR]),
    ),
    ("GET", "/regulator/catalog", Only(&[REGULATOR])),
    ("POST", "/regulator/catalog/industries", Only(&[REGULATOR])),
    (
        "POST",
        "/regulator/catalog/industries/{code}/rename",
        Only(&[REGULATOR]),
    ),
    ("POST", "/regulator/catalog/risk-tags", Only(&[REGULATOR])),
    (
        "POST",
        "/regulator/catalog/risk-tags/{code}/rename",
        Only(&[REGULATOR]),
    ),
    ("GET", "/api/v1/regions", Only(&[ADMIN, REGULATOR])),
    ("POST", "/api/v1/regions", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/regions/{code}", Only(&[ADMIN, REGULATOR])),
    ("GET", "/api/v1/industries", LoggedIn),
    ("POST", "/api/v1/industries", Only(&[ADMIN, REGULATOR])),
    (
        "PUT",
        "/api/v1/industries/{code}",
        Only(&[ADMIN, REGULATOR]),
    ),
    ("GET", "/api/v1/risk-tags", LoggedIn),
    ("POST", "/api/v1/risk-tags", Only(&[ADMIN, REGULATOR])),
    ("PUT", "/api/v1/risk-tags/{code}", Only(&[ADMIN, REGULATOR])),
    // 人员账号: staff read the list; only the enterprise admin manages accounts.
    ("GET", "/enterprise/staff", Only(&[ENTERPRISE, STAFF])),
    ("POST", "/enterprise/staff", Only(&[ENTERPRISE])),
    (
        "POST",
        "/enterprise/staff/{user_id}/deactivate",
        Only(&[ENTERPRISE]),
    ),
    (
        "POST",
        "/enterprise/staff/{user_id}/password",
        Only(&[ENTERPRISE]),
    ),
    (
        "GET",
        "/api/v1/me/enterprise/staff",
        Only(&[ENTERPRISE, STAFF]),
    ),
    ("POST", "/api/v1/me/enterprise/staff", Only(&[ENTERPRISE])),
    (
        "POST",
        "/api/v1/me/enterprise/staff/{user_id}/deactivate",
        Only(&[ENTERPRISE]),
    ),
    (
        "POST",
        "/api/v1/me/enterprise/staff/{user_id}/password",
        Only(&[ENTERPRISE]),
    ),
    ("GET", "/api/v1/memberships", LoggedIn),
    ("POST", "/api/v1/memberships", Only(&[ENTERPRISE])),
    ("POST", "/api/v1/memberships/invite", Only(&[COMMITTEE])),
    ("GET", "/api/v1/memberships/{id}/events", LoggedIn),
    (
        "POST",
        "/api/v1/memberships/{id}/approve",
        Only(&[COMMITTEE]),
    ),
    (
        "POST",
        "/api/v1/memberships/{id}/reject",
        Only(&[COMMITTEE]),
    ),
    (
        "POST",
        "/api/v1/memberships/{id}/accept",
        Only(&[ENTERPRISE]),
    ),
    (
        "POST",
        "/api/v1/memberships/{id}/decline",
        Only(&[ENTERPRISE]),
    ),
    (
        "POST",
        "/api/v1/memberships/{id}/leave",
        Only(&[ENTERPRISE]),
    ),
    ("GET", "/api/v1/groups", LoggedIn),
    ("POST", "/api/v1/groups", Only(&[COMMITTEE])),
    ("POST", "/api/v1/groups/{id}/name", Only(&[COMMITTEE])),
    ("POST", "/api/v1/groups/{id}/members", Only(&[COMMITTEE])),
    (
        "DELETE",
        "/api/v1/groups/{id}/members/{enterprise_id}",
        Only(&[COMMITTEE]),
    ),
    ("POST", "/api/v1/groups/{id}/leader", Only(&[COMMITTEE])),
    // 互查轮次: the committee runs its groups' rounds; everyone reads what the scope shows.
    ("GET", "/committee/rounds", Only(&[COMMITTEE])),
    ("POST", "/committee/rounds", Only(&[COMMITTEE])),
    ("GET", "/committee/rounds/new", Only(&[COMMITTEE])),
    ("GET", "/committee/rounds/{id}", Only(&[COMMITTEE])),
    ("POST", "/committee/rounds/{id}/pairs", Only(&[COMMITTEE])),
    ("POST", "/committee/rounds/{id}/publish", Only(&[COMMITTEE])),
    ("POST", "/committee/rounds/{id}/discard", Only(&[COMMITTEE])),
    ("GET", "/api/v1/rounds", LoggedIn),
    ("POST", "/api/v1/rounds", Only(&[COMMITTEE])),
    ("GET", "/api/v1/rounds/{id}", LoggedIn),
    ("DELETE", "/api/v1/rounds/{id}", Only(&[COMMITTEE])),
    ("PUT", "/api/v1/rounds/{id}/pairs", Only(&[COMMITTEE])),
    ("POST", "/api/v1/rounds/{id}/publish", Only(&[COMMITTEE])),
    // 检查表: the bureau and committees publish and keep theirs (one set of page handlers in
    // both portals); enterprises read theirs; everyone reads through the API, scoped.
    ("GET", "/regulator/checklists", Only(&[REGULATOR])),
    ("POST", "/regulator/checklists", Only(&[REGULATOR])),
    ("GET", "/regulator/checklists/new", Only(&[REGULATOR])),
    ("GET", "/regulator/checklists/{id}", Only(&[REGULATOR])),
    ("POST", "/regulator/checklists/{id}", Only(&[REGULATOR])),
    ("GET", "/regulator/checklists/{id}/edit", Only(&[REGULATOR])),
    (
        "POST",
        "/regulator/checklists/{id}/archive",
        Only(&[REGULATOR]),
    ),
    (
        "POST",
        "/regulator/checklists/{id}/restore",
        Only(&[REGULATOR]),
    ),
    ("GET", "/committee/checklists", Only(&[COMMITTEE])),
    ("POST", "/committee/checklists", Only(&[COMMITTEE])),
    ("GET", "/committee/checklists/new", Only(&[COMMITTEE])),
    ("GET", "/committee/checklists/{id}", Only(&[COMMITTEE])),
    ("POST", "/committee/checklists/{id}", Only(&[COMMITTEE])),
    ("GET", "/committee/checklists/{id}/edit", Only(&[COMMITTEE])),
    (
        "POST",
        "/committee/checklists/{id}/archive",
        Only(&[COMMITTEE]),
    ),
    (
        "POST",
        "/committee/checklists/{id}/restore",
        Only(&[COMMITTEE]),
    ),
    ("GET", "/enterprise/checklists", Only(&[ENTERPRISE, STAFF])),
    (
        "GET",
        "/enterprise/checklists/{id}",
        Only(&[ENTERPRISE, STAFF]),
    ),
    ("GET", "/api/v1/checklists", LoggedIn),
    ("POST", "/api/v1/checklists", Only(&[REGULATOR, COMMITTEE])),
    ("GET", "/api/v1/checklists/{id}", LoggedIn),
    (
        "PUT",
        "/api/v1/checklists/{id}",
        Only(&[ADMIN, REGULATOR, COMMITTEE]),
    ),
    (
        "POST",
        "/api/v1/checklists/{id}/archive",
        Only(&[ADMIN, REGULATOR, COMMITTEE]),
    ),
    (
        "POST",
        "/api/v1/checklists/{id}/restore",
        Only(&[ADMIN, REGULATOR, COMMITTEE]),
    ),
];

fn allows(who: Who, account: Option<&str>) -> bool {
    match (who, account) {
        (Anyone, _) => true,
        (_, None) => false,
        (LoggedIn, Some(_)) => true,
        (Only(list), Some(a)) => list.contains(&a),
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// One party of the matrix: a browser (cookies) and, when logged in, an API token.
struct Actor {
    account: Option<&'static str>,
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
        browser: anon,
        csrf,
        token: None,
    }];
    for account in ACCOUNTS {
        let browser = app.logged_in(account).await;
        let csrf = browser.csrf("/account/password").await;
        out.push(Actor {
            account: Some(account),
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
    let pattern = &if pattern.contains("/checklists/{id}") || pattern.contains("/files/{id}") {
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
        if path == "/regulator/imports" || path.ends_with("/submit") || path.ends_with("/evidence")
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

#[test]
fn the_access_table_covers_exactly_the_route_inventory() {
    let routes: Vec<(String, String)> = inventory()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let inv: BTreeSet<(String, String)> = routes.iter().cloned().collect();
    assert_eq!(inv.len(), routes.len(), "the inventory lists a route twice");
    let table: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        table.len(),
        EXPECTED.len(),
        "the access table lists a route twice"
    );
    let missing: Vec<_> = inv.difference(&table).collect();
    let extra: Vec<_> = table.difference(&inv).collect();
    assert!(
        missing.is_empty(),
        "routes without an expected access: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "expected access for routes that do not exist: {extra:?}"
    );
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_access_table_says() {
    let app = spawn_app().await;
    let enterprise_id = app.enterprise_id(HONGTIAN).await;
    let actors = actors(&app).await;
    let mut routes = inventory();
    // Logging out ends the actor's session: do it last.
    routes.sort_by_key(|r| r.path.ends_with("/logout"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in &routes {
        let who = EXPECTED
            .iter()
            .find(|(m, p, _)| *m == route.method.as_str() && *p == route.path)
            .map(|(_, _, w)| *w)
            .unwrap_or_else(|| panic!("no expected access for {route:?}"));
        let path = concrete(&route.path, enterprise_id);
        for actor in &actors {
            let res = send(&app, actor, route.method.as_str(), &path).await;
            let status = res.status().as_u16();
            let loc = location(&res);
            let who_label = actor.account.unwrap_or("anonymous");
            let label = format!("{} {path} as {who_label}", route.method);
            checked += 1;
            let problem = if allows(who, actor.account) {
                if status == 401 || status == 403 || status >= 500 {
                    Some(format!("allowed but got {status}"))
                } else if actor.account.is_some()
                    && status == 303
                    && loc.starts_with("/login?next=")
                {
                    Some(format!("allowed but sent to log in ({loc})"))
                } else {
                    None
                }
            } else {
                match (actor.account, is_api(&path)) {
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
                            .then(|| format!("expected a 403 page, got {status}"))
                    }
                    (Some(_), true) => {
                        let body: serde_json::Value = res.json().await.unwrap_or_default();
                        (status != 403 || body["code"] != "forbidden")
                            .then(|| format!("expected JSON 403, got {status} {body}"))
                    }
                }
            };
            if let Some(p) = problem {
                failures.push(format!("{label}: {p}"));
            }
        }
    }
    assert_eq!(checked, routes.len() * (ACCOUNTS.len() + 1));
    assert!(
        failures.is_empty(),
        "access matrix violations:\n{}",
        failures.join("\n")
    );
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
