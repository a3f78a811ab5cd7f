//! Publishing and editing checklist templates: create (version 1), update under the versioning
//! rule, archive and restore, and the demo templates of the seed step.
//!
//! Update runs in one write transaction that first locks the template row (`FOR UPDATE` on
//! PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), then reads the latest
//! version and whether an inspection or a round uses it. Two concurrent edits therefore see each
//! other's result and cannot both add the same version number; should the unique index
//! `(template_id, version)` trip anyway, the answer is a conflict, not a 500.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::inspection::{ChecklistTopic, HazardCategory, TemplateStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{
    alliance, checklist_item, checklist_template, checklist_version, inspection, inspection_round,
    region,
};
use crate::scope::{self, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::state::Core;

/// Longest title (characters).
pub const MAX_TITLE: usize = 128;
/// Longest requirement text of an item.
pub const MAX_REQUIREMENT: usize = 2000;
/// Longest legal basis of an item.
pub const MAX_LEGAL_BASIS: usize = 500;
/// Longest revision note of a version.
pub const MAX_NOTE: usize = 500;
/// Most items in one version.
pub const MAX_ITEMS: usize = 200;

/// One item as entered: the hazard category a failure falls under, what must hold, and the
/// clause that requires it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    /// Hazard category code (`fire`, `electrical`, `machinery`, `hazchem`, `dust`, `confined`,
    /// `special_equipment`, `building`, `other`).
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^(fire|electrical|machinery|hazchem|dust|confined|special_equipment|building|other)$"
    )]
    pub category: String,
    /// What must hold (≤ 2000 characters).
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 2000, pattern = r"\S")]
    pub requirement: String,
    /// The legal basis, e.g. 《浙江省安全生产条例》第二十条 (≤ 500 characters).
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 500, pattern = r"\S")]
    pub legal_basis: String,
    /// The publication of the library the legal basis names (optional): one the editor may
    /// read, else 422 on `items[i].basis_publication_id`. The article shown with a hazard is
    /// the one written in `legal_basis` (第十条 …).
    #[serde(default)]
    pub basis_publication_id: Option<i64>,
}

/// A template as entered (create and edit alike). Invalid fields answer 422 with one message
/// per field, items by index: `items[2].requirement`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TemplateInput {
    /// ≤ 128 characters.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub title: String,
    /// Topic code: `fire`, `electrical`, `dust`, `hazchem`, `confined`, `general`.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = r"^(fire|electrical|dust|hazchem|confined|general)$"
    )]
    pub topic: String,
    /// What changed in this version (optional, ≤ 500 characters).
    #[serde(default)]
    pub note: Option<String>,
    /// At least one item, in order.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 200)]
    pub items: Vec<ItemInput>,
}

/// Which version a save wrote.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SaveResult {
    pub template_id: i64,
    pub version_id: i64,
    pub version: i32,
    /// True when the save made a new version (the previous one was in use); false when it
    /// rewrote an unused version in place.
    pub new_version: bool,
}

/// Who publishes a template: a bureau (its region) or a committee (its alliance).
#[derive(Debug, Clone)]
pub struct Owner {
    pub region_id: Option<i64>,
    pub alliance_id: Option<i64>,
    pub region_path: String,
}

