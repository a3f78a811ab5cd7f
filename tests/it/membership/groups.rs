//! 活动小组: one group per member and alliance, the leader in the group, scoped lists.

use super::*;

#[tokio::test]
async fn a_member_is_in_at_most_one_group_and_the_leader_is_one_of_the_group() {
    let app = spawn_app().await;
    let committee = app.api_token(COMMITTEE).await;
    let (status, g) = post(
        &app,
        "/api/v1/groups",
        &committee,
        json!({ "name": " 汽摩配四组 " }),
    )
    .await;
    assert_eq!(status, 201, "{g}");
    assert_eq!(g["name"], "汽摩配四组");
    assert_eq!(g["members"].as_array().map(Vec::len), Some(0));
    let group = id_of(&g);
    let members = format!("/api/v1/groups/{group}/members");

    // 瑞韩 is in 汽摩配一组 already.
    let ruihan = app.enterprise_id(RUIHAN).await;
    let (status, err) = post(
        &app,
        &members,
        &committee,
        json!({ "enterprise_id": ruihan }),
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["message"], message("groups.already_grouped"));
    // 华鑫 is not a member of the alliance (yet).
    let huaxin = app.enterprise_id(HUAXIN).await;
    let (status, err) = post(
        &app,
        &members,
        &committee,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["message"], message("groups.not_member"));
    let (id, _) = huaxin_applies(&app).await;
    let (status, err) = post(
        &app,
        &members,
        &committee,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 400, "an applicant is not a member: {err}");
    post(
        &app,
        &format!("/api/v1/memberships/{id}/approve"),
        &committee,
        json!({}),
    )
    .await;
    let (status, g) = post(
        &app,
        &members,
        &committee,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["members"][0]["name"], "瑞安市华鑫包装有限公司");
    let (status, _) = post(
        &app,
        &members,
        &committee,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 409, "twice is refused too");

    // The leader must be in the group.
    let leader = format!("/api/v1/groups/{group}/leader");
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let (status, err) = post(
        &app,
        &leader,
        &committee,
        json!({ "enterprise_id": hongtian }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["message"], message("groups.leader_not_member"));
    let (status, g) = post(
        &app,
        &leader,
        &committee,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(g["leader"]["enterprise_id"], huaxin);

    // Names are unique in the alliance; renaming works.
    let rename = format!("/api/v1/groups/{group}/name");
    let (status, err) = post(&app, &rename, &committee, json!({ "name": "汽摩配一组" })).await;
    assert_eq!(status, 409);
    assert_eq!(err["message"], message("groups.name_taken"));
    let (status, err) = post(&app, &rename, &committee, json!({ "name": "" })).await;
    assert_eq!(status, 400);
    assert_eq!(err["message"], message("groups.name_required"));
    let (status, g) = post(&app, &rename, &committee, json!({ "name": "新会员小组" })).await;
    assert_eq!(status, 200);
    assert_eq!(g["name"], "新会员小组");

    // Removing the leader leaves the group without one; removing again is a conflict.
    let remove = format!("/api/v1/groups/{group}/members/{huaxin}");
    let (status, g) = delete(&app, &remove, &committee).await;
    assert_eq!(status, 200, "{g}");
    assert!(g["leader"].is_null());
    assert_eq!(g["members"].as_array().map(Vec::len), Some(0));
    assert_eq!(delete(&app, &remove, &committee).await.0, 409);
    for action in [
        "group.create",
        "group.member_add",
        "group.leader",
        "group.rename",
        "group.member_remove",
    ] {
        assert_eq!(audited(&app, action).await, 1, "{action}");
    }

    // Another alliance's committee does not find this group; others may not change groups.
    let other = app.api_token(COMMITTEE_REGIONAL).await;
    let (status, _) = post(&app, &members, &other, json!({ "enterprise_id": huaxin })).await;
    assert_eq!(status, 404);
    let enterprise = app.api_token(ENTERPRISE).await;
    let (status, _) = post(
        &app,
        &members,
        &enterprise,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn groups_are_listed_through_the_callers_scope() {
    let app = spawn_app().await;
    let names = |v: Value| -> BTreeSet<String> {
        v.as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                format!(
                    "{}/{}",
                    g["alliance_name"].as_str().unwrap_or(""),
                    g["name"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let committee = app.api_token(COMMITTEE).await;
    let seen = names(app.api_json("/api/v1/groups", &committee).await);
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|n| n.starts_with(QPW_ALLIANCE)));
    let park = app.api_token(ENTERPRISE_OTHER).await;
    let seen = names(app.api_json("/api/v1/groups", &park).await);
    assert_eq!(seen.len(), 2, "the park alliance's groups: {seen:?}");
    assert!(seen.iter().all(|n| n.starts_with(PARK_ALLIANCE)));
    let expert = app.api_token(EXPERT).await;
    assert_eq!(
        names(app.api_json("/api/v1/groups", &expert).await).len(),
        0
    );
    let admin = app.api_token(ADMIN).await;
    assert_eq!(names(app.api_json("/api/v1/groups", &admin).await).len(), 9);
    // 塘下镇's officer sees the groups of the alliance registered in 塘下镇 (the city-wide
    // industry alliance is above it).
    let town = app.api_token(TOWN_REGULATOR).await;
    let seen = names(app.api_json("/api/v1/groups", &town).await);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|n| n.starts_with(HANTIAN_ALLIANCE)));
}
