//! 宣传覆盖: the audience of a publication (a bureau's region, a committee's approved members),
//! the notices written when it is published, first reads and acknowledgements recorded once
//! (enterprise accounts only), the reach figures on known data, the reminder (non-readers only,
//! once per 24 hours) and who may see the figures.

use chrono::Duration;
use portal::domain::membership::Status as MembershipStatus;
use portal::domain::role::Role;
use portal::models::{alliance_membership, notification, publication_read};
use portal::services::audit::Author;
use portal::services::users::{self, NewUser};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::{Value, json};

use crate::helpers::*;

/// 浙江瑞韩汽车部件有限公司: 塘下镇 (the same village as 鸿田), in the industry alliance.
const RUIHAN: &str = "91330381MA22WWTGXK";
/// 瑞安市塘下宏达电镀有限公司: 塘下镇, not in the industry alliance.
const HONGDA: &str = "91330381MA2W393Y8N";

fn notice(title: &str, requires_ack: bool) -> Value {
    json!({
        "kind": "notice",
        "title": title,
        "issuer": "瑞安市应急管理局",
        "published_on": "2026-12-01",
        "body": "各企业：请认真学习并落实。",
        "requires_ack": requires_ack,
    })
}

async fn publish(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = app.api_post("/api/v1/publications", token, &body).await;
    assert_eq!(res.status(), 201, "publish {body}");
    let v: Value = res.json().await.expect("json");
    v["id"].as_i64().expect("id")
}

/// An enterprise account (admin role) of the enterprise with this credit code.
async fn account(app: &TestApp, username: &str, credit_code: &str) -> i64 {
    let txn = app.core.db.begin().await.expect("begin");
    let u = users::create(
        &app.core,
        &txn,
        &Author::system(),
        NewUser {
            username: username.into(),
            display_name: username.into(),
            password: PASSWORD.into(),
            role: Role::EnterpriseAdmin,
            email: Some(format!("{username}@example.com")),
            region_code: None,
            alliance_name: None,
            enterprise_credit_code: Some(credit_code.into()),
            expert_id: None,
        },
    )
    .await
    .expect("create account");
    txn.commit().await.expect("commit");
    u.id
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    use portal::models::user;
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("user")
        .id
}

/// The notices of `kind` a user has.
async fn notices(app: &TestApp, user_id: i64, kind: &str) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::Kind.eq(kind))
        .count(&app.core.db)
        .await
        .expect("count")
}

async fn reads(app: &TestApp, publication_id: i64) -> u64 {
    publication_read::Entity::find()
        .filter(publication_read::Column::PublicationId.eq(publication_id))
        .count(&app.core.db)
        .await
        .expect("count")
}

async fn read(app: &TestApp, token: &str, id: i64) {
    let res = app
        .api_get(&format!("/api/v1/publications/{id}"), token)
        .await;
    assert_eq!(res.status(), 200);
}

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {rows}"))
}

/// (enterprises, read, acked, read %, acked %) and the same by account.
fn figures(v: &Value) -> (Value, Value) {
    (
        json!([
            v["enterprises"],
            v["read_enterprises"],
            v["acked_enterprises"],
            v["read_enterprises_pct"],
            v["acked_enterprises_pct"]
        ]),
        json!([
            v["accounts"],
            v["read_accounts"],
            v["acked_accounts"],
            v["read_accounts_pct"],
            v["acked_accounts_pct"]
        ]),
    )
}

