//! The bureau's enterprise register: filtered and sorted lists, registration and editing with
//! field-by-field validation, the enterprise's own contact details, and the xlsx export of
//! exactly what a list shows. Every read goes through `scope::enterprises`.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set, sea_query::Query,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::credit_code::CreditCode;
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::region_path::subtree_pattern;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{
    alliance, alliance_membership, enterprise, enterprise_risk_tag, industry, region, risk_tag,
};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::registry::{EnterpriseSummary, SCALES, governed_region, names, summary};
use crate::services::relocation;
use crate::services::{PageParams, Paged, given};
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

/// The scoped, filtered and ordered query behind lists and exports.
async fn filtered(
    core: &Core,
    scope: &Scope,
    f: &EnterpriseFilter,
) -> AppResult<Select<enterprise::Entity>> {
    let mut q = enterprise::Entity::find().filter(scope::enterprises(scope));
    if let Some(t) = given(&f.q) {
        q = q.filter(
            Condition::any()
                .add(enterprise::Column::Name.contains(t))
                .add(enterprise::Column::CreditCode.contains(t.to_uppercase())),
        );
    }
    if let Some(code) = given(&f.region) {
        let path = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&core.db)
            .await?
            .map(|r| r.path)
            .unwrap_or_else(|| "/none/".into());
        q = q.filter(enterprise::Column::RegionPath.like(subtree_pattern(&path)));
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
    if let Some(scale) = given(&f.scale) {
        q = q.filter(enterprise::Column::Scale.eq(scale));
    }
    if let Some(label) = given(&f.label) {
        q = q.filter(enterprise::Column::Label.eq(label));
    }
    let desc = f.dir.as_deref() == Some("desc");
    let column = match f.sort.as_deref() {
        Some("credit_code") => enterprise::Column::CreditCode,
        Some("employees") => enterprise::Column::Employees,
        Some("region") => enterprise::Column::RegionPath,
        Some("created") => enterprise::Column::CreatedAt,
        _ => enterprise::Column::Name,
    };
    q = if desc {
        q.order_by_desc(column)
    } else {
        q.order_by_asc(column)
    };
    Ok(q.order_by_asc(enterprise::Column::Id))
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
    let paginator = filtered(core, scope, filter)
        .await?
        .paginate(&core.db, page.per_page());
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page() - 1).await?;
    let (regions, industries) = names(core).await?;
    let items = rows
        .into_iter()
        .map(|e| EnterpriseRow {
            score: e.score,
            label: e.label.clone(),
            summary: summary(e, &regions, &industries),
        })
        .collect();
    Ok(Paged::new(items, page, total))
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
        regions = regions.filter(region::Column::Path.like(subtree_pattern(path)));
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
    #[schema(required = true, value_type = String, pattern = r"^(above|small_micro)$")]
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

/// Checks what does not need the database.
pub(crate) fn check_fields(
    input: &EnterpriseInput,
    errors: &mut FieldErrors,
) -> Option<CreditCode> {
    let code = match CreditCode::parse(&input.credit_code) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.add("credit_code", e.message_key());
            None
        }
    };
    errors.require("name", &input.name, 128);
    errors.require("address", &input.address, 255);
    errors.require("legal_representative", &input.legal_representative, 64);
    errors.require("safety_officer", &input.safety_officer, 64);
    if !valid_phone(&input.safety_phone) {
        errors.add("safety_phone", "enterprise.bad_phone");
    }
    match input.employees {
        Some(n) if (0..=1_000_000).contains(&n) => {}
        _ => errors.add("employees", "enterprise.bad_employees"),
    }
    if !SCALES.contains(&input.scale.as_str()) {
        errors.add("scale", "enterprise.bad_scale");
    }
    code
}

async fn check_references<C: ConnectionTrait>(
    conn: &C,
    input: &EnterpriseInput,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if industry::Entity::find_by_id(input.industry.trim().to_string())
        .one(conn)
        .await?
        .is_none()
    {
        errors.add("industry", "enterprise.unknown_industry");
    }
    let known: BTreeSet<String> = risk_tag::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect();
    if input.risk_tags.iter().any(|t| !known.contains(t)) {
        errors.add("risk_tags", "enterprise.unknown_tag");
    }
    Ok(())
}

