//! 法律法规 / 通知公告: publishing with its audit records, who reads what (bureau, committee,
//! enterprise, expert, visitor), the Chinese search with its filters and order, the public
//! pages, the sanitised body, refused input shown again, and PDFs only.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::photos::pdf_bytes;

/// The issuer of the search test's publications, which keeps the demo library out of its lists.
const ISSUER: &str = "检索测试局";

fn publication(title: &str, body: &str) -> Value {
    json!({
        "kind": "notice",
        "title": title,
        "doc_number": "",
        "issuer": "瑞安市应急管理局",
        "published_on": "2026-03-01",
        "effective_on": "",
        "body": body,
        "is_public": false,
        "industries": [],
        "risk_tags": [],
    })
}

/// Publishes through the API; returns the new publication's id.
async fn publish(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = app.api_post("/api/v1/publications", token, &body).await;
    assert_eq!(res.status(), 201, "publish {body}");
    let v: Value = res.json().await.expect("json");
    v["id"].as_i64().expect("id")
}

async fn status_of(app: &TestApp, token: &str, id: i64) -> u16 {
    app.api_get(&format!("/api/v1/publications/{id}"), token)
        .await
        .status()
        .as_u16()
}

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_bureau_publishes_edits_and_repeals_with_an_audit_record_for_each_step() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let old = publish(
        &app,
        &yjj,
        publication("关于开展有限空间作业专项检查的通知", "旧文本"),
    )
    .await;
    let new = publish(
        &app,
        &yjj,
        publication("关于开展有限空间作业专项整治的通知", "新文本"),
    )
    .await;
    let mut changed = publication("关于开展有限空间作业专项检查的通知（修订）", "旧文本，修订");
    changed["kind"] = json!("normative");
    changed["industries"] = json!(["C36"]);
    let res = app
        .api_put(&format!("/api/v1/publications/{old}"), &yjj, &changed)
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["kind"], "normative");
    assert_eq!(v["industries"][0]["code"], "C36");
    let res = app
        .api_post(
            &format!("/api/v1/publications/{old}/status"),
            &yjj,
            &json!({ "status": "repealed", "superseded_by": new }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["status"], "repealed");
    assert_eq!(v["superseded_by"]["id"], new);
    // A publication cannot supersede itself, and a current one names no successor.
    for body in [
        json!({ "status": "repealed", "superseded_by": old }),
        json!({ "status": "current", "superseded_by": new }),
        json!({ "status": "gone" }),
    ] {
        let res = app
            .api_post(&format!("/api/v1/publications/{old}/status"), &yjj, &body)
            .await;
        assert_eq!(res.status(), 422, "{body}");
    }
    // The bureau's audit log (the demo library's records are the system's).
    for (action, n) in [
        ("publication.create", 2),
        ("publication.update", 1),
        ("publication.status", 1),
    ] {
        let log = app
            .api_json(&format!("/api/v1/audit?action={action}"), &yjj)
            .await;
        assert_eq!(log["total"], n, "{action}: {log}");
        assert_eq!(log["items"][0]["actor_name"], REGULATOR, "{log}");
    }
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_publishes_once() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let res = bare_client()
            .post(app.url("/api/v1/publications"))
            .bearer_auth(&yjj)
            .header("Idempotency-Key", "pub-retry-1")
            .json(&publication("重复提交的通知", "正文"))
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.expect("json");
        ids.push(v["id"].as_i64().expect("id"));
    }
    assert_eq!(ids[0], ids[1]);
    let list = app.api_json("/api/v1/publications?q=重复提交", &yjj).await;
    assert_eq!(list["total"], 1, "{list}");
}

#[tokio::test]
async fn an_idempotency_key_the_document_refuses_is_a_400_and_changes_nothing() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let id = publish(&app, &yjj, publication("键值检查的通知", "正文")).await;
    // (Spaces around a value are HTTP's own: the server never sees them.)
    let bad: [&[u8]; 4] = [b"", b"\xe9\x94\xae", b"tab\there", &[b'k'; 65]];
    for key in bad {
        let res = bare_client()
            .put(app.url(&format!("/api/v1/publications/{id}")))
            .bearer_auth(&yjj)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(key).expect("header value"),
            )
            .json(&publication("改过的标题", "正文"))
            .send()
            .await
            .expect("PUT");
        assert_eq!(res.status(), 400, "key {:?}", String::from_utf8_lossy(key));
    }
    let v = app
        .api_json(&format!("/api/v1/publications/{id}"), &yjj)
        .await;
    assert_eq!(v["title"], "键值检查的通知");
}

