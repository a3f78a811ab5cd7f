//! Reading the pool: the search (specialty, region subtree, words in the name or the
//! organisation, active; paged, by name), one expert, and the candidates another service
//! picks from (`active_in_reach`). Every read of a caller goes through `scope::experts`.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::expert::Specialty;
use crate::domain::region_path::{path_and_ancestors, subtree_pattern};
use crate::error::AppResult;
use crate::models::{expert, expert_specialty};

/// The specialties of `experts`, in the order of the codes, by expert id.
pub(crate) async fn specialties_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> AppResult<BTreeMap<i64, Vec<Specialty>>> {
    let mut out: BTreeMap<i64, Vec<Specialty>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = expert_specialty::Entity::find()
        .filter(expert_specialty::Column::ExpertId.is_in(ids.iter().copied()))
        .order_by_asc(expert_specialty::Column::ExpertId)
        .order_by_asc(expert_specialty::Column::Specialty)
        .all(conn)
        .await?;
    for r in rows {
        out.entry(r.expert_id).or_default().push(r.specialty);
    }
    Ok(out)
}

/// The active experts whose region is on `region_path` (its region and those above) or inside
/// its subtree, by name, each with its specialties: the candidates for a service request in
/// that region. Not scoped to a caller: the requesting service decides who asks.
pub async fn active_in_reach<C: ConnectionTrait>(
    conn: &C,
    region_path: &str,
) -> AppResult<Vec<(expert::Model, Vec<Specialty>)>> {
    use expert::Column as X;
    let rows = expert::Entity::find()
        .filter(X::Active.eq(true))
        .filter(
            Condition::any()
                .add(X::RegionPath.is_in(path_and_ancestors(region_path)))
                .add(X::RegionPath.like(subtree_pattern(region_path))),
        )
        .order_by_asc(X::Name)
        .order_by_asc(X::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let mut specialties = specialties_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|e| {
            let s = specialties.remove(&e.id).unwrap_or_default();
            (e, s)
        })
        .collect())
}
