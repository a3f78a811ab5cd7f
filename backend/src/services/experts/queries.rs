//! Reading the pool: the search (specialty, region subtree, words in the name or the
//! organisation, active; paged, by name), one expert, and the candidates another service
//! picks from (`active_in_reach`). Every read of a caller goes through `scope::experts`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    sea_query::Query,
};
use serde::{Deserialize, Serialize};

use crate::domain::expert::Specialty;
use crate::domain::region_path::path_and_ancestors;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{expert, expert_specialty, region, user};
use crate::scope::{self, Scope};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, given, text_contains};
use crate::state::Core;

/// The specialties of `experts`, in the order of the codes, by expert id.
pub(crate) async fn specialties_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> AppResult<BTreeMap<i64, Vec<Specialty>>> {
    let mut out: BTreeMap<i64, Vec<Specialty>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = expert_specialty::Entity::find()
        .filter(expert_specialty::Column::ExpertId.is_in(ids.iter().copied()))
        .order_by_asc(expert_specialty::Column::ExpertId)
        .order_by_asc(expert_specialty::Column::Specialty)
        .all(conn)
        .await?;
    for r in rows {
        out.entry(r.expert_id).or_default().push(r.specialty);
    }
    Ok(out)
}

/// The active experts whose region is on `region_path` (its region and those above) or inside
/// its subtree, by name, each with its specialties: the candidates for a service request in
/// that region. Not scoped to a caller: the requesting service decides who asks.
pub async fn active_in_reach<C: ConnectionTrait>(
    conn: &C,
    region_path: &str,
) -> AppResult<Vec<(expert::Model, Vec<Specialty>)>> {
    use expert::Column as X;
    let rows = expert::Entity::find()
        .filter(X::Active.eq(true))
        .filter(
            Condition::any()
                .add(X::RegionPath.is_in(path_and_ancestors(region_path)))
                .add(scope::in_subtree(X::RegionPath, region_path)),
        )
        .order_by_asc(X::Name)
        .order_by_asc(X::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let mut specialties = specialties_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|e| {
            let s = specialties.remove(&e.id).unwrap_or_default();
            (e, s)
        })
        .collect())
}

/// Most words of one search.
const MAX_WORDS: usize = 5;
/// Longest search text, characters.
pub const MAX_QUERY: usize = 50;
/// Longest region code in a filter, characters.
const MAX_REGION_CODE: usize = 12;

/// The search and its filters (all optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpertFilter {
    /// A specialty code (`mining`, `fire`, `dust` …).
    pub specialty: Option<String>,
    /// A region code: the experts registered in that region's subtree.
    pub region: Option<String>,
    /// Words to find in the name or the organisation (all of them), separated by spaces.
    pub q: Option<String>,
    /// `true` or `false` (the directory of committees and enterprises is always active ones).
    pub active: Option<String>,
}

/// An expert as committees and enterprises see it (专家名录): no phone, no title, no account.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DirectoryEntry {
    pub id: i64,
    pub name: String,
    pub specialties: Vec<Specialty>,
    pub organisation: String,
}

/// The account of an expert, for those who manage it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpertAccount {
    pub user_id: i64,
    pub username: String,
    pub email: Option<String>,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// An expert as the bureau (and the expert itself) sees it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpertView {
    pub id: i64,
    pub name: String,
    /// 职称, empty when not given.
    pub title: String,
    pub organisation: String,
    pub phone: String,
    pub region_code: String,
    pub region_name: String,
    pub specialties: Vec<Specialty>,
    pub active: bool,
    /// Whether the caller may edit, activate and deactivate it.
    pub manages: bool,
    /// Its login, shown to those who manage it.
    pub account: Option<ExpertAccount>,
}

/// A page of the pool in the caller's view: the full one (bureau, admin, the expert itself)
/// or the directory (committee, enterprise).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Listed {
    Full(Paged<ExpertView>),
    Directory(Paged<DirectoryEntry>),
}

