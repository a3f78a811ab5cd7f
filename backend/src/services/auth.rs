//! Logging in and out, sessions, and password changes.
//!
//! - One answer (`LoginFailed`) for an unknown user, a wrong password and a locked account;
//!   the audit log records which it was.
//! - `max_failed_logins` consecutive failures lock the account for `lockout_minutes`.
//! - Every token names a session row; logout revokes that row, a password change revokes all
//!   of the user's rows. Page sessions also end after `idle_minutes` without a request.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, sea_query::Expr,
};

use crate::auth::password;
use crate::auth::token::TokenKind;
use crate::db::begin_write;
use crate::domain::password_policy;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{alliance, enterprise, region, session, user};
use crate::scope::{Caller, Scope};
use crate::services::audit::{self, Actor, Outcome};
use crate::state::Core;

/// Where a login comes from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A successful login: the signed token and who it is for.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub caller: Caller,
}

fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

pub async fn login(
    core: &Core,
    username: &str,
    password_input: &str,
    kind: TokenKind,
    origin: &Origin,
) -> AppResult<Issued> {
    let now = core.now();
    let username = normalise(username);
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&core.db)
        .await?;
    let anon = Actor::anonymous(&username, origin.ip.clone());

    let Some(u) = found.filter(|u| u.active) else {
        password::verify(password_input.to_string(), None).await?;
        audit::record(
            &core.db,
            now,
            &anon,
            "login",
            None,
            Outcome::Failure,
            Some("unknown user".into()),
        )
        .await?;
        return Err(AppError::LoginFailed);
    };
    let target = Some(("user", u.id.to_string()));
    // Failures against an existing account are filed under that account's region, so its
    // bureau sees attempts on the accounts it oversees.
    let anon = Actor {
        region_path: scope_of(core, &u)
            .await
            .ok()
            .and_then(|s| s.region_path().map(str::to_string)),
        ..anon
    };

    if u.locked_until.is_some_and(|t| t > now) {
        password::verify(password_input.to_string(), None).await?;
        audit::record(
            &core.db,
            now,
            &anon,
            "login",
            target,
            Outcome::Denied,
            Some("account locked".into()),
        )
        .await?;
        return Err(AppError::LoginFailed);
    }

    let ok = password::verify(password_input.to_string(), Some(u.password_hash.clone())).await?;
    let auth = &core.settings.auth;
    if !ok {
        let txn = begin_write(&core.db).await?;
        // Count on the row as it is now, locked (FOR UPDATE; SQLite's write transaction is
        // exclusive already): concurrent failures must each count, and a copy read before
        // another attempt locked the account must not lift that lock.
        let u = user::Entity::find_by_id(u.id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(AppError::LoginFailed)?;
        let locked_meanwhile = u.locked_until.is_some_and(|t| t > now);
        // A lock that has run out starts a fresh count.
        let expired_lock = u.locked_until.is_some_and(|t| t <= now);
        let failures = if expired_lock { 1 } else { u.failed_logins + 1 };
        let lock = !locked_meanwhile && failures >= auth.max_failed_logins;
        if !locked_meanwhile {
            let mut m: user::ActiveModel = u.clone().into();
            m.failed_logins = Set(if lock { 0 } else { failures });
            m.locked_until = Set(lock.then(|| now + Duration::minutes(auth.lockout_minutes)));
            m.update(&txn).await?;
        }
        audit::record(
            &txn,
            now,
            &anon,
            "login",
            target.clone(),
            Outcome::Failure,
            Some("wrong password".into()),
        )
        .await?;
        if lock {
            audit::record(
                &txn,
                now,
                &anon,
                "account.locked",
                target,
                Outcome::Success,
                Some(format!("{failures} consecutive failures")),
            )
            .await?;
        }
        txn.commit().await?;
        return Err(AppError::LoginFailed);
    }

    let scope = scope_of(core, &u).await?;
    let (ttl, kind_str) = match kind {
        TokenKind::Web => (Duration::hours(auth.web_session_hours), "web"),
        TokenKind::Api => (Duration::hours(auth.api_token_hours), "api"),
    };
    let expires_at = now + ttl;
    let sid = uuid::Uuid::new_v4().to_string();
    let txn = begin_write(&core.db).await?;
    let mut m: user::ActiveModel = u.clone().into();
    m.failed_logins = Set(0);
    m.locked_until = Set(None);
    m.last_login_at = Set(Some(now));
    m.update(&txn).await?;
    session::ActiveModel {
        id: Set(sid.clone()),
        user_id: Set(u.id),
        kind: Set(kind_str.into()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ip: Set(origin.ip.clone()),
        user_agent: Set(origin
            .user_agent
            .as_ref()
            .map(|s| s.chars().take(255).collect())),
    }
    .insert(&txn)
    .await?;
    let caller = caller_of(&u, scope, sid.clone())?;
    audit::record(
        &txn,
        now,
        &Actor::of(&caller, origin.ip.clone()),
        "login",
        target,
        Outcome::Success,
        Some(kind_str.into()),
    )
    .await?;
    txn.commit().await?;
    let token = core
        .keys
        .issue(kind, u.id, &sid, now, expires_at)
        .map_err(AppError::Internal)?;
    Ok(Issued {
        token,
        expires_at,
        caller,
    })
}

fn caller_of(u: &user::Model, scope: Scope, session_id: String) -> AppResult<Caller> {
    let role = Role::parse(&u.role)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {} has unknown role", u.id)))?;
    Ok(Caller {
        user_id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role,
        scope,
        session_id,
    })
}

/// The data scope of an account, from its role and tenant binding.
pub async fn scope_of(core: &Core, u: &user::Model) -> AppResult<Scope> {
    let broken = || AppError::internal(anyhow::anyhow!("user {} has no tenant for its role", u.id));
    let role = Role::parse(&u.role).ok_or_else(broken)?;
    Ok(match role {
        Role::Admin => Scope::System,
        Role::Regulator => {
            let r = region::Entity::find_by_id(u.region_id.ok_or_else(broken)?)
                .one(&core.db)
                .await?
                .ok_or_else(broken)?;
            Scope::Region {
                region_id: r.id,
                path: r.path,
            }
        }
        Role::Committee => {
            let a = alliance::Entity::find_by_id(u.alliance_id.ok_or_else(broken)?)
                .one(&core.db)
                .await?
                .ok_or_else(broken)?;
            Scope::Alliance {
                alliance_id: a.id,
                region_path: a.region_path,
            }
        }
        Role::EnterpriseAdmin | Role::EnterpriseStaff => {
            let e = enterprise::Entity::find_by_id(u.enterprise_id.ok_or_else(broken)?)
                .one(&core.db)
                .await?
                .ok_or_else(broken)?;
            Scope::Enterprise {
                enterprise_id: e.id,
                region_path: e.region_path,
            }
        }
        Role::Expert => Scope::Expert {
            expert_id: u.expert_id.ok_or_else(broken)?,
        },
    })
}

/// Resolves a token to its caller, or `None` when it is invalid, expired, idle too long or
/// revoked.
pub async fn authenticate(core: &Core, kind: TokenKind, token: &str) -> AppResult<Option<Caller>> {
    let now = core.now();
    let Some(claims) = core.keys.verify(kind, token, now) else {
        return Ok(None);
    };
    let Some(s) = session::Entity::find_by_id(claims.sid.clone())
        .one(&core.db)
        .await?
    else {
        return Ok(None);
    };
    let idle = Duration::minutes(core.settings.auth.idle_minutes);
    if s.revoked_at.is_some()
        || s.expires_at <= now
        || s.kind != kind.as_str()
        || s.user_id.to_string() != claims.sub
        || (kind == TokenKind::Web && s.last_seen_at + idle <= now)
    {
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(&core.db).await? else {
        return Ok(None);
    };
    if !u.active {
        return Ok(None);
    }
    if now - s.last_seen_at > Duration::seconds(60) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(&s.id))
            .exec(&core.db)
            .await?;
    }
    let scope = scope_of(core, &u).await?;
    Ok(Some(caller_of(&u, scope, s.id)?))
}

