//! Accounts: creation (CLI `create-user`, demo seed) with the password policy enforced.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::auth::password;
use crate::domain::{password_policy, role::Role};
use crate::error::{AppError, AppResult};
use crate::models::{alliance, enterprise, expert, region, user};
use crate::services::audit::{self, Author, Outcome};
use crate::state::Core;

/// A username: 1–64 characters of letters, digits and `. _ -` (already lower-cased).
pub fn valid_username(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// A new account. The tenant is given by natural key: region code, alliance name, enterprise
/// credit code, or expert id — whichever the role needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub email: Option<String>,
    pub region_code: Option<String>,
    pub alliance_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub expert_id: Option<i64>,
}

/// Creates an account inside `conn` (the caller's transaction) and audits it.
pub async fn create<C: ConnectionTrait>(
    core: &Core,
    conn: &C,
    author: &Author,
    new: NewUser,
) -> AppResult<user::Model> {
    let username = new.username.trim().to_lowercase();
    if !valid_username(&username) {
        return Err(AppError::BadRequest("user.bad_username"));
    }
    password_policy::check(&new.password, &username)
        .map_err(|p| AppError::BadRequest(p.message_key()))?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict("user.exists"));
    }
    let missing = AppError::BadRequest("user.tenant_missing");
    let (mut region_id, mut alliance_id, mut enterprise_id, mut expert_id) =
        (None, None, None, None);
    match new.role {
        Role::Admin => {}
        Role::Regulator => {
            let code = new.region_code.as_deref().ok_or(missing)?;
            let r = region::Entity::find()
                .filter(region::Column::Code.eq(code))
                .one(conn)
                .await?
                .ok_or(AppError::BadRequest("user.tenant_unknown"))?;
            region_id = Some(r.id);
        }
        Role::Committee => {
            let name = new.alliance_name.as_deref().ok_or(missing)?;
            let a = alliance::Entity::find()
                .filter(alliance::Column::Name.eq(name))
                .one(conn)
                .await?
                .ok_or(AppError::BadRequest("user.tenant_unknown"))?;
            alliance_id = Some(a.id);
        }
        Role::EnterpriseAdmin | Role::EnterpriseStaff => {
            let code = new.enterprise_credit_code.as_deref().ok_or(missing)?;
            let e = enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(code.trim().to_uppercase()))
                .one(conn)
                .await?
                .ok_or(AppError::BadRequest("user.tenant_unknown"))?;
            enterprise_id = Some(e.id);
        }
        Role::Expert => {
            let id = new.expert_id.ok_or(missing)?;
            expert::Entity::find_by_id(id)
                .one(conn)
                .await?
                .ok_or(AppError::BadRequest("user.tenant_unknown"))?;
            expert_id = Some(id);
        }
    }
    let hash = password::hash(new.password).await?;
    let now = core.now();
    let created = insert_user(
        conn,
        now,
        Account {
            username,
            display_name: new.display_name,
            password_hash: hash,
            role: new.role,
            tenant: Tenant {
                region_id,
                alliance_id,
                enterprise_id,
                expert_id,
            },
            email: new.email,
            phone: None,
        },
    )
    .await?;
    audit::record(
        conn,
        now,
        author,
        "user.create",
        Some(("user", created.id.to_string())),
        Outcome::Success,
        Some(format!("{} ({})", created.username, created.role)),
    )
    .await?;
    Ok(created)
}

/// The tenant an account is bound to (at most one id is set, the one its role needs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tenant {
    pub region_id: Option<i64>,
    pub alliance_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub expert_id: Option<i64>,
}

/// A new account, checked: the username valid and free, the password hashed, the tenant found.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub tenant: Tenant,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Inserts an active account that has never logged in, inside the caller's transaction. The
/// one place user rows are created: `create` (CLI, seed) and the committee appointment.
pub(crate) async fn insert_user<C: ConnectionTrait>(
    conn: &C,
    now: chrono::DateTime<chrono::Utc>,
    new: Account,
) -> AppResult<user::Model> {
    let Tenant {
        region_id,
        alliance_id,
        enterprise_id,
        expert_id,
    } = new.tenant;
    Ok(user::ActiveModel {
        username: Set(new.username),
        display_name: Set(new.display_name.trim().to_string()),
        password_hash: Set(new.password_hash),
        role: Set(new.role),
        region_id: Set(region_id),
        alliance_id: Set(alliance_id),
        enterprise_id: Set(enterprise_id),
        expert_id: Set(expert_id),
        email: Set(new.email),
        phone: Set(new.phone),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        password_changed_at: Set(now),
        last_login_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Number of accounts per role, for the admin home.
pub async fn count_by_role(core: &Core) -> AppResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = user::Entity::find()
        .select_only()
        .column(user::Column::Role)
        .column_as(user::Column::Id.count(), "n")
        .group_by(user::Column::Role)
        .into_tuple()
        .all(&core.db)
        .await?;
    Ok(Role::ALL
        .iter()
        .map(|r| {
            let n = rows
                .iter()
                .find(|(role, _)| role == r.as_str())
                .map_or(0, |x| x.1);
            (r.as_str().to_string(), n)
        })
        .collect())
}