/// One expert in the caller's view.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Shown {
    Full(ExpertView),
    Directory(DirectoryEntry),
}

/// The document says `anyOf`, not the derive's `oneOf`: a full entry holds every field of a
/// directory entry (and an empty page is both), so exactly one never matches.
fn any_of(
    description: &str,
    items: [utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>; 2],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let mut b = utoipa::openapi::schema::AnyOfBuilder::new().description(Some(description));
    for i in items {
        b = b.item(i);
    }
    b.into()
}

impl utoipa::PartialSchema for Listed {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        any_of(
            "A page of the pool: the full entries (bureau, admin, the expert itself) or the \
             directory's (committee, enterprise).",
            [
                Paged::<ExpertView>::schema(),
                Paged::<DirectoryEntry>::schema(),
            ],
        )
    }
}

impl utoipa::ToSchema for Listed {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::{PartialSchema, ToSchema};
        schemas.push((ExpertView::name().into(), ExpertView::schema()));
        schemas.push((DirectoryEntry::name().into(), DirectoryEntry::schema()));
        <Paged<ExpertView> as ToSchema>::schemas(schemas);
        <Paged<DirectoryEntry> as ToSchema>::schemas(schemas);
    }
}

impl utoipa::PartialSchema for Shown {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        any_of(
            "One expert in the caller's view: full, or as the directory shows it.",
            [ExpertView::schema(), DirectoryEntry::schema()],
        )
    }
}

impl utoipa::ToSchema for Shown {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::{PartialSchema, ToSchema};
        schemas.push((ExpertView::name().into(), ExpertView::schema()));
        schemas.push((DirectoryEntry::name().into(), DirectoryEntry::schema()));
        <ExpertView as ToSchema>::schemas(schemas);
        <DirectoryEntry as ToSchema>::schemas(schemas);
    }
}

/// Whether the scope reads the full profile (else the directory's three fields).
pub fn sees_full_profile(scope: &Scope) -> bool {
    matches!(
        scope,
        Scope::System | Scope::Region { .. } | Scope::Expert { .. }
    )
}

/// The filtered query (not yet ordered), or the fields that are not acceptable.
async fn filtered(
    core: &Core,
    scope: &Scope,
    f: &ExpertFilter,
) -> AppResult<Select<expert::Entity>> {
    use expert::Column as X;
    let mut errors = FieldErrors::default();
    let mut q = expert::Entity::find().filter(scope::experts(scope));
    if let Some(code) = given(&f.specialty) {
        match Specialty::parse(code) {
            Some(s) => {
                q = q.filter(
                    X::Id.in_subquery(
                        Query::select()
                            .column(expert_specialty::Column::ExpertId)
                            .from(expert_specialty::Entity)
                            .and_where(expert_specialty::Column::Specialty.eq(s))
                            .to_owned(),
                    ),
                )
            }
            None => errors.add("specialty", "experts.bad_specialty"),
        }
    }
    if let Some(code) = given(&f.region) {
        let found = if code.len() <= MAX_REGION_CODE && code.bytes().all(|b| b.is_ascii_digit()) {
            region::Entity::find()
                .filter(region::Column::Code.eq(code))
                .one(&core.db)
                .await?
        } else {
            None
        };
        match found {
            Some(r) => q = q.filter(scope::in_subtree(X::RegionPath, &r.path)),
            None => errors.add("region", "experts.unknown_region"),
        }
    }
    if let Some(text) = given(&f.q) {
        if text.chars().count() > MAX_QUERY {
            errors.add("q", "experts.query_too_long");
        }
        for w in text.split_whitespace().take(MAX_WORDS) {
            q = q.filter(
                Condition::any()
                    .add(text_contains(X::Name, w))
                    .add(text_contains(X::Organisation, w)),
            );
        }
    }
    match given(&f.active) {
        None => {}
        Some("true") => q = q.filter(X::Active.eq(true)),
        Some("false") => q = q.filter(X::Active.eq(false)),
        Some(_) => errors.add("active", "experts.bad_active"),
    }
    errors.into_result()?;
    Ok(q)
}

