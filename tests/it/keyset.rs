//! Keyset pagination (`services::keyset`): every list pages by opaque cursors and counts its
//! rows only up to a bound. Rows added between two page fetches never make a row appear twice
//! or be skipped; a cursor that was tampered with is a 422 in the user's language; above the
//! bound the total reads "10,000+"; the to-do list and the queue are paged the same way.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use portal::domain::hazard_flow::HazardState;
use portal::domain::inspection::{HazardCategory, HazardLevel};
use portal::models::{alliance, enterprise, hazard};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::*;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .expect("time")
}

/// A general hazard of 鸿田 found by 瑞韩 in the 汽摩配 alliance, in `state`.
async fn hazard_at(
    app: &TestApp,
    title: &str,
    found_at: DateTime<Utc>,
    state: HazardState,
) -> hazard::ActiveModel {
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let ruihan = app.enterprise_id("91330381MA22WWTGXK").await;
    let region_path = enterprise::Entity::find_by_id(hongtian)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("enterprise")
        .region_path;
    let alliance = alliance::Entity::find()
        .filter(alliance::Column::Name.eq(QPW_ALLIANCE))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("alliance");
    hazard::ActiveModel {
        enterprise_id: Set(hongtian),
        region_path: Set(region_path),
        alliance_id: Set(Some(alliance.id)),
        reporter_enterprise_id: Set(Some(ruihan)),
        category: Set(HazardCategory::Electrical),
        level: Set(HazardLevel::General),
        title: Set(title.into()),
        description: Set("配电箱未接地".into()),
        location: Set("二车间".into()),
        legal_basis: Set(String::new()),
        suggested_measure: Set(String::new()),
        found_at: Set(found_at),
        deadline: Set(NaiveDate::from_ymd_opt(2026, 12, 20).expect("date")),
        state: Set(state),
        created_at: Set(found_at),
        updated_at: Set(found_at),
        ..Default::default()
    }
}

/// Inserts `rows` in chunks (bulk, as a city's data is written).
async fn insert_all(app: &TestApp, rows: Vec<hazard::ActiveModel>) -> Vec<i64> {
    let before: BTreeSet<i64> = ids_in_db(app).await;
    for chunk in rows.chunks(500) {
        hazard::Entity::insert_many(chunk.to_vec())
            .exec(&app.core.db)
            .await
            .expect("insert hazards");
    }
    ids_in_db(app).await.difference(&before).copied().collect()
}

async fn insert_one(app: &TestApp, row: hazard::ActiveModel) -> i64 {
    let ids = insert_all(app, vec![row]).await;
    assert_eq!(ids.len(), 1);
    ids[0]
}

