//! The alliance register: registration and editing by the bureau inside its jurisdiction (the
//! lead enterprise becomes the first approved member), committee accounts appointed and
//! deactivated by the bureau, filtered lists, and the xlsx exports of the register and of a
//! committee's member list.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;

use crate::helpers::*;

/// The park alliance (锦湖街道): outside 塘下镇.
const PARK_ALLIANCE: &str = "瑞安经济开发区小微园安全生产互助联盟";
/// The regional alliance in 塘下镇.
const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";
const NEW_NAME: &str = "塘下镇鸿田片区安全生产互助联盟";
const STRONG: &str = "Weiyuan#2026x";

fn new_alliance() -> Value {
    json!({
        "name": NEW_NAME,
        "kind": "regional",
        "region": "330381101",
        "lead": HONGTIAN,
        "charter": "成员单位每月轮流组织互查，隐患闭环销号。",
        "founded_on": "2024-03-15",
        "status": "active",
    })
}

async fn total(app: &TestApp, token: &str, query: &str) -> u64 {
    app.api_json(&format!("/api/v1/alliances?{query}"), token)
        .await["total"]
        .as_u64()
        .expect("total")
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
async fn registration_refuses_bad_fields_one_by_one_and_writes_nothing() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let city = app.api_token(REGULATOR).await;
    let before = total(&app, &city, "").await;
    let tomorrow = (Utc::now() + Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let cases: &[(&str, Value, &str)] = &[
        ("name", json!("  "), "form.required"),
        ("name", json!(HANTIAN_ALLIANCE), "alliances.name_taken"),
        ("kind", json!("club"), "alliances.bad_kind"),
        ("region", json!("330381003"), "alliances.region_outside"),
        ("region", json!("999999"), "region.unknown"),
        ("lead", json!(""), "alliances.lead_required"),
        ("lead", json!("91330381149700566A"), "credit_code.checksum"),
        ("lead", json!(HUAXIN), "alliances.lead_unknown"),
        ("founded_on", json!("2024/03/15"), "alliances.bad_date"),
        ("founded_on", json!(tomorrow), "alliances.future_date"),
        ("status", json!("paused"), "alliances.bad_status"),
        ("charter", json!(""), "form.required"),
    ];
    for (field, value, key) in cases {
        let mut body = new_alliance();
        body[*field] = value.clone();
        let res = app.api_post("/api/v1/alliances", &token, &body).await;
        assert_eq!(res.status(), 422, "{field}={value}");
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["code"], "validation");
        assert_eq!(
            err["fields"][*field],
            message(key),
            "{field}={value}: {err}"
        );
    }
    // The lead must lie inside the alliance's region (鸿田 is in 韩田村, not 鲍田村).
    let mut body = new_alliance();
    body["region"] = json!("330381101202");
    let res = app.api_post("/api/v1/alliances", &city, &body).await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["fields"]["lead"], message("alliances.lead_outside"));

    assert_eq!(total(&app, &city, "").await, before, "nothing registered");
    assert_eq!(audit_total(&app, "alliance.create").await, 0);
    for who in [COMMITTEE, ENTERPRISE, EXPERT] {
        let t = app.api_token(who).await;
        let res = app.api_post("/api/v1/alliances", &t, &new_alliance()).await;
        assert_eq!(res.status(), 403, "{who}");
    }
}

