//! The seed writes alliances, memberships and activity groups through the services the pages
//! and the API use: it refuses what they refuse, with the same message, writes nothing then,
//! and leaves the same history and audit records (authored by the system).

use std::collections::BTreeSet;

use portal::domain::membership::Status;
use portal::error::AppError;
use portal::models::{activity_group, alliance, alliance_membership, enterprise, group_member};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;

const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";
const NEW_NAME: &str = "塘下镇鸿田片区安全生产互助联盟";
/// 浙江瑞韩汽车部件有限公司 (韩田村).
const RUIHAN: &str = "91330381MA22WWTGXK";

/// Only these alliances: everything they refer to is in the database already.
fn only(alliances: Vec<seed::AllianceFixture>) -> seed::DemoData {
    seed::DemoData {
        regions: Vec::new(),
        industries: Vec::new(),
        risk_tags: Vec::new(),
        enterprises: Vec::new(),
        alliances,
        experts: Vec::new(),
        accounts: Vec::new(),
        checklists: Vec::new(),
        publications: Vec::new(),
        expert_requests: Vec::new(),
    }
}

/// A new alliance in 塘下镇 led by 鸿田, with 瑞韩 as its second member and no groups.
fn new_alliance() -> seed::AllianceFixture {
    seed::AllianceFixture {
        name: NEW_NAME.into(),
        kind: "regional".into(),
        region: "330381101".into(),
        lead: HONGTIAN.into(),
        founded_on: "2024-03-15".into(),
        charter: "成员单位每月轮流组织互查，隐患闭环销号。".into(),
        members: vec![HONGTIAN.into(), RUIHAN.into()],
        groups: Vec::new(),
    }
}

/// The message the user would read for the seed's refusal (a 400 or 409 with one key).
fn refusal_message(err: &AppError) -> String {
    match err {
        AppError::BadRequest(key) | AppError::Conflict(key) => message(key),
        other => panic!("not a refusal with a message: {other:?}"),
    }
}

async fn count_alliances(app: &TestApp) -> u64 {
    alliance::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count alliances")
}

async fn count_groups(app: &TestApp) -> u64 {
    activity_group::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count groups")
}

#[tokio::test]
async fn the_seed_refuses_an_alliance_registration_refuses_with_the_same_fields() {
    let app = spawn_app().await;
    // Name taken, and the lead (韩田村) outside the region (鲍田村).
    let mut bad = new_alliance();
    bad.name = HANTIAN_ALLIANCE.into();
    bad.region = "330381101202".into();
    let admin = app.api_token(ADMIN).await;
    let body = json!({
        "name": bad.name,
        "kind": bad.kind,
        "region": bad.region,
        "lead": bad.lead,
        "charter": bad.charter,
        "founded_on": bad.founded_on,
    });
    let res = app.api_post("/api/v1/alliances", &admin, &body).await;
    assert_eq!(res.status(), 422);
    let refused: Value = res.json().await.expect("json");
    assert_eq!(refused["fields"]["name"], message("alliances.name_taken"));
    assert_eq!(refused["fields"]["lead"], message("alliances.lead_outside"));

    let before = count_alliances(&app).await;
    let err = portal::services::seed::load(&app.core, &only(vec![bad]))
        .await
        .expect_err("the seed refuses the alliance");
    let AppError::Validation(errors) = err else {
        panic!("not a validation error: {err:?}");
    };
    let fields: serde_json::Map<String, Value> = errors
        .0
        .iter()
        .map(|(field, key)| (field.to_string(), Value::from(message(key))))
        .collect();
    assert_eq!(Value::Object(fields), refused["fields"]);
    assert_eq!(count_alliances(&app).await, before, "nothing written");
}

#[tokio::test]
async fn the_seed_refuses_a_member_outside_the_region_as_an_invitation_does() {
    let app = spawn_app().await;
    // 华鑫 (锦湖街道) lies outside 塘下镇.
    let huaxin = app.enterprise_id(HUAXIN).await;
    let committee = app.api_token(COMMITTEE_REGIONAL).await;
    let res = app
        .api_post(
            "/api/v1/memberships/invite",
            &committee,
            &json!({ "enterprise_id": huaxin }),
        )
        .await;
    assert_eq!(res.status(), 400);
    let refused: Value = res.json().await.expect("json");

    let mut bad = new_alliance();
    bad.members.push(HUAXIN.into());
    let before = count_alliances(&app).await;
    let err = portal::services::seed::load(&app.core, &only(vec![bad]))
        .await
        .expect_err("the seed refuses the member");
    assert_eq!(refusal_message(&err), refused["message"]);
    assert_eq!(
        refusal_message(&err),
        message("members.not_eligible_enterprise")
    );
    assert_eq!(count_alliances(&app).await, before, "nothing written");
}

