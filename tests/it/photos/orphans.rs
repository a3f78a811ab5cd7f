//! Orphan blobs: a photo is written to storage before its attachment row commits, so a
//! process killed (`kill -9`) in between leaves a file no row refers to. The sweep
//! (`portal::jobs::orphans::sweep`) deletes such files once they are older than
//! `storage.orphan_grace_secs`, and keeps fresh ones (an upload in flight) and every file an
//! attachment row refers to (original, public copy, thumbnail).

use std::time::{Duration, SystemTime};

use portal::jobs::orphans;
use portal::models::attachment;
use portal::services::files::{self, StoredFile};
use sea_orm::{ActiveModelTrait, EntityTrait, TransactionTrait};

use crate::helpers::{COMMITTEE, TestApp, spawn_app};
use crate::inspections::count;
use crate::photos::{attach, insert_hazard, jpeg_with_exif, png_bytes, user_id};

/// Stores a photo's blobs (original, copy, thumbnail) without any row.
async fn put_blobs(app: &TestApp) -> StoredFile {
    let prepared = files::prepare_async(&app.core, "现场.png".into(), png_bytes())
        .await
        .expect("task")
        .expect("accepted");
    files::store(app.core.storage.as_ref(), prepared)
        .await
        .expect("stored")
}

fn keys(s: &StoredFile) -> Vec<String> {
    [
        Some(s.storage_key.clone()),
        s.public_key.clone(),
        s.thumb_key.clone(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Dates the blob's file back by `age` from the app's clock (local storage).
fn age_file(app: &TestApp, key: &str, age: Duration) {
    let now: SystemTime = app.core.now().into();
    let path = app.core.settings.files_dir().join(key);
    let f = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open blob");
    f.set_modified(now - age).expect("set mtime");
}

fn exists(app: &TestApp, key: &str) -> bool {
    app.core.settings.files_dir().join(key).is_file()
}

const GRACE: Duration = Duration::from_secs(86_400);
const OLD: Duration = Duration::from_secs(86_400 + 3_600);

#[tokio::test]
async fn storage_lists_every_blob_with_its_modified_time() {
    let app = spawn_app().await;
    let stored = put_blobs(&app).await;
    age_file(&app, &stored.storage_key, OLD);
    let listed = app.core.storage.list("").await.expect("list");
    let mut got: Vec<String> = listed.iter().map(|o| o.key.clone()).collect();
    got.sort();
    let mut want = keys(&stored);
    want.sort();
    assert_eq!(got, want);
    let original = listed
        .iter()
        .find(|o| o.key == stored.storage_key)
        .expect("listed");
    let age = app.core.now() - original.modified;
    assert!(
        (age.num_seconds() - OLD.as_secs() as i64).abs() <= 2,
        "{age}"
    );
}

#[tokio::test]
async fn an_old_blob_without_a_row_is_swept_and_fresh_or_referenced_ones_are_kept() {
    let app = spawn_app().await;
    assert_eq!(app.core.settings.storage.orphan_grace_secs, GRACE.as_secs());
    // Referenced: an attachment of a hazard, its files dated back well past the grace period.
    let hazard = insert_hazard(&app, "配电箱未接地").await;
    let id = attach(&app, &hazard, "配电箱.jpg", jpeg_with_exif(), COMMITTEE).await;
    let row = attachment::Entity::find_by_id(id)
        .one(&app.core.db)
        .await
        .expect("query")
        .expect("row");
    let referenced: Vec<String> = [Some(row.storage_key), row.public_key, row.thumb_key]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(referenced.len(), 3);
    for k in &referenced {
        age_file(&app, k, OLD);
    }
    // An orphan past the grace period, and one written a minute ago (an upload in flight).
    let orphan = put_blobs(&app).await;
    for k in keys(&orphan) {
        age_file(&app, &k, OLD);
    }
    let fresh = put_blobs(&app).await;
    for k in keys(&fresh) {
        age_file(&app, &k, Duration::from_secs(60));
    }

    let report = orphans::sweep(&app.core).await.expect("sweep");
    assert_eq!(report.deleted, 3, "{report:?}");
    for k in keys(&orphan) {
        assert!(!exists(&app, &k), "orphan {k} swept");
    }
    for k in keys(&fresh).iter().chain(&referenced) {
        assert!(exists(&app, k), "{k} kept");
    }
    let qpw = crate::photos::caller_of(&app, COMMITTEE).await;
    let content = files::fetch(&app.core, &qpw, id, files::Variant::Original)
        .await
        .expect("the referenced photo still opens");
    assert_eq!(content.bytes, jpeg_with_exif());

    // Sweeping again (another instance, the next run) deletes nothing more and fails on nothing.
    let again = orphans::sweep(&app.core).await.expect("sweep again");
    assert_eq!(again.deleted, 0);
}

#[tokio::test]
async fn a_crash_between_storing_and_committing_leaves_no_row_and_the_sweep_removes_the_files() {
    let app = spawn_app().await;
    let hazard = insert_hazard(&app, "灭火器过期").await;
    let uploader = user_id(&app, COMMITTEE).await;
    let stored = put_blobs(&app).await;
    let before = count(&app, attachment::Entity).await;
    {
        // The upload's transaction: the row is inserted, then the process dies before the
        // commit (the transaction is dropped, and with it the connection's work).
        let txn = app.core.db.begin().await.expect("begin");
        let links = files::Links {
            enterprise_id: hazard.enterprise_id,
            region_path: hazard.region_path.clone(),
            hazard_id: Some(hazard.id),
            ..files::Links::default()
        };
        files::record(&stored, &links, uploader, app.core.now())
            .insert(&txn)
            .await
            .expect("insert inside the transaction");
        drop(txn);
    }
    assert_eq!(
        count(&app, attachment::Entity).await,
        before,
        "no row survives the abort"
    );
    for k in keys(&stored) {
        assert!(exists(&app, &k), "the blob was left behind: {k}");
        age_file(&app, &k, OLD);
    }
    let report = orphans::sweep(&app.core).await.expect("sweep");
    assert_eq!(report.deleted, 3);
    for k in keys(&stored) {
        assert!(!exists(&app, &k), "{k} swept");
    }
    assert_eq!(count(&app, attachment::Entity).await, before);
}

/// A process killed inside a local write leaves the temporary file it was writing
/// (`<key>.tmp<8 hex>`, renamed into place only when complete). It is swept like an orphan
/// once past the grace period; one being written now is kept.
#[tokio::test]
async fn a_write_killed_half_way_leaves_a_temporary_file_that_is_swept_after_the_grace_period() {
    let app = spawn_app().await;
    let stored = put_blobs(&app).await;
    let dir = app.core.settings.files_dir();
    let partial = |key: &str, suffix: &str| {
        let path = dir.join(format!("{key}.tmp{suffix}"));
        std::fs::write(&path, b"half a photo").expect("partial file");
        path
    };
    let old = partial(&stored.storage_key, "0a1b2c3d");
    let now: SystemTime = app.core.now().into();
    std::fs::File::options()
        .write(true)
        .open(&old)
        .expect("open")
        .set_modified(now - OLD)
        .expect("mtime");
    let fresh = partial(&stored.storage_key, "4e5f6a7b");
    // A stray file of another shape is not the portal's to delete.
    let stray = dir.join(format!("{}.bak", stored.storage_key));
    std::fs::write(&stray, b"an operator's copy").expect("stray");
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .expect("open")
        .set_modified(now - OLD)
        .expect("mtime");

    let report = orphans::sweep(&app.core).await.expect("sweep");
    assert!(!old.exists(), "the old partial write is swept");
    assert_eq!(report.partial, 1, "{report:?}");
    assert!(fresh.exists(), "a write in progress is kept");
    assert!(stray.exists(), "a file of another shape is left alone");
    assert!(exists(&app, &stored.storage_key), "the fresh blob is kept");
}
