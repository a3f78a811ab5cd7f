//! 互查轮次: generating a group's round (every member inspected once, nobody by itself, no pair
//! of the last published round again), adjusting, publishing, discarding; who sees what.

use portal::domain::hazard_flow::HazardState;
use portal::domain::inspection::HazardCategory;
use portal::domain::inspection::HazardLevel;
use std::collections::BTreeSet;

use portal::models::{activity_group, alliance, group_member, hazard, inspection};
use portal::scope::Scope;
use portal::services::checklists;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::*;

const NO_FIELDS: &[(&str, &str)] = &[];

/// 汽摩配一组: 5 members, 鸿田 (qiye1) among them.
const GROUP_ONE: &str = "汽摩配一组";
/// 汽摩配二组: 4 members.
const GROUP_TWO: &str = "汽摩配二组";

async fn group_id(app: &TestApp, name: &str) -> i64 {
    let alliance_id = app.alliance_id(QPW_ALLIANCE).await;
    activity_group::Entity::find()
        .filter(activity_group::Column::AllianceId.eq(alliance_id))
        .filter(activity_group::Column::Name.eq(name))
        .one(&app.core.db)
        .await
        .expect("query group")
        .unwrap_or_else(|| panic!("no group {name}"))
        .id
}

async fn members_of(app: &TestApp, group_id: i64) -> BTreeSet<i64> {
    group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .all(&app.core.db)
        .await
        .expect("members")
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect()
}

/// The checklist versions an alliance's committee may use.
async fn usable_versions(app: &TestApp, alliance_name: &str) -> BTreeSet<i64> {
    let alliance_id = app.alliance_id(alliance_name).await;
    let a = alliance::Entity::find_by_id(alliance_id)
        .one(&app.core.db)
        .await
        .expect("alliance")
        .expect("the alliance");
    let scope = Scope::Alliance {
        alliance_id,
        region_path: a.region_path,
    };
    checklists::choices(&app.core, &scope)
        .await
        .expect("choices")
        .into_iter()
        .map(|c| c.version_id)
        .collect()
}

/// A checklist version of the demo data that both the qpw and the hantian committee may use
/// (a bureau template), so that only the group decides what the other committee gets.
async fn checklist_version(app: &TestApp) -> i64 {
    const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";
    let ours = usable_versions(app, QPW_ALLIANCE).await;
    let theirs = usable_versions(app, HANTIAN_ALLIANCE).await;
    *ours
        .intersection(&theirs)
        .next()
        .expect("the demo data has a bureau checklist both committees may use")
}

fn new_round(group_id: i64, version: i64, title: &str) -> Value {
    json!({
        "group_id": group_id,
        "template_version_id": version,
        "planned_on": "2026-12-10",
        "title": title,
    })
}

/// Generates a round through the API, asserting 201; returns the round's detail.
async fn generate(app: &TestApp, token: &str, group_id: i64) -> Value {
    let version = checklist_version(app).await;
    let res = app
        .api_post(
            "/api/v1/rounds",
            token,
            &new_round(group_id, version, "季度互查"),
        )
        .await;
    assert_eq!(res.status(), 201, "generate for group {group_id}");
    res.json().await.expect("json")
}

/// The (inspector, inspected) pairs of a round's detail.
fn pairs(detail: &Value) -> BTreeSet<(i64, i64)> {
    detail["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                p["inspecting_enterprise_id"].as_i64().expect("inspector"),
                p["inspected_enterprise_id"].as_i64().expect("inspected"),
            )
        })
        .collect()
}

fn round_id(detail: &Value) -> i64 {
    detail["round"]["id"].as_i64().expect("round id")
}

async fn publish(app: &TestApp, token: &str, id: i64) -> reqwest::Response {
    app.api_post(&format!("/api/v1/rounds/{id}/publish"), token, &json!({}))
        .await
}

async fn put_pairs(app: &TestApp, token: &str, id: i64, list: &[(i64, i64)]) -> reqwest::Response {
    let body: Vec<Value> = list
        .iter()
        .map(|(inspector, inspected)| {
            json!({ "inspecting_enterprise_id": inspector, "inspected_enterprise_id": inspected })
        })
        .collect();
    bare_client()
        .put(app.url(&format!("/api/v1/rounds/{id}/pairs")))
        .bearer_auth(token)
        .json(&json!({ "pairs": body }))
        .send()
        .await
        .expect("PUT")
}

