//! Inspections end to end: a mutual inspection submitted with photos becomes hazards the
//! inspected enterprise, its committee and the bureau see; only the inspecting side submits;
//! a retried submit writes nothing twice; refused uploads store nothing.

mod flow;
mod refusals;
mod scope;

use chrono::NaiveDate;
use portal::domain::inspection::InspectionKind;
use portal::domain::inspection::InspectionState;
use portal::models::{checklist_item, checklist_template, checklist_version, inspection, region};
use portal::services::audit::Author;
use portal::services::users::{self, NewUser};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::{HONGTIAN, PASSWORD, QPW_ALLIANCE, TestApp};

/// 浙江瑞韩汽车部件有限公司: lead of the industry alliance, in the same group as 鸿田.
pub const RUIHAN: &str = "91330381MA22WWTGXK";
/// The inspector's account created for 瑞韩 by these tests.
pub const INSPECTOR: &str = "ruihan";

/// An enterprise admin account for the enterprise with this credit code.
pub async fn enterprise_account(app: &TestApp, username: &str, credit_code: &str) {
    users::create(
        &app.core,
        &app.core.db,
        &Author::system(),
        NewUser {
            username: username.into(),
            display_name: username.into(),
            password: PASSWORD.into(),
            role: portal::domain::role::Role::EnterpriseAdmin,
            email: None,
            region_code: None,
            alliance_name: None,
            enterprise_credit_code: Some(credit_code.into()),
            expert_id: None,
        },
    )
    .await
    .expect("create enterprise account");
}

/// A city-wide checklist of three items (fire, electrical, dust); returns the version id and
/// the item ids in order.
pub async fn checklist(app: &TestApp) -> (i64, Vec<i64>) {
    let db = &app.core.db;
    let now = app.core.now();
    let city = region::Entity::find()
        .filter(region::Column::Code.eq("330381"))
        .one(db)
        .await
        .expect("query")
        .expect("city region");
    let template = checklist_template::ActiveModel {
        title: Set("测试检查表".into()),
        topic: Set("general".into()),
        region_id: Set(Some(city.id)),
        alliance_id: Set(None),
        region_path: Set(city.path.clone()),
        status: Set(portal::domain::inspection::TemplateStatus::Active),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("template");
    let version = checklist_version::ActiveModel {
        template_id: Set(template.id),
        version: Set(1),
        note: Set(None),
        published_by: Set(None),
        published_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("version");
    let mut items = Vec::new();
    for (seq, (category, requirement, basis)) in [
        (
            "fire",
            "疏散通道、安全出口保持畅通，未堵塞、锁闭",
            "《消防法》第二十八条",
        ),
        (
            "electrical",
            "配电箱完好，箱门关闭，无私拉乱接电线",
            "GB 50054-2011 第4.2条",
        ),
        ("dust", "除尘系统按规定清理并记录", "GB 15577-2018 第6.3条"),
    ]
    .into_iter()
    .enumerate()
    {
        let item = checklist_item::ActiveModel {
            version_id: Set(version.id),
            seq: Set(seq as i32 + 1),
            category: Set(category.into()),
            requirement: Set(requirement.into()),
            legal_basis: Set(basis.into()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("item");
        items.push(item.id);
    }
    (version.id, items)
}

/// A planned mutual inspection in the industry alliance: `inspecting` inspects `inspected`.
pub async fn mutual_inspection(
    app: &TestApp,
    version_id: i64,
    inspecting: &str,
    inspected: &str,
) -> i64 {
    let inspected_id = app.enterprise_id(inspected).await;
    let inspecting_id = app.enterprise_id(inspecting).await;
    let target = portal::models::enterprise::Entity::find_by_id(inspected_id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise");
    inspection::ActiveModel {
        kind: Set(InspectionKind::Mutual),
        round_id: Set(None),
        alliance_id: Set(Some(app.alliance_id(QPW_ALLIANCE).await)),
        group_id: Set(None),
        inspecting_enterprise_id: Set(Some(inspecting_id)),
        inspected_enterprise_id: Set(inspected_id),
        region_path: Set(target.region_path),
        template_version_id: Set(version_id),
        planned_on: Set(NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")),
        state: Set(InspectionState::Planned),
        inspectors: Set(String::new()),
        created_at: Set(app.core.now()),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("inspection")
    .id
}

/// The usual setup: 瑞韩's inspector account and a planned inspection of 鸿田 (ENTERPRISE).
pub async fn setup(app: &TestApp) -> (i64, Vec<i64>) {
    enterprise_account(app, INSPECTOR, RUIHAN).await;
    let (version, items) = checklist(app).await;
    let id = mutual_inspection(app, version, RUIHAN, HONGTIAN).await;
    (id, items)
}

/// A submission failing the second item, with one extra hazard; photos in `item_photo` and
/// `extra_photo`.
pub fn submission(items: &[i64]) -> Value {
    json!({
        "inspectors": "张工、李工",
        "summary": "总体良好，配电箱需整改。",
        "answers": [
            {"item_id": items[0], "result": "pass"},
            {"item_id": items[1], "result": "fail", "note": "配电箱门损坏", "photos": ["item_photo"],
             "hazard": {"location": "二车间东侧", "deadline": "2026-12-24", "suggested_measure": "更换箱门"}},
            {"item_id": items[2], "result": "na"}
        ],
        "extra_hazards": [
            {"title": "灭火器过期", "category": "fire", "level": "general", "location": "仓库门口",
             "deadline": "2026-12-10", "photos": ["extra_photo"]}
        ]
    })
}

/// Multipart body: the submission JSON and the named files.
pub fn multipart(
    submission: &Value,
    files: Vec<(&str, &str, Vec<u8>)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("submission", submission.to_string());
    for (field, name, bytes) in files {
        form = form.part(
            field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    form
}

/// POSTs a submit through the API.
pub async fn submit(
    app: &TestApp,
    token: &str,
    id: i64,
    form: reqwest::multipart::Form,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = crate::helpers::bare_client()
        .post(app.url(&format!("/api/v1/inspections/{id}/submit")))
        .bearer_auth(token)
        .multipart(form);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.expect("submit")
}

/// Rows in a table, to prove nothing was written.
pub async fn count<E: EntityTrait>(app: &TestApp, _: E) -> u64
where
    E::Model: Sync,
{
    E::find().count(&app.core.db).await.expect("count")
}

/// Blobs in the storage folder (originals, public copies, thumbnails), counted through its
/// subfolders.
pub fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() { walk(&p) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.core.settings.data_dir.join("files"))
}
