//! 法律依据 links: a checklist item's legal basis links a publication, a hazard found on the
//! item carries the link and its page shows the named article; a link to a publication the
//! editor may not read (or that does not exist) is refused with nothing saved; a reader outside
//! the publication's scope sees the free text only; a repealed publication is flagged with its
//! successor; the demo checklists link the demo publications.

use chrono::Days;
use portal::domain::hazard_flow::HazardState;
use portal::domain::inspection::{HazardCategory, HazardLevel};
use portal::models::{checklist_template, hazard, publication};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::inspections::{
    INSPECTOR, RUIHAN, enterprise_account, multipart, mutual_inspection, submit,
};
use crate::photos::insert_hazard;

/// The text of each article of the test publication, to tell them apart on the page.
const TENTH: &str = "第十条的正文：粉尘爆炸危险场所应当设置泄爆装置。";
const ELEVENTH: &str = "第十一条的正文：不得混淆。";
const TWENTIETH: &str = "第二十条的正文：亦不得混淆。";

async fn publication_id(app: &TestApp, title: &str) -> i64 {
    publication::Entity::find()
        .filter(publication::Column::Title.eq(title))
        .one(&app.core.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no publication {title}"))
        .id
}

async fn template_count(app: &TestApp) -> u64 {
    checklist_template::Entity::find()
        .count(&app.core.db)
        .await
        .expect("count")
}

fn checklist(title: &str, basis: &str, publication: Value) -> Value {
    json!({
        "title": title,
        "topic": "dust",
        "items": [
            {"category": "dust", "requirement": "粉尘爆炸危险场所设置泄爆装置。",
             "legal_basis": basis, "basis_publication_id": publication},
            {"category": "fire", "requirement": "灭火器在有效期内。",
             "legal_basis": "GB 50140-2005 第5.1.1条"},
        ],
    })
}

#[tokio::test]
async fn a_linked_item_passes_its_link_to_the_hazard_whose_page_shows_the_named_article() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let res = app
        .api_post(
            "/api/v1/publications",
            &yjj,
            &json!({
                "kind": "rule", "title": "测试粉尘防爆规定", "doc_number": "测试令第1号",
                "issuer": "瑞安市应急管理局", "published_on": "2026-03-01", "effective_on": "",
                "body": format!("**第一条** 总则。\n\n**第十条** {TENTH}\n\n1. 泄爆口朝向安全方向。\n\n**第十一条** {ELEVENTH}\n\n**第二十条** {TWENTIETH}\n"),
                "is_public": false, "industries": [], "risk_tags": [],
            }),
        )
        .await;
    assert_eq!(res.status(), 201, "publish");
    let p: Value = res.json().await.expect("json");
    let pid = p["id"].as_i64().expect("id");

    let res = app
        .api_post(
            "/api/v1/checklists",
            &yjj,
            &checklist("泄爆检查表", "《测试粉尘防爆规定》第十条", json!(pid)),
        )
        .await;
    assert_eq!(res.status(), 201, "create checklist");
    let detail: Value = res.json().await.expect("json");
    let version = &detail["versions"][0];
    let items = version["items"].as_array().expect("items");
    assert_eq!(items[0]["basis_publication"]["id"], pid);
    assert_eq!(items[0]["basis_publication"]["title"], "测试粉尘防爆规定");
    assert_eq!(items[0]["basis_publication"]["doc_number"], "测试令第1号");
    assert_eq!(items[0]["basis_publication"]["status"], "current");
    assert_eq!(items[1]["basis_publication"], Value::Null);

    // 瑞韩 inspects 鸿田 with it: the failed item's hazard copies the link; a free finding
    // names the demo dust rule.
    enterprise_account(&app, INSPECTOR, RUIHAN).await;
    let version_id = version["id"].as_i64().expect("version id");
    let id = mutual_inspection(&app, version_id, RUIHAN, HONGTIAN).await;
    let dust = publication_id(&app, "工贸企业粉尘防爆安全规定").await;
    let deadline = (app.core.today() + Days::new(30)).to_string();
    let s = json!({
        "inspectors": "张工",
        "answers": [
            {"item_id": items[0]["id"], "result": "fail",
             "hazard": {"location": "抛光车间", "deadline": deadline}},
            {"item_id": items[1]["id"], "result": "pass"},
        ],
        "extra_hazards": [
            {"title": "除尘器未接地", "category": "dust", "location": "除尘间",
             "deadline": deadline, "legal_basis": "《工贸企业粉尘防爆安全规定》第一条",
             "basis_publication_id": dust},
        ],
    });
    let token = app.api_token(INSPECTOR).await;
    let res = submit(&app, &token, id, multipart(&s, vec![]), None).await;
    assert_eq!(
        res.status(),
        200,
        "submit: {}",
        res.text().await.unwrap_or_default()
    );
    let outcome: Value = res.json().await.expect("json");
    let hazard_ids: Vec<i64> = outcome["hazard_ids"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert_eq!(hazard_ids.len(), 2);

    let qiye1 = app.api_token(ENTERPRISE).await;
    let found = app
        .api_json(&format!("/api/v1/hazards/{}", hazard_ids[0]), &qiye1)
        .await;
    assert_eq!(found["legal_basis"], "《测试粉尘防爆规定》第十条");
    assert_eq!(found["basis_publication"]["id"], pid);
    assert_eq!(found["basis_publication"]["status"], "current");
    let free = app
        .api_json(&format!("/api/v1/hazards/{}", hazard_ids[1]), &qiye1)
        .await;
    assert_eq!(free["basis_publication"]["id"], dust);

    let page = app
        .logged_in(ENTERPRISE)
        .await
        .page(&format!("/hazards/{}", hazard_ids[0]))
        .await;
    assert!(page.contains(TENTH), "the tenth article is shown");
    assert!(
        page.contains("泄爆口朝向安全方向"),
        "with the rest of the article"
    );
    assert!(!page.contains(ELEVENTH), "not the eleventh");
    assert!(!page.contains(TWENTIETH), "not the twentieth");
    assert!(page.contains(&format!("href=\"/publications/{pid}\"")));
    assert!(page.contains("测试令第1号") && page.contains("瑞安市应急管理局"));
}

#[tokio::test]
async fn a_link_to_an_absent_or_unreadable_publication_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let before = template_count(&app).await;
    let yjj = app.api_token(REGULATOR).await;
    let res = app
        .api_post(
            "/api/v1/checklists",
            &yjj,
            &checklist("不存在的依据", "《某规定》第十条", json!(999_999)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["fields"]["items[0].basis_publication_id"].is_string(),
        "{body}"
    );

    // 韩田's committee may not read the 汽摩配 alliance's notice: the form comes back with the
    // message and what was typed.
    let notice = publication_id(&app, "关于开展第一季度成员单位互查活动的通知").await;
    let hantian = app.logged_in(COMMITTEE_REGIONAL).await;
    let notice_id = notice.to_string();
    let res = hantian
        .post_form(
            "/committee/checklists",
            "/committee/checklists/new",
            &[
                ("title", "韩田片区互查表"),
                ("topic", "general"),
                ("note", ""),
                ("category", "fire"),
                ("requirement", "消防通道畅通。"),
                ("legal_basis", "《通知》第一条"),
                ("basis_publication_id", &notice_id),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("basis.unknown_publication"))));
    assert!(html.contains("韩田片区互查表") && html.contains("消防通道畅通。"));
    assert!(
        !html.contains("关于开展第一季度成员单位互查活动的通知"),
        "the refused page does not name the notice"
    );
    assert_eq!(template_count(&app).await, before, "nothing saved");

    // The editor offers what the committee may read: the city's current rules, current first.
    let form = hantian.page("/committee/checklists/new").await;
    let dust = form
        .find("工贸企业粉尘防爆安全规定")
        .expect("a current rule offered");
    let repealed = form
        .find("严防企业粉尘爆炸五条规定")
        .expect("a repealed one too");
    assert!(dust < repealed, "current ones first");
    assert!(!form.contains("关于开展第一季度成员单位互查活动的通知"));
}

