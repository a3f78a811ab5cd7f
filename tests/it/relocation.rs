//! Moving an enterprise to another region takes its history along: the hazards, inspections,
//! supervision listings and attachments copied from its region path follow it, so the old town
//! no longer lists, counts, exports or reviews (核销) them and the new town does. Both through
//! the edit API and through an import that moves it.

use portal::domain::role::Role;
use portal::models::{attachment, enterprise, hazard, inspection, supervision};
use portal::scope::Scope;
use portal::services::audit::Author;
use portal::services::users::{self, NewUser};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::rectification::{act, hand_in, major_hazard, ok, plan, set_day};

/// The regulator account made here for 锦湖街道 (the demo has none).
const JINHU: &str = "jinhu";
/// A community of 锦湖街道, where 鸿田 moves to.
const NEW_REGION: &str = "330381003001";
const TITLE: &str = "粉尘涉爆区域除尘系统未按规定清理";

async fn jinhu_officer(app: &TestApp) {
    users::create(
        &app.core,
        &app.core.db,
        &Author::system(),
        NewUser {
            username: JINHU.into(),
            display_name: "锦湖街道应急办".into(),
            password: PASSWORD.into(),
            role: Role::Regulator,
            email: None,
            region_code: Some("330381003".into()),
            alliance_name: None,
            enterprise_credit_code: None,
            expert_id: None,
        },
    )
    .await
    .expect("create the 锦湖 officer");
}

/// 鸿田's major hazard (listed 挂牌督办, with a photo), its plan and evidence handed in, so it
/// waits for the bureau's on-site review. Returns (hazard id, inspection id).
async fn awaiting_review(app: &TestApp) -> (i64, i64) {
    let id = major_hazard(app).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    ok(app, &enterprise, id, "acknowledge", &plan("2026-12-20")).await;
    hand_in(app, &enterprise, id).await;
    let h = hazard::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("hazard");
    (id, h.inspection_id.expect("found in an inspection"))
}

