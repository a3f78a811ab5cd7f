//! 活动小组: the committee groups its alliance's approved members so they inspect each other.
//!
//! Rules: only approved members of the alliance are added; a member is in at most one group of
//! an alliance; the leader (组长单位) is a member of the group. Each write is one transaction
//! with its audit record; the member's membership row is locked while it is placed, so two
//! concurrent placements (or a placement and its leaving) cannot both win.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, LoaderTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, Query},
};
use serde::Serialize;

use crate::db::begin_write;
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{activity_group, alliance, alliance_membership, enterprise, group_member};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::registry;
use crate::state::Core;

/// Longest group name (characters; the column holds 64).
pub const MAX_NAME: usize = 64;

/// An enterprise as a group shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupMember {
    pub enterprise_id: i64,
    pub name: String,
}

/// An activity group with its leader and members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupItem {
    pub id: i64,
    pub alliance_id: i64,
    pub alliance_name: String,
    pub name: String,
    pub leader: Option<GroupMember>,
    pub members: Vec<GroupMember>,
}

/// The alliance whose groups the caller manages: committee members only.
fn managed_alliance(caller: &Caller) -> AppResult<i64> {
    match (&caller.scope, caller.role) {
        (Scope::Alliance { alliance_id, .. }, Role::Committee) => Ok(*alliance_id),
        _ => Err(AppError::Forbidden),
    }
}

/// A group of the caller's alliance (`NotFound` for anyone else's).
async fn managed_group(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: i64,
) -> AppResult<activity_group::Model> {
    managed_alliance(caller)?;
    activity_group::Entity::find_by_id(id)
        .filter(scope::activity_groups(&caller.scope))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

fn clean_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("groups.name_required"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(AppError::BadRequest("groups.name_too_long"));
    }
    Ok(name.to_string())
}

async fn ensure_name_free<C: ConnectionTrait>(
    txn: &C,
    alliance_id: i64,
    name: &str,
    except: Option<i64>,
) -> AppResult<()> {
    let mut q = activity_group::Entity::find()
        .filter(activity_group::Column::AllianceId.eq(alliance_id))
        .filter(activity_group::Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(activity_group::Column::Id.ne(id));
    }
    if q.one(txn).await?.is_some() {
        return Err(AppError::Conflict("groups.name_taken"));
    }
    Ok(())
}

