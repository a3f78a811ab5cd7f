//! Image bombs: a PNG of a few KB that declares 16000×8000 pixels (128 megapixels, which
//! would take hundreds of MB to decode) is refused from its header with a 422 naming the limit
//! (`storage.max_megapixels`), nothing is stored, and the server goes on answering.

use portal::domain::inspection::InspectionState;
use std::io::Write;

use portal::i18n::{Lang, t_args};
use portal::models::{attachment, hazard, inspection, inspection_answer};
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::helpers::{bare_client, spawn_app};
use crate::inspections::{INSPECTOR, count, multipart, setup, stored_files, submission, submit};

/// CRC-32 of a PNG chunk (type and data).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("chunk size");
    out.extend_from_slice(&len.to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A valid black PNG of `width`×`height` (1-bit greyscale), compressed row by row so neither
/// the test nor the file needs the decoded size: 16000×8000 is about 16 KB.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, greyscale, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    let row = vec![0_u8; 1 + width.div_ceil(8) as usize]; // filter byte + packed pixels
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..height {
        z.write_all(&row).expect("compress");
    }
    chunk(&mut out, b"IDAT", &z.finish().expect("compress"));
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn the_bomb_fixture_is_a_real_png_of_the_declared_size_and_small() {
    let bomb = png_bomb(16_000, 8_000);
    assert!(bomb.len() < 300 * 1024, "{} bytes", bomb.len());
    let reader = image::ImageReader::new(std::io::Cursor::new(&bomb))
        .with_guessed_format()
        .expect("format");
    assert_eq!(reader.into_dimensions().expect("header"), (16_000, 8_000));
    let small = image::load_from_memory(&png_bomb(40, 20)).expect("a small one decodes");
    assert_eq!((small.width(), small.height()), (40, 20));
}

#[tokio::test]
async fn a_photo_of_128_megapixels_is_refused_naming_the_limit_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let bomb = png_bomb(16_000, 8_000);

    let res = submit(
        &app,
        &token,
        id,
        multipart(
            &submission(&items),
            vec![("item_photo", "现场.png", bomb.clone())],
        ),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    let limit = [("max_megapixels", "40"), ("max_wan_pixels", "4000")];
    assert_eq!(
        body["fields"]["item_photo"],
        t_args(Lang::ZhCn, "files.too_many_pixels", &limit),
        "{body}"
    );
    assert!(
        body["fields"]["item_photo"]
            .as_str()
            .is_some_and(|m| m.contains("4000 万像素")),
        "{body}"
    );

    // The extra hazard's photo, asked in English.
    let res = bare_client()
        .post(app.url(&format!("/api/v1/inspections/{id}/submit")))
        .bearer_auth(&token)
        .header("Accept-Language", "en")
        .multipart(multipart(
            &submission(&items),
            vec![
                ("item_photo", "ok.png", crate::photos::png_bytes()),
                ("extra_photo", "bomb.png", bomb),
            ],
        ))
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    let message = body["fields"]["extra_photo"].as_str().unwrap_or_default();
    assert!(message.contains("40 megapixels"), "{body}");

    assert_eq!(
        count(&app, attachment::Entity).await,
        0,
        "no attachment row"
    );
    assert_eq!(count(&app, hazard::Entity).await, 0);
    assert_eq!(count(&app, inspection_answer::Entity).await, 0);
    assert_eq!(stored_files(&app), 0, "no blob stored");
    let i = inspection::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("inspection");
    assert_eq!(i.state, InspectionState::Planned);

    // The server still answers, and a normal photo still goes through.
    let files = vec![
        ("item_photo", "箱门.jpg", crate::photos::jpeg_with_exif()),
        ("extra_photo", "灭火器.png", crate::photos::png_bytes()),
    ];
    let res = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), files),
        None,
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(count(&app, attachment::Entity).await, 2);
}

#[tokio::test]
async fn the_pixel_limit_comes_from_the_settings() {
    let app = crate::helpers::spawn_app_with(|s| s.storage.max_megapixels = 1).await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let res = submit(
        &app,
        &token,
        id,
        multipart(
            &submission(&items),
            vec![("item_photo", "a.png", png_bomb(1_001, 1_000))],
        ),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["fields"]["item_photo"]
            .as_str()
            .is_some_and(|m| m.contains("100 万像素")),
        "{body}"
    );
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn photos_are_decoded_at_most_decode_concurrency_at_a_time() {
    let app = crate::helpers::spawn_app_with(|s| s.storage.decode_concurrency = Some(1)).await;
    assert_eq!(app.core.decode_permits.available_permits(), 1);
    // Another upload is being decoded: it holds the only permit.
    let busy = app
        .core
        .decode_permits
        .clone()
        .acquire_owned()
        .await
        .expect("permit");
    let core = app.core.clone();
    let next = tokio::spawn(async move {
        portal::services::files::prepare_async(&core, "a.png".into(), crate::photos::png_bytes())
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!next.is_finished(), "the next photo waits for the permit");
    drop(busy);
    let prepared = tokio::time::timeout(std::time::Duration::from_secs(30), next)
        .await
        .expect("decoded once the permit is free")
        .expect("task")
        .expect("no crash");
    assert!(prepared.is_ok(), "accepted");
    assert_eq!(
        app.core.decode_permits.available_permits(),
        1,
        "permit given back"
    );
}