fn ids(list: &Value, field: &str) -> Vec<i64> {
    list["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r[field].as_i64()).collect())
        .unwrap_or_default()
}

/// Whether `user` lists, fetches, exports and shows the hazard, its inspection, its listing
/// and 鸿田 — every one must agree.
async fn assert_sees(app: &TestApp, user: &str, hazard_id: i64, inspection_id: i64, sees: bool) {
    let token = app.api_token(user).await;
    let hazards = app.api_json("/api/v1/hazards?per_page=100", &token).await;
    assert_eq!(
        ids(&hazards, "id").contains(&hazard_id),
        sees,
        "{user} hazards: {hazards}"
    );
    let res = app
        .api_get(&format!("/api/v1/hazards/{hazard_id}"), &token)
        .await;
    assert_eq!(res.status(), if sees { 200 } else { 404 }, "{user} hazard");
    let inspections = app
        .api_json("/api/v1/inspections?per_page=100", &token)
        .await;
    assert_eq!(
        ids(&inspections, "id").contains(&inspection_id),
        sees,
        "{user} inspections: {inspections}"
    );
    let listings = app.api_json("/api/v1/supervisions", &token).await;
    assert_eq!(
        ids(&listings, "hazard_id").contains(&hazard_id),
        sees,
        "{user} supervisions: {listings}"
    );
    assert_eq!(listings["total"], if sees { 1 } else { 0 }, "{user} count");
    let enterprises = app.api_json("/api/v1/enterprises?q=鸿田", &token).await;
    assert_eq!(enterprises["total"], if sees { 1 } else { 0 }, "{user}");

    let v = app.logged_in(user).await;
    let page = v.page("/regulator/supervision").await;
    assert_eq!(page.contains(TITLE), sees, "{user} supervision page");
    let res = v.get("/regulator/supervision/export.xlsx").await;
    assert_eq!(res.status(), 200);
    let sheet = sheet_rows(&res.bytes().await.expect("body"));
    assert_eq!(
        sheet.iter().any(|r| r.contains(&TITLE.to_string())),
        sees,
        "{user} supervision export"
    );
    let res = v.get("/regulator/enterprises/export.xlsx").await;
    let sheet = sheet_rows(&res.bytes().await.expect("body"));
    assert_eq!(
        sheet.iter().any(|r| r.contains(&HONGTIAN_NAME.to_string())),
        sees,
        "{user} enterprise export"
    );
}

const HONGTIAN_NAME: &str = "瑞安市鸿田汽车电器有限公司";

/// Every copy of 鸿田's region path is the new one, and the listing names the new bureau.
async fn assert_copies_moved(app: &TestApp, enterprise_id: i64) {
    let db = &app.core.db;
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await
        .expect("query")
        .expect("鸿田");
    assert!(
        e.region_path.ends_with("/330381003001/"),
        "{}",
        e.region_path
    );
    for h in hazard::Entity::find()
        .filter(hazard::Column::EnterpriseId.eq(enterprise_id))
        .all(db)
        .await
        .expect("query")
    {
        assert_eq!(h.region_path, e.region_path, "hazard {}", h.id);
        let s = supervision::Entity::find()
            .filter(supervision::Column::HazardId.eq(h.id))
            .one(db)
            .await
            .expect("query")
            .expect("listed");
        assert_eq!(s.region_path, e.region_path);
        assert_eq!(s.supervising_unit, "锦湖街道应急管理部门");
    }
    for i in inspection::Entity::find()
        .filter(inspection::Column::InspectedEnterpriseId.eq(enterprise_id))
        .all(db)
        .await
        .expect("query")
    {
        assert_eq!(i.region_path, e.region_path, "inspection {}", i.id);
    }
    let files = attachment::Entity::find()
        .filter(attachment::Column::EnterpriseId.eq(enterprise_id))
        .all(db)
        .await
        .expect("query");
    assert!(!files.is_empty(), "the photo and the evidence");
    for f in files {
        assert_eq!(f.region_path, e.region_path, "attachment {}", f.id);
    }
}

/// After the move: the old town can no longer review (核销) the major hazard, the new one can;
/// the move is in the audit log.
async fn assert_review_moved(app: &TestApp, hazard_id: i64) {
    set_day(app, "2026-11-30");
    let body = json!({"note": "现场核销合格", "reviewed_on": "2026-11-30"});
    let old = app.api_token(TOWN_REGULATOR).await;
    let res = act(app, &old, hazard_id, "verify", &body, None).await;
    assert_eq!(res.status(), 404, "塘下镇 no longer reviews it");
    let new = app.api_token(JINHU).await;
    let out = ok(app, &new, hazard_id, "verify", &body).await;
    assert_eq!(out["state"], "closed", "{out}");
    let admin = app.api_token(ADMIN).await;
    let audit = app
        .api_json("/api/v1/audit?action=enterprise.move", &admin)
        .await;
    assert_eq!(audit["total"], 1, "{audit}");
}

#[tokio::test]
async fn moving_hongtian_by_the_edit_api_moves_its_hazards_inspections_listings_and_files() {
    let app = spawn_app().await;
    jinhu_officer(&app).await;
    let (hazard_id, inspection_id) = awaiting_review(&app).await;
    assert_sees(&app, TOWN_REGULATOR, hazard_id, inspection_id, true).await;
    assert_sees(&app, JINHU, hazard_id, inspection_id, false).await;

    let id = app.enterprise_id(HONGTIAN).await;
    let input = portal::services::enterprises::input_of(&app.core, &Scope::System, id)
        .await
        .expect("input");
    let mut body = serde_json::to_value(input).expect("json");
    body["region"] = json!(NEW_REGION);
    let city = app.api_token(REGULATOR).await;
    let res = bare_client()
        .put(app.url(&format!("/api/v1/enterprises/{id}")))
        .bearer_auth(&city)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );

    assert_copies_moved(&app, id).await;
    assert_sees(&app, TOWN_REGULATOR, hazard_id, inspection_id, false).await;
    assert_sees(&app, JINHU, hazard_id, inspection_id, true).await;
    assert_review_moved(&app, hazard_id).await;
}

#[tokio::test]
async fn moving_hongtian_by_an_import_moves_its_hazards_inspections_listings_and_files() {
    let app = spawn_app().await;
    jinhu_officer(&app).await;
    let (hazard_id, inspection_id) = awaiting_review(&app).await;

    let city = app.logged_in(REGULATOR).await;
    let rows = vec![crate::imports::row(
        HONGTIAN,
        HONGTIAN_NAME,
        NEW_REGION,
        "168",
        "",
    )];
    let res =
        crate::imports::upload(&city, "鸿田迁址.xlsx", crate::imports::xlsx(&rows), true).await;
    assert_eq!(res.status(), 303);
    let batch = location(&res);
    let res = crate::imports::commit(&city, &batch).await;
    assert_eq!(res.status(), 303);

    let id = app.enterprise_id(HONGTIAN).await;
    assert_copies_moved(&app, id).await;
    assert_sees(&app, TOWN_REGULATOR, hazard_id, inspection_id, false).await;
    assert_sees(&app, JINHU, hazard_id, inspection_id, true).await;
    assert_review_moved(&app, hazard_id).await;
}
