//! 参盟率: participation per town and for the city on the demo data, small and micro
//! enterprises apart, against targets the bureau sets (default 80, inherited down the region
//! tree), within each officer's jurisdiction, through the page and the API.
//!
//! The demo figures, counted by hand from `seed/fixtures` (every demo enterprise is active,
//! every alliance active, every membership approved):
//!
//! | region | enterprises | in alliance | small/micro | small/micro in alliance |
//! |---|---|---|---|---|
//! | 瑞安市 330381 | 40 | 31 (77.5%) | 29 | 22 (75.8%) |
//! | 安阳街道 330381001 | 4 | 2 | 3 | 1 (33.3%) |
//! | 玉海街道 330381002 | 2 | 0 | 2 | 0 |
//! | 锦湖街道 330381003 | 9 | 9 | 7 | 7 |
//! | 莘塍街道 330381005 | 4 | 2 | 2 | 1 |
//! | 飞云街道 330381007 | 3 | 1 | 1 | 0 |
//! | 塘下镇 330381101 | 10 | 9 | 7 | 6 (85.7%) |
//! | 马屿镇 330381104 | 8 | 8 | 7 | 7 |
//! | 韩田村 / 鲍田村 / 场桥村 (塘下镇) | 4 / 3 / 3 | 4 / 3 / 2 | 2 / 2 / 3 | 2 / 2 / 2 |

use serde_json::{Value, json};

use crate::helpers::*;

const CITY: &str = "330381";
const TANGXIA: &str = "330381101";
const MAYU: &str = "330381104";
const JINHU: &str = "330381003";
const CHANGQIAO: &str = "330381101203";

/// (code, enterprises, in alliance, rate, small/micro, in alliance, rate, met at 80)
type Expected = (&'static str, u64, u64, f64, u64, u64, f64, bool);

const TOWNS: &[Expected] = &[
    ("330381001", 4, 2, 50.0, 3, 1, 33.3, false),
    ("330381002", 2, 0, 0.0, 2, 0, 0.0, false),
    ("330381003", 9, 9, 100.0, 7, 7, 100.0, true),
    ("330381005", 4, 2, 50.0, 2, 1, 50.0, false),
    ("330381007", 3, 1, 33.3, 1, 0, 0.0, false),
    ("330381101", 10, 9, 90.0, 7, 6, 85.7, true),
    ("330381104", 8, 8, 100.0, 7, 7, 100.0, true),
];

fn check(row: &Value, e: &Expected) {
    let (code, n, ia, rate, sm, smi, sm_rate, met) = *e;
    assert_eq!(row["code"], code, "{row}");
    assert_eq!(row["enterprises"], n, "{code} enterprises");
    assert_eq!(row["in_alliance"], ia, "{code} in alliance");
    assert_eq!(row["rate"].as_f64(), Some(rate), "{code} rate");
    assert_eq!(row["small_micro"], sm, "{code} small/micro");
    assert_eq!(
        row["small_micro_in_alliance"], smi,
        "{code} small/micro in alliance"
    );
    assert_eq!(
        row["small_micro_rate"].as_f64(),
        Some(sm_rate),
        "{code} small/micro rate"
    );
    assert_eq!(row["met"], met, "{code} met");
}

/// The row of `code` in a report (the region itself or one of its children).
fn row<'a>(report: &'a Value, code: &str) -> &'a Value {
    if report["region"]["code"] == code {
        return &report["region"];
    }
    report["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code} in {report}"))
}