/// A hazard at 华鑫 (qiye2, 锦湖街道) whose legal basis links 塘下镇's own notice, as linked
/// while readable (a finding's link is copied from its checklist item without a check).
async fn huaxin_hazard_linking(app: &TestApp, publication_id: i64) -> hazard::Model {
    let mut h = insert_hazard(app, "有限空间未设警示标志")
        .await
        .into_active_model();
    let huaxin = app.enterprise_id(HUAXIN).await;
    let path = portal::models::enterprise::Entity::find_by_id(huaxin)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise")
        .region_path;
    h.enterprise_id = Set(huaxin);
    h.region_path = Set(path);
    h.alliance_id = Set(None);
    h.reporter_enterprise_id = Set(None);
    h.category = Set(HazardCategory::Confined);
    h.level = Set(HazardLevel::General);
    h.state = Set(HazardState::Reported);
    h.legal_basis = Set("《塘下镇关于开展有限空间作业专项检查的通知》".into());
    h.basis_publication_id = Set(Some(publication_id));
    h.update(&app.core.db).await.expect("hazard")
}

#[tokio::test]
async fn a_reader_outside_the_publications_scope_sees_the_free_text_but_no_link() {
    let app = spawn_app().await;
    let notice = publication_id(&app, "塘下镇关于开展有限空间作业专项检查的通知").await;
    let h = huaxin_hazard_linking(&app, notice).await;

    let qiye2 = app.api_token(ENTERPRISE_OTHER).await;
    let seen = app
        .api_json(&format!("/api/v1/hazards/{}", h.id), &qiye2)
        .await;
    assert_eq!(
        seen["legal_basis"],
        "《塘下镇关于开展有限空间作业专项检查的通知》"
    );
    assert_eq!(seen["basis_publication"], Value::Null);
    let page = app
        .logged_in(ENTERPRISE_OTHER)
        .await
        .page(&format!("/hazards/{}", h.id))
        .await;
    assert!(page.contains("《塘下镇关于开展有限空间作业专项检查的通知》"));
    assert!(!page.contains(&format!("/publications/{notice}")));
    assert!(!page.contains("basis-opening") && !page.contains("basis-article"));

    // The city bureau may read the town's notice: it sees the link and the opening.
    let yjj = app.api_token(REGULATOR).await;
    let city = app
        .api_json(&format!("/api/v1/hazards/{}", h.id), &yjj)
        .await;
    assert_eq!(city["basis_publication"]["id"], notice);
    let page = app
        .logged_in(REGULATOR)
        .await
        .page(&format!("/hazards/{}", h.id))
        .await;
    assert!(page.contains(&format!("href=\"/publications/{notice}\"")));
    assert!(
        page.contains("basis-opening"),
        "no article named: the opening"
    );
}