#[tokio::test]
async fn registering_makes_the_lead_its_first_approved_member_with_its_history() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let body = new_alliance();
    let fields: Vec<(&str, String)> = body
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let as_form = |over: &[(&str, &str)]| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| {
                let v = over
                    .iter()
                    .find(|(ok, _)| ok == k)
                    .map_or(v.clone(), |(_, ov)| ov.to_string());
                (k.to_string(), v)
            })
            .collect()
    };

    // A founding date in the future: the form comes back with the values and the message.
    let future = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let form = as_form(&[("founded_on", &future)]);
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = officer
        .post_form("/regulator/alliances", "/regulator/alliances/new", &refs)
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("alliances.future_date"))));
    assert!(html.contains(&format!("value=\"{NEW_NAME}\"")), "name kept");
    assert!(html.contains(&format!("value=\"{HONGTIAN}\"")), "lead kept");

    let form = as_form(&[]);
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = officer
        .post_form("/regulator/alliances", "/regulator/alliances/new", &refs)
        .await;
    assert_eq!(res.status(), 303);
    let page = location(&res);
    assert!(page.starts_with("/regulator/alliances/"), "{page}");
    let id: i64 = page
        .trim_start_matches("/regulator/alliances/")
        .parse()
        .expect("id");
    let html = officer.page(&page).await;
    assert!(html.contains(NEW_NAME));
    assert!(html.contains("瑞安市鸿田汽车电器有限公司"));
    let hongtian = app.enterprise_id(HONGTIAN).await;
    assert!(
        html.contains(&format!("/regulator/enterprises/{hongtian}")),
        "members link to their file"
    );

    let token = app.api_token(TOWN_REGULATOR).await;
    let detail = app
        .api_json(&format!("/api/v1/alliances/{id}"), &token)
        .await;
    assert_eq!(detail["member_count"], 1);
    assert_eq!(detail["lead_enterprise_id"], hongtian);
    assert_eq!(detail["members"][0]["credit_code"], HONGTIAN);
    assert_eq!(detail["founded_on"], "2024-03-15");
    let memberships = app
        .api_json(&format!("/api/v1/memberships?alliance_id={id}"), &token)
        .await;
    assert_eq!(memberships["total"], 1);
    assert_eq!(memberships["items"][0]["status"], "approved");
    let mid = memberships["items"][0]["id"].as_i64().expect("id");
    let events = app
        .api_json(&format!("/api/v1/memberships/{mid}/events"), &token)
        .await;
    let events = events.as_array().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["to_status"], "approved");
    assert_eq!(events[0]["actor_name"], "塘下镇应急管理所");
    // The enterprise sees its new alliance.
    let own = app.api_token(ENTERPRISE).await;
    assert_eq!(
        app.api_json(&format!("/api/v1/alliances/{id}"), &own).await["name"],
        NEW_NAME
    );
    assert_eq!(audit_total(&app, "alliance.create").await, 1);
}

#[tokio::test]
async fn a_town_officer_neither_registers_nor_sees_nor_edits_another_towns_alliance() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let form = [
        ("name", "锦湖街道某某联盟"),
        ("kind", "regional"),
        ("region", "330381003"),
        ("lead", HUAXIN),
        ("charter", "章程"),
        ("founded_on", "2023-01-01"),
        ("status", "active"),
    ];
    let res = officer
        .post_form("/regulator/alliances", "/regulator/alliances/new", &form)
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("alliances.region_outside"))));

    let park = app.alliance_id(PARK_ALLIANCE).await;
    for path in [
        format!("/regulator/alliances/{park}"),
        format!("/regulator/alliances/{park}/edit"),
    ] {
        assert_eq!(officer.get(&path).await.status(), 404, "{path}");
    }
    let token = app.api_token(TOWN_REGULATOR).await;
    assert_eq!(
        app.api_get(&format!("/api/v1/alliances/{park}"), &token)
            .await
            .status(),
        404
    );
    let res = put(
        &app,
        &format!("/api/v1/alliances/{park}"),
        &token,
        &new_alliance(),
    )
    .await;
    assert_eq!(res.status(), 404);
    let res = app
        .api_post(
            &format!("/api/v1/alliances/{park}/committee"),
            &token,
            &json!({"username": "jinhu2", "display_name": "x", "phone": "13900000000", "password": STRONG}),
        )
        .await;
    assert_eq!(res.status(), 404);
    // Only the town's own alliance is in its list (the city-wide industry one is above it).
    let listed = app.api_json("/api/v1/alliances", &token).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["name"], HANTIAN_ALLIANCE);
    assert_eq!(audit_total(&app, "alliance.update").await, 0);
}

