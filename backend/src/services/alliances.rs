//! The bureau's alliance register (互助联盟): filtered and sorted lists with member and group
//! counts, registration (the lead enterprise becomes the first approved member in the same
//! transaction) and editing with field-by-field validation, the alliance page, and the xlsx
//! export of exactly what a list shows. Every read goes through `scope::alliances`; the
//! committee accounts of an alliance are `services::committee`.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, LoaderTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::credit_code::CreditCode;
use crate::domain::enterprise::EnterpriseStatus;
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::region_path::{contains, subtree_pattern};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{activity_group, alliance, alliance_membership, enterprise, region};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::committee::{self, CommitteeAccount};
use crate::services::enterprises::{Choice, EXPORT_LIMIT};
use crate::services::registry::{
    ALLIANCE_KINDS, EnterpriseSummary, GroupView, governed_region, names, summary,
};
use crate::services::{PageParams, Paged, given};
use crate::state::Core;

/// An alliance's status: `active` or `dissolved` (撤销).
pub const STATUSES: [&str; 2] = ["active", "dissolved"];

/// What a list of alliances can be narrowed and ordered by (pages, API and export alike).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct AllianceFilter {
    /// Name contains.
    pub q: Option<String>,
    /// `industry`, `regional`, `park` or `village`.
    pub kind: Option<String>,
    /// Region code: alliances registered in the region and everything under it.
    pub region: Option<String>,
    /// `active` or `dissolved`.
    pub status: Option<String>,
    /// `name` (default), `founded`, `region`, `kind`, `created`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
}

/// An alliance as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllianceSummary {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    /// The region as users say it (town and village).
    pub region_name: String,
    pub lead_enterprise_id: Option<i64>,
    pub lead_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub founded_on: NaiveDate,
    pub status: String,
    /// Approved members.
    pub member_count: u64,
    pub group_count: u64,
}

/// The alliance page: profile, committee accounts, members, groups.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllianceDetail {
    #[serde(flatten)]
    pub summary: AllianceSummary,
    pub charter: String,
    pub committee: Vec<CommitteeAccount>,
    pub members: Vec<EnterpriseSummary>,
    pub groups: Vec<GroupView>,
}

/// The scoped, filtered and ordered query behind lists and exports.
async fn filtered(
    core: &Core,
    scope: &Scope,
    f: &AllianceFilter,
) -> AppResult<Select<alliance::Entity>> {
    let mut q = alliance::Entity::find().filter(scope::alliances(scope));
    if let Some(t) = given(&f.q) {
        q = q.filter(alliance::Column::Name.contains(t));
    }
    if let Some(kind) = given(&f.kind) {
        q = q.filter(alliance::Column::Kind.eq(kind));
    }
    if let Some(status) = given(&f.status) {
        q = q.filter(alliance::Column::Status.eq(status));
    }
    if let Some(code) = given(&f.region) {
        let path = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(&core.db)
            .await?
            .map(|r| r.path)
            .unwrap_or_else(|| "/none/".into());
        q = q.filter(alliance::Column::RegionPath.like(subtree_pattern(&path)));
    }
    let column = match f.sort.as_deref() {
        Some("founded") => alliance::Column::FoundedOn,
        Some("region") => alliance::Column::RegionPath,
        Some("kind") => alliance::Column::Kind,
        Some("created") => alliance::Column::CreatedAt,
        _ => alliance::Column::Name,
    };
    q = if f.dir.as_deref() == Some("desc") {
        q.order_by_desc(column)
    } else {
        q.order_by_asc(column)
    };
    Ok(q.order_by_asc(alliance::Column::Id))
}

/// Number of rows per alliance of `column` (approved members, groups), for these alliances.
async fn counts<E, C>(
    core: &Core,
    ids: &[i64],
    alliance_col: C,
    extra: Condition,
) -> AppResult<HashMap<i64, u64>>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = E::find()
            .select_only()
            .column(alliance_col)
            .column_as(alliance_col.count(), "n")
            .filter(alliance_col.is_in(chunk.to_vec()))
            .filter(extra.clone())
            .group_by(alliance_col)
            .into_tuple()
            .all(&core.db)
            .await?;
        out.extend(rows.into_iter().map(|(id, n)| (id, n.max(0) as u64)));
    }
    Ok(out)
}

