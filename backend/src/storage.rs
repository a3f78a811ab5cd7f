//! Where the bytes of uploaded files live: a small put/get/delete/list-by-key abstraction with
//! a local-folder implementation (the default, `data_dir/files/`) and, with the `s3` cargo
//! feature, an S3-compatible one. Keys are random (`new_key`), spread into two levels of
//! subfolders, and never derived from anything a user typed or uploaded. `list` gives the keys
//! with their modified time, for the orphan sweep (`jobs::orphans`).

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::config::{Settings, StorageKind};

/// What a storage call returns: the future is boxed so `Storage` can be a trait object.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no object under this key")]
    NotFound,
    #[error("malformed storage key")]
    BadKey,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StorageError> for crate::error::AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => crate::error::AppError::NotFound,
            other => crate::error::AppError::internal(other),
        }
    }
}

/// Blob storage by key.
pub trait Storage: Send + Sync {
    /// Stores `bytes` under `key`, replacing nothing: keys come from `new_key`.
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StorageFuture<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Vec<u8>>;
    /// Removes the object; a missing object is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()>;
    /// The objects whose key starts with `prefix` (`""`, or hex folders such as `ab` or
    /// `ab/cd`), with when each was last written. Only keys of `new_key`'s shape are listed.
    fn list<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, Vec<StoredObject>>;
    /// Deletes what interrupted writes under `prefix` left behind, last touched before
    /// `before`; returns how many. A backend whose writes are atomic (S3: an object exists
    /// only once its PUT completed) leaves nothing behind.
    fn sweep_partial<'a>(
        &'a self,
        _prefix: &'a str,
        _before: DateTime<Utc>,
    ) -> StorageFuture<'a, u64> {
        Box::pin(async { Ok(0) })
    }
}

/// One stored object, as `Storage::list` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub modified: DateTime<Utc>,
}

/// Whether `prefix` is a listing prefix: empty, or up to two hex folder names (`ab`, `ab/cd`).
pub fn is_valid_prefix(prefix: &str) -> bool {
    prefix.is_empty()
        || prefix.split('/').count() <= 2
            && prefix
                .split('/')
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub type SharedStorage = Arc<dyn Storage>;

/// A fresh random key: `ab/cd/abcd…` (128 random bits in hex, the first two bytes as folders).
pub fn new_key() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex = crate::auth::csrf::hex(&bytes);
    format!("{}/{}/{}", &hex[0..2], &hex[2..4], hex)
}

/// Whether `key` has the shape `new_key` makes (so it can never climb out of the folder).
pub fn is_valid_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    matches!(parts.as_slice(), [a, b, c] if a.len() == 2 && b.len() == 2 && c.len() == 32
        && hex(a) && hex(b) && hex(c) && c.starts_with(&format!("{a}{b}")))
}

/// The storage the settings ask for.
pub fn from_settings(settings: &Settings) -> anyhow::Result<SharedStorage> {
    match settings.storage.kind {
        StorageKind::Local => Ok(Arc::new(LocalStorage::new(settings.files_dir()))),
        #[cfg(feature = "s3")]
        StorageKind::S3 => Ok(Arc::new(s3::S3Storage::new(&settings.storage)?)),
        #[cfg(not(feature = "s3"))]
        StorageKind::S3 => anyhow::bail!(
            "storage.kind = \"s3\" needs a build with the `s3` feature (cargo build --features s3)"
        ),
    }
}

/// Files in a local folder. Writes go to a temporary file first and are renamed into place,
/// so a reader never sees half a file.
pub struct LocalStorage {
    root: PathBuf,
}

impl LocalStorage {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStorage { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if !is_valid_key(key) {
            return Err(StorageError::BadKey);
        }
        Ok(self.root.join(key))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Other(anyhow::Error::new(e).context("storage task")))?
}

