//! Reads: scoped lists, pages and exports (every query through `crate::scope`).

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, LoaderTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;

use crate::domain::expert::Specialty;
use crate::domain::membership::Status as MembershipStatus;
use crate::error::{AppError, AppResult};
use crate::models::{
    activity_group, alliance, alliance_membership, enterprise, enterprise_risk_tag, expert,
    expert_specialty, group_member, industry, region, risk_tag,
};
use crate::scope::{self, Scope};
use crate::state::Core;

pub(crate) async fn region_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<region::Model> {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or(AppError::BadRequest("region.unknown"))
}

/// A region the caller governs (for registering what lies in it): known, and inside its
/// jurisdiction. Problems go into `errors` under `region`; `outside` names the message for a
/// region outside the jurisdiction.
pub(crate) async fn governed_region<C: ConnectionTrait>(
    conn: &C,
    scope: &crate::scope::Scope,
    code: &str,
    outside: &'static str,
    errors: &mut crate::error::FieldErrors,
) -> AppResult<Option<region::Model>> {
    let Some(r) = region::Entity::find()
        .filter(region::Column::Code.eq(code.trim()))
        .one(conn)
        .await?
    else {
        errors.add("region", "region.unknown");
        return Ok(None);
    };
    if !crate::scope::governs_region(scope, &r.path) {
        errors.add("region", outside);
        return Ok(None);
    }
    Ok(Some(r))
}

/// An enterprise as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseSummary {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub region_name: String,
    pub industry_name: String,
    pub scale: crate::domain::enterprise::EnterpriseScale,
    pub employees: i32,
    pub safety_officer: String,
    pub safety_phone: String,
}

/// Region names as users say them (town and village, without the city: "塘下镇 韩田村"), and
/// industry names, by id/code.
pub(crate) async fn names(
    core: &Core,
) -> AppResult<(HashMap<i64, String>, HashMap<String, String>)> {
    let all = region::Entity::find().all(&core.db).await?;
    let by_code: HashMap<&str, &region::Model> = all.iter().map(|r| (r.code.as_str(), r)).collect();
    let regions = all
        .iter()
        .map(|r| {
            let full: Vec<&str> = r
                .path
                .split('/')
                .filter_map(|code| by_code.get(code))
                .filter(|a| a.level > 1 || a.id == r.id)
                .map(|a| a.name.as_str())
                .collect();
            (r.id, full.join(" "))
        })
        .collect();
    let industries = industry::Entity::find()
        .all(&core.db)
        .await?
        .into_iter()
        .map(|i| (i.code, i.name))
        .collect();
    Ok((regions, industries))
}

/// Enterprise names by id, for rows that point at enterprises through more than one foreign key
/// (the inspected and the inspecting side, a group's members and its leader): one query for all
/// of them, where a loader would issue one per relation.
pub(crate) async fn enterprise_names<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    Ok(enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect())
}

/// Each group's members (in the order stored) and the names of all members and leaders.
pub(crate) async fn group_members<C: ConnectionTrait>(
    db: &C,
    groups: &[activity_group::Model],
) -> AppResult<(Vec<Vec<group_member::Model>>, HashMap<i64, String>)> {
    let members = groups
        .load_many(
            group_member::Entity::find().order_by_asc(group_member::Column::EnterpriseId),
            db,
        )
        .await?;
    let names = enterprise_names(
        db,
        members
            .iter()
            .flatten()
            .map(|m| m.enterprise_id)
            .chain(groups.iter().filter_map(|g| g.leader_enterprise_id)),
    )
    .await?;
    Ok((members, names))
}

pub(crate) fn summary(
    e: enterprise::Model,
    regions: &HashMap<i64, String>,
    industries: &HashMap<String, String>,
) -> EnterpriseSummary {
    EnterpriseSummary {
        id: e.id,
        region_name: regions.get(&e.region_id).cloned().unwrap_or_default(),
        industry_name: industries
            .get(&e.industry_code)
            .cloned()
            .unwrap_or_default(),
        credit_code: e.credit_code,
        name: e.name,
        scale: e.scale,
        employees: e.employees,
        safety_officer: e.safety_officer,
        safety_phone: e.safety_phone,
    }
}

/// The 一企一档 file as far as the registry knows it: profile, alliances and groups. The page adds
/// the inspection, hazard and expert-service sections (`web::pages::inspections::file_sections`)
/// and the label with its history (`services::labels::file_section`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseFile {
    #[serde(flatten)]
    pub summary: EnterpriseSummary,
    pub address: String,
    pub legal_representative: String,
    #[schema(value_type = String)]
    pub status: crate::domain::enterprise::EnterpriseStatus,
    pub risk_tags: Vec<String>,
    pub alliances: Vec<MembershipView>,
    pub groups: Vec<GroupView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MembershipView {
    pub alliance_id: i64,
    pub alliance_name: String,
    pub kind: crate::domain::alliance::AllianceKind,
    #[schema(value_type = String)]
    pub status: MembershipStatus,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    pub alliance_name: String,
    pub leader: Option<String>,
    pub members: Vec<String>,
}

