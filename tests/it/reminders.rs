//! Deadlines on a schedule: the enterprise is reminded before its deadline, the committee told
//! at it, and an overdue hazard escalates onto the bureau's supervision list — each exactly
//! once, even with two workers at the same time. Hazards come from a real inspection submit;
//! the test moves the clock day by day and runs the job itself.

use chrono::{NaiveDate, TimeZone, Utc};
use portal::domain::hazard_flow::HazardState;
use portal::jobs::reminders::{ReminderReport, run_once};
use portal::models::{hazard, hazard_event, hazard_reminder, notification, supervision, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::helpers::{COMMITTEE, ENTERPRISE, REGULATOR, STAFF, TOWN_REGULATOR, TestApp, spawn_app};
use crate::inspections::{INSPECTOR, multipart, setup, submission, submit};

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Moves the clock to 08:00 UTC of `date`.
pub fn at(app: &TestApp, date: &str) {
    let t = day(date).and_hms_opt(8, 0, 0).expect("time");
    app.clock.set(Utc.from_utc_datetime(&t));
}

/// 瑞韩 reports its inspection of 鸿田 on 2026-11-24 (the submission adjusted first): the failed
/// item's hazard (deadline 2026-12-24) and the extra one (2026-12-10). Returns their ids.
pub async fn reported(app: &TestApp, adjust: impl FnOnce(&mut Value)) -> (i64, i64) {
    at(app, "2026-11-24");
    let (id, items) = setup(app).await;
    let mut s = submission(&items);
    adjust(&mut s);
    let token = app.api_token(INSPECTOR).await;
    let res = submit(app, &token, id, multipart(&s, vec![]), None).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let body: Value = res.json().await.expect("json");
    let ids: Vec<i64> = serde_json::from_value(body["hazard_ids"].clone()).expect("ids");
    assert_eq!(ids.len(), 2);
    (ids[0], ids[1])
}

/// Makes the extra finding a major hazard.
pub fn major_extra(s: &mut Value) {
    s["extra_hazards"][0]["level"] = json!("major");
    s["extra_hazards"][0]["major_clause"] = json!("《工贸企业重大事故隐患判定标准》第四条");
}

pub async fn user_id(app: &TestApp, username: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.core.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}

/// How many notices of `kind` about `hazard_id` the user has.
pub async fn notices(app: &TestApp, username: &str, kind: &str, hazard_id: i64) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id(app, username).await))
        .filter(notification::Column::Kind.eq(kind))
        .filter(notification::Column::HazardId.eq(hazard_id))
        .count(&app.core.db)
        .await
        .expect("count")
}

/// All notices of `kind` about `hazard_id`, whoever got them.
async fn notices_of(app: &TestApp, kind: &str, hazard_id: i64) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::Kind.eq(kind))
        .filter(notification::Column::HazardId.eq(hazard_id))
        .count(&app.core.db)
        .await
        .expect("count")
}

pub async fn run(app: &TestApp) -> ReminderReport {
    run_once(&app.core).await.expect("reminder job")
}

async fn listing(app: &TestApp, hazard_id: i64) -> Option<supervision::Model> {
    supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(hazard_id))
        .one(&app.core.db)
        .await
        .expect("query")
}

