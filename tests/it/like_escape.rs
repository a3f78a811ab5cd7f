//! The text searches of the lists take `%` and `_` literally: a search for `%` finds the rows
//! whose text holds a `%`, one for `_` those holding an `_`, not every row (the `LIKE` pattern
//! of `services::contains_pattern`, with `ESCAPE '!'` on both engines). One test per list:
//! enterprises, alliances, checklist templates, inspections, hazards, and the enterprises a
//! committee may invite.

use portal::models::{alliance, checklist_template, enterprise};
use portal::scope::Scope;
use portal::services::{
    PageParams, alliances, checklists, enterprises, hazards, inspections, membership,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;
use crate::inspections::{RUIHAN, checklist, mutual_inspection};
use crate::photos::{caller_of, insert_hazard};

/// Page size large enough for every list of the demo data.
fn all() -> PageParams {
    PageParams::parse(None, Some("100"), None).expect("page")
}

async fn bureau(app: &TestApp) -> Scope {
    caller_of(app, REGULATOR).await.scope
}

async fn rename_enterprise(app: &TestApp, id: i64, name: &str) {
    enterprise::Entity::update_many()
        .col_expr(enterprise::Column::Name, Expr::value(name))
        .filter(enterprise::Column::Id.eq(id))
        .exec(&app.core.db)
        .await
        .expect("rename enterprise");
}

/// 鸿田 renamed with a `%`, 华鑫 with an `_`; returns their ids.
async fn wildcard_enterprises(app: &TestApp) -> (i64, i64) {
    let percent = app.enterprise_id(HONGTIAN).await;
    let underscore = app.enterprise_id(HUAXIN).await;
    rename_enterprise(app, percent, "瑞安市鸿田100%机械有限公司").await;
    rename_enterprise(app, underscore, "瑞安市华鑫_汽配有限公司").await;
    (percent, underscore)
}

#[tokio::test]
async fn the_enterprise_list_takes_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let (percent, underscore) = wildcard_enterprises(&app).await;
    let scope = bureau(&app).await;
    for (q, want) in [("%", percent), ("_", underscore)] {
        let f = enterprises::EnterpriseFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let list = enterprises::list(&app.core, &scope, &f, all())
            .await
            .expect("list");
        let ids: Vec<i64> = list.items.iter().map(|r| r.summary.id).collect();
        assert_eq!(ids, vec![want], "{q}");
    }
}

#[tokio::test]
async fn the_alliance_list_takes_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let db = &app.core.db;
    let mut two = alliance::Entity::find()
        .all(db)
        .await
        .expect("alliances")
        .into_iter()
        .take(2);
    let (a, b) = (two.next().expect("one"), two.next().expect("two"));
    for (row, name) in [(&a, "百分之百%安全联盟"), (&b, "下划线_互助联盟")] {
        alliance::Entity::update_many()
            .col_expr(alliance::Column::Name, Expr::value(name))
            .filter(alliance::Column::Id.eq(row.id))
            .exec(db)
            .await
            .expect("rename alliance");
    }
    let scope = bureau(&app).await;
    for (q, want) in [("%", a.id), ("_", b.id)] {
        let f = alliances::AllianceFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let list = alliances::list(&app.core, &scope, &f, all())
            .await
            .expect("list");
        let ids: Vec<i64> = list.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![want], "{q}");
    }
}

#[tokio::test]
async fn the_checklist_list_takes_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let db = &app.core.db;
    let scope = bureau(&app).await;
    let seen = checklists::queries::list(&app.core, &scope, &Default::default(), all())
        .await
        .expect("list");
    assert!(seen.items.len() >= 2, "demo templates");
    let (a, b) = (seen.items[0].id, seen.items[1].id);
    for (id, title) in [(a, "粉尘浓度≤10%检查表"), (b, "A_B类场所检查表")] {
        checklist_template::Entity::update_many()
            .col_expr(checklist_template::Column::Title, Expr::value(title))
            .filter(checklist_template::Column::Id.eq(id))
            .exec(db)
            .await
            .expect("rename template");
    }
    for (q, want) in [("%", a), ("_", b)] {
        let f = checklists::ChecklistFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let list = checklists::queries::list(&app.core, &scope, &f, all())
            .await
            .expect("list");
        let ids: Vec<i64> = list.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![want], "{q}");
    }
}

#[tokio::test]
async fn the_inspection_list_takes_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let (version, _) = checklist(&app).await;
    let of_hongtian = mutual_inspection(&app, version, RUIHAN, HONGTIAN).await;
    let of_huaxin = mutual_inspection(&app, version, RUIHAN, HUAXIN).await;
    wildcard_enterprises(&app).await;
    let scope = bureau(&app).await;
    for (q, want) in [("%", of_hongtian), ("_", of_huaxin)] {
        let f = inspections::InspectionFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let list = inspections::list(&app.core, &scope, &f, all())
            .await
            .expect("list");
        let ids: Vec<i64> = list.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![want], "{q}");
    }
}

#[tokio::test]
async fn the_hazard_list_takes_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let percent = insert_hazard(&app, "氧含量低于19.5%").await.id;
    let underscore = insert_hazard(&app, "配电箱_未接地").await.id;
    insert_hazard(&app, "消防通道堵塞").await;
    let scope = bureau(&app).await;
    for (q, want) in [("%", percent), ("_", underscore)] {
        let f = hazards::HazardFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let list = hazards::list(&app.core, &scope, &f, all())
            .await
            .expect("list");
        let ids: Vec<i64> = list.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![want], "{q}");
    }
}

#[tokio::test]
async fn the_enterprises_a_committee_may_invite_take_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let scope = caller_of(&app, COMMITTEE).await.scope;
    let offered = membership::eligible_enterprises(&app.core, &scope, None)
        .await
        .expect("choices");
    assert!(offered.len() >= 2, "enterprises to invite");
    let (a, b) = (offered[0].id, offered[1].id);
    rename_enterprise(&app, a, "瑞安市百分百%机电厂").await;
    rename_enterprise(&app, b, "瑞安市下划线_五金厂").await;
    for (q, want) in [("%", a), ("_", b)] {
        let choices = membership::eligible_enterprises(&app.core, &scope, Some(q))
            .await
            .expect("choices");
        let ids: Vec<i64> = choices.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![want], "{q}");
    }
}