#[tokio::test]
async fn an_appointed_committee_member_logs_in_and_sees_exactly_its_alliance() {
    let app = spawn_app().await;
    let park = app.alliance_id(PARK_ALLIANCE).await;
    let officer = app.logged_in(REGULATOR).await;
    let page = format!("/regulator/alliances/{park}");
    let action = format!("{page}/committee");
    let mut form = vec![
        ("username", "xiaowei1"),
        ("display_name", "小微园联盟委员会"),
        ("phone", "13957700001"),
        ("email", "xiaowei1@example.com"),
        ("password", "abcdefghijk"),
    ];
    // A weak password: refused with the policy's message, values kept, nobody created.
    let res = officer.post_form(&action, &page, &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("password.too_few_classes"))));
    assert!(html.contains("value=\"xiaowei1\""), "username kept");
    assert!(!html.contains("abcdefghijk"), "the password is not echoed");
    assert_eq!(app.api_login("xiaowei1", "abcdefghijk").await.status(), 401);
    assert_eq!(audit_total(&app, "committee.appoint").await, 0);

    form[4] = ("password", STRONG);
    let res = officer.post_form(&action, &page, &form).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with(&page));
    let html = officer.page(&page).await;
    assert!(html.contains("xiaowei1") && html.contains("小微园联盟委员会"));

    let member = app.visitor();
    let res = member.login("xiaowei1", STRONG).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/committee");
    let home = member.page("/committee").await;
    assert!(home.contains(PARK_ALLIANCE));
    assert!(!home.contains(QPW_ALLIANCE));
    let login = app.api_login("xiaowei1", STRONG).await;
    assert_eq!(login.status(), 200);
    let body: Value = login.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    let listed = app.api_json("/api/v1/alliances", token).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], park);
    assert_eq!(audit_total(&app, "committee.appoint").await, 1);

    // The same username cannot be given twice.
    let res = officer.post_form(&action, &page, &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("user.exists"))));
}

