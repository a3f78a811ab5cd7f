//! 联盟成员资格 and 活动小组: applying, inviting, deciding, leaving and their history; groups
//! and their rules; who may do what (staff, other alliances, regions); through the API and
//! through the pages (with CSRF).

mod access;
mod groups;
mod lifecycle;
mod pages;

use std::collections::BTreeSet;

use portal::models::{alliance, alliance_membership, enterprise, membership_event};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

/// The regional alliance `hantian` sits on (塘下镇).
const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";
/// The park alliance 华鑫 (qiye2) belongs to (锦湖街道).
const PARK_ALLIANCE: &str = "瑞安经济开发区小微园安全生产互助联盟";
/// 浙江瑞韩汽车部件有限公司: in the industry alliance and its 汽摩配一组.
const RUIHAN: &str = "91330381MA22WWTGXK";

/// A POST with a bearer token: status and JSON body.
async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let res = app.api_post(path, token, &body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let res = bare_client()
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("DELETE");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The history of membership `id` as `token` sees it.
async fn events(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    app.api_json(&format!("/api/v1/memberships/{id}/events"), token)
        .await
        .as_array()
        .expect("events")
        .clone()
}

/// (from, to, reason) of each event.
fn steps(events: &[Value]) -> Vec<(Option<String>, String, Option<String>)> {
    events
        .iter()
        .map(|e| {
            (
                e["from_status"].as_str().map(str::to_string),
                e["to_status"].as_str().expect("to").to_string(),
                e["reason"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn step(
    from: Option<&str>,
    to: &str,
    reason: Option<&str>,
) -> (Option<String>, String, Option<String>) {
    (
        from.map(str::to_string),
        to.to_string(),
        reason.map(str::to_string),
    )
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// How many audit records of `action` accounts made (the seed's, by the system, not counted).
async fn audited(app: &TestApp, action: &str) -> u64 {
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

async fn event_count(app: &TestApp, membership_id: i64) -> u64 {
    membership_event::Entity::find()
        .filter(membership_event::Column::MembershipId.eq(membership_id))
        .count(&app.core.db)
        .await
        .expect("count events")
}

/// The user id of an account (from `/api/v1/me`).
async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.api_json("/api/v1/me", token).await["id"]
        .as_i64()
        .expect("id")
}

/// The groups of the caller's scope, by name: (leader name, member names).
async fn groups_by_name(
    app: &TestApp,
    token: &str,
) -> std::collections::BTreeMap<String, (Option<String>, BTreeSet<String>)> {
    app.api_json("/api/v1/groups", token)
        .await
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                format!(
                    "{}/{}",
                    g["alliance_name"].as_str().unwrap_or(""),
                    g["name"].as_str().unwrap_or("")
                ),
                (
                    g["leader"]["name"].as_str().map(str::to_string),
                    g["members"]
                        .as_array()
                        .expect("members")
                        .iter()
                        .filter_map(|m| m["name"].as_str().map(str::to_string))
                        .collect(),
                ),
            )
        })
        .collect()
}

/// qiye2 (华鑫, 锦湖街道) applies to the city-wide industry alliance; returns the membership.
async fn huaxin_applies(app: &TestApp) -> (i64, Value) {
    let token = app.api_token(ENTERPRISE_OTHER).await;
    let alliance_id = app.alliance_id(QPW_ALLIANCE).await;
    let (status, m) = post(
        app,
        "/api/v1/memberships",
        &token,
        json!({ "alliance_id": alliance_id }),
    )
    .await;
    assert_eq!(status, 200, "apply: {m}");
    assert_eq!(m["status"], "applied");
    (id_of(&m), m)
}