async fn delete_round(app: &TestApp, token: &str, id: i64) -> reqwest::Response {
    bare_client()
        .delete(app.url(&format!("/api/v1/rounds/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("DELETE")
}

fn assert_each_member_inspected_once_by_another(
    members: &BTreeSet<i64>,
    round: &BTreeSet<(i64, i64)>,
) {
    let inspected: Vec<i64> = round.iter().map(|p| p.1).collect();
    assert_eq!(inspected.iter().copied().collect::<BTreeSet<_>>(), *members);
    assert_eq!(inspected.len(), members.len(), "each member once");
    assert!(round.iter().all(|(a, b)| a != b), "nobody inspects itself");
    assert!(
        round.iter().all(|(a, _)| members.contains(a)),
        "inspectors are members"
    );
}

#[tokio::test]
async fn a_generated_round_has_every_member_inspected_once_by_another_member() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let group = group_id(&app, GROUP_ONE).await;
    let detail = generate(&app, &token, group).await;
    assert_eq!(detail["round"]["status"], "draft");
    assert_eq!(detail["round"]["seq"], 1);
    assert_eq!(detail["round"]["counts"]["planned"], 5);
    let members = members_of(&app, group).await;
    assert_each_member_inspected_once_by_another(&members, &pairs(&detail));
    // The pairs are mutual inspections of the round, planned, with the inspected's region.
    let rows = inspection::Entity::find()
        .filter(inspection::Column::RoundId.eq(round_id(&detail)))
        .all(&app.core.db)
        .await
        .expect("inspections");
    assert_eq!(rows.len(), 5);
    for i in rows {
        assert_eq!((i.kind.as_str(), i.state.as_str()), ("mutual", "planned"));
        assert_eq!(i.group_id, Some(group));
        let e = portal::models::enterprise::Entity::find_by_id(i.inspected_enterprise_id)
            .one(&app.core.db)
            .await
            .expect("enterprise")
            .expect("inspected exists");
        assert_eq!(i.region_path, e.region_path);
    }
}

#[tokio::test]
async fn the_round_after_a_published_one_repeats_none_of_its_pairs() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    for name in [GROUP_ONE, GROUP_TWO] {
        let group = group_id(&app, name).await;
        let members = members_of(&app, group).await;
        let first = generate(&app, &token, group).await;
        assert_eq!(publish(&app, &token, round_id(&first)).await.status(), 200);
        let second = generate(&app, &token, group).await;
        assert_eq!(second["round"]["seq"], 2);
        assert_each_member_inspected_once_by_another(&members, &pairs(&second));
        let repeated: Vec<_> = pairs(&first)
            .intersection(&pairs(&second))
            .copied()
            .collect();
        assert!(repeated.is_empty(), "{name} repeats {repeated:?}");
    }
}

/// Moves two members of 汽摩配二组 into a new group of exactly two; returns its id.
async fn group_of_two(app: &TestApp, token: &str) -> (i64, Vec<i64>) {
    let res = app
        .api_post("/api/v1/groups", token, &json!({ "name": "两家小组" }))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    let id = created["id"].as_i64().expect("group id");
    let from = group_id(app, GROUP_TWO).await;
    let moved: Vec<i64> = members_of(app, from).await.into_iter().take(2).collect();
    for e in &moved {
        let res = bare_client()
            .delete(app.url(&format!("/api/v1/groups/{from}/members/{e}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(res.status(), 200);
        let res = app
            .api_post(
                &format!("/api/v1/groups/{id}/members"),
                token,
                &json!({ "enterprise_id": e }),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    (id, moved)
}

#[tokio::test]
async fn a_group_of_two_swaps_every_round_and_a_smaller_one_gets_no_round() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let (group, m) = group_of_two(&app, &token).await;
    let swap = BTreeSet::from([(m[0], m[1]), (m[1], m[0])]);
    let first = generate(&app, &token, group).await;
    assert_eq!(pairs(&first), swap);
    assert_eq!(publish(&app, &token, round_id(&first)).await.status(), 200);
    let second = generate(&app, &token, group).await;
    assert_eq!(pairs(&second), swap, "the only possible pairs again");

    let res = app
        .api_post("/api/v1/groups", &token, &json!({ "name": "空小组" }))
        .await;
    let empty: Value = res.json().await.expect("json");
    let version = checklist_version(&app).await;
    let res = app
        .api_post(
            "/api/v1/rounds",
            &token,
            &new_round(empty["id"].as_i64().expect("id"), version, "互查"),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["group_id"],
        message("rounds.too_few_members")
    );
}

#[tokio::test]
async fn adjusting_to_a_self_pair_or_a_member_inspected_twice_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let group = group_id(&app, GROUP_TWO).await;
    let detail = generate(&app, &token, group).await;
    let id = round_id(&detail);
    let before = pairs(&detail);
    let m: Vec<i64> = members_of(&app, group).await.into_iter().collect();

    // m[0] inspects itself.
    let mut selfish: Vec<(i64, i64)> = before.iter().copied().filter(|p| p.1 != m[0]).collect();
    selfish.push((m[0], m[0]));
    let res = put_pairs(&app, &token, id, &selfish).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"][format!("inspector_{}", m[0])],
        message("rounds.self_pair")
    );

    // m[1] inspected twice, m[0] by nobody.
    let mut twice: Vec<(i64, i64)> = before.iter().copied().filter(|p| p.1 != m[0]).collect();
    twice.push((m[2], m[1]));
    let res = put_pairs(&app, &token, id, &twice).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"][format!("inspector_{}", m[1])],
        message("rounds.inspected_twice")
    );
    assert_eq!(
        body["fields"][format!("inspector_{}", m[0])],
        message("rounds.not_inspected")
    );

    let now = app.api_json(&format!("/api/v1/rounds/{id}"), &token).await;
    assert_eq!(pairs(&now), before, "nothing changed");

    // A valid adjustment may leave an inspector with two assignments: saved, with a warning.
    let busy = m[3];
    let mut uneven: Vec<(i64, i64)> = before.iter().copied().collect();
    let extra = uneven
        .iter_mut()
        .find(|(inspector, inspected)| *inspector != busy && *inspected != busy)
        .expect("a pair without the busy member");
    extra.0 = busy;
    let res = put_pairs(&app, &token, id, &uneven).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(pairs(&body), uneven.iter().copied().collect());
    assert_eq!(body["several_assignments"][0]["inspector"], busy);
}

#[tokio::test]
async fn a_published_round_cannot_be_published_again_adjusted_or_discarded() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let detail = generate(&app, &token, group_id(&app, GROUP_ONE).await).await;
    let id = round_id(&detail);
    let res = publish(&app, &token, id).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["round"]["status"], "published");
    let res = publish(&app, &token, id).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["message"], message("rounds.already_published"));
    let same: Vec<(i64, i64)> = pairs(&detail).into_iter().collect();
    assert_eq!(put_pairs(&app, &token, id, &same).await.status(), 409);
    assert_eq!(delete_round(&app, &token, id).await.status(), 409);
}

