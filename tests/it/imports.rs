//! Importing enterprises from a spreadsheet: every row checked and reported by number, nothing
//! written before the confirmation, one confirmation only, and re-importing the same file
//! creates no duplicates.

use portal::domain::credit_code::CreditCode;
use portal::services::import::rows::COLUMNS;
use portal::services::xlsx::workbook;
use serde_json::Value;

use crate::helpers::*;

const CODE_A: &str = "91330381MA2H7K3P0H";
const CODE_B: &str = "91330381MA2J8L4Q1W";

fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|(_, h, _)| *h).collect()
}

pub fn row(code: &str, name: &str, region: &str, employees: &str, tags: &str) -> Vec<String> {
    [
        code,
        name,
        region,
        "C3670",
        "浙江省瑞安市塘下镇工业区",
        "陈立新",
        "陈晓燕",
        "13957712345",
        employees,
        "小微",
        tags,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    workbook("企业", &headers(), rows, &[]).expect("xlsx")
}

/// Uploads a file as the visitor; returns the response (303 to the batch on success).
pub async fn upload(
    v: &Visitor,
    name: &str,
    bytes: Vec<u8>,
    with_token: bool,
) -> reqwest::Response {
    let token = v.csrf("/regulator/imports").await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let url = if with_token {
        v.url(&format!("/regulator/imports?_csrf={token}"))
    } else {
        v.url("/regulator/imports")
    };
    v.client
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

async fn total(app: &TestApp, token: &str) -> u64 {
    app.api_json("/api/v1/enterprises", token).await["total"]
        .as_u64()
        .expect("total")
}

pub async fn commit(v: &Visitor, batch: &str) -> reqwest::Response {
    let token = v.csrf(batch).await;
    v.post_raw(&format!("{batch}/commit"), &[("_csrf", &token)])
        .await
}

#[tokio::test]
async fn an_import_reports_bad_rows_writes_only_on_confirmation_and_never_duplicates() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let before = total(&app, &token).await;
    let rows = vec![
        row(
            CODE_A,
            "瑞安市韩田精工机械有限公司",
            "330381101201",
            "46",
            "粉尘涉爆",
        ),
        row(
            CODE_B,
            "瑞安市鲍田五金制品厂",
            "330381101202",
            "12",
            "三合一场所、有限空间",
        ),
        row("91330381MA2H7K3P0A", "校验位错误", "330381101201", "5", ""),
        row("91330381MA2K9M5R28", "不在本镇", "330381003001", "5", ""),
        row(CODE_A, "重复", "330381101201", "5", ""),
        row(
            "91330381MA2K9M5R28",
            "未知标签",
            "330381101201",
            "5",
            "火山",
        ),
    ];
    let res = upload(&officer, "塘下新登记企业.xlsx", xlsx(&rows), true).await;
    assert_eq!(res.status(), 303);
    let batch = location(&res);
    assert!(batch.starts_with("/regulator/imports/"), "{batch}");
    let html = officer.page(&batch).await;
    let problems = html
        .split("id=\"import-errors\"")
        .nth(1)
        .expect("a problem table");
    for (line, key) in [
        (4, "credit_code.checksum"),
        (5, "enterprise.region_outside"),
        (6, "import.duplicate_in_file"),
        (7, "enterprise.unknown_tag"),
    ] {
        assert!(
            problems.contains(&format!("<td class=\"num\">{line}</td>")),
            "row {line} is reported"
        );
        assert!(problems.contains(&html_escape(&message(key))), "{key}");
    }
    assert!(html.contains(&html_escape(&message("import.action_create"))));
    assert_eq!(
        total(&app, &token).await,
        before,
        "nothing written before confirming"
    );

    let res = commit(&officer, &batch).await;
    assert_eq!(res.status(), 303);
    assert_eq!(total(&app, &token).await, before + 2);
    let hantian = app
        .api_json(&format!("/api/v1/enterprises?q={CODE_B}"), &token)
        .await;
    assert_eq!(hantian["items"][0]["region_name"], "塘下镇 鲍田村");
    let id = hantian["items"][0]["id"].as_i64().expect("id");
    let file = app
        .api_json(&format!("/api/v1/enterprises/{id}"), &token)
        .await;
    let mut tags: Vec<&str> = file["risk_tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        vec!["三合一场所", "有限空间"],
        "tags of a new row land on it"
    );

    // A second confirmation (a double click, a retried request) changes nothing.
    let res = commit(&officer, &batch).await;
    assert_eq!(res.status(), 409);
    assert_eq!(total(&app, &token).await, before + 2);

    // The same file again: both rows are known and unchanged; nothing is duplicated.
    let res = upload(&officer, "塘下新登记企业.xlsx", xlsx(&rows), true).await;
    let again = location(&res);
    assert_ne!(again, batch);
    let html = officer.page(&again).await;
    assert!(html.contains(&html_escape(&message("import.action_unchanged"))));
    assert_eq!(commit(&officer, &again).await.status(), 303);
    assert_eq!(total(&app, &token).await, before + 2);

    let admin = app.api_token(ADMIN).await;
    let log = app.api_json("/api/v1/audit?action=import", &admin).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "import.upload").count(), 2);
    assert_eq!(actions.iter().filter(|a| **a == "import.commit").count(), 2);
}