/// 鸿田's hazards, as stored.
async fn ids_in_db(app: &TestApp) -> BTreeSet<i64> {
    let hongtian = app.enterprise_id(HONGTIAN).await;
    hazard::Entity::find()
        .filter(hazard::Column::EnterpriseId.eq(hongtian))
        .all(&app.core.db)
        .await
        .expect("hazards")
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn cursor_pages_return_every_row_exactly_once_while_hazards_are_added() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    // 36 hazards, three found at each instant, so pages end inside a run of equal found_at.
    let mut rows = Vec::new();
    for i in 0..36u32 {
        rows.push(
            hazard_at(
                &app,
                &format!("隐患{i}"),
                at(1 + i / 3, 8),
                HazardState::Reported,
            )
            .await,
        );
    }
    insert_all(&app, rows).await;
    let at_start = ids_in_db(&app).await;
    let list = format!("/api/v1/hazards?enterprise_id={hongtian}&per_page=7");
    let mut seen: Vec<i64> = Vec::new();
    let mut added_below = Vec::new();
    let mut page = app.api_json(&list, &token).await;
    assert_eq!(page["page"], 1);
    assert!(
        page["prev"].is_null(),
        "the first page has no previous: {page}"
    );
    let mut fetched = 1;
    loop {
        seen.extend(ids(&page));
        let Some(next) = page["next"].as_str().map(str::to_string) else {
            break;
        };
        // Between two fetches: a hazard found at the very instant of the cursor row, one newer
        // than every other and one older than every other.
        let last = page["items"]
            .as_array()
            .and_then(|a| a.last())
            .expect("a row");
        let last_found: DateTime<Utc> = last["found_at"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("found_at");
        insert_one(
            &app,
            hazard_at(&app, "同时发现", last_found, HazardState::Reported).await,
        )
        .await;
        insert_one(
            &app,
            hazard_at(&app, "最新", at(28, 8), HazardState::Reported).await,
        )
        .await;
        let old = at(1, 0) - Duration::days(i64::from(fetched));
        added_below.push(
            insert_one(
                &app,
                hazard_at(&app, "最早", old, HazardState::Reported).await,
            )
            .await,
        );
        page = app.api_json(&format!("{list}&cursor={next}"), &token).await;
        fetched += 1;
        assert_eq!(page["page"], fetched, "pages are counted along the cursors");
        assert!(page["prev"].is_string(), "a later page has a previous one");
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice: {seen:?}");
    assert!(
        at_start.is_subset(&unique),
        "every row there at the start is seen: missing {:?}",
        at_start.difference(&unique).collect::<Vec<_>>()
    );
    for id in &added_below {
        assert!(
            unique.contains(id),
            "a row added below the cursor is reached"
        );
    }
    assert!(fetched >= 6, "{fetched} pages of 7");

    // Back from the last page by `prev`: again every row once, ending on page 1.
    let mut back: Vec<i64> = ids(&page);
    while let Some(prev) = page["prev"].as_str().map(str::to_string) {
        page = app.api_json(&format!("{list}&cursor={prev}"), &token).await;
        back.extend(ids(&page));
    }
    assert_eq!(page["page"], 1);
    let back_unique: BTreeSet<i64> = back.iter().copied().collect();
    assert_eq!(back_unique.len(), back.len(), "no row twice going back");
    assert!(at_start.is_subset(&back_unique));
}

#[tokio::test]
async fn a_tampered_or_foreign_cursor_is_a_422_naming_the_field_in_chinese() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    for day in [1, 2, 3] {
        insert_one(
            &app,
            hazard_at(&app, "隐患", at(day, 8), HazardState::Reported).await,
        )
        .await;
    }
    let page = app.api_json("/api/v1/hazards?per_page=1", &token).await;
    let next = page["next"]
        .as_str()
        .expect("more than one hazard")
        .to_string();
    // One hex digit changed in the middle of the token.
    let mut chars: Vec<char> = next.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == '0' { '1' } else { '0' };
    let tampered: String = chars.into_iter().collect();
    for url in [
        format!("/api/v1/hazards?per_page=1&cursor={tampered}"),
        format!(
            "/api/v1/hazards?per_page=1&cursor={}",
            &next[..next.len() - 2]
        ),
        format!("/api/v1/inspections?cursor={next}"),
        "/api/v1/hazards?cursor=not-a-cursor".to_string(),
    ] {
        let res = app.api_get(&url, &token).await;
        assert_eq!(res.status(), 422, "GET {url}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(
            body["fields"]["cursor"],
            message("list.bad_cursor"),
            "{url}: {body}"
        );
    }
    // The cursor itself works.
    let res = app
        .api_get(&format!("/api/v1/hazards?per_page=1&cursor={next}"), &token)
        .await;
    assert_eq!(res.status(), 200);
    // A page says so in words.
    let bureau = app.logged_in(REGULATOR).await;
    let res = bureau
        .get(&format!("/regulator/hazards?cursor={tampered}"))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains(&html_escape(&message("list.bad_cursor"))),
        "{html}"
    );
}

#[tokio::test]
async fn above_ten_thousand_rows_the_total_reads_10000_plus_and_page_numbers_stop() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let template = hazard_at(&app, "批量隐患", at(10, 8), HazardState::Rectifying).await;
    let rows: Vec<hazard::ActiveModel> = (0..10_001).map(|_| template.clone()).collect();
    insert_all(&app, rows).await;
    let list = format!("/api/v1/hazards?enterprise_id={hongtian}&per_page=100");
    let page = app.api_json(&list, &token).await;
    assert_eq!(page["total"], 10_000, "{}", page["total"]);
    assert_eq!(page["total_capped"], true);
    assert!(page["pages"].is_null(), "no page count for a capped total");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(100));
    assert!(page["next"].is_string());
    // Page numbers reach the end of the counted window, not beyond it.
    let res = app.api_get(&format!("{list}&page=101"), &token).await;
    assert_eq!(res.status(), 200);
    let res = app.api_get(&format!("{list}&page=102"), &token).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["fields"]["page"], message("list.page_beyond_window"));
    // The page shows the bounded total, and pages on by cursor.
    let bureau = app.logged_in(REGULATOR).await;
    let html = bureau
        .page(&format!("/regulator/hazards?enterprise_id={hongtian}"))
        .await;
    assert!(html.contains("共 10,000+ 条"), "{html}");
    assert!(html.contains("下一页"), "{html}");
    assert!(!html.contains("上一页"), "the first page has no previous");
    // A list under the bound keeps its exact total.
    let small = app.api_json("/api/v1/alliances", &token).await;
    assert_eq!(small["total_capped"], false);
    assert!(small["pages"].is_u64());
}