#[tokio::test]
async fn a_repealed_publication_is_flagged_with_its_successor() {
    let app = spawn_app().await;
    let repealed = publication_id(&app, "严防企业粉尘爆炸五条规定").await;
    let successor = publication_id(&app, "工贸企业粉尘防爆安全规定").await;
    let mut h = insert_hazard(&app, "粉尘未及时清理")
        .await
        .into_active_model();
    h.legal_basis = Set("《严防企业粉尘爆炸五条规定》第一条".into());
    h.basis_publication_id = Set(Some(repealed));
    let h = h.update(&app.core.db).await.expect("hazard");

    let qiye1 = app.api_token(ENTERPRISE).await;
    let seen = app
        .api_json(&format!("/api/v1/hazards/{}", h.id), &qiye1)
        .await;
    assert_eq!(seen["basis_publication"]["status"], "repealed");
    let page = app
        .logged_in(ENTERPRISE)
        .await
        .page(&format!("/hazards/{}", h.id))
        .await;
    assert!(page.contains("basis-outdated"), "flagged");
    assert!(page.contains(&message("publication_status.repealed")));
    assert!(page.contains(&format!("href=\"/publications/{successor}\"")));
    assert!(page.contains(&html_escape(&portal::i18n::t_args(
        portal::i18n::Lang::ZhCn,
        "basis.see_successor",
        &[("title", "工贸企业粉尘防爆安全规定")]
    ))));
}

