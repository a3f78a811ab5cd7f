//! The start of the loop: when an inspection reports a hazard, its first timeline event
//! (`report`, nothing → 待确认) is written in the same transaction and the inspected enterprise
//! is told. A major hazard reaches the bureau at once through its supervision listing
//! (`services::supervision::list_major`, called by the report after this).

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::domain::hazard_flow::HazardState;
use crate::error::AppResult;
use crate::models::{enterprise, hazard};
use crate::scope::Caller;
use crate::services::notify::{self, Notice};
use crate::state::Core;

/// Writes the `report` event of a newly created hazard and tells who must act, inside the
/// caller's transaction.
pub async fn on_reported<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    caller: &Caller,
    h: &hazard::Model,
) -> AppResult<()> {
    super::insert_hazard_event(
        conn,
        super::HazardEvent {
            hazard_id: h.id,
            actor: super::EventActor::of(caller),
            action: "report",
            from: None,
            to: HazardState::Reported,
            note: None,
            deadline_before: None,
            deadline_after: Some(h.deadline),
            at: h.created_at,
        },
    )
    .await?;
    let name = enterprise::Entity::find_by_id(h.enterprise_id)
        .one(conn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    let notice = |kind| Notice {
        kind,
        hazard_id: Some(h.id),
        link: Some(format!("/hazards/{}", h.id)),
        params: vec![
            ("hazard", h.title.clone()),
            ("enterprise", name.clone()),
            ("deadline", h.deadline.to_string()),
            ("note", String::new()),
        ],
    };
    let enterprise_users = notify::enterprise_users(conn, h.enterprise_id).await?;
    notify::notify(conn, core, &enterprise_users, &notice("hazard_reported")).await?;
    // The bureau hears of a major hazard from its listing (`supervision::list_major`, called
    // by the report right after this, notice `supervision_listed`): one notice, not two.
    crate::services::labels::recompute(
        conn,
        core,
        h.enterprise_id,
        crate::services::labels::REASON_REPORTED,
    )
    .await?;
    Ok(())
}
