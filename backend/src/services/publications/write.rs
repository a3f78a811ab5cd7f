//! Writing the library: create, update, change the status (with the superseding
//! publication), attach a PDF. Each write is one transaction with its audit record; a request
//! retried with the same idempotency key (the API's `Idempotency-Key`, a page form's one-time
//! token) gets the first answer back and changes nothing.
//!
//! Who writes: a bureau officer for its region (it manages the publications of its own
//! region), a committee member for its alliance (its alliance's). Nobody else publishes. A
//! publication outside the caller's reach is 404, as everywhere.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::db::begin_write;
use crate::domain::publication::PublicationStatus;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{
    alliance, industry, publication, publication_file, publication_industry, publication_risk_tag,
    region, risk_tag,
};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::files::{self, Kind, Upload};
use crate::services::idempotency;
use crate::state::Core;

use super::{Parsed, PublicationInput, bigrams};

/// What a write answers (saved for a retried request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicationRef {
    pub id: i64,
}

/// What attaching a PDF answers: the publication and its new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedFile {
    pub publication_id: i64,
    pub file_id: i64,
}

/// A new status, with the publication that supersedes this one (revised or repealed only).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// `current`, `revised` or `repealed`.
    #[serde(default)]
    #[schema(required = true)]
    pub status: String,
    /// The superseding publication's id (it must be one the publisher may see).
    #[serde(default, deserialize_with = "super::optional_id")]
    #[schema(value_type = Option<i64>)]
    pub superseded_by: Option<String>,
}

/// The roles that publish (the routes' access rule; `Publisher::of` is the check).
pub const PUBLISHERS: &[Role] = &[Role::Regulator, Role::Committee];

/// Who publishes: a bureau for its region, a committee for its alliance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publisher {
    Region {
        region_id: i64,
        path: String,
    },
    Alliance {
        alliance_id: i64,
        region_path: String,
    },
}

