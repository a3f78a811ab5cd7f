//! 互查轮次: the committee generates a round of mutual-inspection pairs for one of its activity
//! groups, adjusts the pairs while the round is a draft, then publishes it (the members see
//! their assignments from then on) or discards it. A round's pairs are `inspections` rows of
//! kind "mutual" carrying the round's id, checklist version and planned date.
//!
//! Rules: only a committee member, for a group of its alliance; one draft per group at a time
//! (a second `generate` while a draft exists is refused with 409: the committee discards the
//! draft first if it wants a new one); pairs change only while the round is a draft; the
//! history that the pairing avoids repeating is the pairs of the group's published rounds.
//! Reads go through `scope::inspection_rounds`, and the pairs and counts shown through
//! `scope::inspections` and `scope::hazards` (an enterprise sees its own assignments only).

mod write;

pub use write::{NewRound, RoundRef, adjust_pairs, discard, generate, publish};

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, LoaderTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use crate::domain::inspection::{InspectionState, RoundStatus};
use crate::domain::rounds::{self, Pair, SeveralAssignments};
use crate::error::{AppError, AppResult};
use crate::models::{activity_group, group_member, hazard, inspection, inspection_round};
use crate::scope::{self, Scope};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, checklists, groups::GroupMember, registry};
use crate::state::Core;

/// Longest round title (characters; the column holds 128).
pub const MAX_TITLE: usize = 128;

/// How many of a round's inspections (that the caller may see) stand in each state.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StateCounts {
    pub planned: u64,
    pub in_progress: u64,
    pub submitted: u64,
    pub reviewed: u64,
    /// Cancelled because a party left the alliance.
    pub cancelled: u64,
}

impl StateCounts {
    fn add(&mut self, state: &str) {
        match InspectionState::parse(state) {
            Some(InspectionState::Planned) => self.planned += 1,
            Some(InspectionState::InProgress) => self.in_progress += 1,
            Some(InspectionState::Submitted) => self.submitted += 1,
            Some(InspectionState::Reviewed) => self.reviewed += 1,
            Some(InspectionState::Cancelled) => self.cancelled += 1,
            None => {}
        }
    }
}

/// A round as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundSummary {
    pub id: i64,
    pub alliance_id: i64,
    pub group_id: i64,
    pub group_name: String,
    /// 1, 2, 3 … per group.
    pub seq: i32,
    pub title: String,
    #[schema(value_type = String)]
    pub status: RoundStatus,
    pub planned_on: NaiveDate,
    pub template_version_id: i64,
    pub checklist_title: String,
    pub checklist_version: i32,
    /// The inspections the caller may see, in total and by state.
    pub inspections: u64,
    pub counts: StateCounts,
    /// Hazards found in those inspections (that the caller may see).
    pub hazards: u64,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// One pair of a round: the inspection, who inspects whom, where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PairView {
    pub inspection_id: i64,
    pub inspected_enterprise_id: i64,
    pub inspected_name: String,
    pub inspecting_enterprise_id: Option<i64>,
    pub inspecting_name: String,
    /// "planned" | "in_progress" | "submitted" | "reviewed"
    #[schema(value_type = String)]
    pub state: InspectionState,
    pub hazards: u64,
}

/// An inspector with several assignments in the round (someone else then inspects nobody).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoadWarning {
    pub enterprise_id: i64,
    pub name: String,
    pub count: usize,
}

/// Two members that inspect each other in one round (worth avoiding, not forbidden).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Mirrored {
    pub first: String,
    pub second: String,
}

/// A round with its pairs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundDetail {
    pub round: RoundSummary,
    pub pairs: Vec<PairView>,
    /// Inspectors with two or more assignments.
    pub warnings: Vec<LoadWarning>,
    /// Members inspecting each other in this round, by name.
    pub mirrored: Vec<Mirrored>,
    /// The members that may be chosen as inspectors (the round's inspected members).
    pub members: Vec<GroupMember>,
}

