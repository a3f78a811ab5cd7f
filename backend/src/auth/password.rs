//! argon2id hashing with the OWASP parameters (19 MiB, 2 passes, 1 lane), always on the
//! blocking pool. Unknown users are checked against a dummy hash so response time does not
//! tell who exists.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

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

/// Hashes a password into its PHC string.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches `stored`; with `None`, verifies against a dummy hash and
/// returns false, taking the same time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
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
    .map_err(AppError::internal)
}
