//! What inspection pages and the API show: list rows and the full inspection with its
//! checklist, answers, photos and hazards.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, LoaderTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::domain::inspection::{InspectionKind, InspectionState};
use crate::error::AppResult;
use crate::models::{activity_group, alliance, attachment, hazard, inspection, inspection_answer};
use crate::scope::{self, Caller};
use crate::services::hazards::{self, HazardRow};
use crate::services::{checklists, registry};
use crate::state::Core;

/// An enterprise on one side of an inspection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Party {
    pub id: i64,
    pub name: String,
}

/// An inspection in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionRow {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: InspectionKind,
    #[schema(value_type = String)]
    pub state: InspectionState,
    pub round_id: Option<i64>,
    pub alliance_name: Option<String>,
    pub group_name: Option<String>,
    pub inspecting: Option<Party>,
    pub inspected: Party,
    pub checklist_title: String,
    pub checklist_version: i32,
    pub template_version_id: i64,
    #[schema(value_type = String, format = Date)]
    pub planned_on: NaiveDate,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<DateTime<Utc>>,
    pub hazard_count: u64,
}

/// The answer given to one item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    pub result: String,
    pub note: Option<String>,
}

/// A file as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FileRef {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub has_thumb: bool,
}

impl From<&attachment::Model> for FileRef {
    fn from(a: &attachment::Model) -> Self {
        FileRef {
            id: a.id,
            name: a.original_name.clone(),
            content_type: a.content_type.clone(),
            has_thumb: a.thumb_key.is_some(),
        }
    }
}

/// One checklist item with its answer, photos and the hazard it produced.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = InspectionItem)]
pub struct ItemView {
    pub item_id: i64,
    pub seq: i32,
    pub category: String,
    pub requirement: String,
    pub legal_basis: String,
    pub answer: Option<AnswerView>,
    pub photos: Vec<FileRef>,
    pub hazard_id: Option<i64>,
}

/// The whole inspection, with what the caller may do with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionDetail {
    #[serde(flatten)]
    pub row: InspectionRow,
    pub inspectors: String,
    pub summary: Option<String>,
    pub review_note: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<DateTime<Utc>>,
    pub items: Vec<ItemView>,
    pub hazards: Vec<HazardRow>,
    /// The caller may start it (planned, inspecting side).
    pub may_start: bool,
    /// The caller may fill in and submit it (open, inspecting side).
    pub may_submit: bool,
    /// The caller may review it (submitted, committee of its alliance).
    pub may_review: bool,
}

pub(super) async fn rows(
    core: &Core,
    list: Vec<inspection::Model>,
) -> AppResult<Vec<InspectionRow>> {
    let names = registry::enterprise_names(
        &core.db,
        list.iter()
            .map(|i| i.inspected_enterprise_id)
            .chain(list.iter().filter_map(|i| i.inspecting_enterprise_id)),
    )
    .await?;
    let alliances = list.load_one(alliance::Entity, &core.db).await?;
    let groups = list.load_one(activity_group::Entity, &core.db).await?;
    let checklists = checklists::queries::versions_of(&core.db, &list).await?;
    let ids: Vec<i64> = list.iter().map(|i| i.id).collect();
    let counts = super::hazard_counts(core, &ids).await?;
    let party = |id: i64| Party {
        id,
        name: names.get(&id).cloned().unwrap_or_default(),
    };
    Ok(list
        .into_iter()
        .zip(alliances.into_iter().zip(groups))
        .zip(checklists)
        .map(|((i, (alliance, group)), checklist)| {
            let (checklist_version, checklist_title) = checklist
                .map(|(v, title)| (v.version, title))
                .unwrap_or_default();
            InspectionRow {
                id: i.id,
                kind: i.kind,
                state: i.state,
                round_id: i.round_id,
                alliance_name: alliance.map(|a| a.name),
                group_name: group.map(|g| g.name),
                inspecting: i.inspecting_enterprise_id.map(party),
                inspected: party(i.inspected_enterprise_id),
                checklist_title,
                checklist_version,
                template_version_id: i.template_version_id,
                planned_on: i.planned_on,
                submitted_at: i.submitted_at,
                hazard_count: counts.get(&i.id).copied().unwrap_or(0),
            }
        })
        .collect())
}

pub(super) async fn detail(
    core: &Core,
    caller: &Caller,
    i: inspection::Model,
) -> AppResult<super::InspectionDetail> {
    let items = checklists::version_items(&core.db, i.template_version_id).await?;
    let answers: HashMap<i64, inspection_answer::Model> = inspection_answer::Entity::find()
        .filter(inspection_answer::Column::InspectionId.eq(i.id))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|a| (a.item_id, a))
        .collect();
    let files = attachment::Entity::find()
        .filter(attachment::Column::InspectionId.eq(i.id))
        .filter(scope::attachments(&caller.scope))
        .order_by_asc(attachment::Column::Id)
        .all(&core.db)
        .await?;
    let found = hazard::Entity::find()
        .filter(hazard::Column::InspectionId.eq(i.id))
        .filter(scope::hazards(&caller.scope))
        .order_by_asc(hazard::Column::Id)
        .all(&core.db)
        .await?;
    let hazard_of_answer: HashMap<i64, i64> = found
        .iter()
        .filter_map(|h| h.answer_id.map(|a| (a, h.id)))
        .collect();
    let item_views = items
        .into_iter()
        .map(|item| {
            let answer = answers.get(&item.id);
            ItemView {
                item_id: item.id,
                seq: item.seq,
                category: item.category,
                requirement: item.requirement,
                legal_basis: item.legal_basis,
                answer: answer.map(|a| AnswerView {
                    result: a.result.clone(),
                    note: a.note.clone(),
                }),
                photos: answer
                    .map(|a| {
                        files
                            .iter()
                            .filter(|f| f.answer_id == Some(a.id))
                            .map(FileRef::from)
                            .collect()
                    })
                    .unwrap_or_default(),
                hazard_id: answer.and_then(|a| hazard_of_answer.get(&a.id).copied()),
            }
        })
        .collect();
    let state = i.state;
    let inspector = super::is_inspector(&core.db, caller, &i).await?;
    let may_start = inspector && state == InspectionState::Planned;
    let may_submit = inspector && state.is_open();
    let may_review = super::is_reviewer(caller, &i) && state == InspectionState::Submitted;
    let hazard_rows = hazards::rows(core, found).await?;
    let (inspectors, summary, review_note, started_at, reviewed_at) = (
        i.inspectors.clone(),
        i.summary.clone(),
        i.review_note.clone(),
        i.started_at,
        i.reviewed_at,
    );
    let row = rows(core, vec![i])
        .await?
        .pop()
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(super::InspectionDetail {
        row,
        inspectors,
        summary,
        review_note,
        started_at,
        reviewed_at,
        items: item_views,
        hazards: hazard_rows,
        may_start,
        may_submit,
        may_review,
    })
}
