//! Reading service requests: the list of those the caller may see (with a state filter), one
//! request with its experts, files, timeline and the actions the caller may take, and the
//! experts the bureau is offered for it (`suggestions`, ranked by `expert_flow::rank`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::domain::expert::Specialty;
use crate::domain::expert_flow::{
    self, AssignmentState, Candidate, Facts, Party, RequestAction, RequestState,
};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{
    enterprise, expert, expert_assignment, expert_request, expert_request_event,
    expert_request_file,
};
use crate::scope::{self, Caller, Scope};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, given};
use crate::state::Core;

/// The list's filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// A state code (`submitted`, `assigned`, `scheduled` …).
    pub state: Option<String>,
}

impl RequestFilter {
    pub fn parse(&self) -> Result<Option<RequestState>, FieldErrors> {
        match given(&self.state) {
            None => Ok(None),
            Some(s) => RequestState::parse(s).map(Some).ok_or_else(|| {
                let mut e = FieldErrors::default();
                e.add("state", "expert_requests.bad_state");
                e
            }),
        }
    }
}

/// A request in a list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestItem {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub topic: String,
    pub specialty: Specialty,
    pub state: RequestState,
    pub preferred_from: NaiveDate,
    pub preferred_to: NaiveDate,
    pub visit_on: Option<NaiveDate>,
    /// Filed by a committee for its member.
    pub alliance_id: Option<i64>,
    /// The requester's rating (1–5), once given.
    pub rating: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// An expert on a request.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub expert_id: i64,
    pub name: String,
    pub organisation: String,
    pub state: AssignmentState,
    pub decline_reason: Option<String>,
    pub assigned_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// An attachment of a request.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestFileView {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// One step of the timeline.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventView {
    pub action: RequestAction,
    pub from_state: Option<RequestState>,
    pub to_state: RequestState,
    pub actor_name: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// One request as its page and the API show it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub item: RequestItem,
    pub description: String,
    pub report: Option<String>,
    /// Why it was rejected or cancelled.
    pub reason: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub assignments: Vec<AssignmentView>,
    pub files: Vec<RequestFileView>,
    pub timeline: Vec<EventView>,
    /// The visits the accepted experts make (inspections of kind `expert`), by date.
    pub visits: Vec<VisitView>,
    /// What the caller may do now.
    pub actions: Vec<RequestAction>,
}

/// One expert's visit for the request: an inspection of kind `expert`, with its findings.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisitView {
    pub inspection_id: i64,
    pub expert_id: Option<i64>,
    pub planned_on: chrono::NaiveDate,
    pub state: crate::domain::inspection::InspectionState,
    /// The hazards the visit found.
    pub findings: u64,
    /// Whether the caller may open the inspection (a committee reads the request, not the
    /// visit of an enterprise outside its alliance's inspections).
    pub readable: bool,
}

/// An expert offered to the bureau, with the reasons of its place.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub expert_id: i64,
    pub name: String,
    pub organisation: String,
    pub specialties: Vec<Specialty>,
    pub has_specialty: bool,
    /// How deep the expert's region lies on the enterprise's path (0: elsewhere).
    pub nearness: usize,
    pub open_load: u64,
    pub average_rating: Option<f64>,
    /// The expert's organisation is the enterprise itself: assigning needs a confirmation.
    pub conflict: bool,
    /// Already assigned to this request (in any state).
    pub assigned: bool,
}

/// The caller's party on a request, from its scope and role (and its own assignment).
pub fn party(
    caller: &Caller,
    r: &expert_request::Model,
    own: Option<&expert_assignment::Model>,
) -> Party {
    match &caller.scope {
        Scope::Enterprise { enterprise_id, .. } if *enterprise_id == r.enterprise_id => {
            Party::Requester
        }
        Scope::Alliance { alliance_id, .. } if r.alliance_id == Some(*alliance_id) => {
            Party::Requester
        }
        Scope::Region { path, .. }
            if caller.role == Role::Regulator
                && crate::domain::region_path::contains(path, &r.region_path) =>
        {
            Party::Bureau
        }
        Scope::Expert { .. } => match own.map(|a| a.state) {
            Some(AssignmentState::Assigned) => Party::PendingExpert,
            Some(AssignmentState::Accepted) => Party::AcceptedExpert,
            _ => Party::Other,
        },
        _ => Party::Other,
    }
}

/// The caller's own assignment on a request (experts only).
pub async fn own_assignment<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    request_id: i64,
) -> AppResult<Option<expert_assignment::Model>> {
    let Scope::Expert { expert_id } = caller.scope else {
        return Ok(None);
    };
    Ok(expert_assignment::Entity::find()
        .filter(expert_assignment::Column::RequestId.eq(request_id))
        .filter(expert_assignment::Column::ExpertId.eq(expert_id))
        .one(db)
        .await?)
}