#[tokio::test]
async fn a_group_has_one_draft_at_a_time_and_a_discarded_draft_leaves_nothing() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let group = group_id(&app, GROUP_ONE).await;
    let detail = generate(&app, &token, group).await;
    let id = round_id(&detail);
    let version = checklist_version(&app).await;
    let res = app
        .api_post(
            "/api/v1/rounds",
            &token,
            &new_round(group, version, "再来一轮"),
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["message"], message("rounds.draft_exists"));

    assert_eq!(delete_round(&app, &token, id).await.status(), 204);
    assert_eq!(
        app.api_get(&format!("/api/v1/rounds/{id}"), &token)
            .await
            .status(),
        404
    );
    let left = inspection::Entity::find()
        .filter(inspection::Column::RoundId.eq(id))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(left, 0);
    let again = generate(&app, &token, group).await;
    assert_eq!(again["round"]["seq"], 1);
}

fn listed(list: &Value, id: i64) -> bool {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|r| r["id"] == id)
}

#[tokio::test]
async fn members_see_a_round_only_once_it_is_published_and_only_their_own_pairs() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let member = app.api_token(ENTERPRISE).await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let detail = generate(&app, &token, group_id(&app, GROUP_ONE).await).await;
    let id = round_id(&detail);

    assert!(!listed(&app.api_json("/api/v1/rounds", &member).await, id));
    assert_eq!(
        app.api_get(&format!("/api/v1/rounds/{id}"), &member)
            .await
            .status(),
        404
    );

    assert_eq!(publish(&app, &token, id).await.status(), 200);
    assert!(listed(&app.api_json("/api/v1/rounds", &member).await, id));
    let seen = app.api_json(&format!("/api/v1/rounds/{id}"), &member).await;
    let mine = pairs(&seen);
    assert_eq!(mine.len(), 2, "inspecting one member, inspected by one");
    assert!(mine.iter().all(|(a, b)| *a == hongtian || *b == hongtian));

    // An enterprise outside the group does not see it; the city bureau does.
    let outsider = app.api_token(ENTERPRISE_OTHER).await;
    assert_eq!(
        app.api_get(&format!("/api/v1/rounds/{id}"), &outsider)
            .await
            .status(),
        404
    );
    let bureau = app.api_token(REGULATOR).await;
    assert!(listed(&app.api_json("/api/v1/rounds", &bureau).await, id));
}

