//! The server-rendered pages as a browser sees them.

use portal::i18n::{Lang, t};
use portal::models::{alliance_membership, enterprise};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

#[tokio::test]
async fn the_root_sends_visitors_to_login_and_users_to_their_home() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    for (username, home) in ROLE_HOMES {
        let v = app.logged_in(username).await;
        let res = v.get("/").await;
        assert_eq!(res.status(), 303, "{username}");
        assert_eq!(location(&res), *home, "{username}");
        // The login page, too, sends a logged-in user home.
        assert_eq!(location(&v.get("/login").await), *home, "{username}");
    }
}

#[tokio::test]
async fn the_language_switch_turns_the_login_page_english_and_back() {
    let app = spawn_app().await;
    let html = app.get("/login").await.text().await.expect("body");
    assert!(html.contains("<html lang=\"zh-CN\""), "Chinese by default");
    assert!(html.contains(&html_escape(&message("login.title"))));

    let res = app.get("/lang/en?next=/login").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    let html = app.get("/login").await.text().await.expect("body");
    assert!(html.contains("<html lang=\"en\""));
    let english = t(Lang::En, "login.title");
    assert_ne!(english, message("login.title"));
    assert!(html.contains(&html_escape(&english)), "the English title");

    let res = app.get("/lang/zh-CN?next=/login").await;
    assert_eq!(res.status(), 303);
    let html = app.get("/login").await.text().await.expect("body");
    assert!(html.contains("<html lang=\"zh-CN\""));
    assert!(html.contains(&html_escape(&message("login.title"))));

    assert_eq!(app.get("/lang/fr").await.status(), 404, "unknown languages");
    let res = app.get("/lang/en?next=https://evil.example/").await;
    assert_eq!(location(&res), "/", "the switch never leaves the site");
}

#[tokio::test]
async fn a_failed_login_says_why_and_keeps_the_username() {
    let app = spawn_app().await;
    let failed = html_escape(&message("login.failed"));
    for username in [ENTERPRISE, "nobody-here"] {
        let v = app.visitor();
        let res = v.login(username, "Wrong@Password1").await;
        assert_eq!(res.status(), 401, "{username}");
        assert!(session_cookie(&res).is_none());
        let html = res.text().await.expect("body");
        assert!(html.contains(&failed), "{username}: the failure message");
        assert!(
            html.contains(&format!("value=\"{username}\"")),
            "{username} kept in the form"
        );
        assert!(
            !html.contains("Wrong@Password1"),
            "the password is not echoed"
        );
        assert!(csrf_in(&html).is_some(), "the form can be sent again");
    }
    let res = app.visitor().login("", PASSWORD).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("login.required"))));
}