pub(crate) async fn set_tags<C: ConnectionTrait>(
    conn: &C,
    enterprise_id: i64,
    tags: &[String],
) -> AppResult<()> {
    enterprise_risk_tag::Entity::delete_many()
        .filter(enterprise_risk_tag::Column::EnterpriseId.eq(enterprise_id))
        .exec(conn)
        .await?;
    let unique: BTreeSet<&String> = tags.iter().collect();
    for tag in unique {
        enterprise_risk_tag::ActiveModel {
            enterprise_id: Set(enterprise_id),
            tag_code: Set(tag.clone()),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
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
async fn checked<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    input: &EnterpriseInput,
    except: Option<i64>,
) -> AppResult<(CreditCode, region::Model)> {
    let mut errors = FieldErrors::default();
    let code = check_fields(input, &mut errors);
    let region = governed_region(
        conn,
        scope,
        &input.region,
        "enterprise.region_outside",
        &mut errors,
    )
    .await?;
    check_references(conn, input, &mut errors).await?;
    if let Some(code) = &code {
        let mut holder =
            enterprise::Entity::find().filter(enterprise::Column::CreditCode.eq(code.as_str()));
        if let Some(id) = except {
            holder = holder.filter(enterprise::Column::Id.ne(id));
        }
        if holder.one(conn).await?.is_some() {
            errors.add("credit_code", "enterprise.credit_code_taken");
        }
    }
    errors.into_result()?;
    let (Some(code), Some(region)) = (code, region) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated input lost its parts"
        )));
    };
    Ok((code, region))
}

/// Writes the registration columns of an enterprise row from checked input: the one place they
/// are set, for registration, edits and the import.
pub(crate) fn fill(
    m: &mut enterprise::ActiveModel,
    input: &EnterpriseInput,
    code: &CreditCode,
    region_id: i64,
    region_path: String,
) {
    m.credit_code = Set(code.as_str().into());
    m.name = Set(input.name.trim().into());
    m.region_id = Set(region_id);
    m.region_path = Set(region_path);
    m.industry_code = Set(input.industry.trim().into());
    m.address = Set(input.address.trim().into());
    m.legal_representative = Set(input.legal_representative.trim().into());
    m.safety_officer = Set(input.safety_officer.trim().into());
    m.safety_phone = Set(input.safety_phone.trim().into());
    m.employees = Set(input.employees.unwrap_or(0) as i32);
    m.scale = Set(input.scale.clone());
}

/// A new, active enterprise row from checked input, created at `now` (not yet inserted).
pub(crate) fn new_row(
    input: &EnterpriseInput,
    code: &CreditCode,
    region_id: i64,
    region_path: String,
    now: chrono::DateTime<chrono::Utc>,
) -> enterprise::ActiveModel {
    let mut m = enterprise::ActiveModel {
        status: Set(crate::domain::enterprise::EnterpriseStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    fill(&mut m, input, code, region_id, region_path);
    m
}

/// Checks `input` as a registration does and inserts the enterprise with its risk tags, inside
/// the caller's transaction (which also records the audit entry). Registration and the seed
/// create enterprises through here; the import checks the same rules row by row and inserts
/// `new_row`s in bulk.
pub(crate) async fn insert_enterprise<C: ConnectionTrait>(
    conn: &C,
    now: chrono::DateTime<chrono::Utc>,
    scope: &Scope,
    input: &EnterpriseInput,
) -> AppResult<enterprise::Model> {
    let (code, region) = checked(conn, scope, input, None).await?;
    let e = new_row(input, &code, region.id, region.path, now)
        .insert(conn)
        .await?;
    set_tags(conn, e.id, &input.risk_tags).await?;
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
    let e = insert_enterprise(&txn, now, &caller.scope, &input).await?;
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
        scale: e.scale,
        risk_tags,
    })
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
    let (code, region) = checked(&txn, &caller.scope, &input, Some(id)).await?;
    let changed = changed_fields(&before, &input);
    let now = core.now();
    let author = Author::of(actor);
    let mut m: enterprise::ActiveModel = existing.clone().into();
    fill(&mut m, &input, &code, region.id, region.path);
    m.updated_at = Set(now);
    let e = m.update(&txn).await?;
    relocation::follow_enterprise(&txn, now, &author, &existing, &e).await?;
    set_tags(&txn, e.id, &input.risk_tags).await?;
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
    let rows = filtered(core, &caller.scope, filter)
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
                crate::services::xlsx::text(if e.scale == "above" {
                    "scale.above"
                } else {
                    "scale.small_micro"
                }),
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

#[cfg(test)]
mod tests {
    use super::valid_phone;

    #[test]
    fn phones_as_written_in_china() {
        for ok in [
            "13786682686",
            "0577-65812345",
            "057765812345",
            "0577 6581234",
        ] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in ["", "1378668268", "23786682686", "0577-abc", "12345"] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }
}
