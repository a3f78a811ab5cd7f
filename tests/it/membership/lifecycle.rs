//! The life of a membership: apply, invite, decide, answer, leave; its history; retries.

use super::*;
use portal::domain::membership::Status as MembershipStatus;

#[tokio::test]
async fn an_application_approved_by_the_committee_makes_a_member_with_its_history() {
    let app = spawn_app().await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let (id, m) = huaxin_applies(&app).await;
    assert_eq!(m["enterprise_id"], huaxin);
    assert_eq!(m["alliance_name"], QPW_ALLIANCE);

    let committee = app.api_token(COMMITTEE).await;
    let pending = app
        .api_json("/api/v1/memberships?status=applied", &committee)
        .await;
    assert_eq!(pending["total"], 1, "{pending}");
    assert_eq!(pending["items"][0]["id"], id);
    assert_eq!(
        pending["items"][0]["enterprise_name"],
        "瑞安市华鑫包装有限公司"
    );

    let (status, m) = post(
        &app,
        &format!("/api/v1/memberships/{id}/approve"),
        &committee,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["status"], "approved");
    assert!(m["decided_at"].is_string());

    let enterprise = app.api_token(ENTERPRISE_OTHER).await;
    let history = events(&app, &enterprise, id).await;
    assert_eq!(
        steps(&history),
        vec![
            step(None, "applied", None),
            step(Some("applied"), "approved", None)
        ]
    );
    assert_eq!(
        history[0]["actor_user_id"],
        user_id(&app, &enterprise).await
    );
    assert_eq!(history[0]["actor_name"], "王汉青");
    assert_eq!(history[1]["actor_user_id"], user_id(&app, &committee).await);
    assert_eq!(history[1]["actor_name"], "汽摩配联盟委员会");
    // The committee reads the same history; the audit log has both steps.
    assert_eq!(events(&app, &committee, id).await, history);
    assert_eq!(audited(&app, "membership.apply").await, 1);
    assert_eq!(audited(&app, "membership.approve").await, 1);

    // The new member now counts as one: in the committee's enterprise list and in its file.
    let listed = app
        .api_json("/api/v1/enterprises?per_page=100", &committee)
        .await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["id"] == huaxin),
        "the committee sees its new member"
    );
    let file = app
        .api_json(&format!("/api/v1/enterprises/{huaxin}"), &enterprise)
        .await;
    assert!(
        file["alliances"]
            .as_array()
            .expect("alliances")
            .iter()
            .any(|a| a["alliance_name"] == QPW_ALLIANCE && a["status"] == "approved"),
        "{file}"
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_the_enterprise_may_apply_again() {
    let app = spawn_app().await;
    let (id, _) = huaxin_applies(&app).await;
    let committee = app.api_token(COMMITTEE).await;
    let reject = format!("/api/v1/memberships/{id}/reject");
    for body in [json!({}), json!({ "reason": "  " })] {
        let (status, err) = post(&app, &reject, &committee, body).await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["message"], message("members.reason_required"));
    }
    assert_eq!(event_count(&app, id).await, 1, "nothing happened yet");

    let (status, m) = post(
        &app,
        &reject,
        &committee,
        json!({ "reason": "尚未建立安全生产责任制" }),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["status"], "rejected");
    assert_eq!(m["reason"], "尚未建立安全生产责任制");

    // Applying again reuses the membership and keeps the past.
    let (again, m) = huaxin_applies(&app).await;
    assert_eq!(again, id, "one membership per alliance and enterprise");
    assert!(m["reason"].is_null(), "a fresh round: {m}");
    let history = events(&app, &committee, id).await;
    assert_eq!(
        steps(&history),
        vec![
            step(None, "applied", None),
            step(Some("applied"), "rejected", Some("尚未建立安全生产责任制")),
            step(Some("rejected"), "applied", None),
        ]
    );
    let rows = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::EnterpriseId.eq(app.enterprise_id(HUAXIN).await))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(rows, 2, "the park alliance and the industry alliance");
}

