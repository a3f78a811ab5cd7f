//! 行业 (GB/T 4754 codes) and 风险标签: everyone reads the lists; only the city-level bureau
//! (an officer whose region has no parent) and the system admin change them. Adding and
//! renaming only; codes never change, since enterprises refer to them.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{industry, region, risk_tag};
use crate::scope::{Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::state::Core;

/// A new industry as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewIndustryInput {
    /// A section letter (`C`) or the letter with 2, 3 or 4 digits (`C36`, `C367`, `C3670`).
    #[serde(default)]
    #[schema(required = true, pattern = r"^[A-Z]([0-9]{2,4})?$")]
    pub code: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    /// The parent's code; for a non-section code it must exist and be a prefix of the code.
    /// Left empty, the longest existing prefix is taken.
    #[serde(default)]
    pub parent: String,
}

/// A new risk tag as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewRiskTagInput {
    /// Lowercase ASCII letters and `_`, 2 to 32 characters (`dust_explosion`).
    #[serde(default)]
    #[schema(required = true, pattern = r"^[a-z_]{2,32}$")]
    pub code: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
}

/// A new name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NameInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndustryView {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiskTagView {
    pub code: String,
    pub name: String,
}

impl From<industry::Model> for IndustryView {
    fn from(i: industry::Model) -> Self {
        IndustryView {
            code: i.code,
            name: i.name,
            parent_code: i.parent_code,
        }
    }
}

impl From<risk_tag::Model> for RiskTagView {
    fn from(t: risk_tag::Model) -> Self {
        RiskTagView {
            code: t.code,
            name: t.name,
        }
    }
}

/// Whether `code` has the shape of a GB/T 4754 code: a capital letter, then 0, 2, 3 or 4
/// digits.
pub fn valid_industry_code(code: &str) -> bool {
    let mut chars = code.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let digits: Vec<char> = chars.collect();
    first.is_ascii_uppercase()
        && matches!(digits.len(), 0 | 2 | 3 | 4)
        && digits.iter().all(|c| c.is_ascii_digit())
}

