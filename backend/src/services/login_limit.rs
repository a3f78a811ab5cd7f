//! The login rate limit: at most `auth.login_limit_per_username` attempts per username and
//! `auth.login_limit_per_ip` per client IP in each fixed window of
//! `auth.login_limit_window_secs`. Counted in `login_throttle` rows with one atomic upsert per
//! key (`INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING`), so the limit holds
//! across several instances sharing the database. Checked before the account is looked at.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use crate::error::{AppError, AppResult};
use crate::models::login_throttle;
use crate::state::Core;

/// Counts one login attempt; `TooManyRequests` (with the seconds left in the window) when
/// the username or the address is over its limit.
pub async fn check(
    core: &Core,
    username: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let auth = &core.settings.auth;
    let window = i64::try_from(Ord::max(auth.login_limit_window_secs, 1)).unwrap_or(i64::MAX);
    let now = now.timestamp();
    let start = now - now.rem_euclid(window);
    // Windows that have passed count for nothing.
    login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::WindowStart.lt(start))
        .exec(&core.db)
        .await?;
    let user_key = format!("user:{}", username.chars().take(150).collect::<String>());
    let mut keys = vec![(user_key, auth.login_limit_per_username)];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), auth.login_limit_per_ip));
    }
    let mut over = false;
    for (key, limit) in keys {
        if limit == 0 {
            continue;
        }
        over |= hit(&core.db, &key, start).await? > i64::from(limit);
    }
    if over {
        let left = Ord::max(u64::try_from(start + window - now).unwrap_or(1), 1);
        return Err(AppError::TooManyRequests(left));
    }
    Ok(())
}

/// Adds one attempt to `key`'s counter for the window starting at `start`; the new count.
async fn hit(db: &impl ConnectionTrait, key: &str, start: i64) -> AppResult<i64> {
    let row = login_throttle::ActiveModel {
        key: Set(key.to_string()),
        window_start: Set(start),
        hits: Set(1),
    };
    let counted = login_throttle::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                login_throttle::Column::Key,
                login_throttle::Column::WindowStart,
            ])
            .value(
                login_throttle::Column::Hits,
                Expr::col((login_throttle::Entity, login_throttle::Column::Hits)).add(1),
            )
            .to_owned(),
        )
        .exec_with_returning(db)
        .await?;
    Ok(i64::from(counted.hits))
}