#[tokio::test]
async fn another_alliances_committee_gets_404_for_the_round_and_the_group() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let other = app.api_token(COMMITTEE_REGIONAL).await;
    let group = group_id(&app, GROUP_ONE).await;
    let detail = generate(&app, &token, group).await;
    let id = round_id(&detail);
    let path = format!("/api/v1/rounds/{id}");
    assert_eq!(app.api_get(&path, &other).await.status(), 404);
    assert!(!listed(&app.api_json("/api/v1/rounds", &other).await, id));
    assert_eq!(publish(&app, &other, id).await.status(), 404);
    let same: Vec<(i64, i64)> = pairs(&detail).into_iter().collect();
    assert_eq!(put_pairs(&app, &other, id, &same).await.status(), 404);
    assert_eq!(delete_round(&app, &other, id).await.status(), 404);
    let version = checklist_version(&app).await;
    let res = app
        .api_post("/api/v1/rounds", &other, &new_round(group, version, "越权"))
        .await;
    assert_eq!(res.status(), 404, "another alliance's group");
    let committee_page = app.logged_in(COMMITTEE_REGIONAL).await;
    let res = committee_page.get(&format!("/committee/rounds/{id}")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.api_get(&path, &token).await.status(),
        200,
        "still there"
    );
}

#[tokio::test]
async fn a_round_counts_the_hazards_found_in_its_inspections() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let detail = generate(&app, &token, group_id(&app, GROUP_ONE).await).await;
    let id = round_id(&detail);
    publish(&app, &token, id).await;
    let first = &detail["pairs"][0];
    let inspected = first["inspected_enterprise_id"].as_i64().expect("id");
    let e = portal::models::enterprise::Entity::find_by_id(inspected)
        .one(&app.core.db)
        .await
        .expect("enterprise")
        .expect("exists");
    let now = chrono::Utc::now();
    hazard::ActiveModel {
        inspection_id: Set(first["inspection_id"].as_i64()),
        answer_id: Set(None),
        enterprise_id: Set(inspected),
        region_path: Set(e.region_path),
        alliance_id: Set(detail["round"]["alliance_id"].as_i64()),
        reporter_user_id: Set(None),
        reporter_enterprise_id: Set(first["inspecting_enterprise_id"].as_i64()),
        category: Set(HazardCategory::Fire),
        level: Set(HazardLevel::General),
        major_clause: Set(None),
        title: Set("灭火器压力不足".into()),
        description: Set("车间东侧两具灭火器压力指针在红区".into()),
        location: Set("一号车间".into()),
        legal_basis: Set("《消防法》第十六条".into()),
        suggested_measure: Set("更换灭火器".into()),
        found_at: Set(now),
        deadline: Set(app.core.today()),
        state: Set(HazardState::Reported),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("insert hazard");
    let seen = app.api_json(&format!("/api/v1/rounds/{id}"), &token).await;
    assert_eq!(seen["round"]["hazards"], 1);
    let with_hazard = seen["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| p["inspection_id"] == first["inspection_id"])
        .expect("the pair");
    assert_eq!(with_hazard["hazards"], 1);
    let list = app.api_json("/api/v1/rounds", &token).await;
    let row = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == id)
        .expect("listed");
    assert_eq!(row["hazards"], 1);
    assert_eq!(row["counts"]["planned"], 5);
}