impl Publisher {
    /// The caller's publisher, or 403 for a role that does not publish.
    pub fn of(caller: &Caller) -> AppResult<Publisher> {
        match (&caller.scope, caller.role) {
            (Scope::Region { region_id, path }, Role::Regulator) => Ok(Publisher::Region {
                region_id: *region_id,
                path: path.clone(),
            }),
            (
                Scope::Alliance {
                    alliance_id,
                    region_path,
                },
                Role::Committee,
            ) => Ok(Publisher::Alliance {
                alliance_id: *alliance_id,
                region_path: region_path.clone(),
            }),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The bureau of a region or the committee of an alliance, by code or name (seed data).
    pub async fn lookup<C: ConnectionTrait>(
        db: &C,
        region_code: Option<&str>,
        alliance_name: Option<&str>,
    ) -> AppResult<Publisher> {
        if let Some(code) = region_code {
            let r = region::Entity::find()
                .filter(region::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or(AppError::BadRequest("publications.no_publisher"))?;
            return Ok(Publisher::Region {
                region_id: r.id,
                path: r.path,
            });
        }
        let name = alliance_name.ok_or(AppError::BadRequest("publications.no_publisher"))?;
        let a = alliance::Entity::find()
            .filter(alliance::Column::Name.eq(name))
            .one(db)
            .await?
            .ok_or(AppError::BadRequest("publications.no_publisher"))?;
        Ok(Publisher::Alliance {
            alliance_id: a.id,
            region_path: a.region_path,
        })
    }

    fn scope(&self) -> Scope {
        match self {
            Publisher::Region { region_id, path } => Scope::Region {
                region_id: *region_id,
                path: path.clone(),
            },
            Publisher::Alliance {
                alliance_id,
                region_path,
            } => Scope::Alliance {
                alliance_id: *alliance_id,
                region_path: region_path.clone(),
            },
        }
    }

    /// The publications this publisher manages.
    pub(super) fn manages(&self) -> sea_orm::Condition {
        use publication::Column as P;
        match self {
            Publisher::Region { region_id, .. } => {
                sea_orm::Condition::all().add(P::RegionId.eq(*region_id))
            }
            Publisher::Alliance { alliance_id, .. } => {
                sea_orm::Condition::all().add(P::AllianceId.eq(*alliance_id))
            }
        }
    }
}

/// The saved answer of a retried request, if any.
pub(super) async fn replayed<T: DeserializeOwned>(
    core: &Core,
    actor: &Actor,
    fingerprint: &str,
) -> AppResult<Option<T>> {
    match actor.key()? {
        Some(key) => idempotency::replay(core, actor.caller.user_id, key, fingerprint).await,
        None => Ok(None),
    }
}

/// Saves the answer for the key (if any) and commits. When a concurrent request with the same
/// key won, this one rolls back and answers as that one did.
pub(super) async fn finish<T: Serialize + DeserializeOwned>(
    core: &Core,
    actor: &Actor,
    txn: DatabaseTransaction,
    fingerprint: &str,
    answer: T,
) -> AppResult<T> {
    if let Some(key) = actor.key()?
        && let Err(e) =
            idempotency::save(&txn, core, actor.caller.user_id, key, fingerprint, &answer).await
    {
        txn.rollback().await?;
        return match replayed(core, actor, fingerprint).await? {
            Some(saved) => Ok(saved),
            None => Err(e),
        };
    }
    txn.commit().await?;
    Ok(answer)
}

/// Refuses tags the registry does not have.
async fn check_tags<C: ConnectionTrait>(db: &C, parsed: &Parsed) -> AppResult<()> {
    let mut errors = FieldErrors::default();
    if !parsed.industries.is_empty() {
        let known = industry::Entity::find()
            .filter(industry::Column::Code.is_in(parsed.industries.iter().cloned()))
            .count(db)
            .await?;
        if known != parsed.industries.len() as u64 {
            errors.add("industries", "publications.unknown_tag");
        }
    }
    if !parsed.risk_tags.is_empty() {
        let known = risk_tag::Entity::find()
            .filter(risk_tag::Column::Code.is_in(parsed.risk_tags.iter().cloned()))
            .count(db)
            .await?;
        if known != parsed.risk_tags.len() as u64 {
            errors.add("risk_tags", "publications.unknown_tag");
        }
    }
    errors.into_result()
}

/// Replaces the tags of a publication.
async fn save_tags<C: ConnectionTrait>(db: &C, id: i64, parsed: &Parsed) -> AppResult<()> {
    publication_industry::Entity::delete_many()
        .filter(publication_industry::Column::PublicationId.eq(id))
        .exec(db)
        .await?;
    publication_risk_tag::Entity::delete_many()
        .filter(publication_risk_tag::Column::PublicationId.eq(id))
        .exec(db)
        .await?;
    if !parsed.industries.is_empty() {
        publication_industry::Entity::insert_many(parsed.industries.iter().map(|c| {
            publication_industry::ActiveModel {
                publication_id: Set(id),
                industry_code: Set(c.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    if !parsed.risk_tags.is_empty() {
        publication_risk_tag::Entity::insert_many(parsed.risk_tags.iter().map(|c| {
            publication_risk_tag::ActiveModel {
                publication_id: Set(id),
                tag_code: Set(c.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn audit_publication<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    author: &Author,
    action: &str,
    id: i64,
    detail: String,
) -> AppResult<()> {
    audit::record(
        db,
        core.now(),
        author,
        action,
        Some(("publication", id.to_string())),
        Outcome::Success,
        Some(detail),
    )
    .await
}

/// Inserts a checked publication for `publisher` with its tags, in the caller's transaction
/// (the caller writes the audit record: `create` one per publication, the seed its one
/// `seed.demo` record).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    author: &Author,
    publisher: &Publisher,
    parsed: &Parsed,
) -> AppResult<publication::Model> {
    check_tags(db, parsed).await?;
    let (region_id, alliance_id, region_path) = match publisher {
        Publisher::Region { region_id, path } => (Some(*region_id), None, path.clone()),
        Publisher::Alliance {
            alliance_id,
            region_path,
        } => (None, Some(*alliance_id), region_path.clone()),
    };
    let now = core.now();
    let p = publication::ActiveModel {
        kind: Set(parsed.kind),
        title: Set(parsed.title.clone()),
        doc_number: Set(parsed.doc_number.clone()),
        issuer: Set(parsed.issuer.clone()),
        published_on: Set(parsed.published_on),
        effective_on: Set(parsed.effective_on),
        status: Set(PublicationStatus::Current),
        superseded_by: Set(None),
        body: Set(parsed.body.clone()),
        is_public: Set(parsed.is_public),
        region_id: Set(region_id),
        alliance_id: Set(alliance_id),
        region_path: Set(region_path),
        created_by: Set(author.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        requires_ack: Set(parsed.requires_ack),
        reminded_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    save_tags(db, p.id, parsed).await?;
    bigrams::store(db, p.id, &p.title, &p.body).await?;
    Ok(p)
}

/// Publishes a new publication (status 现行有效) for the caller's region or alliance.
pub async fn create(
    core: &Core,
    actor: &Actor,
    input: &PublicationInput,
) -> AppResult<PublicationRef> {
    let publisher = Publisher::of(&actor.caller)?;
    let fingerprint = "create publication";
    if let Some(saved) = replayed(core, actor, fingerprint).await? {
        return Ok(saved);
    }
    let parsed = input.parse().map_err(AppError::Validation)?;
    let txn = begin_write(&core.db).await?;
    let author = Author::of(actor);
    let p = insert(&txn, core, &author, &publisher, &parsed).await?;
    let told = super::reach::fan_out(&txn, core, &p).await?;
    let detail = match told {
        0 => format!("{} {}", parsed.kind, parsed.title),
        n => format!("{} {} (told {n} accounts)", parsed.kind, parsed.title),
    };
    audit_publication(&txn, core, &author, "publication.create", p.id, detail).await?;
    finish(core, actor, txn, fingerprint, PublicationRef { id: p.id }).await
}

/// A publication the caller manages, locked; 404 for any other (403 for a non-publisher).
pub(super) async fn managed(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: i64,
) -> AppResult<(Publisher, publication::Model)> {
    let publisher = Publisher::of(caller)?;
    let p = publication::Entity::find_by_id(id)
        .filter(scope::publications(&caller.scope))
        .filter(publisher.manages())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((publisher, p))
}

/// Changes a publication's fields and tags (its status has its own action).
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: &PublicationInput,
) -> AppResult<PublicationRef> {
    let fingerprint = format!("update publication {id}");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    let parsed = input.parse().map_err(AppError::Validation)?;
    let txn = begin_write(&core.db).await?;
    let (_, p) = managed(&txn, &actor.caller, id).await?;
    check_tags(&txn, &parsed).await?;
    let detail = if p.title == parsed.title {
        parsed.title.clone()
    } else {
        format!("{} → {}", p.title, parsed.title)
    };
    let mut m: publication::ActiveModel = p.into();
    m.kind = Set(parsed.kind);
    m.title = Set(parsed.title.clone());
    m.doc_number = Set(parsed.doc_number.clone());
    m.issuer = Set(parsed.issuer.clone());
    m.published_on = Set(parsed.published_on);
    m.effective_on = Set(parsed.effective_on);
    m.body = Set(parsed.body.clone());
    m.is_public = Set(parsed.is_public);
    m.requires_ack = Set(parsed.requires_ack);
    m.updated_at = Set(core.now());
    m.update(&txn).await?;
    save_tags(&txn, id, &parsed).await?;
    bigrams::store(&txn, id, &parsed.title, &parsed.body).await?;
    audit_publication(
        &txn,
        core,
        &Author::of(actor),
        "publication.update",
        id,
        detail,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, PublicationRef { id }).await
}

/// Sets the status in `txn`; the successor must be another publication the publisher sees.
/// Returns what changed, for the caller's audit record.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    publisher: &Publisher,
    p: publication::Model,
    change: &StatusChange,
) -> AppResult<String> {
    let (status, superseded_by) = change.parse().map_err(AppError::Validation)?;
    if let Some(next) = superseded_by {
        let seen = publication::Entity::find_by_id(next)
            .filter(scope::publications(&publisher.scope()))
            .one(db)
            .await?;
        if next == p.id || seen.is_none() {
            let mut errors = FieldErrors::default();
            errors.add("superseded_by", "publications.bad_successor");
            return Err(AppError::Validation(errors));
        }
    }
    let detail = match superseded_by {
        Some(next) => format!("{} → {status} (superseded by {next})", p.status),
        None => format!("{} → {status}", p.status),
    };
    let mut m: publication::ActiveModel = p.into();
    m.status = Set(status);
    m.superseded_by = Set(superseded_by);
    m.updated_at = Set(core.now());
    m.update(db).await?;
    Ok(detail)
}

/// Changes the status (现行有效 / 已修订 / 已废止), naming the superseding publication.
pub async fn change_status(
    core: &Core,
    actor: &Actor,
    id: i64,
    change: &StatusChange,
) -> AppResult<PublicationRef> {
    let fingerprint = format!("publication {id} status");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    change.parse().map_err(AppError::Validation)?;
    let txn = begin_write(&core.db).await?;
    let (publisher, p) = managed(&txn, &actor.caller, id).await?;
    let detail = set_status(&txn, core, &publisher, p, change).await?;
    audit_publication(
        &txn,
        core,
        &Author::of(actor),
        "publication.status",
        id,
        detail,
    )
    .await?;
    finish(core, actor, txn, &fingerprint, PublicationRef { id }).await
}

/// Attaches a PDF: checked as uploads are (size limit, name, magic bytes) before anything is
/// stored; anything but a PDF is refused on the field `file` (422). The blob is written
/// first, the row inside the transaction; a failed transaction deletes the blob again.
pub async fn attach(
    core: &Core,
    actor: &Actor,
    id: i64,
    upload: Upload,
) -> AppResult<AttachedFile> {
    let fingerprint = format!("publication {id} attach");
    if let Some(saved) = replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    // The caller must manage the publication before its bytes are looked at.
    let publisher = Publisher::of(&actor.caller)?;
    publication::Entity::find_by_id(id)
        .filter(scope::publications(&actor.caller.scope))
        .filter(publisher.manages())
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let refuse = |key: &'static str| {
        let mut errors = FieldErrors::default();
        errors.add("file", key);
        AppError::Validation(errors)
    };
    let prepared = match files::prepare_async(core, upload.file_name, upload.bytes).await? {
        Ok(p) if p.kind == Kind::Pdf => p,
        Ok(_) => return Err(refuse("publications.pdf_only")),
        Err(refusal) if refusal.key() == "files.bad_type" => {
            return Err(refuse("publications.pdf_only"));
        }
        Err(refusal) => return Err(refuse(refusal.key())),
    };
    let stored = files::store(core.storage.as_ref(), prepared).await?;
    let result = async {
        let txn = begin_write(&core.db).await?;
        managed(&txn, &actor.caller, id).await?;
        let file = publication_file::ActiveModel {
            publication_id: Set(id),
            storage_key: Set(stored.storage_key.clone()),
            original_name: Set(stored.display_name.clone()),
            content_type: Set(stored.content_type.to_string()),
            size_bytes: Set(stored.size_bytes),
            sha256: Set(stored.sha256.clone()),
            uploaded_by: Set(Some(actor.caller.user_id)),
            created_at: Set(core.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let detail = format!("{} ({} bytes)", stored.display_name, stored.size_bytes);
        audit_publication(
            &txn,
            core,
            &Author::of(actor),
            "publication.attach",
            id,
            detail,
        )
        .await?;
        let answer = AttachedFile {
            publication_id: id,
            file_id: file.id,
        };
        finish(core, actor, txn, &fingerprint, answer).await
    }
    .await;
    if result.is_err() {
        files::discard(core.storage.as_ref(), std::slice::from_ref(&stored)).await;
    }
    result
}
