//! 联盟委员会成员: the committee accounts of an alliance, appointed and deactivated by the
//! bureau (each in one transaction with its audit record; deactivating also revokes every
//! session of the account), and the committee's own export of its member list.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::auth::password;
use crate::db::begin_write;
use crate::domain::{password_policy, role::Role};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, user};
use crate::scope::Scope;
use crate::services::alliances::{may_register, scoped};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::enterprises::valid_phone;
use crate::services::membership::{self, MembershipFilter};
use crate::services::registry::names;
use crate::services::users;
use crate::state::Core;

/// A committee account as the alliance page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommitteeAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub active: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<DateTime<Utc>>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for CommitteeAccount {
    fn from(u: user::Model) -> Self {
        CommitteeAccount {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            phone: u.phone,
            email: u.email,
            active: u.active,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
        }
    }
}

/// The committee accounts bound to an alliance (active first, then by name).
pub(crate) async fn accounts(core: &Core, alliance_id: i64) -> AppResult<Vec<CommitteeAccount>> {
    let mut out: Vec<CommitteeAccount> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Committee.as_str()))
        .filter(user::Column::AllianceId.eq(alliance_id))
        .order_by_asc(user::Column::Username)
        .all(&core.db)
        .await?
        .into_iter()
        .map(CommitteeAccount::from)
        .collect();
    out.sort_by_key(|a| !a.active);
    Ok(out)
}

/// A committee member to appoint, as entered (form or JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppointInput {
    #[serde(default)]
    #[schema(required = true, pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    pub username: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub display_name: String,
    #[serde(default)]
    #[schema(required = true, pattern = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")]
    pub phone: String,
    /// Optional.
    #[serde(default)]
    pub email: String,
    /// The initial password; it must satisfy the password policy. Never written out (a form
    /// shown again gets it empty), yet documented as the request field it is.
    #[serde(default, serialize_with = "never_written")]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
}

fn never_written<S: serde::Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("")
}

pub(crate) fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(char::is_whitespace)
}

fn check(input: &AppointInput, errors: &mut FieldErrors) -> String {
    let username = input.username.trim().to_lowercase();
    if !crate::services::users::valid_username(&username) {
        errors.add("username", "user.bad_username");
    }
    errors.require("display_name", &input.display_name, 64);
    if !valid_phone(input.phone.trim()) {
        errors.add("phone", "enterprise.bad_phone");
    }
    let email = input.email.trim();
    if !email.is_empty() && !valid_email(email) {
        errors.add("email", "alliances.bad_email");
    }
    if let Err(p) = password_policy::check(&input.password, &username) {
        errors.add("password", p.message_key());
    }
    username
}

/// The bureau appoints a committee member of alliance `alliance_id`: a login account with the
/// committee role bound to that alliance.
pub async fn appoint(
    core: &Core,
    actor: &Actor,
    alliance_id: i64,
    input: AppointInput,
) -> AppResult<user::Model> {
    let caller = &actor.caller;
    may_register(caller)?;
    let a = scoped(&core.db, &caller.scope, alliance_id).await?;
    let mut errors = FieldErrors::default();
    let username = check(&input, &mut errors);
    errors.into_result()?;
    // Hash before taking the write lock: argon2 is slow on purpose.
    let hash = password::hash(input.password.clone()).await?;
    let txn = begin_write(&core.db).await?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&txn)
        .await?
        .is_some()
    {
        let mut errors = FieldErrors::default();
        errors.add("username", "user.exists");
        return Err(AppError::Validation(errors));
    }
    let now = core.now();
    let email = Some(input.email.trim().to_string()).filter(|e| !e.is_empty());
    let created = users::insert_user(
        &txn,
        now,
        users::Account {
            username,
            display_name: input.display_name.clone(),
            password_hash: hash,
            role: Role::Committee,
            tenant: users::Tenant {
                alliance_id: Some(a.id),
                ..Default::default()
            },
            email,
            phone: Some(input.phone.trim().into()),
        },
    )
    .await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "committee.appoint",
        Some(("user", created.id.to_string())),
        Outcome::Success,
        Some(format!(
            "{} → alliance {} {}",
            created.username, a.id, a.name
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The bureau deactivates a committee account of alliance `alliance_id`: it can no longer log
/// in and every token it holds stops working. Deactivating an inactive account changes nothing.
pub async fn deactivate(
    core: &Core,
    actor: &Actor,
    alliance_id: i64,
    user_id: i64,
) -> AppResult<()> {
    let caller = &actor.caller;
    may_register(caller)?;
    let a = scoped(&core.db, &caller.scope, alliance_id).await?;
    let txn = begin_write(&core.db).await?;
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::Role.eq(Role::Committee.as_str()))
        .filter(user::Column::AllianceId.eq(a.id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !u.active {
        return Ok(());
    }
    let now = core.now();
    let username = u.username.clone();
    let mut m: user::ActiveModel = u.into();
    m.active = Set(false);
    m.update(&txn).await?;
    crate::services::auth::revoke_all(&txn, user_id, now).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "committee.deactivate",
        Some(("user", user_id.to_string())),
        Outcome::Success,
        Some(format!("{username} of alliance {}", a.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The committee's member list (approved members of its alliance) as a spreadsheet, audited.
pub async fn export_members_xlsx(core: &Core, actor: &Actor) -> AppResult<Vec<u8>> {
    let caller = &actor.caller;
    let Scope::Alliance { alliance_id, .. } = caller.scope else {
        return Err(AppError::Forbidden);
    };
    let filter = MembershipFilter {
        status: Some(crate::domain::membership::Status::Approved),
        alliance_id: Some(alliance_id),
    };
    let mut members = membership::all(core, &caller.scope, &filter).await?;
    members.sort_by(|a, b| a.enterprise_name.cmp(&b.enterprise_name));
    let ids: Vec<i64> = members.iter().map(|m| m.enterprise_id).collect();
    let mut enterprises = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for e in enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(chunk.to_vec()))
            .all(&core.db)
            .await?
        {
            enterprises.insert(e.id, e);
        }
    }
    let (_, industries) = names(core).await?;
    let columns = [
        "credit_code",
        "name",
        "region",
        "industry",
        "scale",
        "employees",
        "safety_officer",
        "safety_phone",
        "joined_on",
    ];
    let table: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            let e = enterprises.get(&m.enterprise_id);
            vec![
                m.credit_code.clone(),
                m.enterprise_name.clone(),
                m.region_name.clone(),
                e.and_then(|e| industries.get(&e.industry_code).cloned())
                    .unwrap_or_default(),
                e.map(|e| crate::services::xlsx::text(&format!("scale.{}", e.scale)))
                    .unwrap_or_default(),
                e.map(|e| e.employees.to_string()).unwrap_or_default(),
                e.map(|e| e.safety_officer.clone()).unwrap_or_default(),
                e.map(|e| e.safety_phone.clone()).unwrap_or_default(),
                m.decided_at
                    .map(|d| core.calendar.local_date_of(d).to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let bytes =
        crate::services::xlsx::catalog_workbook("export.members", &columns, &[], &table, &[5])?;
    let txn = begin_write(&core.db).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "export.members",
        Some(("alliance", alliance_id.to_string())),
        Outcome::Success,
        Some(format!("{} rows", table.len())),
    )
    .await?;
    txn.commit().await?;
    Ok(bytes)
}
