//! 检查表: who sees and changes checklist templates, the versioning rule (an unused version is
//! rewritten, a used one is kept and the next version made), the item editor's refused form,
//! archiving, and the demo templates.

use chrono::Utc;
use portal::domain::inspection::InspectionKind;
use portal::domain::inspection::InspectionState;
use portal::models::{checklist_item, enterprise, inspection};
use portal::scope::Scope;
use portal::services::checklists;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::helpers::*;

const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";
const CITY_FIRE: &str = "消防安全检查表（通用）";
const QPW_TEMPLATE: &str = "汽摩配小微企业安全生产综合互查表";

fn template(title: &str) -> Value {
    json!({
        "title": title,
        "topic": "hazchem",
        "items": [
            {"category": "hazchem", "requirement": "危险化学品存放于专用仓库，分类分区储存。",
             "legal_basis": "《危险化学品安全管理条例》第二十四条"},
            {"category": "fire", "requirement": "仓库配置足量灭火器材并在有效期内。",
             "legal_basis": "GB 50140-2005 第5.1.1条"},
        ],
    })
}

fn edited(title: &str) -> Value {
    json!({
        "title": title,
        "topic": "hazchem",
        "note": "增加防静电要求",
        "items": [
            {"category": "hazchem", "requirement": "危险化学品存放于专用仓库，分类分区储存。",
             "legal_basis": "《危险化学品安全管理条例》第二十四条"},
            {"category": "electrical", "requirement": "装卸易燃液体时采取静电接地措施。",
             "legal_basis": "GB 12158-2006 第6.1条"},
            {"category": "fire", "requirement": "仓库配置足量灭火器材并在有效期内。",
             "legal_basis": "GB 50140-2005 第5.1.1条"},
        ],
    })
}

async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    bare_client()
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("PUT")
}

/// Publishes a template through the API; returns its detail.
async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.api_post("/api/v1/checklists", token, body).await;
    assert_eq!(res.status(), 201, "create checklist");
    res.json().await.expect("json")
}