#[tokio::test]
async fn login_returns_to_the_page_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    let v = app.visitor();
    let res = v.get("/regulator/enterprises").await;
    assert_eq!(res.status(), 303);
    let login = location(&res);
    assert_eq!(login, "/login?next=/regulator/enterprises");
    let html = v.get(&login).await.text().await.expect("body");
    let token = csrf_in(&html).expect("csrf");
    assert!(
        html.contains("name=\"next\""),
        "the login form carries next"
    );
    let res = v
        .post_raw(
            "/login",
            &[
                ("username", REGULATOR),
                ("password", PASSWORD),
                ("next", "/regulator/enterprises"),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/regulator/enterprises");

    for next in ["//evil.example/", "https://evil.example/", "/admin"] {
        let v = app.visitor();
        let token = v.csrf("/login").await;
        let res = v
            .post_raw(
                "/login",
                &[
                    ("username", REGULATOR),
                    ("password", PASSWORD),
                    ("next", next),
                    ("_csrf", &token),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/regulator", "next={next} is not followed");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page_in_the_sites_look() {
    let app = spawn_app().await;
    let not_found = html_escape(&message("error.not_found"));
    let anon = app.get("/no-such-page").await;
    let v = app.logged_in(ENTERPRISE).await;
    let user = v.get("/enterprise/no-such-page").await;
    for (who, res) in [("anonymous", anon), ("qiye1", user)] {
        assert_eq!(res.status(), 404, "{who}");
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(ct.starts_with("text/html"), "{who}: {ct}");
        let html = res.text().await.expect("body");
        assert!(html.contains("<main"), "{who}: the site's layout");
        assert!(html.contains(&not_found), "{who}: the catalog message");
    }
}

#[tokio::test]
async fn a_forbidden_portal_is_a_403_page_not_a_redirect() {
    let app = spawn_app().await;
    let v = app.logged_in(ENTERPRISE).await;
    let res = v.get("/regulator").await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("data-portal=\"enterprise\""),
        "shown in the user's own portal"
    );
    assert!(html.contains(&html_escape(&message("error.forbidden"))));
}

#[tokio::test]
async fn the_enterprise_file_shows_the_enterprise_and_its_alliances() {
    let app = spawn_app().await;
    let id = app.enterprise_id(HONGTIAN).await;
    let v = app.logged_in(REGULATOR).await;
    let html = v.page(&format!("/regulator/enterprises/{id}")).await;
    for text in [
        "瑞安市鸿田汽车电器有限公司",
        HONGTIAN,
        "周建华",
        "塘下镇韩田片区安全生产互助联盟",
        QPW_ALLIANCE,
        "汽摩配一组",
        "第一活动小组",
    ] {
        assert!(html.contains(text), "the file shows {text}");
    }
    assert!(
        !html.contains("瑞安经济开发区小微园安全生产互助联盟"),
        "not a member of the park alliance"
    );
    // The enterprise's own home is its file too.
    let own = app.logged_in(ENTERPRISE).await;
    let html = own.page("/enterprise").await;
    assert!(html.contains("瑞安市鸿田汽车电器有限公司"));
    assert!(html.contains(QPW_ALLIANCE));
}

#[tokio::test]
async fn the_committee_home_lists_its_members_and_groups() {
    let app = spawn_app().await;
    let alliance = app.alliance_id(QPW_ALLIANCE).await;
    let ids: Vec<i64> = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(alliance))
        .filter(alliance_membership::Column::Status.eq("approved"))
        .all(&app.core.db)
        .await
        .expect("memberships")
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    let members: Vec<String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(&app.core.db)
        .await
        .expect("members")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(members.len(), 14);
    let v = app.logged_in(COMMITTEE).await;
    let html = v.page("/committee").await;
    assert!(html.contains(QPW_ALLIANCE));
    for name in &members {
        assert!(html.contains(name.as_str()), "member {name} listed");
    }
    for group in ["汽摩配一组", "汽摩配二组", "汽摩配三组"] {
        assert!(html.contains(group), "group {group} listed");
    }
    assert!(!html.contains("瑞安市华鑫包装有限公司"), "not a member");
    assert!(
        !html.contains("塘下镇韩田片区安全生产互助联盟"),
        "another alliance"
    );
}

#[tokio::test]
async fn the_admin_audit_page_lists_entries_and_filters_by_action() {
    let app = spawn_app().await;
    assert_eq!(
        app.api_login(ENTERPRISE, "Wrong@Password1").await.status(),
        401
    );
    let v = app.logged_in(ADMIN).await;
    let html = v.page("/admin/audit").await;
    assert!(html.contains("<code>login</code>"), "logins listed");
    assert!(
        html.contains("<code>user.create</code>"),
        "account creations listed"
    );
    assert!(html.contains("<code>seed.demo</code>"));

    let html = v.page("/admin/audit?action=login").await;
    assert!(html.contains("<code>login</code>"));
    assert!(
        !html.contains("<code>user.create</code>"),
        "filtered to logins"
    );
    assert!(
        html.contains("value=\"login\""),
        "the filter is kept in the form"
    );
    assert!(html.contains(ENTERPRISE), "qiye1's failed attempt");

    let html = v.page("/admin/audit?action=user.create").await;
    assert!(html.contains("<code>user.create</code>"));
    assert!(!html.contains("<code>login</code>"));

    let html = v.page("/admin/audit?action=login&outcome=failure").await;
    assert!(html.contains(ENTERPRISE));
    assert!(html.contains("outcome-failure"));
    assert!(
        !html.contains("outcome-success"),
        "successful logins are filtered out"
    );
}

#[tokio::test]
async fn every_portal_page_renders_in_its_portal() {
    let app = spawn_app().await;
    let pages = [
        (
            ADMIN,
            "admin",
            vec!["/admin", "/admin/audit", "/account/password"],
        ),
        (
            REGULATOR,
            "regulator",
            vec![
                "/regulator",
                "/regulator/enterprises",
                "/regulator/audit",
                "/account/password",
            ],
        ),
        (
            COMMITTEE,
            "committee",
            vec!["/committee", "/account/password"],
        ),
        (
            ENTERPRISE,
            "enterprise",
            vec!["/enterprise", "/account/password"],
        ),
        (STAFF, "enterprise", vec!["/enterprise"]),
        (EXPERT, "expert", vec!["/expert", "/account/password"]),
    ];
    for (username, portal, paths) in pages {
        let v = app.logged_in(username).await;
        for path in paths {
            let html = v.page(path).await;
            assert!(
                html.contains(&format!("<main id=\"main\" data-portal=\"{portal}\"")),
                "{path} as {username}"
            );
            assert!(
                csrf_in(&html).is_some(),
                "{path}: the logout form carries a token"
            );
        }
    }
}

#[tokio::test]
async fn the_way_back_after_login_keeps_the_search_asked_for() {
    let app = spawn_app().await;
    let v = app.visitor();
    let res = v
        .get("/regulator/enterprises?q=%E9%B8%BF%E7%94%B0&page=1")
        .await;
    assert_eq!(res.status(), 303);
    let login = location(&res);
    assert_eq!(
        login,
        "/login?next=/regulator/enterprises%3Fq%3D%25E9%25B8%25BF%25E7%2594%25B0%26page%3D1"
    );
    let html = v.get(&login).await.text().await.expect("body");
    let token = csrf_in(&html).expect("csrf");
    assert!(
        html.contains(&format!(
            "value=\"{}\"",
            html_escape("/regulator/enterprises?q=%E9%B8%BF%E7%94%B0&page=1")
        )),
        "the login form carries the whole address back: {}",
        html.lines()
            .find(|l| l.contains("name=\"next\""))
            .unwrap_or_default()
    );
    let res = v
        .post_raw(
            "/login",
            &[
                ("username", REGULATOR),
                ("password", PASSWORD),
                ("next", "/regulator/enterprises?q=%E9%B8%BF%E7%94%B0&page=1"),
                ("_csrf", &token),
            ],
        )
        .await;
    let back = location(&res);
    let page = v.get(&back).await.text().await.expect("body");
    assert!(
        page.contains("瑞安市鸿田汽车电器有限公司"),
        "the search ran"
    );
    assert!(page.contains("共 1 条"), "and found just that one");
}
