//! Who may do what: staff, other alliances' committees, regions, eligibility.

use super::*;

#[tokio::test]
async fn enterprise_staff_see_the_memberships_but_cannot_act() {
    let app = spawn_app().await;
    let staff = app.api_token(STAFF).await;
    let mine = app.api_json("/api/v1/memberships", &staff).await;
    assert_eq!(
        mine["total"], 2,
        "qiye1's enterprise is in two alliances: {mine}"
    );
    let id = id_of(&mine["items"][0]);
    for (path, body) in [
        (
            "/api/v1/memberships".to_string(),
            json!({ "alliance_id": app.alliance_id(PARK_ALLIANCE).await }),
        ),
        (
            format!("/api/v1/memberships/{id}/leave"),
            json!({ "reason": "x" }),
        ),
        (format!("/api/v1/memberships/{id}/accept"), json!({})),
        (format!("/api/v1/memberships/{id}/decline"), json!({})),
    ] {
        let (status, err) = post(&app, &path, &staff, body).await;
        assert_eq!(status, 403, "{path}: {err}");
        assert_eq!(err["code"], "forbidden");
    }
    assert_eq!(event_count(&app, id).await, 1);

    // The page shows the memberships, without the forms; its forms answer 403.
    let v = app.logged_in(STAFF).await;
    let html = v.page("/enterprise/alliances").await;
    assert!(html.contains(QPW_ALLIANCE));
    assert!(html.contains(&html_escape(&message("members.view_only"))));
    assert!(!html.contains("action=\"/enterprise/alliances/apply\""));
    assert!(!html.contains("/leave\""));
    let res = v
        .post_form(
            &format!("/enterprise/alliances/{id}/leave"),
            "/enterprise/alliances",
            &[("reason", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.expect("body").contains("<main"));
    assert_eq!(event_count(&app, id).await, 1, "still nothing happened");
}

#[tokio::test]
async fn another_alliances_committee_gets_not_found_for_a_membership() {
    let app = spawn_app().await;
    let (id, _) = huaxin_applies(&app).await;
    let other = app.api_token(COMMITTEE_REGIONAL).await;
    for action in ["approve", "reject"] {
        let (status, err) = post(
            &app,
            &format!("/api/v1/memberships/{id}/{action}"),
            &other,
            json!({ "reason": "x" }),
        )
        .await;
        assert_eq!(status, 404, "{action}: {err}");
        assert_eq!(err["code"], "not_found");
    }
    let res = app
        .api_get(&format!("/api/v1/memberships/{id}/events"), &other)
        .await;
    assert_eq!(res.status(), 404);
    let listed = app
        .api_json("/api/v1/memberships?per_page=100", &other)
        .await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["alliance_name"] == HANTIAN_ALLIANCE),
        "only its own alliance's memberships"
    );
    // Another enterprise, and an expert, do not find it either.
    for username in [ENTERPRISE, EXPERT] {
        let token = app.api_token(username).await;
        let res = app
            .api_get(&format!("/api/v1/memberships/{id}/events"), &token)
            .await;
        assert_eq!(res.status(), 404, "{username}");
    }
    let expert = app.api_token(EXPERT).await;
    assert_eq!(
        app.api_json("/api/v1/memberships", &expert).await["total"],
        0
    );
    // Through the page too: a 404 page, nothing changed.
    let v = app.logged_in(COMMITTEE_REGIONAL).await;
    let res = v
        .post_form(
            &format!("/committee/members/{id}/approve"),
            "/committee/members",
            &[],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(event_count(&app, id).await, 1);
}

#[tokio::test]
async fn an_enterprise_cannot_apply_to_an_alliance_whose_region_does_not_contain_it() {
    let app = spawn_app().await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let enterprise = app.api_token(ENTERPRISE_OTHER).await;
    let hantian = app.alliance_id(HANTIAN_ALLIANCE).await;
    for alliance_id in [hantian, 999_999] {
        let (status, err) = post(
            &app,
            "/api/v1/memberships",
            &enterprise,
            json!({ "alliance_id": alliance_id }),
        )
        .await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["message"], message("members.not_eligible_alliance"));
    }
    let rows = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::EnterpriseId.eq(huaxin))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(rows, 1, "only its park alliance membership");
    // Nor may that alliance's committee invite it.
    let committee = app.api_token(COMMITTEE_REGIONAL).await;
    let (status, err) = post(
        &app,
        "/api/v1/memberships/invite",
        &committee,
        json!({ "enterprise_id": huaxin }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["message"], message("members.not_eligible_enterprise"));
    // The apply form offers what it may apply to, and nothing else.
    let v = app.logged_in(ENTERPRISE_OTHER).await;
    let html = v.page("/enterprise/alliances").await;
    assert!(html.contains(&format!(
        "<option value=\"{}\"",
        app.alliance_id(QPW_ALLIANCE).await
    )));
    assert!(!html.contains(&format!("<option value=\"{hantian}\"")));
    let park = app.alliance_id(PARK_ALLIANCE).await;
    assert!(
        !html.contains(&format!("<option value=\"{park}\"")),
        "already a member"
    );
}