/// Whether a file name is a temporary file of `write_new`: a key's last part and
/// `.tmp` with 8 hex digits.
fn is_partial_name(name: &str) -> bool {
    name.split_once(".tmp").is_some_and(|(stem, suffix)| {
        stem.len() == 32
            && suffix.len() == 8
            && stem
                .bytes()
                .chain(suffix.bytes())
                .all(|b| b.is_ascii_hexdigit())
    })
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let dir = path.parent().ok_or(StorageError::BadKey)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension(format!(
        "tmp{}",
        crate::auth::csrf::hex(&rand::random::<[u8; 4]>())
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Every regular file three folders deep under `root` within `prefix`, as (`aa/bb/name`,
/// last modified). Files deleted meanwhile (another sweep) are skipped.
fn walk_local(root: &Path, prefix: &str) -> Result<Vec<(String, DateTime<Utc>)>, StorageError> {
    fn entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, StorageError> {
        match std::fs::read_dir(dir) {
            Ok(rd) => Ok(rd
                .collect::<std::io::Result<Vec<_>>>()
                .with_context(|| format!("listing {}", dir.display()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(anyhow::Error::new(e)
                .context(format!("listing {}", dir.display()))
                .into()),
        }
    }
    let name = |e: &std::fs::DirEntry| e.file_name().to_str().map(str::to_string);
    let mut out = Vec::new();
    let mut wanted = prefix.split('/').filter(|p| !p.is_empty());
    let (first, second) = (wanted.next(), wanted.next());
    for a in entries(root)? {
        let Some(a_name) = name(&a) else { continue };
        if first.is_some_and(|f| f != a_name) || !a.path().is_dir() {
            continue;
        }
        for b in entries(&a.path())? {
            let Some(b_name) = name(&b) else { continue };
            if second.is_some_and(|s| s != b_name) || !b.path().is_dir() {
                continue;
            }
            for f in entries(&b.path())? {
                let Some(f_name) = name(&f) else { continue };
                let rel = format!("{a_name}/{b_name}/{f_name}");
                let meta = match f.metadata() {
                    Ok(m) if m.is_file() => m,
                    _ => continue,
                };
                let modified = meta
                    .modified()
                    .with_context(|| format!("reading the time of {rel}"))?;
                out.push((rel, DateTime::<Utc>::from(modified)));
            }
        }
    }
    Ok(out)
}

/// The files under `root` that have the shape of a key and start with `prefix`. Anything else
/// in the folder (a temporary file of an interrupted write, a stray file) is not listed.
fn list_local(root: &Path, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
    Ok(walk_local(root, prefix)?
        .into_iter()
        .filter(|(key, _)| is_valid_key(key))
        .map(|(key, modified)| StoredObject { key, modified })
        .collect())
}

/// Deletes the temporary files of interrupted writes (a process killed between creating
/// `<key>.tmpXXXXXXXX` and renaming it) last touched before `before`.
fn sweep_partial_local(
    root: &Path,
    prefix: &str,
    before: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let mut deleted = 0;
    for (rel, modified) in walk_local(root, prefix)? {
        let file = rel.rsplit('/').next().unwrap_or_default();
        if modified >= before || !is_partial_name(file) {
            continue;
        }
        match std::fs::remove_file(root.join(&rel)) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("deleting {rel}"))
                    .into());
            }
        }
    }
    Ok(deleted)
}

impl Storage for LocalStorage {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            blocking(move || write_new(&path, &bytes)).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.path(key)?;
            blocking(move || match std::fs::read(&path) {
                Ok(bytes) => Ok(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound),
                Err(e) => Err(anyhow::Error::new(e)
                    .context(format!("reading {}", path.display()))
                    .into()),
            })
            .await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            blocking(move || match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(anyhow::Error::new(e)
                    .context(format!("deleting {}", path.display()))
                    .into()),
            })
            .await
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, Vec<StoredObject>> {
        Box::pin(async move {
            if !is_valid_prefix(prefix) {
                return Err(StorageError::BadKey);
            }
            let root = self.root.clone();
            let prefix = prefix.to_string();
            blocking(move || list_local(&root, &prefix)).await
        })
    }

    fn sweep_partial<'a>(
        &'a self,
        prefix: &'a str,
        before: DateTime<Utc>,
    ) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            if !is_valid_prefix(prefix) {
                return Err(StorageError::BadKey);
            }
            let root = self.root.clone();
            let prefix = prefix.to_string();
            blocking(move || sweep_partial_local(&root, &prefix, before)).await
        })
    }
}