impl Owner {
    /// The owner a caller publishes as: a bureau officer its region, a committee member its
    /// alliance; nobody else publishes.
    pub fn of(scope: &Scope) -> AppResult<Owner> {
        match scope {
            Scope::Region { region_id, path } => Ok(Owner {
                region_id: Some(*region_id),
                alliance_id: None,
                region_path: path.clone(),
            }),
            Scope::Alliance {
                alliance_id,
                region_path,
            } => Ok(Owner {
                region_id: None,
                alliance_id: Some(*alliance_id),
                region_path: region_path.clone(),
            }),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The scope the owner publishes with: the links of its items must be publications this
    /// scope may read.
    pub fn scope(&self) -> Scope {
        match self.alliance_id {
            Some(alliance_id) => Scope::Alliance {
                alliance_id,
                region_path: self.region_path.clone(),
            },
            None => Scope::Region {
                region_id: self.region_id.unwrap_or_default(),
                path: self.region_path.clone(),
            },
        }
    }

    /// A bureau owner by region code, or a committee owner by alliance name (demo fixtures).
    pub async fn lookup<C: ConnectionTrait>(
        db: &C,
        region_code: Option<&str>,
        alliance_name: Option<&str>,
    ) -> AppResult<Owner> {
        if let Some(name) = alliance_name {
            let a = alliance::Entity::find()
                .filter(alliance::Column::Name.eq(name))
                .one(db)
                .await?
                .ok_or(AppError::BadRequest("checklists.unknown_owner"))?;
            return Ok(Owner {
                region_id: None,
                alliance_id: Some(a.id),
                region_path: a.region_path,
            });
        }
        let code = region_code.ok_or(AppError::BadRequest("checklists.unknown_owner"))?;
        let r = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or(AppError::BadRequest("checklists.unknown_owner"))?;
        Ok(Owner {
            region_id: Some(r.id),
            alliance_id: None,
            region_path: r.path,
        })
    }
}

/// An item that passed validation.
struct CleanItem {
    category: HazardCategory,
    requirement: String,
    legal_basis: String,
    basis_publication_id: Option<i64>,
}

/// A template input that passed validation.
struct Clean {
    title: String,
    topic: ChecklistTopic,
    note: Option<String>,
    items: Vec<CleanItem>,
}

/// Checks every field, collecting one message per field (items by index).
fn validate(input: &TemplateInput) -> AppResult<Clean> {
    let mut errors = FieldErrors::default();
    errors.require("title", &input.title, MAX_TITLE);
    let topic = ChecklistTopic::parse(input.topic.trim());
    if topic.is_none() {
        errors.add("topic", "checklists.bad_topic");
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        errors.add("note", "form.too_long");
    }
    if input.items.is_empty() {
        errors.add("items", "checklists.no_items");
    } else if input.items.len() > MAX_ITEMS {
        errors.add("items", "checklists.too_many_items");
    }
    let mut items = Vec::with_capacity(input.items.len());
    for (i, item) in input.items.iter().enumerate().take(MAX_ITEMS) {
        let category = HazardCategory::parse(item.category.trim());
        if category.is_none() {
            errors.add(format!("items[{i}].category"), "checklists.bad_category");
        }
        errors.require(
            format!("items[{i}].requirement"),
            &item.requirement,
            MAX_REQUIREMENT,
        );
        errors.require(
            format!("items[{i}].legal_basis"),
            &item.legal_basis,
            MAX_LEGAL_BASIS,
        );
        if let Some(c) = category {
            items.push(CleanItem {
                category: c,
                requirement: item.requirement.trim().to_string(),
                legal_basis: item.legal_basis.trim().to_string(),
                basis_publication_id: item.basis_publication_id,
            });
        }
    }
    errors.into_result()?;
    Ok(Clean {
        title: input.title.trim().to_string(),
        topic: topic.ok_or(AppError::BadRequest("checklists.bad_topic"))?,
        note,
        items,
    })
}

/// Checks every field as `validate` does, and that each linked publication is one `scope` may
/// read (`items[i].basis_publication_id`), with all messages together.
async fn validated<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    input: &TemplateInput,
) -> AppResult<Clean> {
    let links: Vec<(String, i64)> = input
        .items
        .iter()
        .enumerate()
        .take(MAX_ITEMS)
        .filter_map(|(i, item)| {
            Some((
                format!("items[{i}].basis_publication_id"),
                item.basis_publication_id?,
            ))
        })
        .collect();
    let mut link_errors = FieldErrors::default();
    super::basis::check_links(db, scope, &links, &mut link_errors).await?;
    match validate(input) {
        Ok(clean) => link_errors.into_result().map(|()| clean),
        Err(AppError::Validation(mut errors)) => {
            for (field, key) in link_errors.0 {
                errors.add(field, key);
            }
            Err(AppError::Validation(errors))
        }
        Err(e) => Err(e),
    }
}

fn conflict_on_duplicate(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("checklists.concurrent_edit")
        }
        _ => e.into(),
    }
}

