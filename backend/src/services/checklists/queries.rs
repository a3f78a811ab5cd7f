//! Reading checklist templates as the scope shows them: the filtered, paginated list, and one
//! template with all its versions, their items and how often each version was used.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, LoaderTrait, ModelTrait, QueryFilter, QueryOrder,
    QuerySelect, Related,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use crate::domain::inspection::TemplateStatus;
use crate::error::{AppError, AppResult};
use crate::models::{
    alliance, checklist_item, checklist_template, checklist_version, inspection, inspection_round,
    nested, region,
};
use crate::scope::{self, Scope};
use crate::services::checklists::write::{ItemInput, TemplateInput};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, given, text_contains};
use crate::state::Core;

/// What a list of templates can be narrowed by.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct ChecklistFilter {
    /// Title contains.
    pub q: Option<String>,
    /// Topic code: `fire`, `electrical`, `dust`, `hazchem`, `confined`, `general`.
    pub topic: Option<String>,
    /// `bureau` (published by an emergency-management bureau) or `committee` (by an alliance
    /// committee).
    pub owner: Option<String>,
    /// `active` or `archived`.
    pub status: Option<String>,
}

/// A template as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateSummary {
    pub id: i64,
    pub title: String,
    pub topic: String,
    /// `bureau` or `committee`.
    pub owner_kind: String,
    /// The publishing bureau's region, or the alliance.
    pub owner_name: String,
    /// `active` or `archived`.
    #[schema(value_type = String)]
    pub status: TemplateStatus,
    pub latest_version: i32,
    pub latest_version_id: i64,
    /// Items in the latest version.
    pub item_count: u64,
    pub updated_at: DateTime<Utc>,
    /// Whether the caller may edit, archive and restore it.
    pub can_manage: bool,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ChecklistItem)]
pub struct ItemView {
    pub id: i64,
    /// Order within the version, from 1.
    pub seq: i32,
    /// Hazard category code a failed item is reported under.
    pub category: String,
    pub requirement: String,
    pub legal_basis: String,
    /// The publication the legal basis links to, when linked and the caller may read it.
    pub basis_publication: Option<super::BasisPublication>,
}

/// One version of a template with its items and its use.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionDetail {
    pub id: i64,
    pub version: i32,
    pub note: Option<String>,
    pub published_at: DateTime<Utc>,
    /// Inspections that use this version.
    pub inspections: u64,
    /// 互查 rounds planned with this version.
    pub rounds: u64,
    pub items: Vec<ItemView>,
}

impl VersionDetail {
    /// Whether anything uses the version (then it can no longer change).
    pub fn in_use(&self) -> bool {
        self.inspections > 0 || self.rounds > 0
    }
}

/// A template with every version, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateDetail {
    pub template: TemplateSummary,
    pub versions: Vec<VersionDetail>,
}

