//! Logging in and out, sessions, and password changes.
//!
//! - One answer (`LoginFailed`) for an unknown user, a wrong password and a locked account;
//!   the audit log records which it was.
//! - `max_failed_logins` consecutive failures lock the account for `lockout_minutes`, also
//!   under a concurrent burst (see `login`); logins are rate-limited first (`login_limit`).
//! - Every token names a session row; logout revokes that row, a password change revokes all
//!   of the user's rows. Page sessions also end after `idle_minutes` without a request.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::auth::password;
use crate::auth::token::TokenKind;
use crate::db::begin_write;
use crate::domain::password_policy;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{alliance, enterprise, region, session, user};
use crate::scope::{Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
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

/// Logs in. The failure count is kept atomically on the user row, and every attempt is
/// counted *before* its password is checked:
///
/// 1. `reserve`: one `UPDATE … SET failed_logins = failed_logins + 1 … RETURNING` on an
///    account that is not locked gives the attempt its number `n` since the last success.
///    A locked account (no row) is refused without looking at the password.
/// 2. `n > max_failed_logins`: more attempts are failed or in flight than the account may
///    have; refused unchecked, and the account locks.
/// 3. A wrong password with `n ≥ max_failed_logins` locks the account (the 5th failure).
/// 4. A right password is accepted only by an `UPDATE … WHERE not locked` in the transaction
///    that opens the session; it takes back its own attempt and those before it
///    (`failed_logins - n`), so attempts still in flight keep counting.
///
/// So in a burst of 40 wrong passwords and the right one, the right one is accepted only if
/// it is among the first `max_failed_logins` attempts counted *and* its password check ends
/// before the attempt numbered `max_failed_logins + 1` is counted; counting takes one
/// statement, a check one argon2 run (queued behind the others on the hashing semaphore), so
/// the account is locked first and the right password is refused.
pub async fn login(
    core: &Core,
    username: &str,
    password_input: &str,
    kind: TokenKind,
    origin: &Origin,
) -> AppResult<Issued> {
    let now = core.now();
    let username = normalise(username);
    crate::services::login_limit::check(core, &username, origin.ip.as_deref(), now).await?;
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&core.db)
        .await?;
    let anon = Author::anonymous(&username, origin.ip.as_deref());

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
    let anon = Author {
        region_path: scope_of(core, &u)
            .await
            .ok()
            .and_then(|s| s.region_path().map(str::to_string)),
        ..anon
    };
    let auth = &core.settings.auth;
    let refuse_locked = |lock_detail: Option<String>| async {
        let txn = begin_write(&core.db).await?;
        let locked_now = match &lock_detail {
            Some(_) => lock(&txn, core, u.id, now).await?,
            None => false,
        };
        audit::record(
            &txn,
            now,
            &anon,
            "login",
            target.clone(),
            Outcome::Denied,
            Some("account locked".into()),
        )
        .await?;
        if locked_now {
            audit::record(
                &txn,
                now,
                &anon,
                "account.locked",
                target.clone(),
                Outcome::Success,
                lock_detail,
            )
            .await?;
        }
        txn.commit().await?;
        Err::<Issued, AppError>(AppError::LoginFailed)
    };

    let Some(n) = reserve(&core.db, u.id, now).await? else {
        password::verify(password_input.to_string(), None).await?;
        return refuse_locked(None).await;
    };
    if n > auth.max_failed_logins {
        password::verify(password_input.to_string(), None).await?;
        return refuse_locked(Some(format!("{n} attempts without a success"))).await;
    }

    let ok = password::verify(password_input.to_string(), Some(u.password_hash.clone())).await?;
    if !ok {
        let txn = begin_write(&core.db).await?;
        let locked_now = n >= auth.max_failed_logins && lock(&txn, core, u.id, now).await?;
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
        if locked_now {
            audit::record(
                &txn,
                now,
                &anon,
                "account.locked",
                target,
                Outcome::Success,
                Some(format!("{n} consecutive failures")),
            )
            .await?;
        }
        txn.commit().await?;
        return Err(AppError::LoginFailed);
    }

    let scope = scope_of(core, &u).await?;
    let ttl = match kind {
        TokenKind::Web => Duration::hours(auth.web_session_hours),
        TokenKind::Api => Duration::hours(auth.api_token_hours),
    };
    let expires_at = now + ttl;
    let sid = uuid::Uuid::new_v4().to_string();
    let txn = begin_write(&core.db).await?;
    // The lock is checked again where the success is accepted: attempts counted since this
    // one's may have locked the account meanwhile.
    let accepted = user::Entity::update_many()
        .col_expr(
            user::Column::FailedLogins,
            Expr::case(
                Expr::col(user::Column::FailedLogins).gt(n),
                Expr::col(user::Column::FailedLogins).sub(n),
            )
            .finally(0)
            .into(),
        )
        .col_expr(
            user::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(user::Column::LastLoginAt, Expr::value(Some(now)))
        .filter(user::Column::Id.eq(u.id))
        .filter(not_locked(now))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !accepted {
        drop(txn);
        return refuse_locked(None).await;
    }
    session::ActiveModel {
        id: Set(sid.clone()),
        user_id: Set(u.id),
        kind: Set(kind.session_kind()),
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
        &Author::user(&caller, origin.ip.as_deref()),
        "login",
        target,
        Outcome::Success,
        Some(kind.as_str().into()),
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

/// Not locked at `now` (never locked, or the lock has run out).
fn not_locked(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(user::Column::LockedUntil.is_null())
        .add(user::Column::LockedUntil.lte(now))
}

/// Counts an attempt on an account that is not locked; its number since the last success,
/// or `None` when the account is locked.
async fn reserve(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    let counted = user::Entity::update_many()
        .col_expr(
            user::Column::FailedLogins,
            Expr::col(user::Column::FailedLogins).add(1),
        )
        .filter(user::Column::Id.eq(user_id))
        .filter(not_locked(now))
        .exec_with_returning(db)
        .await?;
    Ok(counted.first().map(|u| u.failed_logins))
}

/// Locks the account for `lockout_minutes` unless it is locked already (then `false`, so a
/// burst records one lock); the count starts afresh when the lock runs out.
async fn lock(
    txn: &impl ConnectionTrait,
    core: &Core,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let until = now + Duration::minutes(core.settings.auth.lockout_minutes);
    let r = user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .col_expr(user::Column::LockedUntil, Expr::value(Some(until)))
        .filter(user::Column::Id.eq(user_id))
        .filter(not_locked(now))
        .exec(txn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The caller an account is, in `scope`, on the session `session_id`.
pub(crate) fn caller_of(u: &user::Model, scope: Scope, session_id: String) -> AppResult<Caller> {
    Ok(Caller {
        user_id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        scope,
        session_id,
    })
}

/// The data scope of an account, from its role and tenant binding.
pub async fn scope_of(core: &Core, u: &user::Model) -> AppResult<Scope> {
    let path = match u.role {
        Role::Regulator => match u.region_id {
            Some(id) => region::Entity::find_by_id(id)
                .one(&core.db)
                .await?
                .map(|r| r.path),
            None => None,
        },
        Role::Committee => match u.alliance_id {
            Some(id) => alliance::Entity::find_by_id(id)
                .one(&core.db)
                .await?
                .map(|a| a.region_path),
            None => None,
        },
        Role::EnterpriseAdmin | Role::EnterpriseStaff => match u.enterprise_id {
            Some(id) => enterprise::Entity::find_by_id(id)
                .one(&core.db)
                .await?
                .map(|e| e.region_path),
            None => None,
        },
        Role::Admin | Role::Expert => None,
    };
    scope_with(u, path)
}

/// The scope of an account whose tenant row (its region, alliance or enterprise, by role) has
/// the region path `path` (`None`: no such row, or a role without one).
fn scope_with(u: &user::Model, path: Option<String>) -> AppResult<Scope> {
    let broken = || AppError::internal(anyhow::anyhow!("user {} has no tenant for its role", u.id));
    Ok(match u.role {
        Role::Admin => Scope::System,
        Role::Regulator => Scope::Region {
            region_id: u.region_id.ok_or_else(broken)?,
            path: path.ok_or_else(broken)?,
        },
        Role::Committee => Scope::Alliance {
            alliance_id: u.alliance_id.ok_or_else(broken)?,
            region_path: path.ok_or_else(broken)?,
        },
        Role::EnterpriseAdmin | Role::EnterpriseStaff => Scope::Enterprise {
            enterprise_id: u.enterprise_id.ok_or_else(broken)?,
            region_path: path.ok_or_else(broken)?,
        },
        Role::Expert => Scope::Expert {
            expert_id: u.expert_id.ok_or_else(broken)?,
        },
    })
}

/// A session with its account and the region path of the account's tenant, read in one
/// indexed query (the session's primary key, then the primary keys of the joined rows): the
/// check every request makes.
async fn session_with_account(
    core: &Core,
    session_id: &str,
) -> AppResult<Option<(session::Model, user::Model, Option<String>)>> {
    use sea_orm::{FromQueryResult, JoinType, QuerySelect, QueryTrait, RelationTrait};
    let q = session::Entity::find()
        .filter(session::Column::Id.eq(session_id))
        .find_also_related(user::Entity)
        .join(JoinType::LeftJoin, user::Relation::Region.def())
        .join(JoinType::LeftJoin, user::Relation::Alliance.def())
        .join(JoinType::LeftJoin, user::Relation::Enterprise.def())
        .column_as(region::Column::Path, "tenant_region_path")
        .column_as(alliance::Column::RegionPath, "tenant_alliance_path")
        .column_as(enterprise::Column::RegionPath, "tenant_enterprise_path")
        .into_query();
    let Some(row) = core.db.query_one(&q).await? else {
        return Ok(None);
    };
    let s = session::Model::from_query_result(&row, "A_")?;
    let Some(u) = Option::<user::Model>::from_query_result(&row, "B_")? else {
        return Ok(None);
    };
    let column = match u.role {
        Role::Regulator => "tenant_region_path",
        Role::Committee => "tenant_alliance_path",
        Role::EnterpriseAdmin | Role::EnterpriseStaff => "tenant_enterprise_path",
        Role::Admin | Role::Expert => return Ok(Some((s, u, None))),
    };
    let path: Option<String> = row.try_get("", column)?;
    Ok(Some((s, u, path)))
}

/// Resolves a token to its caller, or `None` when it is invalid, expired, idle too long or
/// revoked, or its account is deactivated. One read (`session_with_account`) per request, so a
/// revocation, logout, deactivation or role change on any instance holds at once; plus, at
/// most once a minute per session, the `last_seen_at` update the idle timeout reads.
pub async fn authenticate(core: &Core, kind: TokenKind, token: &str) -> AppResult<Option<Caller>> {
    let now = core.now();
    let Some(claims) = core.keys.verify(kind, token, now) else {
        return Ok(None);
    };
    let Some((s, u, path)) = session_with_account(core, &claims.sid).await? else {
        return Ok(None);
    };
    let idle = Duration::minutes(core.settings.auth.idle_minutes);
    if s.revoked_at.is_some()
        || s.expires_at <= now
        || s.kind != kind.session_kind()
        || s.user_id.to_string() != claims.sub
        || (kind == TokenKind::Web && s.last_seen_at + idle <= now)
        || !u.active
    {
        return Ok(None);
    }
    if now - s.last_seen_at > Duration::seconds(60) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(&s.id))
            .exec(&core.db)
            .await?;
    }
    let scope = scope_with(&u, path)?;
    Ok(Some(caller_of(&u, scope, s.id)?))
}

/// Revokes the caller's current session.
pub async fn logout(core: &Core, actor: &Actor) -> AppResult<()> {
    let caller = &actor.caller;
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
        &Author::of(actor),
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
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> AppResult<Result<(), PasswordChangeError>> {
    let caller = &actor.caller;
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
        &Author::of(actor),
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