async fn insert_items<C: ConnectionTrait>(
    db: &C,
    version_id: i64,
    items: &[CleanItem],
) -> AppResult<()> {
    for (n, item) in items.iter().enumerate() {
        checklist_item::ActiveModel {
            version_id: Set(version_id),
            seq: Set(i32::try_from(n + 1).unwrap_or(i32::MAX)),
            category: Set(item.category.as_str().to_string()),
            requirement: Set(item.requirement.clone()),
            legal_basis: Set(item.legal_basis.clone()),
            basis_publication_id: Set(item.basis_publication_id),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn insert_version<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    template_id: i64,
    version: i32,
    clean: &Clean,
    by: Option<i64>,
) -> AppResult<checklist_version::Model> {
    let v = checklist_version::ActiveModel {
        template_id: Set(template_id),
        version: Set(version),
        note: Set(clean.note.clone()),
        published_by: Set(by),
        published_at: Set(core.now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(conflict_on_duplicate)?;
    insert_items(db, v.id, &clean.items).await?;
    Ok(v)
}

/// Inserts a template with its version 1 (no audit: callers record it). Its items may link
/// the publications the owner may read.
pub async fn insert_template<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    owner: &Owner,
    created_by: Option<i64>,
    input: &TemplateInput,
) -> AppResult<SaveResult> {
    let clean = validated(db, &owner.scope(), input).await?;
    let now = core.now();
    let t = checklist_template::ActiveModel {
        title: Set(clean.title.clone()),
        topic: Set(clean.topic.as_str().to_string()),
        region_id: Set(owner.region_id),
        alliance_id: Set(owner.alliance_id),
        region_path: Set(owner.region_path.clone()),
        status: Set(TemplateStatus::Active),
        created_by: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let v = insert_version(db, core, t.id, 1, &clean, created_by).await?;
    Ok(SaveResult {
        template_id: t.id,
        version_id: v.id,
        version: v.version,
        new_version: true,
    })
}

async fn audit_template(
    core: &Core,
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    id: i64,
    detail: String,
) -> AppResult<()> {
    audit::record(
        txn,
        core.now(),
        &Author::of(actor),
        action,
        Some(("checklist_template", id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await
}

/// Publishes a new template as the caller's bureau or committee (version 1).
pub async fn create(core: &Core, actor: &Actor, input: &TemplateInput) -> AppResult<SaveResult> {
    let caller = &actor.caller;
    let owner = Owner::of(&caller.scope)?;
    validated(&core.db, &caller.scope, input).await?;
    let txn = begin_write(&core.db).await?;
    let saved = insert_template(&txn, core, &owner, Some(caller.user_id), input).await?;
    let detail = format!("{} (v1, {} items)", input.title.trim(), input.items.len());
    audit_template(
        core,
        &txn,
        actor,
        "checklist.create",
        saved.template_id,
        detail,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A template the caller may change, locked for the rest of the transaction: `NotFound` when
/// it cannot see it, `Forbidden` when it can see but not manage it.
async fn managed_template(
    txn: &DatabaseTransaction,
    scope: &Scope,
    id: i64,
) -> AppResult<checklist_template::Model> {
    let t = checklist_template::Entity::find_by_id(id)
        .filter(scope::checklist_templates(scope))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !scope::manages_template(scope, &t) {
        return Err(AppError::Forbidden);
    }
    Ok(t)
}

/// Whether an inspection or a round refers to the version.
pub async fn version_in_use<C: ConnectionTrait>(db: &C, version_id: i64) -> AppResult<bool> {
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::TemplateVersionId.eq(version_id))
        .count(db)
        .await?;
    if inspections > 0 {
        return Ok(true);
    }
    let rounds = inspection_round::Entity::find()
        .filter(inspection_round::Column::TemplateVersionId.eq(version_id))
        .count(db)
        .await?;
    Ok(rounds > 0)
}

/// Saves an edit: rewrites the latest version in place while nothing uses it, otherwise adds
/// the next version. Past versions are never touched.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &TemplateInput,
) -> AppResult<SaveResult> {
    let caller = &actor.caller;
    let txn = begin_write(&core.db).await?;
    let t = managed_template(&txn, &caller.scope, id).await?;
    let clean = validated(&txn, &caller.scope, input).await?;
    let latest = checklist_version::Entity::find()
        .filter(checklist_version::Column::TemplateId.eq(t.id))
        .order_by_desc(checklist_version::Column::Version)
        .one(&txn)
        .await?;
    let in_use = match &latest {
        Some(v) => version_in_use(&txn, v.id).await?,
        None => true,
    };
    let (version, new_version) = match latest {
        Some(v) if !in_use => {
            checklist_item::Entity::delete_many()
                .filter(checklist_item::Column::VersionId.eq(v.id))
                .exec(&txn)
                .await?;
            insert_items(&txn, v.id, &clean.items).await?;
            let mut m: checklist_version::ActiveModel = v.into();
            m.note = Set(clean.note.clone());
            m.published_by = Set(Some(caller.user_id));
            m.published_at = Set(core.now());
            (m.update(&txn).await?, false)
        }
        latest => {
            let next = latest.map_or(1, |v| v.version + 1);
            let v = insert_version(&txn, core, t.id, next, &clean, Some(caller.user_id)).await?;
            (v, true)
        }
    };
    let detail = format!(
        "{} v{} {} ({} items)",
        clean.title,
        version.version,
        if new_version { "new" } else { "rewritten" },
        clean.items.len()
    );
    let mut m: checklist_template::ActiveModel = t.into();
    m.title = Set(clean.title);
    m.topic = Set(clean.topic.as_str().to_string());
    m.updated_at = Set(core.now());
    m.update(&txn).await?;
    audit_template(core, &txn, actor, "checklist.update", id, detail).await?;
    txn.commit().await?;
    Ok(SaveResult {
        template_id: id,
        version_id: version.id,
        version: version.version,
        new_version,
    })
}

/// Archives (hidden from the choices, still readable) or restores a template. Setting the
/// status it already has changes nothing.
pub async fn set_archived(core: &Core, actor: &Actor, id: i64, archived: bool) -> AppResult<()> {
    let caller = &actor.caller;
    let status = if archived {
        TemplateStatus::Archived
    } else {
        TemplateStatus::Active
    };
    let txn = begin_write(&core.db).await?;
    let t = managed_template(&txn, &caller.scope, id).await?;
    if t.status == status {
        return Ok(());
    }
    let title = t.title.clone();
    let mut m: checklist_template::ActiveModel = t.into();
    m.status = Set(status);
    m.updated_at = Set(core.now());
    m.update(&txn).await?;
    let action = if archived {
        "checklist.archive"
    } else {
        "checklist.restore"
    };
    audit_template(core, &txn, actor, action, id, title).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(category: &str, requirement: &str, legal_basis: &str) -> ItemInput {
        ItemInput {
            category: category.into(),
            requirement: requirement.into(),
            legal_basis: legal_basis.into(),
            basis_publication_id: None,
        }
    }

    fn fields(input: &TemplateInput) -> Vec<String> {
        match validate(input) {
            Err(AppError::Validation(f)) => f.0.keys().map(|k| k.to_string()).collect(),
            Err(e) => panic!("unexpected {e:?}"),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn a_complete_template_passes() {
        let input = TemplateInput {
            title: " 消防安全检查表 ".into(),
            topic: "fire".into(),
            note: Some("  ".into()),
            items: vec![item("fire", "疏散通道畅通", "《消防法》第二十八条")],
        };
        let clean = validate(&input).expect("valid");
        assert_eq!(clean.title, "消防安全检查表");
        assert_eq!(clean.note, None);
        assert_eq!(clean.items.len(), 1);
    }

    #[test]
    fn each_bad_item_field_is_reported_by_its_index() {
        let input = TemplateInput {
            title: "x".repeat(MAX_TITLE + 1),
            topic: "noise".into(),
            note: None,
            items: vec![
                item("fire", "疏散通道畅通", "《消防法》第二十八条"),
                item("weather", "", &"条".repeat(MAX_LEGAL_BASIS + 1)),
            ],
        };
        assert_eq!(
            fields(&input),
            [
                "items[1].category",
                "items[1].legal_basis",
                "items[1].requirement",
                "title",
                "topic"
            ]
        );
    }

    #[test]
    fn a_template_needs_an_item() {
        let input = TemplateInput {
            title: "空表".into(),
            topic: "general".into(),
            ..Default::default()
        };
        assert_eq!(fields(&input), ["items"]);
    }
}
