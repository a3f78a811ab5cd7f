//! Photos and documents: fixtures other tests reuse (`jpeg_with_exif`, `png_bytes`,
//! `pdf_bytes`), and who gets which bytes of an attachment through `/files/{id}` and
//! `/api/v1/files/{id}` — the stripped copy for everyone in scope, the original (EXIF: when
//! and where) only for the bureau, the committee and the uploading enterprise, 404 outside.

mod bombs;
mod orphans;

use portal::domain::hazard_flow::HazardState;
use portal::domain::inspection::HazardCategory;
use portal::domain::inspection::HazardLevel;
use std::io::Cursor;

use chrono::{NaiveDate, TimeZone, Utc};
use portal::auth::token::TokenKind;
use portal::models::{alliance, hazard, user};
use portal::scope::Caller;
use portal::services::files::{self, Limits, Links};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

/// When the fixture photo was taken (EXIF DateTimeOriginal).
pub const PHOTO_TAKEN_AT: &str = "2026-11-20T09:30:00";
/// Where (EXIF GPS): 27°46'48" N, 120°39' E — 瑞安塘下.
pub const PHOTO_LATITUDE: f64 = 27.0 + 46.0 / 60.0 + 48.0 / 3600.0;
pub const PHOTO_LONGITUDE: f64 = 120.0 + 39.0 / 60.0;

fn gradient(w: u32, h: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 3) as u8, 90])
    }))
}

fn encoded(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A real small JPEG (48×32) with an APP1 EXIF segment: DateTimeOriginal `PHOTO_TAKEN_AT`
/// and GPS `PHOTO_LATITUDE`/`PHOTO_LONGITUDE`.
pub fn jpeg_with_exif() -> Vec<u8> {
    use exif::{Field, In, Rational, Tag, Value};
    let jpeg = encoded(&gradient(48, 32), image::ImageFormat::Jpeg);
    let dms = |d: u32, m: u32, s100: u32| {
        Value::Rational(vec![
            Rational { num: d, denom: 1 },
            Rational { num: m, denom: 1 },
            Rational {
                num: s100,
                denom: 100,
            },
        ])
    };
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let fields = [
        (Tag::DateTimeOriginal, ascii("2026:11:20 09:30:00")),
        (Tag::GPSLatitudeRef, ascii("N")),
        (Tag::GPSLatitude, dms(27, 46, 4800)),
        (Tag::GPSLongitudeRef, ascii("E")),
        (Tag::GPSLongitude, dms(120, 39, 0)),
    ]
    .map(|(tag, value)| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    });
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("exif");
    let tiff = tiff.into_inner();
    let len = u16::try_from(2 + 6 + tiff.len()).expect("small segment");
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A small PNG (24×16), no metadata.
pub fn png_bytes() -> Vec<u8> {
    encoded(&gradient(24, 16), image::ImageFormat::Png)
}

/// A minimal PDF.
pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// Whether bytes carry EXIF (parsed, or the APP1 marker anywhere).
pub fn has_exif(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .is_ok()
        || bytes.windows(6).any(|w| w == b"Exif\0\0")
}

pub async fn user_id(app: &TestApp, username: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.core.db)
        .await
        .expect("query user")
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}

/// The caller a demo account is, as the services see it.
pub async fn caller_of(app: &TestApp, username: &str) -> Caller {
    let token = app.api_token(username).await;
    portal::services::auth::authenticate(&app.core, TokenKind::Api, &token)
        .await
        .expect("authenticate")
        .expect("a caller")
}

/// A hazard found at 鸿田 (qiye1's enterprise) by 瑞韩 in the industry alliance's mutual
/// inspection.
pub async fn insert_hazard(app: &TestApp, title: &str) -> hazard::Model {
    let hongtian = app.enterprise_id(HONGTIAN).await;
    let ruihan = app.enterprise_id("91330381MA22WWTGXK").await;
    let region_path = portal::models::enterprise::Entity::find_by_id(hongtian)
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
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
        .single()
        .expect("time");
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
        found_at: Set(now),
        deadline: Set(NaiveDate::from_ymd_opt(2026, 12, 20).expect("date")),
        state: Set(HazardState::Reported),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.core.db)
    .await
    .expect("insert hazard")
}

