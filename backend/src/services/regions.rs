//! 行政区划 upkeep by the bureau: the officer's subtree as a tree with enterprise counts,
//! adding a child region (GB/T 2260-style code that extends the parent's), and renaming.
//! Codes and paths never change once made (renaming touches the name only); moving and
//! deleting regions are not offered. A region outside the caller's subtree is "not found".

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, LoaderTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::region_path::contains;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, region};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::registry;
use crate::state::Core;

/// A region as the tree and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionNode {
    pub code: String,
    pub name: String,
    /// 1 city, 2 town/street, 3 village/community.
    pub level: i16,
    /// The parent's code (none for a root).
    pub parent_code: Option<String>,
    /// `/330381/330381101/`.
    pub path: String,
    /// Enterprises registered in this region and below.
    pub enterprises: u64,
    /// Whether the caller may add a child under it (codes stop at 12 digits).
    pub can_add_child: bool,
}

/// A new child region as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewRegionInput {
    /// The parent region's code.
    #[serde(default)]
    #[schema(required = true, pattern = r"^[0-9]{2,9}$")]
    pub parent: String,
    /// Digits, starting with the parent's code: a town/street 9 digits under a 6-digit city,
    /// a village/community 12 under a 9-digit town.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
}

/// A region's new name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RenameInput {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
}

/// The code length of a child under a parent code of this length (GB/T 2260 style:
/// province 2, prefecture 4, county/city 6, town/street 9, village/community 12).
pub fn child_code_len(parent_len: usize) -> Option<usize> {
    match parent_len {
        2 => Some(4),
        4 => Some(6),
        6 => Some(9),
        9 => Some(12),
        _ => None,
    }
}

/// What is wrong with `code` as a child of `parent_code`, as a catalog key.
pub fn check_child_code(parent_code: &str, code: &str) -> Result<(), &'static str> {
    if code.is_empty() {
        return Err("form.required");
    }
    if !code.chars().all(|c| c.is_ascii_digit()) {
        return Err("regions.code_digits");
    }
    if !code.starts_with(parent_code) || code.len() <= parent_code.len() {
        return Err("regions.code_prefix");
    }
    match child_code_len(parent_code.len()) {
        None => Err("regions.too_deep"),
        Some(n) if n != code.len() => Err("regions.code_length"),
        Some(_) => Ok(()),
    }
}

/// Whether the scope may maintain regions, and under which path.
fn jurisdiction(scope: &Scope) -> AppResult<Option<&str>> {
    match scope {
        Scope::System => Ok(None),
        Scope::Region { path, .. } => Ok(Some(path)),
        _ => Err(AppError::Forbidden),
    }
}

fn inside(root: Option<&str>, r: &region::Model) -> bool {
    root.is_none_or(|root| contains(root, &r.path))
}

/// The caller's subtree, ordered so that each node follows its parent (by path).
pub async fn tree(core: &Core, scope: &Scope) -> AppResult<Vec<RegionNode>> {
    let root = jurisdiction(scope)?;
    let mut q = region::Entity::find().order_by_asc(region::Column::Path);
    let mut counts_q = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::RegionPath)
        .column_as(enterprise::Column::Id.count(), "n")
        .group_by(enterprise::Column::RegionPath);
    if let Some(root) = root {
        q = q.filter(scope::in_subtree(region::Column::Path, root));
        counts_q = counts_q.filter(scope::in_subtree(enterprise::Column::RegionPath, root));
    }
    let regions = q.all(&core.db).await?;
    let counts: Vec<(String, i64)> = counts_q.into_tuple().all(&core.db).await?;
    let parents = regions
        .load_self(region::Entity, region::Relation::Parent, &core.db)
        .await?;
    Ok(regions
        .into_iter()
        .zip(parents)
        .map(|(r, parent)| RegionNode {
            enterprises: counts
                .iter()
                .filter(|(p, _)| contains(&r.path, p))
                .map(|(_, n)| *n as u64)
                .sum(),
            can_add_child: child_code_len(r.code.len()).is_some(),
            parent_code: parent.map(|p| p.code),
            code: r.code,
            name: r.name,
            level: r.level,
            path: r.path,
        })
        .collect())
}

/// A region inside the caller's subtree, or `NotFound`.
async fn in_scope<C: ConnectionTrait>(
    conn: &C,
    root: Option<&str>,
    code: &str,
) -> AppResult<region::Model> {
    region::Entity::find()
        .filter(region::Column::Code.eq(code.trim()))
        .one(conn)
        .await?
        .filter(|r| inside(root, r))
        .ok_or(AppError::NotFound)
}