#[tokio::test]
async fn a_committees_notice_reaches_its_members_only_and_a_towns_stays_in_its_town() {
    let app = spawn_app().await;
    let committee = app.api_token(COMMITTEE).await;
    let notice = publish(
        &app,
        &committee,
        publication("汽摩配联盟互查安排的通知", "各成员单位"),
    )
    .await;
    let member = app.api_token(ENTERPRISE).await;
    let non_member = app.api_token(ENTERPRISE_OTHER).await;
    let other_committee = app.api_token(COMMITTEE_REGIONAL).await;
    let city = app.api_token(REGULATOR).await;
    let town = app.api_token(TOWN_REGULATOR).await;
    let expert = app.api_token(EXPERT).await;
    assert_eq!(status_of(&app, &member, notice).await, 200);
    assert_eq!(status_of(&app, &non_member, notice).await, 404);
    assert_eq!(status_of(&app, &other_committee, notice).await, 404);
    assert_eq!(status_of(&app, &expert, notice).await, 404);
    assert_eq!(
        status_of(&app, &city, notice).await,
        200,
        "the alliance is in the city"
    );
    // Another committee cannot change it either.
    let res = app
        .api_post(
            &format!("/api/v1/publications/{notice}/status"),
            &other_committee,
            &json!({ "status": "repealed" }),
        )
        .await;
    assert_eq!(res.status(), 404);

    let town_notice = publish(
        &app,
        &town,
        publication("塘下镇安全生产月活动通知", "各企业"),
    )
    .await;
    assert_eq!(
        status_of(&app, &member, town_notice).await,
        200,
        "塘下镇 enterprise"
    );
    assert_eq!(
        status_of(&app, &non_member, town_notice).await,
        404,
        "锦湖街道 enterprise"
    );
    assert_eq!(
        status_of(&app, &city, town_notice).await,
        200,
        "the town is in the city"
    );
    assert_eq!(
        status_of(&app, &committee, town_notice).await,
        404,
        "a city-wide alliance"
    );
    let res = app
        .api_put(
            &format!("/api/v1/publications/{town_notice}"),
            &city,
            &publication("改写", "改写"),
        )
        .await;
    assert_eq!(res.status(), 404, "the city does not edit the town's");

    let city_notice = publish(&app, &city, publication("全市安全生产大检查通知", "各单位")).await;
    for token in [
        &town,
        &member,
        &non_member,
        &committee,
        &other_committee,
        &expert,
    ] {
        assert_eq!(status_of(&app, token, city_notice).await, 200);
    }
    // Enterprises and experts do not publish.
    let res = app
        .api_post(
            "/api/v1/publications",
            &member,
            &publication("企业", "企业"),
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn chinese_words_are_found_in_titles_and_bodies_with_filters_and_title_hits_first() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let mut rule = publication(
        "工贸企业粉尘防爆安全规定",
        "第二条 本规定适用于存在粉尘爆炸危险的工贸企业。",
    );
    rule["kind"] = json!("rule");
    rule["published_on"] = json!("2021-07-25");
    rule["issuer"] = json!(ISSUER);
    publish(&app, &yjj, rule).await;
    let mut old = publication("关于粉尘涉爆企业的通知", "粉尘涉爆企业应当建立除尘系统。");
    old["published_on"] = json!("2019-05-01");
    old["issuer"] = json!(ISSUER);
    publish(&app, &yjj, old).await;
    let mut body_only = publication("安全生产月活动安排", "重点检查粉尘涉爆和有限空间作业场所。");
    body_only["issuer"] = json!(ISSUER);
    publish(&app, &yjj, body_only).await;
    let mut space = publication(
        "工贸企业有限空间作业安全规定",
        "有限空间作业应当坚持先通风、再检测、后作业。",
    );
    space["kind"] = json!("rule");
    space["published_on"] = json!("2023-11-29");
    space["issuer"] = json!(ISSUER);
    publish(&app, &yjj, space).await;
    let mut percent = publication("含氧量不低于19.5%的要求", "下划线_和百分号%照原样检索。");
    percent["issuer"] = json!(ISSUER);
    publish(&app, &yjj, percent).await;

    // 粉尘 (two characters: no trigram) finds 粉尘涉爆 and 粉尘防爆; title hits first, newer
    // first within each.
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=粉尘&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(
        titles(&list),
        vec![
            "工贸企业粉尘防爆安全规定",
            "关于粉尘涉爆企业的通知",
            "安全生产月活动安排"
        ],
        "{list}"
    );
    // 有限空间 (four characters, the trigram index) finds 有限空间作业 in titles and bodies.
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=有限空间&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(
        titles(&list),
        vec!["工贸企业有限空间作业安全规定", "安全生产月活动安排"],
        "{list}"
    );
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=粉尘涉爆&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(
        titles(&list),
        vec!["关于粉尘涉爆企业的通知", "安全生产月活动安排"],
        "{list}"
    );
    // Two words: both must be there.
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=粉尘 有限空间&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(titles(&list), vec!["安全生产月活动安排"], "{list}");
    // Filters.
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=粉尘&kind=rule&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(titles(&list), vec!["工贸企业粉尘防爆安全规定"], "{list}");
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=粉尘&year=2019&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(titles(&list), vec!["关于粉尘涉爆企业的通知"], "{list}");
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=粉尘&status=repealed&issuer={ISSUER}"),
            &yjj,
        )
        .await;
    assert_eq!(list["total"], 0, "{list}");
    let list = app
        .api_json(
            &format!("/api/v1/publications?q=有限空间&issuer={ISSUER}&per_page=1"),
            &yjj,
        )
        .await;
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["pages"], 2, "{list}");
    // Wildcards are literal: % finds the one with a %, _ the one with an _.
    for q in ["%25", "_", "19.5%25的"] {
        let list = app
            .api_json(&format!("/api/v1/publications?q={q}&issuer={ISSUER}"), &yjj)
            .await;
        assert_eq!(
            titles(&list),
            vec!["含氧量不低于19.5%的要求"],
            "{q}: {list}"
        );
    }
    // Bad filter values are 422 with the field named.
    for q in ["kind=poem", "year=20x1", "status=old"] {
        let res = app
            .api_get(&format!("/api/v1/publications?{q}"), &yjj)
            .await;
        assert_eq!(res.status(), 422, "{q}");
    }
}

