//! Reads: scoped lists, pages and exports (every query through `crate::scope`).

use super::*;

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::Query,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::enterprise::EnterpriseScale;
use crate::domain::membership::Status as MembershipStatus;
use crate::error::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::models::{
    alliance, alliance_membership, enterprise, enterprise_risk_tag, industry, region, risk_tag,
};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::code_filter;
use crate::services::keyset::{self, Key, Page};
use crate::services::registry::{EnterpriseSummary, names, summary};
use crate::services::{PageParams, Paged, given, text_contains};
use crate::state::Core;

/// What a list of enterprises can be narrowed and ordered by (pages, API and export alike).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct EnterpriseFilter {
    /// Name or credit code contains.
    pub q: Option<String>,
    /// Region code: the region and everything under it.
    pub region: Option<String>,
    /// Industry code (GB/T 4754): the industry and its sub-industries.
    pub industry: Option<String>,
    /// Risk tag code.
    pub tag: Option<String>,
    /// Alliance id: its approved members.
    pub alliance: Option<i64>,
    /// `above` (规上) or `small_micro` (小微).
    pub scale: Option<String>,
    /// 三色标签: `green`, `yellow` or `red`.
    pub label: Option<String>,
    /// `name` (default), `credit_code`, `employees`, `region`, `created`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
}

/// The scoped, filtered and ordered query behind lists and exports (by name, then `id`, unless
/// another sort is asked for).
pub async fn list_query(
    core: &Core,
    scope: &Scope,
    f: &EnterpriseFilter,
) -> AppResult<Select<enterprise::Entity>> {
    let mut q = enterprise::Entity::find().filter(scope::enterprises(scope));
    if let Some(t) = given(&f.q) {
        q = q.filter(
            Condition::any()
                .add(text_contains(enterprise::Column::Name, t))
                .add(text_contains(
                    enterprise::Column::CreditCode,
                    &t.to_uppercase(),
                )),
        );
    }
    if let Some(code) = given(&f.region) {
        let path = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&core.db)
            .await?
            .map(|r| r.path)
            .unwrap_or_else(|| "/none/".into());
        q = q.filter(scope::in_subtree(enterprise::Column::RegionPath, &path));
    }
    if let Some(code) = given(&f.industry) {
        q = q.filter(enterprise::Column::IndustryCode.starts_with(code));
    }
    if let Some(tag) = given(&f.tag) {
        q = q.filter(
            enterprise::Column::Id.in_subquery(
                Query::select()
                    .column(enterprise_risk_tag::Column::EnterpriseId)
                    .from(enterprise_risk_tag::Entity)
                    .and_where(enterprise_risk_tag::Column::TagCode.eq(tag))
                    .to_owned(),
            ),
        );
    }
    if let Some(id) = f.alliance {
        q = q.filter(
            enterprise::Column::Id.in_subquery(
                Query::select()
                    .column(alliance_membership::Column::EnterpriseId)
                    .from(alliance_membership::Entity)
                    .and_where(alliance_membership::Column::AllianceId.eq(id))
                    .and_where(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
                    .to_owned(),
            ),
        );
    }
    let mut errors = FieldErrors::default();
    let scale: Option<EnterpriseScale> = code_filter(&mut errors, "scale", &f.scale);
    errors.into_result()?;
    if let Some(scale) = scale {
        q = q.filter(enterprise::Column::Scale.eq(scale));
    }
    if let Some(label) = given(&f.label) {
        q = q.filter(enterprise::Column::Label.eq(label));
    }
    let desc = f.dir.as_deref() == Some("desc");
    let column = sort_column(f);
    q = if desc {
        q.order_by_desc(column)
    } else {
        q.order_by_asc(column)
    };
    Ok(q.order_by_asc(enterprise::Column::Id))
}

/// The column the enterprise list is sorted by (`sort`), by name unless told.
fn sort_column(f: &EnterpriseFilter) -> enterprise::Column {
    match f.sort.as_deref() {
        Some("credit_code") => enterprise::Column::CreditCode,
        Some("employees") => enterprise::Column::Employees,
        Some("region") => enterprise::Column::RegionPath,
        Some("created") => enterprise::Column::CreatedAt,
        _ => enterprise::Column::Name,
    }
}

/// The enterprise list's order as a key: the sort column in its direction, then the id.
fn order_key(f: &EnterpriseFilter) -> Key {
    let desc = f.dir.as_deref() == Some("desc");
    Key::new("enterprises")
        .by(sort_column(f), desc)
        .asc(enterprise::Column::Id)
}

/// A row of the enterprise list: the summary with its current score and label (三色标签).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseRow {
    #[serde(flatten)]
    pub summary: EnterpriseSummary,
    /// None until first scored.
    pub score: Option<i32>,
    /// `green`, `yellow` or `red`.
    pub label: Option<String>,
}

pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &EnterpriseFilter,
    page: PageParams,
) -> AppResult<Paged<EnterpriseRow>> {
    let q = list_query(core, scope, filter).await?;
    let Page { rows, info } = keyset::page(core, q, &order_key(filter), &page).await?;
    let (regions, industries) = names(core).await?;
    let items = rows
        .into_iter()
        .map(|e| EnterpriseRow {
            score: e.score,
            label: e.label.clone(),
            summary: summary(e, &regions, &industries),
        })
        .collect();
    Ok(info.with(items))
}

