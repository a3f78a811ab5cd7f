//! 法律依据 links: a checklist item's or a hazard's legal basis may name a publication of the
//! library. The link is checked against the writer's scope (`scope::publications`) when it is
//! written, and shown only to readers whose scope may read the publication: everyone else
//! sees the free text alone. The article shown is read from the free text
//! (`domain::publication::basis_excerpt`).

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use serde::Serialize;

use crate::domain::publication::{BasisExcerpt, PublicationStatus, basis_excerpt, render_body};
use crate::error::{AppResult, FieldErrors};
use crate::models::publication;
use crate::scope::{self, Scope};
use crate::state::Core;

/// Most publications the picker offers (current ones first, then by title); a link already
/// made is offered besides.
pub const MAX_CHOICES: u64 = 500;

/// The publication a legal basis links to, as lists and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BasisPublication {
    pub id: i64,
    pub title: String,
    /// 文号, when it has one.
    pub doc_number: Option<String>,
    /// `current` 现行有效, `revised` 已修订 or `repealed` 已废止.
    pub status: PublicationStatus,
    /// Whether it is no longer in force (已修订 / 已废止): pages flag it.
    pub outdated: bool,
}

impl From<&publication::Model> for BasisPublication {
    fn from(p: &publication::Model) -> Self {
        BasisPublication {
            id: p.id,
            title: p.title.clone(),
            doc_number: p.doc_number.clone(),
            status: p.status,
            outdated: p.status != PublicationStatus::Current,
        }
    }
}

/// The publications the scope may link a legal basis to, for the picker: current ones first,
/// then by title, at most `MAX_CHOICES`, plus those of `linked` (already chosen) it may read.
pub async fn choices(
    core: &Core,
    scope: &Scope,
    linked: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<BasisPublication>> {
    use publication::Column as P;
    let rows: Vec<(i64, String, Option<String>, PublicationStatus)> = publication::Entity::find()
        .select_only()
        .columns([P::Id, P::Title, P::DocNumber, P::Status])
        .filter(scope::publications(scope))
        .order_by_asc::<Expr>(
            Expr::case(P::Status.eq(PublicationStatus::Current), 0)
                .finally(1)
                .into(),
        )
        .order_by_asc(P::Title)
        .order_by_asc(P::Id)
        .limit(MAX_CHOICES)
        .into_tuple()
        .all(&core.db)
        .await?;
    let mut out: Vec<BasisPublication> = rows
        .into_iter()
        .map(|(id, title, doc_number, status)| BasisPublication {
            id,
            title,
            doc_number,
            status,
            outdated: status != PublicationStatus::Current,
        })
        .collect();
    let missing: BTreeSet<i64> = linked
        .into_iter()
        .filter(|id| !out.iter().any(|p| p.id == *id))
        .collect();
    if !missing.is_empty() {
        out.extend(readable(&core.db, scope, missing).await?.into_values());
    }
    Ok(out)
}

/// Which of the publications `ids` the scope may read, by id.
pub async fn readable<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, BasisPublication>> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(publication::Entity::find()
        .filter(publication::Column::Id.is_in(ids))
        .filter(scope::publications(scope))
        .all(db)
        .await?
        .iter()
        .map(|p| (p.id, BasisPublication::from(p)))
        .collect())
}

/// Checks the links a writer names: each `(field, id)` must be a publication the scope may
/// read, else the field gets `basis.unknown_publication` (an absent one and one outside the
/// scope alike, so nothing is learnt of the other).
pub async fn check_links<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    links: &[(String, i64)],
    errors: &mut FieldErrors,
) -> AppResult<()> {
    let found = readable(db, scope, links.iter().map(|(_, id)| *id)).await?;
    for (field, id) in links {
        if !found.contains_key(id) {
            errors.add(field.clone(), "basis.unknown_publication");
        }
    }
    Ok(())
}

/// One article of a linked publication, rendered.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    /// The article number (第十条 is 10).
    pub number: u32,
    /// Its text as safe HTML (`render_body`).
    pub html: String,
}

/// The publication the successor of a revised or repealed one is.
#[derive(Debug, Clone, Serialize)]
pub struct SuccessorRef {
    pub id: i64,
    pub title: String,
}

/// A linked publication as the hazard page shows it: what it is, whether it is still in
/// force (and what replaced it), and the articles the basis names, or its opening paragraph.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedBasis {
    #[serde(flatten)]
    pub publication: BasisPublication,
    pub issuer: String,
    /// The publication that replaces it, when the reader may read that one too.
    pub superseded_by: Option<SuccessorRef>,
    /// The articles named in the basis and found in the body, in the order named.
    pub articles: Vec<ArticleView>,
    /// Without such an article: the body's first paragraph (safe HTML).
    pub opening_html: Option<String>,
}

/// The publication a legal basis links to, as the reader may see it: `None` without a link or
/// when the reader's scope may not read the publication.
pub async fn linked(
    core: &Core,
    reader: &Scope,
    publication_id: Option<i64>,
    basis: &str,
) -> AppResult<Option<LinkedBasis>> {
    let Some(id) = publication_id else {
        return Ok(None);
    };
    let Some(p) = publication::Entity::find_by_id(id)
        .filter(scope::publications(reader))
        .one(&core.db)
        .await?
    else {
        return Ok(None);
    };
    let superseded_by = match p.superseded_by {
        Some(next) => publication::Entity::find_by_id(next)
            .filter(scope::publications(reader))
            .one(&core.db)
            .await?
            .map(|n| SuccessorRef {
                id: n.id,
                title: n.title,
            }),
        None => None,
    };
    let (articles, opening_html) =
        match basis_excerpt(basis, &p.title, p.doc_number.as_deref(), &p.body) {
            BasisExcerpt::Articles(found) => (
                found
                    .into_iter()
                    .map(|(number, md)| ArticleView {
                        number,
                        html: render_body(&md),
                    })
                    .collect(),
                None,
            ),
            BasisExcerpt::Opening(md) => (Vec::new(), md.as_deref().map(render_body)),
        };
    Ok(Some(LinkedBasis {
        publication: BasisPublication::from(&p),
        issuer: p.issuer,
        superseded_by,
        articles,
        opening_html,
    }))
}