/// An activity group with its rounds, newest first (the committee's overview).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupRounds {
    pub group_id: i64,
    pub group_name: String,
    pub member_count: u64,
    pub rounds: Vec<RoundSummary>,
}

/// Filters of the round list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RoundFilter {
    pub group_id: Option<i64>,
    /// "draft" | "published"
    #[param(pattern = r"^\s*(draft|published)?\s*$")]
    pub status: Option<String>,
}

fn visible(scope: &Scope) -> Select<inspection_round::Entity> {
    inspection_round::Entity::find().filter(scope::inspection_rounds(scope))
}

/// The rounds the scope may see, newest first, one page at a time.
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &RoundFilter,
    page: PageParams,
) -> AppResult<Paged<RoundSummary>> {
    let mut q = visible(scope);
    if let Some(g) = filter.group_id {
        q = q.filter(inspection_round::Column::GroupId.eq(g));
    }
    let mut errors = crate::error::FieldErrors::default();
    let status: Option<RoundStatus> =
        crate::services::code_filter(&mut errors, "status", &filter.status);
    errors.into_result()?;
    if let Some(status) = status {
        q = q.filter(inspection_round::Column::Status.eq(status));
    }
    let key = Key::new("rounds")
        .desc(inspection_round::Column::PlannedOn)
        .desc(inspection_round::Column::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    Ok(info.with(summaries(core, scope, rows).await?))
}

/// Every group the scope may see, each with all its rounds (newest first).
pub async fn overview(core: &Core, scope: &Scope) -> AppResult<Vec<GroupRounds>> {
    let groups = activity_group::Entity::find()
        .filter(scope::activity_groups(scope))
        .order_by_asc(activity_group::Column::Id)
        .all(&core.db)
        .await?;
    let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let rows = visible(scope)
        .filter(inspection_round::Column::GroupId.is_in(ids.clone()))
        .order_by_desc(inspection_round::Column::Seq)
        .all(&core.db)
        .await?;
    let mut by_group: BTreeMap<i64, Vec<RoundSummary>> = BTreeMap::new();
    for s in summaries(core, scope, rows).await? {
        by_group.entry(s.group_id).or_default().push(s);
    }
    let mut sizes: HashMap<i64, u64> = HashMap::new();
    for m in group_member::Entity::find()
        .filter(group_member::Column::GroupId.is_in(ids))
        .all(&core.db)
        .await?
    {
        *sizes.entry(m.group_id).or_default() += 1;
    }
    Ok(groups
        .into_iter()
        .map(|g| GroupRounds {
            group_id: g.id,
            member_count: sizes.get(&g.id).copied().unwrap_or(0),
            rounds: by_group.remove(&g.id).unwrap_or_default(),
            group_name: g.name,
        })
        .collect())
}

/// One round with its pairs, if the scope may see it; otherwise `NotFound`.
pub async fn detail(core: &Core, scope: &Scope, id: i64) -> AppResult<RoundDetail> {
    let row = visible(scope)
        .filter(inspection_round::Column::Id.eq(id))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let round = summaries(core, scope, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let rows = inspection::Entity::find()
        .filter(inspection::Column::RoundId.eq(id))
        .filter(scope::inspections(scope))
        .all(&core.db)
        .await?;
    let hazards =
        hazard_counts(core, scope, &rows.iter().map(|i| i.id).collect::<Vec<_>>()).await?;
    let names = registry::enterprise_names(
        &core.db,
        rows.iter()
            .flat_map(|i| [Some(i.inspected_enterprise_id), i.inspecting_enterprise_id])
            .flatten(),
    )
    .await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut pairs: Vec<PairView> = rows
        .iter()
        .map(|i| PairView {
            inspection_id: i.id,
            inspected_enterprise_id: i.inspected_enterprise_id,
            inspected_name: name(i.inspected_enterprise_id),
            inspecting_enterprise_id: i.inspecting_enterprise_id,
            inspecting_name: i.inspecting_enterprise_id.map(name).unwrap_or_default(),
            state: i.state,
            hazards: hazards.get(&i.id).copied().unwrap_or(0),
        })
        .collect();
    pairs.sort_by(|a, b| a.inspected_name.cmp(&b.inspected_name));
    let plain: Vec<Pair> = rows
        .iter()
        .filter_map(|i| {
            Some(Pair {
                inspector: i.inspecting_enterprise_id?,
                inspected: i.inspected_enterprise_id,
            })
        })
        .collect();
    let members: Vec<i64> = plain.iter().map(|p| p.inspected).collect();
    let warnings = rounds::check_pairs(&members, &plain)
        .unwrap_or_default()
        .into_iter()
        .map(|SeveralAssignments { inspector, count }| LoadWarning {
            enterprise_id: inspector,
            name: name(inspector),
            count,
        })
        .collect();
    let mirrored = rounds::mirrored(&plain)
        .into_iter()
        .map(|(a, b)| Mirrored {
            first: name(a),
            second: name(b),
        })
        .collect();
    let mut members: Vec<GroupMember> = pairs
        .iter()
        .map(|p| GroupMember {
            enterprise_id: p.inspected_enterprise_id,
            name: p.inspected_name.clone(),
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(RoundDetail {
        round,
        pairs,
        warnings,
        mirrored,
        members,
    })
}

/// Hazards the scope may see, counted per inspection.
async fn hazard_counts(core: &Core, scope: &Scope, ids: &[i64]) -> AppResult<HashMap<i64, u64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<i64>, i64)> = hazard::Entity::find()
        .select_only()
        .column(hazard::Column::InspectionId)
        .column_as(hazard::Column::Id.count(), "n")
        .filter(hazard::Column::InspectionId.is_in(ids.to_vec()))
        .filter(scope::hazards(scope))
        .group_by(hazard::Column::InspectionId)
        .into_tuple()
        .all(&core.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// Summaries of rounds (in the order given), with the counts the scope may see.
async fn summaries(
    core: &Core,
    scope: &Scope,
    rows: Vec<inspection_round::Model>,
) -> AppResult<Vec<RoundSummary>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let round_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let inspections: Vec<(i64, Option<i64>, String)> = inspection::Entity::find()
        .select_only()
        .column(inspection::Column::Id)
        .column(inspection::Column::RoundId)
        .column(inspection::Column::State)
        .filter(inspection::Column::RoundId.is_in(round_ids))
        .filter(scope::inspections(scope))
        .into_tuple()
        .all(&core.db)
        .await?;
    let hazards = hazard_counts(
        core,
        scope,
        &inspections.iter().map(|i| i.0).collect::<Vec<_>>(),
    )
    .await?;
    let mut counts: HashMap<i64, (u64, StateCounts, u64)> = HashMap::new();
    for (id, round_id, state) in &inspections {
        let Some(round_id) = round_id else { continue };
        let c = counts.entry(*round_id).or_default();
        c.0 += 1;
        c.1.add(state);
        c.2 += hazards.get(id).copied().unwrap_or(0);
    }
    let groups = rows.load_one(activity_group::Entity, &core.db).await?;
    let checklists = checklists::queries::versions_of(&core.db, &rows).await?;
    Ok(rows
        .into_iter()
        .zip(groups.into_iter().zip(checklists))
        .map(|(r, (group, checklist))| {
            let (inspections, counts, hazards) = counts.remove(&r.id).unwrap_or_default();
            let (checklist_version, checklist_title) = checklist
                .map(|(v, title)| (v.version, title))
                .unwrap_or_default();
            RoundSummary {
                id: r.id,
                alliance_id: r.alliance_id,
                group_name: group.map(|g| g.name).unwrap_or_default(),
                group_id: r.group_id,
                seq: r.seq,
                title: r.title,
                status: r.status,
                planned_on: r.planned_on,
                template_version_id: r.template_version_id,
                checklist_title,
                checklist_version,
                inspections,
                counts,
                hazards,
                created_at: r.created_at,
                published_at: r.published_at,
            }
        })
        .collect())
}
