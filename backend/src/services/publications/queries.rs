//! Reading the library: the search (words in titles and bodies, filters, ranked, paged), one
//! publication with its rendered body, tags and PDFs, and a PDF's bytes. Every read goes
//! through `scope::publications`, or `scope::public_publications` for a visitor (`None`).
//!
//! The words of a query are found as substrings (Chinese has no spaces: 粉尘 finds 粉尘涉爆).
//! A word of three or more characters is looked up in the trigram index: on SQLite the FTS5
//! table `publications_fts` (tokenizer `trigram`, a phrase query), on PostgreSQL `ILIKE` on the
//! title and the body joined, served by the `pg_trgm` GIN index on that expression. A trigram
//! index cannot answer a shorter word (粉尘 has no trigram): a word of two characters is looked
//! up in the bigram index (`bigrams`: every two-character sequence of each title and body), on
//! both engines. A word of one character stays on `LIKE` over the rows the other conditions
//! leave (an index of single characters would list most rows for most characters).
//! `%`, `_` and the escape character in a word are matched literally. Title hits rank
//! before body-only hits, then newer before older.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, LoaderTrait, ModelTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, LikeExpr, SimpleExpr},
};
use serde::{Deserialize, Serialize};

use crate::domain::{
    self,
    publication::{PublicationKind, PublicationStatus, render_body},
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{
    alliance, industry, publication, publication_file, publication_industry, publication_risk_tag,
    region, risk_tag,
};
use crate::scope::{self, Scope};
use crate::services::files::FileContent;
use crate::services::keyset::{self, Key, Kind, Page};
use crate::services::{LIKE_ESCAPE, PageParams, Paged, contains_pattern, given};
use crate::state::Core;

use super::bigrams;

/// Most words of one query.
const MAX_WORDS: usize = 8;
/// Longest query, characters.
pub const MAX_QUERY: usize = 100;

/// The search and its filters (all optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationFilter {
    /// Words to find in titles and bodies (all of them), separated by spaces.
    pub q: Option<String>,
    /// A kind code (`law`, `notice` …).
    pub kind: Option<String>,
    /// Part of the issuer's name.
    pub issuer: Option<String>,
    /// `current`, `revised` or `repealed`.
    pub status: Option<String>,
    /// The year of publication.
    pub year: Option<String>,
}

/// A publication in a list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicationItem {
    pub id: i64,
    pub kind: PublicationKind,
    pub title: String,
    pub doc_number: Option<String>,
    pub issuer: String,
    pub published_on: NaiveDate,
    pub effective_on: Option<NaiveDate>,
    pub status: PublicationStatus,
    pub is_public: bool,
    /// Enterprise accounts are asked to acknowledge it (我已阅知).
    pub requires_ack: bool,
    /// The publishing bureau's region or committee's alliance, by name.
    pub publisher: String,
}

/// A tag of the registry (industry or risk tag).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TagView {
    pub code: String,
    pub name: String,
}

/// A PDF of a publication.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size_bytes: i64,
}

/// The publication that replaces another.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuccessorView {
    pub id: i64,
    pub title: String,
}

/// One publication with everything its page shows.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicationView {
    #[serde(flatten)]
    pub item: PublicationItem,
    /// The Markdown as written (the edit form).
    pub body: String,
    /// The body as sanitised HTML (`domain::publication::render_body`).
    pub body_html: String,
    /// The superseding publication, when the reader may see it.
    pub superseded_by: Option<SuccessorView>,
    pub industries: Vec<TagView>,
    pub risk_tags: Vec<TagView>,
    pub files: Vec<FileView>,
    pub region_id: Option<i64>,
    pub alliance_id: Option<i64>,
}

impl std::ops::Deref for PublicationView {
    type Target = PublicationItem;
    fn deref(&self) -> &PublicationItem {
        &self.item
    }
}

/// What a reader may see: a scope's publications, or (a visitor) the public ones.
fn visible(reader: Option<&Scope>) -> Condition {
    match reader {
        Some(scope) => scope::publications(scope),
        None => scope::public_publications(),
    }
}

/// `word` as an FTS5 phrase (double quotes doubled): matched as a substring by the trigram
/// tokenizer, with no query syntax of its own.
fn fts_phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// `column ILIKE pattern ESCAPE '!'` on PostgreSQL (served by the trigram indexes), `column
/// LIKE pattern ESCAPE '!'` on SQLite (whose `LIKE` ignores ASCII case already). The pattern
/// comes from `contains_pattern`.
fn like(backend: DbBackend, column: publication::Column, pattern: &str) -> SimpleExpr {
    let col = Expr::col((publication::Entity, column));
    if backend == DbBackend::Postgres {
        // Written out: sea-query's `ilike` with an escape puts `(pattern ESCAPE '!')` in
        // parentheses, which PostgreSQL refuses.
        Expr::cust_with_exprs(
            format!("$1 ILIKE $2 ESCAPE '{LIKE_ESCAPE}'"),
            [col, Expr::val(pattern)],
        )
    } else {
        col.like(LikeExpr::new(pattern).escape(LIKE_ESCAPE))
    }
}

