//! Who is told after an action: the decider of a dispute or an extension request, the
//! verifiers of evidence, the enterprise after a decision (in-app notices, written in the
//! action's transaction by `services::notify`).

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait};

use crate::domain::hazard_flow::{self, Facts, Party};
use crate::domain::inspection::HazardLevel;
use crate::error::AppResult;
use crate::models::{enterprise, hazard};
use crate::services::notify::{self, Notice};
use crate::state::Core;

/// Who must act after `code`: the decider of a dispute or extension request, the verifiers of
/// evidence, the enterprise after a decision. An acknowledgement and a comment tell nobody.
pub(super) async fn tell(
    txn: &DatabaseTransaction,
    core: &Core,
    h: &hazard::Model,
    f: Facts,
    code: &str,
    deadline: NaiveDate,
    note: Option<&str>,
) -> AppResult<()> {
    let kind = match code {
        "dispute" => "hazard_disputed",
        "uphold" => "dispute_upheld",
        "withdraw" => "hazard_withdrawn",
        "evidence" => "evidence_submitted",
        "verify" | "review_pass" => "hazard_closed",
        "reject" | "review_fail" => "hazard_rejected",
        "extension_request" => "extension_requested",
        "extension_grant" => "extension_granted",
        "extension_refuse" => "extension_refused",
        _ => return Ok(()),
    };
    let recipients = match kind {
        "hazard_disputed" | "extension_requested" => decider_users(txn, h, f).await?,
        "evidence_submitted" => verifier_users(txn, h, f).await?,
        "hazard_withdrawn" => {
            let mut r = notify::enterprise_users(txn, h.enterprise_id).await?;
            if f.reported_by_other {
                r.extend(reporter_users(txn, h).await?);
            }
            r
        }
        _ => notify::enterprise_users(txn, h.enterprise_id).await?,
    };
    let name = enterprise::Entity::find_by_id(h.enterprise_id)
        .one(txn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    let notice = Notice {
        kind,
        hazard_id: Some(h.id),
        link: Some(format!("/hazards/{}", h.id)),
        params: vec![
            ("hazard", h.title.clone()),
            ("enterprise", name),
            ("deadline", deadline.to_string()),
            ("note", note.unwrap_or("").to_string()),
        ],
    };
    notify::notify(txn, core, &recipients, &notice).await
}

/// The accounts of the side that found the hazard: the reporting enterprise's, or the
/// expert's who found it on a visit.
async fn reporter_users<C: ConnectionTrait>(conn: &C, h: &hazard::Model) -> AppResult<Vec<i64>> {
    match (h.reporter_enterprise_id, h.reporter_expert_id) {
        (_, Some(expert)) => notify::expert_users(conn, expert).await,
        (Some(reporter), None) if reporter != h.enterprise_id => {
            notify::enterprise_users(conn, reporter).await
        }
        _ => Ok(Vec::new()),
    }
}

/// The accounts that decide disputes and extensions of the hazard.
pub(super) async fn decider_users<C: ConnectionTrait>(
    conn: &C,
    h: &hazard::Model,
    f: Facts,
) -> AppResult<Vec<i64>> {
    match (hazard_flow::decider(f), h.alliance_id) {
        (Party::Committee, Some(a)) => notify::committee_users(conn, a).await,
        _ => notify::bureau_users(conn, &h.region_path).await,
    }
}

/// The accounts that verify the hazard's evidence: the bureau for a major hazard and for a
/// hazard on its supervision list; else the inspecting side (in a mutual inspection) and the
/// committee, or the bureau when there is neither.
async fn verifier_users<C: ConnectionTrait>(
    conn: &C,
    h: &hazard::Model,
    f: Facts,
) -> AppResult<Vec<i64>> {
    if f.level == HazardLevel::Major || f.listed {
        return notify::bureau_users(conn, &h.region_path).await;
    }
    let mut users = Vec::new();
    if hazard_flow::verifies(Party::InspectingSide, f) && f.reported_by_other {
        users.extend(reporter_users(conn, h).await?);
    }
    match h.alliance_id {
        Some(a) => users.extend(notify::committee_users(conn, a).await?),
        None => users.extend(notify::member_committee_users(conn, h.enterprise_id).await?),
    }
    if users.is_empty() {
        users = notify::bureau_users(conn, &h.region_path).await?;
    }
    Ok(users)
}
