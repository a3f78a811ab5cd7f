//! 联盟成员资格: applying, inviting, approving/rejecting, accepting/declining and leaving.
//!
//! Each write is one transaction holding the membership row (locked), its immutable
//! `membership_event` and the audit record; the rules are `domain::membership`. A request that
//! no longer fits the membership's status (already decided, retried) is a 409 that changes
//! nothing. Leaving also takes the enterprise out of the alliance's activity groups. The reads
//! (lists, history, what each side may pick) are in `queries`.

mod queries;

pub use queries::*;

/// One immutable step of a membership's history, as the API shows it.
pub type MembershipEvent = crate::models::membership_event::Model;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set, SqlErr,
    sea_query::{Expr, Query},
};

use crate::db::begin_write;
use crate::domain::alliance::AllianceStatus;
use crate::domain::enterprise::EnterpriseStatus;
use crate::domain::membership::{self as rules, Action, Party, Refusal, Status};
use crate::domain::region_path;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{
    activity_group, alliance, alliance_membership, enterprise, group_member, membership_event,
};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::state::Core;

/// Longest reason kept (characters).
pub const MAX_REASON: usize = 500;

/// The caller's standing towards the membership of `enterprise_id` in `alliance_id`.
pub fn party_of(caller: &Caller, alliance_id: i64, enterprise_id: i64) -> Party {
    match &caller.scope {
        Scope::Enterprise {
            enterprise_id: own, ..
        } if *own == enterprise_id => {
            if caller.role == Role::EnterpriseAdmin {
                Party::EnterpriseAdmin
            } else {
                Party::EnterpriseStaff
            }
        }
        Scope::Alliance {
            alliance_id: own, ..
        } if *own == alliance_id && caller.role == Role::Committee => Party::Committee,
        _ => Party::Outsider,
    }
}

fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::NotAllowed => AppError::Forbidden,
        Refusal::ReasonRequired => AppError::BadRequest(r.message_key()),
        Refusal::Stale { .. } => AppError::Conflict(r.message_key()),
    }
}

/// A reason as kept: trimmed, `None` when blank, refused when too long.
pub fn clean_reason(reason: Option<&str>) -> AppResult<Option<String>> {
    let r = reason.map(str::trim).filter(|r| !r.is_empty());
    match r {
        Some(r) if r.chars().count() > MAX_REASON => {
            Err(AppError::BadRequest("members.reason_too_long"))
        }
        r => Ok(r.map(str::to_string)),
    }
}