#[tokio::test]
async fn the_committee_generates_adjusts_and_publishes_a_round_on_its_pages() {
    let app = spawn_app().await;
    let v = app.logged_in(COMMITTEE).await;
    let group = group_id(&app, GROUP_TWO).await;
    let version = checklist_version(&app).await.to_string();
    let overview = v.page("/committee/rounds").await;
    assert!(overview.contains(GROUP_TWO));
    let form = v
        .page(&format!("/committee/rounds/new?group_id={group}"))
        .await;
    assert!(
        form.contains(&format!("value=\"{version}\"")),
        "checklists offered"
    );

    // Without a title: refused, values kept.
    let g = group.to_string();
    let fields = [
        ("group_id", g.as_str()),
        ("template_version_id", version.as_str()),
        ("planned_on", "2026-12-10"),
        ("title", ""),
    ];
    let res = v
        .post_form("/committee/rounds", "/committee/rounds/new", &fields)
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("value=\"2026-12-10\""));
    assert!(html.contains(&format!("<option value=\"{group}\" selected")));
    assert!(html.contains(&html_escape(&message("form.required"))));

    let mut fields = fields;
    fields[3] = ("title", "冬季互查");
    let res = v
        .post_form("/committee/rounds", "/committee/rounds/new", &fields)
        .await;
    assert_eq!(res.status(), 303);
    let at = location(&res);
    assert!(at.ends_with("?done=generate"), "{at}");
    let id: i64 = at
        .trim_start_matches("/committee/rounds/")
        .trim_end_matches("?done=generate")
        .parse()
        .expect("round id");
    let page = v.page(&format!("/committee/rounds/{id}")).await;
    assert!(page.contains("冬季互查"));
    let path = format!("/committee/rounds/{id}");

    // Every select set to its own member: refused with the reason, nothing saved.
    let m: Vec<String> = members_of(&app, group)
        .await
        .iter()
        .map(|e| e.to_string())
        .collect();
    let names: Vec<String> = m.iter().map(|e| format!("inspector_{e}")).collect();
    let selfish: Vec<(&str, &str)> = names
        .iter()
        .zip(&m)
        .map(|(n, e)| (n.as_str(), e.as_str()))
        .collect();
    let res = v.post_form(&format!("{path}/pairs"), &path, &selfish).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("rounds.self_pair"))));

    // A rotation by hand: member i inspects member i+1.
    let rotated: Vec<(&str, &str)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), m[(i + m.len() - 1) % m.len()].as_str()))
        .collect();
    let res = v.post_form(&format!("{path}/pairs"), &path, &rotated).await;
    assert_eq!(res.status(), 303);
    let token = app.api_token(COMMITTEE).await;
    let detail = app.api_json(&format!("/api/v1/rounds/{id}"), &token).await;
    let want: BTreeSet<(i64, i64)> = (0..m.len())
        .map(|i| {
            (
                m[(i + m.len() - 1) % m.len()].parse().expect("id"),
                m[i].parse().expect("id"),
            )
        })
        .collect();
    assert_eq!(pairs(&detail), want);

    let res = v
        .post_form(&format!("{path}/publish"), &path, NO_FIELDS)
        .await;
    assert_eq!(res.status(), 303);
    let page = v.page(&path).await;
    let first = detail["pairs"][0]["inspection_id"].as_i64().expect("id");
    assert!(page.contains(&format!("href=\"/inspections/{first}\"")));
    assert!(
        !page.contains(&format!("action=\"{path}/pairs\"")),
        "read-only once published"
    );
    let res = v
        .post_form(&format!("{path}/publish"), &path, NO_FIELDS)
        .await;
    assert_eq!(res.status(), 409);
    let res = v
        .post_form(&format!("{path}/discard"), &path, NO_FIELDS)
        .await;
    assert_eq!(res.status(), 409);
    assert!(v.page("/committee/rounds").await.contains("冬季互查"));
}

#[tokio::test]
async fn the_committee_discards_a_draft_on_its_page() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let detail = generate(&app, &token, group_id(&app, GROUP_ONE).await).await;
    let id = round_id(&detail);
    let v = app.logged_in(COMMITTEE).await;
    let path = format!("/committee/rounds/{id}");
    let res = v
        .post_form(&format!("{path}/discard"), &path, NO_FIELDS)
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/committee/rounds?done=discard");
    assert_eq!(v.get(&path).await.status(), 404);
}

#[tokio::test]
async fn a_retried_generate_or_publish_with_the_same_idempotency_key_gets_the_first_answer() {
    let app = spawn_app().await;
    let token = app.api_token(COMMITTEE).await;
    let group = group_id(&app, GROUP_ONE).await;
    let body = new_round(group, checklist_version(&app).await, "季度互查");
    let send = |path: String, body: Value, key: &'static str| {
        let req = bare_client()
            .post(app.url(&path))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move { req.send().await.expect("POST") }
    };
    let first = send("/api/v1/rounds".into(), body.clone(), "gen-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = send("/api/v1/rounds".into(), body, "gen-1").await;
    assert_eq!(again.status(), 201, "a replay, not 409");
    let again: Value = again.json().await.expect("json");
    assert_eq!(round_id(&again), round_id(&first));
    let rounds = portal::models::inspection_round::Entity::find()
        .filter(portal::models::inspection_round::Column::GroupId.eq(group))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(rounds, 1);

    let path = format!("/api/v1/rounds/{}/publish", round_id(&first));
    assert_eq!(send(path.clone(), json!({}), "pub-1").await.status(), 200);
    assert_eq!(send(path.clone(), json!({}), "pub-1").await.status(), 200);
    assert_eq!(send(path, json!({}), "pub-2").await.status(), 409);
}
