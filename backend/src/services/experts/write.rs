//! Writing the pool: register an expert with its account, edit the profile (specialties
//! replaced as a set), deactivate and activate it (its account with it: a deactivated
//! expert cannot log in and its sessions end). Each write is one transaction with its audit
//! records; a request retried with the same idempotency key (the API's `Idempotency-Key`, a
//! page form's one-time token) gets the first answer back and changes nothing.
//!
//! Who writes: the admin anywhere, a bureau officer for the regions of its subtree
//! (`scope::governs_region`, `scope::manages_expert`); an expert outside that is 404.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use crate::auth::password;
use crate::db::begin_write;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{expert, expert_specialty, region, user};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::auth::revoke_all;
use crate::services::idempotency;
use crate::services::users::{Account, Tenant, insert_user};
use crate::state::Core;

use super::input::{ExpertInput, NewAccount, Profile, RegistrationInput};

/// What a write answers (saved for a retried request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpertRef {
    pub id: i64,
}

/// The roles that keep the pool (the routes' access rule).
pub const KEEPERS: &[Role] = &[Role::Admin, Role::Regulator];

/// The saved answer of a retried request, if any.
async fn replayed(core: &Core, actor: &Actor, fingerprint: &str) -> AppResult<Option<ExpertRef>> {
    match actor.key()? {
        Some(key) => idempotency::replay(core, actor.caller.user_id, key, fingerprint).await,
        None => Ok(None),
    }
}

/// Saves the answer for the key (if any) and commits. When a concurrent request with the same
/// key won, this one rolls back and answers as that one did.
async fn finish(
    core: &Core,
    actor: &Actor,
    txn: DatabaseTransaction,
    fingerprint: &str,
    answer: ExpertRef,
) -> AppResult<ExpertRef> {
    if let Some(key) = actor.key()?
        && let Err(e) =
            idempotency::save(&txn, core, actor.caller.user_id, key, fingerprint, &answer).await
    {
        txn.rollback().await?;
        return match replayed(core, actor, fingerprint).await? {
            Some(saved) => Ok(saved),
            None => Err(e),
        };
    }
    txn.commit().await?;
    Ok(answer)
}

/// The caller's scope, when it keeps the pool (403 otherwise).
fn keeper(caller: &Caller) -> AppResult<&Scope> {
    match &caller.scope {
        Scope::System | Scope::Region { .. } => Ok(&caller.scope),
        _ => Err(AppError::Forbidden),
    }
}

fn refuse(field: &'static str, key: &'static str) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, key);
    AppError::Validation(errors)
}

/// The region of a profile, when `scope` governs it (a field error on `region` otherwise:
/// unknown and outside the officer's subtree read the same).
async fn region_for<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    profile: &Profile,
) -> AppResult<region::Model> {
    region::Entity::find()
        .filter(region::Column::Code.eq(&profile.region_code))
        .one(conn)
        .await?
        .filter(|r| scope::governs_region(scope, &r.path))
        .ok_or_else(|| refuse("region", "experts.region_outside"))
}

/// Sets the specialties of an expert to exactly `profile`'s.
async fn save_specialties<C: ConnectionTrait>(conn: &C, id: i64, p: &Profile) -> AppResult<()> {
    expert_specialty::Entity::delete_many()
        .filter(expert_specialty::Column::ExpertId.eq(id))
        .exec(conn)
        .await?;
    expert_specialty::Entity::insert_many(p.specialties.iter().map(|s| {
        expert_specialty::ActiveModel {
            expert_id: Set(id),
            specialty: Set(*s),
        }
    }))
    .exec(conn)
    .await?;
    Ok(())
}

fn specialty_list(p: &Profile) -> String {
    p.specialties
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Inserts an expert of a region `scope` governs, with its specialties and its audit record,
/// in the caller's transaction: the one way an expert row is created (the registration and
/// the seed, which passes the system's scope and author).
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    author: &Author,
    scope: &Scope,
    profile: &Profile,
) -> AppResult<expert::Model> {
    let r = region_for(conn, scope, profile).await?;
    let e = expert::ActiveModel {
        name: Set(profile.name.clone()),
        title: Set(profile.title.clone()),
        organisation: Set(profile.organisation.clone()),
        region_id: Set(r.id),
        region_path: Set(r.path.clone()),
        phone: Set(profile.phone.clone()),
        active: Set(profile.active),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    save_specialties(conn, e.id, profile).await?;
    audit::record(
        conn,
        core.now(),
        author,
        "expert.create",
        Some(("expert", e.id.to_string())),
        Outcome::Success,
        Some(format!(
            "{} [{}] {}",
            e.name,
            specialty_list(profile),
            r.code
        )),
    )
    .await?;
    Ok(e)
}

/// Sets an expert active or not, and its accounts with it; deactivating ends their sessions.
/// In the caller's transaction (which writes the audit record).
pub async fn apply_active<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    e: expert::Model,
    active: bool,
) -> AppResult<expert::Model> {
    let id = e.id;
    let mut m: expert::ActiveModel = e.into();
    m.active = Set(active);
    let e = m.update(conn).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(active))
        .filter(user::Column::ExpertId.eq(id))
        .exec(conn)
        .await?;
    if !active {
        let users: Vec<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::ExpertId.eq(id))
            .into_tuple()
            .all(conn)
            .await?;
        for u in users {
            revoke_all(conn, u, core.now()).await?;
        }
    }
    Ok(e)
}

