//! 隐患: hazards as reported by inspections, listed and shown through the caller's scope (the
//! inspected enterprise, the side that reported it, its committee, the bureau). The
//! rectification loop (acknowledge, plan, evidence, verify, close) builds on these rows.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, LoaderTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Query, SelectStatement},
};
use serde::{Deserialize, Serialize};

use crate::domain::hazard_flow::HazardState;
use crate::domain::inspection::{HazardCategory, HazardLevel, InspectionKind};
use crate::error::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::models::{attachment, enterprise, hazard, inspection};
use crate::scope::{self, Caller, Scope};
use crate::services::code_filter;
use crate::services::inspections::FileRef;
use crate::services::keyset::{self, Key};
use crate::services::{PageParams, Paged, given, registry, text_contains};
use crate::state::Core;

/// A hazard in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardRow {
    pub id: i64,
    pub title: String,
    #[schema(value_type = String)]
    pub category: HazardCategory,
    #[schema(value_type = String)]
    pub level: HazardLevel,
    #[schema(value_type = String)]
    pub state: HazardState,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub reporter_enterprise_name: Option<String>,
    pub inspection_id: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub inspection_kind: Option<InspectionKind>,
    /// When the hazard was found: an instant, RFC 3339 in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub found_at: DateTime<Utc>,
    /// The rectification deadline: a calendar day in the portal's zone (`time_zone`).
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// A photo to show in lists (its thumbnail).
    pub thumb_file_id: Option<i64>,
}

/// Filters of the hazard lists.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct HazardFilter {
    pub state: Option<String>,
    /// `general` or `major`.
    pub level: Option<String>,
    pub category: Option<String>,
    /// For enterprise users: `received` (found at our enterprise) or `reported` (found by us).
    pub side: Option<String>,
    /// Part of the enterprise's name or of the hazard's title.
    pub q: Option<String>,
    pub inspection_id: Option<i64>,
    /// Only hazards of this enterprise: its 一企一档.
    pub enterprise_id: Option<i64>,
    /// Only overdue hazards: 待确认 or 整改中 with the deadline passed (computed, never stored).
    pub overdue: Option<bool>,
}

/// The hazard list's statement: the scope's hazards under the filter, newest first (`found_at`,
/// then `id`, both descending: the order of the `(…, found_at, id)` indexes).
pub fn list_query(
    scope: &Scope,
    f: &HazardFilter,
    today: NaiveDate,
) -> AppResult<sea_orm::Select<hazard::Entity>> {
    filtered(scope::hazards(scope), scope, f, today)
}

/// The hazard list as `list` pages it: one statement per part of the scope
/// (`scope::hazard_parts`), each under the filter, newest first.
pub fn list_queries(
    scope: &Scope,
    f: &HazardFilter,
    today: NaiveDate,
) -> AppResult<Vec<sea_orm::Select<hazard::Entity>>> {
    scope::hazard_parts(scope)
        .into_iter()
        .map(|part| filtered(part, scope, f, today))
        .collect()
}

/// The hazards of `part` (of the caller's scope) under the filter, newest first.
fn filtered(
    part: Condition,
    scope: &Scope,
    f: &HazardFilter,
    today: NaiveDate,
) -> AppResult<sea_orm::Select<hazard::Entity>> {
    let mut errors = FieldErrors::default();
    let state: Option<HazardState> = code_filter(&mut errors, "state", &f.state);
    let level: Option<HazardLevel> = code_filter(&mut errors, "level", &f.level);
    let category: Option<HazardCategory> = code_filter(&mut errors, "category", &f.category);
    errors.into_result()?;
    use hazard::Column as H;
    let mut q = hazard::Entity::find().filter(part);
    if f.overdue == Some(true) {
        q = q
            .filter(
                H::State.is_in(
                    crate::domain::hazard_flow::HazardState::ALL
                        .iter()
                        .copied()
                        .filter(|s| crate::domain::hazard_flow::deadline_runs(*s)),
                ),
            )
            .filter(H::Deadline.lt(today));
    }
    if let Some(v) = state {
        q = q.filter(H::State.eq(v));
    }
    if let Some(v) = level {
        q = q.filter(H::Level.eq(v));
    }
    if let Some(v) = category {
        q = q.filter(H::Category.eq(v));
    }
    if let Some(id) = f.inspection_id {
        q = q.filter(H::InspectionId.eq(id));
    }
    if let Some(id) = f.enterprise_id {
        q = q.filter(H::EnterpriseId.eq(id));
    }
    if let Scope::Enterprise { enterprise_id, .. } = scope {
        match given(&f.side) {
            Some("received") => q = q.filter(H::EnterpriseId.eq(*enterprise_id)),
            Some("reported") => {
                q = q
                    .filter(H::ReporterEnterpriseId.eq(*enterprise_id))
                    .filter(H::EnterpriseId.ne(*enterprise_id))
            }
            _ => {}
        }
    }
    if let Some(text) = given(&f.q) {
        q = q.filter(
            Condition::any().add(text_contains(H::Title, text)).add(
                H::EnterpriseId.in_subquery(
                    Query::select()
                        .column(enterprise::Column::Id)
                        .from(enterprise::Entity)
                        .and_where(text_contains(enterprise::Column::Name, text))
                        .to_owned(),
                ),
            ),
        );
    }
    Ok(q.order_by_desc(H::FoundAt).order_by_desc(H::Id))
}