#[tokio::test]
async fn a_committee_invites_only_enterprises_inside_its_region_not_already_in() {
    let app = spawn_app().await;
    let v = app.logged_in(COMMITTEE_REGIONAL).await;
    let html = v.page("/committee/members").await;
    let alliance = alliance::Entity::find_by_id(app.alliance_id(HANTIAN_ALLIANCE).await)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("alliance");
    let members: BTreeSet<i64> = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(alliance.id))
        .all(&app.core.db)
        .await
        .expect("members")
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    let all = enterprise::Entity::find()
        .all(&app.core.db)
        .await
        .expect("enterprises");
    let mut offered = 0;
    for e in &all {
        let option = format!("<option value=\"{}\"", e.id);
        let inside = e.region_path.starts_with(&alliance.region_path);
        let expected = inside && !members.contains(&e.id);
        assert_eq!(html.contains(&option), expected, "{} offered?", e.name);
        offered += usize::from(expected);
    }
    assert_eq!(offered, 1, "塘下镇 has ten enterprises, nine are members");
}

#[tokio::test]
async fn a_bureau_sees_the_memberships_of_its_region() {
    let app = spawn_app().await;
    let all = alliance_membership::Entity::find()
        .all(&app.core.db)
        .await
        .expect("memberships");
    let alliances = alliance::Entity::find()
        .all(&app.core.db)
        .await
        .expect("alliances");
    let enterprises = enterprise::Entity::find()
        .all(&app.core.db)
        .await
        .expect("enterprises");
    let town = "/330381/330381101/";
    let expected: BTreeSet<i64> = all
        .iter()
        .filter(|m| {
            alliances
                .iter()
                .any(|a| a.id == m.alliance_id && a.region_path.starts_with(town))
                || enterprises
                    .iter()
                    .any(|e| e.id == m.enterprise_id && e.region_path.starts_with(town))
        })
        .map(|m| m.id)
        .collect();
    assert!(expected.len() < all.len());
    let listed = |page: Value| -> BTreeSet<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(id_of)
            .collect()
    };
    let town_token = app.api_token(TOWN_REGULATOR).await;
    let page = app
        .api_json("/api/v1/memberships?per_page=100", &town_token)
        .await;
    assert_eq!(listed(page), expected);
    let city = app.api_token(REGULATOR).await;
    let page = app
        .api_json("/api/v1/memberships?per_page=100", &city)
        .await;
    assert_eq!(page["total"].as_u64(), Some(all.len() as u64));
    // Filters narrow the list.
    let park = app.alliance_id(PARK_ALLIANCE).await;
    let page = app
        .api_json(
            &format!("/api/v1/memberships?alliance_id={park}&status=approved"),
            &city,
        )
        .await;
    assert_eq!(page["total"], 9);
    let res = app
        .api_get("/api/v1/memberships?status=nonsense", &city)
        .await;
    assert_eq!(res.status(), 400);
}