/// Alliance rows as list items: region and lead names, member and group counts.
async fn summaries(core: &Core, rows: Vec<alliance::Model>) -> AppResult<Vec<AllianceSummary>> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let members = counts::<alliance_membership::Entity, _>(
        core,
        &ids,
        alliance_membership::Column::AllianceId,
        Condition::all().add(alliance_membership::Column::Status.eq(MembershipStatus::Approved)),
    )
    .await?;
    let groups = counts::<activity_group::Entity, _>(
        core,
        &ids,
        activity_group::Column::AllianceId,
        Condition::all(),
    )
    .await?;
    let leads = rows.load_one(enterprise::Entity, &core.db).await?;
    let regions = rows.load_one(region::Entity, &core.db).await?;
    let (region_names, _) = names(core).await?;
    Ok(rows
        .into_iter()
        .zip(leads.into_iter().zip(regions))
        .map(|(a, (lead, region))| AllianceSummary {
            id: a.id,
            kind: a.kind,
            region_code: region.map(|r| r.code).unwrap_or_default(),
            region_name: region_names.get(&a.region_id).cloned().unwrap_or_default(),
            lead_enterprise_id: a.lead_enterprise_id,
            lead_name: lead.map(|e| e.name),
            founded_on: a.founded_on,
            status: a.status,
            member_count: members.get(&a.id).copied().unwrap_or(0),
            group_count: groups.get(&a.id).copied().unwrap_or(0),
            name: a.name,
        })
        .collect())
}

pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &AllianceFilter,
    page: PageParams,
) -> AppResult<Paged<AllianceSummary>> {
    let paginator = filtered(core, scope, filter)
        .await?
        .paginate(&core.db, page.per_page());
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page() - 1).await?;
    Ok(Paged::new(summaries(core, rows).await?, page, total))
}

/// One alliance the scope may see (404 otherwise).
pub(crate) async fn scoped<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    id: i64,
) -> AppResult<alliance::Model> {
    alliance::Entity::find_by_id(id)
        .filter(scope::alliances(scope))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The alliance page: its profile, committee accounts, approved members and groups.
pub async fn detail(core: &Core, scope: &Scope, id: i64) -> AppResult<AllianceDetail> {
    let a = scoped(&core.db, scope, id).await?;
    let charter = a.charter.clone();
    let by_id = HashMap::from([(a.id, a.clone())]);
    let member_ids: Vec<i64> = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(a.id))
        .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    let (regions, industries) = names(core).await?;
    let members = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(member_ids))
        .order_by_asc(enterprise::Column::Name)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|e| summary(e, &regions, &industries))
        .collect();
    let groups = crate::services::registry::group_views(
        core,
        Condition::all().add(activity_group::Column::AllianceId.eq(a.id)),
        &by_id,
    )
    .await?;
    let committee = committee::accounts(core, a.id).await?;
    let summary = summaries(core, vec![a])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(AllianceDetail {
        summary,
        charter,
        committee,
        members,
        groups,
    })
}

/// Enterprises the form offers as lead (龙头企业): those in the caller's scope, by name.
pub async fn lead_choices(core: &Core, scope: &Scope) -> AppResult<Vec<Choice>> {
    Ok(enterprise::Entity::find()
        .filter(scope::enterprises(scope))
        .filter(enterprise::Column::Status.eq(EnterpriseStatus::Active))
        .order_by_asc(enterprise::Column::Name)
        .limit(1000)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|e| Choice {
            value: e.credit_code,
            label: e.name,
        })
        .collect())
}

/// An alliance's registration data as entered (form or JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AllianceInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    /// `industry` 行业型, `regional` 区域型, `park` 园区型 or `village` 村居型.
    #[serde(default)]
    #[schema(required = true, pattern = r"^(industry|regional|park|village)$")]
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
    pub status: String,
}

