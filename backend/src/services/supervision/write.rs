//! Writes: each one transaction with its audit record.

use super::*;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::inspection::HazardLevel;
use crate::domain::supervision::SupervisionStatus;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::{self, Lang};
use crate::models::{enterprise, hazard, region, supervision, user};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::hazards::Copied;
use crate::services::notify::{self, Notice};
use crate::services::rectification;
use crate::state::Core;

/// "<region> 应急管理部门": the town's or the city's bureau for a path (the deepest of them).
pub(crate) async fn supervising_unit<C: ConnectionTrait>(
    conn: &C,
    region_path: &str,
) -> AppResult<String> {
    let codes: Vec<&str> = region_path.split('/').filter(|p| !p.is_empty()).collect();
    let found = region::Entity::find()
        .filter(region::Column::Code.is_in(codes.iter().copied()))
        .filter(region::Column::Level.lte(2))
        .order_by_desc(region::Column::Level)
        .one(conn)
        .await?;
    let name = found.map(|r| r.name).unwrap_or_default();
    Ok(
        format!("{name}{}", i18n::t(Lang::ZhCn, "supervision.bureau_suffix"))
            .chars()
            .take(MAX_UNIT)
            .collect(),
    )
}

/// Who did it, for the timeline: a user, or the system.
async fn event_actor<C: ConnectionTrait>(
    conn: &C,
    user_id: Option<i64>,
) -> AppResult<(Option<i64>, String, Option<String>)> {
    let Some(id) = user_id else {
        return Ok((None, "system".into(), None));
    };
    Ok(match user::Entity::find_by_id(id).one(conn).await? {
        Some(u) => (Some(u.id), u.display_name, Some(u.role.as_str().into())),
        None => (None, "system".into(), None),
    })
}

/// A listing event on the hazard's timeline; `deadline_change` is (before, after).
async fn timeline<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    h: &hazard::Model,
    actor: (Option<i64>, String, Option<String>),
    action: &str,
    note: Option<String>,
    deadline_change: Option<(NaiveDate, NaiveDate)>,
) -> AppResult<()> {
    let (user_id, name, role) = actor;
    rectification::insert_hazard_event(
        conn,
        rectification::HazardEvent {
            hazard_id: h.id,
            actor: rectification::EventActor {
                user_id,
                name,
                role,
            },
            action,
            from: Some(h.state),
            to: h.state,
            note,
            deadline_before: deadline_change.map(|c| c.0),
            deadline_after: deadline_change.map(|c| c.1),
            at,
        },
    )
    .await?;
    Ok(())
}

async fn enterprise_name<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<String> {
    Ok(enterprise::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default())
}