async fn sibling_named<C: ConnectionTrait>(
    conn: &C,
    parent_id: Option<i64>,
    name: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let mut q = region::Entity::find().filter(region::Column::Name.eq(name.trim()));
    q = match parent_id {
        Some(p) => q.filter(region::Column::ParentId.eq(p)),
        None => q.filter(region::Column::ParentId.is_null()),
    };
    if let Some(id) = except {
        q = q.filter(region::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}

/// Adds a child region under a node of the caller's subtree.
pub async fn create_child(
    core: &Core,
    actor: &Actor,
    input: NewRegionInput,
) -> AppResult<RegionNode> {
    let caller = &actor.caller;
    let root = jurisdiction(&caller.scope)?;
    let mut errors = FieldErrors::default();
    if input.parent.trim().is_empty() {
        errors.add("parent", "form.required");
    }
    errors.require("name", &input.name, 64);
    let code = input.code.trim().to_string();
    let txn = begin_write(&core.db).await?;
    let parent = if input.parent.trim().is_empty() {
        None
    } else {
        Some(in_scope(&txn, root, &input.parent).await?)
    };
    if let Some(p) = &parent {
        match check_child_code(&p.code, &code) {
            Err(key) => errors.add("code", key),
            Ok(()) => {
                if region::Entity::find()
                    .filter(region::Column::Code.eq(&code))
                    .one(&txn)
                    .await?
                    .is_some()
                {
                    errors.add("code", "regions.code_taken");
                }
            }
        }
        if !input.name.trim().is_empty()
            && sibling_named(&txn, Some(p.id), &input.name, None).await?
        {
            errors.add("name", "regions.name_taken");
        }
    }
    errors.into_result()?;
    let Some(parent) = parent else {
        return Err(AppError::internal(anyhow::anyhow!("validated parent lost")));
    };
    let r = registry::insert_region(&txn, &code, input.name.trim(), Some(&parent)).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "region.create",
        Some(("region", r.code.clone())),
        Outcome::Success,
        Some(format!("{} {} under {}", r.code, r.name, parent.code)),
    )
    .await?;
    txn.commit().await?;
    Ok(RegionNode {
        code: r.code,
        name: r.name,
        level: r.level,
        parent_code: Some(parent.code),
        path: r.path,
        enterprises: 0,
        can_add_child: child_code_len(code.len()).is_some(),
    })
}

/// Renames a region of the caller's subtree (its code and path stay).
pub async fn rename(
    core: &Core,
    actor: &Actor,
    code: &str,
    input: RenameInput,
) -> AppResult<region::Model> {
    let caller = &actor.caller;
    let root = jurisdiction(&caller.scope)?;
    let txn = begin_write(&core.db).await?;
    let r = in_scope(&txn, root, code).await?;
    let mut errors = FieldErrors::default();
    errors.require("name", &input.name, 64);
    if errors.is_empty() && sibling_named(&txn, r.parent_id, &input.name, Some(r.id)).await? {
        errors.add("name", "regions.name_taken");
    }
    errors.into_result()?;
    let before = r.name.clone();
    let mut m: region::ActiveModel = r.into();
    m.name = Set(input.name.trim().to_string());
    let r = m.update(&txn).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::of(actor),
        "region.rename",
        Some(("region", r.code.clone())),
        Outcome::Success,
        Some(format!("{before} → {}", r.name)),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::check_child_code;

    #[test]
    fn child_codes_extend_the_parents_code() {
        assert_eq!(check_child_code("330381", "330381106"), Ok(()));
        assert_eq!(check_child_code("330381101", "330381101299"), Ok(()));
        assert_eq!(check_child_code("330381", ""), Err("form.required"));
        assert_eq!(
            check_child_code("330381", "33038110a"),
            Err("regions.code_digits")
        );
        assert_eq!(
            check_child_code("330381", "330382106"),
            Err("regions.code_prefix")
        );
        assert_eq!(
            check_child_code("330381", "330381"),
            Err("regions.code_prefix")
        );
        assert_eq!(
            check_child_code("330381", "3303811061"),
            Err("regions.code_length")
        );
        assert_eq!(
            check_child_code("330381101201", "330381101201001"),
            Err("regions.too_deep")
        );
    }
}