#[tokio::test]
async fn a_deactivated_committee_account_loses_its_tokens_and_cannot_log_in() {
    let app = spawn_app().await;
    let hantian = app.alliance_id(HANTIAN_ALLIANCE).await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let res = app
        .api_post(
            &format!("/api/v1/alliances/{hantian}/committee"),
            &town,
            &json!({"username": "hantian2", "display_name": "韩田片区委员", "phone": "0577-65812345", "password": STRONG}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let account: Value = res.json().await.expect("json");
    let user_id = account["id"].as_i64().expect("id");
    let login: Value = app
        .api_login("hantian2", STRONG)
        .await
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_string();
    assert_eq!(app.api_get("/api/v1/me", &token).await.status(), 200);

    let deactivate = format!("/api/v1/alliances/{hantian}/committee/{user_id}/deactivate");
    // Not through another alliance's path, and not by the committee itself.
    let qpw = app.alliance_id(QPW_ALLIANCE).await;
    let city = app.api_token(REGULATOR).await;
    let res = app
        .api_post(
            &format!("/api/v1/alliances/{qpw}/committee/{user_id}/deactivate"),
            &city,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app.api_post(&deactivate, &token, &json!({})).await;
    assert_eq!(res.status(), 403);

    let res = app.api_post(&deactivate, &town, &json!({})).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.api_get("/api/v1/me", &token).await.status(), 401);
    assert_eq!(app.api_login("hantian2", STRONG).await.status(), 401);
    let detail = app
        .api_json(&format!("/api/v1/alliances/{hantian}"), &town)
        .await;
    let acc = detail["committee"]
        .as_array()
        .expect("committee")
        .iter()
        .find(|a| a["id"] == user_id)
        .cloned()
        .expect("still listed");
    assert_eq!(acc["active"], false);
    // Again: nothing more happens.
    assert_eq!(
        app.api_post(&deactivate, &town, &json!({})).await.status(),
        204
    );
    assert_eq!(audit_total(&app, "committee.deactivate").await, 1);

    // Through the page: the existing committee account `qpw` is logged out at once.
    let member = app.logged_in(COMMITTEE).await;
    assert_eq!(member.get("/committee").await.status(), 200);
    let qpw_user = app
        .api_json(&format!("/api/v1/alliances/{qpw}"), &city)
        .await["committee"]
        .as_array()
        .expect("committee")
        .iter()
        .find(|a| a["username"] == COMMITTEE)
        .and_then(|a| a["id"].as_i64())
        .expect("qpw listed");
    let officer = app.logged_in(REGULATOR).await;
    let page = format!("/regulator/alliances/{qpw}");
    let res = officer
        .post_form(
            &format!("{page}/committee/{qpw_user}/deactivate"),
            &page,
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(member.get("/committee").await.status(), 303);
    assert_eq!(app.api_login(COMMITTEE, PASSWORD).await.status(), 401);
}

#[tokio::test]
async fn lists_filter_sort_and_count_members_and_groups() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    assert_eq!(total(&app, &city, "").await, 4);
    assert_eq!(total(&app, &city, "kind=park").await, 1);
    assert_eq!(total(&app, &city, "region=330381101").await, 1);
    assert_eq!(total(&app, &city, "region=330381104").await, 1, "village");
    assert_eq!(total(&app, &city, "status=dissolved").await, 0);
    let qpw = app
        .api_json("/api/v1/alliances?q=%E6%B1%BD%E6%91%A9%E9%85%8D", &city)
        .await;
    assert_eq!(qpw["total"], 1, "汽摩配");
    assert_eq!(qpw["items"][0]["member_count"], 14);
    assert_eq!(qpw["items"][0]["group_count"], 3);
    assert_eq!(qpw["items"][0]["kind"], "industry");

    let sorted = app
        .api_json("/api/v1/alliances?sort=founded&dir=desc&per_page=2", &city)
        .await;
    assert_eq!(sorted["pages"], 2);
    let page2 = app
        .api_json(
            "/api/v1/alliances?sort=founded&dir=desc&per_page=2&page=2",
            &city,
        )
        .await;
    let dates: Vec<String> = sorted["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(page2["items"].as_array().expect("items"))
        .map(|a| a["founded_on"].as_str().expect("date").to_string())
        .collect();
    assert_eq!(dates.len(), 4);
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");

    // Dissolving one through an edit moves it to the other filter; the lead must stay a member.
    let park = app.alliance_id(PARK_ALLIANCE).await;
    let detail = app
        .api_json(&format!("/api/v1/alliances/{park}"), &city)
        .await;
    let lead_code = detail["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["id"] == detail["lead_enterprise_id"])
        .and_then(|m| m["credit_code"].as_str())
        .expect("lead is a member")
        .to_string();
    let body = json!({
        "name": PARK_ALLIANCE,
        "kind": "park",
        "region": detail["region_code"],
        "lead": lead_code,
        "charter": detail["charter"],
        "founded_on": detail["founded_on"],
        "status": "dissolved",
    });
    // 锦湖's enterprises that are not members of the park alliance cannot lead it.
    let members: BTreeSet<String> = detail["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["credit_code"].as_str().expect("code").to_string())
        .collect();
    let jinhu = app
        .api_json("/api/v1/enterprises?region=330381003&per_page=100", &city)
        .await;
    if let Some(outsider) = jinhu["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["credit_code"].as_str())
        .find(|c| !members.contains(*c))
    {
        let mut wrong = body.clone();
        wrong["lead"] = json!(outsider);
        let res = put(&app, &format!("/api/v1/alliances/{park}"), &city, &wrong).await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["fields"]["lead"], message("alliances.lead_not_member"));
    }
    let res = put(&app, &format!("/api/v1/alliances/{park}"), &city, &body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(total(&app, &city, "status=dissolved").await, 1);
    assert_eq!(total(&app, &city, "status=active").await, 3);
    let log = app
        .api_json(
            "/api/v1/audit?action=alliance.update",
            &app.api_token(ADMIN).await,
        )
        .await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["detail"], "status");

    let officer = app.logged_in(REGULATOR).await;
    let html = officer
        .page("/regulator/alliances?kind=park&status=dissolved")
        .await;
    assert!(html.contains(PARK_ALLIANCE));
    assert!(html.contains("value=\"park\" selected"), "filter shown");
    assert!(
        html.contains("export.xlsx?kind=park&amp;status=dissolved"),
        "the export link carries the filter"
    );
    let nav = officer.page("/regulator").await;
    assert!(
        nav.contains(&format!("href=\"{}\"", html_escape("/regulator/alliances"))),
        "in the nav"
    );
}

#[tokio::test]
async fn the_export_holds_exactly_the_alliances_the_filter_selects() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let officer = app.logged_in(REGULATOR).await;
    for query in ["sort=founded&dir=desc", "kind=park", "region=330381101"] {
        let listed = app
            .api_json(&format!("/api/v1/alliances?{query}&per_page=100"), &city)
            .await;
        let expected: Vec<(String, String)> = listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().expect("name").to_string(),
                    a["member_count"].to_string(),
                )
            })
            .collect();
        assert!(!expected.is_empty(), "{query}");
        let res = officer
            .get(&format!("/regulator/alliances/export.xlsx?{query}"))
            .await;
        assert_eq!(res.status(), 200);
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(ctype.contains("spreadsheetml"), "{ctype}");
        let rows = sheet_rows(&res.bytes().await.expect("bytes"));
        assert_eq!(rows[0][0], "联盟名称");
        assert_eq!(rows[0][6], "成员企业数");
        let exported: Vec<(String, String)> = rows[1..]
            .iter()
            .map(|r| (r[0].clone(), r[6].clone()))
            .collect();
        assert_eq!(exported, expected, "{query}: same rows, same order");
    }
    // A town officer's export stays inside its town.
    let town = app.logged_in(TOWN_REGULATOR).await;
    let rows = sheet_rows(
        &town
            .get("/regulator/alliances/export.xlsx")
            .await
            .bytes()
            .await
            .expect("bytes"),
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], HANTIAN_ALLIANCE);
    assert_eq!(audit_total(&app, "export.alliances").await, 4);
}

