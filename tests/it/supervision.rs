//! The bureau's supervision list (挂牌督办): scoped to the officer's region (the admin sees the
//! city), filtered, exported, and edited with checks, an audit record and a timeline event.

use portal::domain::hazard_flow::HazardState;
use portal::domain::inspection::HazardCategory;
use portal::domain::inspection::HazardLevel;
use portal::models::{enterprise, hazard, hazard_event, supervision};
use portal::services::supervision::list_major;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, COMMITTEE, ENTERPRISE, HUAXIN, REGULATOR, TOWN_REGULATOR, TestApp, bare_client,
    html_escape, location, message, sheet_rows, spawn_app,
};
use crate::reminders::{day, major_extra, reported};

/// A major hazard at 华鑫 (锦湖街道, outside 塘下镇), listed; returns (hazard id, listing id).
async fn huaxin_listing(app: &TestApp) -> (i64, i64) {
    let e = enterprise::Entity::find_by_id(app.enterprise_id(HUAXIN).await)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("华鑫");
    let now = app.core.now();
    let h = hazard::ActiveModel {
        enterprise_id: Set(e.id),
        region_path: Set(e.region_path.clone()),
        category: Set(HazardCategory::Electrical),
        level: Set(HazardLevel::Major),
        major_clause: Set(Some("判定标准第三条".into())),
        title: Set("配电房无防鼠措施".into()),
        description: Set(String::new()),
        location: Set("配电房".into()),
        legal_basis: Set(String::new()),
        suggested_measure: Set(String::new()),
        found_at: Set(now),
        deadline: Set(day("2026-12-20")),
        state: Set(HazardState::Reported),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("hazard");
    let listed = list_major(&app.core.db, &app.core, &h, None)
        .await
        .expect("list")
        .expect("a major hazard is listed");
    assert_eq!(listed.supervising_unit, "锦湖街道应急管理部门");
    (h.id, listed.id)
}

async fn listing_of(app: &TestApp, hazard_id: i64) -> supervision::Model {
    supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(hazard_id))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("listed")
}

