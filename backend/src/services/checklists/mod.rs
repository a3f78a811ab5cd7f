//! 检查表: checklist templates published by a bureau (for its region) or a committee (for its
//! alliance), each a chain of immutable versions of items (requirement + legal basis).
//!
//! Versioning rule: saving a template whose current version no inspection or round uses yet
//! rewrites that version; once used, saving makes a new version and past inspections keep
//! the version they used.
//!
//! Files: this one the reads other services call (`choices`, `usable_version`,
//! `version_items`); `queries` the scoped list and the template page; `write` creating, editing
//! (the versioning rule), archiving and restoring, and loading the demo templates; `basis` the
//! links of an item's (and a hazard's) legal basis to a publication of the library.

pub mod basis;
pub mod queries;
pub mod write;

pub use basis::{BasisPublication, LinkedBasis};
pub use queries::{ChecklistFilter, TemplateDetail, TemplateSummary, VersionDetail};
pub use write::{ItemInput, SaveResult, TemplateInput};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::domain::inspection::TemplateStatus;
use crate::error::{AppError, AppResult};
use crate::models::{checklist_item, checklist_template, checklist_version};
use crate::scope::{self, Scope};
use crate::state::Core;

/// A template's latest version, as offered when planning an inspection or a round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionChoice {
    pub version_id: i64,
    pub template_id: i64,
    pub title: String,
    pub topic: String,
    pub version: i32,
}

/// The latest version of every active template the scope may use, by title.
pub async fn choices(core: &Core, scope: &Scope) -> AppResult<Vec<VersionChoice>> {
    let templates = checklist_template::Entity::find()
        .filter(scope::checklist_templates(scope))
        .filter(checklist_template::Column::Status.eq(TemplateStatus::Active))
        .order_by_asc(checklist_template::Column::Title)
        .all(&core.db)
        .await?;
    let ids: Vec<i64> = templates.iter().map(|t| t.id).collect();
    let versions = checklist_version::Entity::find()
        .filter(checklist_version::Column::TemplateId.is_in(ids))
        .order_by_asc(checklist_version::Column::Version)
        .all(&core.db)
        .await?;
    Ok(templates
        .into_iter()
        .filter_map(|t| {
            let latest = versions.iter().rev().find(|v| v.template_id == t.id)?;
            Some(VersionChoice {
                version_id: latest.id,
                template_id: t.id,
                title: t.title,
                topic: t.topic,
                version: latest.version,
            })
        })
        .collect())
}

/// A version the scope may use, with its template (`NotFound` otherwise).
pub async fn usable_version(
    core: &Core,
    scope: &Scope,
    version_id: i64,
) -> AppResult<(checklist_template::Model, checklist_version::Model)> {
    let version = checklist_version::Entity::find_by_id(version_id)
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let template = checklist_template::Entity::find_by_id(version.template_id)
        .filter(scope::checklist_templates(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((template, version))
}

/// The items of a version in order. No scope: callers reach a version through an inspection or
/// a template they may see.
pub async fn version_items<C: sea_orm::ConnectionTrait>(
    db: &C,
    version_id: i64,
) -> AppResult<Vec<checklist_item::Model>> {
    Ok(checklist_item::Entity::find()
        .filter(checklist_item::Column::VersionId.eq(version_id))
        .order_by_asc(checklist_item::Column::Seq)
        .all(db)
        .await?)
}
