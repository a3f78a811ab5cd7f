//! The demo with its history (`seed/fixtures/history.toml`, played by
//! `services::seed_history`): every state of the loop is there, every demo login finds real
//! work on its landing pages, and a second load is refused without touching anything.

use portal::domain::hazard_flow::{ExtensionStatus, HazardState};
use portal::domain::inspection::{HazardLevel, InspectionKind, InspectionState};
use portal::models::{
    audit_log, enterprise, extension_request, hazard, hazard_event, inspection, notification,
    supervision,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{
    ADMIN, COMMITTEE, COMMITTEE_REGIONAL, ENTERPRISE, ENTERPRISE_OTHER, EXPERT, REGULATOR, STAFF,
    TOWN_REGULATOR, TestApp, spawn_app, spawn_app_with_history,
};

async fn hazards_in(app: &TestApp, state: HazardState) -> u64 {
    hazard::Entity::find()
        .filter(hazard::Column::State.eq(state))
        .count(&app.core.db)
        .await
        .expect("count hazards")
}

async fn inspections_of(app: &TestApp, kind: InspectionKind, state: InspectionState) -> u64 {
    inspection::Entity::find()
        .filter(inspection::Column::Kind.eq(kind))
        .filter(inspection::Column::State.eq(state))
        .count(&app.core.db)
        .await
        .expect("count inspections")
}

#[tokio::test]
async fn the_history_holds_every_state_of_the_loop_and_every_kind_of_inspection() {
    let app = spawn_app_with_history().await;
    let db = &app.core.db;
    for state in HazardState::ALL {
        assert!(hazards_in(&app, *state).await > 0, "a hazard {state:?}");
    }
    let all = hazard::Entity::find().all(db).await.expect("hazards");
    let today = app.core.today();
    let overdue = all
        .iter()
        .filter(|h| portal::domain::hazard_flow::overdue_days(h.state, h.deadline, today).is_some())
        .count();
    assert!(overdue >= 3, "overdue hazards: {overdue}");
    let major_open = all
        .iter()
        .filter(|h| h.level == HazardLevel::Major && h.state != HazardState::Closed)
        .count();
    assert!(major_open >= 2, "open major hazards: {major_open}");

    // 挂牌督办: major ones at once, overdue ones escalated by the reminder job, one released
    // by the bureau's on-site review (核销).
    let listings = supervision::Entity::find().all(db).await.expect("listings");
    let has = |reason: &str, status: &str| {
        listings
            .iter()
            .any(|s| s.reason.as_str() == reason && s.status.as_str() == status)
    };
    assert!(has("major", "listed"), "a major hazard listed");
    assert!(has("overdue", "listed"), "an overdue hazard escalated");
    assert!(has("major", "released"), "a listing released by 核销");

    for status in ExtensionStatus::ALL {
        let n = extension_request::Entity::find()
            .filter(extension_request::Column::Status.eq(*status))
            .count(db)
            .await
            .expect("count extensions");
        assert!(n > 0, "an extension request {status:?}");
    }

    use InspectionKind as K;
    use InspectionState as S;
    assert!(inspections_of(&app, K::Mutual, S::Reviewed).await > 0);
    assert!(inspections_of(&app, K::Mutual, S::Submitted).await > 0);
    assert!(inspections_of(&app, K::Mutual, S::Planned).await > 0);
    assert!(inspections_of(&app, K::SelfCheck, S::Submitted).await > 0);
    assert!(inspections_of(&app, K::Expert, S::Submitted).await > 0);

    // The loop left its timeline, its notices and its scores in all three colours.
    assert!(
        hazard_event::Entity::find()
            .count(db)
            .await
            .expect("events")
            > 60
    );
    assert!(
        notification::Entity::find()
            .count(db)
            .await
            .expect("notices")
            > 50
    );
    for label in ["green", "yellow", "red"] {
        let n = enterprise::Entity::find()
            .filter(enterprise::Column::Label.eq(label))
            .count(db)
            .await
            .expect("count labels");
        assert!(n > 0, "an enterprise labelled {label}");
    }
    // Found in the past, in order: the earliest finding is months old.
    let earliest = all.iter().map(|h| h.found_at).min().expect("a hazard");
    assert!((app.core.now() - earliest).num_days() >= 80);
}

/// What each demo login finds on the page it works from: its home, to-do list or queue.
const LANDINGS: &[(&str, &str, &[&str])] = &[
    (ADMIN, "/admin", &["seed.history"]),
    (
        REGULATOR,
        "/regulator/queue",
        &["喷漆房使用非防爆电气设备", "抛光车间除尘器未设置泄爆装置"],
    ),
    (
        REGULATOR,
        "/regulator/supervision",
        &["配电箱未上锁、线路私拉乱接", "成品仓库喷淋头被货物遮挡"],
    ),
    (
        TOWN_REGULATOR,
        "/regulator/queue",
        &["抛光车间除尘器未设置泄爆装置"],
    ),
    (
        TOWN_REGULATOR,
        "/regulator/supervision",
        &["电气线路老化、绝缘层破损"],
    ),
    (
        COMMITTEE,
        "/committee/queue",
        &[
            "砂轮机防护罩缺失",
            "粉尘清扫未使用防爆吸尘器",
            "气瓶未固定、未设防倾倒链",
        ],
    ),
    (
        COMMITTEE_REGIONAL,
        "/committee/queue",
        &["叉车司机无证驾驶"],
    ),
    (
        ENTERPRISE,
        "/enterprise/todo",
        &[
            "配电房未配备绝缘垫和绝缘手套",
            "电气线路老化、绝缘层破损",
            "车间室内消火栓被货架遮挡",
        ],
    ),
    (ENTERPRISE, "/enterprise", &["有限空间作业安全检查表"]),
    (STAFF, "/enterprise/todo", &["配电房未配备绝缘垫和绝缘手套"]),
    (
        ENTERPRISE_OTHER,
        "/enterprise/todo",
        &["叉车充电区未设置防火分隔", "成品仓库喷淋头被货物遮挡"],
    ),
    (EXPERT, "/expert/todo", &["除尘器泄爆口朝向人员通道"]),
];

#[tokio::test]
async fn every_demo_login_finds_real_work_where_it_lands() {
    let app = spawn_app_with_history().await;
    for (username, path, wanted) in LANDINGS {
        let v = app.logged_in(username).await;
        let page = v.page(path).await;
        for text in *wanted {
            assert!(
                page.contains(text),
                "{username} on {path} should see {text}; page:\n{page}"
            );
        }
    }
    // The town bureau sees its town only: 飞云's hazard is the city's.
    let tangxia = app.logged_in(TOWN_REGULATOR).await;
    let queue = tangxia.page("/regulator/queue").await;
    assert!(!queue.contains("喷漆房使用非防爆电气设备"));
}

#[tokio::test]
async fn loading_the_history_twice_is_refused_and_changes_nothing() {
    let app = spawn_app_with_history().await;
    let db = &app.core.db;
    let counts = || async {
        (
            hazard::Entity::find().count(db).await.expect("hazards"),
            hazard_event::Entity::find()
                .count(db)
                .await
                .expect("events"),
            inspection::Entity::find()
                .count(db)
                .await
                .expect("inspections"),
            audit_log::Entity::find().count(db).await.expect("audit"),
        )
    };
    let before = counts().await;
    let again = portal::services::seed_history::load(&app.core).await;
    assert!(
        matches!(
            again,
            Err(portal::error::AppError::Conflict("seed.history_present"))
        ),
        "{again:?}"
    );
    assert_eq!(counts().await, before);
}

#[tokio::test]
async fn the_base_template_the_other_tests_copy_has_no_history() {
    let app = spawn_app().await;
    let hazards = hazard::Entity::find()
        .count(&app.core.db)
        .await
        .expect("hazards");
    let rounds = portal::models::inspection_round::Entity::find()
        .count(&app.core.db)
        .await
        .expect("rounds");
    assert_eq!((hazards, rounds), (0, 0));
}
