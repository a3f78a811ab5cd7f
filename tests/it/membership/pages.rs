//! The same through the pages, with CSRF: notices after success, forms shown again on refusal.

use super::*;

#[tokio::test]
async fn an_application_sent_from_the_enterprise_page_is_approved_on_the_committee_page() {
    let app = spawn_app().await;
    let qpw = app.alliance_id(QPW_ALLIANCE).await;
    let firm = app.logged_in(ENTERPRISE_OTHER).await;
    let html = firm.page("/enterprise/alliances").await;
    assert!(html.contains(PARK_ALLIANCE), "its current alliance");
    assert!(html.contains("action=\"/enterprise/alliances/apply\""));
    // Without the CSRF token nothing happens.
    let res = firm
        .post_raw(
            "/enterprise/alliances/apply",
            &[("alliance_id", &qpw.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = firm
        .post_form(
            "/enterprise/alliances/apply",
            "/enterprise/alliances",
            &[("alliance_id", &qpw.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise/alliances?done=apply");
    let html = firm.page("/enterprise/alliances?done=apply").await;
    assert!(html.contains(&html_escape(&message("members.done_apply"))));
    assert!(html.contains(&html_escape(&message("members.my_applications"))));

    let committee = app.logged_in(COMMITTEE).await;
    let html = committee.page("/committee/members").await;
    let id = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(qpw))
        .filter(alliance_membership::Column::Status.eq("applied"))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("the application")
        .id;
    let approve = format!("/committee/members/{id}/approve");
    assert!(html.contains(&format!("action=\"{approve}\"")));
    assert!(html.contains("瑞安市华鑫包装有限公司"));
    let res = committee
        .post_form(&approve, "/committee/members", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/committee/members?done=approve");
    let html = committee.page("/committee/members?done=approve").await;
    assert!(html.contains(&html_escape(&message("members.done_approve"))));
    assert!(
        !html.contains(&format!("action=\"{approve}\"")),
        "no longer pending"
    );
    assert!(html.contains("王汉青"), "the history names who applied");

    // The same form sent again: a 409 page saying so, nothing written.
    let res = committee
        .post_form(&approve, "/committee/members", &[])
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.expect("body");
    assert!(html.contains("<main"));
    assert!(html.contains(&html_escape(&message("members.conflict_decided"))));
    assert_eq!(event_count(&app, id).await, 2);

    let html = firm.page("/enterprise/alliances").await;
    assert!(html.contains(&format!("action=\"/enterprise/alliances/{id}/leave\"")));
}

#[tokio::test]
async fn a_refused_form_comes_back_with_what_was_entered_and_why() {
    let app = spawn_app().await;
    let (id, _) = huaxin_applies(&app).await;
    let committee = app.logged_in(COMMITTEE).await;
    // Rejecting without a reason.
    let res = committee
        .post_form(
            &format!("/committee/members/{id}/reject"),
            "/committee/members",
            &[("reason", " ")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("members.reason_required"))));
    assert!(html.contains(&format!("action=\"/committee/members/{id}/reject\"")));
    assert!(csrf_in(&html).is_some(), "the form can be sent again");
    // With one, it goes through and the page says so.
    let res = committee
        .post_form(
            &format!("/committee/members/{id}/reject"),
            "/committee/members",
            &[("reason", "材料不全")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = committee.page(&location(&res)).await;
    assert!(html.contains(&html_escape(&message("members.done_reject"))));
    assert!(html.contains("材料不全"), "the reason shows in the history");

    // A group name already taken: the name comes back in the form.
    let res = committee
        .post_form(
            "/committee/groups",
            "/committee/groups",
            &[("name", "汽摩配一组")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("groups.name_taken"))));
    assert!(html.contains(
        "id=\"group-name\" name=\"name\" maxlength=\"64\" required value=\"汽摩配一组\""
    ));

    // Leaving without a reason on the enterprise page.
    let firm = app.logged_in(ENTERPRISE).await;
    let industry = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(app.alliance_id(QPW_ALLIANCE).await))
        .filter(alliance_membership::Column::EnterpriseId.eq(app.enterprise_id(HONGTIAN).await))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("membership")
        .id;
    let res = firm
        .post_form(
            &format!("/enterprise/alliances/{industry}/leave"),
            "/enterprise/alliances",
            &[("reason", "")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("members.reason_required"))));
    assert!(
        html.contains("<details open>"),
        "the leave form is open again"
    );
}

#[tokio::test]
async fn the_committee_manages_groups_on_its_page() {
    let app = spawn_app().await;
    let v = app.logged_in(COMMITTEE).await;
    let html = v.page("/committee/groups").await;
    for group in ["汽摩配一组", "汽摩配二组", "汽摩配三组"] {
        assert!(html.contains(group));
    }
    assert!(html.contains(&html_escape(&message("groups.all_grouped"))));
    let res = v
        .post_form(
            "/committee/groups",
            "/committee/groups",
            &[("name", "汽摩配四组")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/committee/groups?done=create");
    let html = v.page("/committee/groups?done=create").await;
    assert!(html.contains("汽摩配四组"));
    assert!(html.contains(&html_escape(&message("groups.done_create"))));

    // Moving 瑞韩 from 汽摩配一组 to the new group: first out, then in, then the leader.
    let committee = app.api_token(COMMITTEE).await;
    let groups = app.api_json("/api/v1/groups", &committee).await;
    let id_named = |name: &str| {
        groups
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["name"] == name)
            .map(id_of)
            .expect("group")
    };
    let (one, four) = (id_named("汽摩配一组"), id_named("汽摩配四组"));
    let ruihan = app.enterprise_id(RUIHAN).await.to_string();
    let res = v
        .post_form(
            &format!("/committee/groups/{four}/members"),
            "/committee/groups",
            &[("enterprise_id", &ruihan)],
        )
        .await;
    assert_eq!(res.status(), 409, "still in 汽摩配一组");
    let res = v
        .post_form(
            &format!("/committee/groups/{one}/members/{ruihan}/remove"),
            "/committee/groups",
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    for (path, done) in [
        (format!("/committee/groups/{four}/members"), "add"),
        (format!("/committee/groups/{four}/leader"), "leader"),
    ] {
        let res = v
            .post_form(&path, "/committee/groups", &[("enterprise_id", &ruihan)])
            .await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(location(&res), format!("/committee/groups?done={done}"));
    }
    let res = v
        .post_form(
            &format!("/committee/groups/{four}/rename"),
            "/committee/groups",
            &[("name", "龙头企业小组")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let after = groups_by_name(&app, &committee).await;
    let four = &after[&format!("{QPW_ALLIANCE}/龙头企业小组")];
    assert_eq!(four.0.as_deref(), Some("浙江瑞韩汽车部件有限公司"));
    assert_eq!(
        four.1,
        BTreeSet::from(["浙江瑞韩汽车部件有限公司".to_string()])
    );
    let one = &after[&format!("{QPW_ALLIANCE}/汽摩配一组")];
    assert_eq!(one.0, None, "汽摩配一组 lost its leader");
}

#[tokio::test]
async fn the_portals_link_to_the_new_pages() {
    let app = spawn_app().await;
    let v = app.logged_in(COMMITTEE).await;
    let html = v.page("/committee").await;
    let link = |path: &str| format!("href=\"{}\"", html_escape(path));
    assert!(html.contains(&link("/committee/members")));
    assert!(html.contains(&link("/committee/groups")));
    for username in [ENTERPRISE, STAFF] {
        let v = app.logged_in(username).await;
        let html = v.page("/enterprise").await;
        assert!(html.contains(&link("/enterprise/alliances")), "{username}");
    }
    // And they render in English too.
    let v = app.logged_in(COMMITTEE).await;
    v.get("/lang/en?next=/committee/members").await;
    let html = v.page("/committee/members").await;
    assert!(html.contains(&html_escape(&portal::i18n::t(
        portal::i18n::Lang::En,
        "members.applications"
    ))));
}