#[tokio::test]
async fn a_gbk_csv_updates_an_enterprise_already_registered() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let id = app.enterprise_id(HONGTIAN).await;
    let current = app
        .api_json(&format!("/api/v1/enterprises/{id}"), &token)
        .await;
    let mut csv = headers().join(",");
    csv.push('\n');
    csv.push_str(
        &[
            HONGTIAN,
            current["name"].as_str().expect("name"),
            "330381101201",
            "C3670",
            "浙江省瑞安市塘下镇韩田村韩田大道178号",
            current["legal_representative"].as_str().expect("legal"),
            "薛银芬",
            "13786682686",
            "190",
            "规上",
            "粉尘涉爆",
        ]
        .join(","),
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode(&csv);
    let res = upload(&officer, "更新.csv", gbk.into_owned(), true).await;
    assert_eq!(res.status(), 303);
    let batch = location(&res);
    let html = officer.page(&batch).await;
    assert!(html.contains(&html_escape(&message("import.action_update"))));
    assert_eq!(commit(&officer, &batch).await.status(), 303);
    let after = app
        .api_json(&format!("/api/v1/enterprises/{id}"), &token)
        .await;
    assert_eq!(after["employees"], 190);
    assert_eq!(after["risk_tags"], serde_json::json!(["粉尘涉爆"]));
}