/// Creates the expert's account (role `expert`) in the caller's transaction, audited; the
/// username must be free (a field error otherwise). The password is hashed by the caller,
/// before its transaction began.
async fn insert_account<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    author: &Author,
    e: &expert::Model,
    account: &NewAccount,
    password_hash: String,
) -> AppResult<user::Model> {
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(&account.username))
        .one(conn)
        .await?;
    if taken.is_some() {
        return Err(refuse("username", "user.exists"));
    }
    let mut u = insert_user(
        conn,
        core.now(),
        Account {
            username: account.username.clone(),
            display_name: e.name.clone(),
            password_hash,
            role: Role::Expert,
            tenant: Tenant {
                expert_id: Some(e.id),
                ..Tenant::default()
            },
            email: account.email.clone(),
            phone: Some(e.phone.clone()),
        },
    )
    .await?;
    if !e.active {
        let mut m: user::ActiveModel = u.into();
        m.active = Set(false);
        u = m.update(conn).await?;
    }
    audit::record(
        conn,
        core.now(),
        author,
        "user.create",
        Some(("user", u.id.to_string())),
        Outcome::Success,
        Some(format!("{} ({})", u.username, u.role)),
    )
    .await?;
    Ok(u)
}

/// Registers an expert of the caller's subtree together with its account, in one
/// transaction.
pub async fn register(
    core: &Core,
    actor: &Actor,
    input: &RegistrationInput,
) -> AppResult<ExpertRef> {
    let scope = keeper(&actor.caller)?;
    let fingerprint = "create expert";
    if let Some(saved) = replayed(core, actor, fingerprint).await? {
        return Ok(saved);
    }
    let (profile, account) = input.parse().map_err(AppError::Validation)?;
    // Hashing takes a while: not inside the write transaction.
    let hash = password::hash(account.password.clone()).await?;
    let txn = begin_write(&core.db).await?;
    let author = Author::of(actor);
    let e = insert(&txn, core, &author, scope, &profile).await?;
    insert_account(&txn, core, &author, &e, &account, hash).await?;
    finish(core, actor, txn, fingerprint, ExpertRef { id: e.id }).await
}

/// An expert the caller manages, locked; 404 for any other.
async fn managed(txn: &DatabaseTransaction, caller: &Caller, id: i64) -> AppResult<expert::Model> {
    let scope = keeper(caller)?;
    expert::Entity::find_by_id(id)
        .filter(scope::experts(scope))
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|e| scope::manages_expert(scope, e))
        .ok_or(AppError::NotFound)
}

/// Changes an expert's profile and specialties (and, when `active` changed, its state with
/// its account's). The account's display name follows the expert's name.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &ExpertInput,
) -> AppResult<ExpertRef> {
    let scope = keeper(&actor.caller)?;
    let fingerprint = format!("update expert {id}");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    let profile = input.parse().map_err(AppError::Validation)?;
    let txn = begin_write(&core.db).await?;
    let e = managed(&txn, &actor.caller, id).await?;
    let r = region_for(&txn, scope, &profile).await?;
    let was_active = e.active;
    let detail = if e.name == profile.name {
        format!("{} [{}] {}", profile.name, specialty_list(&profile), r.code)
    } else {
        format!(
            "{} → {} [{}] {}",
            e.name,
            profile.name,
            specialty_list(&profile),
            r.code
        )
    };
    let mut m: expert::ActiveModel = e.into();
    m.name = Set(profile.name.clone());
    m.title = Set(profile.title.clone());
    m.organisation = Set(profile.organisation.clone());
    m.phone = Set(profile.phone.clone());
    m.region_id = Set(r.id);
    m.region_path = Set(r.path.clone());
    let e = m.update(&txn).await?;
    save_specialties(&txn, id, &profile).await?;
    user::Entity::update_many()
        .col_expr(user::Column::DisplayName, Expr::value(profile.name.clone()))
        .filter(user::Column::ExpertId.eq(id))
        .exec(&txn)
        .await?;
    if was_active != profile.active {
        apply_active(&txn, core, e, profile.active).await?;
    }
    let author = Author::of(actor);
    audit::record(
        &txn,
        core.now(),
        &author,
        "expert.update",
        Some(("expert", id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await?;
    finish(core, actor, txn, &fingerprint, ExpertRef { id }).await
}

/// Activates or deactivates an expert and its account (deactivating ends its sessions).
pub async fn set_active(core: &Core, actor: &Actor, id: i64, active: bool) -> AppResult<ExpertRef> {
    keeper(&actor.caller)?;
    let action = if active {
        "expert.activate"
    } else {
        "expert.deactivate"
    };
    let fingerprint = format!("{action} {id}");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    let txn = begin_write(&core.db).await?;
    let e = managed(&txn, &actor.caller, id).await?;
    let detail = if e.active == active {
        format!(
            "{} (already {})",
            e.name,
            if active { "active" } else { "inactive" }
        )
    } else {
        e.name.clone()
    };
    apply_active(&txn, core, e, active).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        action,
        Some(("expert", id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await?;
    finish(core, actor, txn, &fingerprint, ExpertRef { id }).await
}