async fn put(app: &TestApp, token: &str, id: i64, body: Value) -> reqwest::Response {
    bare_client()
        .put(app.url(&format!("/api/v1/supervisions/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PUT")
}

#[tokio::test]
async fn the_list_shows_the_bureau_its_region_the_admin_the_city_and_nobody_else() {
    let app = spawn_app().await;
    let (_, b) = reported(&app, major_extra).await;
    let (huaxin, _) = huaxin_listing(&app).await;

    let town = app.api_token(TOWN_REGULATOR).await;
    let mine = app.api_json("/api/v1/supervisions", &town).await;
    assert_eq!(mine["total"], 1, "{mine}");
    let row = &mine["items"][0];
    assert_eq!(row["hazard_id"], b);
    assert_eq!(row["reason"], "major");
    assert_eq!(row["status"], "listed");
    assert_eq!(row["enterprise_name"], "瑞安市鸿田汽车电器有限公司");
    assert_eq!(row["town"], "塘下镇");
    assert_eq!(row["hazard_deadline"], "2026-12-10");
    assert_eq!(row["overdue_days"], 0);
    for user in [REGULATOR, ADMIN] {
        let token = app.api_token(user).await;
        let all = app.api_json("/api/v1/supervisions", &token).await;
        assert_eq!(all["total"], 2, "{user} sees the city: {all}");
    }
    for user in [COMMITTEE, ENTERPRISE] {
        let token = app.api_token(user).await;
        let res = app.api_get("/api/v1/supervisions", &token).await;
        assert_eq!(res.status(), 403, "{user}");
        let page = app
            .logged_in(user)
            .await
            .get("/regulator/supervision")
            .await;
        assert_eq!(page.status(), 403, "{user}");
    }

    let html = app
        .logged_in(TOWN_REGULATOR)
        .await
        .page("/regulator/supervision")
        .await;
    assert!(
        html.contains(&format!("href=\"/hazards/{b}\"")),
        "each row links to its hazard"
    );
    assert!(
        !html.contains(&format!("href=\"/hazards/{huaxin}\"")),
        "锦湖街道's is not 塘下镇's"
    );
    assert!(html.contains("塘下镇应急管理部门"));
    assert!(
        html.contains(&format!(
            "href=\"{}\"",
            html_escape("/regulator/supervision")
        )),
        "in the bureau's navigation"
    );

    // Filters, as the city.
    let city = app.api_token(REGULATOR).await;
    let total = async |q: &str| -> Value {
        app.api_json(&format!("/api/v1/supervisions?{q}"), &city)
            .await["total"]
            .clone()
    };
    assert_eq!(total("region=330381003").await, 1, "锦湖街道");
    assert_eq!(total("region=330381101").await, 1, "塘下镇");
    assert_eq!(total("reason=overdue").await, 0);
    assert_eq!(total("reason=major&status=listed").await, 2);
    assert_eq!(total("status=released").await, 0);
    assert_eq!(total("level=general").await, 0);
    assert_eq!(total("category=fire").await, 1, "鸿田's extinguishers");
    assert_eq!(total("overdue=true").await, 0);

    // 华鑫's deadline lies four days back: overdue, counted from the hazard's deadline.
    let h = hazard::Entity::find_by_id(huaxin)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("hazard");
    let mut m = h.into_active_model();
    m.deadline = Set(day("2026-11-20"));
    m.update(&app.core.db).await.expect("update");
    let late = app
        .api_json("/api/v1/supervisions?overdue=true", &city)
        .await;
    assert_eq!(late["total"], 1, "{late}");
    assert_eq!(late["items"][0]["hazard_id"], huaxin);
    assert_eq!(late["items"][0]["overdue_days"], 4);
    let html = app
        .logged_in(REGULATOR)
        .await
        .page("/regulator/supervision?overdue=true")
        .await;
    assert!(html.contains(&format!("href=\"/hazards/{huaxin}\"")));
    assert!(!html.contains(&format!("href=\"/hazards/{b}\"")));
    assert!(html.contains(&html_escape(&portal::i18n::t_args(
        portal::i18n::Lang::ZhCn,
        "supervision.overdue_days",
        &[("n", "4")]
    ))));
}

#[tokio::test]
async fn the_bureau_edits_a_listing_with_checks_an_audit_record_and_a_timeline_event() {
    let app = spawn_app().await;
    let (_, b) = reported(&app, major_extra).await;
    let (_, huaxin_listing_id) = huaxin_listing(&app).await;
    let id = listing_of(&app, b).await.id;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let path = format!("/regulator/supervision/{id}");

    let res = officer
        .post_form(
            &path,
            "/regulator/supervision",
            &[
                ("supervising_unit", ""),
                ("responsible_unit", "鸿田公司"),
                ("deadline", "2026-13-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("form.required"))));
    assert!(html.contains(&html_escape(&message("supervision.bad_date"))));
    assert!(
        html.contains("value=\"鸿田公司\""),
        "what was typed is kept"
    );

    let res = officer
        .post_form(
            &path,
            "/regulator/supervision",
            &[
                ("supervising_unit", "塘下镇应急管理部门"),
                ("responsible_unit", "鸿田公司"),
                ("deadline", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("supervision.deadline_past"))));
    assert_eq!(
        listing_of(&app, b).await.deadline,
        day("2026-12-10"),
        "nothing changed"
    );

    let missing_token = officer
        .post_raw(
            &path,
            &[
                ("supervising_unit", "x"),
                ("responsible_unit", "y"),
                ("deadline", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(missing_token.status(), 403);

    let res = officer
        .post_form(
            &path,
            "/regulator/supervision",
            &[
                ("supervising_unit", "塘下镇安全生产监督管理所"),
                ("responsible_unit", "瑞安市鸿田汽车电器有限公司"),
                ("deadline", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/regulator/supervision?saved={id}#s-{id}")
    );
    let row = listing_of(&app, b).await;
    assert_eq!(row.supervising_unit, "塘下镇安全生产监督管理所");
    assert_eq!(row.deadline, day("2026-12-31"));
    let html = officer
        .page(&format!("/regulator/supervision?saved={id}"))
        .await;
    assert!(html.contains(&html_escape(&message("supervision.saved"))));

    let events = hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(b))
        .filter(hazard_event::Column::Action.eq("supervision_deadline"))
        .all(&app.core.db)
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "the deadline change is on the timeline");
    assert_eq!(events[0].deadline_before, Some(day("2026-12-10")));
    assert_eq!(events[0].deadline_after, Some(day("2026-12-31")));
    assert_eq!(events[0].actor_role.as_deref(), Some("regulator"));
    let admin = app.api_token(ADMIN).await;
    let audit = app
        .api_json("/api/v1/audit?action=supervision.update", &admin)
        .await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["items"][0]["detail"], "supervising_unit,deadline");

    // Through the API: outside the town's region is not found; the city may; the admin reads only.
    let town = app.api_token(TOWN_REGULATOR).await;
    let body = json!({"supervising_unit": "锦湖街道应急管理部门", "responsible_unit": "华鑫", "deadline": "2026-12-25"});
    assert_eq!(
        put(&app, &town, huaxin_listing_id, body.clone())
            .await
            .status(),
        404
    );
    assert_eq!(
        put(&app, &admin, huaxin_listing_id, body.clone())
            .await
            .status(),
        403
    );
    let city = app.api_token(REGULATOR).await;
    let res = put(&app, &city, huaxin_listing_id, body).await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.expect("json");
    assert_eq!(saved["responsible_unit"], "华鑫");
    assert_eq!(saved["deadline"], "2026-12-25");
    let refused = put(
        &app,
        &city,
        huaxin_listing_id,
        json!({"supervising_unit": " ", "responsible_unit": "华鑫", "deadline": ""}),
    )
    .await;
    assert_eq!(refused.status(), 422);

    // Released listings are history.
    let mut m = listing_of(&app, b).await.into_active_model();
    m.status = Set(portal::domain::supervision::SupervisionStatus::Released);
    m.update(&app.core.db).await.expect("release");
    let res = put(
        &app,
        &town,
        id,
        json!({"supervising_unit": "x", "responsible_unit": "y", "deadline": "2026-12-31"}),
    )
    .await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn the_list_exports_to_a_spreadsheet_within_the_scope() {
    let app = spawn_app().await;
    let (_, _b) = reported(&app, major_extra).await;
    huaxin_listing(&app).await;
    for (user, rows) in [(REGULATOR, 3), (TOWN_REGULATOR, 2)] {
        let res = app
            .logged_in(user)
            .await
            .get("/regulator/supervision/export.xlsx")
            .await;
        assert_eq!(res.status(), 200, "{user}");
        let bytes = res.bytes().await.expect("body");
        let sheet = sheet_rows(&bytes);
        assert_eq!(sheet.len(), rows, "{user}: header and one row per listing");
        assert_eq!(sheet[0][0], "隐患");
        assert!(
            sheet
                .iter()
                .any(|r| r.contains(&"瑞安市鸿田汽车电器有限公司".to_string()))
        );
    }
    let admin = app.api_token(ADMIN).await;
    let audit = app
        .api_json("/api/v1/audit?action=export.supervisions", &admin)
        .await;
    assert_eq!(audit["total"], 2);
}