#[tokio::test]
async fn the_demo_checklists_link_the_demo_publications_their_bases_cite() {
    let app = spawn_app().await;
    let admin = app.api_token(ADMIN).await;
    let list = app
        .api_json("/api/v1/checklists?q=粉尘涉爆企业安全检查表", &admin)
        .await;
    let id = list["items"][0]["id"]
        .as_i64()
        .expect("demo dust checklist");
    let detail = app
        .api_json(&format!("/api/v1/checklists/{id}"), &admin)
        .await;
    let items = detail["versions"][0]["items"].as_array().expect("items");
    let cited = items
        .iter()
        .find(|i| i["legal_basis"] == "《工贸企业粉尘防爆安全规定》第八条、第十条")
        .expect("the item citing the dust rule");
    assert_eq!(
        cited["basis_publication"]["title"],
        "工贸企业粉尘防爆安全规定"
    );
    let standard_only = items
        .iter()
        .find(|i| i["legal_basis"] == "GB 15577-2018《粉尘防爆安全规程》第8.2.4条")
        .expect("an item citing a standard not in the library");
    assert_eq!(standard_only["basis_publication"], Value::Null);
}

#[tokio::test]
async fn a_free_finding_on_the_inspection_page_names_its_publication_or_is_refused() {
    let app = spawn_app().await;
    let (id, items) = crate::inspections::setup(&app).await;
    let inspector = app.logged_in(INSPECTOR).await;
    let page = inspector.page(&format!("/inspections/{id}")).await;
    let csrf = csrf_in(&page).expect("csrf");
    let res = inspector
        .client
        .post(inspector.url(&format!("/inspections/{id}/start")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 303);
    let page = inspector.page(&format!("/inspections/{id}")).await;
    assert!(
        page.contains("name=\"extra_0_basis_publication_id\""),
        "the picker"
    );
    assert!(page.contains("工贸企业粉尘防爆安全规定"));
    let csrf = csrf_in(&page).expect("csrf");
    let dust = publication_id(&app, "工贸企业粉尘防爆安全规定").await;
    let deadline = (app.core.today() + Days::new(30)).to_string();
    let post = |publication: String| {
        let mut form = reqwest::multipart::Form::new()
            .text("inspectors", "张工")
            .text("extra_0_title", "除尘器未接地")
            .text("extra_0_category", "dust")
            .text("extra_0_level", "general")
            .text("extra_0_location", "除尘间")
            .text("extra_0_deadline", deadline.clone())
            .text("extra_0_legal_basis", "《工贸企业粉尘防爆安全规定》第一条")
            .text("extra_0_basis_publication_id", publication);
        for item in &items {
            form = form.text(format!("item_{item}_result"), "pass");
        }
        inspector
            .client
            .post(inspector.url(&format!("/inspections/{id}/submit?_csrf={csrf}")))
            .multipart(form)
            .send()
    };
    let res = post("999999".into()).await.expect("submit");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("basis.unknown_publication"))));
    assert!(html.contains("除尘器未接地"), "values kept");
    assert_eq!(
        hazard::Entity::find()
            .count(&app.core.db)
            .await
            .expect("count"),
        0
    );

    let res = post(dust.to_string()).await.expect("submit");
    assert_eq!(res.status(), 303);
    let found = hazard::Entity::find()
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("the finding");
    assert_eq!(found.basis_publication_id, Some(dust));
}