#[tokio::test]
async fn an_invitation_accepted_by_the_enterprise_makes_a_member() {
    let app = spawn_app().await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let committee = app.api_token(COMMITTEE).await;
    let (status, m) = post(
        &app,
        "/api/v1/memberships/invite",
        &committee,
        json!({ "enterprise_id": huaxin, "note": "欢迎加入汽摩配联盟" }),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["status"], "invited");
    let id = id_of(&m);

    let enterprise = app.api_token(ENTERPRISE_OTHER).await;
    let mine = app
        .api_json("/api/v1/memberships?status=invited", &enterprise)
        .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["alliance_name"], QPW_ALLIANCE);
    // The committee cannot answer its own invitation.
    let (status, _) = post(
        &app,
        &format!("/api/v1/memberships/{id}/accept"),
        &committee,
        json!({}),
    )
    .await;
    assert_eq!(status, 403);

    let (status, m) = post(
        &app,
        &format!("/api/v1/memberships/{id}/accept"),
        &enterprise,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["status"], "approved");
    assert_eq!(
        steps(&events(&app, &enterprise, id).await),
        vec![
            step(None, "invited", Some("欢迎加入汽摩配联盟")),
            step(Some("invited"), "approved", None),
        ]
    );
    assert_eq!(audited(&app, "membership.invite").await, 1);
    assert_eq!(audited(&app, "membership.accept").await, 1);
}

#[tokio::test]
async fn a_declined_invitation_is_closed_and_the_committee_may_invite_again() {
    let app = spawn_app().await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let committee = app.api_token(COMMITTEE).await;
    let invite = json!({ "enterprise_id": huaxin });
    let (_, m) = post(
        &app,
        "/api/v1/memberships/invite",
        &committee,
        invite.clone(),
    )
    .await;
    let id = id_of(&m);
    // While it is open, neither side opens another round.
    let (status, err) = post(
        &app,
        "/api/v1/memberships/invite",
        &committee,
        invite.clone(),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(err["message"], message("members.conflict_invited"));
    let enterprise = app.api_token(ENTERPRISE_OTHER).await;
    let (status, err) = post(
        &app,
        "/api/v1/memberships",
        &enterprise,
        json!({ "alliance_id": app.alliance_id(QPW_ALLIANCE).await }),
    )
    .await;
    assert_eq!(status, 409, "answer the invitation instead: {err}");

    let (status, m) = post(
        &app,
        &format!("/api/v1/memberships/{id}/decline"),
        &enterprise,
        json!({ "reason": "暂不参加" }),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["status"], "rejected");
    let (status, m) = post(&app, "/api/v1/memberships/invite", &committee, invite).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(id_of(&m), id);
    assert_eq!(
        steps(&events(&app, &committee, id).await),
        vec![
            step(None, "invited", None),
            step(Some("invited"), "rejected", Some("暂不参加")),
            step(Some("rejected"), "invited", None),
        ]
    );
}

#[tokio::test]
async fn leaving_takes_the_enterprise_out_of_that_alliances_groups_only() {
    let app = spawn_app().await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let mine = app
        .api_json("/api/v1/memberships?status=approved", &enterprise)
        .await;
    let membership_in = |name: &str| {
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|m| m["alliance_name"] == name)
            .map(id_of)
            .unwrap_or_else(|| panic!("qiye1 is in {name}: {mine}"))
    };
    let industry = membership_in(QPW_ALLIANCE);
    let regional = membership_in(HANTIAN_ALLIANCE);
    let admin = app.api_token(ADMIN).await;
    let before = groups_by_name(&app, &admin).await;
    let one = format!("{QPW_ALLIANCE}/汽摩配一组");
    let first = format!("{HANTIAN_ALLIANCE}/第一活动小组");
    assert!(before[&one].1.contains("瑞安市鸿田汽车电器有限公司"));
    assert_eq!(
        before[&first].0.as_deref(),
        Some("瑞安市鸿田汽车电器有限公司")
    );

    let leave = format!("/api/v1/memberships/{industry}/leave");
    let (status, err) = post(&app, &leave, &enterprise, json!({})).await;
    assert_eq!(status, 400, "a reason is needed: {err}");
    assert_eq!(err["message"], message("members.reason_required"));
    let (status, m) = post(&app, &leave, &enterprise, json!({ "reason": "企业转产" })).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["status"], "left");

    let after = groups_by_name(&app, &admin).await;
    assert!(
        !after[&one].1.contains("瑞安市鸿田汽车电器有限公司"),
        "out of 汽摩配一组"
    );
    assert_eq!(after[&one].1.len(), before[&one].1.len() - 1);
    assert_eq!(
        after[&first], before[&first],
        "the other alliance's group is untouched"
    );
    let file = app
        .api_json(&format!("/api/v1/enterprises/{hongtian}"), &enterprise)
        .await;
    let groups: Vec<&str> = file["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(
        groups,
        vec!["第一活动小组"],
        "its file shows the groups it is still in"
    );

    // Leaving the alliance whose group it leads leaves that group without a leader.
    let (status, _) = post(
        &app,
        &format!("/api/v1/memberships/{regional}/leave"),
        &enterprise,
        json!({ "reason": "搬迁出片区" }),
    )
    .await;
    assert_eq!(status, 200);
    let after = groups_by_name(&app, &admin).await;
    assert_eq!(after[&first].0, None);
    assert!(!after[&first].1.contains("瑞安市鸿田汽车电器有限公司"));
    assert_eq!(
        steps(&events(&app, &enterprise, industry).await),
        vec![
            step(None, "approved", None),
            step(Some("approved"), "left", Some("企业转产")),
        ]
    );
    let audit = app
        .api_json("/api/v1/audit?action=membership.leave", &admin)
        .await;
    assert_eq!(audit["total"], 2);
    assert!(
        audit["items"][1]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 activity group")),
        "{audit}"
    );
}

