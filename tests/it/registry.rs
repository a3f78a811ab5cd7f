//! The enterprise register: registration and editing by the bureau inside its jurisdiction,
//! the enterprise's own contact details, filtered lists and the xlsx export of what a list shows.

use serde_json::{Value, json};

use crate::helpers::*;

/// A valid code not in the demo data.
const NEW_CODE: &str = "91330381MA2H7K3P0H";

pub fn new_enterprise(code: &str, region: &str) -> Value {
    json!({
        "credit_code": code,
        "name": "瑞安市韩田精工机械有限公司",
        "region": region,
        "industry": "C3670",
        "address": "浙江省瑞安市塘下镇韩田村工业区8号",
        "legal_representative": "陈立新",
        "safety_officer": "陈晓燕",
        "safety_phone": "13957712345",
        "employees": 46,
        "scale": "small_micro",
        "risk_tags": ["dust_explosion", "three_in_one"],
    })
}

async fn total(app: &TestApp, token: &str, query: &str) -> u64 {
    app.api_json(&format!("/api/v1/enterprises?{query}"), token)
        .await["total"]
        .as_u64()
        .expect("total")
}

#[tokio::test]
async fn a_town_officer_registers_an_enterprise_in_its_town_through_the_form() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let before = total(&app, &token, "").await;

    // A mistyped credit code: the form comes back with every value kept and the reason.
    let bad = "91330381MA2H7K3P0A";
    let fields = [
        ("credit_code", bad),
        ("name", "瑞安市韩田精工机械有限公司"),
        ("region", "330381101201"),
        ("industry", "C3670"),
        ("address", "浙江省瑞安市塘下镇韩田村工业区8号"),
        ("legal_representative", "陈立新"),
        ("safety_officer", "陈晓燕"),
        ("safety_phone", "13957712345"),
        ("employees", "46"),
        ("scale", "small_micro"),
        ("risk_tags", "dust_explosion"),
        ("risk_tags", "three_in_one"),
    ];
    let res = officer
        .post_form(
            "/regulator/enterprises",
            "/regulator/enterprises/new",
            &fields,
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("credit_code.checksum"))));
    assert!(
        html.contains("value=\"瑞安市韩田精工机械有限公司\""),
        "name kept"
    );
    assert!(
        html.contains(&format!("value=\"{bad}\"")),
        "the code as typed"
    );
    assert!(
        html.contains("value=\"dust_explosion\" checked"),
        "tags kept"
    );
    assert_eq!(total(&app, &token, "").await, before, "nothing registered");

    // Corrected, it is registered and the officer lands on its file.
    let mut fixed = fields.to_vec();
    fixed[0] = ("credit_code", NEW_CODE);
    let res = officer
        .post_form(
            "/regulator/enterprises",
            "/regulator/enterprises/new",
            &fixed,
        )
        .await;
    assert_eq!(res.status(), 303);
    let file = location(&res);
    assert!(file.starts_with("/regulator/enterprises/"), "{file}");
    let html = officer.page(&file).await;
    assert!(html.contains("瑞安市韩田精工机械有限公司"));
    assert!(html.contains("塘下镇 韩田村"));
    assert!(html.contains("粉尘涉爆"));
    assert_eq!(total(&app, &token, "").await, before + 1);

    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=enterprise.create", &admin)
        .await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["actor_name"], TOWN_REGULATOR);
}

#[tokio::test]
async fn registration_refuses_bad_fields_one_by_one_and_writes_nothing() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let before = total(&app, &token, "").await;
    let cases: &[(&str, Value, &str)] = &[
        (
            "credit_code",
            json!("91330381MA2H7K3P0"),
            "credit_code.length",
        ),
        (
            "credit_code",
            json!("91330381MA2H7K3POH"),
            "credit_code.charset",
        ),
        (
            "credit_code",
            json!(HONGTIAN),
            "enterprise.credit_code_taken",
        ),
        ("region", json!("330381003001"), "enterprise.region_outside"),
        ("region", json!("999999"), "region.unknown"),
        ("industry", json!("X9999"), "enterprise.unknown_industry"),
        ("safety_phone", json!("12345"), "enterprise.bad_phone"),
        ("employees", json!(-3), "enterprise.bad_employees"),
        ("scale", json!("huge"), "enterprise.bad_scale"),
        ("name", json!("  "), "form.required"),
        ("risk_tags", json!(["volcano"]), "enterprise.unknown_tag"),
    ];
    for (field, value, key) in cases {
        let mut body = new_enterprise(NEW_CODE, "330381101201");
        body[*field] = value.clone();
        let res = app.api_post("/api/v1/enterprises", &token, &body).await;
        assert_eq!(res.status(), 422, "{field}={value}");
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["code"], "validation");
        assert_eq!(
            err["fields"][*field],
            message(key),
            "{field}={value}: {err}"
        );
    }
    assert_eq!(total(&app, &token, "").await, before);
}

