//! Fifty writers at once against one app (SQLite by default, PostgreSQL too): acknowledgements,
//! evidence, spreadsheet imports and notices marked read all succeed, none answers 5xx or
//! "database is locked", and every write is there afterwards.

use portal::domain::credit_code::CreditCode;
use portal::models::{hazard, notification};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::*;
use crate::imports::{commit, row, upload, xlsx};
use crate::inspections::{INSPECTOR, multipart, setup, submit};
use crate::photos::png_bytes;
use crate::rectification::{act, evidence, plan, set_day};

const ACKNOWLEDGE: usize = 15;
const EVIDENCE: usize = 10;
const IMPORTS: usize = 5;
const MARK_READ: usize = 15;

/// One finding of 鸿田 with `n` extra general hazards; returns their ids.
async fn hazards(app: &TestApp, n: usize) -> Vec<i64> {
    set_day(app, "2026-11-24");
    let (id, items) = setup(app).await;
    let extra: Vec<Value> = (0..n)
        .map(|i| {
            json!({"title": format!("消防通道堆放杂物 {i}"), "category": "fire",
                   "level": "general", "location": "仓库门口", "deadline": "2026-12-24"})
        })
        .collect();
    let s = json!({
        "inspectors": "张工",
        "answers": items.iter().map(|i| json!({"item_id": i, "result": "pass"})).collect::<Vec<_>>(),
        "extra_hazards": extra,
    });
    let token = app.api_token(INSPECTOR).await;
    let res = submit(app, &token, id, multipart(&s, Vec::new()), None).await;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 200, "submit: {text}");
    let outcome: Value = serde_json::from_str(&text).expect("json");
    serde_json::from_value(outcome["hazard_ids"].clone()).expect("ids")
}

/// A valid credit code of a new enterprise in 塘下镇, numbered `n`.
fn code(n: usize) -> String {
    CreditCode::complete(&format!("91330381MA2W{n:05}"))
        .expect("code")
        .as_str()
        .to_string()
}

/// What one writer did: its label and the statuses and bodies it got.
type Outcome = (String, Vec<(u16, String)>);

async fn answer(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn fifty_concurrent_writers_all_succeed_without_a_lock_error() {
    // The test is about locks, not overload: a request may wait long for one of the 5 pooled
    // connections on a busy machine without being answered 503.
    let app = spawn_app_with(|s| s.database.acquire_timeout_secs = 60).await;
    let ids = hazards(&app, ACKNOWLEDGE + EVIDENCE).await;
    assert_eq!(ids.len(), ACKNOWLEDGE + EVIDENCE);
    let enterprise = app.api_token(ENTERPRISE).await;
    let (to_acknowledge, to_evidence) = ids.split_at(ACKNOWLEDGE);
    for &id in to_evidence {
        let res = act(
            &app,
            &enterprise,
            id,
            "acknowledge",
            &plan("2026-12-20"),
            None,
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    let staff = app.api_token(STAFF).await;
    let notices: Vec<i64> = app
        .api_json("/api/v1/notifications?unread=true&per_page=100", &staff)
        .await["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|n| n["id"].as_i64())
        .take(MARK_READ)
        .collect();
    assert_eq!(
        notices.len(),
        MARK_READ,
        "the staff account was told of each finding"
    );
    let officers: Vec<Visitor> = {
        let mut v = Vec::new();
        for _ in 0..IMPORTS {
            v.push(app.logged_in(TOWN_REGULATOR).await);
        }
        v
    };
    let before_import = app
        .api_json("/api/v1/enterprises", &app.api_token(TOWN_REGULATOR).await)
        .await["total"]
        .as_u64()
        .expect("total");

    // All at once.
    let app = std::sync::Arc::new(app);
    let mut writers: JoinSet<Outcome> = JoinSet::new();
    for &id in to_acknowledge {
        let (app, token) = (app.clone(), enterprise.clone());
        writers.spawn(async move {
            let res = act(&app, &token, id, "acknowledge", &plan("2026-12-20"), None).await;
            (format!("acknowledge {id}"), vec![answer(res).await])
        });
    }
    for &id in to_evidence {
        let (app, token) = (app.clone(), enterprise.clone());
        writers.spawn(async move {
            let files = vec![("整改后.png", png_bytes())];
            let res = evidence(&app, &token, id, "已清理", files, None).await;
            (format!("evidence {id}"), vec![answer(res).await])
        });
    }
    for (i, officer) in officers.into_iter().enumerate() {
        writers.spawn(async move {
            let rows = vec![
                row(
                    &code(2 * i),
                    &format!("并发导入企业{i}甲"),
                    "330381101201",
                    "20",
                    "",
                ),
                row(
                    &code(2 * i + 1),
                    &format!("并发导入企业{i}乙"),
                    "330381101202",
                    "8",
                    "",
                ),
            ];
            let res = upload(&officer, &format!("并发{i}.xlsx"), xlsx(&rows), true).await;
            let batch = location(&res);
            let mut got = vec![answer(res).await];
            if batch.starts_with("/regulator/imports/") {
                got.push(answer(commit(&officer, &batch).await).await);
            }
            (format!("import {i}"), got)
        });
    }
    for &id in &notices {
        let (app, token) = (app.clone(), staff.clone());
        writers.spawn(async move {
            let res = app
                .api_post(
                    &format!("/api/v1/notifications/{id}/read"),
                    &token,
                    &json!({}),
                )
                .await;
            (format!("read {id}"), vec![answer(res).await])
        });
    }
    let mut requests = 0;
    while let Some(done) = writers.join_next().await {
        let (what, answers) = done.expect("writer task");
        for (status, body) in answers {
            requests += 1;
            assert!(
                !body.to_lowercase().contains("locked"),
                "{what}: {status} {body}"
            );
            assert!(
                (200..400).contains(&status),
                "{what} answered {status}: {body}"
            );
        }
    }
    assert_eq!(requests, ACKNOWLEDGE + EVIDENCE + 2 * IMPORTS + MARK_READ);
    assert_eq!(requests, 50);

    // Every write is there.
    let db = &app.core.db;
    let rectifying = hazard::Entity::find()
        .filter(hazard::Column::Id.is_in(to_acknowledge.iter().copied()))
        .filter(hazard::Column::State.eq("rectifying"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(rectifying, ACKNOWLEDGE as u64);
    let handed_in = hazard::Entity::find()
        .filter(hazard::Column::Id.is_in(to_evidence.iter().copied()))
        .filter(hazard::Column::State.eq("awaiting_verification"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(handed_in, EVIDENCE as u64);
    let read = notification::Entity::find()
        .filter(notification::Column::Id.is_in(notices.iter().copied()))
        .filter(notification::Column::ReadAt.is_not_null())
        .count(db)
        .await
        .expect("count");
    assert_eq!(read, MARK_READ as u64);
    let after_import = app
        .api_json("/api/v1/enterprises", &app.api_token(TOWN_REGULATOR).await)
        .await["total"]
        .as_u64()
        .expect("total");
    assert_eq!(after_import, before_import + 2 * IMPORTS as u64);
}
