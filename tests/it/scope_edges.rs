//! Scope edges around an enterprise in two alliances (鸿田: the industry alliance of `qpw` and
//! the 韩田 regional alliance of `hantian`): each committee sees only its own alliance's
//! membership and groups on the 一企一档 file, and the GPS-bearing original only of photos
//! from its own alliance's inspections.

use portal::domain::inspection::InspectionState;
use std::collections::BTreeSet;

use portal::models::hazard;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::Value;

use crate::helpers::*;
use crate::photos::{attach, insert_hazard, jpeg_with_exif};

const HANTIAN_ALLIANCE: &str = "塘下镇韩田片区安全生产互助联盟";

/// The alliance names of the file's memberships and of its groups, as `user` sees them.
async fn file_alliances(app: &TestApp, user: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let token = app.api_token(user).await;
    let id = app.enterprise_id(HONGTIAN).await;
    let file = app
        .api_json(&format!("/api/v1/enterprises/{id}"), &token)
        .await;
    let names = |list: &Value| -> BTreeSet<String> {
        list.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["alliance_name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    (names(&file["alliances"]), names(&file["groups"]))
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn the_enterprise_file_shows_a_committee_only_its_own_alliance_and_groups() {
    let app = spawn_app().await;
    let both = set(&[QPW_ALLIANCE, HANTIAN_ALLIANCE]);
    for user in [ENTERPRISE, REGULATOR, TOWN_REGULATOR, ADMIN] {
        let (alliances, groups) = file_alliances(&app, user).await;
        assert_eq!(alliances, both, "{user} sees every membership");
        assert_eq!(groups, both, "{user} sees every group");
    }
    for (user, own) in [
        (COMMITTEE, QPW_ALLIANCE),
        (COMMITTEE_REGIONAL, HANTIAN_ALLIANCE),
    ] {
        let (alliances, groups) = file_alliances(&app, user).await;
        assert_eq!(alliances, set(&[own]), "{user}: only its own membership");
        assert_eq!(
            groups,
            set(&[own]),
            "{user}: only its own alliance's groups"
        );
    }
}

#[tokio::test]
async fn a_committee_gets_the_original_only_of_photos_from_its_own_alliances_inspections() {
    let app = spawn_app().await;
    // Found in the industry alliance's mutual inspection of 鸿田.
    let industry = insert_hazard(&app, "配电箱未接地").await;
    let industry_photo = attach(&app, &industry, "配电箱.jpg", jpeg_with_exif(), ENTERPRISE).await;
    // Found in the regional alliance's.
    let mut regional = insert_hazard(&app, "消防通道堵塞")
        .await
        .into_active_model();
    regional.alliance_id = Set(Some(app.alliance_id(HANTIAN_ALLIANCE).await));
    let regional: hazard::Model = regional.update(&app.core.db).await.expect("update");
    let regional_photo = attach(&app, &regional, "通道.jpg", jpeg_with_exif(), ENTERPRISE).await;

    for (user, own, other) in [
        (COMMITTEE, industry_photo, regional_photo),
        (COMMITTEE_REGIONAL, regional_photo, industry_photo),
    ] {
        let token = app.api_token(user).await;
        for id in [own, other] {
            let res = app.api_get(&format!("/api/v1/files/{id}"), &token).await;
            assert_eq!(res.status(), 200, "{user} sees its member's photo {id}");
        }
        let res = app
            .api_get(&format!("/api/v1/files/{own}/original"), &token)
            .await;
        assert_eq!(res.status(), 200, "{user}: its own alliance's original");
        let res = app
            .api_get(&format!("/api/v1/files/{other}/original"), &token)
            .await;
        assert_eq!(res.status(), 404, "{user}: not another alliance's original");
        let page = app
            .logged_in(user)
            .await
            .get(&format!("/files/{other}/original"))
            .await;
        assert_eq!(page.status(), 404, "{user}: nor through the page route");
    }
    let bureau = app.api_token(TOWN_REGULATOR).await;
    for id in [industry_photo, regional_photo] {
        let res = app
            .api_get(&format!("/api/v1/files/{id}/original"), &bureau)
            .await;
        assert_eq!(
            res.status(),
            200,
            "the bureau sees every original in its town"
        );
    }
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    bare_client()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("POST")
}

async fn state_of(app: &TestApp, id: i64) -> InspectionState {
    portal::models::inspection::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("inspection")
        .state
}

#[tokio::test]
async fn an_enterprise_that_leaves_an_alliance_has_its_open_inspections_there_cancelled_and_inspects_for_it_no_more()
 {
    use portal::models::{alliance_membership, inspection};
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = spawn_app().await;
    // 瑞韩 inspects 鸿田, and 鸿田 inspects 瑞韩, both in the industry alliance.
    let (of_hongtian, items) = crate::inspections::setup(&app).await;
    let version = inspection::Entity::find_by_id(of_hongtian)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("inspection")
        .template_version_id;
    let ruihan = crate::inspections::RUIHAN;
    let by_hongtian = crate::inspections::mutual_inspection(&app, version, HONGTIAN, ruihan).await;
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let industry = app.alliance_id(QPW_ALLIANCE).await;
    let membership = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::EnterpriseId.eq(hongtian))
        .filter(alliance_membership::Column::AllianceId.eq(industry))
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("a member")
        .id;

    let enterprise = app.api_token(ENTERPRISE).await;
    let res = post(
        &app,
        &format!("/api/v1/memberships/{membership}/leave"),
        &enterprise,
        serde_json::json!({"reason": "企业转产"}),
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    for id in [of_hongtian, by_hongtian] {
        assert_eq!(
            state_of(&app, id).await,
            InspectionState::Cancelled,
            "inspection {id}"
        );
    }
    let admin = app.api_token(ADMIN).await;
    let audit = app
        .api_json("/api/v1/audit?action=inspection.cancel", &admin)
        .await;
    assert_eq!(audit["total"], 2, "{audit}");
    // A cancelled inspection is not started or submitted by either side.
    let res = post(
        &app,
        &format!("/api/v1/inspections/{by_hongtian}/start"),
        &enterprise,
        serde_json::json!({}),
    )
    .await;
    assert_ne!(res.status(), 200);
    let inspector = app.api_token(crate::inspections::INSPECTOR).await;
    let form = crate::inspections::multipart(&crate::inspections::submission(&items), vec![]);
    let res = crate::inspections::submit(&app, &inspector, of_hongtian, form, None).await;
    assert_ne!(
        res.status(),
        200,
        "the inspection of a former member is not submitted"
    );

    // A stale assignment left behind: 鸿田 no longer acts as the alliance's inspector.
    let stale = crate::inspections::mutual_inspection(&app, version, HONGTIAN, ruihan).await;
    let res = post(
        &app,
        &format!("/api/v1/inspections/{stale}/start"),
        &enterprise,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(res.status(), 403, "start");
    let form = crate::inspections::multipart(&crate::inspections::submission(&items), vec![]);
    let res = crate::inspections::submit(&app, &enterprise, stale, form, None).await;
    assert_eq!(res.status(), 403, "submit");
    assert_eq!(state_of(&app, stale).await, InspectionState::Planned);
}