/// One page of the hazards the scope may see, newest first.
pub async fn list(
    core: &Core,
    scope: &Scope,
    filter: &HazardFilter,
    page: PageParams,
) -> AppResult<Paged<HazardRow>> {
    let parts = list_queries(scope, filter, core.today())?;
    let (found, info) = page_of(core, parts, &order_key(), &page).await?;
    Ok(info.with(found.into_iter().map(|(_, row)| row).collect()))
}

/// One page of hazards over `parts` (statements that never overlap, see `keyset::page_with`)
/// in the order of `key`, each hazard with its list row, in one statement per part
/// (`row_columns`): the hazard lists, the to-do list and the queue.
pub(crate) async fn page_of(
    core: &Core,
    parts: Vec<sea_orm::Select<hazard::Entity>>,
    key: &Key,
    page: &PageParams,
) -> AppResult<(Vec<(hazard::Model, HazardRow)>, keyset::PageInfo)> {
    use sea_orm::FromQueryResult;
    let parts = parts.into_iter().map(QueryTrait::into_query).collect();
    let (found, info) = keyset::page_with(core, parts, key, page, Some(row_columns)).await?;
    let rows = found
        .iter()
        .map(|r| {
            let h = hazard::Model::from_query_result(r, "")?;
            let row = HazardRow::of(
                &h,
                Shown {
                    enterprise_name: r
                        .try_get::<Option<String>>("", "row_ent_name")?
                        .unwrap_or_default(),
                    reporter_enterprise_name: r.try_get("", "row_rep_name")?,
                    inspection_kind: r.try_get("", "row_kind")?,
                    thumb_file_id: r.try_get("", "row_thumb")?,
                },
            );
            Ok((h, row))
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((rows, info))
}

/// What a list row shows besides the hazard's own columns, joined to the page's rows (the
/// derived table `keyset::PAGE`, see `keyset::around`) in the page's one statement: both
/// enterprises' names, the inspection's kind and the first photo that has a thumbnail.
pub fn row_columns(q: &mut SelectStatement) {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SubQueryStatement};
    let page = || Alias::new(keyset::PAGE);
    let (ent, rep, insp) = (
        Alias::new("row_ent"),
        Alias::new("row_rep"),
        Alias::new("row_insp"),
    );
    let thumb = Query::select()
        .expr(Expr::col((attachment::Entity, attachment::Column::Id)).min())
        .from(attachment::Entity)
        .and_where(
            Expr::col((attachment::Entity, attachment::Column::HazardId))
                .equals((page(), hazard::Column::Id)),
        )
        .and_where(Expr::col((attachment::Entity, attachment::Column::ThumbKey)).is_not_null())
        .to_owned();
    q.join_as(
        JoinType::LeftJoin,
        enterprise::Entity,
        ent.clone(),
        Expr::col((ent.clone(), enterprise::Column::Id))
            .equals((page(), hazard::Column::EnterpriseId)),
    )
    .join_as(
        JoinType::LeftJoin,
        enterprise::Entity,
        rep.clone(),
        Expr::col((rep.clone(), enterprise::Column::Id))
            .equals((page(), hazard::Column::ReporterEnterpriseId)),
    )
    .join_as(
        JoinType::LeftJoin,
        inspection::Entity,
        insp.clone(),
        Expr::col((insp.clone(), inspection::Column::Id))
            .equals((page(), hazard::Column::InspectionId)),
    )
    .expr_as(
        Expr::col((ent, enterprise::Column::Name)),
        Alias::new("row_ent_name"),
    )
    .expr_as(
        Expr::col((rep, enterprise::Column::Name)),
        Alias::new("row_rep_name"),
    )
    .expr_as(
        Expr::col((insp, inspection::Column::Kind)),
        Alias::new("row_kind"),
    )
    .expr_as(
        Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(thumb))),
        Alias::new("row_thumb"),
    );
}

/// The hazard lists' order, newest found first: `found_at`, then the id.
pub fn order_key() -> Key {
    Key::new("hazards")
        .desc(hazard::Column::FoundAt)
        .desc(hazard::Column::Id)
}

pub(crate) async fn rows(core: &Core, found: Vec<hazard::Model>) -> AppResult<Vec<HazardRow>> {
    let names = registry::enterprise_names(
        &core.db,
        found
            .iter()
            .map(|h| h.enterprise_id)
            .chain(found.iter().filter_map(|h| h.reporter_enterprise_id)),
    )
    .await?;
    let inspections = found.load_one(inspection::Entity, &core.db).await?;
    let thumbs = found
        .load_many(
            attachment::Entity::find()
                .filter(attachment::Column::ThumbKey.is_not_null())
                .order_by_asc(attachment::Column::Id),
            &core.db,
        )
        .await?;
    Ok(found
        .into_iter()
        .zip(inspections.into_iter().zip(thumbs))
        .map(|(h, (inspection, thumbs))| {
            HazardRow::of(
                &h,
                Shown {
                    enterprise_name: names.get(&h.enterprise_id).cloned().unwrap_or_default(),
                    reporter_enterprise_name: h
                        .reporter_enterprise_id
                        .and_then(|r| names.get(&r).cloned()),
                    inspection_kind: inspection.map(|i| i.kind),
                    thumb_file_id: thumbs.first().map(|a| a.id),
                },
            )
        })
        .collect())
}