#[tokio::test]
async fn public_publications_are_read_without_login_and_others_are_404() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let mut open = publication(
        "中华人民共和国安全生产法",
        "第一条 为了加强安全生产工作，防止和减少生产安全事故。",
    );
    open["is_public"] = json!(true);
    let open = publish(&app, &yjj, open).await;
    let closed = publish(&app, &yjj, publication("内部工作通知", "仅限内部")).await;
    let visitor = app.visitor();
    let index = visitor.page("/public/regulations").await;
    assert!(index.contains("中华人民共和国安全生产法"), "{index}");
    assert!(!index.contains("内部工作通知"));
    assert!(index.contains("data-portal=\"public\""));
    let page = visitor.page(&format!("/public/regulations/{open}")).await;
    assert!(page.contains("为了加强安全生产工作"));
    assert!(page.contains(&message("publications.public_title")));
    let res = visitor.get(&format!("/public/regulations/{closed}")).await;
    assert_eq!(res.status(), 404);
    let res = visitor.get("/public/regulations/999999").await;
    assert_eq!(res.status(), 404);
    // Searched on the public index too.
    let found = visitor.page("/public/regulations?q=安全生产").await;
    assert!(found.contains("中华人民共和国安全生产法"));
    // In English as well.
    visitor.get("/lang/en?next=/public/regulations").await;
    let en = visitor.page("/public/regulations").await;
    assert!(en.contains("Work-safety regulations and notices"), "{en}");
    // The library of a logged-in account lists what its scope allows, public or not.
    let expert = app.logged_in(EXPERT).await;
    let lib = expert.page("/publications").await;
    assert!(lib.contains("内部工作通知") && lib.contains("中华人民共和国安全生产法"));
}

