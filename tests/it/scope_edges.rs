//! Scope edges around an enterprise in two alliances (鸿田: the industry alliance of `qpw` and
//! the 韩田 regional alliance of `hantian`): each committee sees only its own alliance's
//! membership and groups on the 一企一档 file, and the GPS-bearing original only of photos
//! from its own alliance's inspections.

use std::collections::BTreeSet;

use portal::models::hazard;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
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