/// What a list row shows besides the hazard's own columns.
struct Shown {
    enterprise_name: String,
    reporter_enterprise_name: Option<String>,
    inspection_kind: Option<InspectionKind>,
    thumb_file_id: Option<i64>,
}

impl HazardRow {
    fn of(h: &hazard::Model, shown: Shown) -> HazardRow {
        HazardRow {
            id: h.id,
            title: h.title.clone(),
            category: h.category,
            level: h.level,
            state: h.state,
            enterprise_id: h.enterprise_id,
            enterprise_name: shown.enterprise_name,
            reporter_enterprise_name: shown.reporter_enterprise_name,
            inspection_id: h.inspection_id,
            inspection_kind: shown.inspection_kind,
            found_at: h.found_at,
            deadline: h.deadline,
            thumb_file_id: shown.thumb_file_id,
        }
    }
}

/// What a hazard's row copies from its other tables, for the queues' index: whether it is on
/// the supervision list, whether an extension request awaits its decision.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Copied {
    Listed,
    ExtensionPending,
}

/// Rewrites the hazard's copy of `what` to `on`, in the transaction that changed its source
/// (the listing, the request or its decision).
pub(crate) async fn set_copied<C: sea_orm::ConnectionTrait>(
    conn: &C,
    hazard_id: i64,
    what: Copied,
    on: bool,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    let column = match what {
        Copied::Listed => hazard::Column::Listed,
        Copied::ExtensionPending => hazard::Column::ExtensionPending,
    };
    hazard::Entity::update_many()
        .col_expr(column, Expr::value(on))
        .filter(hazard::Column::Id.eq(hazard_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A photo of a hazard, with what the caller may know about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardPhoto {
    #[serde(flatten)]
    pub file: FileRef,
    /// The original's EXIF time and place, for those who may see the evidence.
    pub evidence: Option<crate::services::files::Evidence>,
    /// Other hazards (that the caller may see) carrying the very same photo.
    pub reused_on: Vec<i64>,
}

/// The whole hazard record as found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardDetail {
    #[serde(flatten)]
    pub row: HazardRow,
    pub major_clause: Option<String>,
    pub description: String,
    pub location: String,
    pub legal_basis: String,
    /// The publication the legal basis links to, when linked and the caller may read it.
    pub basis_publication: Option<crate::services::checklists::BasisPublication>,
    /// That publication as the hazard page shows it (the articles named, or its opening).
    #[serde(skip)]
    pub basis: Option<crate::services::checklists::LinkedBasis>,
    pub suggested_measure: String,
    pub photos: Vec<HazardPhoto>,
    /// The rectification loop: plan, timeline, what the caller may do, pending extension,
    /// overdue days.
    #[serde(flatten)]
    pub rectification: crate::services::rectification::LoopSection,
}

/// A hazard the caller may see (`NotFound` otherwise).
pub async fn detail(core: &Core, caller: &Caller, id: i64) -> AppResult<HazardDetail> {
    let h = hazard::Entity::find_by_id(id)
        .filter(scope::hazards(&caller.scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let rectification = crate::services::rectification::loop_section(core, caller, &h).await?;
    // The finding's photos; evidence files belong to their timeline event.
    let files = attachment::Entity::find()
        .filter(attachment::Column::HazardId.eq(h.id))
        .filter(attachment::Column::HazardEventId.is_null())
        .order_by_asc(attachment::Column::Id)
        .all(&core.db)
        .await?;
    let mut photos = Vec::with_capacity(files.len());
    for f in &files {
        photos.push(HazardPhoto {
            file: FileRef::from(f),
            evidence: crate::services::files::evidence(&core.db, caller, f).await?,
            reused_on: crate::services::files::reused_elsewhere(
                &core.db,
                &caller.scope,
                &f.sha256,
                h.id,
            )
            .await?,
        });
    }
    let basis = crate::services::checklists::basis::linked(
        core,
        &caller.scope,
        h.basis_publication_id,
        &h.legal_basis,
    )
    .await?;
    let (major_clause, description, location, legal_basis, suggested_measure) = (
        h.major_clause.clone(),
        h.description.clone(),
        h.location.clone(),
        h.legal_basis.clone(),
        h.suggested_measure.clone(),
    );
    let row = rows(core, vec![h]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(HazardDetail {
        row,
        major_clause,
        description,
        location,
        legal_basis,
        basis_publication: basis.as_ref().map(|b| b.publication.clone()),
        basis,
        suggested_measure,
        photos,
        rectification,
    })
}
