//! Registry upkeep: the bureau's region tree (行政区划), the industry and risk-tag lists
//! (city level only), and the enterprise admin's own staff accounts (人员账号).

use portal::models::{region, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

async fn user_id(app: &TestApp, username: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.core.db)
        .await
        .expect("query user")
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}

async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    bare_client()
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("PUT")
}

/// How many audit records of `action` accounts made (the seed's, by the system, not counted).
async fn audit_total(app: &TestApp, action: &str) -> u64 {
    let admin = app.api_token(ADMIN).await;
    let mut totals = Vec::new();
    for filter in ["", "&actor=system"] {
        let log = app
            .api_json(&format!("/api/v1/audit?action={action}{filter}"), &admin)
            .await;
        totals.push(log["total"].as_u64().expect("total"));
    }
    totals[0] - totals[1]
}

async fn fields(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.expect("json");
    body["fields"].clone()
}

// ---------------------------------------------------------------------------------------------
// 人员账号

#[tokio::test]
async fn an_enterprise_admin_creates_a_staff_account_that_logs_in_to_the_enterprise_portal() {
    let app = spawn_app().await;
    let admin = app.logged_in(ENTERPRISE).await;
    let token = app.api_token(ENTERPRISE).await;
    let before = app.api_json("/api/v1/me/enterprise/staff", &token).await;
    assert_eq!(before.as_array().expect("list").len(), 2, "{before}");

    // A weak password and a bad phone: the form comes back with the values and the reasons.
    let mut form = vec![
        ("username", "baoan1"),
        ("display_name", "林小红"),
        ("phone", "1385"),
        ("password", "short"),
    ];
    let res = admin
        .post_form("/enterprise/staff", "/enterprise/staff", &form)
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("password.too_short"))));
    assert!(html.contains(&html_escape(&message("enterprise.bad_phone"))));
    assert!(html.contains("value=\"林小红\""), "name kept");
    assert!(
        !html.contains("value=\"short\""),
        "the password is not sent back"
    );
    // A username already taken.
    let body = json!({"username": STAFF, "display_name": "林小红", "phone": "13857712345",
                      "password": "Baoan#2026x"});
    let f = fields(
        app.api_post("/api/v1/me/enterprise/staff", &token, &body)
            .await,
        422,
    )
    .await;
    assert_eq!(f["username"], message("user.exists"));
    let same = app.api_json("/api/v1/me/enterprise/staff", &token).await;
    assert_eq!(same, before, "nothing was written");

    form[2] = ("phone", "13857712345");
    form[3] = ("password", "Baoan#2026x");
    let res = admin
        .post_form("/enterprise/staff", "/enterprise/staff", &form)
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise/staff?done=created");
    let html = admin.page("/enterprise/staff?done=created").await;
    assert!(html.contains("data-user=\"baoan1\""));
    assert!(html.contains(&html_escape(&message("staff.created"))));

    let list = app.api_json("/api/v1/me/enterprise/staff", &token).await;
    let created = list
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["username"] == "baoan1")
        .expect("listed")
        .clone();
    assert_eq!(created["role"], "enterprise_staff");
    assert_eq!(created["phone"], "13857712345");
    assert_eq!(created["active"], true);

    // The new account logs in and lands on the enterprise portal, bound to the same
    // enterprise.
    let staff = app.visitor();
    let res = staff.login("baoan1", "Baoan#2026x").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise");
    let html = staff.page("/enterprise/profile").await;
    assert!(html.contains("data-portal=\"enterprise\""));
    let t = app
        .api_login("baoan1", "Baoan#2026x")
        .await
        .json::<Value>()
        .await
        .expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let id = app.enterprise_id(HONGTIAN).await;
    assert_eq!(
        app.api_get(&format!("/api/v1/enterprises/{id}"), &t)
            .await
            .status(),
        200
    );
    assert_eq!(audit_total(&app, "staff.create").await, 1);
}