async fn reminder_kinds(app: &TestApp, hazard_id: i64) -> Vec<(String, NaiveDate)> {
    let mut rows: Vec<(String, NaiveDate)> = hazard_reminder::Entity::find()
        .filter(hazard_reminder::Column::HazardId.eq(hazard_id))
        .all(&app.core.db)
        .await
        .expect("query")
        .into_iter()
        .map(|r| (r.kind, r.deadline))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_enterprise_is_reminded_before_its_deadline_the_committee_at_it_and_the_bureau_when_long_overdue()
 {
    let app = spawn_app().await;
    // `b` is due on 2026-12-10, `a` on 2026-12-24.
    let (a, b) = reported(&app, |_| {}).await;

    at(&app, "2026-12-06");
    assert_eq!(run(&app).await.reminded, 0, "four days before: too early");
    assert_eq!(notices(&app, ENTERPRISE, "deadline_soon", b).await, 0);

    at(&app, "2026-12-07");
    let first = run(&app).await;
    assert_eq!(first.reminded, 1, "three days before: {first:?}");
    assert_eq!(notices(&app, ENTERPRISE, "deadline_soon", b).await, 1);
    assert_eq!(
        notices(&app, STAFF, "deadline_soon", b).await,
        1,
        "the safety officer too"
    );
    let again = run(&app).await;
    assert_eq!(
        again,
        ReminderReport {
            scanned: again.scanned,
            ..Default::default()
        }
    );
    assert_eq!(
        notices(&app, ENTERPRISE, "deadline_soon", b).await,
        1,
        "once a day is once"
    );

    at(&app, "2026-12-08");
    run(&app).await;
    assert_eq!(
        notices(&app, ENTERPRISE, "deadline_soon", b).await,
        1,
        "no reminder two days before"
    );

    at(&app, "2026-12-09");
    assert_eq!(run(&app).await.reminded, 1);
    assert_eq!(
        notices(&app, ENTERPRISE, "deadline_soon", b).await,
        2,
        "one day before"
    );

    at(&app, "2026-12-10");
    let due = run(&app).await;
    assert_eq!((due.reminded, due.due), (0, 1));
    assert_eq!(
        notices(&app, COMMITTEE, "deadline_due", b).await,
        1,
        "the alliance committee is told"
    );
    assert_eq!(notices(&app, ENTERPRISE, "deadline_soon", b).await, 2);
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "deadline_due", b).await,
        0,
        "a general hazard is the committee's"
    );

    at(&app, "2026-12-16");
    assert_eq!(run(&app).await.escalated, 0, "six days overdue: not yet");
    assert!(listing(&app, b).await.is_none());

    at(&app, "2026-12-17");
    let late = run(&app).await;
    assert_eq!(
        (late.escalated, late.listed),
        (1, 1),
        "seven days overdue: {late:?}"
    );
    let row = listing(&app, b).await.expect("on the supervision list");
    assert_eq!(row.reason, "overdue");
    assert_eq!(row.status.as_str(), "listed");
    assert_eq!(row.listed_by, None, "listed by the system");
    assert_eq!(row.deadline, day("2026-12-10"));
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "supervision_escalated", b).await,
        1,
        "塘下镇's bureau is told"
    );
    assert_eq!(
        notices(&app, ENTERPRISE, "supervision_escalated", b).await,
        1
    );
    let events = hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(b))
        .filter(hazard_event::Column::Action.eq("supervise"))
        .all(&app.core.db)
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_user_id, None);

    at(&app, "2026-12-18");
    let quiet = run(&app).await;
    assert_eq!((quiet.reminded, quiet.due, quiet.escalated), (0, 0, 0));
    assert_eq!(
        notices_of(&app, "supervision_escalated", b).await,
        late_recipients(&app).await
    );
    assert_eq!(
        reminder_kinds(&app, b).await,
        [
            ("before_1".to_string(), day("2026-12-10")),
            ("before_3".to_string(), day("2026-12-10")),
            ("due".to_string(), day("2026-12-10")),
            ("escalated".to_string(), day("2026-12-10")),
        ]
    );
    // `a` (due 2026-12-24) is still six days away: nothing yet.
    assert!(reminder_kinds(&app, a).await.is_empty());
    assert_eq!(notices(&app, ENTERPRISE, "deadline_soon", a).await, 0);
    at(&app, "2026-12-21");
    assert_eq!(run(&app).await.reminded, 1);
    assert_eq!(notices(&app, ENTERPRISE, "deadline_soon", a).await, 1);
}

/// Everybody told of an escalation in the test above: 塘下镇's officers and 鸿田's accounts.
async fn late_recipients(app: &TestApp) -> u64 {
    let hongtian = app.enterprise_id(crate::helpers::HONGTIAN).await;
    let staff = user::Entity::find()
        .filter(user::Column::EnterpriseId.eq(hongtian))
        .filter(user::Column::Active.eq(true))
        .count(&app.core.db)
        .await
        .expect("count");
    let tangxia = user::Entity::find()
        .filter(user::Column::Username.eq(TOWN_REGULATOR))
        .one(&app.core.db)
        .await
        .expect("query")
        .and_then(|u| u.region_id)
        .expect("tangxia's region");
    let officers = user::Entity::find()
        .filter(user::Column::RegionId.eq(tangxia))
        .filter(user::Column::Role.eq("regulator"))
        .filter(user::Column::Active.eq(true))
        .count(&app.core.db)
        .await
        .expect("count");
    staff + officers
}

#[tokio::test]
async fn a_major_hazard_is_listed_when_reported_and_escalates_the_day_after_its_deadline() {
    let app = spawn_app().await;
    let (a, b) = reported(&app, major_extra).await;

    let row = listing(&app, b).await.expect("listed at once");
    assert_eq!(row.reason, "major");
    assert_eq!(row.supervising_unit, "塘下镇应急管理部门");
    assert_eq!(row.responsible_unit, "瑞安市鸿田汽车电器有限公司");
    assert_eq!(row.deadline, day("2026-12-10"));
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "supervision_listed", b).await,
        1
    );
    assert_eq!(notices(&app, ENTERPRISE, "supervision_listed", b).await, 1);
    assert!(
        listing(&app, a).await.is_none(),
        "a general hazard is not listed when reported"
    );

    at(&app, "2026-12-10");
    run(&app).await;
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "deadline_due", b).await,
        1,
        "the bureau decides for a major hazard"
    );
    assert_eq!(notices(&app, COMMITTEE, "deadline_due", b).await, 0);

    at(&app, "2026-12-11");
    let late = run(&app).await;
    assert_eq!(
        (late.escalated, late.listed),
        (1, 0),
        "one day overdue escalates; listed already"
    );
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "supervision_overdue", b).await,
        1
    );
    assert_eq!(
        listing(&app, b).await.expect("still listed").reason,
        "major"
    );
    assert_eq!(
        supervision::Entity::find()
            .filter(supervision::Column::HazardId.eq(b))
            .count(&app.core.db)
            .await
            .expect("count"),
        1
    );
    run(&app).await;
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "supervision_overdue", b).await,
        1,
        "once"
    );
}

