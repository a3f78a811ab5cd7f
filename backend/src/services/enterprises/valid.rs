//! Registration input once every check passed: `EnterpriseInput::parse` is the only way to a
//! `ValidEnterprise`, and the only value the writes (`fill`, `new_row`, `insert_enterprise`)
//! take, so no unchecked text reaches an enterprise row.

use std::collections::BTreeSet;

use sea_orm::Set;

use super::{EnterpriseInput, valid_phone};
use crate::domain::credit_code::CreditCode;
use crate::domain::enterprise::{Employees, EnterpriseScale, EnterpriseStatus};
use crate::error::FieldErrors;
use crate::models::enterprise;

/// What the register knows that an input is checked against, looked up by the caller (from
/// the database, or from the import's reference loaded once).
pub(crate) struct Known<'a> {
    /// The input's region as (id, path) when it exists and the caller may register there;
    /// `None` when not, the reason already among the errors.
    pub region: Option<(i64, String)>,
    /// Whether the input's industry is in the catalog.
    pub industry: bool,
    /// Whether a risk tag code is in the catalog.
    pub tag: Box<dyn Fn(&str) -> bool + 'a>,
}

/// An enterprise's registration, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEnterprise {
    pub credit_code: CreditCode,
    pub name: String,
    pub region_id: i64,
    pub region_path: String,
    /// A known industry's code (its id).
    pub industry_code: String,
    pub address: String,
    pub legal_representative: String,
    pub safety_officer: String,
    pub safety_phone: String,
    pub employees: Employees,
    pub scale: EnterpriseScale,
    /// Known risk tag codes (their ids), each once.
    pub risk_tags: BTreeSet<String>,
}

impl EnterpriseInput {
    /// Checks every field (text trimmed) against `known`. `errors` holds what the caller found
    /// already; all problems come back together.
    pub(crate) fn parse(
        &self,
        known: Known<'_>,
        mut errors: FieldErrors,
    ) -> Result<ValidEnterprise, FieldErrors> {
        let credit_code = CreditCode::parse(&self.credit_code)
            .map_err(|e| errors.add("credit_code", e.message_key()))
            .ok();
        errors.require("name", &self.name, 128);
        errors.require("address", &self.address, 255);
        errors.require("legal_representative", &self.legal_representative, 64);
        errors.require("safety_officer", &self.safety_officer, 64);
        if !valid_phone(&self.safety_phone) {
            errors.add("safety_phone", "enterprise.bad_phone");
        }
        let employees = self.employees.and_then(Employees::parse);
        if employees.is_none() {
            errors.add("employees", "enterprise.bad_employees");
        }
        let scale = EnterpriseScale::parse(&self.scale);
        if scale.is_none() {
            errors.add("scale", "enterprise.bad_scale");
        }
        if !known.industry {
            errors.add("industry", "enterprise.unknown_industry");
        }
        if self.risk_tags.iter().any(|t| !(known.tag)(t)) {
            errors.add("risk_tags", "enterprise.unknown_tag");
        }
        match (credit_code, known.region, employees, scale) {
            (Some(credit_code), Some((region_id, region_path)), Some(employees), Some(scale))
                if errors.is_empty() =>
            {
                Ok(ValidEnterprise {
                    credit_code,
                    name: self.name.trim().into(),
                    region_id,
                    region_path,
                    industry_code: self.industry.trim().into(),
                    address: self.address.trim().into(),
                    legal_representative: self.legal_representative.trim().into(),
                    safety_officer: self.safety_officer.trim().into(),
                    safety_phone: self.safety_phone.trim().into(),
                    employees,
                    scale,
                    risk_tags: self.risk_tags.iter().cloned().collect(),
                })
            }
            _ if errors.is_empty() => {
                // A missing region without its reason is the caller's mistake, not the user's.
                errors.add("region", "region.unknown");
                Err(errors)
            }
            _ => Err(errors),
        }
    }
}

/// Writes the registration columns of an enterprise row: the one place they are set, for
/// registration, edits and the import.
pub(crate) fn fill(m: &mut enterprise::ActiveModel, v: &ValidEnterprise) {
    m.credit_code = Set(v.credit_code.as_str().into());
    m.name = Set(v.name.clone());
    m.region_id = Set(v.region_id);
    m.region_path = Set(v.region_path.clone());
    m.industry_code = Set(v.industry_code.clone());
    m.address = Set(v.address.clone());
    m.legal_representative = Set(v.legal_representative.clone());
    m.safety_officer = Set(v.safety_officer.clone());
    m.safety_phone = Set(v.safety_phone.clone());
    m.employees = Set(v.employees.get());
    m.scale = Set(v.scale);
}

/// A new, active enterprise row, created at `now` (not yet inserted).
pub(crate) fn new_row(
    v: &ValidEnterprise,
    now: chrono::DateTime<chrono::Utc>,
) -> enterprise::ActiveModel {
    let mut m = enterprise::ActiveModel {
        status: Set(EnterpriseStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    fill(&mut m, v);
    m
}
