//! Writes: each one transaction with its audit record.

use super::*;

use std::collections::BTreeSet;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::credit_code::CreditCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, enterprise_risk_tag, industry, risk_tag};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::registry::governed_region;
use crate::services::relocation;
use crate::state::Core;

/// An enterprise's registration data as entered (form or JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnterpriseInput {
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    )]
    pub credit_code: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    /// Region code (village/community or town).
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
    pub region: String,
    /// Industry code.
    #[serde(default)]
    #[schema(required = true, pattern = r"^[A-Z]([0-9]{2,4})?$")]
    pub industry: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 255, pattern = r"\S")]
    pub address: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub legal_representative: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub safety_officer: String,
    #[serde(default)]
    #[schema(required = true, pattern = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")]
    pub safety_phone: String,
    /// Number of employees; `None` when what was entered is not a number.
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 1000000)]
    pub employees: Option<i64>,
    /// `above` or `small_micro`.
    #[serde(default)]
    #[schema(required = true, value_type = crate::domain::enterprise::EnterpriseScale)]
    pub scale: String,
    #[serde(default)]
    pub risk_tags: Vec<String>,
}

/// A phone number as Chinese users write them: a mobile (11 digits, starting with 1) or a
/// landline with area code (`0577-65812345`, with or without the dash).
pub fn valid_phone(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    (digits.len() == 11 && digits.starts_with('1'))
        || (digits.starts_with('0') && (10..=12).contains(&digits.len()))
}

pub(crate) async fn set_tags<C: ConnectionTrait>(
    conn: &C,
    enterprise_id: i64,
    tags: &BTreeSet<String>,
) -> AppResult<()> {
    enterprise_risk_tag::Entity::delete_many()
        .filter(enterprise_risk_tag::Column::EnterpriseId.eq(enterprise_id))
        .exec(conn)
        .await?;
    for row in tag_rows(enterprise_id, tags) {
        row.insert(conn).await?;
    }
    Ok(())
}

/// The risk-tag rows of one enterprise (a set: each tag once): the one place they are built
/// (`set_tags` and the import insert them).
pub(crate) fn tag_rows(
    enterprise_id: i64,
    tags: &BTreeSet<String>,
) -> Vec<enterprise_risk_tag::ActiveModel> {
    tags.iter()
        .map(|tag| enterprise_risk_tag::ActiveModel {
            enterprise_id: Set(enterprise_id),
            tag_code: Set(tag.clone()),
        })
        .collect()
}

