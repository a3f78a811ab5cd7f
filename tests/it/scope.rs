//! Cross-tenant isolation: each account sees its own tenant's data and nothing else; records
//! outside the scope are "not found", never "forbidden".

use std::collections::BTreeSet;

use portal::models::{alliance_membership, enterprise};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::*;

const TANGXIA_PATH: &str = "/330381/330381101/";
const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";

/// Ids of the enterprises whose region path starts with `prefix`.
async fn enterprise_ids_under(app: &TestApp, prefix: &str) -> BTreeSet<i64> {
    enterprise::Entity::find()
        .filter(enterprise::Column::RegionPath.starts_with(prefix))
        .all(&app.core.db)
        .await
        .expect("enterprises")
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Ids of an alliance's member enterprises.
async fn member_ids(app: &TestApp, alliance_id: i64) -> BTreeSet<i64> {
    alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(alliance_id))
        .filter(alliance_membership::Column::Status.is_in(["approved", "applied"]))
        .all(&app.core.db)
        .await
        .expect("memberships")
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect()
}

/// The whole enterprise list as `token` sees it (one page of up to 100).
async fn listed(app: &TestApp, token: &str) -> (u64, BTreeSet<i64>) {
    let page = app
        .api_json("/api/v1/enterprises?per_page=100", token)
        .await;
    let ids: BTreeSet<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    let total = page["total"].as_u64().expect("total");
    assert_eq!(total as usize, ids.len(), "all on one page: {page}");
    (total, ids)
}

async fn assert_api_not_found(app: &TestApp, token: &str, id: i64, who: &str) {
    let res = app
        .api_get(&format!("/api/v1/enterprises/{id}"), token)
        .await;
    assert_eq!(res.status(), 404, "{who} asking for enterprise {id}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn a_town_officer_opens_files_of_its_town_and_not_found_for_others() {
    let app = spawn_app().await;
    let inside = app.enterprise_id(HONGTIAN).await;
    let outside = app.enterprise_id(HUAXIN).await;
    let v = app.logged_in(TOWN_REGULATOR).await;
    let html = v.page(&format!("/regulator/enterprises/{inside}")).await;
    assert!(html.contains("瑞安市鸿田汽车电器有限公司"));
    let res = v.get(&format!("/regulator/enterprises/{outside}")).await;
    assert_eq!(
        res.status(),
        404,
        "an enterprise of 锦湖街道 does not exist for 塘下镇"
    );
    let html = res.text().await.expect("body");
    assert!(html.contains("<main"), "the 404 is a page of the site");
    assert!(
        !html.contains("瑞安市华鑫包装有限公司"),
        "nothing of it leaks"
    );
    // The city officer opens both.
    let city = app.logged_in(REGULATOR).await;
    let html = city
        .page(&format!("/regulator/enterprises/{outside}"))
        .await;
    assert!(html.contains("瑞安市华鑫包装有限公司"));
}

#[tokio::test]
async fn a_town_officer_lists_only_its_towns_enterprises() {
    let app = spawn_app().await;
    let expected = enterprise_ids_under(&app, TANGXIA_PATH).await;
    assert_eq!(
        expected.len(),
        10,
        "the fixtures have ten enterprises in 塘下镇"
    );
    let token = app.api_token(TOWN_REGULATOR).await;
    let (total, ids) = listed(&app, &token).await;
    assert_eq!(total, 10);
    assert_eq!(ids, expected);
    assert_api_not_found(&app, &token, app.enterprise_id(HUAXIN).await, "tangxia").await;
    // The page list agrees.
    let v = app.logged_in(TOWN_REGULATOR).await;
    let html = v.page("/regulator/enterprises?per_page=100").await;
    assert!(html.contains("瑞安市鸿田汽车电器有限公司"));
    assert!(!html.contains("瑞安市华鑫包装有限公司"));
}

#[tokio::test]
async fn the_city_officer_lists_all_forty_enterprises() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let (total, ids) = listed(&app, &token).await;
    assert_eq!(total, 40);
    assert_eq!(ids, enterprise_ids_under(&app, "/330381/").await);
    let admin = app.api_token(ADMIN).await;
    assert_eq!(
        listed(&app, &admin).await.0,
        40,
        "the admin sees them all too"
    );
}

#[tokio::test]
async fn an_enterprise_account_sees_only_its_own_enterprise() {
    let app = spawn_app().await;
    let own = app.enterprise_id(HONGTIAN).await;
    let other = app.enterprise_id(HUAXIN).await;
    for username in [ENTERPRISE, STAFF] {
        let token = app.api_token(username).await;
        let (total, ids) = listed(&app, &token).await;
        assert_eq!(total, 1, "{username}");
        assert_eq!(ids, BTreeSet::from([own]), "{username}");
        let file = app
            .api_json(&format!("/api/v1/enterprises/{own}"), &token)
            .await;
        assert_eq!(file["name"], "瑞安市鸿田汽车电器有限公司");
        assert_api_not_found(&app, &token, other, username).await;
    }
    // And the other way round.
    let token = app.api_token(ENTERPRISE_OTHER).await;
    assert_eq!(listed(&app, &token).await.1, BTreeSet::from([other]));
    assert_api_not_found(&app, &token, own, ENTERPRISE_OTHER).await;
}