/// The condition that one word appears in the title or the body.
fn word_condition(backend: DbBackend, word: &str) -> Condition {
    if let Some(bigram) = domain::bigrams::of_word(word) {
        return Condition::all().add(bigrams::holds(backend, &bigram));
    }
    let pattern = contains_pattern(word);
    if backend == DbBackend::Sqlite && word.chars().count() >= 3 {
        return Condition::all().add(Expr::cust_with_values(
            "\"publications\".\"id\" IN (SELECT rowid FROM publications_fts WHERE publications_fts MATCH ?)",
            [fts_phrase(word)],
        ));
    }
    if backend == DbBackend::Postgres {
        // One expression, as indexed (`idx_publications_text_trgm`): the planner serves it with
        // one trigram index scan, where `title ILIKE … OR body ILIKE …` made it scan the table.
        // A word holds no space, so it cannot match across the joining space.
        return Condition::all().add(Expr::cust_with_values(
            format!(
                "(\"publications\".\"title\" || ' ' || \"publications\".\"body\") ILIKE $1 ESCAPE '{LIKE_ESCAPE}'"
            ),
            [pattern],
        ));
    }
    Condition::any()
        .add(like(backend, publication::Column::Title, &pattern))
        .add(like(backend, publication::Column::Body, &pattern))
}

/// The words of a query: split at spaces, at most `MAX_WORDS`.
fn words(q: &str) -> Vec<&str> {
    q.split_whitespace().take(MAX_WORDS).collect()
}

/// The year filter as the dates it spans.
fn year_span(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let year: i32 = text
        .trim()
        .parse()
        .ok()
        .filter(|y| (1949..=2100).contains(y))?;
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
    ))
}

/// The filtered query (not yet ordered), or the fields that are not acceptable.
fn filtered(
    backend: DbBackend,
    reader: Option<&Scope>,
    f: &PublicationFilter,
) -> AppResult<Select<publication::Entity>> {
    use publication::Column as P;
    let mut errors = FieldErrors::default();
    let mut q = publication::Entity::find().filter(visible(reader));
    if let Some(text) = given(&f.q) {
        if text.chars().count() > MAX_QUERY {
            errors.add("q", "publications.query_too_long");
        }
        for w in words(text) {
            q = q.filter(word_condition(backend, w));
        }
    }
    if let Some(kind) = given(&f.kind) {
        match PublicationKind::parse(kind) {
            Some(k) => q = q.filter(P::Kind.eq(k)),
            None => errors.add("kind", "publications.bad_kind"),
        }
    }
    if let Some(status) = given(&f.status) {
        match PublicationStatus::parse(status) {
            Some(s) => q = q.filter(P::Status.eq(s)),
            None => errors.add("status", "publications.bad_status"),
        }
    }
    if let Some(issuer) = given(&f.issuer) {
        if issuer.chars().count() > MAX_QUERY {
            errors.add("issuer", "publications.query_too_long");
        }
        q = q.filter(like(
            backend,
            publication::Column::Issuer,
            &contains_pattern(issuer),
        ));
    }
    if let Some(year) = given(&f.year) {
        match year_span(year) {
            Some((from, to)) => {
                q = q
                    .filter(P::PublishedOn.gte(from))
                    .filter(P::PublishedOn.lt(to))
            }
            None => errors.add("year", "publications.bad_year"),
        }
    }
    errors.into_result()?;
    Ok(q)
}

/// Title hits first: 0 when every word is in the title, else 1.
fn title_rank(backend: DbBackend, f: &PublicationFilter) -> Option<SimpleExpr> {
    let text = given(&f.q)?;
    let in_title = words(text).into_iter().fold(Condition::all(), |all, w| {
        all.add(like(
            backend,
            publication::Column::Title,
            &contains_pattern(w),
        ))
    });
    Some(Expr::case(in_title, 0).finally(1).into())
}

/// The names of the publishers of `rows` (region or alliance), by publication id.
async fn publisher_names(core: &Core, rows: &[publication::Model]) -> AppResult<Vec<String>> {
    let regions = rows.load_one(region::Entity, &core.db).await?;
    let alliances = rows.load_one(alliance::Entity, &core.db).await?;
    Ok(regions
        .into_iter()
        .zip(alliances)
        .map(|(r, a)| match (r, a) {
            (Some(r), _) => r.name,
            (None, Some(a)) => a.name,
            (None, None) => String::new(),
        })
        .collect())
}

fn item(p: &publication::Model, publisher: String) -> PublicationItem {
    PublicationItem {
        id: p.id,
        kind: p.kind,
        title: p.title.clone(),
        doc_number: p.doc_number.clone(),
        issuer: p.issuer.clone(),
        published_on: p.published_on,
        effective_on: p.effective_on,
        status: p.status,
        is_public: p.is_public,
        requires_ack: p.requires_ack,
        publisher,
    }
}

