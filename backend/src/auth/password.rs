//! argon2id hashing with the OWASP parameters (19 MiB, 2 passes, 1 lane), always on the
//! blocking pool and at most `auth.hash_concurrency` at a time (one semaphore per process:
//! the CPUs are the process's), so a flood of logins queues instead of taking every blocking
//! thread. Unknown users are checked against a dummy hash so response time does not tell who
//! exists.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::AppError;

fn hasher() -> Argon2<'static> {
    // `Argon2::default()` is argon2id v19 with m=19456 KiB, t=2, p=1 — the OWASP minimum.
    Argon2::default()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hasher()
            .hash_password(b"not a real password, only to spend the time")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

static PERMITS: OnceLock<Semaphore> = OnceLock::new();

/// Sets how many hashes may run at once in this process; the first call wins (start-up).
pub fn limit_concurrency(n: usize) {
    let _ = PERMITS.set(Semaphore::new(n.max(1)));
}

/// Runs one hashing job on the blocking pool once a permit is free.
async fn bounded<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let permits = PERMITS.get_or_init(|| Semaphore::new(crate::config::default_hash_concurrency()));
    let _permit = permits.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(AppError::internal)
}

/// Hashes a password into its PHC string.
pub async fn hash(password: String) -> Result<String, AppError> {
    bounded(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
    })
    .await?
}

/// Whether `password` matches `stored`; with `None`, verifies against a dummy hash and
/// returns false, taking the same time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    bounded(move || {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (dummy_hash().to_string(), false),
        };
        let ok = hasher()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        ok && real
    })
    .await
}