/// Revokes the caller's current session.
pub async fn logout(core: &Core, caller: &Caller, ip: Option<String>) -> AppResult<()> {
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(&caller.session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        &Actor::of(caller, ip),
        "logout",
        None,
        Outcome::Success,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Why a password change was refused; each has a catalog message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChangeError {
    WrongCurrent,
    Mismatch,
    Policy(password_policy::PasswordProblem),
}

impl PasswordChangeError {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordChangeError::WrongCurrent => "password.wrong_current",
            PasswordChangeError::Mismatch => "password.mismatch",
            PasswordChangeError::Policy(p) => p.message_key(),
        }
    }
}

/// Changes the caller's password and revokes every session of the account (this one too).
pub async fn change_password(
    core: &Core,
    caller: &Caller,
    current: &str,
    new: &str,
    confirm: &str,
    ip: Option<String>,
) -> AppResult<Result<(), PasswordChangeError>> {
    let u = user::Entity::find_by_id(caller.user_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(current.to_string(), Some(u.password_hash.clone())).await? {
        return Ok(Err(PasswordChangeError::WrongCurrent));
    }
    if new != confirm {
        return Ok(Err(PasswordChangeError::Mismatch));
    }
    if let Err(p) = password_policy::check(new, &u.username) {
        return Ok(Err(PasswordChangeError::Policy(p)));
    }
    let hash = password::hash(new.to_string()).await?;
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let mut m: user::ActiveModel = u.into();
    m.password_hash = Set(hash);
    m.password_changed_at = Set(now);
    m.update(&txn).await?;
    revoke_all(&txn, caller.user_id, now).await?;
    audit::record(
        &txn,
        now,
        &Actor::of(caller, ip),
        "password.change",
        Some(("user", caller.user_id.to_string())),
        Outcome::Success,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

pub(crate) async fn revoke_all<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