/// A choice in a filter or form select.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What the filter and form selects offer to this caller.
#[derive(Debug, Clone, Serialize)]
pub struct Choices {
    pub regions: Vec<Choice>,
    pub industries: Vec<Choice>,
    pub tags: Vec<Choice>,
    pub alliances: Vec<Choice>,
}

pub async fn choices(core: &Core, scope: &Scope) -> AppResult<Choices> {
    let mut regions = region::Entity::find().order_by_asc(region::Column::Path);
    if let Some(path) = scope
        .region_path()
        .filter(|_| matches!(scope, Scope::Region { .. }))
    {
        regions = regions.filter(scope::in_subtree(region::Column::Path, path));
    }
    let regions = regions
        .all(&core.db)
        .await?
        .into_iter()
        .map(|r| Choice {
            label: format!(
                "{}{}",
                "\u{3000}".repeat((r.level - 1).max(0) as usize),
                r.name
            ),
            value: r.code,
        })
        .collect();
    let industries = industry::Entity::find()
        .order_by_asc(industry::Column::Code)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|i| Choice {
            label: format!("{} {}", i.code, i.name),
            value: i.code,
        })
        .collect();
    let tags = risk_tag::Entity::find()
        .order_by_asc(risk_tag::Column::Code)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|t| Choice {
            value: t.code,
            label: t.name,
        })
        .collect();
    let alliances = alliance::Entity::find()
        .filter(scope::alliances(scope))
        .order_by_asc(alliance::Column::Id)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|a| Choice {
            value: a.id.to_string(),
            label: a.name,
        })
        .collect();
    Ok(Choices {
        regions,
        industries,
        tags,
        alliances,
    })
}

/// The registration data of an enterprise the caller may see, as the edit form shows it.
pub async fn input_of(core: &Core, scope: &Scope, id: i64) -> AppResult<EnterpriseInput> {
    let e = enterprise::Entity::find_by_id(id)
        .filter(scope::enterprises(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let region = region::Entity::find_by_id(e.region_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let risk_tags = enterprise_risk_tag::Entity::find()
        .filter(enterprise_risk_tag::Column::EnterpriseId.eq(e.id))
        .order_by_asc(enterprise_risk_tag::Column::TagCode)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|t| t.tag_code)
        .collect();
    Ok(EnterpriseInput {
        credit_code: e.credit_code,
        name: e.name,
        region: region.code,
        industry: e.industry_code,
        address: e.address,
        legal_representative: e.legal_representative,
        safety_officer: e.safety_officer,
        safety_phone: e.safety_phone,
        employees: Some(e.employees.into()),
        scale: e.scale.as_str().into(),
        risk_tags,
    })
}

/// Most rows one export may hold.
pub const EXPORT_LIMIT: u64 = 100_000;

/// The list as a spreadsheet: every row the filter selects (not just one page), Chinese
/// headers, audited as an export.
pub async fn export_xlsx(
    core: &Core,
    actor: &Actor,
    filter: &EnterpriseFilter,
) -> AppResult<Vec<u8>> {
    let caller = &actor.caller;
    let rows = list_query(core, &caller.scope, filter)
        .await?
        .limit(EXPORT_LIMIT)
        .all(&core.db)
        .await?;
    let (regions, industries) = names(core).await?;
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let tag_names: HashMap<String, String> = risk_tag::Entity::find()
        .all(&core.db)
        .await?
        .into_iter()
        .map(|t| (t.code, t.name))
        .collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for t in enterprise_risk_tag::Entity::find()
            .filter(enterprise_risk_tag::Column::EnterpriseId.is_in(chunk.to_vec()))
            .order_by_asc(enterprise_risk_tag::Column::EnterpriseId)
            .order_by_asc(enterprise_risk_tag::Column::TagCode)
            .all(&core.db)
            .await?
        {
            tags.entry(t.enterprise_id)
                .or_default()
                .push(tag_names.get(&t.tag_code).cloned().unwrap_or(t.tag_code));
        }
    }
    let columns = [
        "credit_code",
        "name",
        "region",
        "industry",
        "address",
        "legal_representative",
        "safety_officer",
        "safety_phone",
        "employees",
        "scale",
        "risk_tags",
        "score",
        "label",
    ];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|e| {
            vec![
                e.credit_code.clone(),
                e.name.clone(),
                regions.get(&e.region_id).cloned().unwrap_or_default(),
                industries
                    .get(&e.industry_code)
                    .cloned()
                    .unwrap_or_default(),
                e.address.clone(),
                e.legal_representative.clone(),
                e.safety_officer.clone(),
                e.safety_phone.clone(),
                e.employees.to_string(),
                crate::services::xlsx::text(&format!("scale.{}", e.scale)),
                tags.get(&e.id).map(|t| t.join("、")).unwrap_or_default(),
                e.score.map(|s| s.to_string()).unwrap_or_default(),
                match e.label.as_deref() {
                    Some("green") => crate::services::xlsx::text("export.enterprises.label_green"),
                    Some("yellow") => {
                        crate::services::xlsx::text("export.enterprises.label_yellow")
                    }
                    Some("red") => crate::services::xlsx::text("export.enterprises.label_red"),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    let bytes = crate::services::xlsx::catalog_workbook(
        "export.enterprises",
        &columns,
        &[],
        &table,
        &[8, 11],
    )?;
    let txn = begin_write(&core.db).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "export.enterprises",
        None,
        Outcome::Success,
        Some(format!(
            "{} rows; filter {}",
            table.len(),
            serde_json::to_string(filter).unwrap_or_default()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(bytes)
}