async fn audit_group<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    author: &Author,
    action: &str,
    group_id: i64,
    detail: String,
) -> AppResult<()> {
    audit::record(
        txn,
        core.now(),
        author,
        action,
        Some(("activity_group", group_id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await
}

/// Creates an empty group in the caller's alliance.
pub async fn create(core: &Core, actor: &Actor, name: &str) -> AppResult<activity_group::Model> {
    let caller = &actor.caller;
    let alliance_id = managed_alliance(caller)?;
    let txn = begin_write(&core.db).await?;
    let g = create_in(core, &txn, &Author::of(actor), alliance_id, name).await?;
    txn.commit().await?;
    Ok(g)
}

/// Creates an empty group in alliance `alliance_id` inside the caller's transaction: the name
/// checked and free in the alliance, the row, the audit record. `create` (the committee) and
/// the seed (the system) come through here.
pub async fn create_in<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    author: &Author,
    alliance_id: i64,
    name: &str,
) -> AppResult<activity_group::Model> {
    let name = clean_name(name)?;
    ensure_name_free(txn, alliance_id, &name, None).await?;
    let g = activity_group::ActiveModel {
        alliance_id: Set(alliance_id),
        name: Set(name.clone()),
        leader_enterprise_id: Set(None),
        created_at: Set(core.now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit_group(core, txn, author, "group.create", g.id, name).await?;
    Ok(g)
}

/// Renames a group of the caller's alliance.
pub async fn rename(core: &Core, actor: &Actor, id: i64, name: &str) -> AppResult<()> {
    let caller = &actor.caller;
    let name = clean_name(name)?;
    let txn = begin_write(&core.db).await?;
    let g = managed_group(&txn, caller, id).await?;
    ensure_name_free(&txn, g.alliance_id, &name, Some(g.id)).await?;
    let detail = format!("{} → {name}", g.name);
    let mut m: activity_group::ActiveModel = g.into();
    m.name = Set(name);
    m.update(&txn).await?;
    audit_group(core, &txn, &Author::of(actor), "group.rename", id, detail).await?;
    txn.commit().await?;
    Ok(())
}

/// Adds an approved member of the alliance that is in none of its groups yet.
pub async fn add_member(core: &Core, actor: &Actor, id: i64, enterprise_id: i64) -> AppResult<()> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let g = managed_group(&txn, caller, id).await?;
    add_member_in(core, &txn, &Author::of(actor), &g, enterprise_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Places `enterprise_id` in group `g` inside the caller's transaction: an approved member of
/// the group's alliance (its membership locked meanwhile), in none of the alliance's groups
/// yet; the row and the audit record. `add_member` and the seed come through here.
pub async fn add_member_in<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    author: &Author,
    g: &activity_group::Model,
    enterprise_id: i64,
) -> AppResult<()> {
    let approved = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(g.alliance_id))
        .filter(alliance_membership::Column::EnterpriseId.eq(enterprise_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .is_some_and(|m| m.status == MembershipStatus::Approved);
    if !approved {
        return Err(AppError::BadRequest("groups.not_member"));
    }
    let groups_of_alliance = Query::select()
        .column(activity_group::Column::Id)
        .from(activity_group::Entity)
        .and_where(activity_group::Column::AllianceId.eq(g.alliance_id))
        .to_owned();
    let placed = group_member::Entity::find()
        .filter(group_member::Column::EnterpriseId.eq(enterprise_id))
        .filter(group_member::Column::GroupId.in_subquery(groups_of_alliance))
        .one(txn)
        .await?;
    if placed.is_some() {
        return Err(AppError::Conflict("groups.already_grouped"));
    }
    group_member::ActiveModel {
        group_id: Set(g.id),
        enterprise_id: Set(enterprise_id),
    }
    .insert(txn)
    .await?;
    audit_group(
        core,
        txn,
        author,
        "group.member_add",
        g.id,
        format!("enterprise {enterprise_id}"),
    )
    .await
}

/// Takes an enterprise out of a group (and from leading it).
pub async fn remove_member(
    core: &Core,
    actor: &Actor,
    id: i64,
    enterprise_id: i64,
) -> AppResult<()> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let g = managed_group(&txn, caller, id).await?;
    let removed = group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(g.id))
        .filter(group_member::Column::EnterpriseId.eq(enterprise_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::Conflict("groups.not_in_group"));
    }
    let was_leader = g.leader_enterprise_id == Some(enterprise_id);
    if was_leader {
        activity_group::Entity::update_many()
            .col_expr(
                activity_group::Column::LeaderEnterpriseId,
                Expr::value(Option::<i64>::None),
            )
            .filter(activity_group::Column::Id.eq(g.id))
            .exec(&txn)
            .await?;
    }
    let detail = if was_leader {
        format!("enterprise {enterprise_id} (was the leader)")
    } else {
        format!("enterprise {enterprise_id}")
    };
    audit_group(
        core,
        &txn,
        &Author::of(actor),
        "group.member_remove",
        g.id,
        detail,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Names a member of the group its leader (组长单位).
pub async fn set_leader(core: &Core, actor: &Actor, id: i64, enterprise_id: i64) -> AppResult<()> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let g = managed_group(&txn, caller, id).await?;
    set_leader_in(core, &txn, &Author::of(actor), g, enterprise_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Names `enterprise_id`, a member of group `g`, its leader inside the caller's transaction,
/// with the audit record. `set_leader` and the seed come through here.
pub async fn set_leader_in<C: ConnectionTrait>(
    core: &Core,
    txn: &C,
    author: &Author,
    g: activity_group::Model,
    enterprise_id: i64,
) -> AppResult<()> {
    let id = g.id;
    let in_group = group_member::Entity::find_by_id((g.id, enterprise_id))
        .one(txn)
        .await?
        .is_some();
    if !in_group {
        return Err(AppError::BadRequest("groups.leader_not_member"));
    }
    let mut m: activity_group::ActiveModel = g.into();
    m.leader_enterprise_id = Set(Some(enterprise_id));
    m.update(txn).await?;
    audit_group(
        core,
        txn,
        author,
        "group.leader",
        id,
        format!("enterprise {enterprise_id}"),
    )
    .await
}

/// The groups the scope may see, each with its leader and members (by name).
pub async fn list(core: &Core, scope: &Scope) -> AppResult<Vec<GroupItem>> {
    let groups = activity_group::Entity::find()
        .filter(scope::activity_groups(scope))
        .order_by_asc(activity_group::Column::AllianceId)
        .order_by_asc(activity_group::Column::Id)
        .all(&core.db)
        .await?;
    items(core, groups).await
}

/// One group, if the scope may see it; otherwise `NotFound`.
pub async fn get(core: &Core, scope: &Scope, id: i64) -> AppResult<GroupItem> {
    let g = activity_group::Entity::find_by_id(id)
        .filter(scope::activity_groups(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    items(core, vec![g]).await?.pop().ok_or(AppError::NotFound)
}

async fn items(core: &Core, groups: Vec<activity_group::Model>) -> AppResult<Vec<GroupItem>> {
    let (members, names) = registry::group_members(&core.db, &groups).await?;
    let alliances = groups.load_one(alliance::Entity, &core.db).await?;
    let member = |id: i64| GroupMember {
        enterprise_id: id,
        name: names.get(&id).cloned().unwrap_or_default(),
    };
    Ok(groups
        .into_iter()
        .zip(members.into_iter().zip(alliances))
        .map(|(g, (members, alliance))| {
            let mut in_group: Vec<GroupMember> =
                members.iter().map(|m| member(m.enterprise_id)).collect();
            in_group.sort_by(|a, b| a.name.cmp(&b.name));
            GroupItem {
                id: g.id,
                alliance_id: g.alliance_id,
                alliance_name: alliance.map(|a| a.name).unwrap_or_default(),
                leader: g.leader_enterprise_id.map(member),
                members: in_group,
                name: g.name,
            }
        })
        .collect())
}

/// The approved members of the caller's alliance that are in none of its groups (what the
/// committee may add). Empty for any other scope.
pub async fn ungrouped_members(core: &Core, scope: &Scope) -> AppResult<Vec<GroupMember>> {
    let Scope::Alliance { alliance_id, .. } = scope else {
        return Ok(Vec::new());
    };
    let approved = Query::select()
        .column(alliance_membership::Column::EnterpriseId)
        .from(alliance_membership::Entity)
        .and_where(alliance_membership::Column::AllianceId.eq(*alliance_id))
        .and_where(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
        .to_owned();
    let grouped = Query::select()
        .column(group_member::Column::EnterpriseId)
        .from(group_member::Entity)
        .and_where(
            group_member::Column::GroupId.in_subquery(
                Query::select()
                    .column(activity_group::Column::Id)
                    .from(activity_group::Entity)
                    .and_where(activity_group::Column::AllianceId.eq(*alliance_id))
                    .to_owned(),
            ),
        )
        .to_owned();
    Ok(enterprise::Entity::find()
        .filter(enterprise::Column::Id.in_subquery(approved))
        .filter(enterprise::Column::Id.not_in_subquery(grouped))
        .order_by_asc(enterprise::Column::Name)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|e| GroupMember {
            enterprise_id: e.id,
            name: e.name,
        })
        .collect())
}