#[tokio::test]
async fn the_body_is_shown_without_scripts_or_javascript_links() {
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    let mut p = publication(
        "带脚本的通知",
        "**加粗**\n\n<script>alert('x')</script>\n\n[点我](javascript:alert(1))\n\n<img src=x onerror=alert(2)>",
    );
    p["is_public"] = json!(true);
    let id = publish(&app, &yjj, p).await;
    let html = app
        .visitor()
        .page(&format!("/public/regulations/{id}"))
        .await;
    let body = html
        .split("id=\"publication-body\"")
        .nth(1)
        .expect("body shown");
    assert!(body.contains("<strong>加粗</strong>"), "{body}");
    assert!(!body.contains("<script"), "{body}");
    assert!(!body.contains("javascript:"), "{body}");
    assert!(!body.contains("onerror"), "{body}");
    let v = app
        .api_json(&format!("/api/v1/publications/{id}"), &yjj)
        .await;
    assert!(
        !v["body_html"]
            .as_str()
            .unwrap_or_default()
            .contains("<script")
    );
}

#[tokio::test]
async fn a_refused_form_is_shown_again_with_its_values_and_a_good_one_publishes() {
    let app = spawn_app().await;
    let bureau = app.logged_in(REGULATOR).await;
    let form = bureau.page("/publications/new").await;
    let key = form
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("form key")
        .to_string();
    let long_title = "题".repeat(201);
    let res = bureau
        .post_form(
            "/publications",
            "/publications/new",
            &[
                ("kind", "notice"),
                ("title", &long_title),
                ("doc_number", "瑞应急〔2026〕12号"),
                ("issuer", "瑞安市应急管理局"),
                ("published_on", "2026-02-30"),
                ("body", "正文保留"),
                ("idempotency_key", &key),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("瑞应急〔2026〕12号"), "values kept");
    assert!(html.contains("正文保留"));
    assert!(html.contains(&html_escape(&message("form.too_long"))));
    assert!(html.contains(&html_escape(&message("publications.bad_date"))));
    let fields = [
        ("kind", "notice"),
        ("title", "关于做好节前安全检查的通知"),
        ("doc_number", "瑞应急〔2026〕12号"),
        ("issuer", "瑞安市应急管理局"),
        ("published_on", "2026-02-01"),
        ("body", "各乡镇（街道）：请做好节前检查。"),
        ("risk_tags", "dust_explosion"),
        ("is_public", "on"),
        ("idempotency_key", &key),
    ];
    let res = bureau
        .post_form("/publications", "/publications/new", &fields)
        .await;
    assert_eq!(res.status(), 303);
    let at = location(&res);
    assert!(
        at.starts_with("/publications/") && at.ends_with("?done=create"),
        "{at}"
    );
    // The same form sent again (a double click) publishes nothing more.
    let again = bureau
        .post_form("/publications", "/publications/new", &fields)
        .await;
    assert_eq!(location(&again), at);
    let page = bureau.page(&at).await;
    assert!(page.contains("关于做好节前安全检查的通知"));
    assert!(page.contains(&message("publications.done_create")));
    assert!(page.contains("status-form"), "its publisher manages it");
    let token = app.api_token(REGULATOR).await;
    let list = app
        .api_json("/api/v1/publications?q=节前安全", &token)
        .await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["is_public"], true);
}