/// An enterprise admin asks to join `alliance_id`. Only active alliances whose region contains
/// the enterprise may be applied to; re-applying after a rejection or leaving is allowed.
pub async fn apply(
    core: &Core,
    actor: &Actor,
    alliance_id: i64,
) -> AppResult<alliance_membership::Model> {
    let caller = &actor.caller;
    let Scope::Enterprise {
        enterprise_id,
        region_path,
    } = &caller.scope
    else {
        return Err(AppError::Forbidden);
    };
    if !rules::permits(party_of(caller, alliance_id, *enterprise_id), Action::Apply) {
        return Err(AppError::Forbidden);
    }
    let eligible = alliance::Entity::find_by_id(alliance_id)
        .one(&core.db)
        .await?
        .is_some_and(|a| {
            a.status == AllianceStatus::Active && region_path::contains(&a.region_path, region_path)
        });
    if !eligible {
        return Err(AppError::BadRequest("members.not_eligible_alliance"));
    }
    let txn = begin_write(&core.db).await?;
    let m = transition(
        core,
        &txn,
        actor,
        Move {
            alliance_id,
            enterprise_id: *enterprise_id,
            action: Action::Apply,
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Whom the alliance may take in: an active enterprise inside its region, while the alliance
/// is active (what an invitation and the system's admission check).
async fn ensure_may_join<C: ConnectionTrait>(
    conn: &C,
    a: &alliance::Model,
    enterprise_id: i64,
) -> AppResult<()> {
    let eligible = a.status == AllianceStatus::Active
        && enterprise::Entity::find_by_id(enterprise_id)
            .one(conn)
            .await?
            .is_some_and(|e| {
                e.status == EnterpriseStatus::Active
                    && region_path::contains(&a.region_path, &e.region_path)
            });
    if !eligible {
        return Err(AppError::BadRequest("members.not_eligible_enterprise"));
    }
    Ok(())
}

/// The system admits an enterprise straight to approved membership of `a` (the seed's
/// members): the checks of an invitation (eligible, no membership yet), then the row, its
/// history event and the audit record, inside the caller's transaction.
pub async fn admit_in<C: ConnectionTrait>(
    core: &Core,
    conn: &C,
    a: &alliance::Model,
    enterprise_id: i64,
) -> AppResult<alliance_membership::Model> {
    ensure_may_join(conn, a, enterprise_id).await?;
    let current = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(a.id))
        .filter(alliance_membership::Column::EnterpriseId.eq(enterprise_id))
        .one(conn)
        .await?
        .map(|m| m.status);
    if current.is_some() {
        return Err(refused(Refusal::Stale {
            action: Action::Invite,
            current,
        }));
    }
    let now = core.now();
    let m = insert_membership(conn, (a.id, enterprise_id), Status::Approved, None, now).await?;
    record_event(conn, &m, None, &EventAuthor::system(), None, now).await?;
    audit::record(
        conn,
        now,
        &Author::system(),
        "membership.admit",
        Some(("membership", m.id.to_string())),
        Outcome::Success,
        Some(format!(
            "alliance {}, enterprise {enterprise_id}: — → {}",
            a.id,
            Status::Approved.as_str()
        )),
    )
    .await?;
    Ok(m)
}

/// A committee member invites an active enterprise inside its alliance's region.
pub async fn invite(
    core: &Core,
    actor: &Actor,
    enterprise_id: i64,
    note: Option<&str>,
) -> AppResult<alliance_membership::Model> {
    let caller = &actor.caller;
    let Scope::Alliance { alliance_id, .. } = &caller.scope else {
        return Err(AppError::Forbidden);
    };
    if !rules::permits(
        party_of(caller, *alliance_id, enterprise_id),
        Action::Invite,
    ) {
        return Err(AppError::Forbidden);
    }
    let note = clean_reason(note)?;
    let a = alliance::Entity::find_by_id(*alliance_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    ensure_may_join(&core.db, &a, enterprise_id).await?;
    let txn = begin_write(&core.db).await?;
    let m = transition(
        core,
        &txn,
        actor,
        Move {
            alliance_id: a.id,
            enterprise_id,
            action: Action::Invite,
            reason: note,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Approve, reject, accept, decline or leave the membership `id` (404 outside the scope).
pub async fn act(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: Action,
    reason: Option<&str>,
) -> AppResult<alliance_membership::Model> {
    let caller = &actor.caller;
    if matches!(action, Action::Apply | Action::Invite) {
        return Err(AppError::NotFound);
    }
    let m = alliance_membership::Entity::find_by_id(id)
        .filter(scope::memberships(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::permits(party_of(caller, m.alliance_id, m.enterprise_id), action) {
        return Err(AppError::Forbidden);
    }
    let reason = clean_reason(reason)?;
    let txn = begin_write(&core.db).await?;
    let m = transition(
        core,
        &txn,
        actor,
        Move {
            alliance_id: m.alliance_id,
            enterprise_id: m.enterprise_id,
            action,
            reason,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// What a transition is asked to do.
struct Move {
    alliance_id: i64,
    enterprise_id: i64,
    action: Action,
    reason: Option<String>,
}

/// One transition inside `txn`: the locked membership row, its event, the audit record (and
/// for leaving, the group memberships).
async fn transition(
    core: &Core,
    txn: &DatabaseTransaction,
    actor: &Actor,
    mv: Move,
) -> AppResult<alliance_membership::Model> {
    let caller = &actor.caller;
    let Move {
        alliance_id,
        enterprise_id,
        action,
        reason,
    } = mv;
    let now = core.now();
    let existing = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::AllianceId.eq(alliance_id))
        .filter(alliance_membership::Column::EnterpriseId.eq(enterprise_id))
        .lock_exclusive()
        .one(txn)
        .await?;
    let current = existing.as_ref().map(|m| m.status);
    let party = party_of(caller, alliance_id, enterprise_id);
    let to = rules::decide(party, action, current, reason.as_deref()).map_err(refused)?;
    let opening = matches!(to, Status::Applied | Status::Invited);
    let m = match existing {
        None => {
            insert_membership(txn, (alliance_id, enterprise_id), to, reason.clone(), now).await?
        }
        Some(old) => {
            let mut update = alliance_membership::Entity::update_many()
                .col_expr(alliance_membership::Column::Status, Expr::value(to))
                .col_expr(
                    alliance_membership::Column::Reason,
                    Expr::value(reason.clone()),
                )
                .col_expr(
                    alliance_membership::Column::DecidedAt,
                    Expr::value((!opening).then_some(now)),
                );
            if opening {
                update = update.col_expr(alliance_membership::Column::AppliedAt, Expr::value(now));
            }
            let done = update
                .filter(alliance_membership::Column::Id.eq(old.id))
                .filter(alliance_membership::Column::Status.eq(old.status))
                .exec(txn)
                .await?;
            if done.rows_affected != 1 {
                return Err(AppError::Conflict("members.conflict_changed"));
            }
            alliance_membership::Entity::find_by_id(old.id)
                .one(txn)
                .await?
                .ok_or(AppError::Conflict("members.conflict_changed"))?
        }
    };
    record_event(txn, &m, current, &EventAuthor::of(caller), reason, now).await?;
    let mut detail = format!(
        "alliance {alliance_id}, enterprise {enterprise_id}: {} → {}",
        current.map_or("—", Status::as_str),
        to.as_str()
    );
    let author = Author::of(actor);
    if action == Action::Leave {
        let groups = leave_groups(txn, alliance_id, enterprise_id).await?;
        let cancelled = crate::services::inspections::cancel_for_leaver(
            txn,
            now,
            &author,
            alliance_id,
            enterprise_id,
        )
        .await?;
        detail.push_str(&format!(
            "; removed from {groups} activity group(s); {cancelled} open inspection(s) cancelled"
        ));
    }
    audit::record(
        txn,
        now,
        &author,
        &format!("membership.{}", action.as_str()),
        Some(("membership", m.id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await?;
    Ok(m)
}

/// Inserts a membership of enterprise `(alliance_id, enterprise_id).1` in alliance `.0`, already
/// decided to be in `status` (decided now unless it is an open application or invitation). The
/// one place membership rows are created: registration (the lead), the transitions, the seed.
/// Another opening of the same pair a moment earlier is a 409.
pub(crate) async fn insert_membership<C: ConnectionTrait>(
    conn: &C,
    (alliance_id, enterprise_id): (i64, i64),
    status: Status,
    reason: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<alliance_membership::Model> {
    let opening = matches!(status, Status::Applied | Status::Invited);
    alliance_membership::ActiveModel {
        alliance_id: Set(alliance_id),
        enterprise_id: Set(enterprise_id),
        status: Set(status),
        applied_at: Set(now),
        decided_at: Set((!opening).then_some(now)),
        reason: Set(reason),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        // Someone else opened it a moment ago.
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("members.conflict_changed")
        }
        _ => e.into(),
    })
}

/// Whom a membership event names: the account (by display name) or the system.
#[derive(Debug, Clone)]
pub struct EventAuthor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl EventAuthor {
    pub fn of(caller: &Caller) -> EventAuthor {
        EventAuthor {
            user_id: Some(caller.user_id),
            name: caller.display_name.clone(),
        }
    }

    /// The system (the seed).
    pub fn system() -> EventAuthor {
        EventAuthor {
            user_id: None,
            name: "system".into(),
        }
    }
}

/// Appends one event to a membership's history (inside the caller's transaction).
pub async fn record_event<C: ConnectionTrait>(
    conn: &C,
    m: &alliance_membership::Model,
    from: Option<Status>,
    by: &EventAuthor,
    reason: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    membership_event::ActiveModel {
        membership_id: Set(m.id),
        alliance_id: Set(m.alliance_id),
        enterprise_id: Set(m.enterprise_id),
        from_status: Set(from),
        to_status: Set(m.status),
        actor_user_id: Set(by.user_id),
        actor_name: Set(by.name.chars().take(64).collect()),
        reason: Set(reason),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Takes the enterprise out of every activity group of the alliance (and from leading one);
/// returns how many groups it was in.
async fn leave_groups(
    txn: &DatabaseTransaction,
    alliance_id: i64,
    enterprise_id: i64,
) -> AppResult<u64> {
    let groups_of_alliance = Query::select()
        .column(activity_group::Column::Id)
        .from(activity_group::Entity)
        .and_where(activity_group::Column::AllianceId.eq(alliance_id))
        .to_owned();
    let removed = group_member::Entity::delete_many()
        .filter(group_member::Column::EnterpriseId.eq(enterprise_id))
        .filter(group_member::Column::GroupId.in_subquery(groups_of_alliance))
        .exec(txn)
        .await?;
    activity_group::Entity::update_many()
        .col_expr(
            activity_group::Column::LeaderEnterpriseId,
            Expr::value(Option::<i64>::None),
        )
        .filter(activity_group::Column::AllianceId.eq(alliance_id))
        .filter(activity_group::Column::LeaderEnterpriseId.eq(enterprise_id))
        .exec(txn)
        .await?;
    Ok(removed.rows_affected)
}