#[tokio::test]
async fn a_stale_or_retried_decision_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let (id, _) = huaxin_applies(&app).await;
    let committee = app.api_token(COMMITTEE).await;
    let approve = format!("/api/v1/memberships/{id}/approve");
    // The same approval sent twice at once: one wins, the other is told.
    let (a, b) = tokio::join!(
        post(&app, &approve, &committee, json!({})),
        post(&app, &approve, &committee, json!({}))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let conflict = if a.0 == 409 { a.1 } else { b.1 };
    assert_eq!(conflict["code"], "conflict");
    assert_eq!(conflict["message"], message("members.conflict_decided"));
    assert_eq!(event_count(&app, id).await, 2);

    // Retried later, or turned into a rejection: still a conflict, still nothing written.
    let (status, _) = post(&app, &approve, &committee, json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = post(
        &app,
        &format!("/api/v1/memberships/{id}/reject"),
        &committee,
        json!({ "reason": "改变主意" }),
    )
    .await;
    assert_eq!(status, 409);
    let enterprise = app.api_token(ENTERPRISE_OTHER).await;
    let (status, err) = post(
        &app,
        "/api/v1/memberships",
        &enterprise,
        json!({ "alliance_id": app.alliance_id(QPW_ALLIANCE).await }),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(err["message"], message("members.conflict_member"));
    assert_eq!(event_count(&app, id).await, 2, "no extra event");
    assert_eq!(audited(&app, "membership.approve").await, 1);
    assert_eq!(audited(&app, "membership.reject").await, 0);
    let m = alliance_membership::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(m.status, MembershipStatus::Approved);
}

#[tokio::test]
async fn every_seeded_member_has_its_approval_in_the_history() {
    let app = spawn_app().await;
    let memberships = alliance_membership::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count");
    let approvals = membership_event::Entity::find()
        .filter(membership_event::Column::ToStatus.eq("approved"))
        .filter(membership_event::Column::FromStatus.is_null())
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(approvals, memberships);
    let committee = app.api_token(COMMITTEE).await;
    let first = app
        .api_json("/api/v1/memberships?per_page=1", &committee)
        .await;
    let history = events(&app, &committee, id_of(&first["items"][0])).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["actor_name"], "system");
    assert!(history[0]["actor_user_id"].is_null());
}

#[tokio::test]
async fn the_history_migration_gives_existing_memberships_their_first_event() {
    use migration::MigratorTrait;
    let app = spawn_app().await;
    let db = &app.core.db;
    let memberships = alliance_membership::Entity::find()
        .count(db)
        .await
        .expect("count");
    // Back to before the history existed (undoing the steps after it too), then forward again.
    let steps = migration::Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261124_000003_membership_history")
        .expect("the history migration")
        + 1;
    migration::Migrator::down(db, Some(steps as u32))
        .await
        .expect("down");
    assert!(
        membership_event::Entity::find().count(db).await.is_err(),
        "the table is gone"
    );
    migration::Migrator::up(db, None).await.expect("up");
    let events = membership_event::Entity::find()
        .all(db)
        .await
        .expect("events");
    assert_eq!(events.len() as u64, memberships);
    assert!(events.iter().all(|e| e.from_status.is_none()
        && e.to_status.as_str() == "approved"
        && e.actor_name == "system"));
}