#[tokio::test]
async fn files_that_cannot_be_imported_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;

    let res = upload(
        &officer,
        "photo.xlsx",
        b"PK\x03\x04definitely not a workbook".to_vec(),
        true,
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("body");
    assert!(html.contains(&html_escape(&message("import.unreadable"))));

    // A sheet without the 企业名称 column: the whole file is refused, naming the column.
    let cols: Vec<&str> = headers().into_iter().filter(|h| *h != "企业名称").collect();
    let bytes = workbook("企业", &cols, &[vec!["x".to_string(); cols.len()]], &[]).expect("xlsx");
    let res = upload(&officer, "少一列.xlsx", bytes, true).await;
    assert_eq!(res.status(), 303);
    let html = officer.page(&location(&res)).await;
    assert!(html.contains(&html_escape(&message("import.missing_column"))));
    assert!(html.contains("企业名称"));
    assert!(!html.contains("id=\"import-commit\""), "nothing to confirm");

    // Without the CSRF token, and from another portal, nothing is accepted.
    let rows = vec![row(
        CODE_A,
        "瑞安市韩田精工机械有限公司",
        "330381101201",
        "46",
        "",
    )];
    assert_eq!(
        upload(&officer, "a.xlsx", xlsx(&rows), false)
            .await
            .status(),
        403
    );
    let committee = app.logged_in(COMMITTEE).await;
    let res = committee
        .client
        .post(committee.url("/regulator/imports"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn an_import_belongs_to_the_officer_who_uploaded_it() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let rows = vec![row(
        CODE_A,
        "瑞安市韩田精工机械有限公司",
        "330381101201",
        "46",
        "",
    )];
    let batch = location(&upload(&officer, "a.xlsx", xlsx(&rows), true).await);
    let other = app.logged_in(REGULATOR).await;
    assert_eq!(other.get(&batch).await.status(), 404);
    assert_eq!(other.get(&format!("{batch}/progress")).await.status(), 404);
    assert_eq!(commit(&other, &batch).await.status(), 404);
    let token = app.api_token(REGULATOR).await;
    assert_eq!(
        total(&app, &token).await,
        40,
        "nothing imported by the other officer"
    );
}

#[tokio::test]
async fn a_large_file_is_checked_in_the_background_with_progress_and_imports_whole() {
    let app = spawn_app().await;
    let officer = app.logged_in(REGULATOR).await;
    let n = 2_500;
    let villages = [
        "330381101201",
        "330381101202",
        "330381003001",
        "330381104201",
    ];
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| {
            let code = CreditCode::complete(&format!("91330381MA{i:07}")).expect("code");
            row(
                code.as_str(),
                &format!("瑞安市测算样本{i}号企业"),
                villages[i % villages.len()],
                &(5 + i % 300).to_string(),
                "",
            )
        })
        .collect();
    let res = upload(&officer, "全市补录.xlsx", xlsx(&rows), true).await;
    assert_eq!(res.status(), 303);
    let batch = location(&res);
    // The upload answers before the checking is done; its progress is readable meanwhile.
    let mut last = Value::Null;
    for _ in 0..600 {
        last = officer
            .client
            .get(officer.url(&format!("{batch}/progress")))
            .send()
            .await
            .expect("progress")
            .json()
            .await
            .expect("json");
        assert!(last["processed_rows"].as_i64() <= last["total_rows"].as_i64());
        if last["status"] != "validating" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["status"], "ready", "{last}");
    assert_eq!(last["total_rows"], n);
    assert_eq!(last["processed_rows"], n);
    assert_eq!(commit(&officer, &batch).await.status(), 303);
    let token = app.api_token(REGULATOR).await;
    assert_eq!(total(&app, &token).await, 40 + n as u64);
}

/// A workbook of a few kilobytes whose two cells span the whole sheet: A1 and XFD1048576,
/// about 1.7 × 10¹⁰ cells if the reader allocated the range.
fn corner_to_corner() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "企业名称").expect("A1");
    sheet
        .write_string(1_048_575, 16_383, "末格")
        .expect("XFD1048576");
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn a_sheet_that_declares_a_huge_range_is_refused_before_its_cells_are_read() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let bytes = corner_to_corner();
    assert!(bytes.len() < 20_000, "a tiny file: {} bytes", bytes.len());

    let res = upload(&officer, "两个角.xlsx", bytes, true).await;
    assert_eq!(res.status(), 422, "refused as too large, naming the limit");
    let html = res.text().await.expect("body");
    let alert = html
        .split("role=\"alert\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_else(|| panic!("an alert: {html}"));
    let first_words: String = message("import.too_big").chars().take(6).collect();
    assert!(alert.contains(&html_escape(&first_words)), "{alert}");
    let max_rows = portal::services::import::MAX_ROWS.to_string();
    assert!(alert.contains(&max_rows), "names the row limit: {alert}");
    assert!(alert.contains("64"), "names the column limit: {alert}");
    assert!(!html.contains("两个角.xlsx"), "no batch was recorded");

    // The server still answers, and a normal file still imports.
    let rows = vec![row(
        CODE_A,
        "瑞安市韩田精工机械有限公司",
        "330381101201",
        "46",
        "",
    )];
    let res = upload(&officer, "a.xlsx", xlsx(&rows), true).await;
    assert_eq!(res.status(), 303);
}
