//! Reading the loop back: a hazard's timeline (events oldest first, with their files), its
//! plan, its pending extension request, the loop section of the hazard page, the
//! enterprise's to-do list and the verification queue of a committee or the bureau.
//!
//! Overdue is computed here from the deadline and the clock (`overdue_days`), never stored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::facts;
use crate::domain::hazard_flow::{self, Action, ExtensionStatus, HazardState};
use crate::error::AppResult;
use crate::models::{attachment, extension_request, hazard, hazard_event, rectification_plan};
use crate::scope::Caller;
use crate::services::inspections::FileRef;
use crate::state::Core;

/// One step of the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub id: i64,
    /// `report`, `acknowledge`, `dispute`, `uphold`, `withdraw`, `evidence`, `verify`,
    /// `reject`, `review_pass`, `review_fail`, `extension_request`, `extension_grant`,
    /// `extension_refuse`, `comment` … (catalog `loop.action_<code>`).
    pub action: String,
    #[schema(value_type = Option<String>)]
    pub from_state: Option<HazardState>,
    #[schema(value_type = String)]
    pub to_state: HazardState,
    pub actor_name: String,
    /// The actor's role code; none for the system.
    pub actor_role: Option<String>,
    pub note: Option<String>,
    /// For a deadline change (or an extension asked for): the deadline before and after.
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline_before: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline_after: Option<NaiveDate>,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// Files that came with it (evidence).
    pub files: Vec<FileRef>,
}

/// The 五落实 plan as filed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub responsible_person: String,
    pub measures: String,
    pub funds: String,
    /// The deadline in force (moved by a granted extension): a calendar day in the portal's
    /// zone (`time_zone`); overdue counts from today there.
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    pub contingency: String,
    #[schema(value_type = String, format = DateTime)]
    pub filed_at: DateTime<Utc>,
}

impl From<rectification_plan::Model> for PlanView {
    fn from(p: rectification_plan::Model) -> Self {
        PlanView {
            responsible_person: p.responsible_person,
            measures: p.measures,
            funds: p.funds,
            deadline: p.deadline,
            contingency: p.contingency,
            filed_at: p.filed_at,
        }
    }
}

/// A deadline extension request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    pub id: i64,
    pub hazard_id: i64,
    pub reason: String,
    #[schema(value_type = String, format = Date)]
    pub requested_deadline: NaiveDate,
    /// `pending`, `granted` or `refused`.
    #[schema(value_type = String)]
    pub status: ExtensionStatus,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

impl From<extension_request::Model> for ExtensionView {
    fn from(e: extension_request::Model) -> Self {
        ExtensionView {
            id: e.id,
            hazard_id: e.hazard_id,
            reason: e.reason,
            requested_deadline: e.requested_deadline,
            status: e.status,
            created_at: e.created_at,
        }
    }
}

/// Days past the deadline while the enterprise's deadline runs (待确认, 整改中); else none.
pub fn overdue_days(h: &hazard::Model, today: NaiveDate) -> Option<i64> {
    hazard_flow::overdue_days(h.state, h.deadline, today)
}

pub(super) async fn pending_of<C: ConnectionTrait>(
    conn: &C,
    hazard_id: i64,
) -> AppResult<Option<extension_request::Model>> {
    super::write::pending(conn, hazard_id).await
}

/// The timeline's statement: a hazard's events, oldest first (`at`, then `id`).
pub fn timeline_query(hazard_id: i64) -> sea_orm::Select<hazard_event::Entity> {
    hazard_event::Entity::find()
        .filter(hazard_event::Column::HazardId.eq(hazard_id))
        .order_by_asc(hazard_event::Column::At)
        .order_by_asc(hazard_event::Column::Id)
}

async fn timeline_of<C: ConnectionTrait>(
    conn: &C,
    hazard_id: i64,
) -> AppResult<Vec<TimelineEntry>> {
    let events = timeline_query(hazard_id).all(conn).await?;
    let mut files: HashMap<i64, Vec<FileRef>> = HashMap::new();
    for a in attachment::Entity::find()
        .filter(attachment::Column::HazardId.eq(hazard_id))
        .filter(attachment::Column::HazardEventId.is_not_null())
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(e) = a.hazard_event_id {
            files.entry(e).or_default().push(FileRef::from(&a));
        }
    }
    Ok(events
        .into_iter()
        .map(|e| TimelineEntry {
            files: files.remove(&e.id).unwrap_or_default(),
            id: e.id,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            actor_name: e.actor_name,
            actor_role: e.actor_role,
            note: e.note,
            deadline_before: e.deadline_before,
            deadline_after: e.deadline_after,
            at: e.at,
        })
        .collect())
}

/// The hazard's timeline, oldest first (`NotFound` outside the caller's scope).
pub async fn timeline(
    core: &Core,
    caller: &Caller,
    hazard_id: i64,
) -> AppResult<Vec<TimelineEntry>> {
    let h = super::visible(core, caller, hazard_id).await?;
    timeline_of(&core.db, h.id).await
}

/// The hazard's 五落实 plan, once filed.
pub async fn plan_of(core: &Core, caller: &Caller, hazard_id: i64) -> AppResult<Option<PlanView>> {
    let h = super::visible(core, caller, hazard_id).await?;
    Ok(rectification_plan::Entity::find_by_id(h.id)
        .one(&core.db)
        .await?
        .map(PlanView::from))
}

/// The extension request awaiting its decision, if any.
pub async fn pending_extension(
    core: &Core,
    caller: &Caller,
    hazard_id: i64,
) -> AppResult<Option<ExtensionView>> {
    let h = super::visible(core, caller, hazard_id).await?;
    Ok(pending_of(&core.db, h.id).await?.map(ExtensionView::from))
}

/// What the hazard page shows of the loop.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoopSection {
    pub plan: Option<PlanView>,
    pub timeline: Vec<TimelineEntry>,
    /// What the caller may do now.
    pub actions: Vec<Action>,
    /// Whether the caller may comment.
    pub may_comment: bool,
    pub pending_extension: Option<ExtensionView>,
    /// Days past the deadline while it runs; none when not overdue.
    pub overdue_days: Option<i64>,
}

/// The loop section of a hazard the caller already may see.
pub async fn loop_section(
    core: &Core,
    caller: &Caller,
    h: &hazard::Model,
) -> AppResult<LoopSection> {
    let db = &core.db;
    let party = super::party_of(db, caller, h).await?;
    let pending = pending_of(db, h.id).await?;
    let actions = if party == hazard_flow::Party::Observer {
        Vec::new()
    } else {
        super::actions_for(party, facts(db, h).await?, h.state, pending.is_some())
    };
    Ok(LoopSection {
        plan: rectification_plan::Entity::find_by_id(h.id)
            .one(db)
            .await?
            .map(PlanView::from),
        timeline: timeline_of(db, h.id).await?,
        actions,
        may_comment: party != hazard_flow::Party::Observer,
        pending_extension: pending.map(ExtensionView::from),
        overdue_days: overdue_days(h, core.today()),
    })
}
