//! Retried writes (`Idempotency-Key` on the API, a one-time form token on pages): the first
//! answer to a key is saved in the same transaction as the write it answers, and a request
//! that comes again with the same key gets that answer back and changes nothing.
//!
//! Keys belong to a user; a key used for another action (its fingerprint: method and path)
//! is refused. Two concurrent requests with one key cannot both write: the second insert of
//! the key fails on the primary key, its transaction rolls back, and it replays the first.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::{AppError, AppResult};
use crate::models::idempotency_key;
use crate::state::Core;

/// Longest key accepted (the column holds 64).
pub const MAX_KEY: usize = 64;

/// A client's key, checked: 1..=64 visible ASCII characters.
pub fn parse_key(raw: Option<&str>) -> AppResult<Option<String>> {
    check_key(raw).map(|k| k.map(str::to_string))
}

/// `parse_key` without the copy: the trimmed key inside `raw`.
pub fn check_key(raw: Option<&str>) -> AppResult<Option<&str>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(k)),
        Some(_) => Err(AppError::BadRequest("idempotency.bad_key")),
    }
}

/// The key a request carries (the API header as sent, or a page token `parse_key` already
/// checked), held to the document's `^[!-~]{1,64}$` exactly: no trimming, so a blank, padded
/// or non-ASCII header is refused (400) rather than taken as no key.
pub fn check_sent_key(raw: Option<&str>) -> AppResult<Option<&str>> {
    match raw {
        None => Ok(None),
        Some(k)
            if !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(k))
        }
        Some(_) => Err(AppError::BadRequest("idempotency.bad_key")),
    }
}

/// The saved answer to an earlier request with this key, if any.
pub async fn replay<T: DeserializeOwned>(
    core: &Core,
    user_id: i64,
    key: &str,
    fingerprint: &str,
) -> AppResult<Option<T>> {
    let Some(row) = idempotency_key::Entity::find_by_id((user_id, key.to_string()))
        .one(&core.db)
        .await?
    else {
        return Ok(None);
    };
    if row.fingerprint != fingerprint {
        return Err(AppError::Conflict("idempotency.key_reused"));
    }
    serde_json::from_str(&row.response_body)
        .map(Some)
        .map_err(AppError::internal)
}

/// Saves the answer inside the write's transaction.
pub async fn save<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    core: &Core,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    answer: &T,
) -> AppResult<()> {
    idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_string()),
        fingerprint: Set(fingerprint.chars().take(255).collect()),
        response_status: Set(200),
        response_body: Set(serde_json::to_string(answer).map_err(AppError::internal)?),
        created_at: Set(core.now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert_eq!(parse_key(None).ok(), Some(None));
        assert_eq!(parse_key(Some("  ")).ok(), Some(None));
        assert_eq!(
            parse_key(Some("3f2c-aa")).ok(),
            Some(Some("3f2c-aa".to_string()))
        );
        assert!(parse_key(Some("with space")).is_err());
        assert!(parse_key(Some(&"k".repeat(65))).is_err());
        assert!(parse_key(Some("键")).is_err());
    }
}