#[tokio::test]
async fn a_small_count_bound_caps_every_list_and_its_page_numbers() {
    let app = spawn_app_with(|s| s.lists.count_bound = 5).await;
    let token = app.api_token(REGULATOR).await;
    let mut rows = Vec::new();
    for day in 1..=8 {
        rows.push(hazard_at(&app, "隐患", at(day, 8), HazardState::Reported).await);
    }
    insert_all(&app, rows).await;
    let page = app.api_json("/api/v1/hazards?per_page=2", &token).await;
    assert_eq!(
        (page["total"].clone(), page["total_capped"].clone()),
        (5.into(), true.into())
    );
    assert_eq!(
        app.api_get("/api/v1/hazards?per_page=2&page=3", &token)
            .await
            .status(),
        200,
        "offset 4 is inside the window"
    );
    assert_eq!(
        app.api_get("/api/v1/hazards?per_page=2&page=4", &token)
            .await
            .status(),
        422,
        "offset 6 is not"
    );
    let en = app.logged_in(REGULATOR).await;
    let html = en.page("/regulator/hazards").await;
    assert!(html.contains("共 5+ 条"), "{html}");
}

#[tokio::test]
async fn the_to_do_list_and_the_queue_are_paged_with_a_bounded_count() {
    let app = spawn_app_with(|s| s.lists.count_bound = 10).await;
    // 12 hazards for 鸿田 to acknowledge, 12 disputes for its committee to decide.
    let mut rows = Vec::new();
    for i in 0..12u32 {
        let mut to_ack =
            hazard_at(&app, &format!("待确认{i}"), at(2, i), HazardState::Reported).await;
        to_ack.deadline = Set(NaiveDate::from_ymd_opt(2026, 12, 1 + i).expect("date"));
        rows.push(to_ack);
        rows.push(hazard_at(&app, &format!("申诉{i}"), at(3, i), HazardState::Disputed).await);
    }
    let added: BTreeSet<i64> = insert_all(&app, rows).await.into_iter().collect();
    for (user, list, kind) in [
        (ENTERPRISE, "/api/v1/todo", "acknowledge"),
        (COMMITTEE, "/api/v1/queue", "dispute"),
    ] {
        let token = app.api_token(user).await;
        let mut page = app.api_json(&format!("{list}?per_page=5"), &token).await;
        assert_eq!(page["total"], 10, "{list}: counted up to the bound");
        assert_eq!(page["total_capped"], true, "{list}");
        let mut seen = Vec::new();
        let mut deadlines = Vec::new();
        loop {
            let items = page["items"].as_array().expect("items").clone();
            assert!(items.len() <= 5, "{list}: one page at most");
            for r in &items {
                seen.push(r["id"].as_i64().expect("id"));
                deadlines.push(r["deadline"].as_str().unwrap_or_default().to_string());
            }
            let Some(next) = page["next"].as_str().map(str::to_string) else {
                break;
            };
            page = app
                .api_json(&format!("{list}?per_page=5&cursor={next}"), &token)
                .await;
        }
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{list}: no row twice");
        let mine: HashMap<i64, ()> = unique.iter().map(|id| (*id, ())).collect();
        let kinds = added.iter().filter(|id| mine.contains_key(id)).count();
        assert_eq!(
            kinds, 12,
            "{list}: every one of the 12 {kind} rows is reached"
        );
        if list == "/api/v1/todo" {
            let mut sorted = deadlines.clone();
            sorted.sort();
            assert_eq!(deadlines, sorted, "earliest deadline first across pages");
        }
    }
    // The pages show the bounded total and page on.
    let enterprise = app.logged_in(ENTERPRISE).await;
    let html = enterprise.page("/enterprise/todo?per_page=5").await;
    assert!(html.contains("共 10+ 条"), "{html}");
    assert!(html.contains("下一页"), "{html}");
    let committee = app.logged_in(COMMITTEE).await;
    let html = committee.page("/committee/queue?per_page=5").await;
    assert!(html.contains("共 10+ 条"), "{html}");
    assert!(html.contains("下一页"), "{html}");
}