/// The search's query, filtered and ordered (not paged), or the fields that are not
/// acceptable: `search` pages it; the tests read its plan.
pub fn search_query(
    backend: DbBackend,
    reader: Option<&Scope>,
    f: &PublicationFilter,
) -> AppResult<Select<publication::Entity>> {
    use publication::Column as P;
    let mut q = filtered(backend, reader, f)?;
    if let Some(rank) = title_rank(backend, f) {
        q = q.order_by(rank, Order::Asc);
    }
    Ok(q.order_by_desc(P::PublishedOn).order_by_desc(P::Id))
}

/// One page of the publications `reader` may see that match the filter: title hits first,
/// then newer first. 422 for a filter value that is not acceptable.
pub async fn search(
    core: &Core,
    reader: Option<&Scope>,
    f: &PublicationFilter,
    page: PageParams,
) -> AppResult<Paged<PublicationItem>> {
    let backend = core.db.get_database_backend();
    let q = search_query(backend, reader, f)?;
    let Page { rows, info } = keyset::page(core, q, &search_key(backend, f), &page).await?;
    let names = publisher_names(core, &rows).await?;
    let items = rows.iter().zip(names).map(|(p, n)| item(p, n)).collect();
    Ok(info.with(items))
}

/// `search_query`'s order as a key: title hits first (with a search), then newer first.
fn search_key(backend: DbBackend, f: &PublicationFilter) -> Key {
    use publication::Column as P;
    let key = match title_rank(backend, f) {
        Some(rank) => Key::new("publications/ranked").expr(rank, Kind::I32, false),
        None => Key::new("publications"),
    };
    key.desc(P::PublishedOn).desc(P::Id)
}

/// The distinct issuers of what `reader` may see (the filter's choices).
pub async fn issuers(core: &Core, reader: Option<&Scope>) -> AppResult<Vec<String>> {
    use publication::Column as P;
    Ok(publication::Entity::find()
        .select_only()
        .column(P::Issuer)
        .distinct()
        .filter(visible(reader))
        .order_by_asc(P::Issuer)
        .into_tuple()
        .all(&core.db)
        .await?)
}

/// A publication `reader` may see, or 404.
pub async fn find(core: &Core, reader: Option<&Scope>, id: i64) -> AppResult<publication::Model> {
    publication::Entity::find_by_id(id)
        .filter(visible(reader))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One publication with its rendered body, tags, PDFs and (when visible) successor.
pub async fn get(core: &Core, reader: Option<&Scope>, id: i64) -> AppResult<PublicationView> {
    let p = find(core, reader, id).await?;
    let rows = std::slice::from_ref(&p);
    let publisher = publisher_names(core, rows).await?.pop().unwrap_or_default();
    let industries = p
        .find_related(publication_industry::Entity)
        .find_also_related(industry::Entity)
        .all(&core.db)
        .await?
        .into_iter()
        .filter_map(|(_, i)| i)
        .map(|i| TagView {
            code: i.code,
            name: i.name,
        })
        .collect();
    let risk_tags = p
        .find_related(publication_risk_tag::Entity)
        .find_also_related(risk_tag::Entity)
        .all(&core.db)
        .await?
        .into_iter()
        .filter_map(|(_, t)| t)
        .map(|t| TagView {
            code: t.code,
            name: t.name,
        })
        .collect();
    let files = p
        .find_related(publication_file::Entity)
        .order_by_asc(publication_file::Column::Id)
        .all(&core.db)
        .await?
        .into_iter()
        .map(|f| FileView {
            id: f.id,
            name: f.original_name,
            size_bytes: f.size_bytes,
        })
        .collect();
    let superseded_by = match p.superseded_by {
        Some(next) => publication::Entity::find_by_id(next)
            .filter(visible(reader))
            .one(&core.db)
            .await?
            .map(|n| SuccessorView {
                id: n.id,
                title: n.title,
            }),
        None => None,
    };
    Ok(PublicationView {
        item: item(&p, publisher),
        body_html: render_body(&p.body),
        body: p.body,
        superseded_by,
        industries,
        risk_tags,
        files,
        region_id: p.region_id,
        alliance_id: p.alliance_id,
    })
}

/// The bytes of a PDF of a publication `reader` may see; otherwise 404.
pub async fn file(
    core: &Core,
    reader: Option<&Scope>,
    publication_id: i64,
    file_id: i64,
) -> AppResult<FileContent> {
    let p = find(core, reader, publication_id).await?;
    let f = publication_file::Entity::find_by_id(file_id)
        .filter(publication_file::Column::PublicationId.eq(p.id))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = core.storage.get(&f.storage_key).await?;
    Ok(FileContent {
        bytes,
        content_type: f.content_type,
        file_name: f.original_name,
        inline: false,
    })
}
