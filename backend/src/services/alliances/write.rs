//! Writes: each one transaction with its audit record.

use super::*;

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::alliance::{AllianceKind, AllianceStatus};
use crate::domain::credit_code::CreditCode;
use crate::domain::enterprise::EnterpriseStatus;
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::region_path::contains;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{alliance, alliance_membership, enterprise, region};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::membership;
use crate::services::registry::governed_region;
use crate::state::Core;

/// An alliance's registration data as entered (form or JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AllianceInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    /// `industry` 行业型, `regional` 区域型, `park` 园区型 or `village` 村居型.
    #[serde(default)]
    #[schema(required = true, value_type = AllianceKind)]
    pub kind: String,
    /// Region code (inside the officer's jurisdiction).
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
    pub region: String,
    /// Credit code of the lead enterprise (龙头企业).
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    )]
    pub lead: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub charter: String,
    /// `YYYY-MM-DD`, not in the future.
    #[serde(default)]
    #[schema(required = true, format = Date)]
    pub founded_on: String,
    /// `active` (default when blank) or `dissolved`.
    #[serde(default)]
    #[schema(value_type = Option<AllianceStatus>)]
    pub status: String,
}

/// What `check_fields` parsed out of an input: the founding date, the kind and the status.
struct Fields {
    founded: NaiveDate,
    kind: AllianceKind,
    status: AllianceStatus,
}

/// Checks what does not need the database; returns the parsed fields when they are all good.
/// A blank status is `active`.
fn check_fields(core: &Core, input: &AllianceInput, errors: &mut FieldErrors) -> Option<Fields> {
    errors.require("name", &input.name, 128);
    let kind = AllianceKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.add("kind", "alliances.bad_kind");
    }
    errors.require("charter", &input.charter, 20_000);
    let status = match input.status.trim() {
        "" => Some(AllianceStatus::Active),
        s => AllianceStatus::parse(s),
    };
    if status.is_none() {
        errors.add("status", "alliances.bad_status");
    }
    let founded = match NaiveDate::parse_from_str(input.founded_on.trim(), "%Y-%m-%d") {
        Err(_) => {
            errors.add("founded_on", "alliances.bad_date");
            None
        }
        Ok(d) if d > core.today() => {
            errors.add("founded_on", "alliances.future_date");
            None
        }
        Ok(d) => Some(d),
    };
    Some(Fields {
        founded: founded?,
        kind: kind?,
        status: status?,
    })
}

/// The region an officer may register an alliance in: known, and inside its jurisdiction.
async fn region_in_scope<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    code: &str,
    errors: &mut FieldErrors,
) -> AppResult<Option<region::Model>> {
    if code.trim().is_empty() {
        errors.add("region", "form.required");
        return Ok(None);
    }
    governed_region(conn, scope, code, "alliances.region_outside", errors).await
}

/// The lead enterprise: a known, active enterprise inside the alliance's region and the
/// caller's scope.
async fn lead_in_region<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    code: &str,
    region: Option<&region::Model>,
    errors: &mut FieldErrors,
) -> AppResult<Option<enterprise::Model>> {
    if code.trim().is_empty() {
        errors.add("lead", "alliances.lead_required");
        return Ok(None);
    }
    let code = match CreditCode::parse(code) {
        Ok(c) => c,
        Err(e) => {
            errors.add("lead", e.message_key());
            return Ok(None);
        }
    };
    let e = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(code.as_str()))
        .filter(scope::enterprises(scope))
        .one(conn)
        .await?;
    let Some(e) = e.filter(|e| e.status == EnterpriseStatus::Active) else {
        errors.add("lead", "alliances.lead_unknown");
        return Ok(None);
    };
    if let Some(r) = region
        && !contains(&r.path, &e.region_path)
    {
        errors.add("lead", "alliances.lead_outside");
        return Ok(None);
    }
    Ok(Some(e))
}