/// How many inspections and rounds use each of the versions.
async fn usage<C: ConnectionTrait>(
    db: &C,
    version_ids: &[i64],
) -> AppResult<HashMap<i64, (u64, u64)>> {
    let mut out: HashMap<i64, (u64, u64)> = HashMap::new();
    let inspections: Vec<(i64, i64)> = inspection::Entity::find()
        .select_only()
        .column(inspection::Column::TemplateVersionId)
        .column_as(Expr::col(inspection::Column::Id).count(), "n")
        .filter(inspection::Column::TemplateVersionId.is_in(version_ids.iter().copied()))
        .group_by(inspection::Column::TemplateVersionId)
        .into_tuple()
        .all(db)
        .await?;
    for (v, n) in inspections {
        out.entry(v).or_default().0 = u64::try_from(n).unwrap_or(0);
    }
    let rounds: Vec<(i64, i64)> = inspection_round::Entity::find()
        .select_only()
        .column(inspection_round::Column::TemplateVersionId)
        .column_as(Expr::col(inspection_round::Column::Id).count(), "n")
        .filter(inspection_round::Column::TemplateVersionId.is_in(version_ids.iter().copied()))
        .group_by(inspection_round::Column::TemplateVersionId)
        .into_tuple()
        .all(db)
        .await?;
    for (v, n) in rounds {
        out.entry(v).or_default().1 = u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}

/// Builds the list rows of some templates: owner names, latest version, its item count.
async fn summaries(
    core: &Core,
    scope: &Scope,
    templates: Vec<checklist_template::Model>,
) -> AppResult<Vec<TemplateSummary>> {
    let ids: Vec<i64> = templates.iter().map(|t| t.id).collect();
    let versions = checklist_version::Entity::find()
        .filter(checklist_version::Column::TemplateId.is_in(ids))
        .order_by_asc(checklist_version::Column::Version)
        .all(&core.db)
        .await?;
    let mut latest: HashMap<i64, &checklist_version::Model> = HashMap::new();
    for v in &versions {
        latest.insert(v.template_id, v);
    }
    let counts: HashMap<i64, i64> = checklist_item::Entity::find()
        .select_only()
        .column(checklist_item::Column::VersionId)
        .column_as(Expr::col(checklist_item::Column::Id).count(), "n")
        .filter(checklist_item::Column::VersionId.is_in(latest.values().map(|v| v.id)))
        .group_by(checklist_item::Column::VersionId)
        .into_tuple::<(i64, i64)>()
        .all(&core.db)
        .await?
        .into_iter()
        .collect();
    let regions = templates.load_one(region::Entity, &core.db).await?;
    let alliances = templates.load_one(alliance::Entity, &core.db).await?;
    Ok(templates
        .into_iter()
        .zip(regions.into_iter().zip(alliances))
        .map(|(t, (region, alliance))| {
            let v = latest.get(&t.id);
            let (owner_kind, owner_name) = match (t.alliance_id, t.region_id) {
                (Some(_), _) => ("committee", alliance.map(|a| a.name)),
                (None, Some(_)) => ("bureau", region.map(|r| r.name)),
                (None, None) => ("bureau", None),
            };
            TemplateSummary {
                can_manage: scope::manages_template(scope, &t),
                id: t.id,
                title: t.title,
                topic: t.topic,
                owner_kind: owner_kind.into(),
                owner_name: owner_name.unwrap_or_default(),
                status: t.status,
                latest_version: v.map_or(0, |v| v.version),
                latest_version_id: v.map_or(0, |v| v.id),
                item_count: v
                    .and_then(|v| counts.get(&v.id))
                    .map_or(0, |n| u64::try_from(*n).unwrap_or(0)),
                updated_at: t.updated_at,
            }
        })
        .collect())
}

/// The templates the scope may see, filtered, active ones first, by title.
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &ChecklistFilter,
    page: PageParams,
) -> AppResult<Paged<TemplateSummary>> {
    use checklist_template::Column as T;
    let mut q = checklist_template::Entity::find().filter(scope::checklist_templates(scope));
    if let Some(text) = given(&filter.q) {
        q = q.filter(text_contains(T::Title, text));
    }
    if let Some(topic) = given(&filter.topic) {
        q = q.filter(T::Topic.eq(topic));
    }
    match given(&filter.owner) {
        Some("bureau") => q = q.filter(T::AllianceId.is_null()),
        Some("committee") => q = q.filter(T::AllianceId.is_not_null()),
        _ => {}
    }
    if let Some(status) = given(&filter.status) {
        q = q.filter(T::Status.eq(status));
    }
    let key = Key::new("checklists")
        .asc(T::Status)
        .asc(T::Title)
        .asc(T::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    Ok(info.with(summaries(core, scope, rows).await?))
}

/// One template with all its versions (newest first), `NotFound` outside the scope.
pub async fn detail(core: &Core, scope: &Scope, id: i64) -> AppResult<TemplateDetail> {
    let t = checklist_template::Entity::find_by_id(id)
        .filter(scope::checklist_templates(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = checklist_version::Entity::find()
        .filter(checklist_version::Column::TemplateId.eq(t.id))
        .order_by_desc(checklist_version::Column::Version)
        .all(&core.db)
        .await?;
    let ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
    let used = usage(&core.db, &ids).await?;
    let mut items: HashMap<i64, Vec<ItemView>> = HashMap::new();
    let rows = checklist_item::Entity::find()
        .filter(checklist_item::Column::VersionId.is_in(ids))
        .order_by_asc(checklist_item::Column::Seq)
        .all(&core.db)
        .await?;
    let linked = super::basis::readable(
        &core.db,
        scope,
        rows.iter().filter_map(|i| i.basis_publication_id),
    )
    .await?;
    for i in rows {
        items.entry(i.version_id).or_default().push(ItemView {
            basis_publication: i
                .basis_publication_id
                .and_then(|id| linked.get(&id).cloned()),
            id: i.id,
            seq: i.seq,
            category: i.category,
            requirement: i.requirement,
            legal_basis: i.legal_basis,
        });
    }
    let template = summaries(core, scope, vec![t])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(TemplateDetail {
        template,
        versions: versions
            .into_iter()
            .map(|v| {
                let (inspections, rounds) = used.get(&v.id).copied().unwrap_or_default();
                VersionDetail {
                    items: items.remove(&v.id).unwrap_or_default(),
                    id: v.id,
                    version: v.version,
                    note: v.note,
                    published_at: v.published_at,
                    inspections,
                    rounds,
                }
            })
            .collect(),
    })
}

/// The latest version of a template the scope manages, as the edit form starts from it
/// (`NotFound` outside the scope, `Forbidden` when it may only read it).
pub async fn input_of(
    core: &Core,
    scope: &Scope,
    id: i64,
) -> AppResult<(TemplateDetail, TemplateInput)> {
    let d = detail(core, scope, id).await?;
    if !d.template.can_manage {
        return Err(AppError::Forbidden);
    }
    let items = d
        .versions
        .first()
        .map(|v| {
            v.items
                .iter()
                .map(|i| ItemInput {
                    category: i.category.clone(),
                    requirement: i.requirement.clone(),
                    legal_basis: i.legal_basis.clone(),
                    basis_publication_id: i.basis_publication.as_ref().map(|p| p.id),
                })
                .collect()
        })
        .unwrap_or_default();
    let input = TemplateInput {
        title: d.template.title.clone(),
        topic: d.template.topic.clone(),
        note: None,
        items,
    };
    Ok((d, input))
}

/// The checklist version each row was made with, and its template's title (empty when the
/// template is gone), in the order of `rows`: one query for the versions, one for the templates.
pub(crate) async fn versions_of<M, C>(
    db: &C,
    rows: &[M],
) -> AppResult<Vec<Option<(checklist_version::Model, String)>>>
where
    M: ModelTrait + Sync,
    M::Entity: Related<checklist_version::Entity>,
    C: ConnectionTrait,
{
    let versions = rows.load_one(checklist_version::Entity, db).await?;
    Ok(
        nested::load_one_of(db, versions, checklist_template::Entity)
            .await?
            .into_iter()
            .map(|v| v.map(|(v, t)| (v, t.map(|t| t.title).unwrap_or_default())))
            .collect(),
    )
}