/// One enterprise, if the scope may see it; otherwise `NotFound`.
pub async fn enterprise_file(core: &Core, scope: &Scope, id: i64) -> AppResult<EnterpriseFile> {
    let e = enterprise::Entity::find_by_id(id)
        .filter(scope::enterprises(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let tags: Vec<String> = {
        let codes: Vec<String> = enterprise_risk_tag::Entity::find()
            .filter(enterprise_risk_tag::Column::EnterpriseId.eq(e.id))
            .all(&core.db)
            .await?
            .into_iter()
            .map(|t| t.tag_code)
            .collect();
        risk_tag::Entity::find()
            .filter(risk_tag::Column::Code.is_in(codes))
            .order_by_asc(risk_tag::Column::Code)
            .all(&core.db)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    // Only the memberships the caller's membership rule allows (a committee: its alliance's),
    // and only the groups of those alliances: not the enterprise's other alliances, their
    // groups and their members.
    let memberships = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::EnterpriseId.eq(e.id))
        .filter(scope::memberships(scope))
        .order_by_asc(alliance_membership::Column::Id)
        .all(&core.db)
        .await?;
    let alliance_ids: Vec<i64> = memberships.iter().map(|m| m.alliance_id).collect();
    let alliances: HashMap<i64, alliance::Model> = alliance::Entity::find()
        .filter(alliance::Column::Id.is_in(alliance_ids))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let alliance_views = memberships
        .iter()
        .filter_map(|m| {
            alliances.get(&m.alliance_id).map(|a| MembershipView {
                alliance_id: a.id,
                alliance_name: a.name.clone(),
                kind: a.kind,
                status: m.status,
            })
        })
        .collect();
    let group_ids: Vec<i64> = group_member::Entity::find()
        .filter(group_member::Column::EnterpriseId.eq(e.id))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|g| g.group_id)
        .collect();
    let groups = group_views(
        core,
        Condition::all()
            .add(activity_group::Column::Id.is_in(group_ids))
            .add(activity_group::Column::AllianceId.is_in(alliances.keys().copied())),
        &alliances,
    )
    .await?;
    let address = e.address.clone();
    let legal = e.legal_representative.clone();
    let status = e.status;
    let (regions, industries) = names(core).await?;
    Ok(EnterpriseFile {
        summary: summary(e, &regions, &industries),
        address,
        legal_representative: legal,
        status,
        risk_tags: tags,
        alliances: alliance_views,
        groups,
    })
}

pub(crate) async fn group_views(
    core: &Core,
    which: Condition,
    alliances: &HashMap<i64, alliance::Model>,
) -> AppResult<Vec<GroupView>> {
    let groups = activity_group::Entity::find()
        .filter(which)
        .order_by_asc(activity_group::Column::Id)
        .all(&core.db)
        .await?;
    let (members, names) = group_members(&core.db, &groups).await?;
    Ok(groups
        .into_iter()
        .zip(members)
        .map(|(g, members)| GroupView {
            id: g.id,
            alliance_name: alliances
                .get(&g.alliance_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            leader: g
                .leader_enterprise_id
                .and_then(|id| names.get(&id).cloned()),
            members: members
                .iter()
                .filter_map(|m| names.get(&m.enterprise_id).cloned())
                .collect(),
            name: g.name,
        })
        .collect())
}

/// The committee's view of its alliance: profile, members, groups.
#[derive(Debug, Clone, Serialize)]
pub struct AllianceOverview {
    pub alliance: alliance::Model,
    pub region_name: String,
    pub lead_name: Option<String>,
    pub members: Vec<EnterpriseSummary>,
    pub groups: Vec<GroupView>,
}

/// The alliances the scope may see, each with its members and groups.
pub async fn alliance_overviews(core: &Core, scope: &Scope) -> AppResult<Vec<AllianceOverview>> {
    let alliances = alliance::Entity::find()
        .filter(scope::alliances(scope))
        .order_by_asc(alliance::Column::Id)
        .all(&core.db)
        .await?;
    let by_id: HashMap<i64, alliance::Model> =
        alliances.iter().map(|a| (a.id, a.clone())).collect();
    let (regions, industries) = names(core).await?;
    let mut out = Vec::with_capacity(alliances.len());
    for a in alliances {
        let member_ids: Vec<i64> = alliance_membership::Entity::find()
            .filter(alliance_membership::Column::AllianceId.eq(a.id))
            .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
            .all(&core.db)
            .await?
            .into_iter()
            .map(|m| m.enterprise_id)
            .collect();
        let members: Vec<EnterpriseSummary> = enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(member_ids))
            .order_by_asc(enterprise::Column::Name)
            .all(&core.db)
            .await?
            .into_iter()
            .map(|e| summary(e, &regions, &industries))
            .collect();
        let groups = group_views(
            core,
            Condition::all().add(activity_group::Column::AllianceId.eq(a.id)),
            &by_id,
        )
        .await?;
        let lead_name = a
            .lead_enterprise_id
            .and_then(|id| members.iter().find(|m| m.id == id).map(|m| m.name.clone()));
        out.push(AllianceOverview {
            region_name: regions.get(&a.region_id).cloned().unwrap_or_default(),
            lead_name,
            members,
            groups,
            alliance: a,
        });
    }
    Ok(out)
}

/// The expert profile behind an expert scope.
pub async fn expert_profile(
    core: &Core,
    scope: &Scope,
) -> AppResult<(expert::Model, Vec<Specialty>)> {
    let Scope::Expert { expert_id } = scope else {
        return Err(AppError::NotFound);
    };
    let profile = expert::Entity::find_by_id(*expert_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut specialties: Vec<Specialty> = expert_specialty::Entity::find()
        .filter(expert_specialty::Column::ExpertId.eq(profile.id))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|s| s.specialty)
        .collect();
    specialties.sort_by_key(|s| Specialty::ALL.iter().position(|x| x == s));
    Ok((profile, specialties))
}

/// Number of enterprises the scope may see.
pub async fn count_enterprises(core: &Core, scope: &Scope) -> AppResult<u64> {
    Ok(enterprise::Entity::find()
        .filter(scope::enterprises(scope))
        .count(&core.db)
        .await?)
}