#[tokio::test]
async fn the_seed_refuses_a_group_leader_who_is_not_a_member_as_the_page_does() {
    let app = spawn_app().await;
    // Through the API: a fresh group of 汽摩配联盟, 瑞韩 (a member of the alliance) not in it.
    let committee = app.api_token(COMMITTEE).await;
    let res = app
        .api_post(
            "/api/v1/groups",
            &committee,
            &json!({ "name": "汽摩配四组" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let g: Value = res.json().await.expect("json");
    let ruihan = app.enterprise_id(RUIHAN).await;
    let res = app
        .api_post(
            &format!("/api/v1/groups/{}/leader", g["id"]),
            &committee,
            &json!({ "enterprise_id": ruihan }),
        )
        .await;
    assert_eq!(res.status(), 400);
    let refused: Value = res.json().await.expect("json");

    let mut bad = new_alliance();
    bad.groups = vec![seed::GroupFixture {
        name: "鸿田一组".into(),
        leader: RUIHAN.into(),
        members: vec![HONGTIAN.into()],
    }];
    let (alliances, groups) = (count_alliances(&app).await, count_groups(&app).await);
    let err = portal::services::seed::load(&app.core, &only(vec![bad]))
        .await
        .expect_err("the seed refuses the leader");
    assert_eq!(refusal_message(&err), refused["message"]);
    assert_eq!(refusal_message(&err), message("groups.leader_not_member"));
    assert_eq!(count_alliances(&app).await, alliances, "nothing written");
    assert_eq!(count_groups(&app).await, groups, "nothing written");
}

#[tokio::test]
async fn the_seed_refuses_a_member_in_two_groups_of_an_alliance_as_the_page_does() {
    let app = spawn_app().await;
    let mut bad = new_alliance();
    let group = |name: &str| seed::GroupFixture {
        name: name.into(),
        leader: HONGTIAN.into(),
        members: vec![HONGTIAN.into()],
    };
    bad.groups = vec![group("鸿田一组"), group("鸿田二组")];
    let before = count_groups(&app).await;
    let err = portal::services::seed::load(&app.core, &only(vec![bad.clone()]))
        .await
        .expect_err("the seed refuses the second placement");
    assert_eq!(refusal_message(&err), message("groups.already_grouped"));

    // Two groups of one name: refused as the page refuses it.
    bad.groups = vec![group("鸿田一组"), group("鸿田一组")];
    bad.groups[1].leader = RUIHAN.into();
    bad.groups[1].members = vec![RUIHAN.into()];
    let err = portal::services::seed::load(&app.core, &only(vec![bad]))
        .await
        .expect_err("the seed refuses the name");
    assert_eq!(refusal_message(&err), message("groups.name_taken"));
    assert_eq!(count_groups(&app).await, before, "nothing written");
}

/// The credit codes of the enterprises with these ids.
async fn codes(app: &TestApp, ids: impl IntoIterator<Item = i64>) -> BTreeSet<String> {
    let ids: Vec<i64> = ids.into_iter().collect();
    enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(&app.core.db)
        .await
        .expect("enterprises")
        .into_iter()
        .map(|e| e.credit_code)
        .collect()
}

#[tokio::test]
async fn the_seeded_alliances_members_and_groups_are_the_fixtures_and_audited_by_the_system() {
    let app = spawn_app().await;
    let demo = seed::demo().expect("fixtures");
    let db = &app.core.db;
    for f in &demo.alliances {
        let a = alliance::Entity::find()
            .filter(alliance::Column::Name.eq(f.name.as_str()))
            .one(db)
            .await
            .expect("alliance")
            .unwrap_or_else(|| panic!("{} seeded", f.name));
        assert_eq!(
            codes(&app, a.lead_enterprise_id).await,
            BTreeSet::from([f.lead.clone()])
        );
        let members = alliance_membership::Entity::find()
            .filter(alliance_membership::Column::AllianceId.eq(a.id))
            .all(db)
            .await
            .expect("members");
        assert!(members.iter().all(|m| m.status == Status::Approved));
        let want: BTreeSet<String> = f.members.iter().cloned().collect();
        assert_eq!(
            codes(&app, members.iter().map(|m| m.enterprise_id)).await,
            want,
            "{}",
            f.name
        );
        let groups = activity_group::Entity::find()
            .filter(activity_group::Column::AllianceId.eq(a.id))
            .all(db)
            .await
            .expect("groups");
        assert_eq!(groups.len(), f.groups.len(), "{}", f.name);
        for fg in &f.groups {
            let g = groups
                .iter()
                .find(|g| g.name == fg.name)
                .unwrap_or_else(|| panic!("group {}", fg.name));
            assert_eq!(
                codes(&app, g.leader_enterprise_id).await,
                BTreeSet::from([fg.leader.clone()])
            );
            let in_group = group_member::Entity::find()
                .filter(group_member::Column::GroupId.eq(g.id))
                .all(db)
                .await
                .expect("group members");
            let want: BTreeSet<String> = fg.members.iter().cloned().collect();
            assert_eq!(
                codes(&app, in_group.iter().map(|m| m.enterprise_id)).await,
                want
            );
        }
    }
    let admin = app.api_token(ADMIN).await;
    let by_system = |action: &str| format!("/api/v1/audit?action={action}&actor=system");
    let created = app.api_json(&by_system("alliance.create"), &admin).await;
    assert_eq!(created["total"], demo.alliances.len());
    let members: usize = demo.alliances.iter().map(|a| a.members.len()).sum();
    // The lead's membership comes with the registration; the others are admitted.
    let admitted = app.api_json(&by_system("membership.admit"), &admin).await;
    assert_eq!(admitted["total"], members - demo.alliances.len());
    let groups: usize = demo.alliances.iter().map(|a| a.groups.len()).sum();
    let created = app.api_json(&by_system("group.create"), &admin).await;
    assert_eq!(created["total"], groups);
    let leaders = app.api_json(&by_system("group.leader"), &admin).await;
    assert_eq!(leaders["total"], groups);
}

/// The fields of a validation refusal, each with the message the user reads.
fn refused_fields(err: AppError) -> Value {
    let AppError::Validation(errors) = err else {
        panic!("not a validation error: {err:?}");
    };
    Value::Object(
        errors
            .0
            .iter()
            .map(|(field, key)| (field.to_string(), Value::from(message(key))))
            .collect(),
    )
}

#[tokio::test]
async fn the_seed_refuses_industries_and_risk_tags_the_catalog_page_refuses() {
    let app = spawn_app().await;
    let admin = app.api_token(ADMIN).await;
    let industry = seed::IndustryFixture {
        code: "C3699".into(),
        name: "测试行业".into(),
        parent: Some("C13".into()),
    };
    let tag = seed::RiskTagFixture {
        code: "lithium".into(),
        name: "粉尘涉爆".into(),
    };
    let res = app
        .api_post(
            "/api/v1/industries",
            &admin,
            &json!({ "code": industry.code, "name": industry.name, "parent": "C13" }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let by_page: Value = res.json().await.expect("json");
    let res = app
        .api_post(
            "/api/v1/risk-tags",
            &admin,
            &json!({ "code": tag.code, "name": tag.name }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let tag_by_page: Value = res.json().await.expect("json");

    let mut data = only(Vec::new());
    data.industries = vec![industry];
    let err = portal::services::seed::load(&app.core, &data)
        .await
        .expect_err("the seed refuses the industry");
    assert_eq!(refused_fields(err), by_page["fields"]);
    assert_eq!(
        by_page["fields"]["parent"],
        message("catalog.parent_prefix")
    );

    let mut data = only(Vec::new());
    data.risk_tags = vec![tag];
    let err = portal::services::seed::load(&app.core, &data)
        .await
        .expect_err("the seed refuses the risk tag");
    assert_eq!(refused_fields(err), tag_by_page["fields"]);
    assert_eq!(
        tag_by_page["fields"]["name"],
        message("catalog.tag_name_taken")
    );
}