#[tokio::test]
async fn a_deactivated_staff_members_token_stops_working_and_its_login_is_refused() {
    let app = spawn_app().await;
    let admin = app.api_token(ENTERPRISE).await;
    let staff_token = app.api_token(STAFF).await;
    let staff_browser = app.logged_in(STAFF).await;
    assert_eq!(app.api_get("/api/v1/me", &staff_token).await.status(), 200);
    let staff_id = user_id(&app, STAFF).await;

    // The admin cannot deactivate itself.
    let own = user_id(&app, ENTERPRISE).await;
    let res = app
        .api_post(
            &format!("/api/v1/me/enterprise/staff/{own}/deactivate"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(app.api_get("/api/v1/me", &admin).await.status(), 200);

    // Through the page.
    let page = app.logged_in(ENTERPRISE).await;
    let res = page
        .post_form(
            &format!("/enterprise/staff/{staff_id}/deactivate"),
            "/enterprise/staff",
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise/staff?done=deactivated");

    assert_eq!(app.api_get("/api/v1/me", &staff_token).await.status(), 401);
    assert_eq!(staff_browser.get("/enterprise").await.status(), 303);
    assert_eq!(app.api_login(STAFF, PASSWORD).await.status(), 401);
    let list = app.api_json("/api/v1/me/enterprise/staff", &admin).await;
    let s = list
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["username"] == STAFF)
        .expect("still listed")
        .clone();
    assert_eq!(s["active"], false);
    assert_eq!(audit_total(&app, "staff.deactivate").await, 1);
}

#[tokio::test]
async fn a_reset_password_works_and_the_old_one_no_longer_does() {
    let app = spawn_app().await;
    let admin = app.logged_in(ENTERPRISE).await;
    let token = app.api_token(ENTERPRISE).await;
    let staff_token = app.api_token(STAFF).await;
    let staff_id = user_id(&app, STAFF).await;
    let path = format!("/api/v1/me/enterprise/staff/{staff_id}/password");

    // The policy holds: too few classes, or the username inside it.
    for (bad, key) in [
        ("abcdefghijkl", "password.too_few_classes"),
        ("Anquanyuan1#x", "password.contains_username"),
    ] {
        let f = fields(
            app.api_post(&path, &token, &json!({ "password": bad }))
                .await,
            422,
        )
        .await;
        assert_eq!(f["password"], message(key), "{bad}");
    }
    let res = admin
        .post_form(
            &format!("/enterprise/staff/{staff_id}/password"),
            "/enterprise/staff",
            &[("password", "weak")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains(&html_escape(&message("password.too_short")))
    );
    assert_eq!(
        app.api_login(STAFF, PASSWORD).await.status(),
        200,
        "unchanged"
    );

    let res = admin
        .post_form(
            &format!("/enterprise/staff/{staff_id}/password"),
            "/enterprise/staff",
            &[("password", "Xin-Mima#2027")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise/staff?done=password");
    assert_eq!(app.api_get("/api/v1/me", &staff_token).await.status(), 401);
    assert_eq!(app.api_login(STAFF, PASSWORD).await.status(), 401);
    assert_eq!(app.api_login(STAFF, "Xin-Mima#2027").await.status(), 200);
    assert_eq!(audit_total(&app, "staff.password_reset").await, 1);
}

#[tokio::test]
async fn staff_see_the_accounts_but_cannot_manage_them() {
    let app = spawn_app().await;
    let staff = app.logged_in(STAFF).await;
    let html = staff.page("/enterprise/staff").await;
    assert!(html.contains(&html_escape(&message("staff.view_only"))));
    assert!(html.contains("data-user=\"qiye1\""));
    assert!(!html.contains("id=\"new-staff\""));
    let res = staff
        .post_form(
            "/enterprise/staff",
            "/enterprise/staff",
            &[
                ("username", "baoan2"),
                ("display_name", "林小红"),
                ("phone", "13857712345"),
                ("password", "Baoan#2026x"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let token = app.api_token(STAFF).await;
    let own = user_id(&app, STAFF).await;
    let res = app
        .api_post(
            "/api/v1/me/enterprise/staff",
            &token,
            &json!({"username": "baoan2", "display_name": "林小红", "phone": "13857712345",
                    "password": "Baoan#2026x"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .api_post(
            &format!("/api/v1/me/enterprise/staff/{own}/password"),
            &token,
            &json!({"password": "Xin-Mima#2027"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.api_json("/api/v1/me/enterprise/staff", &token)
            .await
            .as_array()
            .expect("list")
            .len(),
        2
    );
    assert_eq!(audit_total(&app, "staff.create").await, 0);
}

#[tokio::test]
async fn another_enterprises_accounts_are_not_found() {
    let app = spawn_app().await;
    let other = app.api_token(ENTERPRISE_OTHER).await;
    let staff_id = user_id(&app, STAFF).await;
    let admin_id = user_id(&app, ENTERPRISE).await;
    for id in [staff_id, admin_id, 999_999] {
        let res = app
            .api_post(
                &format!("/api/v1/me/enterprise/staff/{id}/deactivate"),
                &other,
                &json!({}),
            )
            .await;
        assert_eq!(res.status(), 404, "deactivate {id}");
        let res = app
            .api_post(
                &format!("/api/v1/me/enterprise/staff/{id}/password"),
                &other,
                &json!({"password": "Xin-Mima#2027"}),
            )
            .await;
        assert_eq!(res.status(), 404, "password {id}");
    }
    let page = app.logged_in(ENTERPRISE_OTHER).await;
    let res = page
        .post_form(
            &format!("/enterprise/staff/{staff_id}/deactivate"),
            "/enterprise/staff",
            &[],
        )
        .await;
    assert_eq!(res.status(), 404);
    let html = page.page("/enterprise/staff").await;
    assert!(
        !html.contains("data-user=\"anquanyuan1\""),
        "not in its list"
    );
    assert_eq!(app.api_login(STAFF, PASSWORD).await.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// 行政区划

async fn region_count(app: &TestApp) -> u64 {
    region::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_town_officer_sees_and_extends_only_its_own_subtree() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let nodes = app.api_json("/api/v1/regions", &token).await;
    let nodes = nodes.as_array().expect("list");
    assert!(!nodes.is_empty());
    assert!(
        nodes.iter().all(|n| n["path"]
            .as_str()
            .expect("json shape")
            .starts_with("/330381/330381101/")),
        "{nodes:?}"
    );
    assert_eq!(nodes[0]["code"], "330381101");
    assert_eq!(nodes[0]["parent_code"], "330381");
    assert_eq!(nodes[0]["level"], 2);
    let village = nodes
        .iter()
        .find(|n| n["code"] == "330381101201")
        .expect("village");
    assert_eq!(village["parent_code"], "330381101");
    assert_eq!(village["level"], 3);
    // Counts: the town's total is every enterprise the officer sees.
    let seen = app.api_json("/api/v1/enterprises", &token).await["total"].clone();
    assert_eq!(nodes[0]["enterprises"], seen);

    let before = region_count(&app).await;
    for (code, key) in [
        ("33038110129a", "regions.code_digits"),
        ("330381104299", "regions.code_prefix"),
        ("3303811012", "regions.code_length"),
        ("330381101201", "regions.code_taken"),
        ("", "form.required"),
    ] {
        let f = fields(
            app.api_post(
                "/api/v1/regions",
                &token,
                &json!({"parent": "330381101", "code": code, "name": "新建村"}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(f["code"], message(key), "{code}");
    }
    let f = fields(
        app.api_post(
            "/api/v1/regions",
            &token,
            &json!({"parent": "330381101", "code": "330381101299", "name": " "}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(f["name"], message("form.required"));
    // Outside the subtree, and the root's parent: not found.
    for parent in ["330381104", "330381", "999999"] {
        let res = app
            .api_post(
                "/api/v1/regions",
                &token,
                &json!({"parent": parent, "code": format!("{parent}299"), "name": "新建村"}),
            )
            .await;
        assert_eq!(res.status(), 404, "{parent}");
    }
    for code in ["330381104", "330381"] {
        let res = put(
            &app,
            &format!("/api/v1/regions/{code}"),
            &token,
            &json!({"name": "改名"}),
        )
        .await;
        assert_eq!(res.status(), 404, "{code}");
    }
    assert_eq!(region_count(&app).await, before, "nothing written");
    assert_eq!(audit_total(&app, "region.create").await, 0);

    // Through the page: a bad code comes back with its message, then a good one.
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let res = officer
        .post_form(
            "/regulator/regions",
            "/regulator/regions",
            &[
                ("parent", "330381101"),
                ("code", "33038110"),
                ("name", "韩田新村"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("regions.code_prefix"))));
    assert!(html.contains("value=\"韩田新村\""));
    let res = officer
        .post_form(
            "/regulator/regions",
            "/regulator/regions",
            &[
                ("parent", "330381101"),
                ("code", "330381101299"),
                ("name", "韩田新村"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = officer.page(&location(&res)).await;
    assert!(html.contains("data-region=\"330381101299\""));
    assert!(html.contains("韩田新村"));

    let nodes = app.api_json("/api/v1/regions", &token).await;
    let new = nodes
        .as_array()
        .expect("json shape")
        .iter()
        .find(|n| n["code"] == "330381101299")
        .expect("created")
        .clone();
    assert_eq!(new["path"], "/330381/330381101/330381101299/");
    assert_eq!(new["level"], 3);
    assert_eq!(new["enterprises"], 0);
    // No villages under a village.
    let f = fields(
        app.api_post(
            "/api/v1/regions",
            &token,
            &json!({"parent": "330381101299", "code": "330381101299001", "name": "组"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(f["code"], message("regions.too_deep"));

    // Renaming keeps code and path; the same name twice under one parent is refused.
    let res = put(
        &app,
        "/api/v1/regions/330381101299",
        &token,
        &json!({"name": "韩田社区"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["name"], "韩田社区");
    assert_eq!(body["code"], "330381101299");
    assert_eq!(body["path"], "/330381/330381101/330381101299/");
    let sibling = nodes
        .as_array()
        .expect("json shape")
        .iter()
        .find(|n| n["code"] == "330381101201")
        .expect("sibling")["name"]
        .clone();
    let f = fields(
        put(
            &app,
            "/api/v1/regions/330381101299",
            &token,
            &json!({"name": sibling}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(f["name"], message("regions.name_taken"));
    assert_eq!(audit_total(&app, "region.create").await, 1);
    assert_eq!(audit_total(&app, "region.rename").await, 1);
}

#[tokio::test]
async fn the_city_officer_adds_a_town_and_renames_through_the_tree_page() {
    let app = spawn_app().await;
    let officer = app.logged_in(REGULATOR).await;
    let html = officer.page("/regulator/regions").await;
    assert!(html.contains("data-region=\"330381\""));
    assert!(html.contains("data-region=\"330381104\""));
    let token = app.api_token(REGULATOR).await;
    let all = app.api_json("/api/v1/enterprises", &token).await["total"].clone();
    let nodes = app.api_json("/api/v1/regions", &token).await;
    assert_eq!(nodes[0]["code"], "330381");
    assert_eq!(nodes[0]["parent_code"], Value::Null);
    assert_eq!(nodes[0]["enterprises"], all);

    let res = officer
        .post_form(
            "/regulator/regions",
            "/regulator/regions",
            &[
                ("parent", "330381"),
                ("code", "330381120"),
                ("name", "新城镇"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = officer
        .post_form(
            "/regulator/regions/330381120/rename",
            "/regulator/regions",
            &[("name", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = officer
        .post_form(
            "/regulator/regions/330381120/rename",
            "/regulator/regions",
            &[("name", "新城街道")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = officer.page(&location(&res)).await;
    assert!(html.contains("新城街道"));
    // The new town can be chosen at once for an enterprise's region.
    let form = officer.page("/regulator/enterprises/new").await;
    assert!(form.contains("value=\"330381120\""));
}

// ---------------------------------------------------------------------------------------------
// 行业与风险标签

#[tokio::test]
async fn only_the_city_bureau_changes_industries_and_risk_tags() {
    let app = spawn_app().await;
    // A town officer reads the lists only.
    let town = app.logged_in(TOWN_REGULATOR).await;
    let html = town.page("/regulator/catalog").await;
    assert!(html.contains(&html_escape(&message("catalog.view_only"))));
    assert!(html.contains("data-industry=\"C3670\""));
    assert!(!html.contains("id=\"new-industry\""));
    let res = town
        .post_form(
            "/regulator/catalog/industries",
            "/regulator/catalog",
            &[("code", "C3699"), ("name", "其他")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = town
        .post_form(
            "/regulator/catalog/risk-tags/dust_explosion/rename",
            "/regulator/catalog",
            &[("name", "粉尘")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let town_token = app.api_token(TOWN_REGULATOR).await;
    let res = app
        .api_post(
            "/api/v1/risk-tags",
            &town_token,
            &json!({"code": "lithium", "name": "锂电池"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = put(
        &app,
        "/api/v1/industries/C36",
        &town_token,
        &json!({"name": "x"}),
    )
    .await;
    assert_eq!(res.status(), 403);
    // Everyone logged in reads them.
    let staff = app.api_token(STAFF).await;
    let industries = app.api_json("/api/v1/industries", &staff).await;
    let tags = app.api_json("/api/v1/risk-tags", &staff).await;

    // The city officer: bad codes are refused with their messages, nothing written.
    let token = app.api_token(REGULATOR).await;
    for (code, parent, field, key) in [
        ("36", "", "code", "catalog.industry_code"),
        ("CC36", "", "code", "catalog.industry_code"),
        ("C3", "", "code", "catalog.industry_code"),
        ("C36701", "", "code", "catalog.industry_code"),
        ("C36", "", "code", "catalog.industry_taken"),
        ("C3699", "C13", "parent", "catalog.parent_prefix"),
        ("C3699", "C3", "parent", "catalog.parent_missing"),
        ("D4411", "", "parent", "catalog.parent_missing"),
        ("H", "C", "parent", "catalog.section_no_parent"),
    ] {
        let f = fields(
            app.api_post(
                "/api/v1/industries",
                &token,
                &json!({"code": code, "name": "测试行业", "parent": parent}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(f[field], message(key), "{code} / {parent}");
    }
    for (code, name, field, key) in [
        ("Dust", "新标签", "code", "catalog.tag_code"),
        ("x", "新标签", "code", "catalog.tag_code"),
        ("lithium-ion", "新标签", "code", "catalog.tag_code"),
        ("dust_explosion", "新标签", "code", "catalog.tag_taken"),
        ("lithium", "粉尘涉爆", "name", "catalog.tag_name_taken"),
        ("lithium", "", "name", "form.required"),
    ] {
        let f = fields(
            app.api_post(
                "/api/v1/risk-tags",
                &token,
                &json!({"code": code, "name": name}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(f[field], message(key), "{code} / {name}");
    }
    assert_eq!(app.api_json("/api/v1/industries", &staff).await, industries);
    assert_eq!(app.api_json("/api/v1/risk-tags", &staff).await, tags);

    // Good ones, through the page and the API.
    let city = app.logged_in(REGULATOR).await;
    let res = city
        .post_form(
            "/regulator/catalog/industries",
            "/regulator/catalog",
            &[
                ("code", "c3699"),
                ("name", "其他交通运输设备制造"),
                ("parent", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = city
        .post_form(
            "/regulator/catalog/risk-tags",
            "/regulator/catalog",
            &[("code", "x"), ("name", "锂电池")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("catalog.tag_code"))));
    assert!(html.contains("value=\"锂电池\""));
    let res = app
        .api_post(
            "/api/v1/risk-tags",
            &token,
            &json!({"code": "lithium_battery", "name": "锂电池"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = put(
        &app,
        "/api/v1/risk-tags/lithium_battery",
        &token,
        &json!({"name": "锂电池储能"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = put(
        &app,
        "/api/v1/risk-tags/nope",
        &token,
        &json!({"name": "x"}),
    )
    .await;
    assert_eq!(res.status(), 404);
    // The admin keeps the lists through the API too.
    let admin = app.api_token(ADMIN).await;
    let res = app
        .api_post(
            "/api/v1/industries",
            &admin,
            &json!({"code": "H", "name": "住宿和餐饮业"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let industries = app.api_json("/api/v1/industries", &staff).await;
    let added = industries
        .as_array()
        .expect("json shape")
        .iter()
        .find(|i| i["code"] == "C3699")
        .expect("added");
    assert_eq!(added["parent_code"], "C36", "the closest existing parent");
    let tags = app.api_json("/api/v1/risk-tags", &staff).await;
    assert!(
        tags.as_array()
            .expect("json shape")
            .iter()
            .any(|t| t["code"] == "lithium_battery" && t["name"] == "锂电池储能")
    );
    let html = city.page("/regulator/catalog").await;
    assert!(html.contains("data-tag=\"lithium_battery\""));
    assert_eq!(audit_total(&app, "industry.create").await, 2);
    assert_eq!(audit_total(&app, "risk_tag.create").await, 1);
    assert_eq!(audit_total(&app, "risk_tag.rename").await, 1);
}

#[tokio::test]
async fn the_openapi_document_lists_the_upkeep_operations() {
    let app = spawn_app().await;
    let doc: Value = bare_client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    for (path, method) in [
        ("/api/v1/regions", "get"),
        ("/api/v1/regions", "post"),
        ("/api/v1/regions/{code}", "put"),
        ("/api/v1/industries", "post"),
        ("/api/v1/industries/{code}", "put"),
        ("/api/v1/risk-tags", "get"),
        ("/api/v1/risk-tags/{code}", "put"),
        ("/api/v1/me/enterprise/staff", "post"),
        ("/api/v1/me/enterprise/staff/{user_id}/deactivate", "post"),
        ("/api/v1/me/enterprise/staff/{user_id}/password", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}

/// A password has an upper bound as every field does (128 characters, what the document
/// says), counted in characters: one longer is refused with its reason and nothing written.
#[tokio::test]
async fn a_password_longer_than_128_characters_is_refused() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;
    let before = app.api_json("/api/v1/me/enterprise/staff", &token).await;
    let long = format!("Baoan#2026{}", "安".repeat(119));
    assert_eq!(long.chars().count(), 129);
    let body = json!({"username": "baoan2", "display_name": "林小红", "phone": "13857712345",
                      "password": long});
    let f = fields(
        app.api_post("/api/v1/me/enterprise/staff", &token, &body)
            .await,
        422,
    )
    .await;
    assert_eq!(f["password"], message("password.too_long"));
    assert_eq!(
        app.api_json("/api/v1/me/enterprise/staff", &token).await,
        before,
        "nothing was written"
    );
    // 128 characters are fine.
    let body = json!({"username": "baoan2", "display_name": "林小红", "phone": "13857712345",
                      "password": format!("Baoan#2026{}", "安".repeat(118))});
    let res = app
        .api_post("/api/v1/me/enterprise/staff", &token, &body)
        .await;
    assert_eq!(res.status(), 201);
}