#[tokio::test]
async fn only_the_bureau_registers_and_a_town_cannot_touch_another_towns_enterprise() {
    let app = spawn_app().await;
    for who in [COMMITTEE, ENTERPRISE, EXPERT] {
        let token = app.api_token(who).await;
        let res = app
            .api_post(
                "/api/v1/enterprises",
                &token,
                &new_enterprise(NEW_CODE, "330381101201"),
            )
            .await;
        assert_eq!(res.status(), 403, "{who}");
    }
    // 华鑫 is in 锦湖街道: outside 塘下镇's scope, so it does not exist for that officer.
    let town = app.api_token(TOWN_REGULATOR).await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let res = bare_client()
        .put(app.url(&format!("/api/v1/enterprises/{huaxin}")))
        .bearer_auth(&town)
        .json(&new_enterprise(HUAXIN, "330381003001"))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 404);
    let officer = app.logged_in(TOWN_REGULATOR).await;
    assert_eq!(
        officer
            .get(&format!("/regulator/enterprises/{huaxin}/edit"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn moving_an_enterprise_to_another_village_moves_it_in_every_list() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let id = app.enterprise_id(HONGTIAN).await;
    let file = app
        .api_json(&format!("/api/v1/enterprises/{id}"), &token)
        .await;
    assert_eq!(file["region_name"], "塘下镇 韩田村");
    let in_baotian = total(&app, &token, "region=330381101202").await;

    let mut body = json!({
        "credit_code": HONGTIAN,
        "name": file["name"],
        "region": "330381101202",
        "industry": "C3670",
        "address": "浙江省瑞安市塘下镇鲍田村鲍七路12号",
        "legal_representative": file["legal_representative"],
        "safety_officer": file["safety_officer"],
        "safety_phone": file["safety_phone"],
        "employees": 170,
        "scale": "above",
        "risk_tags": [],
    });
    let res = bare_client()
        .put(app.url(&format!("/api/v1/enterprises/{id}")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.expect("json");
    assert_eq!(moved["region_name"], "塘下镇 鲍田村");
    assert_eq!(moved["employees"], 170);
    assert_eq!(moved["risk_tags"], json!([]));
    assert_eq!(
        total(&app, &token, "region=330381101202").await,
        in_baotian + 1
    );

    // Moving it out of 塘下镇 is beyond this officer.
    body["region"] = json!("330381003001");
    let res = bare_client()
        .put(app.url(&format!("/api/v1/enterprises/{id}")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 422);
    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=enterprise.update", &admin)
        .await;
    assert_eq!(log["total"], 1, "only the successful edit");
    let detail = log["items"][0]["detail"].as_str().unwrap_or_default();
    for f in ["region", "address", "employees", "risk_tags"] {
        assert!(detail.contains(f), "{f} in {detail}");
    }
    assert!(
        !detail.contains("scale"),
        "unchanged fields are not listed: {detail}"
    );
}

#[tokio::test]
async fn the_enterprise_admin_keeps_its_contact_details_and_staff_cannot() {
    let app = spawn_app().await;
    let admin = app.logged_in(ENTERPRISE).await;
    let res = admin
        .post_form(
            "/enterprise/profile",
            "/enterprise/profile",
            &[
                ("address", "浙江省瑞安市塘下镇韩田大道188号"),
                ("safety_officer", "薛银芬"),
                ("safety_phone", "call me"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("enterprise.bad_phone"))));
    assert!(html.contains("value=\"call me\""), "the value is kept");

    let res = admin
        .post_form(
            "/enterprise/profile",
            "/enterprise/profile",
            &[
                ("address", "浙江省瑞安市塘下镇韩田大道188号"),
                ("safety_officer", "薛银芬"),
                ("safety_phone", "0577-65812345"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/enterprise/profile?saved=1");
    let home = admin.page("/enterprise").await;
    assert!(home.contains("韩田大道188号"));
    assert!(home.contains("0577-65812345"));

    let staff = app.logged_in(STAFF).await;
    let page = staff.page("/enterprise/profile").await;
    assert!(!page.contains("name=\"safety_phone\""), "no form for staff");
    let token = staff.csrf("/enterprise/profile").await;
    let res = staff
        .post_raw(
            "/enterprise/profile",
            &[
                ("address", "x"),
                ("safety_officer", "x"),
                ("safety_phone", "13900000000"),
                ("_csrf", &token),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(
        admin.page("/enterprise").await.contains("0577-65812345"),
        "unchanged"
    );
}

#[tokio::test]
async fn lists_filter_and_sort_the_way_the_screen_says() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    assert_eq!(total(&app, &city, "").await, 40);
    assert_eq!(total(&app, &city, "region=330381101").await, 10);
    let qpw = app.alliance_id(QPW_ALLIANCE).await;
    assert_eq!(total(&app, &city, &format!("alliance={qpw}")).await, 14);
    let small = total(&app, &city, "scale=small_micro").await;
    let above = total(&app, &city, "scale=above").await;
    assert_eq!(small + above, 40);
    assert!(small > above);
    let dust = total(&app, &city, "tag=dust_explosion").await;
    assert!(dust > 0 && dust < 40);
    assert_eq!(total(&app, &city, "q=%E9%B8%BF%E7%94%B0").await, 1, "鸿田");
    assert_eq!(
        total(&app, &city, &format!("q={}", HONGTIAN.to_lowercase())).await,
        1,
        "a code typed in lower case"
    );
    // Filters combine, and never reach past the caller's scope.
    let town = app.api_token(TOWN_REGULATOR).await;
    assert_eq!(
        total(&app, &town, "region=330381003").await,
        0,
        "锦湖 is not 塘下's"
    );

    let sorted = app
        .api_json(
            "/api/v1/enterprises?sort=employees&dir=desc&per_page=100",
            &city,
        )
        .await;
    let employees: Vec<i64> = sorted["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["employees"].as_i64().expect("employees"))
        .collect();
    assert_eq!(employees.len(), 40);
    assert!(employees.windows(2).all(|w| w[0] >= w[1]), "{employees:?}");

    let page = app.logged_in(REGULATOR).await;
    let html = page
        .page(&format!(
            "/regulator/enterprises?alliance={qpw}&scale=above"
        ))
        .await;
    assert!(
        html.contains(&format!("value=\"{qpw}\" selected")),
        "filter shown as chosen"
    );
    let link = format!("export.xlsx?alliance={qpw}&amp;scale=above");
    assert!(
        html.contains(&link),
        "the export link carries the filter: {link}"
    );
}

#[tokio::test]
async fn the_export_holds_exactly_the_rows_the_filter_selects() {
    let app = spawn_app().await;
    let city = app.api_token(REGULATOR).await;
    let qpw = app.alliance_id(QPW_ALLIANCE).await;
    let query = format!("alliance={qpw}&scale=small_micro&sort=name");
    let listed = app
        .api_json(&format!("/api/v1/enterprises?{query}&per_page=100"), &city)
        .await;
    let expected: Vec<String> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["credit_code"].as_str().expect("code").to_string())
        .collect();
    assert!(
        expected.len() > 3,
        "a meaningful filter: {}",
        expected.len()
    );

    let officer = app.logged_in(REGULATOR).await;
    let res = officer
        .get(&format!("/regulator/enterprises/export.xlsx?{query}"))
        .await;
    assert_eq!(res.status(), 200);
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(ctype.contains("spreadsheetml"), "{ctype}");
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let rows = sheet_rows(&res.bytes().await.expect("bytes"));
    assert_eq!(rows[0][0], "统一社会信用代码");
    assert_eq!(rows[0][1], "企业名称");
    let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, expected, "same rows, same order");
    for r in &rows[1..] {
        assert_eq!(r[9], "小微", "scale column honours the filter");
    }

    // A town officer's export of the same filter stays inside its town.
    let town = app.logged_in(TOWN_REGULATOR).await;
    let rows = sheet_rows(
        &town
            .get(&format!("/regulator/enterprises/export.xlsx?{query}"))
            .await
            .bytes()
            .await
            .expect("bytes"),
    );
    assert!(rows.len() - 1 < expected.len());
    for r in &rows[1..] {
        assert!(r[2].starts_with("塘下镇"), "{r:?}");
    }

    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=export.enterprises", &admin)
        .await;
    assert_eq!(log["total"], 2, "every export is audited");
}

#[tokio::test]
async fn an_enterprise_cannot_edit_another_enterprise() {
    let app = spawn_app().await;
    let huaxin = app.enterprise_id(HUAXIN).await;
    let token = app.api_token(ENTERPRISE).await;
    // Through the API: the register's edit is the bureau's.
    let res = bare_client()
        .put(app.url(&format!("/api/v1/enterprises/{huaxin}")))
        .bearer_auth(&token)
        .json(&new_enterprise(HUAXIN, "330381003001"))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 403);
    // Nor can it read the other's file.
    assert_eq!(
        app.api_get(&format!("/api/v1/enterprises/{huaxin}"), &token)
            .await
            .status(),
        404
    );
    // Its own contact form changes only its own record.
    let res = bare_client()
        .put(app.url("/api/v1/me/enterprise/contact"))
        .bearer_auth(&token)
        .json(&json!({
            "address": "浙江省瑞安市塘下镇韩田大道188号",
            "safety_officer": "薛银芬",
            "safety_phone": "13786682686",
        }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    let own: Value = res.json().await.expect("json");
    assert_eq!(own["credit_code"], HONGTIAN);
    let admin = app.api_token(ADMIN).await;
    let other = app
        .api_json(&format!("/api/v1/enterprises/{huaxin}"), &admin)
        .await;
    assert_ne!(other["address"], "浙江省瑞安市塘下镇韩田大道188号");
    // The bureau's edit pages are not the enterprise's.
    let page = app.logged_in(ENTERPRISE).await;
    assert_eq!(
        page.get(&format!("/regulator/enterprises/{huaxin}/edit"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn the_seed_refuses_a_bad_credit_code_as_registration_does_and_writes_nothing() {
    let app = spawn_app().await;
    let demo = seed::demo().expect("fixtures");
    let mut bad = demo.enterprises[0].clone();
    bad.credit_code = "91330381MA2H7K3P0A".into();
    bad.name = "瑞安市韩田精工机械有限公司".into();

    // The same enterprise through the API, by the system admin (the seed's scope).
    let token = app.api_token(ADMIN).await;
    let before = total(&app, &token, "").await;
    let body = json!({
        "credit_code": bad.credit_code,
        "name": bad.name,
        "region": bad.region,
        "industry": bad.industry,
        "address": bad.address,
        "legal_representative": bad.legal_representative,
        "safety_officer": bad.safety_officer,
        "safety_phone": bad.safety_phone,
        "employees": bad.employees,
        "scale": bad.scale,
        "risk_tags": bad.risk_tags,
    });
    let res = app.api_post("/api/v1/enterprises", &token, &body).await;
    assert_eq!(res.status(), 422);
    let refused: Value = res.json().await.expect("json");

    // Only the enterprise: everything it refers to is in the database already.
    let only = seed::DemoData {
        regions: Vec::new(),
        industries: Vec::new(),
        risk_tags: Vec::new(),
        enterprises: vec![bad],
        alliances: Vec::new(),
        experts: Vec::new(),
        accounts: Vec::new(),
        checklists: Vec::new(),
        publications: Vec::new(),
        expert_requests: Vec::new(),
    };
    let err = portal::services::seed::load(&app.core, &only)
        .await
        .expect_err("the seed refuses the row");
    let portal::error::AppError::Validation(errors) = err else {
        panic!("not a validation error: {err:?}");
    };
    assert_eq!(
        errors.0.get("credit_code").copied(),
        Some("credit_code.checksum")
    );
    let fields: serde_json::Map<String, Value> = errors
        .0
        .iter()
        .map(|(field, key)| (field.to_string(), Value::from(message(key))))
        .collect();
    assert_eq!(Value::Object(fields), refused["fields"]);
    assert_eq!(total(&app, &token, "").await, before);
}