#[tokio::test]
async fn the_committee_export_holds_exactly_its_approved_members() {
    let app = spawn_app().await;
    // 华鑫 applies to the industry alliance: an application is not a member.
    let other = app.api_token(ENTERPRISE_OTHER).await;
    let qpw = app.alliance_id(QPW_ALLIANCE).await;
    let res = app
        .api_post(
            "/api/v1/memberships",
            &other,
            &json!({ "alliance_id": qpw }),
        )
        .await;
    assert_eq!(res.status(), 200);

    let token = app.api_token(COMMITTEE).await;
    let approved = app
        .api_json("/api/v1/memberships?status=approved&per_page=100", &token)
        .await;
    let expected: BTreeSet<String> = approved["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["credit_code"].as_str().expect("code").to_string())
        .collect();
    assert_eq!(expected.len(), 14);

    let member = app.logged_in(COMMITTEE).await;
    let html = member.page("/committee/members").await;
    assert!(html.contains("/committee/members/export.xlsx"));
    let res = member.get("/committee/members/export.xlsx").await;
    assert_eq!(res.status(), 200);
    let rows = sheet_rows(&res.bytes().await.expect("bytes"));
    assert_eq!(rows[0][0], "统一社会信用代码");
    let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported.len(), expected.len(), "no duplicates");
    assert_eq!(
        exported.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "exactly the approved members"
    );
    assert!(!rows.iter().any(|r| r[0] == HUAXIN), "not the applicant");
    assert_eq!(audit_total(&app, "export.members").await, 1);
}