/// The queue is read as one list over its kinds (evidence to verify, disputes, pending
/// extensions), each kind from its own index and merged: longest untouched first across all
/// kinds, every row once, forwards and back again.
#[tokio::test]
async fn the_queue_merges_its_kinds_in_one_order_across_pages_both_ways() {
    use portal::domain::hazard_flow::ExtensionStatus;
    use portal::models::extension_request;
    let app = spawn_app().await;
    let mut rows = Vec::new();
    for i in 0..5u32 {
        rows.push(
            hazard_at(
                &app,
                &format!("待验收{i}"),
                at(2, 3 * i),
                HazardState::AwaitingVerification,
            )
            .await,
        );
        rows.push(
            hazard_at(
                &app,
                &format!("申诉{i}"),
                at(2, 3 * i + 1),
                HazardState::Disputed,
            )
            .await,
        );
        rows.push(
            hazard_at(
                &app,
                &format!("延期{i}"),
                at(2, 3 * i + 2),
                HazardState::Reported,
            )
            .await,
        );
    }
    let added = insert_all(&app, rows).await;
    let extended: Vec<hazard::Model> = hazard::Entity::find()
        .filter(hazard::Column::Id.is_in(added.clone()))
        .filter(hazard::Column::State.eq(HazardState::Reported))
        .all(&app.core.db)
        .await
        .expect("query");
    assert_eq!(extended.len(), 5);
    for h in &extended {
        extension_request::Entity::insert(extension_request::ActiveModel {
            hazard_id: Set(h.id),
            reason: Set("设备到货延迟".into()),
            requested_deadline: Set(NaiveDate::from_ymd_opt(2027, 1, 10).expect("date")),
            status: Set(ExtensionStatus::Pending),
            created_at: Set(h.updated_at),
            ..Default::default()
        })
        .exec(&app.core.db)
        .await
        .expect("extension request");
    }
    // Written in bulk, as a city's data is: with the hazards' copy the services keep.
    hazard::Entity::update_many()
        .col_expr(
            hazard::Column::ExtensionPending,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(hazard::Column::Id.is_in(extended.iter().map(|h| h.id)))
        .exec(&app.core.db)
        .await
        .expect("copy");
    // What the queue must be: the 15 rows by `updated_at`, kinds interleaved.
    let mut expected: Vec<(DateTime<Utc>, i64)> = hazard::Entity::find()
        .filter(hazard::Column::Id.is_in(added.clone()))
        .all(&app.core.db)
        .await
        .expect("query")
        .into_iter()
        .map(|h| (h.updated_at, h.id))
        .collect();
    expected.sort();
    let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();

    let token = app.api_token(COMMITTEE).await;
    let mine = |page: &Value| -> Vec<(i64, String)> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| {
                (
                    r["id"].as_i64().expect("id"),
                    r["kind"].as_str().unwrap_or_default().to_string(),
                )
            })
            .filter(|(id, _)| added.contains(id))
            .collect()
    };
    let mut page = app.api_json("/api/v1/queue?per_page=4", &token).await;
    let total = page["total"].as_u64().expect("total");
    assert!(total >= 15, "every kind is counted: {page}");
    let mut pages = Vec::new();
    let mut seen = Vec::new();
    loop {
        let items = page["items"].as_array().expect("items").len();
        assert!(items <= 4, "one page at most");
        pages.push(page["items"].clone());
        seen.extend(mine(&page));
        let Some(next) = page["next"].as_str().map(str::to_string) else {
            break;
        };
        page = app
            .api_json(&format!("/api/v1/queue?per_page=4&cursor={next}"), &token)
            .await;
    }
    let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids, expected,
        "longest untouched first across kinds, each once"
    );
    let kinds: Vec<&str> = seen.iter().take(3).map(|(_, k)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["verify", "dispute", "extension"],
        "kinds interleave"
    );
    let counted: usize = pages.iter().map(|p| p.as_array().map_or(0, Vec::len)).sum();
    assert_eq!(counted as u64, total, "the pages hold what is counted");
    // Back again from the last page: the same pages in reverse.
    let mut back = pages.len() - 1;
    while let Some(prev) = page["prev"].as_str().map(str::to_string) {
        page = app
            .api_json(&format!("/api/v1/queue?per_page=4&cursor={prev}"), &token)
            .await;
        back -= 1;
        assert_eq!(
            page["items"],
            pages[back],
            "page {} read backwards",
            back + 1
        );
    }
    assert_eq!(back, 0, "back at the first page");
}