fn may_register(caller: &Caller) -> AppResult<()> {
    match caller.scope {
        Scope::System | Scope::Region { .. } => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Checks registration input as a whole: each field, the region against the scope, the industry
/// and risk tags against their catalogs, and that no enterprise other than `except` holds the
/// credit code. All problems come back together as one `Validation` error.
pub(crate) async fn checked<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    input: &EnterpriseInput,
    except: Option<i64>,
) -> AppResult<ValidEnterprise> {
    let mut errors = FieldErrors::default();
    let region = governed_region(
        conn,
        scope,
        &input.region,
        "enterprise.region_outside",
        &mut errors,
    )
    .await?;
    let industry = industry::Entity::find_by_id(input.industry.trim().to_string())
        .one(conn)
        .await?
        .is_some();
    let tags: BTreeSet<String> = risk_tag::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect();
    if let Ok(code) = CreditCode::parse(&input.credit_code) {
        let mut holder =
            enterprise::Entity::find().filter(enterprise::Column::CreditCode.eq(code.as_str()));
        if let Some(id) = except {
            holder = holder.filter(enterprise::Column::Id.ne(id));
        }
        if holder.one(conn).await?.is_some() {
            errors.add("credit_code", "enterprise.credit_code_taken");
        }
    }
    let known = Known {
        region: region.map(|r| (r.id, r.path)),
        industry,
        tag: Box::new(|t| tags.contains(t)),
    };
    input.parse(known, errors).map_err(AppError::Validation)
}

/// Inserts a checked enterprise with its risk tags, inside the caller's transaction (which
/// also records the audit entry). Registration and the seed create enterprises through here;
/// the import inserts `new_row`s in bulk.
pub(crate) async fn insert_enterprise<C: ConnectionTrait>(
    conn: &C,
    now: chrono::DateTime<chrono::Utc>,
    valid: &ValidEnterprise,
) -> AppResult<enterprise::Model> {
    let e = new_row(valid, now).insert(conn).await?;
    set_tags(conn, e.id, &valid.risk_tags).await?;
    Ok(e)
}

/// Registers an enterprise (bureau officers inside their region; the system admin anywhere).
pub async fn register(
    core: &Core,
    actor: &Actor,
    input: EnterpriseInput,
) -> AppResult<enterprise::Model> {
    let caller = &actor.caller;
    may_register(caller)?;
    let txn = begin_write(&core.db).await?;
    let now = core.now();
    let valid = checked(&txn, &caller.scope, &input, None).await?;
    let e = insert_enterprise(&txn, now, &valid).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "enterprise.create",
        Some(("enterprise", e.id.to_string())),
        Outcome::Success,
        Some(format!("{} {}", e.credit_code, e.name)),
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}

/// Edits an enterprise's registration. Moving it to another region (or renaming it) rewrites
/// every row copied from it in the same transaction (`relocation::follow_enterprise`).
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: EnterpriseInput,
) -> AppResult<enterprise::Model> {
    let caller = &actor.caller;
    may_register(caller)?;
    let existing = enterprise::Entity::find_by_id(id)
        .filter(scope::enterprises(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = input_of(core, &caller.scope, id).await?;
    let txn = begin_write(&core.db).await?;
    let valid = checked(&txn, &caller.scope, &input, Some(id)).await?;
    let changed = changed_fields(&before, &input);
    let now = core.now();
    let author = Author::of(actor);
    let mut m: enterprise::ActiveModel = existing.clone().into();
    fill(&mut m, &valid);
    m.updated_at = Set(now);
    let e = m.update(&txn).await?;
    relocation::follow_enterprise(&txn, now, &author, &existing, &e).await?;
    set_tags(&txn, e.id, &valid.risk_tags).await?;
    audit::record(
        &txn,
        now,
        &author,
        "enterprise.update",
        Some(("enterprise", e.id.to_string())),
        Outcome::Success,
        Some(changed.join(",")),
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}

fn changed_fields(a: &EnterpriseInput, b: &EnterpriseInput) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut cmp = |name: &'static str, x: &str, y: &str| {
        if x.trim() != y.trim() {
            out.push(name);
        }
    };
    cmp("credit_code", &a.credit_code, &b.credit_code.to_uppercase());
    cmp("name", &a.name, &b.name);
    cmp("region", &a.region, &b.region);
    cmp("industry", &a.industry, &b.industry);
    cmp("address", &a.address, &b.address);
    cmp(
        "legal_representative",
        &a.legal_representative,
        &b.legal_representative,
    );
    cmp("safety_officer", &a.safety_officer, &b.safety_officer);
    cmp("safety_phone", &a.safety_phone, &b.safety_phone);
    cmp("scale", &a.scale, &b.scale);
    if a.employees != b.employees {
        out.push("employees");
    }
    let (ta, tb): (BTreeSet<_>, BTreeSet<_>) =
        (a.risk_tags.iter().collect(), b.risk_tags.iter().collect());
    if ta != tb {
        out.push("risk_tags");
    }
    out
}

/// The contact details an enterprise keeps up to date itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 255, pattern = r"\S")]
    pub address: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub safety_officer: String,
    #[serde(default)]
    #[schema(required = true, pattern = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")]
    pub safety_phone: String,
}

/// The enterprise admin edits its own address and safety contact.
pub async fn update_contact(
    core: &Core,
    actor: &Actor,
    input: ContactInput,
) -> AppResult<enterprise::Model> {
    let caller = &actor.caller;
    let Scope::Enterprise { enterprise_id, .. } = caller.scope else {
        return Err(AppError::Forbidden);
    };
    if caller.role != crate::domain::role::Role::EnterpriseAdmin {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    errors.require("address", &input.address, 255);
    errors.require("safety_officer", &input.safety_officer, 64);
    if !valid_phone(&input.safety_phone) {
        errors.add("safety_phone", "enterprise.bad_phone");
    }
    errors.into_result()?;
    let txn = begin_write(&core.db).await?;
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = core.now();
    let mut m: enterprise::ActiveModel = e.into();
    m.address = Set(input.address.trim().into());
    m.safety_officer = Set(input.safety_officer.trim().into());
    m.safety_phone = Set(input.safety_phone.trim().into());
    m.updated_at = Set(now);
    let e = m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "enterprise.contact",
        Some(("enterprise", e.id.to_string())),
        Outcome::Success,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}