async fn put_target(app: &TestApp, token: &str, code: &str, body: Value) -> reqwest::Response {
    bare_client()
        .put(app.url(&format!("/api/v1/participation/targets/{code}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PUT")
}

async fn audit_total(app: &TestApp) -> u64 {
    let admin = app.api_token(ADMIN).await;
    app.api_json("/api/v1/audit?action=participation.target", &admin)
        .await["total"]
        .as_u64()
        .expect("total")
}

#[tokio::test]
async fn the_city_officer_sees_the_demo_participation_per_town_and_for_the_city() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let report = app.api_json("/api/v1/participation", &token).await;

    let city = &report["region"];
    check(city, &(CITY, 40, 31, 77.5, 29, 22, 75.8, false));
    assert_eq!(city["name"], "瑞安市");
    assert_eq!(city["target"], 80);
    assert_eq!(city["target_origin"], "default");
    assert_eq!(report["default_target"], 80);

    let children = report["children"].as_array().expect("children");
    assert_eq!(children.len(), TOWNS.len(), "one row per town/street");
    for (row, expected) in children.iter().zip(TOWNS) {
        check(row, expected);
        assert_eq!(row["target"], 80, "{row}");
        assert_eq!(row["target_origin"], "default");
    }
    assert_eq!(report["children_met"], 3);
    assert_eq!(report["children_not_met"], 4);
    // The towns add up to the city.
    let sum = |k: &str| {
        children
            .iter()
            .map(|r| r[k].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!(sum("enterprises"), 40);
    assert_eq!(sum("in_alliance"), 31);
    assert_eq!(sum("small_micro"), 29);
    assert_eq!(sum("small_micro_in_alliance"), 22);

    // The system admin reads the same city figures.
    let admin = app.api_token(ADMIN).await;
    let as_admin = app.api_json("/api/v1/participation", &admin).await;
    assert_eq!(as_admin["region"], report["region"]);
    assert_eq!(as_admin["children"], report["children"]);
}

#[tokio::test]
async fn a_town_officer_sees_its_town_and_villages_and_no_other_town() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let report = app.api_json("/api/v1/participation", &token).await;
    check(&report["region"], &(TANGXIA, 10, 9, 90.0, 7, 6, 85.7, true));
    let villages: Vec<&str> = report["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(villages, ["330381101201", "330381101202", "330381101203"]);
    check(
        row(&report, "330381101201"),
        &("330381101201", 4, 4, 100.0, 2, 2, 100.0, true),
    );
    check(
        row(&report, "330381101202"),
        &("330381101202", 3, 3, 100.0, 2, 2, 100.0, true),
    );
    // 2 of 3: 66.6%, truncated, not rounded up.
    check(
        row(&report, CHANGQIAO),
        &(CHANGQIAO, 3, 2, 66.6, 3, 2, 66.6, false),
    );
    let text = report.to_string();
    for other in [CITY, MAYU, JINHU, "马屿镇", "瑞安市"] {
        assert!(
            !text.contains(&format!("\"{other}\"")),
            "{other} leaks: {text}"
        );
    }

    // The page shows the same, and nothing of the other towns.
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let html = officer.page("/regulator/participation").await;
    assert!(html.contains("塘下镇") && html.contains("场桥村"));
    assert!(html.contains("66.6%") && html.contains("85.7%"));
    assert!(!html.contains("马屿镇") && !html.contains(MAYU));
}

#[tokio::test]
async fn other_roles_have_no_participation_report() {
    let app = spawn_app().await;
    for who in [COMMITTEE, ENTERPRISE, EXPERT] {
        let token = app.api_token(who).await;
        let res = app.api_get("/api/v1/participation", &token).await;
        assert_eq!(res.status(), 403, "{who}");
    }
    // The admin reads but does not set targets.
    let admin = app.api_token(ADMIN).await;
    let res = put_target(&app, &admin, CITY, json!({ "target_percent": 90 })).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_town_target_overrides_the_inherited_city_target_for_that_town_only() {
    let app = spawn_app().await;
    let city_officer = app.api_token(REGULATOR).await;

    // The city raises its target to 85: every town inherits it.
    let res = put_target(&app, &city_officer, CITY, json!({ "target_percent": 85 })).await;
    assert_eq!(res.status(), 200);
    let set: Value = res.json().await.expect("json");
    assert_eq!(set["region_code"], CITY);
    assert_eq!(set["target_percent"], 85);
    assert_eq!(set["previous"], Value::Null);
    let report = app.api_json("/api/v1/participation", &city_officer).await;
    assert_eq!(report["region"]["target"], 85);
    assert_eq!(report["region"]["target_origin"], "own");
    for town in report["children"].as_array().expect("children") {
        assert_eq!(town["target"], 85, "{town}");
        assert_eq!(town["target_origin"], "inherited");
    }
    // 塘下镇's 85.7% still meets 85.
    assert_eq!(row(&report, TANGXIA)["met"], true);

    // 塘下镇 gets 90 of its own: only 塘下镇 (and its villages) change.
    let res = put_target(
        &app,
        &city_officer,
        TANGXIA,
        json!({ "target_percent": 90 }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let report = app.api_json("/api/v1/participation", &city_officer).await;
    let tangxia = row(&report, TANGXIA);
    assert_eq!(tangxia["target"], 90);
    assert_eq!(tangxia["target_origin"], "own");
    assert_eq!(tangxia["met"], false, "85.7% < 90%");
    assert_eq!(row(&report, MAYU)["target"], 85);
    assert_eq!(row(&report, MAYU)["target_origin"], "inherited");
    assert_eq!(report["region"]["target"], 85);
    assert_eq!(report["children_met"], 2);

    // The town officer sees its own target and its villages inheriting it.
    let town_officer = app.api_token(TOWN_REGULATOR).await;
    let report = app.api_json("/api/v1/participation", &town_officer).await;
    assert_eq!(report["region"]["target"], 90);
    assert_eq!(report["region"]["target_origin"], "own");
    for village in report["children"].as_array().expect("children") {
        assert_eq!(village["target"], 90, "{village}");
        assert_eq!(village["target_origin"], "inherited");
    }

    // Setting the city again reports what it replaces, and leaves 塘下镇's own alone.
    let res = put_target(&app, &city_officer, CITY, json!({ "target_percent": "75" })).await;
    assert_eq!(res.status(), 200);
    let set: Value = res.json().await.expect("json");
    assert_eq!(set["previous"], 85);
    let report = app.api_json("/api/v1/participation", &city_officer).await;
    assert_eq!(row(&report, TANGXIA)["target"], 90);
    assert_eq!(row(&report, MAYU)["target"], 75);
}

#[tokio::test]
async fn a_town_officer_cannot_set_the_target_of_another_town_or_of_the_city() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    for code in [MAYU, CITY, "330381104201", "999999999"] {
        let res = put_target(&app, &token, code, json!({ "target_percent": 50 })).await;
        assert_eq!(res.status(), 404, "{code}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["code"], "not_found");
    }
    // A bad percent for a region outside is still just "not found".
    let res = put_target(&app, &token, MAYU, json!({ "target_percent": 101 })).await;
    assert_eq!(res.status(), 404);
    // The page form says the same.
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let res = officer
        .post_form(
            "/regulator/participation/targets",
            "/regulator/participation",
            &[("region", MAYU), ("target_percent", "50")],
        )
        .await;
    assert_eq!(res.status(), 404);

    // Nothing changed anywhere, and nothing was recorded.
    let city = app.api_token(REGULATOR).await;
    let report = app.api_json("/api/v1/participation", &city).await;
    assert_eq!(row(&report, MAYU)["target_origin"], "default");
    assert_eq!(report["region"]["target_origin"], "default");
    assert_eq!(audit_total(&app).await, 0);

    // Inside its jurisdiction it may: its town and a village of it.
    let res = put_target(&app, &token, CHANGQIAO, json!({ "target_percent": 60 })).await;
    assert_eq!(res.status(), 200);
    let report = app.api_json("/api/v1/participation", &token).await;
    assert_eq!(row(&report, CHANGQIAO)["target"], 60);
    assert_eq!(row(&report, CHANGQIAO)["met"], true, "66.6% ≥ 60%");
}

#[tokio::test]
async fn a_bad_percent_is_refused_with_its_message_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.api_token(TOWN_REGULATOR).await;
    let bad_percent = message("participation.bad_percent");
    for bad in [
        json!(101),
        json!(-1),
        json!("abc"),
        json!(85.5),
        json!(true),
    ] {
        let res = put_target(&app, &token, TANGXIA, json!({ "target_percent": bad })).await;
        assert_eq!(res.status(), 422, "{bad}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["code"], "validation");
        assert_eq!(
            body["fields"]["target_percent"],
            bad_percent.as_str(),
            "{bad}"
        );
    }
    let res = put_target(&app, &token, TANGXIA, json!({})).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["fields"]["target_percent"],
        message("participation.percent_required").as_str()
    );

    // The page form comes back with the value as typed and the message.
    let officer = app.logged_in(TOWN_REGULATOR).await;
    for bad in ["101", "-1", "abc"] {
        let res = officer
            .post_form(
                "/regulator/participation/targets",
                "/regulator/participation",
                &[("region", TANGXIA), ("target_percent", bad)],
            )
            .await;
        assert_eq!(res.status(), 422, "{bad}");
        let html = res.text().await.expect("body");
        assert!(html.contains(&html_escape(&bad_percent)), "{bad}: message");
        assert!(
            html.contains(&format!("value=\"{bad}\"")),
            "{bad}: value kept"
        );
        assert!(
            html.contains("id=\"participation\""),
            "{bad}: the figures still shown"
        );
    }

    let report = app.api_json("/api/v1/participation", &token).await;
    assert_eq!(report["region"]["target"], 80);
    assert_eq!(report["region"]["target_origin"], "default");
    assert_eq!(audit_total(&app).await, 0);
}

#[tokio::test]
async fn the_form_sets_a_target_and_the_audit_log_records_it() {
    let app = spawn_app().await;
    let officer = app.logged_in(TOWN_REGULATOR).await;
    let res = officer
        .post_form(
            "/regulator/participation/targets",
            "/regulator/participation",
            &[("region", TANGXIA), ("target_percent", " 90 ")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/regulator/participation?saved={TANGXIA}")
    );
    let html = officer.page(&location(&res)).await;
    let saved = message("participation.saved").replace("{region}", "塘下镇");
    assert!(html.contains(&html_escape(&saved)), "saved notice");
    assert!(html.contains(&message("participation.origin_own")));
    assert!(
        html.contains("value=\"90\""),
        "the form shows the new target"
    );

    let admin = app.api_token(ADMIN).await;
    let log = app
        .api_json("/api/v1/audit?action=participation.target.set", &admin)
        .await;
    assert_eq!(log["total"], 1, "{log}");
    let entry = &log["items"][0];
    assert_eq!(entry["actor_name"], TOWN_REGULATOR);
    assert_eq!(entry["target_type"], "region");
    assert_eq!(entry["target_id"], TANGXIA);
    assert_eq!(entry["outcome"], "success");
    assert_eq!(entry["detail"], "target_percent none -> 90");
    // The town's own audit view shows it too (it is the town's action).
    let town = app.api_token(TOWN_REGULATOR).await;
    let mine = app
        .api_json("/api/v1/audit?action=participation.target.set", &town)
        .await;
    assert_eq!(mine["total"], 1);
}

#[tokio::test]
async fn the_page_shows_rates_targets_and_badges_and_the_home_page_links_to_it() {
    let app = spawn_app().await;
    let officer = app.logged_in(REGULATOR).await;
    let home = officer.page("/regulator").await;
    assert!(
        home.contains("href=\"/regulator/participation\""),
        "home and nav link"
    );
    assert!(home.contains(&message("participation.home_link")));

    let html = officer.page("/regulator/participation").await;
    assert!(html.contains(&message("participation.title")));
    for figure in ["77.5%", "75.8%", "85.7%", "33.3%"] {
        assert!(html.contains(figure), "{figure}");
    }
    let met = format!(
        "<span class=\"tag met-yes\">{}</span>",
        message("participation.met")
    );
    let not_met = format!(
        "<span class=\"tag met-no\">{}</span>",
        message("participation.not_met")
    );
    // 3 towns meet 80%, 4 do not, and the city (75.8%) does not: its card and totals row.
    assert_eq!(html.matches(&met).count(), 3);
    assert_eq!(html.matches(&not_met).count(), 4 + 2);
    // The form can set the city or any town, starting on the city's current target.
    for code in std::iter::once(CITY).chain(TOWNS.iter().map(|t| t.0)) {
        assert!(
            html.contains(&format!("<option value=\"{code}\"")),
            "{code}"
        );
    }
    assert!(html.contains("value=\"80\""));
    assert!(csrf_in(&html).is_some());

    // English too.
    let res = officer.get("/lang/en?next=/regulator/participation").await;
    assert_eq!(res.status(), 303);
    let html = officer.page("/regulator/participation").await;
    assert!(html.contains("Alliance participation"));
    assert!(html.contains(">Not met<"));
}

#[tokio::test]
async fn only_active_enterprises_in_active_alliances_count() {
    use portal::models::{alliance, enterprise};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let app = spawn_app().await;
    // The park alliance of 锦湖街道 is dissolved: its members that are in no other alliance
    // (7 of 9, all but two of the industry alliance's) are no longer counted as in one.
    alliance::Entity::update_many()
        .col_expr(alliance::Column::Status, Expr::value("dissolved"))
        .filter(alliance::Column::Name.eq("瑞安经济开发区小微园安全生产互助联盟"))
        .exec(&app.core.db)
        .await
        .expect("dissolve");
    // And one 玉海街道 enterprise (not in any alliance) closes: it is no longer registered.
    let yuhai = enterprise::Entity::find()
        .filter(enterprise::Column::RegionPath.like("/330381/330381002/%"))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("an enterprise in 玉海街道");
    enterprise::Entity::update_many()
        .col_expr(enterprise::Column::Status, Expr::value("closed"))
        .filter(enterprise::Column::Id.eq(yuhai.id))
        .exec(&app.core.db)
        .await
        .expect("close");

    let token = app.api_token(REGULATOR).await;
    let report = app.api_json("/api/v1/participation", &token).await;
    check(row(&report, JINHU), &(JINHU, 9, 2, 22.2, 7, 1, 14.2, false));
    let yuhai_small =
        u64::from(yuhai.scale == portal::domain::enterprise::EnterpriseScale::SmallMicro);
    let city = &report["region"];
    assert_eq!(city["enterprises"], 39);
    assert_eq!(city["in_alliance"], 24);
    assert_eq!(city["small_micro"], 29 - yuhai_small);
    assert_eq!(city["small_micro_in_alliance"], 16);
    assert_eq!(row(&report, "330381002")["enterprises"], 1);
}
