//! Page numbers and sizes are bounded in one place (`services::PageParams`): out-of-range or
//! malformed values are a 422 naming the field on every list, API and pages, never a dropped
//! connection. Page numbers reach only the counted window (`lists.count_bound`, 10,000 rows);
//! the cursors page on (`keyset.rs`).

use crate::helpers::*;

/// Every paginated list of the API (the bureau may read them all).
const API_LISTS: &[&str] = &[
    "/api/v1/enterprises",
    "/api/v1/memberships",
    "/api/v1/rounds",
    "/api/v1/notifications",
    "/api/v1/supervisions",
    "/api/v1/inspections",
    "/api/v1/audit",
    "/api/v1/alliances",
    "/api/v1/checklists",
    "/api/v1/hazards",
    "/api/v1/todo",
    "/api/v1/queue",
];

/// Paginated lists of the bureau's pages.
const PAGE_LISTS: &[&str] = &[
    "/regulator/enterprises",
    "/regulator/alliances",
    "/regulator/checklists",
    "/regulator/inspections",
    "/regulator/hazards",
    "/regulator/supervision",
    "/regulator/audit",
    "/regulator/queue",
    "/notifications",
];

/// Query strings that must be refused, with the field they must name.
const BAD: &[(&str, &str)] = &[
    ("page=9223372036854775809", "page"),
    ("page=9223372036854775807&per_page=100", "page"),
    ("page=18446744073709551616", "page"),
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=abc", "page"),
    ("per_page=0", "per_page"),
    ("per_page=101", "per_page"),
    ("per_page=99999999999999999999", "per_page"),
];

#[tokio::test]
async fn every_api_list_refuses_an_out_of_range_page_with_a_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let scores = format!(
        "/api/v1/enterprises/{}/scores",
        app.enterprise_id(HONGTIAN).await
    );
    let lists = API_LISTS.iter().copied().chain([scores.as_str()]);
    for list in lists {
        for (query, field) in BAD {
            let url = app.url(&format!("{list}?{query}"));
            let res = bare_client()
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: the connection failed: {e}"));
            assert_eq!(res.status(), 422, "GET {url}");
            let body: serde_json::Value = res.json().await.expect("json");
            assert_eq!(body["code"], "validation", "GET {url}");
            assert!(
                body["fields"][*field].is_string(),
                "GET {url} names {field}: {body}"
            );
        }
        // The last page inside the counted window (offset 10,000) answers (empty), and so
        // does the server; the next one is a 422 naming `page`, in words.
        let res = app
            .api_get(&format!("{list}?page=101&per_page=100"), &token)
            .await;
        assert_eq!(res.status(), 200, "GET {list} at the last allowed page");
        let body: serde_json::Value = res.json().await.expect("json");
        // The scores carry their history as the page.
        let paged = if body["history"].is_object() {
            &body["history"]
        } else {
            &body
        };
        assert_eq!(paged["page"], 101, "GET {list}");
        assert_eq!(paged["items"], serde_json::json!([]), "GET {list}");
        for query in ["page=102&per_page=100", "page=1000000&per_page=100"] {
            let res = app.api_get(&format!("{list}?{query}"), &token).await;
            assert_eq!(res.status(), 422, "GET {list}?{query}");
            let body: serde_json::Value = res.json().await.expect("json");
            assert_eq!(
                body["fields"]["page"],
                message("list.page_beyond_window"),
                "GET {list}?{query}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn every_list_page_refuses_a_huge_page_number_with_a_message() {
    let app = spawn_app().await;
    let bureau = app.logged_in(REGULATOR).await;
    for list in PAGE_LISTS {
        let url = bureau.url(&format!("{list}?page=9223372036854775807&per_page=100"));
        let res = bureau
            .client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: the connection failed: {e}"));
        assert_eq!(res.status(), 422, "GET {url}");
        let html = res.text().await.expect("body");
        assert!(
            html.contains(&html_escape(&message("list.page_out_of_range"))),
            "GET {url} says what is wrong"
        );
        bureau.page(list).await;
    }
}

/// Code filters of the lists, each with one code it accepts.
const CODE_FILTERS: &[(&str, &str, &str)] = &[
    ("/api/v1/hazards", "state", "rectifying"),
    ("/api/v1/hazards", "level", "major"),
    ("/api/v1/hazards", "category", "fire"),
    ("/api/v1/inspections", "kind", "mutual"),
    ("/api/v1/inspections", "state", "planned"),
    ("/api/v1/supervisions", "status", "listed"),
    ("/api/v1/supervisions", "level", "major"),
    ("/api/v1/supervisions", "category", "fire"),
    ("/api/v1/alliances", "kind", "industry"),
    ("/api/v1/alliances", "status", "active"),
    ("/api/v1/enterprises", "scale", "small_micro"),
    ("/api/v1/rounds", "status", "published"),
];

#[tokio::test]
async fn a_code_filter_naming_no_code_is_a_422_naming_the_field_not_an_empty_list() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    for (list, field, good) in CODE_FILTERS {
        let res = app.api_get(&format!("{list}?{field}={good}"), &token).await;
        assert_eq!(res.status(), 200, "GET {list}?{field}={good}");
        for bad in ["bogus", "RECTIFYING%20", "%27%20or%201%3D1"] {
            let url = format!("{list}?{field}={bad}");
            let res = app.api_get(&url, &token).await;
            assert_eq!(res.status(), 422, "GET {url}");
            let body: serde_json::Value = res.json().await.expect("json");
            assert_eq!(
                body["fields"][*field],
                message("list.bad_filter"),
                "GET {url}: {body}"
            );
        }
        // Blank is no filter.
        let res = app.api_get(&format!("{list}?{field}="), &token).await;
        assert_eq!(res.status(), 200, "GET {list}?{field}=");
    }
    // A page says so too, in the user's language.
    let bureau = app.logged_in(REGULATOR).await;
    let res = bureau.get("/regulator/hazards?state=bogus").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains(&html_escape(&message("list.bad_filter"))),
        "{html}"
    );
}