/// The accounts of `experts`, by expert id.
async fn accounts_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> AppResult<BTreeMap<i64, ExpertAccount>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::ExpertId.is_in(ids.iter().copied()))
        .filter(user::Column::Role.eq(Role::Expert))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|u| {
            Some((
                u.expert_id?,
                ExpertAccount {
                    user_id: u.id,
                    username: u.username,
                    email: u.email,
                    active: u.active,
                    last_login_at: u.last_login_at,
                },
            ))
        })
        .collect())
}

/// The full views of `rows` for `scope` (specialties, region, and the account where it
/// manages the expert), in the order of `rows`.
async fn full_views(
    core: &Core,
    scope: &Scope,
    rows: Vec<expert::Model>,
) -> AppResult<Vec<ExpertView>> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let mut specialties = specialties_of(&core.db, &ids).await?;
    let mut accounts = accounts_of(&core.db, &ids).await?;
    let region_ids: Vec<i64> = rows.iter().map(|e| e.region_id).collect();
    let regions: BTreeMap<i64, region::Model> = region::Entity::find()
        .filter(region::Column::Id.is_in(region_ids))
        .all(&core.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(rows
        .into_iter()
        .map(|e| {
            let manages = scope::manages_expert(scope, &e);
            let r = regions.get(&e.region_id);
            ExpertView {
                specialties: specialties.remove(&e.id).unwrap_or_default(),
                account: accounts.remove(&e.id).filter(|_| manages),
                manages,
                region_code: r.map(|r| r.code.clone()).unwrap_or_default(),
                region_name: r.map(|r| r.name.clone()).unwrap_or_default(),
                id: e.id,
                name: e.name,
                title: e.title,
                organisation: e.organisation,
                phone: e.phone,
                active: e.active,
            }
        })
        .collect())
}

async fn directory_entries(
    core: &Core,
    rows: Vec<expert::Model>,
) -> AppResult<Vec<DirectoryEntry>> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let mut specialties = specialties_of(&core.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|e| DirectoryEntry {
            specialties: specialties.remove(&e.id).unwrap_or_default(),
            id: e.id,
            name: e.name,
            organisation: e.organisation,
        })
        .collect())
}

/// One page of the experts `scope` may see that match the filter, by name, in its view. 422
/// for a filter value that is not acceptable.
pub async fn search(
    core: &Core,
    scope: &Scope,
    f: &ExpertFilter,
    page: PageParams,
) -> AppResult<Listed> {
    let q = filtered(core, scope, f)
        .await?
        .order_by_asc(expert::Column::Name)
        .order_by_asc(expert::Column::Id);
    let key = Key::new("experts")
        .asc(expert::Column::Name)
        .asc(expert::Column::Id);
    let Page { rows, info } = keyset::page(core, q, &key, &page).await?;
    Ok(if sees_full_profile(scope) {
        Listed::Full(info.with(full_views(core, scope, rows).await?))
    } else {
        Listed::Directory(info.with(directory_entries(core, rows).await?))
    })
}

/// An expert `scope` may see, or 404.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    id: i64,
) -> AppResult<expert::Model> {
    expert::Entity::find_by_id(id)
        .filter(scope::experts(scope))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// One expert in the caller's view, or 404.
pub async fn get(core: &Core, scope: &Scope, id: i64) -> AppResult<Shown> {
    let e = find(&core.db, scope, id).await?;
    Ok(if sees_full_profile(scope) {
        Shown::Full(full(core, scope, e).await?)
    } else {
        let mut entries = directory_entries(core, vec![e]).await?;
        Shown::Directory(entries.pop().ok_or(AppError::NotFound)?)
    })
}

/// The full view of one expert (already found in the caller's scope).
pub async fn full(core: &Core, scope: &Scope, e: expert::Model) -> AppResult<ExpertView> {
    full_views(core, scope, vec![e])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}
