//! 专家库: registering an expert with its account (login works, retried requests are safe),
//! refused input shown again with nothing saved, a town officer kept inside its subtree, the
//! search by specialty, region and words on the demo pool, the directory committees and
//! enterprises read (name, specialties, organisation only, active ones in reach), and a
//! deactivated expert's account locked out.

use std::collections::BTreeSet;

use portal::models::{expert, expert_specialty};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

fn registration(name: &str, region: &str, username: &str) -> Value {
    json!({
        "name": name,
        "title": "高级工程师",
        "organisation": "温州市安全生产技术服务中心",
        "phone": "13905779901",
        "region": region,
        "specialties": ["confined_space", "fire"],
        "active": true,
        "username": username,
        "password": "Zhuanjia#2026",
        "email": "",
    })
}

async fn experts_named(app: &TestApp, name: &str) -> u64 {
    expert::Entity::find()
        .filter(expert::Column::Name.eq(name))
        .count(&app.core.db)
        .await
        .expect("count")
}

/// The id of a demo expert, by name (as the admin sees the pool).
async fn expert_id(app: &TestApp, name: &str) -> i64 {
    expert::Entity::find()
        .filter(expert::Column::Name.eq(name))
        .one(&app.core.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no expert {name}"))
        .id
}

fn names(list: &Value) -> BTreeSet<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
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

#[tokio::test]
async fn a_town_officer_registers_an_expert_with_its_account_and_the_expert_logs_in() {
    let app = spawn_app().await;
    let tangxia = app.api_token(TOWN_REGULATOR).await;
    let body = registration("吴建平", "330381101", "WuJP");
    let send = || {
        bare_client()
            .post(app.url("/api/v1/experts"))
            .bearer_auth(&tangxia)
            .header("Idempotency-Key", "expert-retry-1")
            .json(&body)
            .send()
    };
    let res = send().await.expect("POST");
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.expect("json");
    let id = first["id"].as_i64().expect("id");
    assert_eq!(first["phone"], "13905779901");
    assert_eq!(first["account"]["username"], "wujp");
    assert_eq!(first["manages"], true);
    assert_eq!(first["specialties"], json!(["confined_space", "fire"]));
    // The same request again: the first answer, nothing new.
    let again: Value = send().await.expect("POST").json().await.expect("json");
    assert_eq!(again["id"].as_i64(), Some(id));
    assert_eq!(experts_named(&app, "吴建平").await, 1);

    // Its account logs in to the expert portal and sees itself.
    let res = app.api_login("wujp", "Zhuanjia#2026").await;
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let own = app.api_json("/api/v1/experts", &token).await;
    assert_eq!(names(&own), set(&["吴建平"]));

    // Both records are in the audit log, authored by the officer.
    let yjj = app.api_token(REGULATOR).await;
    let audit = app
        .api_json("/api/v1/audit?action=expert.create", &yjj)
        .await;
    assert!(audit.to_string().contains("吴建平"), "{audit}");
    let audit = app.api_json("/api/v1/audit?action=user.create", &yjj).await;
    assert!(audit.to_string().contains("wujp (expert)"), "{audit}");

    // The page form registers too, and the new expert's page shows its account.
    let browser = app.logged_in(TOWN_REGULATOR).await;
    let res = browser
        .post_form(
            "/regulator/experts",
            "/regulator/experts/new",
            &[
                ("name", "钱立群"),
                ("organisation", "瑞安市塘下镇安全生产服务中心"),
                ("phone", "13905779902"),
                ("region", "330381101"),
                ("specialties", "dust"),
                ("specialties", "electrical"),
                ("active", "on"),
                ("username", "qianlq"),
                ("password", "Zhuanjia#2026"),
                ("idempotency_key", "expert-form-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let at = location(&res);
    assert!(at.ends_with("?done=create"), "{at}");
    let html = browser.page(&at).await;
    assert!(html.contains("qianlq"), "the account is shown");
    assert!(html.contains(&html_escape(&message("specialty.dust"))));
    assert_eq!(app.api_login("qianlq", "Zhuanjia#2026").await.status(), 200);
}

#[tokio::test]
async fn a_refused_registration_is_shown_again_with_its_values_and_saves_nothing() {
    let app = spawn_app().await;
    let browser = app.logged_in(TOWN_REGULATOR).await;
    let before = expert::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count");
    let res = browser
        .post_form(
            "/regulator/experts",
            "/regulator/experts/new",
            &[
                ("name", "冯国栋"),
                ("organisation", "瑞安市安全生产协会"),
                ("phone", "0577-123"),
                ("region", "330381101"),
                ("username", "fenggd"),
                ("password", "Zhuanjia#2026"),
                ("idempotency_key", "expert-form-bad"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("value=\"冯国栋\""), "the name is kept");
    assert!(html.contains("value=\"fenggd\""), "the username is kept");
    assert!(
        !html.contains("Zhuanjia#2026"),
        "the password is not shown again"
    );
    assert!(html.contains(&html_escape(&message("experts.bad_phone"))));
    assert!(html.contains(&html_escape(&message("experts.no_specialty"))));
    let after = expert::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(before, after);
    assert_ne!(app.api_login("fenggd", "Zhuanjia#2026").await.status(), 200);

    // The API names the fields; a taken username is one of them.
    let yjj = app.api_token(REGULATOR).await;
    let mut body = registration("冯国栋", "330381101", "linhui");
    body["specialties"] = json!(["cooking"]);
    let res = app.api_post("/api/v1/experts", &yjj, &body).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.expect("json");
    assert!(err.to_string().contains("specialties"), "{err}");
    body["specialties"] = json!(["fire"]);
    let res = app.api_post("/api/v1/experts", &yjj, &body).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.expect("json");
    assert!(err.to_string().contains("username"), "{err}");
    assert_eq!(experts_named(&app, "冯国栋").await, 0);
}

#[tokio::test]
async fn a_town_officer_uses_the_city_experts_but_manages_only_its_subtree() {
    let app = spawn_app().await;
    let tangxia = app.api_token(TOWN_REGULATOR).await;
    // 马屿镇 is another town.
    let res = app
        .api_post(
            "/api/v1/experts",
            &tangxia,
            &registration("沈家明", "330381104", "shenjm"),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("region"));
    assert_eq!(experts_named(&app, "沈家明").await, 0);

    // A city expert is seen (full profile, not managed, no account) but not changed.
    let chen = expert_id(&app, "陈志强").await;
    let seen = app
        .api_json(&format!("/api/v1/experts/{chen}"), &tangxia)
        .await;
    assert_eq!(seen["manages"], false);
    assert!(seen["account"].is_null(), "{seen}");
    let mut change = registration("陈志强", "330381101", "x");
    change["specialties"] = json!(["dust"]);
    let res = put(&app, &format!("/api/v1/experts/{chen}"), &tangxia, &change).await;
    assert_eq!(res.status(), 404);
    let res = app
        .api_post(
            &format!("/api/v1/experts/{chen}/deactivate"),
            &tangxia,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
    // Another town's expert is not seen at all.
    let zhang = expert_id(&app, "张伟").await;
    let res = app
        .api_get(&format!("/api/v1/experts/{zhang}"), &tangxia)
        .await;
    assert_eq!(res.status(), 404);
    let browser = app.logged_in(TOWN_REGULATOR).await;
    assert_eq!(
        browser
            .get(&format!("/regulator/experts/{zhang}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        browser
            .get(&format!("/regulator/experts/{chen}/edit"))
            .await
            .status(),
        404
    );

    // Its own expert: specialties replaced as a set.
    let wang = expert_id(&app, "王海涛").await;
    let mut change = registration("王海涛", "330381101", "x");
    change["specialties"] = json!(["ventilation"]);
    let res = put(&app, &format!("/api/v1/experts/{wang}"), &tangxia, &change).await;
    assert_eq!(res.status(), 200);
    let rows = expert_specialty::Entity::find()
        .filter(expert_specialty::Column::ExpertId.eq(wang))
        .all(&app.core.db)
        .await
        .expect("rows");
    let codes: Vec<&str> = rows.iter().map(|r| r.specialty.as_str()).collect();
    assert_eq!(codes, vec!["ventilation"]);
}

#[tokio::test]
async fn the_pool_is_searched_by_specialty_region_words_and_state() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let q = |query: &str| format!("/api/v1/experts?per_page=100&{query}");
    let all = app.api_json(&q(""), &yjj).await;
    assert_eq!(all["total"], 10);
    let mining = app.api_json(&q("specialty=mining"), &yjj).await;
    assert_eq!(names(&mining), set(&["张伟"]));
    let geology = app
        .api_json(&q("specialty=geology&region=330381104"), &yjj)
        .await;
    assert_eq!(names(&geology), set(&["孙明", "张伟"]));
    let in_tangxia = app.api_json(&q("region=330381101"), &yjj).await;
    assert_eq!(names(&in_tangxia), set(&["王海涛", "李晓梅", "郑芸"]));
    let words = app.api_json(&q("q=地质+勘察"), &yjj).await;
    assert_eq!(names(&words), set(&["孙明"]));
    let by_name = app.api_json(&q("q=晓梅"), &yjj).await;
    assert_eq!(names(&by_name), set(&["李晓梅"]));
    // Wildcards are taken literally.
    let wild = app.api_json(&q("q=%25"), &yjj).await;
    assert_eq!(wild["total"], 0);
    let inactive = app.api_json(&q("active=false"), &yjj).await;
    assert_eq!(names(&inactive), set(&["郑芸"]));
    let long = format!("q={}", "专".repeat(51));
    for bad in ["specialty=cooking", "region=999", "active=maybe", &long] {
        let res = app.api_get(&q(bad), &yjj).await;
        assert_eq!(res.status(), 422, "{bad}");
    }
    // A town officer: the city's experts and its own town's, not another town's.
    let tangxia = app.api_token(TOWN_REGULATOR).await;
    let dust = app.api_json(&q("specialty=electromech"), &tangxia).await;
    assert_eq!(names(&dust), set(&["徐振华", "陈志强"]));
    let other_town = app.api_json(&q("region=330381104"), &tangxia).await;
    assert_eq!(other_town["total"], 0);
    // The bureau page lists and filters the same.
    let browser = app.logged_in(REGULATOR).await;
    let html = browser.page("/regulator/experts?specialty=mining").await;
    assert!(html.contains("张伟") && html.contains("15867701435"));
    assert!(!html.contains("孙明"));
}

#[tokio::test]
async fn committees_and_enterprises_read_a_directory_of_active_experts_in_reach() {
    let app = spawn_app().await;
    // qiye1 is an enterprise of 塘下镇: the city's and 塘下镇's active experts.
    let qiye1 = app.api_token(ENTERPRISE).await;
    let res = app.api_get("/api/v1/experts?per_page=100", &qiye1).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.expect("body");
    let list: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        names(&list),
        set(&["周建国", "徐振华", "李晓梅", "林慧", "王海涛", "陈志强"])
    );
    for field in ["phone", "title", "account", "region", "active"] {
        assert!(!text.contains(&format!("\"{field}")), "{field} in {text}");
    }
    let item = &list["items"][0];
    let keys: BTreeSet<&str> = item
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "name", "organisation", "specialties"].into());
    // Another town's expert and an inactive one are not found.
    for name in ["张伟", "郑芸"] {
        let id = expert_id(&app, name).await;
        let res = app.api_get(&format!("/api/v1/experts/{id}"), &qiye1).await;
        assert_eq!(res.status(), 404, "{name}");
    }
    let chen = expert_id(&app, "陈志强").await;
    let one = app
        .api_json(&format!("/api/v1/experts/{chen}"), &qiye1)
        .await;
    assert!(one.get("phone").is_none(), "{one}");

    // The portal pages show the same limited fields.
    let browser = app.logged_in(ENTERPRISE).await;
    let html = browser.page("/enterprise/experts?specialty=fire").await;
    assert!(html.contains("周建国"));
    assert!(!html.contains("13367032324"), "no phone");
    assert!(!html.contains("黄立新"), "another town's");
    let committee = app.logged_in(COMMITTEE).await;
    let html = committee.page("/committee/experts").await;
    assert!(html.contains("陈志强"));
    assert!(!html.contains("15301130605"), "no phone");
    assert!(!html.contains("郑芸"), "inactive");
    let token = app.api_token(COMMITTEE).await;
    let text = app
        .api_get("/api/v1/experts", &token)
        .await
        .text()
        .await
        .expect("body");
    assert!(!text.contains("\"phone\""), "{text}");

    // Neither may register or change one.
    let body = registration("韩志远", "330381101", "hanzy");
    assert_eq!(
        app.api_post("/api/v1/experts", &qiye1, &body)
            .await
            .status(),
        403
    );
    assert_eq!(
        put(&app, &format!("/api/v1/experts/{chen}"), &token, &body)
            .await
            .status(),
        403
    );
    // An expert sees itself only.
    let own = app.api_token(EXPERT).await;
    let mine = app.api_json("/api/v1/experts", &own).await;
    assert_eq!(names(&mine), set(&["陈志强"]));
    let lin = expert_id(&app, "林慧").await;
    assert_eq!(
        app.api_get(&format!("/api/v1/experts/{lin}"), &own)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_deactivated_expert_leaves_the_directory_and_its_account_cannot_log_in() {
    let app = spawn_app().await;
    let lin = expert_id(&app, "林慧").await;
    let session = app.api_token("linhui").await;
    assert_eq!(app.api_get("/api/v1/experts", &session).await.status(), 200);

    let browser = app.logged_in(REGULATOR).await;
    let page = format!("/regulator/experts/{lin}");
    let res = browser
        .post_form(&format!("{page}/deactivate"), &page, &[])
        .await;
    assert_eq!(res.status(), 303);
    let html = browser.page(&location(&res)).await;
    assert!(html.contains(&html_escape(&message("experts.done_deactivate"))));

    // Its session has ended and it cannot log in again.
    assert_eq!(app.api_get("/api/v1/experts", &session).await.status(), 401);
    assert_ne!(app.api_login("linhui", PASSWORD).await.status(), 200);
    let qiye1 = app.api_token(ENTERPRISE).await;
    let list = app.api_json("/api/v1/experts?per_page=100", &qiye1).await;
    assert!(!names(&list).contains("林慧"));

    // Activated again: back in the directory, the account logs in.
    let res = browser
        .post_form(&format!("{page}/activate"), &page, &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.api_login("linhui", PASSWORD).await.status(), 200);
    let list = app.api_json("/api/v1/experts?per_page=100", &qiye1).await;
    assert!(names(&list).contains("林慧"));
    let yjj = app.api_token(REGULATOR).await;
    let audit = app
        .api_json("/api/v1/audit?action=expert.deactivate", &yjj)
        .await;
    assert!(audit.to_string().contains("林慧"), "{audit}");
}
