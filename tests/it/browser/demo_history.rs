//! The lived-in demo in a real browser: every demo login signs in through the form, lands on
//! its portal, and finds the work the demo's history left it — hazard titles in its to-do list
//! or queue, its town's supervision list, the history in the audit log.

use fantoccini::Client;

use super::{body_text, in_browser, sign_in};
use crate::helpers::{
    ADMIN, COMMITTEE, COMMITTEE_REGIONAL, ENTERPRISE, ENTERPRISE_OTHER, EXPERT, REGULATOR, STAFF,
    TOWN_REGULATOR, TestApp, spawn_app_with_history,
};

/// Each login, the portal it lands on, the page it works from, and what that page must show.
const WORK: &[(&str, &str, &str, &str)] = &[
    (ADMIN, "/admin", "/admin", "seed.history"),
    (
        REGULATOR,
        "/regulator",
        "/regulator/queue",
        "喷漆房使用非防爆电气设备",
    ),
    (
        TOWN_REGULATOR,
        "/regulator",
        "/regulator/supervision",
        "电气线路老化、绝缘层破损",
    ),
    (
        COMMITTEE,
        "/committee",
        "/committee/queue",
        "砂轮机防护罩缺失",
    ),
    (
        COMMITTEE_REGIONAL,
        "/committee",
        "/committee/queue",
        "叉车司机无证驾驶",
    ),
    (
        ENTERPRISE,
        "/enterprise",
        "/enterprise/todo",
        "配电房未配备绝缘垫和绝缘手套",
    ),
    (
        STAFF,
        "/enterprise",
        "/enterprise/todo",
        "电气线路老化、绝缘层破损",
    ),
    (
        ENTERPRISE_OTHER,
        "/enterprise",
        "/enterprise/todo",
        "叉车充电区未设置防火分隔",
    ),
    (
        EXPERT,
        "/expert",
        "/expert/todo",
        "除尘器泄爆口朝向人员通道",
    ),
];

async fn finds_its_work(client: &Client, app: &TestApp) {
    for (username, home, page, wanted) in WORK {
        sign_in(client, app, username, home).await;
        client.goto(&app.url(page)).await.expect("open the page");
        let text = body_text(client).await;
        assert!(
            text.contains(wanted),
            "{username} on {page} should read {wanted}; page says:\n{text}"
        );
    }
}

#[tokio::test]
async fn every_demo_login_finds_its_work_from_the_history_in_the_browser() {
    in_browser(|client, _| async move {
        let app = spawn_app_with_history().await;
        finds_its_work(&client, &app).await;
    })
    .await;
}