#[tokio::test]
async fn a_city_notice_reaches_every_enterprise_account_and_the_figures_add_up_by_town_alliance_and_enterprise()
 {
    let app = spawn_app().await;
    let ruihan = account(&app, "ruihan1", RUIHAN).await;
    let hongda = account(&app, "hongda1", HONGDA).await;
    // An inactive account is no audience.
    use portal::models::user;
    let mut off: user::ActiveModel = user::Entity::find_by_id(hongda)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("user")
        .into();
    off.active = Set(false);
    off.update(&app.core.db).await.expect("deactivate");

    let yjj = app.api_token(REGULATOR).await;
    let id = publish(&app, &yjj, notice("关于开展安全生产月活动的通知", true)).await;
    // The audience is told: 4 enterprise accounts, and nobody else.
    for name in [ENTERPRISE, STAFF, ENTERPRISE_OTHER] {
        let u = user_id(&app, name).await;
        assert_eq!(notices(&app, u, "publication_ack").await, 1, "{name}");
    }
    assert_eq!(notices(&app, ruihan, "publication_ack").await, 1);
    assert_eq!(
        notices(&app, hongda, "publication_ack").await,
        0,
        "inactive"
    );
    for name in [REGULATOR, COMMITTEE, EXPERT] {
        let u = user_id(&app, name).await;
        assert_eq!(notices(&app, u, "publication_ack").await, 0, "{name}");
    }

    // qiye1 reads and acknowledges, its staff reads, qiye2 reads; ruihan1 does not.
    let qiye1 = app.api_token(ENTERPRISE).await;
    read(&app, &qiye1, id).await;
    let res = app
        .api_post(
            &format!("/api/v1/publications/{id}/acknowledge"),
            &qiye1,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    read(&app, &app.api_token(STAFF).await, id).await;
    read(&app, &app.api_token(ENTERPRISE_OTHER).await, id).await;
    // Reads by other roles are not recorded.
    read(&app, &yjj, id).await;
    read(&app, &app.api_token(TOWN_REGULATOR).await, id).await;
    read(&app, &app.api_token(EXPERT).await, id).await;
    assert_eq!(reads(&app, id).await, 3);

    let r = app
        .api_json(&format!("/api/v1/publications/{id}/reach"), &yjj)
        .await;
    assert_eq!(
        figures(&r["totals"]),
        (json!([3, 2, 1, 66.7, 33.3]), json!([4, 3, 1, 75.0, 25.0])),
        "{r}"
    );
    let tangxia = row(&r["by_region"], "塘下镇");
    assert_eq!(
        figures(tangxia),
        (json!([2, 1, 1, 50.0, 50.0]), json!([3, 2, 1, 66.7, 33.3])),
        "{r}"
    );
    assert_eq!(r["by_region"].as_array().map(Vec::len), Some(2), "{r}");
    let qpw = row(&r["by_alliance"], QPW_ALLIANCE);
    assert_eq!(
        figures(qpw),
        (json!([2, 1, 1, 50.0, 50.0]), json!([3, 2, 1, 66.7, 33.3])),
        "{r}"
    );
    let items = &r["by_enterprise"]["items"];
    assert_eq!(r["by_enterprise"]["total"], 3, "{r}");
    assert_eq!(
        figures(row(items, "瑞安市鸿田汽车电器有限公司")),
        (
            json!([1, 1, 1, 100.0, 100.0]),
            json!([2, 2, 1, 100.0, 50.0])
        )
    );
    assert_eq!(
        figures(row(items, "浙江瑞韩汽车部件有限公司")),
        (json!([1, 0, 0, 0.0, 0.0]), json!([1, 0, 0, 0.0, 0.0]))
    );
    // Paged: one enterprise per page.
    let p2 = app
        .api_json(
            &format!("/api/v1/publications/{id}/reach?per_page=1&page=2"),
            &yjj,
        )
        .await;
    assert_eq!(
        p2["by_enterprise"]["items"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(p2["by_enterprise"]["total"], 3);

    // The page shows the same figures.
    let page = app
        .logged_in(REGULATOR)
        .await
        .page(&format!("/publications/{id}/reach"))
        .await;
    assert!(page.contains("66.7%") && page.contains("75.0%"), "{page}");
    assert!(page.contains("id=\"reach-by-region\""), "{page}");
}

#[tokio::test]
async fn a_committee_notice_reaches_its_approved_members_only() {
    let app = spawn_app().await;
    let ruihan = account(&app, "ruihan1", RUIHAN).await;
    // 宏达 has only applied to the industry alliance: no audience.
    let hongda = account(&app, "hongda1", HONGDA).await;
    alliance_membership::ActiveModel {
        alliance_id: Set(app.alliance_id(QPW_ALLIANCE).await),
        enterprise_id: Set(app.enterprise_id(HONGDA).await),
        status: Set(MembershipStatus::Applied),
        applied_at: Set(app.core.now()),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("apply");

    let qpw = app.api_token(COMMITTEE).await;
    let id = publish(&app, &qpw, notice("汽摩配联盟冬季防火检查的通知", false)).await;
    for name in [ENTERPRISE, STAFF] {
        let u = user_id(&app, name).await;
        assert_eq!(notices(&app, u, "publication_notice").await, 1, "{name}");
    }
    assert_eq!(notices(&app, ruihan, "publication_notice").await, 1);
    assert_eq!(
        notices(&app, hongda, "publication_notice").await,
        0,
        "applicant"
    );
    let other = user_id(&app, ENTERPRISE_OTHER).await;
    assert_eq!(
        notices(&app, other, "publication_notice").await,
        0,
        "other alliance"
    );

    let r = app
        .api_json(&format!("/api/v1/publications/{id}/reach"), &qpw)
        .await;
    assert_eq!(r["totals"]["enterprises"], 2, "{r}");
    assert_eq!(r["totals"]["accounts"], 3, "{r}");
    assert_eq!(r["by_region"], json!([]), "a committee's has no regions");
    assert_eq!(r["by_alliance"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(row(&r["by_alliance"], QPW_ALLIANCE)["accounts"], 3);

    // A law (not a notice, no acknowledgement asked) tells nobody.
    let mut law = notice("汽摩配行业安全操作规程", false);
    law["kind"] = json!("normative");
    publish(&app, &qpw, law).await;
    let qiye1 = user_id(&app, ENTERPRISE).await;
    let told = notification::Entity::find()
        .filter(notification::Column::UserId.eq(qiye1))
        .filter(notification::Column::Kind.starts_with("publication_"))
        .count(&app.core.db)
        .await
        .expect("count");
    assert_eq!(told, 1);
}

#[tokio::test]
async fn acknowledging_twice_records_once_and_only_where_it_is_asked() {
    let app = spawn_app().await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let id = publish(&app, &town, notice("塘下镇有限空间作业告知书", true)).await;
    let qiye1 = app.api_token(ENTERPRISE).await;
    let path = format!("/api/v1/publications/{id}/acknowledge");
    let first: Value = app
        .api_post(&path, &qiye1, &json!({}))
        .await
        .json()
        .await
        .expect("json");
    app.clock.advance(Duration::minutes(5));
    let res = app.api_post(&path, &qiye1, &json!({})).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.expect("json");
    assert_eq!(first["acknowledged_at"], second["acknowledged_at"]);
    assert!(first["acknowledged_at"].is_string(), "{first}");
    // A retry with the same key answers the same.
    for _ in 0..2 {
        let res = bare_client()
            .post(app.url(&path))
            .bearer_auth(&qiye1)
            .header("Idempotency-Key", "ack-retry-1")
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 200);
    }
    assert_eq!(reads(&app, id).await, 1);
    let city = app.api_token(REGULATOR).await;
    let log = app
        .api_json("/api/v1/audit?action=publication.acknowledge", &city)
        .await;
    assert_eq!(log["total"], 1, "{log}");

    // Through the page: the button, then the time it was acknowledged.
    let staff = app.logged_in(STAFF).await;
    let show = format!("/publications/{id}");
    let html = staff.page(&show).await;
    assert!(html.contains("id=\"acknowledge-form\""), "{html}");
    let res = staff
        .post_form(
            &format!("/publications/{id}/acknowledge"),
            &show,
            &[("idempotency_key", "00000000-0000-4000-8000-000000000001")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = staff.page(&location(&res)).await;
    assert!(html.contains("id=\"acknowledged\""), "{html}");
    assert_eq!(reads(&app, id).await, 2);

    // Not asked for: 409; not an enterprise account: 403; not readable: 404.
    let plain = publish(&app, &town, notice("塘下镇普通通知", false)).await;
    let res = app
        .api_post(
            &format!("/api/v1/publications/{plain}/acknowledge"),
            &qiye1,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 409);
    let expert = app.api_token(EXPERT).await;
    assert_eq!(app.api_post(&path, &expert, &json!({})).await.status(), 403);
    let qiye2 = app.api_token(ENTERPRISE_OTHER).await;
    assert_eq!(app.api_post(&path, &qiye2, &json!({})).await.status(), 404);
}

#[tokio::test]
async fn concurrent_first_reads_record_one_read() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let id = publish(&app, &yjj, notice("并发阅读测试通知", false)).await;
    let qiye1 = app.api_token(ENTERPRISE).await;
    let path = format!("/api/v1/publications/{id}");
    let (a, b, c, d) = tokio::join!(
        app.api_get(&path, &qiye1),
        app.api_get(&path, &qiye1),
        app.api_get(&path, &qiye1),
        app.api_get(&path, &qiye1),
    );
    for res in [a, b, c, d] {
        assert_eq!(res.status(), 200);
    }
    assert_eq!(reads(&app, id).await, 1);
}

#[tokio::test]
async fn a_reminder_goes_to_non_readers_only_and_waits_a_day() {
    let app = spawn_app().await;
    let ruihan = account(&app, "ruihan1", RUIHAN).await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let id = publish(&app, &town, notice("塘下镇粉尘涉爆企业专项检查通知", true)).await;
    read(&app, &app.api_token(ENTERPRISE).await, id).await;
    let path = format!("/api/v1/publications/{id}/remind");
    let remind = || async {
        bare_client()
            .post(app.url(&path))
            .bearer_auth(&town)
            .header("Idempotency-Key", "remind-1")
            .send()
            .await
            .expect("POST")
    };
    let res = remind().await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    // Not read: anquanyuan1 (鸿田's staff) and ruihan1; qiye1 has read it.
    assert_eq!(v["reminded"], 2, "{v}");
    // The retry answers the same and tells nobody again.
    let again: Value = remind().await.json().await.expect("json");
    assert_eq!(again, v);
    assert_eq!(notices(&app, ruihan, "publication_reminder").await, 1);
    let staff = user_id(&app, STAFF).await;
    assert_eq!(notices(&app, staff, "publication_reminder").await, 1);
    let qiye1 = user_id(&app, ENTERPRISE).await;
    assert_eq!(notices(&app, qiye1, "publication_reminder").await, 0);
    let log = app
        .api_json("/api/v1/audit?action=publication.remind", &town)
        .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["detail"], "2 accounts", "{log}");

    // Within 24 hours: refused, on the API and on the page (with when).
    app.clock.advance(Duration::hours(23));
    let town = app.api_token(TOWN_REGULATOR).await;
    let res = app.api_post(&path, &town, &json!({})).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["message"],
        message("reach.reminded_recently"),
        "{body}"
    );
    let browser = app.logged_in(TOWN_REGULATOR).await;
    let reach_page = format!("/publications/{id}/reach");
    let html = browser.page(&reach_page).await;
    assert!(html.contains("id=\"next-reminder\""), "{html}");
    assert!(!html.contains("id=\"remind-form\""), "{html}");
    let res = browser
        .post_form(
            &format!("/publications/{id}/remind"),
            &reach_page,
            &[("idempotency_key", "00000000-0000-4000-8000-000000000002")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.expect("body");
    assert!(html.contains("id=\"reach-problem\""), "{html}");
    assert!(html.contains("id=\"reminded-at\""), "{html}");

    // A day after: the next goes to those still not reading.
    app.clock.advance(Duration::hours(1));
    let town = app.api_token(TOWN_REGULATOR).await;
    read(&app, &app.api_token(STAFF).await, id).await;
    let res = app.api_post(&path, &town, &json!({})).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["reminded"], 1, "{v}");
    assert_eq!(notices(&app, ruihan, "publication_reminder").await, 2);
}

#[tokio::test]
async fn only_the_publisher_sees_the_reach() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let id = publish(&app, &yjj, notice("全市危化品企业安全检查通知", true)).await;
    let api = format!("/api/v1/publications/{id}/reach");
    assert_eq!(app.api_get(&api, &yjj).await.status(), 200);
    // The town office and the committee read it but did not publish it.
    for name in [TOWN_REGULATOR, COMMITTEE] {
        let token = app.api_token(name).await;
        assert_eq!(app.api_get(&api, &token).await.status(), 404, "{name}");
        let remind = format!("/api/v1/publications/{id}/remind");
        assert_eq!(
            app.api_post(&remind, &token, &json!({})).await.status(),
            404,
            "{name}"
        );
        let browser = app.logged_in(name).await;
        let res = browser.get(&format!("/publications/{id}/reach")).await;
        assert_eq!(res.status(), 404, "{name}");
    }
    let qiye1 = app.api_token(ENTERPRISE).await;
    assert_eq!(app.api_get(&api, &qiye1).await.status(), 403);
    // A committee's publication: another committee 404, the city bureau 404 too.
    let qpw = app.api_token(COMMITTEE).await;
    let own = publish(&app, &qpw, notice("汽摩配联盟通知", false)).await;
    let own_api = format!("/api/v1/publications/{own}/reach");
    assert_eq!(app.api_get(&own_api, &qpw).await.status(), 200);
    let hantian = app.api_token(COMMITTEE_REGIONAL).await;
    assert_eq!(app.api_get(&own_api, &hantian).await.status(), 404);
    assert_eq!(app.api_get(&own_api, &yjj).await.status(), 404);
}

#[tokio::test]
async fn an_email_rendered_once_for_many_names_each_as_one_rendered_for_them() {
    use portal::services::notify::Notice;
    use portal::services::notify::email::{NoticeMail, render_notice};
    let app = spawn_app().await;
    let notice = Notice {
        kind: "publication_ack",
        hazard_id: None,
        link: Some("/publications/1".into()),
        params: vec![
            ("title", "关于<开展>检查的通知".into()),
            ("issuer", "局 & 所".into()),
        ],
    };
    let once = NoticeMail::new(&app.core, &notice).expect("render once");
    for name in ["薛银芬", "O'Brien <b>&</b> \"x\"/y"] {
        let direct = render_notice(&app.core, &notice, name).expect("render");
        let named = once.for_name(name);
        assert_eq!(named.subject, direct.subject);
        assert_eq!(named.text, direct.text, "{name}");
        assert_eq!(named.html, direct.html, "{name}");
        assert!(named.text.contains(name));
    }
}

/// The bulk path (the database puts each name in on PostgreSQL) writes every notification and
/// email exactly as a notice rendered for that recipient alone; no address, no email.
#[tokio::test]
async fn the_bulk_notice_writes_each_recipients_rows_as_one_written_for_them_alone() {
    use portal::models::{email_outbox, notification};
    use portal::services::notify::email::render_notice;
    use portal::services::notify::{Notice, Recipient, notify_many};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let app = spawn_app().await;
    let notice = Notice {
        kind: "publication_ack",
        hazard_id: None,
        link: Some("/publications/1".into()),
        params: vec![
            ("title", "关于<开展>检查的通知".into()),
            ("issuer", "局 & 所".into()),
        ],
    };
    let (a, b, c) = (
        user_id(&app, ENTERPRISE).await,
        user_id(&app, STAFF).await,
        user_id(&app, ENTERPRISE_OTHER).await,
    );
    let people = vec![
        Recipient {
            user_id: a,
            display_name: "薛银芬".into(),
            email: Some("xue@example.com".into()),
        },
        Recipient {
            user_id: b,
            display_name: "O'Brien <b>&</b> \"x\"/y".into(),
            email: Some(" obrien@example.com ".into()),
        },
        Recipient {
            user_id: c,
            display_name: "无邮箱".into(),
            email: None,
        },
        // Told once.
        Recipient {
            user_id: a,
            display_name: "薛银芬".into(),
            email: Some("xue@example.com".into()),
        },
    ];
    let txn = portal::db::begin_write(&app.core.db).await.expect("txn");
    let told = notify_many(&txn, &app.core, &people, &notice)
        .await
        .expect("bulk");
    txn.commit().await.expect("commit");
    assert_eq!(told, 3);
    let rows = notification::Entity::find()
        .filter(notification::Column::Kind.eq("publication_ack"))
        .filter(notification::Column::UserId.is_in([a, b, c]))
        .all(&app.core.db)
        .await
        .expect("notifications");
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.title, notice.title(portal::i18n::Lang::ZhCn));
        assert_eq!(r.link.as_deref(), Some("/publications/1"));
        assert_eq!(r.hazard_id, None);
        assert_eq!(r.read_at, None);
    }
    let mails = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.is_in(["xue@example.com", "obrien@example.com"]))
        .order_by_asc(email_outbox::Column::ToAddress)
        .all(&app.core.db)
        .await
        .expect("outbox");
    assert_eq!(mails.len(), 2, "no email without an address");
    for (m, name) in mails.iter().zip(["O'Brien <b>&</b> \"x\"/y", "薛银芬"]) {
        let alone = render_notice(&app.core, &notice, name).expect("render");
        assert_eq!(m.to_name, name);
        assert_eq!(m.subject, alone.subject);
        assert_eq!(m.body_text, alone.text, "{name}");
        assert_eq!(m.body_html.as_deref(), Some(alone.html.as_str()), "{name}");
        assert_eq!(m.attempts, 0);
    }
}