#[tokio::test]
async fn only_a_pdf_is_attached_and_it_is_downloaded_by_those_who_see_the_publication() {
    let app = spawn_app().await;
    let committee = app.api_token(COMMITTEE).await;
    let id = publish(&app, &committee, publication("联盟章程修订通知", "见附件")).await;
    let send = |bytes: Vec<u8>, name: &'static str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
        bare_client()
            .post(app.url(&format!("/api/v1/publications/{id}/files")))
            .bearer_auth(&committee)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let res = send(b"GIF89a not a pdf at all".to_vec(), "fake.pdf")
        .await
        .expect("POST");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(
        body.to_string().contains("publications.pdf_only")
            || body.to_string().contains(&message("publications.pdf_only")),
        "{body}"
    );
    let res = send(pdf_bytes(), "章程.pdf").await.expect("POST");
    assert_eq!(res.status(), 201);
    let location = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string)
        .expect("the file's location");
    let v: Value = res.json().await.expect("json");
    let file_id = v["id"].as_i64().expect("file");
    assert_eq!(v["name"], "章程.pdf");
    let path = format!("/api/v1/publications/{id}/files/{file_id}");
    assert_eq!(location, path);
    let files = app
        .api_json(&format!("/api/v1/publications/{id}"), &committee)
        .await;
    assert_eq!(
        files["files"].as_array().map(Vec::len),
        Some(1),
        "the fake one was not kept"
    );
    let member = app.api_token(ENTERPRISE).await;
    let res = app.api_get(&path, &member).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), pdf_bytes());
    let outsider = app.api_token(ENTERPRISE_OTHER).await;
    assert_eq!(app.api_get(&path, &outsider).await.status(), 404);
    // Not public: the public file route does not serve it.
    let res = app
        .visitor()
        .get(&format!("/public/regulations/{id}/files/{file_id}"))
        .await;
    assert_eq!(res.status(), 404);
    // The page's upload form refuses a fake too, on the page.
    let page = app.logged_in(COMMITTEE).await;
    let token = page.csrf(&format!("/publications/{id}")).await;
    let part = reqwest::multipart::Part::bytes(b"<html>no</html>".to_vec()).file_name("x.pdf");
    let res = page
        .client
        .post(page.url(&format!("/publications/{id}/attach?_csrf={token}")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("html");
    assert!(
        html.contains(&html_escape(&message("publications.pdf_only"))),
        "{html}"
    );
}

#[tokio::test]
async fn the_demo_library_is_searched_in_chinese_and_links_repealed_texts_to_their_successors() {
    let app = spawn_app().await;
    let token = app.api_token(ENTERPRISE).await;
    let list = app
        .api_json("/api/v1/publications?q=粉尘&status=current", &token)
        .await;
    let found = titles(&list);
    assert_eq!(
        found.first().map(String::as_str),
        Some("工贸企业粉尘防爆安全规定"),
        "{list}"
    );
    assert!(
        found.iter().any(|t| t.contains("安全生产月")),
        "a body hit: {list}"
    );
    let list = app
        .api_json("/api/v1/publications?q=有限空间作业", &token)
        .await;
    assert!(titles(&list).contains(&"塘下镇关于开展有限空间作业专项检查的通知".to_string()));
    let list = app
        .api_json("/api/v1/publications?status=repealed&q=粉尘爆炸", &token)
        .await;
    assert_eq!(titles(&list), vec!["严防企业粉尘爆炸五条规定"], "{list}");
    let id = list["items"][0]["id"].as_i64().expect("id");
    let v = app
        .api_json(&format!("/api/v1/publications/{id}"), &token)
        .await;
    assert_eq!(v["superseded_by"]["title"], "工贸企业粉尘防爆安全规定");
    // The committee's notice is its members' only; the town's stays in the town.
    let outsider = app.api_token(ENTERPRISE_OTHER).await;
    let list = app
        .api_json("/api/v1/publications?q=互查活动", &outsider)
        .await;
    assert_eq!(list["total"], 0, "{list}");
    let list = app
        .api_json("/api/v1/publications?q=互查活动", &token)
        .await;
    assert_eq!(list["total"], 1, "{list}");
}

#[tokio::test]
async fn an_audit_record_names_the_request_that_wrote_it() {
    use portal::models::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let app = spawn_app().await;
    let yjj = app.api_token(REGULATOR).await;
    publish(&app, &yjj, publication("请求编号甲", "正文")).await;
    publish(&app, &yjj, publication("请求编号乙", "正文")).await;
    let ids: Vec<Option<String>> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("publication.create"))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.core.db)
        .await
        .expect("audit")
        .into_iter()
        .filter(|r| r.actor_name == REGULATOR)
        .map(|r| r.request_id)
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        ids.iter().all(|i| i.as_ref().is_some_and(|s| s.len() >= 8)),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1], "each request its own id");
    // The seed's records are the system's: no request.
    let seeded = audit_log::Entity::find()
        .filter(audit_log::Column::ActorName.eq("system"))
        .filter(audit_log::Column::RequestId.is_not_null())
        .all(&app.core.db)
        .await
        .expect("audit");
    assert!(seeded.is_empty());
}