#[tokio::test]
async fn a_committee_member_sees_only_its_alliances_members() {
    let app = spawn_app().await;
    let outsider = app.enterprise_id(HUAXIN).await;
    for (username, alliance, size) in [
        (COMMITTEE, QPW_ALLIANCE, 14),
        (COMMITTEE_REGIONAL, HANTIAN_ALLIANCE, 9),
    ] {
        let members = member_ids(&app, app.alliance_id(alliance).await).await;
        assert_eq!(members.len(), size, "{alliance} in the fixtures");
        let token = app.api_token(username).await;
        let (total, ids) = listed(&app, &token).await;
        assert_eq!(total as usize, size, "{username}");
        assert_eq!(ids, members, "{username}");
        assert_api_not_found(&app, &token, outsider, username).await;
        let member = *members.first().expect("a member");
        assert_eq!(
            app.api_get(&format!("/api/v1/enterprises/{member}"), &token)
                .await
                .status(),
            200
        );
    }
}

#[tokio::test]
async fn an_expert_sees_no_enterprises() {
    let app = spawn_app().await;
    let token = app.api_token(EXPERT).await;
    let page = app.api_json("/api/v1/enterprises", &token).await;
    assert_eq!(page["total"], 0);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
    assert_api_not_found(&app, &token, app.enterprise_id(HONGTIAN).await, EXPERT).await;
}

fn login_names(page: &Value) -> BTreeSet<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["action"] == "login" && r["outcome"] == "success")
        .filter_map(|r| r["actor_name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_town_officer_reads_only_its_towns_audit_trail() {
    let app = spawn_app().await;
    app.api_token(ENTERPRISE).await;
    app.api_token(ENTERPRISE_OTHER).await;
    app.api_token(COMMITTEE).await;
    let path = "/api/v1/audit?action=login&per_page=100";

    let town = app.api_token(TOWN_REGULATOR).await;
    let town_log = app.api_json(path, &town).await;
    let names = login_names(&town_log);
    assert!(names.contains(ENTERPRISE), "qiye1 is in 塘下镇: {names:?}");
    assert!(names.contains(TOWN_REGULATOR), "its own login");
    assert!(!names.contains(ENTERPRISE_OTHER), "qiye2 is in 锦湖街道");
    assert!(
        !names.contains(COMMITTEE),
        "the city-wide alliance is above the town"
    );
    for row in town_log["items"].as_array().expect("items") {
        let region = row["region_path"].as_str().unwrap_or_default();
        assert!(
            region.starts_with(TANGXIA_PATH),
            "row outside 塘下镇: {row}"
        );
    }

    let city = app.api_token(REGULATOR).await;
    let names = login_names(&app.api_json(path, &city).await);
    for n in [
        ENTERPRISE,
        ENTERPRISE_OTHER,
        COMMITTEE,
        TOWN_REGULATOR,
        REGULATOR,
    ] {
        assert!(names.contains(n), "the city officer sees {n}: {names:?}");
    }

    let admin = app.api_token(ADMIN).await;
    let names = login_names(&app.api_json(path, &admin).await);
    for n in [
        ENTERPRISE,
        ENTERPRISE_OTHER,
        COMMITTEE,
        TOWN_REGULATOR,
        REGULATOR,
        ADMIN,
    ] {
        assert!(names.contains(n), "the admin sees {n}: {names:?}");
    }

    // The audit page of the bureau is scoped the same way.
    let v = app.logged_in(TOWN_REGULATOR).await;
    let html = v.page("/regulator/audit?action=login").await;
    assert!(html.contains(ENTERPRISE));
    assert!(!html.contains(ENTERPRISE_OTHER));
}

#[tokio::test]
async fn failed_logins_on_a_towns_accounts_show_in_that_towns_audit_trail() {
    let app = spawn_app().await;
    let wrong = serde_json::json!({ "username": ENTERPRISE, "password": "Wrong@password1" });
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&wrong)
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 401);
    let wrong = serde_json::json!({ "username": ENTERPRISE_OTHER, "password": "Wrong@password1" });
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&wrong)
        .send()
        .await
        .expect("login");

    let town = app.api_token(TOWN_REGULATOR).await;
    let log = app
        .api_json("/api/v1/audit?action=login&outcome=failure", &town)
        .await;
    let names: BTreeSet<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["actor_name"].as_str())
        .collect();
    assert!(
        names.contains(ENTERPRISE),
        "an attempt on a 塘下 account: {names:?}"
    );
    assert!(
        !names.contains(ENTERPRISE_OTHER),
        "not one on a 锦湖 account"
    );
}
