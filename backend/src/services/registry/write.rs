//! Writes: rows created inside the caller's transaction (registration, the seed), which also holds the audit record.

use super::*;

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::domain::alliance::{AllianceKind, AllianceStatus};
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::region_path::child_path;
use crate::error::{AppError, AppResult};
use crate::models::{
    activity_group, alliance, alliance_membership, enterprise, expert, group_member, industry,
    region, risk_tag,
};
use crate::state::Core;

pub async fn create_region<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    name: &str,
    parent_code: Option<&str>,
) -> AppResult<region::Model> {
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::BadRequest("region.bad_code"));
    }
    let parent = match parent_code {
        Some(p) => Some(region_by_code(conn, p).await?),
        None => None,
    };
    insert_region(conn, code, name, parent.as_ref()).await
}

/// Inserts a region under `parent` (`None` for the city at the root); its level and path follow
/// from the parent. The seed and the regions page create regions through here, each after its
/// own checks.
pub(crate) async fn insert_region<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    name: &str,
    parent: Option<&region::Model>,
) -> AppResult<region::Model> {
    Ok(region::ActiveModel {
        code: Set(code.into()),
        name: Set(name.into()),
        level: Set(parent.map_or(1, |p| p.level + 1)),
        parent_id: Set(parent.map(|p| p.id)),
        path: Set(child_path(parent.map(|p| p.path.as_str()), code)),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

pub async fn create_industry<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    name: &str,
    parent: Option<&str>,
) -> AppResult<()> {
    industry::ActiveModel {
        code: Set(code.into()),
        name: Set(name.into()),
        parent_code: Set(parent.map(str::to_string)),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn create_risk_tag<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    name: &str,
) -> AppResult<()> {
    risk_tag::ActiveModel {
        code: Set(code.into()),
        name: Set(name.into()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn enterprise_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<enterprise::Model> {
    enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(code))
        .one(conn)
        .await?
        .ok_or(AppError::BadRequest("enterprise.unknown"))
}

#[derive(Debug, Clone)]
pub struct NewAlliance {
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub lead_credit_code: Option<String>,
    pub founded_on: NaiveDate,
    pub charter: String,
}

pub async fn create_alliance<C: ConnectionTrait>(
    core: &Core,
    conn: &C,
    new: NewAlliance,
) -> AppResult<alliance::Model> {
    let Some(kind) = AllianceKind::parse(&new.kind) else {
        return Err(AppError::BadRequest("alliance.bad_kind"));
    };
    let r = region_by_code(conn, &new.region_code).await?;
    let lead = match &new.lead_credit_code {
        Some(c) => Some(enterprise_by_code(conn, c).await?.id),
        None => None,
    };
    Ok(alliance::ActiveModel {
        name: Set(new.name),
        kind: Set(kind),
        region_id: Set(r.id),
        region_path: Set(r.path),
        lead_enterprise_id: Set(lead),
        charter: Set(new.charter),
        founded_on: Set(new.founded_on),
        status: Set(AllianceStatus::Active),
        created_at: Set(core.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Records an approved membership with its first history event (the seed's members; the
/// apply/approve flow is `services::membership`).
pub async fn add_approved_member<C: ConnectionTrait>(
    core: &Core,
    conn: &C,
    alliance_id: i64,
    credit_code: &str,
) -> AppResult<i64> {
    let e = enterprise_by_code(conn, credit_code).await?;
    let now = core.now();
    let m = alliance_membership::ActiveModel {
        alliance_id: Set(alliance_id),
        enterprise_id: Set(e.id),
        status: Set(MembershipStatus::Approved),
        applied_at: Set(now),
        decided_at: Set(Some(now)),
        reason: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    crate::services::membership::record_event(conn, &m, None, None, "system", None, now).await?;
    Ok(e.id)
}

pub async fn create_group<C: ConnectionTrait>(
    core: &Core,
    conn: &C,
    alliance_id: i64,
    name: &str,
    leader_code: &str,
    member_codes: &[String],
) -> AppResult<activity_group::Model> {
    let leader = enterprise_by_code(conn, leader_code).await?;
    let g = activity_group::ActiveModel {
        alliance_id: Set(alliance_id),
        name: Set(name.into()),
        leader_enterprise_id: Set(Some(leader.id)),
        created_at: Set(core.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for code in member_codes {
        let e = enterprise_by_code(conn, code).await?;
        group_member::ActiveModel {
            group_id: Set(g.id),
            enterprise_id: Set(e.id),
        }
        .insert(conn)
        .await?;
    }
    Ok(g)
}

pub async fn create_expert<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    organisation: &str,
    region_code: &str,
    specialties: &[String],
    phone: &str,
) -> AppResult<expert::Model> {
    let r = region_by_code(conn, region_code).await?;
    Ok(expert::ActiveModel {
        name: Set(name.into()),
        organisation: Set(organisation.into()),
        region_id: Set(r.id),
        specialties: Set(specialties.join(",")),
        phone: Set(phone.into()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}
