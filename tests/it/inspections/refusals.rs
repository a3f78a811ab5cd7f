//! Uploads that are refused change nothing: no rows, no stored files.

use portal::domain::inspection::InspectionState;
use portal::models::{attachment, hazard, inspection, inspection_answer};

use super::*;
use crate::helpers::spawn_app_with;
use crate::photos::jpeg_with_exif;

async fn assert_nothing_written(app: &TestApp, id: i64) {
    assert_eq!(count(app, hazard::Entity).await, 0);
    assert_eq!(count(app, attachment::Entity).await, 0);
    assert_eq!(count(app, inspection_answer::Entity).await, 0);
    assert_eq!(stored_files(app), 0, "no file left in storage");
    let i = inspection::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("inspection");
    assert_eq!(i.state, InspectionState::Planned);
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused_whatever_its_name() {
    let app = spawn_app_with(|_| {}).await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let fake = b"MZ\x90\x00 this is a program, not a photo".to_vec();
    let res = submit(
        &app,
        &token,
        id,
        multipart(
            &submission(&items),
            vec![
                ("item_photo", "photo.jpg", fake),
                ("extra_photo", "ok.jpg", jpeg_with_exif()),
            ],
        ),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body["fields"]["item_photo"].is_string(), "{body}");
    assert_nothing_written(&app, id).await;
}

#[tokio::test]
async fn an_oversized_file_is_refused() {
    let app = spawn_app_with(|s| s.storage.max_file_mb = 1).await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    let mut big = jpeg_with_exif();
    big.resize(1024 * 1024 + 10, 0);
    let res = submit(
        &app,
        &token,
        id,
        multipart(&submission(&items), vec![("item_photo", "big.jpg", big)]),
        None,
    )
    .await;
    assert!(
        res.status() == 422 || res.status() == 413,
        "refused: {}",
        res.status()
    );
    assert_nothing_written(&app, id).await;
}

#[tokio::test]
async fn a_file_name_climbing_out_of_its_folder_is_refused() {
    let app = spawn_app_with(|_| {}).await;
    let (id, items) = setup(&app).await;
    let token = app.api_token(INSPECTOR).await;
    for name in ["../../etc/passwd.jpg", "..\\..\\boot.jpg"] {
        let res = submit(
            &app,
            &token,
            id,
            multipart(
                &submission(&items),
                vec![("item_photo", name, jpeg_with_exif())],
            ),
            None,
        )
        .await;
        assert_eq!(res.status(), 422, "{name}");
        let body: Value = res.json().await.expect("json");
        assert!(body["fields"]["item_photo"].is_string(), "{body}");
    }
    assert_nothing_written(&app, id).await;
}