/// Whether `code` is a risk tag code: `[a-z_]{2,32}`.
pub fn valid_tag_code(code: &str) -> bool {
    (2..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// Whether the caller may change the lists: the admin, or a city-level officer.
pub async fn may_edit(core: &Core, caller: &Caller) -> AppResult<bool> {
    Ok(match &caller.scope {
        Scope::System => true,
        Scope::Region { region_id, .. } => region::Entity::find_by_id(*region_id)
            .one(&core.db)
            .await?
            .is_some_and(|r| r.parent_id.is_none()),
        _ => false,
    })
}

async fn ensure_editor(core: &Core, caller: &Caller) -> AppResult<()> {
    if may_edit(core, caller).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn industries(core: &Core) -> AppResult<Vec<IndustryView>> {
    Ok(industry::Entity::find()
        .order_by_asc(industry::Column::Code)
        .all(&core.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn risk_tags(core: &Core) -> AppResult<Vec<RiskTagView>> {
    Ok(risk_tag::Entity::find()
        .order_by_asc(risk_tag::Column::Code)
        .all(&core.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

async fn record<C: ConnectionTrait>(
    core: &Core,
    conn: &C,
    actor: &Actor,
    action: &str,
    (kind, code): (&'static str, &str),
    detail: String,
) -> AppResult<()> {
    audit::record(
        conn,
        core.now(),
        &Author::of(actor),
        action,
        Some((kind, code.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await
}

pub async fn create_industry(
    core: &Core,
    actor: &Actor,
    input: NewIndustryInput,
) -> AppResult<IndustryView> {
    let caller = &actor.caller;
    ensure_editor(core, caller).await?;
    let txn = begin_write(&core.db).await?;
    let i = create_industry_in(core, &txn, &Author::of(actor), input).await?;
    txn.commit().await?;
    Ok(i.into())
}

/// Adds an industry inside the caller's transaction: the code checked and free, the parent
/// given (a proper prefix that exists) or found (the longest existing one), the row and the
/// audit record. The page, the API and the seed come through here.
pub async fn create_industry_in<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    author: &Author,
    input: NewIndustryInput,
) -> AppResult<industry::Model> {
    let code = input.code.trim().to_uppercase();
    let parent_in = input.parent.trim().to_uppercase();
    let mut errors = FieldErrors::default();
    errors.require("name", &input.name, 128);
    let mut parent = None;
    if !valid_industry_code(&code) {
        errors.add("code", "catalog.industry_code");
    } else if industry::Entity::find_by_id(code.clone())
        .one(txn)
        .await?
        .is_some()
    {
        errors.add("code", "catalog.industry_taken");
    } else if code.len() == 1 {
        if !parent_in.is_empty() {
            errors.add("parent", "catalog.section_no_parent");
        }
    } else if parent_in.is_empty() {
        // The longest existing proper prefix.
        for len in (1..code.len()).rev() {
            if industry::Entity::find_by_id(code[..len].to_string())
                .one(txn)
                .await?
                .is_some()
            {
                parent = Some(code[..len].to_string());
                break;
            }
        }
        if parent.is_none() {
            errors.add("parent", "catalog.parent_missing");
        }
    } else if !(code.starts_with(&parent_in) && parent_in.len() < code.len()) {
        errors.add("parent", "catalog.parent_prefix");
    } else if industry::Entity::find_by_id(parent_in.clone())
        .one(txn)
        .await?
        .is_none()
    {
        errors.add("parent", "catalog.parent_missing");
    } else {
        parent = Some(parent_in);
    }
    errors.into_result()?;
    let i = industry::ActiveModel {
        code: Set(code.clone()),
        name: Set(input.name.trim().to_string()),
        parent_code: Set(parent),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        core.now(),
        author,
        "industry.create",
        Some(("industry", i.code.clone())),
        Outcome::Success,
        Some(format!("{} {}", i.code, i.name)),
    )
    .await?;
    Ok(i)
}

pub async fn rename_industry(
    core: &Core,
    actor: &Actor,
    code: &str,
    input: NameInput,
) -> AppResult<IndustryView> {
    let caller = &actor.caller;
    ensure_editor(core, caller).await?;
    let txn = begin_write(&core.db).await?;
    let i = industry::Entity::find_by_id(code.trim().to_uppercase())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    errors.require("name", &input.name, 128);
    errors.into_result()?;
    let before = i.name.clone();
    let mut m: industry::ActiveModel = i.into();
    m.name = Set(input.name.trim().to_string());
    let i = m.update(&txn).await?;
    record(
        core,
        &txn,
        actor,
        "industry.rename",
        ("industry", &i.code),
        format!("{before} → {}", i.name),
    )
    .await?;
    txn.commit().await?;
    Ok(i.into())
}

async fn tag_name_taken<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    except: Option<&str>,
) -> AppResult<bool> {
    let mut q = risk_tag::Entity::find().filter(risk_tag::Column::Name.eq(name.trim()));
    if let Some(code) = except {
        q = q.filter(risk_tag::Column::Code.ne(code));
    }
    Ok(q.one(conn).await?.is_some())
}

pub async fn create_risk_tag(
    core: &Core,
    actor: &Actor,
    input: NewRiskTagInput,
) -> AppResult<RiskTagView> {
    let caller = &actor.caller;
    ensure_editor(core, caller).await?;
    let txn = begin_write(&core.db).await?;
    let t = create_risk_tag_in(core, &txn, &Author::of(actor), input).await?;
    txn.commit().await?;
    Ok(t.into())
}

/// Adds a risk tag inside the caller's transaction: code and name checked and free, the row and
/// the audit record. The page, the API and the seed come through here.
pub async fn create_risk_tag_in<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    author: &Author,
    input: NewRiskTagInput,
) -> AppResult<risk_tag::Model> {
    let code = input.code.trim().to_string();
    let mut errors = FieldErrors::default();
    errors.require("name", &input.name, 64);
    if !valid_tag_code(&code) {
        errors.add("code", "catalog.tag_code");
    } else if risk_tag::Entity::find_by_id(code.clone())
        .one(txn)
        .await?
        .is_some()
    {
        errors.add("code", "catalog.tag_taken");
    }
    if !input.name.trim().is_empty() && tag_name_taken(txn, &input.name, None).await? {
        errors.add("name", "catalog.tag_name_taken");
    }
    errors.into_result()?;
    let t = risk_tag::ActiveModel {
        code: Set(code),
        name: Set(input.name.trim().to_string()),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        core.now(),
        author,
        "risk_tag.create",
        Some(("risk_tag", t.code.clone())),
        Outcome::Success,
        Some(format!("{} {}", t.code, t.name)),
    )
    .await?;
    Ok(t)
}

pub async fn rename_risk_tag(
    core: &Core,
    actor: &Actor,
    code: &str,
    input: NameInput,
) -> AppResult<RiskTagView> {
    let caller = &actor.caller;
    ensure_editor(core, caller).await?;
    let txn = begin_write(&core.db).await?;
    let t = risk_tag::Entity::find_by_id(code.trim().to_string())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    errors.require("name", &input.name, 64);
    if errors.is_empty() && tag_name_taken(&txn, &input.name, Some(&t.code)).await? {
        errors.add("name", "catalog.tag_name_taken");
    }
    errors.into_result()?;
    let before = t.name.clone();
    let mut m: risk_tag::ActiveModel = t.into();
    m.name = Set(input.name.trim().to_string());
    let t = m.update(&txn).await?;
    record(
        core,
        &txn,
        actor,
        "risk_tag.rename",
        ("risk_tag", &t.code),
        format!("{before} → {}", t.name),
    )
    .await?;
    txn.commit().await?;
    Ok(t.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industry_codes_follow_gbt_4754() {
        for ok in ["C", "C36", "C367", "C3670", "A01"] {
            assert!(valid_industry_code(ok), "{ok}");
        }
        for bad in ["", "c36", "C3", "C36701", "36", "CC36", "C3a"] {
            assert!(!valid_industry_code(bad), "{bad}");
        }
    }

    #[test]
    fn tag_codes_are_lowercase_ascii() {
        for ok in ["dust_explosion", "ab", "confined_space"] {
            assert!(valid_tag_code(ok), "{ok}");
        }
        for bad in [
            "a",
            "Dust",
            "dust-explosion",
            "粉尘",
            "dust1",
            &"a".repeat(33),
        ] {
            assert!(!valid_tag_code(bad), "{bad}");
        }
    }
}