/// Whether an assignment other than `own` is open on the request.
pub fn others_open(all: &[expert_assignment::Model], own: Option<i64>) -> bool {
    all.iter()
        .any(|a| Some(a.expert_id) != own && expert_flow::assignment_open(a.state))
}

/// A request the caller may see; 404 for any other.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
) -> AppResult<expert_request::Model> {
    expert_request::Entity::find_by_id(id)
        .filter(scope::expert_requests(scope))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn names<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> AppResult<HashMap<i64, String>> {
    Ok(enterprise::Entity::find()
        .select_only()
        .columns([enterprise::Column::Id, enterprise::Column::Name])
        .filter(enterprise::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

fn item(r: &expert_request::Model, enterprise_name: String) -> RequestItem {
    RequestItem {
        id: r.id,
        enterprise_id: r.enterprise_id,
        enterprise_name,
        topic: r.topic.clone(),
        specialty: r.specialty,
        state: r.state,
        preferred_from: r.preferred_from,
        preferred_to: r.preferred_to,
        visit_on: r.visit_on,
        alliance_id: r.alliance_id,
        rating: r.rating,
        created_at: r.created_at,
    }
}

/// The request list's statement: the requests the scope may see (optionally in one state),
/// newest first (`created_at`, then `id`, descending).
pub fn list_query(
    scope: &Scope,
    filter: &RequestFilter,
) -> AppResult<sea_orm::Select<expert_request::Entity>> {
    use expert_request::Column as R;
    let state = filter.parse().map_err(AppError::Validation)?;
    let mut q = expert_request::Entity::find().filter(scope::expert_requests(scope));
    if let Some(s) = state {
        q = q.filter(R::State.eq(s));
    }
    Ok(newest(q))
}

/// `q` newest first: `created_at`, then `id`, descending (the `(…, created_at, id)` indexes).
fn newest(q: sea_orm::Select<expert_request::Entity>) -> sea_orm::Select<expert_request::Entity> {
    use expert_request::Column as R;
    q.order_by_desc(R::CreatedAt).order_by_desc(R::Id)
}

/// One page of the requests the scope may see, newest first (optionally in one state).
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &RequestFilter,
    page: PageParams,
) -> AppResult<Paged<RequestItem>> {
    newest_first(core, list_query(scope, filter)?, page).await
}

/// One page of `q`'s requests (ordered by `newest`), with their enterprises' names.
async fn newest_first(
    core: &Core,
    q: sea_orm::Select<expert_request::Entity>,
    page: PageParams,
) -> AppResult<Paged<RequestItem>> {
    use expert_request::Column as R;
    let key = Key::new("expert_requests").desc(R::CreatedAt).desc(R::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    let names = names(&core.db, rows.iter().map(|r| r.enterprise_id).collect()).await?;
    let items = rows
        .iter()
        .map(|r| item(r, names.get(&r.enterprise_id).cloned().unwrap_or_default()))
        .collect();
    Ok(info.with(items))
}

/// The latest requests of one enterprise the scope may see, newest first (the 一企一档's
/// expert-services section).
pub async fn of_enterprise(
    core: &Core,
    scope: &Scope,
    enterprise_id: i64,
    page: PageParams,
) -> AppResult<Paged<RequestItem>> {
    let q = expert_request::Entity::find()
        .filter(scope::expert_requests(scope))
        .filter(expert_request::Column::EnterpriseId.eq(enterprise_id));
    newest_first(core, newest(q), page).await
}

/// The scheduled visits of an expert from `from` on, by visit date (the expert portal).
pub async fn upcoming_visits(
    core: &Core,
    scope: &Scope,
    from: NaiveDate,
) -> AppResult<Vec<RequestItem>> {
    use expert_request::Column as R;
    let rows = expert_request::Entity::find()
        .filter(scope::expert_requests(scope))
        .filter(R::State.eq(RequestState::Scheduled))
        .filter(R::VisitOn.gte(from))
        .order_by_asc(R::VisitOn)
        .order_by_asc(R::Id)
        .limit(100)
        .all(&core.db)
        .await?;
    let names = names(&core.db, rows.iter().map(|r| r.enterprise_id).collect()).await?;
    Ok(rows
        .iter()
        .map(|r| item(r, names.get(&r.enterprise_id).cloned().unwrap_or_default()))
        .collect())
}

/// The assignments of a request, oldest first.
pub async fn assignments<C: ConnectionTrait>(
    db: &C,
    request_id: i64,
) -> AppResult<Vec<expert_assignment::Model>> {
    Ok(expert_assignment::Entity::find()
        .filter(expert_assignment::Column::RequestId.eq(request_id))
        .order_by_asc(expert_assignment::Column::Id)
        .all(db)
        .await?)
}

/// The actions `party` may take on `r` now.
pub fn allowed_actions(
    r: &expert_request::Model,
    party: Party,
    all: &[expert_assignment::Model],
    own: Option<i64>,
) -> Vec<RequestAction> {
    let facts = Facts {
        others_open: others_open(all, own),
    };
    RequestAction::ALL
        .iter()
        .copied()
        .filter(|&a| a != RequestAction::Submit)
        .filter(|&a| expert_flow::next(r.state, a, party, facts).is_ok())
        .collect()
}

/// One request the caller may see, with everything its page shows.
pub async fn get(core: &Core, caller: &Caller, id: i64) -> AppResult<RequestView> {
    let db = &core.db;
    let r = visible(db, &caller.scope, id).await?;
    let all = assignments(db, id).await?;
    let own = own_assignment(db, caller, id).await?;
    let party = party(caller, &r, own.as_ref());
    let actions = allowed_actions(&r, party, &all, own.as_ref().map(|a| a.expert_id));
    let experts: HashMap<i64, expert::Model> = expert::Entity::find()
        .filter(expert::Column::Id.is_in(all.iter().map(|a| a.expert_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let assignments = all
        .iter()
        .map(|a| {
            let e = experts.get(&a.expert_id);
            AssignmentView {
                expert_id: a.expert_id,
                name: e.map(|e| e.name.clone()).unwrap_or_default(),
                organisation: e.map(|e| e.organisation.clone()).unwrap_or_default(),
                state: a.state,
                decline_reason: a.decline_reason.clone(),
                assigned_at: a.assigned_at,
                answered_at: a.answered_at,
            }
        })
        .collect();
    let files = expert_request_file::Entity::find()
        .filter(expert_request_file::Column::RequestId.eq(id))
        .order_by_asc(expert_request_file::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|f| RequestFileView {
            id: f.id,
            name: f.original_name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
        })
        .collect();
    let timeline = expert_request_event::Entity::find()
        .filter(expert_request_event::Column::RequestId.eq(id))
        .order_by_asc(expert_request_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| EventView {
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            actor_name: e.actor_name,
            note: e.note,
            at: e.at,
        })
        .collect();
    let visits = visits(core, &caller.scope, id).await?;
    let name = names(db, vec![r.enterprise_id])
        .await?
        .remove(&r.enterprise_id)
        .unwrap_or_default();
    Ok(RequestView {
        item: item(&r, name),
        description: r.description.clone(),
        report: r.report.clone(),
        reason: r.reason.clone(),
        rating: r.rating,
        rating_comment: r.rating_comment.clone(),
        assignments,
        files,
        timeline,
        visits,
        actions,
    })
}

/// The checklists an accepting expert may visit the request's enterprise with: the bureau
/// checklists in use in the enterprise's region that the caller may use (the visit's rule in
/// `inspections::plan_expert_visit`).
pub async fn visit_checklists(
    core: &Core,
    caller: &Caller,
    id: i64,
) -> AppResult<Vec<crate::services::checklists::VersionChoice>> {
    use crate::services::checklists;
    let r = visible(&core.db, &caller.scope, id).await?;
    let e = enterprise::Entity::find_by_id(r.enterprise_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine: std::collections::HashSet<i64> = checklists::choices(core, &caller.scope)
        .await?
        .into_iter()
        .map(|c| c.template_id)
        .collect();
    let theirs = Scope::Enterprise {
        enterprise_id: e.id,
        region_path: e.region_path,
    };
    Ok(checklists::choices(core, &theirs)
        .await?
        .into_iter()
        .filter(|c| mine.contains(&c.template_id))
        .collect())
}

/// The visits a request scheduled, by date, with their findings and whether `scope` may open
/// each (the inspection's own rule).
async fn visits(core: &Core, scope: &Scope, id: i64) -> AppResult<Vec<VisitView>> {
    use crate::models::inspection;
    let db = &core.db;
    let rows = inspection::Entity::find()
        .filter(inspection::Column::ExpertRequestId.eq(id))
        .order_by_asc(inspection::Column::PlannedOn)
        .order_by_asc(inspection::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let readable: std::collections::HashSet<i64> = inspection::Entity::find()
        .select_only()
        .column(inspection::Column::Id)
        .filter(inspection::Column::Id.is_in(ids.clone()))
        .filter(crate::scope::inspections(scope))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let findings = crate::services::inspections::hazard_counts(core, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|i| VisitView {
            inspection_id: i.id,
            expert_id: i.inspecting_expert_id,
            planned_on: i.planned_on,
            state: i.state,
            findings: findings.get(&i.id).copied().unwrap_or(0),
            readable: readable.contains(&i.id),
        })
        .collect())
}

/// The active experts in reach of the enterprise's region (on its path or inside its subtree:
/// the pool's `experts::queries::active_in_reach`) with their specialties, open load and
/// ratings: the one query the suggestions read.
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    region_path: &str,
) -> AppResult<Vec<Candidate>> {
    let found = crate::services::experts::queries::active_in_reach(db, region_path).await?;
    let ids: Vec<i64> = found.iter().map(|(e, _)| e.id).collect();
    use expert_assignment::Column as A;
    let load: HashMap<i64, i64> = expert_assignment::Entity::find()
        .select_only()
        .column(A::ExpertId)
        .column_as(A::Id.count(), "n")
        .inner_join(expert_request::Entity)
        .filter(A::ExpertId.is_in(ids.clone()))
        .filter(A::State.is_in([AssignmentState::Assigned, AssignmentState::Accepted]))
        .filter(expert_request::Column::State.is_in([
            RequestState::Submitted,
            RequestState::Assigned,
            RequestState::Scheduled,
        ]))
        .group_by(A::ExpertId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let ratings: HashMap<i64, (i64, i64)> = expert_assignment::Entity::find()
        .select_only()
        .column(A::ExpertId)
        .column_as(expert_request::Column::Rating.sum(), "s")
        .column_as(expert_request::Column::Rating.count(), "c")
        .inner_join(expert_request::Entity)
        .filter(A::ExpertId.is_in(ids))
        .filter(A::State.eq(AssignmentState::Accepted))
        .filter(expert_request::Column::Rating.is_not_null())
        .group_by(A::ExpertId)
        .into_tuple::<(i64, i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(e, s, c)| (e, (s, c)))
        .collect();
    Ok(found
        .into_iter()
        .map(|(e, specialties)| {
            let (rating_sum, rating_count) = ratings.get(&e.id).copied().unwrap_or((0, 0));
            Candidate {
                expert_id: e.id,
                region_path: e.region_path,
                specialties,
                open_load: load.get(&e.id).copied().unwrap_or(0).max(0) as u64,
                rating_sum,
                rating_count,
                name: e.name,
                organisation: e.organisation,
            }
        })
        .collect())
}

/// The experts offered for a request, best first: for the bureau that holds it (403 for
/// anyone else who may see it).
pub async fn suggestions(core: &Core, caller: &Caller, id: i64) -> AppResult<Vec<SuggestionView>> {
    let db = &core.db;
    let r = visible(db, &caller.scope, id).await?;
    if party(caller, &r, None) != Party::Bureau {
        return Err(AppError::Forbidden);
    }
    let e = enterprise::Entity::find_by_id(r.enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let assigned: Vec<i64> = assignments(db, id)
        .await?
        .iter()
        .map(|a| a.expert_id)
        .collect();
    let ranked = expert_flow::rank(
        candidates(db, &r.region_path).await?,
        r.specialty,
        &r.region_path,
        &e.name,
    );
    Ok(ranked
        .into_iter()
        .map(|s| SuggestionView {
            average_rating: s.average_rating(),
            expert_id: s.candidate.expert_id,
            assigned: assigned.contains(&s.candidate.expert_id),
            name: s.candidate.name,
            organisation: s.candidate.organisation,
            specialties: s.candidate.specialties,
            has_specialty: s.has_specialty,
            nearness: s.nearness,
            open_load: s.candidate.open_load,
            conflict: s.conflict,
        })
        .collect())
}

/// A member enterprise a committee may file for.
#[derive(Debug, Clone, Serialize)]
pub struct MemberChoice {
    pub value: String,
    pub label: String,
}

/// The approved members of the caller's alliance (committee only; empty for anyone else).
pub async fn members(core: &Core, scope: &Scope) -> AppResult<Vec<MemberChoice>> {
    use crate::domain::membership::Status;
    use crate::models::alliance_membership;
    let Scope::Alliance { alliance_id, .. } = scope else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = alliance_membership::Entity::find()
        .select_only()
        .column(alliance_membership::Column::EnterpriseId)
        .filter(alliance_membership::Column::AllianceId.eq(*alliance_id))
        .filter(alliance_membership::Column::Status.eq(Status::Approved))
        .into_tuple()
        .all(&core.db)
        .await?;
    let mut out: Vec<MemberChoice> = names(&core.db, ids)
        .await?
        .into_iter()
        .map(|(id, name)| MemberChoice {
            value: id.to_string(),
            label: name,
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}