#[cfg(feature = "s3")]
mod s3 {
    //! S3-compatible object storage through `object_store` (AWS S3, MinIO, OSS, COS …).

    use object_store::{ObjectStoreExt, PutPayload, aws::AmazonS3Builder, path::Path};
    use secrecy::ExposeSecret;

    use futures_util::TryStreamExt;

    use super::{StorageError, StorageFuture, StoredObject, is_valid_key, is_valid_prefix};
    use crate::config::StorageSettings;

    pub struct S3Storage {
        store: object_store::aws::AmazonS3,
    }

    impl S3Storage {
        pub fn new(s: &StorageSettings) -> anyhow::Result<S3Storage> {
            // The HTTP client is built without a compiled-in TLS provider: use ring, like
            // the rest of the tree. Installing twice is harmless (the first one stays).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let bucket = s
                .s3_bucket
                .as_deref()
                .filter(|b| !b.is_empty())
                .ok_or_else(|| anyhow::anyhow!("storage.s3_bucket is required for s3 storage"))?;
            let mut b = AmazonS3Builder::new().with_bucket_name(bucket);
            if let Some(region) = &s.s3_region {
                b = b.with_region(region);
            }
            if let Some(endpoint) = &s.s3_endpoint {
                b = b
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"));
            }
            if let Some(k) = &s.s3_access_key {
                b = b.with_access_key_id(k.expose_secret());
            }
            if let Some(k) = &s.s3_secret_key {
                b = b.with_secret_access_key(k.expose_secret());
            }
            Ok(S3Storage { store: b.build()? })
        }
    }

    fn path(key: &str) -> Result<Path, StorageError> {
        if !is_valid_key(key) {
            return Err(StorageError::BadKey);
        }
        Ok(Path::from(key))
    }

    fn other(e: object_store::Error) -> StorageError {
        match e {
            object_store::Error::NotFound { .. } => StorageError::NotFound,
            e => StorageError::Other(e.into()),
        }
    }

    impl super::Storage for S3Storage {
        fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
            Box::pin(async move {
                let p = path(key)?;
                self.store
                    .put(&p, PutPayload::from(bytes))
                    .await
                    .map_err(other)?;
                Ok(())
            })
        }

        fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Vec<u8>> {
            Box::pin(async move {
                let p = path(key)?;
                let got = self.store.get(&p).await.map_err(other)?;
                Ok(got.bytes().await.map_err(other)?.to_vec())
            })
        }

        fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
            Box::pin(async move {
                let p = path(key)?;
                match self.store.delete(&p).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(other(e)),
                }
            })
        }

        fn list<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, Vec<StoredObject>> {
            Box::pin(async move {
                if !is_valid_prefix(prefix) {
                    return Err(StorageError::BadKey);
                }
                let p = (!prefix.is_empty()).then(|| Path::from(prefix));
                let metas: Vec<object_store::ObjectMeta> =
                    object_store::ObjectStore::list(&self.store, p.as_ref())
                        .try_collect()
                        .await
                        .map_err(other)?;
                Ok(metas
                    .into_iter()
                    .map(|m| StoredObject {
                        key: m.location.to_string(),
                        modified: m.last_modified,
                    })
                    .filter(|o| is_valid_key(&o.key))
                    .collect())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_temporary_files_of_writes_have_the_partial_shape() {
        let key = new_key();
        let file = key.rsplit('/').next().expect("name");
        assert!(is_partial_name(&format!("{file}.tmp0a1b2c3d")));
        assert!(!is_partial_name(file), "a finished file");
        assert!(!is_partial_name(&format!("{file}.bak")));
        assert!(!is_partial_name(&format!("{file}.tmp0a1b2c3")), "7 digits");
        assert!(!is_partial_name(&format!("{file}.tmp0a1b2c3z")));
        assert!(!is_partial_name("notes.tmp0a1b2c3d"));
    }

    /// Against a real S3-compatible server: `S3_TEST_ENDPOINT=http://127.0.0.1:9000
    /// cargo test -p portal --features s3 --lib storage -- --ignored` (bucket `portal-test`
    /// must exist; credentials from `S3_TEST_ACCESS_KEY` / `S3_TEST_SECRET_KEY`).
    #[cfg(feature = "s3")]
    #[tokio::test]
    #[ignore = "needs an S3-compatible server"]
    async fn an_s3_bucket_keeps_what_was_put_until_it_is_deleted() {
        let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
        let mut settings = Settings::default();
        settings.storage.kind = StorageKind::S3;
        settings.storage.s3_endpoint = Some(var("S3_TEST_ENDPOINT", "http://127.0.0.1:9000"));
        settings.storage.s3_bucket = Some("portal-test".into());
        settings.storage.s3_region = Some("us-east-1".into());
        settings.storage.s3_access_key = Some(var("S3_TEST_ACCESS_KEY", "test").into());
        settings.storage.s3_secret_key = Some(var("S3_TEST_SECRET_KEY", "test").into());
        let store = from_settings(&settings).expect("s3 storage");
        let key = new_key();
        store.put(&key, b"photo".to_vec()).await.expect("put");
        assert_eq!(store.get(&key).await.expect("get"), b"photo");
        let listed = store.list(&key[..5]).await.expect("list");
        assert!(listed.iter().any(|o| o.key == key), "{listed:?}");
        store.delete(&key).await.expect("delete");
        assert!(matches!(store.get(&key).await, Err(StorageError::NotFound)));
        store.delete(&key).await.expect("deleting twice is fine");
    }

    #[test]
    fn keys_are_random_and_spread_into_folders() {
        let a = new_key();
        let b = new_key();
        assert_ne!(a, b);
        assert!(is_valid_key(&a), "{a}");
        assert_eq!(a.matches('/').count(), 2);
    }

    #[test]
    fn keys_that_could_leave_the_folder_are_refused() {
        for bad in [
            "../etc/passwd",
            "ab/cd/../../x",
            "/abs/olute",
            "ab/cd/abcd",
            "ab/cd/ffff0000000000000000000000000000",
            "",
        ] {
            assert!(!is_valid_key(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_local_folder_keeps_what_was_put_until_it_is_deleted() {
        let dir =
            std::env::temp_dir().join(format!("portal-storage-{}", new_key().replace('/', "")));
        let store = LocalStorage::new(&dir);
        let key = new_key();
        store.put(&key, b"hello".to_vec()).await.expect("put");
        assert_eq!(store.get(&key).await.expect("get"), b"hello");
        assert!(dir.join(&key).is_file());
        store.delete(&key).await.expect("delete");
        assert!(matches!(store.get(&key).await, Err(StorageError::NotFound)));
        store.delete(&key).await.expect("deleting twice is fine");
        assert!(matches!(
            store.get("../../secret.key").await,
            Err(StorageError::BadKey)
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn the_local_folder_lists_its_keys_by_prefix_and_nothing_else() {
        let dir =
            std::env::temp_dir().join(format!("portal-storage-{}", new_key().replace('/', "")));
        let store = LocalStorage::new(&dir);
        assert_eq!(store.list("").await.expect("a missing folder is empty"), []);
        let (a, b) = (new_key(), new_key());
        store.put(&a, b"a".to_vec()).await.expect("put");
        store.put(&b, b"b".to_vec()).await.expect("put");
        // What an interrupted write leaves, and a stray file: not keys, not listed.
        std::fs::write(dir.join(format!("{a}.tmp0badf00d")), b"half").expect("tmp");
        std::fs::write(dir.join("README"), b"x").expect("stray");
        let mut all: Vec<String> = store
            .list("")
            .await
            .expect("list")
            .into_iter()
            .map(|o| o.key)
            .collect();
        all.sort();
        let mut want = vec![a.clone(), b.clone()];
        want.sort();
        assert_eq!(all, want);
        let under_a = store.list(&a[..5]).await.expect("list");
        assert!(under_a.iter().all(|o| o.key.starts_with(&a[..5])));
        assert!(under_a.iter().any(|o| o.key == a));
        let age = Utc::now() - under_a[0].modified;
        assert!(age.num_seconds().abs() < 60, "{age}");
        assert!(matches!(
            store.list("../x").await,
            Err(StorageError::BadKey)
        ));
        assert!(matches!(
            store.list("ab/cd/ef").await,
            Err(StorageError::BadKey)
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