/// Puts the hazard on the list unless it is there already; `None` when it was.
async fn put_on_list<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
    reason: &str,
    listed_by: Option<i64>,
    note: String,
) -> AppResult<Option<(supervision::Model, String)>> {
    let now = core.now();
    let enterprise = enterprise_name(conn, h.enterprise_id).await?;
    let inserted = supervision::Entity::insert(supervision::ActiveModel {
        hazard_id: Set(h.id),
        reason: Set(reason.into()),
        supervising_unit: Set(supervising_unit(conn, &h.region_path).await?),
        responsible_unit: Set(enterprise.chars().take(MAX_UNIT).collect()),
        deadline: Set(h.deadline),
        region_path: Set(h.region_path.clone()),
        status: Set(SupervisionStatus::Listed),
        listed_at: Set(now),
        listed_by: Set(listed_by),
        review_result: Set(None),
        review_note: Set(None),
        reviewed_on: Set(None),
        reviewed_by: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(supervision::Column::HazardId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    crate::services::hazards::set_copied(conn, h.id, Copied::Listed, true).await?;
    let row = supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(h.id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = event_actor(conn, listed_by).await?;
    timeline(conn, now, h, actor, EVENT_SUPERVISE, Some(note), None).await?;
    Ok(Some((row, enterprise)))
}

fn notice(
    kind: &'static str,
    h: &hazard::Model,
    enterprise: &str,
    extra: Vec<(&'static str, String)>,
) -> Notice {
    let mut params = vec![
        ("hazard", h.title.clone()),
        ("enterprise", enterprise.to_string()),
        ("deadline", h.deadline.to_string()),
    ];
    params.extend(extra);
    Notice {
        kind,
        hazard_id: Some(h.id),
        link: Some(format!("/hazards/{}", h.id)),
        params,
    }
}

/// The bureau officers of the hazard's place and the enterprise's accounts.
async fn bureau_and_enterprise<C: ConnectionTrait>(
    conn: &C,
    h: &hazard::Model,
) -> AppResult<Vec<i64>> {
    let mut to = notify::bureau_users(conn, &h.region_path).await?;
    to.extend(notify::enterprise_users(conn, h.enterprise_id).await?);
    Ok(to)
}

/// A major hazard goes on the list the moment it is reported (inside the report's
/// transaction): supervising unit the bureau of its region, responsible unit the enterprise,
/// deadline the hazard's; a "supervise" event, and the bureau and the enterprise are told.
/// `None` when the hazard is not major or is listed already.
pub async fn list_major<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
    listed_by: Option<i64>,
) -> AppResult<Option<supervision::Model>> {
    if h.level != HazardLevel::Major {
        return Ok(None);
    }
    let note = i18n::t(Lang::ZhCn, "supervision.note_major");
    let Some((row, enterprise)) = put_on_list(conn, core, h, REASON_MAJOR, listed_by, note).await?
    else {
        return Ok(None);
    };
    let to = bureau_and_enterprise(conn, h).await?;
    let n = notice(
        "supervision_listed",
        h,
        &enterprise,
        vec![("unit", row.supervising_unit.clone())],
    );
    notify::notify(conn, core, &to, &n).await?;
    Ok(Some(row))
}

/// Escalation of an overdue hazard onto the list by the system (reason "overdue"), with its
/// event; the bureau and the enterprise are told. `None` when it is listed already.
pub async fn escalate<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    h: &hazard::Model,
) -> AppResult<Option<supervision::Model>> {
    let days = rectification::overdue_days(h, core.today()).unwrap_or(0);
    let note = i18n::t_args(
        Lang::ZhCn,
        "supervision.note_overdue",
        &[("days", &days.to_string())],
    );
    let Some((row, enterprise)) = put_on_list(conn, core, h, REASON_OVERDUE, None, note).await?
    else {
        return Ok(None);
    };
    let to = bureau_and_enterprise(conn, h).await?;
    let n = notice(
        "supervision_escalated",
        h,
        &enterprise,
        vec![
            ("days", days.to_string()),
            ("unit", row.supervising_unit.clone()),
        ],
    );
    notify::notify(conn, core, &to, &n).await?;
    Ok(Some(row))
}

/// A withdrawn finding leaves the list (inside the withdrawal's transaction): the listing is
/// released and the timeline gets a "supervision_release" event by `actor`. Nothing when the
/// hazard is not listed.
pub async fn release_withdrawn<C: ConnectionTrait>(
    conn: &C,
    h: &hazard::Model,
    actor: i64,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(row) = supervision::Entity::find()
        .filter(supervision::Column::HazardId.eq(h.id))
        .filter(supervision::Column::Status.eq(SupervisionStatus::Listed))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    let mut m = row.into_active_model();
    m.status = Set(SupervisionStatus::Released);
    m.update(conn).await?;
    crate::services::hazards::set_copied(conn, h.id, Copied::Listed, false).await?;
    let actor = event_actor(conn, Some(actor)).await?;
    let note = i18n::t(Lang::ZhCn, "supervision.note_withdrawn");
    timeline(conn, at, h, actor, EVENT_RELEASE, Some(note), None).await?;
    Ok(true)
}

/// The bureau's settings of a listing, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SupervisionInput {
    /// 督办单位.
    #[serde(default)]
    pub supervising_unit: String,
    /// 责任单位.
    #[serde(default)]
    pub responsible_unit: String,
    /// 督办期限, `YYYY-MM-DD`; a changed one may not lie in the past.
    #[serde(default)]
    pub deadline: String,
}

impl SupervisionInput {
    pub fn of(row: &SupervisionRow) -> Self {
        SupervisionInput {
            supervising_unit: row.supervising_unit.clone(),
            responsible_unit: row.responsible_unit.clone(),
            deadline: row.deadline.to_string(),
        }
    }
}

/// The bureau sets the supervising unit, the responsible unit and the supervision deadline:
/// one transaction with its audit record and, when the deadline changes, a timeline event.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &SupervisionInput,
) -> AppResult<SupervisionRow> {
    let caller = &actor.caller;
    if !matches!(caller.scope, Scope::Region { .. }) {
        return Err(AppError::Forbidden);
    }
    let existing = supervision::Entity::find_by_id(id)
        .filter(scope::supervisions(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if existing.status == SupervisionStatus::Released {
        return Err(AppError::Conflict("supervision.released"));
    }
    let today = core.today();
    let mut errors = FieldErrors::default();
    let supervising = input.supervising_unit.trim();
    let responsible = input.responsible_unit.trim();
    errors.require("supervising_unit", supervising, MAX_UNIT);
    errors.require("responsible_unit", responsible, MAX_UNIT);
    let deadline = match input.deadline.trim() {
        "" => {
            errors.add("deadline", "form.required");
            None
        }
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Err(_) => {
                errors.add("deadline", "supervision.bad_date");
                None
            }
            Ok(d) if d != existing.deadline && d < today => {
                errors.add("deadline", "supervision.deadline_past");
                None
            }
            Ok(d) => Some(d),
        },
    };
    errors.into_result()?;
    let Some(deadline) = deadline else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated deadline lost"
        )));
    };

    let now = core.now();
    let txn = begin_write(&core.db).await?;
    let current = supervision::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut changed = Vec::new();
    if current.supervising_unit != supervising {
        changed.push("supervising_unit");
    }
    if current.responsible_unit != responsible {
        changed.push("responsible_unit");
    }
    let before = current.deadline;
    if before != deadline {
        changed.push("deadline");
    }
    let mut m = current.clone().into_active_model();
    m.supervising_unit = Set(supervising.into());
    m.responsible_unit = Set(responsible.into());
    m.deadline = Set(deadline);
    m.update(&txn).await?;
    if before != deadline {
        let h = hazard::Entity::find_by_id(current.hazard_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = (
            Some(caller.user_id),
            caller.display_name.clone(),
            Some(caller.role.as_str().to_string()),
        );
        timeline(
            &txn,
            now,
            &h,
            actor,
            EVENT_DEADLINE,
            None,
            Some((before, deadline)),
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "supervision.update",
        Some(("supervision", id.to_string())),
        Outcome::Success,
        Some(if changed.is_empty() {
            "unchanged".to_string()
        } else {
            changed.join(",")
        }),
    )
    .await?;
    txn.commit().await?;
    get(core, &caller.scope, id).await
}