/// Checks what does not need the database; returns the founding date when it is good.
fn check_fields(core: &Core, input: &AllianceInput, errors: &mut FieldErrors) -> Option<NaiveDate> {
    errors.require("name", &input.name, 128);
    if !ALLIANCE_KINDS.contains(&input.kind.trim()) {
        errors.add("kind", "alliances.bad_kind");
    }
    errors.require("charter", &input.charter, 20_000);
    let status = input.status.trim();
    if !status.is_empty() && !STATUSES.contains(&status) {
        errors.add("status", "alliances.bad_status");
    }
    match NaiveDate::parse_from_str(input.founded_on.trim(), "%Y-%m-%d") {
        Err(_) => {
            errors.add("founded_on", "alliances.bad_date");
            None
        }
        Ok(d) if d > core.today() => {
            errors.add("founded_on", "alliances.future_date");
            None
        }
        Ok(d) => Some(d),
    }
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

fn status_of(input: &AllianceInput) -> String {
    match input.status.trim() {
        "" => "active".into(),
        s => s.into(),
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
    let mut errors = FieldErrors::default();
    let founded = check_fields(core, &input, &mut errors);
    let txn = begin_write(&core.db).await?;
    let region = region_in_scope(&txn, &caller.scope, &input.region, &mut errors).await?;
    let lead = lead_in_region(
        &txn,
        &caller.scope,
        &input.lead,
        region.as_ref(),
        &mut errors,
    )
    .await?;
    if !input.name.trim().is_empty() && name_taken(&txn, &input.name, None).await? {
        errors.add("name", "alliances.name_taken");
    }
    errors.into_result()?;
    let (Some(founded), Some(region), Some(lead)) = (founded, region, lead) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated input lost its parts"
        )));
    };
    let now = core.now();
    // Stored text is written in the default language.
    let lead_reason = crate::i18n::t(crate::i18n::Lang::ZhCn, "membership.lead_reason");
    let a = alliance::ActiveModel {
        name: Set(input.name.trim().into()),
        kind: Set(input.kind.trim().into()),
        region_id: Set(region.id),
        region_path: Set(region.path),
        lead_enterprise_id: Set(Some(lead.id)),
        charter: Set(input.charter.trim().into()),
        founded_on: Set(founded),
        status: Set(status_of(&input)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let m = alliance_membership::ActiveModel {
        alliance_id: Set(a.id),
        enterprise_id: Set(lead.id),
        status: Set(MembershipStatus::Approved),
        applied_at: Set(now),
        decided_at: Set(Some(now)),
        reason: Set(Some(lead_reason.clone())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::services::membership::record_event(
        &txn,
        &m,
        None,
        Some(caller.user_id),
        &caller.display_name,
        Some(lead_reason),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "alliance.create",
        Some(("alliance", a.id.to_string())),
        Outcome::Success,
        Some(format!("{}; lead {}", a.name, lead.credit_code)),
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}

/// The registration data of an alliance the caller may see, as the edit form shows it.
pub async fn input_of(core: &Core, scope: &Scope, id: i64) -> AppResult<AllianceInput> {
    let a = scoped(&core.db, scope, id).await?;
    let region = region::Entity::find_by_id(a.region_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let lead = match a.lead_enterprise_id {
        Some(id) => enterprise::Entity::find_by_id(id)
            .one(&core.db)
            .await?
            .map(|e| e.credit_code),
        None => None,
    };
    Ok(AllianceInput {
        name: a.name,
        kind: a.kind,
        region: region.code,
        lead: lead.unwrap_or_default(),
        charter: a.charter,
        founded_on: a.founded_on.format("%Y-%m-%d").to_string(),
        status: a.status,
    })
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
    let founded = check_fields(core, &input, &mut errors);
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
    let (Some(founded), Some(region), Some(lead)) = (founded, region, lead) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated input lost its parts"
        )));
    };
    let after = AllianceInput {
        name: input.name.trim().into(),
        kind: input.kind.trim().into(),
        region: region.code.clone(),
        lead: lead.credit_code.clone(),
        charter: input.charter.trim().into(),
        founded_on: founded.format("%Y-%m-%d").to_string(),
        status: status_of(&input),
    };
    let changed = changed_fields(&before, &after);
    let mut m: alliance::ActiveModel = existing.into();
    m.name = Set(after.name.clone());
    m.kind = Set(after.kind.clone());
    m.region_id = Set(region.id);
    m.region_path = Set(region.path);
    m.lead_enterprise_id = Set(Some(lead.id));
    m.charter = Set(after.charter.clone());
    m.founded_on = Set(founded);
    m.status = Set(after.status.clone());
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

fn kind_label(kind: &str) -> String {
    match kind {
        "industry" | "regional" | "park" | "village" => {
            crate::services::xlsx::text(&format!("alliance_kind.{kind}"))
        }
        _ => String::new(),
    }
}

/// The list as a spreadsheet: every row the filter selects (not just one page), Chinese
/// headers, audited as an export.
pub async fn export_xlsx(
    core: &Core,
    actor: &Actor,
    filter: &AllianceFilter,
) -> AppResult<Vec<u8>> {
    let caller = &actor.caller;
    let rows = filtered(core, &caller.scope, filter)
        .await?
        .limit(EXPORT_LIMIT)
        .all(&core.db)
        .await?;
    let rows = summaries(core, rows).await?;
    let columns = [
        "name",
        "kind",
        "region",
        "lead",
        "founded_on",
        "status",
        "members",
        "groups",
    ];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                kind_label(&a.kind),
                a.region_name.clone(),
                a.lead_name.clone().unwrap_or_default(),
                a.founded_on.format("%Y-%m-%d").to_string(),
                crate::services::xlsx::text(if a.status == "active" {
                    "alliances.status_active"
                } else {
                    "alliances.status_dissolved"
                }),
                a.member_count.to_string(),
                a.group_count.to_string(),
            ]
        })
        .collect();
    let bytes = crate::services::xlsx::catalog_workbook(
        "export.alliances",
        &columns,
        &[],
        &table,
        &[6, 7],
    )?;
    let txn = begin_write(&core.db).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "export.alliances",
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