#[tokio::test]
async fn an_extended_deadline_gets_fresh_reminders() {
    let app = spawn_app().await;
    let (_, b) = reported(&app, |_| {}).await;
    at(&app, "2026-12-07");
    run(&app).await;
    assert_eq!(notices(&app, ENTERPRISE, "deadline_soon", b).await, 1);

    // 延期: the deadline moves to 2026-12-20.
    let h = hazard::Entity::find_by_id(b)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("hazard");
    let mut m = h.into_active_model();
    m.deadline = Set(day("2026-12-20"));
    m.update(&app.core.db).await.expect("extend");

    at(&app, "2026-12-09");
    assert_eq!(
        run(&app).await.reminded,
        0,
        "the old deadline's reminders are over"
    );
    at(&app, "2026-12-17");
    assert_eq!(run(&app).await.reminded, 1);
    assert_eq!(
        notices(&app, ENTERPRISE, "deadline_soon", b).await,
        2,
        "a fresh reminder for the new deadline"
    );
    assert_eq!(
        reminder_kinds(&app, b).await,
        [
            ("before_3".to_string(), day("2026-12-10")),
            ("before_3".to_string(), day("2026-12-20")),
        ]
    );
}

#[tokio::test]
async fn a_hazard_awaiting_verification_gets_no_reminders() {
    let app = spawn_app().await;
    let (_, b) = reported(&app, |_| {}).await;
    let h = hazard::Entity::find_by_id(b)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("hazard");
    let mut m = h.into_active_model();
    m.state = Set(HazardState::AwaitingVerification);
    m.update(&app.core.db).await.expect("evidence handed in");
    // Ten days past its deadline, which no longer runs; `a` is still four days away.
    at(&app, "2026-12-20");
    let r = run(&app).await;
    assert_eq!((r.reminded, r.due, r.escalated), (0, 0, 0), "{r:?}");
    assert!(reminder_kinds(&app, b).await.is_empty());
}

#[tokio::test]
async fn two_workers_at_once_send_each_reminder_exactly_once() {
    let app = spawn_app().await;
    let (a, b) = reported(&app, |_| {}).await;
    // Twenty more hazards due with `a`, so the workers really overlap.
    let template = hazard::Entity::find_by_id(a)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("hazard");
    let mut more = Vec::new();
    for n in 0..20 {
        let mut m = template.clone().into_active_model();
        m.id = sea_orm::ActiveValue::NotSet;
        m.answer_id = Set(None);
        m.title = Set(format!("{} #{n}", template.title));
        more.push(m.insert(&app.core.db).await.expect("hazard").id);
    }

    // 2026-12-23: `a` and the twenty are due tomorrow; `b` is 13 days overdue.
    at(&app, "2026-12-23");
    let (one, two) = tokio::join!(run_once(&app.core), run_once(&app.core));
    let (one, two) = (one.expect("worker one"), two.expect("worker two"));
    assert_eq!(one.reminded + two.reminded, 21, "{one:?} {two:?}");
    assert_eq!(one.due + two.due, 1);
    assert_eq!(one.escalated + two.escalated, 1);
    assert_eq!(one.listed + two.listed, 1);

    for id in more.iter().copied().chain([a]) {
        assert_eq!(
            notices(&app, ENTERPRISE, "deadline_soon", id).await,
            1,
            "hazard {id}"
        );
        assert_eq!(
            notices(&app, STAFF, "deadline_soon", id).await,
            1,
            "hazard {id}"
        );
    }
    assert_eq!(notices(&app, COMMITTEE, "deadline_due", b).await, 1);
    assert_eq!(
        notices(&app, TOWN_REGULATOR, "supervision_escalated", b).await,
        1
    );
    assert_eq!(
        notices(&app, REGULATOR, "supervision_escalated", b).await,
        0,
        "the town's bureau, not the city's"
    );
    assert_eq!(
        supervision::Entity::find()
            .filter(supervision::Column::HazardId.eq(b))
            .count(&app.core.db)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        hazard_reminder::Entity::find()
            .count(&app.core.db)
            .await
            .expect("count"),
        23,
        "21 reminders, one deadline notice and one escalation"
    );
    // And again, both at once: nothing new.
    let (one, two) = tokio::join!(run_once(&app.core), run_once(&app.core));
    let (one, two) = (one.expect("worker one"), two.expect("worker two"));
    assert_eq!(
        one.reminded + two.reminded + one.due + two.due + one.escalated + two.escalated,
        0
    );
}