async fn name_taken<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let mut q = alliance::Entity::find().filter(alliance::Column::Name.eq(name.trim()));
    if let Some(id) = except {
        q = q.filter(alliance::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}

pub(crate) fn may_register(caller: &Caller) -> AppResult<()> {
    match caller.scope {
        Scope::System | Scope::Region { .. } => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Registers an alliance (bureau officers inside their region; the system admin anywhere).
/// The lead enterprise becomes its first approved member, with its history event, in the
/// same transaction.
pub async fn register(
    core: &Core,
    actor: &Actor,
    input: AllianceInput,
) -> AppResult<alliance::Model> {
    let caller = &actor.caller;
    may_register(caller)?;
    let txn = begin_write(&core.db).await?;
    let by = membership::EventAuthor::of(caller);
    let a = register_in(core, &txn, &caller.scope, &Author::of(actor), &by, input).await?;
    txn.commit().await?;
    Ok(a)
}

/// Registration inside the caller's transaction: the checks, the alliance row, the lead's
/// approved membership with its history event, and the audit record. The page and the API come
/// through `register`; the seed calls it with `Scope::System` and the system as author.
pub async fn register_in<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    scope: &Scope,
    author: &Author,
    by: &membership::EventAuthor,
    input: AllianceInput,
) -> AppResult<alliance::Model> {
    let mut errors = FieldErrors::default();
    let fields = check_fields(core, &input, &mut errors);
    let region = region_in_scope(txn, scope, &input.region, &mut errors).await?;
    let lead = lead_in_region(txn, scope, &input.lead, region.as_ref(), &mut errors).await?;
    if !input.name.trim().is_empty() && name_taken(txn, &input.name, None).await? {
        errors.add("name", "alliances.name_taken");
    }
    errors.into_result()?;
    let (Some(fields), Some(region), Some(lead)) = (fields, region, lead) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated input lost its parts"
        )));
    };
    let now = core.now();
    // Stored text is written in the default language.
    let lead_reason = crate::i18n::t(crate::i18n::Lang::ZhCn, "membership.lead_reason");
    let a = alliance::ActiveModel {
        name: Set(input.name.trim().into()),
        kind: Set(fields.kind),
        region_id: Set(region.id),
        region_path: Set(region.path),
        lead_enterprise_id: Set(Some(lead.id)),
        charter: Set(input.charter.trim().into()),
        founded_on: Set(fields.founded),
        status: Set(fields.status),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let m = membership::insert_membership(
        txn,
        (a.id, lead.id),
        MembershipStatus::Approved,
        Some(lead_reason.clone()),
        now,
    )
    .await?;
    membership::record_event(txn, &m, None, by, Some(lead_reason), now).await?;
    audit::record(
        txn,
        now,
        author,
        "alliance.create",
        Some(("alliance", a.id.to_string())),
        Outcome::Success,
        Some(format!("{}; lead {}", a.name, lead.credit_code)),
    )
    .await?;
    Ok(a)
}

/// Edits an alliance's registration. Once it has members, the lead must be one of them.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: AllianceInput,
) -> AppResult<alliance::Model> {
    let caller = &actor.caller;
    may_register(caller)?;
    let before = input_of(core, &caller.scope, id).await?;
    let mut errors = FieldErrors::default();
    let fields = check_fields(core, &input, &mut errors);
    let txn = begin_write(&core.db).await?;
    let existing = scoped(&txn, &caller.scope, id).await?;
    let region = region_in_scope(&txn, &caller.scope, &input.region, &mut errors).await?;
    let lead = lead_in_region(
        &txn,
        &caller.scope,
        &input.lead,
        region.as_ref(),
        &mut errors,
    )
    .await?;
    if let Some(lead) = &lead {
        let approved = alliance_membership::Entity::find()
            .filter(alliance_membership::Column::AllianceId.eq(id))
            .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
            .all(&txn)
            .await?;
        if !approved.is_empty() && !approved.iter().any(|m| m.enterprise_id == lead.id) {
            errors.add("lead", "alliances.lead_not_member");
        }
    }
    if !input.name.trim().is_empty() && name_taken(&txn, &input.name, Some(id)).await? {
        errors.add("name", "alliances.name_taken");
    }
    errors.into_result()?;
    let (Some(fields), Some(region), Some(lead)) = (fields, region, lead) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated input lost its parts"
        )));
    };
    let after = AllianceInput {
        name: input.name.trim().into(),
        kind: fields.kind.as_str().into(),
        region: region.code.clone(),
        lead: lead.credit_code.clone(),
        charter: input.charter.trim().into(),
        founded_on: fields.founded.format("%Y-%m-%d").to_string(),
        status: fields.status.as_str().into(),
    };
    let changed = changed_fields(&before, &after);
    let mut m: alliance::ActiveModel = existing.into();
    m.name = Set(after.name.clone());
    m.kind = Set(fields.kind);
    m.region_id = Set(region.id);
    m.region_path = Set(region.path);
    m.lead_enterprise_id = Set(Some(lead.id));
    m.charter = Set(after.charter.clone());
    m.founded_on = Set(fields.founded);
    m.status = Set(fields.status);
    let a = m.update(&txn).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "alliance.update",
        Some(("alliance", a.id.to_string())),
        Outcome::Success,
        Some(changed.join(",")),
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}

fn changed_fields(a: &AllianceInput, b: &AllianceInput) -> Vec<&'static str> {
    [
        ("name", &a.name, &b.name),
        ("kind", &a.kind, &b.kind),
        ("region", &a.region, &b.region),
        ("lead", &a.lead, &b.lead),
        ("charter", &a.charter, &b.charter),
        ("founded_on", &a.founded_on, &b.founded_on),
        ("status", &a.status, &b.status),
    ]
    .into_iter()
    .filter(|(_, x, y)| x.trim() != y.trim())
    .map(|(n, _, _)| n)
    .collect()
}
