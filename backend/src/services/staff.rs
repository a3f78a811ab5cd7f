//! 人员账号: an enterprise admin keeps its own enterprise's accounts — lists them, creates
//! staff accounts (安全员 and others, role `enterprise_staff`), deactivates a staff account
//! (its sessions end at once) and resets a staff member's password (policy enforced, sessions
//! end). Staff may read the list; every write is the admin's, inside its own enterprise only:
//! another enterprise's account is "not found".

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::auth::password;
use crate::db::begin_write;
use crate::domain::{password_policy, role::Role};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, user};
use crate::scope::{Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::auth::revoke_all;
use crate::services::enterprises::valid_phone;
use crate::services::users::{self, NewUser};
use crate::state::Core;

/// An account of the enterprise as the staff list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    /// `enterprise_admin` or `enterprise_staff`.
    #[schema(value_type = String)]
    pub role: Role,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The caller's own account.
    pub is_self: bool,
}

/// A new staff account as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewStaffInput {
    #[serde(default)]
    #[schema(required = true, pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    pub username: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub display_name: String,
    #[serde(default)]
    #[schema(required = true, pattern = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")]
    pub phone: String,
    /// Initial password (password policy: 10+ characters, three of four classes, not the
    /// username).
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
}

/// A new password for a staff member.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PasswordResetInput {
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
}

/// The caller's enterprise (any enterprise user).
fn own_enterprise(caller: &Caller) -> AppResult<i64> {
    match caller.scope {
        Scope::Enterprise { enterprise_id, .. } => Ok(enterprise_id),
        _ => Err(AppError::Forbidden),
    }
}

/// The caller's enterprise, when the caller is its admin.
fn admin_of(caller: &Caller) -> AppResult<i64> {
    let id = own_enterprise(caller)?;
    if caller.role != Role::EnterpriseAdmin {
        return Err(AppError::Forbidden);
    }
    Ok(id)
}

fn view(u: user::Model, caller: &Caller) -> StaffAccount {
    StaffAccount {
        is_self: u.id == caller.user_id,
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        phone: u.phone,
        role: u.role,
        active: u.active,
        last_login_at: u.last_login_at,
        created_at: u.created_at,
    }
}

/// The enterprise's accounts (admin first, then staff by username).
pub async fn list(core: &Core, caller: &Caller) -> AppResult<Vec<StaffAccount>> {
    let enterprise_id = own_enterprise(caller)?;
    Ok(user::Entity::find()
        .filter(user::Column::EnterpriseId.eq(enterprise_id))
        .order_by_asc(user::Column::Role)
        .order_by_asc(user::Column::Username)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|u| view(u, caller))
        .collect())
}

/// Creates a staff account bound to the admin's own enterprise.
pub async fn create(core: &Core, actor: &Actor, input: NewStaffInput) -> AppResult<StaffAccount> {
    let caller = &actor.caller;
    let enterprise_id = admin_of(caller)?;
    let username = input.username.trim().to_lowercase();
    let mut errors = FieldErrors::default();
    if !crate::services::users::valid_username(&username) {
        errors.add("username", "user.bad_username");
    }
    errors.require("display_name", &input.display_name, 64);
    if !valid_phone(&input.phone) {
        errors.add("phone", "enterprise.bad_phone");
    }
    if let Err(p) = password_policy::check(&input.password, &username) {
        errors.add("password", p.message_key());
    }
    let txn = begin_write(&core.db).await?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&txn)
        .await?
        .is_some()
    {
        errors.add("username", "user.exists");
    }
    errors.into_result()?;
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = Author::of(actor);
    // `users::create` applies the password policy again, hashes, and audits `user.create`.
    let created = users::create(
        core,
        &txn,
        &author,
        NewUser {
            username,
            display_name: input.display_name.trim().to_string(),
            password: input.password,
            role: Role::EnterpriseStaff,
            email: None,
            region_code: None,
            alliance_name: None,
            enterprise_credit_code: Some(e.credit_code),
            expert_id: None,
        },
    )
    .await?;
    let mut m: user::ActiveModel = created.into();
    m.phone = Set(Some(input.phone.trim().to_string()));
    let created = m.update(&txn).await?;
    audit::record(
        &txn,
        core.now(),
        &author,
        "staff.create",
        Some(("user", created.id.to_string())),
        Outcome::Success,
        Some(format!("{} ({})", created.username, created.display_name)),
    )
    .await?;
    txn.commit().await?;
    Ok(view(created, caller))
}

/// A staff account of the admin's enterprise that the admin may act on: another enterprise's
/// (or an unknown) account is `NotFound`; the admin's own account or another admin is
/// refused with a message.
async fn target<C: sea_orm::ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    enterprise_id: i64,
    user_id: i64,
) -> AppResult<user::Model> {
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::EnterpriseId.eq(enterprise_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.id == caller.user_id {
        return Err(AppError::Conflict("staff.not_self"));
    }
    if u.role != Role::EnterpriseStaff {
        return Err(AppError::Conflict("staff.only_staff"));
    }
    Ok(u)
}

/// Deactivates a staff account: it can no longer log in, and its sessions end now.
pub async fn deactivate(core: &Core, actor: &Actor, user_id: i64) -> AppResult<StaffAccount> {
    let caller = &actor.caller;
    let enterprise_id = admin_of(caller)?;
    let txn = begin_write(&core.db).await?;
    let u = target(&txn, caller, enterprise_id, user_id).await?;
    let now = core.now();
    let was_active = u.active;
    let mut m: user::ActiveModel = u.into();
    m.active = Set(false);
    let u = m.update(&txn).await?;
    revoke_all(&txn, u.id, now).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "staff.deactivate",
        Some(("user", u.id.to_string())),
        Outcome::Success,
        Some(if was_active {
            u.username.clone()
        } else {
            format!("{} (already inactive)", u.username)
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(view(u, caller))
}

/// Sets a staff member's password (policy enforced), clears a lockout and ends its sessions.
pub async fn reset_password(
    core: &Core,
    actor: &Actor,
    user_id: i64,
    input: PasswordResetInput,
) -> AppResult<StaffAccount> {
    let caller = &actor.caller;
    let enterprise_id = admin_of(caller)?;
    let u = target(&core.db, caller, enterprise_id, user_id).await?;
    if let Err(p) = password_policy::check(&input.password, &u.username) {
        let mut errors = FieldErrors::default();
        errors.add("password", p.message_key());
        errors.into_result()?;
    }
    let hash = password::hash(input.password).await?;
    let txn = begin_write(&core.db).await?;
    let u = target(&txn, caller, enterprise_id, user_id).await?;
    let now = core.now();
    let mut m: user::ActiveModel = u.into();
    m.password_hash = Set(hash);
    m.password_changed_at = Set(now);
    m.failed_logins = Set(0);
    m.locked_until = Set(None);
    let u = m.update(&txn).await?;
    revoke_all(&txn, u.id, now).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "staff.password_reset",
        Some(("user", u.id.to_string())),
        Outcome::Success,
        Some(u.username.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(view(u, caller))
}