/// Stores `bytes` through the file services and records it on `hazard`, uploaded by
/// `uploader`; returns the attachment id.
pub async fn attach(
    app: &TestApp,
    hazard: &hazard::Model,
    name: &str,
    bytes: Vec<u8>,
    uploader: &str,
) -> i64 {
    let prepared = files::prepare_async(&app.core, name.into(), bytes)
        .await
        .expect("task")
        .expect("accepted");
    let stored = files::store(app.core.storage.as_ref(), prepared)
        .await
        .expect("stored");
    let links = Links {
        enterprise_id: hazard.enterprise_id,
        region_path: hazard.region_path.clone(),
        inspection_id: None,
        answer_id: None,
        hazard_id: Some(hazard.id),
    };
    let row = files::record(
        &stored,
        &links,
        user_id(app, uploader).await,
        app.core.now(),
    );
    row.insert(&app.core.db)
        .await
        .expect("insert attachment")
        .id
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_inspected_enterprise_sees_the_photo_without_exif_and_never_the_original() {
    let app = spawn_app().await;
    let hazard = insert_hazard(&app, "配电箱未接地").await;
    // Uploaded by the committee member who took part in the inspection.
    let id = attach(&app, &hazard, "配电箱.jpg", jpeg_with_exif(), COMMITTEE).await;
    let qiye1 = app.logged_in(ENTERPRISE).await;

    let res = qiye1.get(&format!("/files/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/jpeg");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert!(header(&res, "cache-control").starts_with("private"));
    assert_eq!(
        header(&res, "content-disposition"),
        "inline; filename=\"file.jpg\"; filename*=UTF-8''%E9%85%8D%E7%94%B5%E7%AE%B1.jpg"
    );
    let body = res.bytes().await.expect("body");
    assert!(image::load_from_memory(&body).is_ok(), "a real image");
    assert!(!has_exif(&body), "the copy carries no EXIF/GPS");

    let thumb = qiye1.get(&format!("/files/{id}/thumb")).await;
    assert_eq!(thumb.status(), 200);
    assert!(!has_exif(&thumb.bytes().await.expect("body")));

    let original = qiye1.get(&format!("/files/{id}/original")).await;
    assert_eq!(
        original.status(),
        404,
        "the evidence is not the inspected side's"
    );
    let token = app.api_token(ENTERPRISE).await;
    let api = app
        .api_get(&format!("/api/v1/files/{id}/original"), &token)
        .await;
    assert_eq!(api.status(), 404);

    let caller = caller_of(&app, ENTERPRISE).await;
    let row = files::get(&app.core, &caller.scope, id)
        .await
        .expect("in scope");
    assert_eq!(
        files::evidence(&app.core.db, &caller, &row)
            .await
            .expect("evidence"),
        None
    );
}

#[tokio::test]
async fn the_bureau_and_the_committee_get_the_original_with_when_and_where() {
    let app = spawn_app().await;
    let hazard = insert_hazard(&app, "配电箱未接地").await;
    let original = jpeg_with_exif();
    let id = attach(&app, &hazard, "配电箱.jpg", original.clone(), COMMITTEE).await;

    let bureau = app.logged_in(REGULATOR).await;
    let res = bureau.get(&format!("/files/{id}/original")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/jpeg");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    let body = res.bytes().await.expect("body");
    assert_eq!(
        body.as_ref(),
        original.as_slice(),
        "byte for byte as uploaded"
    );
    assert!(has_exif(&body));

    let token = app.api_token(COMMITTEE).await;
    let api = app
        .api_get(&format!("/api/v1/files/{id}/original"), &token)
        .await;
    assert_eq!(api.status(), 200);
    assert_eq!(
        api.bytes().await.expect("body").as_ref(),
        original.as_slice()
    );

    let caller = caller_of(&app, REGULATOR).await;
    let row = files::get(&app.core, &caller.scope, id)
        .await
        .expect("in scope");
    let evidence = files::evidence(&app.core.db, &caller, &row)
        .await
        .expect("evidence")
        .expect("the bureau sees it");
    assert_eq!(evidence.taken_at.as_deref(), Some(PHOTO_TAKEN_AT));
    assert!((evidence.latitude.expect("lat") - PHOTO_LATITUDE).abs() < 1e-6);
    assert!((evidence.longitude.expect("lon") - PHOTO_LONGITUDE).abs() < 1e-6);
}

#[tokio::test]
async fn the_enterprise_that_uploaded_a_photo_sees_its_original() {
    let app = spawn_app().await;
    let hazard = insert_hazard(&app, "灭火器过期").await;
    // The rectification photo, taken by qiye1's own safety officer.
    let id = attach(&app, &hazard, "整改后.jpg", jpeg_with_exif(), STAFF).await;
    let qiye1 = app.logged_in(ENTERPRISE).await;
    let res = qiye1.get(&format!("/files/{id}/original")).await;
    assert_eq!(res.status(), 200);
    assert!(has_exif(&res.bytes().await.expect("body")));
}

#[tokio::test]
async fn an_unrelated_enterprise_gets_404_for_every_variant() {
    let app = spawn_app().await;
    let hazard = insert_hazard(&app, "配电箱未接地").await;
    let id = attach(&app, &hazard, "a.jpg", jpeg_with_exif(), COMMITTEE).await;
    let qiye2 = app.logged_in(ENTERPRISE_OTHER).await;
    let token = app.api_token(ENTERPRISE_OTHER).await;
    let expert = app.logged_in(EXPERT).await;
    for suffix in ["", "/thumb", "/original"] {
        let page = qiye2.get(&format!("/files/{id}{suffix}")).await;
        assert_eq!(page.status(), 404, "/files/{id}{suffix}");
        let api = app
            .api_get(&format!("/api/v1/files/{id}{suffix}"), &token)
            .await;
        assert_eq!(api.status(), 404, "/api/v1/files/{id}{suffix}");
        let body: serde_json::Value = api.json().await.expect("json");
        assert_eq!(body["code"], "not_found");
        assert_eq!(
            expert.get(&format!("/files/{id}{suffix}")).await.status(),
            404
        );
    }
    let anonymous = app.visitor().get(&format!("/files/{id}")).await;
    assert_eq!(anonymous.status(), 303);
}

#[tokio::test]
async fn a_pdf_is_a_download_without_thumbnail() {
    let app = spawn_app().await;
    let hazard = insert_hazard(&app, "应急预案缺失").await;
    let id = attach(&app, &hazard, "整改报告\"; x=1.pdf", pdf_bytes(), STAFF).await;
    let qiye1 = app.logged_in(ENTERPRISE).await;
    let res = qiye1.get(&format!("/files/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "application/pdf");
    let disposition = header(&res, "content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert_eq!(disposition.matches('"').count(), 2, "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    assert_eq!(
        res.bytes().await.expect("body").as_ref(),
        pdf_bytes().as_slice()
    );
    assert_eq!(qiye1.get(&format!("/files/{id}/thumb")).await.status(), 404);
}

#[tokio::test]
async fn the_same_photo_on_another_hazard_is_noticed_within_scope() {
    let app = spawn_app().await;
    let first = insert_hazard(&app, "配电箱未接地").await;
    let second = insert_hazard(&app, "配电箱门未关").await;
    let third = insert_hazard(&app, "通道堵塞").await;
    let photo = jpeg_with_exif();
    attach(&app, &first, "a.jpg", photo.clone(), COMMITTEE).await;
    attach(&app, &second, "b.jpg", photo.clone(), COMMITTEE).await;
    attach(&app, &third, "c.png", png_bytes(), COMMITTEE).await;
    let sha = files::sha256_hex(&photo);

    let bureau = caller_of(&app, REGULATOR).await;
    let reused = files::reused_elsewhere(&app.core.db, &bureau.scope, &sha, second.id)
        .await
        .expect("query");
    assert_eq!(reused, vec![first.id]);

    let other = caller_of(&app, ENTERPRISE_OTHER).await;
    let hidden = files::reused_elsewhere(&app.core.db, &other.scope, &sha, second.id)
        .await
        .expect("query");
    assert!(hidden.is_empty(), "hazards outside the scope are not named");
}

#[tokio::test]
async fn discarded_uploads_leave_no_file_behind() {
    let app = spawn_app().await;
    let limits = Limits::from_settings(&app.core.settings.storage);
    let prepared = files::prepare("a.jpg", jpeg_with_exif(), limits).expect("accepted");
    let stored = files::store(app.core.storage.as_ref(), prepared)
        .await
        .expect("stored");
    let keys = [
        Some(stored.storage_key.clone()),
        stored.public_key.clone(),
        stored.thumb_key.clone(),
    ];
    let files_dir = app.core.settings.files_dir();
    for key in keys.iter().flatten() {
        assert!(
            files_dir.join(key).is_file(),
            "{key} written under data_dir/files"
        );
    }
    // The database transaction failed: the caller discards what it stored.
    files::discard(app.core.storage.as_ref(), std::slice::from_ref(&stored)).await;
    for key in keys.iter().flatten() {
        assert!(!files_dir.join(key).exists(), "{key} removed");
        assert!(app.core.storage.get(key).await.is_err());
    }
}