/// The id of the template with this title, as the admin sees it.
async fn template_id(app: &TestApp, title: &str) -> i64 {
    let admin = app.api_token(ADMIN).await;
    let list = app
        .api_json(
            &format!("/api/v1/checklists?per_page=100&q={}", urlencode(title)),
            &admin,
        )
        .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["title"] == title)
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("no template {title}"))
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn titles(app: &TestApp, token: &str) -> Vec<String> {
    let list = app.api_json("/api/v1/checklists?per_page=100", token).await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// An inspection of HONGTIAN (a self-inspection) with this checklist version.
async fn inspection_using(app: &TestApp, version_id: i64) -> i64 {
    let e = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(HONGTIAN))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise");
    inspection::ActiveModel {
        kind: Set(InspectionKind::SelfCheck),
        round_id: Set(None),
        alliance_id: Set(None),
        group_id: Set(None),
        inspecting_enterprise_id: Set(Some(e.id)),
        inspected_enterprise_id: Set(e.id),
        region_path: Set(e.region_path.clone()),
        template_version_id: Set(version_id),
        planned_on: Set(app.core.today()),
        state: Set(InspectionState::Planned),
        inspectors: Set("周建华".into()),
        summary: Set(None),
        created_by: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("insert inspection")
    .id
}

/// The scope of the committee of this alliance.
async fn alliance_scope(app: &TestApp, name: &str) -> Scope {
    let alliance_id = app.alliance_id(name).await;
    let alliance = portal::models::alliance::Entity::find_by_id(alliance_id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("alliance");
    Scope::Alliance {
        alliance_id,
        region_path: alliance.region_path,
    }
}

async fn items_of(app: &TestApp, version_id: i64) -> Vec<String> {
    checklist_item::Entity::find()
        .filter(checklist_item::Column::VersionId.eq(version_id))
        .order_by_asc(checklist_item::Column::Seq)
        .all(&app.core.db)
        .await
        .expect("items")
        .into_iter()
        .map(|i| i.requirement)
        .collect()
}

#[tokio::test]
async fn a_town_bureau_template_is_usable_by_the_committees_of_its_town_only() {
    let app = spawn_app().await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let d = create(&app, &town, &template("塘下镇危化品储存检查表")).await;
    let id = d["template"]["id"].as_i64().expect("id");
    assert_eq!(d["versions"][0]["version"], 1);
    assert_eq!(d["versions"][0]["items"].as_array().map(Vec::len), Some(2));

    // The 塘下 committee sees it in its list and may plan inspections with it.
    let hantian = app.api_token(COMMITTEE_REGIONAL).await;
    assert!(
        titles(&app, &hantian)
            .await
            .contains(&"塘下镇危化品储存检查表".to_string())
    );
    let scope = alliance_scope(&app, HANTIAN_ALLIANCE).await;
    let choices = checklists::choices(&app.core, &scope)
        .await
        .expect("choices");
    assert!(
        choices
            .iter()
            .any(|c| c.template_id == id && c.version == 1)
    );
    assert_eq!(
        app.api_get(&format!("/api/v1/checklists/{id}"), &hantian)
            .await
            .status(),
        200
    );
    // But not to change it, and a city-wide committee and the city's enterprises do not see it.
    assert_eq!(
        put(
            &app,
            &format!("/api/v1/checklists/{id}"),
            &hantian,
            &edited("x")
        )
        .await
        .status(),
        403
    );
    let qpw = app.api_token(COMMITTEE).await;
    assert_eq!(
        app.api_get(&format!("/api/v1/checklists/{id}"), &qpw)
            .await
            .status(),
        404
    );
    // The city bureau above sees it too.
    let city = app.api_token(REGULATOR).await;
    assert!(
        titles(&app, &city)
            .await
            .contains(&"塘下镇危化品储存检查表".to_string())
    );
}

#[tokio::test]
async fn a_committee_template_is_hidden_from_other_alliances_and_bureaus_outside_its_region() {
    let app = spawn_app().await;
    let qpw = app.api_token(COMMITTEE).await;
    let d = create(&app, &qpw, &template("汽摩配危化品专项互查表")).await;
    let id = d["template"]["id"].as_i64().expect("id");
    assert_eq!(d["template"]["owner_kind"], "committee");
    assert_eq!(d["template"]["owner_name"], QPW_ALLIANCE);
    let path = format!("/api/v1/checklists/{id}");

    for other in [COMMITTEE_REGIONAL, TOWN_REGULATOR, ENTERPRISE_OTHER] {
        let token = app.api_token(other).await;
        assert_eq!(app.api_get(&path, &token).await.status(), 404, "{other}");
        assert_eq!(
            put(&app, &path, &token, &edited("改")).await.status(),
            if other == ENTERPRISE_OTHER { 403 } else { 404 },
            "{other} edits"
        );
        assert!(
            !titles(&app, &token)
                .await
                .contains(&"汽摩配危化品专项互查表".to_string())
        );
    }
    let town = app.logged_in(TOWN_REGULATOR).await;
    assert_eq!(
        town.get(&format!("/regulator/checklists/{id}"))
            .await
            .status(),
        404
    );
    // The city bureau holds the alliance in its region: it reads, but may not change it.
    let city = app.api_token(REGULATOR).await;
    assert_eq!(app.api_get(&path, &city).await.status(), 200);
    assert_eq!(put(&app, &path, &city, &edited("改")).await.status(), 403);
    // A member enterprise of the alliance reads it on its own page.
    let member = app.logged_in(ENTERPRISE).await;
    let html = member.page("/enterprise/checklists").await;
    assert!(html.contains("汽摩配危化品专项互查表"));
    let html = member.page(&format!("/enterprise/checklists/{id}")).await;
    assert!(html.contains("危险化学品存放于专用仓库"));
    assert!(!html.contains(&format!("/checklists/{id}/edit")));
}

#[tokio::test]
async fn editing_an_unused_version_rewrites_it_in_place() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let d = create(&app, &city, &template("危化品储存检查表")).await;
    let id = d["template"]["id"].as_i64().expect("id");
    let v1 = d["versions"][0]["id"].as_i64().expect("version id");

    let res = put(
        &app,
        &format!("/api/v1/checklists/{id}"),
        &city,
        &edited("危化品储存检查表（修订）"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.expect("json");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["version_id"], v1);
    assert_eq!(saved["new_version"], false);

    let d = app
        .api_json(&format!("/api/v1/checklists/{id}"), &city)
        .await;
    assert_eq!(d["template"]["title"], "危化品储存检查表（修订）");
    assert_eq!(d["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        items_of(&app, v1).await[1],
        "装卸易燃液体时采取静电接地措施。"
    );
}

#[tokio::test]
async fn editing_a_used_version_makes_the_next_one_and_the_inspection_keeps_its_items() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let d = create(&app, &city, &template("危化品储存检查表")).await;
    let id = d["template"]["id"].as_i64().expect("id");
    let v1 = d["versions"][0]["id"].as_i64().expect("version id");
    let before = items_of(&app, v1).await;
    let used_by = inspection_using(&app, v1).await;

    // The edit page says what saving will do.
    let browser = app.logged_in(REGULATOR).await;
    let html = browser
        .page(&format!("/regulator/checklists/{id}/edit"))
        .await;
    let note = message("checklists.will_version")
        .replace("{n}", "1")
        .replace("{m}", "2");
    assert!(
        html.contains(&html_escape(&note)),
        "the edit page warns: {note}"
    );

    let res = put(
        &app,
        &format!("/api/v1/checklists/{id}"),
        &city,
        &edited("危化品储存检查表"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.expect("json");
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["new_version"], true);
    assert_ne!(saved["version_id"], v1);

    assert_eq!(items_of(&app, v1).await, before, "version 1 is untouched");
    let kept = inspection::Entity::find_by_id(used_by)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("inspection");
    assert_eq!(kept.template_version_id, v1);

    let d = app
        .api_json(&format!("/api/v1/checklists/{id}"), &city)
        .await;
    assert_eq!(d["versions"][0]["version"], 2);
    assert_eq!(d["versions"][0]["inspections"], 0);
    assert_eq!(d["versions"][1]["version"], 1);
    assert_eq!(d["versions"][1]["inspections"], 1);
    // Version 1 stays readable as it was.
    let html = browser
        .page(&format!("/regulator/checklists/{id}?version=1"))
        .await;
    assert!(html.contains("仓库配置足量灭火器材并在有效期内"));
    assert!(!html.contains("装卸易燃液体时采取静电接地措施"));

    // Version 2 is unused: the next save rewrites it.
    let res = put(
        &app,
        &format!("/api/v1/checklists/{id}"),
        &city,
        &template("危化品储存检查表"),
    )
    .await;
    let saved: Value = res.json().await.expect("json");
    assert_eq!(
        (saved["version"].clone(), saved["new_version"].clone()),
        (json!(2), json!(false))
    );
}

#[tokio::test]
async fn two_concurrent_edits_of_a_used_version_make_two_distinct_versions() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let d = create(&app, &city, &template("危化品储存检查表")).await;
    let id = d["template"]["id"].as_i64().expect("id");
    inspection_using(&app, d["versions"][0]["id"].as_i64().expect("v1")).await;
    let path = format!("/api/v1/checklists/{id}");
    let (first, second) = (edited("甲"), edited("乙"));
    let (a, b) = tokio::join!(
        put(&app, &path, &city, &first),
        put(&app, &path, &city, &second)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let d = app.api_json(&path, &city).await;
    let versions: Vec<i64> = d["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    // The first save made version 2 (unused), the second rewrote it: never two "version 2".
    assert_eq!(versions, [2, 1]);
}

#[tokio::test]
async fn a_refused_checklist_form_comes_back_with_every_value_and_the_messages() {
    let app = spawn_app().await;
    let browser = app.logged_in(COMMITTEE).await;
    let res = browser
        .post_form(
            "/committee/checklists",
            "/committee/checklists/new",
            &[
                ("title", "冲压车间互查表"),
                ("topic", "general"),
                ("category", "machinery"),
                ("requirement", "冲床光电保护装置完好有效。"),
                ("legal_basis", "GB 17120-2012 第4.3条"),
                ("category", "electrical"),
                ("requirement", "配电箱门关闭并上锁。"),
                ("legal_basis", ""),
                ("category", ""),
                ("requirement", ""),
                ("legal_basis", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("冲压车间互查表"));
    assert!(html.contains("冲床光电保护装置完好有效。"));
    assert!(html.contains("配电箱门关闭并上锁。"));
    assert!(html.contains(&html_escape("GB 17120-2012 第4.3条")));
    assert!(html.contains(&html_escape(&message("form.required"))));
    assert!(html.contains("<option value=\"machinery\" selected>"));
    assert!(html.contains("<option value=\"electrical\" selected>"));
    // The message sits by the second row's legal basis; the blank row is dropped and fresh
    // blank rows follow the two filled ones.
    assert!(html.contains("id=\"i1-legal_basis\" name=\"legal_basis\" value=\"\" maxlength=\"500\" aria-invalid=\"true\""));
    assert!(html.contains("id=\"i4-requirement\""));
    assert!(!html.contains("id=\"i5-requirement\""));
    let qpw = app.api_token(COMMITTEE).await;
    assert!(
        !titles(&app, &qpw)
            .await
            .contains(&"冲压车间互查表".to_string())
    );

    // The same form, completed, publishes version 1 under the committee.
    let res = browser
        .post_form(
            "/committee/checklists",
            "/committee/checklists/new",
            &[
                ("title", "冲压车间互查表"),
                ("topic", "general"),
                ("category", "machinery"),
                ("requirement", "冲床光电保护装置完好有效。"),
                ("legal_basis", "GB 17120-2012 第4.3条"),
                ("category", "electrical"),
                ("requirement", "配电箱门关闭并上锁。"),
                ("legal_basis", "GB/T 13869-2017 第6.7条"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let at = location(&res);
    assert!(at.starts_with("/committee/checklists/"), "{at}");
    let html = browser.page(&at).await;
    assert!(html.contains("配电箱门关闭并上锁。"));
}

#[tokio::test]
async fn a_town_bureau_cannot_change_the_city_template() {
    let app = spawn_app().await;
    let id = template_id(&app, CITY_FIRE).await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let path = format!("/api/v1/checklists/{id}");
    assert_eq!(app.api_get(&path, &town).await.status(), 200, "it reads it");
    assert_eq!(put(&app, &path, &town, &edited("改")).await.status(), 403);
    assert_eq!(
        app.api_post(&format!("{path}/archive"), &town, &json!({}))
            .await
            .status(),
        403
    );
    let browser = app.logged_in(TOWN_REGULATOR).await;
    let page = format!("/regulator/checklists/{id}");
    let html = browser.page(&page).await;
    assert!(!html.contains(&format!("{page}/edit")), "no edit button");
    assert_eq!(browser.get(&format!("{page}/edit")).await.status(), 403);
    let res = browser
        .post_form(
            &page,
            &page,
            &[
                ("title", "改"),
                ("topic", "fire"),
                ("category", "fire"),
                ("requirement", "x"),
                ("legal_basis", "y"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let city = app.api_token(REGULATOR).await;
    let d = app.api_json(&path, &city).await;
    assert_eq!(d["template"]["title"], CITY_FIRE);
    assert_eq!(d["template"]["status"], "active");
}

#[tokio::test]
async fn archiving_hides_a_template_from_the_choices_but_keeps_it_readable() {
    let app = spawn_app().await;
    let id = template_id(&app, QPW_TEMPLATE).await;
    let browser = app.logged_in(COMMITTEE).await;
    let page = format!("/committee/checklists/{id}");
    let res = browser
        .post_form(&format!("{page}/archive"), &page, &[])
        .await;
    assert_eq!(res.status(), 303);
    let scope = alliance_scope(&app, QPW_ALLIANCE).await;
    let choices = checklists::choices(&app.core, &scope)
        .await
        .expect("choices");
    assert!(choices.iter().all(|c| c.template_id != id));
    let html = browser.page(&page).await;
    assert!(html.contains(&html_escape(&message("checklists.archived_hint"))));
    // Enterprises no longer get it offered.
    let member = app.logged_in(ENTERPRISE).await;
    assert!(
        !member
            .page("/enterprise/checklists")
            .await
            .contains(QPW_TEMPLATE)
    );

    let res = browser
        .post_form(&format!("{page}/restore"), &page, &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        member
            .page("/enterprise/checklists")
            .await
            .contains(QPW_TEMPLATE)
    );
    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=checklist.archive", &admin)
        .await;
    assert_eq!(log["total"], 1);
}

#[tokio::test]
async fn the_demo_templates_are_there_for_the_city_and_the_committee_one_for_its_alliance() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let list = app
        .api_json("/api/v1/checklists?owner=bureau&per_page=100", &city)
        .await;
    assert!(list["total"].as_u64().unwrap_or(0) >= 4);
    let fire = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["title"] == CITY_FIRE)
        .expect("the city fire checklist")
        .clone();
    assert_eq!(fire["topic"], "fire");
    assert_eq!(fire["owner_name"], "瑞安市");
    assert!(fire["item_count"].as_u64().unwrap_or(0) >= 8);
    let topics = app.api_json("/api/v1/checklists?topic=dust", &city).await;
    assert_eq!(topics["total"], 1);

    assert!(
        titles(&app, &app.api_token(COMMITTEE).await)
            .await
            .contains(&QPW_TEMPLATE.to_string())
    );
    let hantian = titles(&app, &app.api_token(COMMITTEE_REGIONAL).await).await;
    assert!(hantian.contains(&CITY_FIRE.to_string()));
    assert!(!hantian.contains(&QPW_TEMPLATE.to_string()));
    // Each portal lists them on its own page.
    let html = app
        .logged_in(REGULATOR)
        .await
        .page("/regulator/checklists")
        .await;
    assert!(html.contains(CITY_FIRE) && html.contains(QPW_TEMPLATE));
    let html = app
        .logged_in(COMMITTEE)
        .await
        .page("/committee/checklists")
        .await;
    assert!(html.contains(CITY_FIRE) && html.contains(QPW_TEMPLATE));
}
