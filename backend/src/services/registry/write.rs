//! Writes: rows created inside the caller's transaction (registration, the seed), which
//! also holds the audit record.
//! Alliances, memberships and groups are created by their own services (`alliances`,
//! `membership`, `groups`), the seed included.

use super::*;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::domain::region_path::child_path;
use crate::error::{AppError, AppResult};
use crate::models::{enterprise, region};

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

/// The enterprise with this credit code (`enterprise.unknown` when there is none).
pub(crate) async fn enterprise_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<enterprise::Model> {
    enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(code))
        .one(conn)
        .await?
        .ok_or(AppError::BadRequest("enterprise.unknown"))
}
