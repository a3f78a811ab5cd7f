//! Keyset ("next page") pagination with a bounded count: the one pager of every list.
//!
//! A list hands its filtered `Select` and its order key (`Key`: columns or expressions, each
//! ascending or descending, ending in a unique column such as the id) to `page`. Then:
//! - the count is bounded: `SELECT COUNT(*) FROM (… LIMIT bound + 1)` with `bound` =
//!   `lists.count_bound` (10,000), so a city-wide list never counts every row on a page view;
//!   above the bound the total is shown as "10,000+" (`Paged::total_capped`);
//! - `next` and `prev` are opaque cursors: the key values of the page's last (first) row, the
//!   direction and the page number, as hex JSON signed with HMAC-SHA256 under the portal's
//!   secret and the key's signature (list name, columns, directions). A cursor that does not
//!   verify, or one of another list or sort, is a 422 naming `cursor`;
//! - the page after a cursor is `WHERE key < cursor ORDER BY key LIMIT n + 1`, the row
//!   comparison spelled out as `a < ? OR (a = ? AND id < ?)` (per column direction) so it works
//!   the same on SQLite and PostgreSQL and uses the index of the order; the extra row tells
//!   whether there is a next page. Rows added or removed between two fetches never make a row
//!   appear twice or be skipped, as an `OFFSET` would;
//! - `page=N` still works for the first pages (links and bookmarks), but only while its
//!   offset stays inside the counted window (`(N - 1) × per_page ≤ bound`); further is a 422
//!   naming `page`, and the cursors page on.
//!
//! The key replaces the `Select`'s own order: it must name the list's order, or the pages
//! would not be the list.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Alias, Condition, Expr, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, EntityTrait, FromQueryResult, QueryResult,
    QueryTrait, Select, Value,
};
use serde_json::Value as Json;
use sha2::Sha256;

use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::{PageParams, Paged};
use crate::state::Core;

/// Longest cursor text a request may carry (a real one is a few hundred characters).
pub const MAX_CURSOR_LEN: usize = 1024;

/// The type of a key part's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    I64,
    I32,
    Text,
    Time,
    Date,
}

impl Kind {
    fn of(t: &ColumnType) -> Kind {
        match t {
            ColumnType::BigInteger | ColumnType::BigUnsigned => Kind::I64,
            ColumnType::Integer
            | ColumnType::SmallInteger
            | ColumnType::TinyInteger
            | ColumnType::Unsigned
            | ColumnType::SmallUnsigned
            | ColumnType::TinyUnsigned => Kind::I32,
            ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
                Kind::Time
            }
            ColumnType::Date => Kind::Date,
            _ => Kind::Text,
        }
    }
}

#[derive(Debug, Clone)]
struct Part {
    expr: Expr,
    desc: bool,
    kind: Kind,
    label: String,
}

/// A list's order key: its `ORDER BY`, the last part unique (the id). Its parts must be
/// NOT NULL columns or expressions.
#[derive(Debug, Clone)]
pub struct Key {
    name: String,
    parts: Vec<Part>,
}

impl Key {
    /// A key named after its list (`hazards`); the name is part of every cursor's signature.
    pub fn new(name: impl Into<String>) -> Key {
        Key {
            name: name.into(),
            parts: Vec::new(),
        }
    }

    /// Then by `column`, descending when `desc`.
    pub fn by(mut self, column: impl ColumnTrait, desc: bool) -> Key {
        let def = column.def();
        self.parts.push(Part {
            expr: Expr::col(column.as_column_ref()),
            desc,
            kind: Kind::of(def.get_column_type()),
            label: column.as_str().to_string(),
        });
        self
    }

    pub fn asc(self, column: impl ColumnTrait) -> Key {
        self.by(column, false)
    }

    pub fn desc(self, column: impl ColumnTrait) -> Key {
        self.by(column, true)
    }

    /// Then by an expression (e.g. a rank), whose values are of `kind`.
    pub fn expr(mut self, expr: Expr, kind: Kind, desc: bool) -> Key {
        let label = format!("expr{}", self.parts.len());
        self.parts.push(Part {
            expr,
            desc,
            kind,
            label,
        });
        self
    }

    fn signature(&self) -> String {
        let mut s = format!("cursor\0{}", self.name);
        for p in &self.parts {
            s.push('\0');
            s.push_str(&p.label);
            s.push(if p.desc { '-' } else { '+' });
        }
        s
    }

    /// The key values of one fetched row (selected as `_k0`, `_k1`, …).
    fn values(&self, row: &QueryResult) -> AppResult<Vec<Json>> {
        self.parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let col = format!("_k{i}");
                Ok(match p.kind {
                    Kind::I64 => Json::from(row.try_get::<i64>("", &col)?),
                    Kind::I32 => Json::from(row.try_get::<i32>("", &col)?),
                    Kind::Text => Json::from(row.try_get::<String>("", &col)?),
                    Kind::Time => Json::from(
                        row.try_get::<DateTime<Utc>>("", &col)?
                            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
                    ),
                    Kind::Date => Json::from(row.try_get::<NaiveDate>("", &col)?.to_string()),
                })
            })
            .collect()
    }

    /// A cursor's values as query values, or `None` when they do not fit the key.
    fn bind(&self, values: &[Json]) -> Option<Vec<Value>> {
        if values.len() != self.parts.len() {
            return None;
        }
        self.parts
            .iter()
            .zip(values)
            .map(|(p, v)| {
                Some(match p.kind {
                    Kind::I64 => Value::from(v.as_i64()?),
                    Kind::I32 => Value::from(i32::try_from(v.as_i64()?).ok()?),
                    Kind::Text => Value::from(v.as_str()?.to_string()),
                    Kind::Time => Value::from(
                        DateTime::parse_from_rfc3339(v.as_str()?)
                            .ok()?
                            .with_timezone(&Utc),
                    ),
                    Kind::Date => Value::from(v.as_str()?.parse::<NaiveDate>().ok()?),
                })
            })
            .collect()
    }

    /// Two rows' key values in list order (for merging branches): times and days as such,
    /// text by its bytes (SQLite's `BINARY`, PostgreSQL's `"C"` collation).
    fn compare(&self, a: &[Json], b: &[Json]) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        for ((p, x), y) in self.parts.iter().zip(a).zip(b) {
            let o = match p.kind {
                Kind::I64 | Kind::I32 => x.as_i64().cmp(&y.as_i64()),
                Kind::Text | Kind::Date => x.as_str().cmp(&y.as_str()),
                Kind::Time => {
                    let t = |v: &Json| {
                        v.as_str()
                            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                            .map(|t| t.with_timezone(&Utc))
                    };
                    t(x).cmp(&t(y))
                }
            };
            let o = if p.desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// Rows after (`forward`) or before the row whose key values are `values`, in list order:
    /// `a > ? OR (a = ? AND b > ?) OR …`, each comparison turned by its part's direction.
    fn beyond(&self, values: &[Value], forward: bool) -> Condition {
        use sea_orm::sea_query::ExprTrait;
        let mut any = Condition::any();
        for (i, p) in self.parts.iter().enumerate() {
            let mut all = Condition::all();
            for (q, v) in self.parts.iter().zip(values).take(i) {
                all = all.add(q.expr.clone().eq(v.clone()));
            }
            let v = values[i].clone();
            all = all.add(if p.desc == forward {
                p.expr.clone().lt(v)
            } else {
                p.expr.clone().gt(v)
            });
            any = any.add(all);
        }
        any
    }
}

/// Where a cursor points: after (forward) or before a row, and the page it leads to.
#[derive(Debug, Clone)]
struct Cursor {
    forward: bool,
    page: u64,
    values: Vec<Json>,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], key: &Key, payload: &[u8]) -> HmacSha256 {
    let mut m = <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(key.signature().as_bytes());
    m.update(b"\0");
    m.update(payload);
    m
}

impl Cursor {
    fn seal(&self, secret: &[u8], key: &Key) -> String {
        let payload = serde_json::json!({
            "f": self.forward,
            "p": self.page,
            "k": self.values,
        })
        .to_string();
        let tag = mac(secret, key, payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}{}",
            crate::auth::csrf::hex(&tag[..16]),
            crate::auth::csrf::hex(payload.as_bytes())
        )
    }

    /// The cursor `token` names, if it was sealed by this portal for this key.
    fn open(secret: &[u8], key: &Key, token: &str) -> Option<(Cursor, Vec<Value>)> {
        let bytes = crate::auth::csrf::unhex(token)?;
        if bytes.len() <= 16 {
            return None;
        }
        let (tag, payload) = bytes.split_at(16);
        mac(secret, key, payload).verify_truncated_left(tag).ok()?;
        let json: Json = serde_json::from_slice(payload).ok()?;
        let values = json.get("k")?.as_array()?.clone();
        let bound = key.bind(&values)?;
        Some((
            Cursor {
                forward: json.get("f")?.as_bool()?,
                page: json.get("p")?.as_u64()?.max(1),
                values,
            },
            bound,
        ))
    }
}

/// What a page is besides its rows: its number, the bounded total and the cursors.
#[derive(Debug, Clone)]
pub struct PageInfo {
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub total_capped: bool,
    pub next: Option<String>,
    pub prev: Option<String>,
}

impl PageInfo {
    /// The page with its items (the rows turned into list items).
    pub fn with<T>(self, items: Vec<T>) -> Paged<T> {
        Paged {
            items,
            page: self.page,
            per_page: self.per_page,
            total: self.total,
            total_capped: self.total_capped,
            pages: (!self.total_capped).then(|| self.total.div_ceil(self.per_page)),
            next: self.next,
            prev: self.prev,
        }
    }
}

/// One page of models, with what the list shows around it.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<M>,
    pub info: PageInfo,
}

/// Capped counts seen lately: a list whose bounded count came out "10,000+" is not counted
/// again for `lists.count_cache_seconds` (same statement, same values: same scope and
/// filter). Only capped results are kept: below the bound the count is exact on every view,
/// so a row added or closed shows at once; above it the figure shown does not change. The
/// map is per instance and holds at most `COUNT_CACHE_MAX` statements (SHA-256 of the SQL
/// and its values), dropping expired ones, and then all, when full.
#[derive(Debug, Default)]
pub struct CountCache {
    capped: std::sync::Mutex<std::collections::HashMap<[u8; 32], std::time::Instant>>,
}

/// Statements remembered as capped, at most.
const COUNT_CACHE_MAX: usize = 1024;

impl CountCache {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<[u8; 32], std::time::Instant>> {
        // A panic while holding the lock leaves only timestamps behind: still usable.
        self.capped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `key` was capped and has not expired at `now`.
    fn is_capped(&self, key: &[u8; 32], now: std::time::Instant) -> bool {
        self.lock().get(key).is_some_and(|until| *until > now)
    }

    /// Remembers `key` as capped until `until`.
    fn remember(&self, key: [u8; 32], now: std::time::Instant, until: std::time::Instant) {
        let mut map = self.lock();
        if map.len() >= COUNT_CACHE_MAX {
            map.retain(|_, u| *u > now);
            if map.len() >= COUNT_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(key, until);
    }
}

/// The list's row count up to `bound`, and whether there are more.
async fn bounded_count(core: &Core, stmt: &SelectStatement, bound: u64) -> AppResult<(u64, bool)> {
    use sha2::Digest;
    let mut inner = stmt.clone();
    inner
        .clear_selects()
        .expr(Expr::cust("1"))
        .clear_order_by()
        .reset_limit()
        .reset_offset()
        .limit(bound + 1);
    let outer = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("counted"))
        .to_owned();
    let built = core.db.get_database_backend().build(&outer);
    let ttl = std::time::Duration::from_secs(core.settings.lists.count_cache_seconds);
    let key: [u8; 32] = Sha256::new()
        .chain_update(built.sql.as_bytes())
        .chain_update(format!("{:?}", built.values).as_bytes())
        .finalize()
        .into();
    let now = std::time::Instant::now();
    if !ttl.is_zero() && core.counts.is_capped(&key, now) {
        return Ok((bound, true));
    }
    let n: i64 = match core.db.query_one_raw(built).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let n = u64::try_from(n).unwrap_or_default();
    if n > bound && !ttl.is_zero() {
        core.counts.remember(key, now, now + ttl);
    }
    Ok((n.min(bound), n > bound))
}

/// One page of `q`'s entities in the order of `key` (see the module's rules).
pub async fn page<E: EntityTrait>(
    core: &Core,
    q: Select<E>,
    key: &Key,
    params: &PageParams,
) -> AppResult<Page<E::Model>> {
    let (rows, info) = page_rows(core, q.into_query(), key, params).await?;
    let rows = rows
        .iter()
        .map(|r| E::Model::from_query_result(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { rows, info })
}

/// One page of a statement's rows in the order of `key`, for lists that are not one entity's
/// rows (aggregates). The key's values are selected beside the statement's columns.
pub async fn page_rows(
    core: &Core,
    stmt: SelectStatement,
    key: &Key,
    params: &PageParams,
) -> AppResult<(Vec<QueryResult>, PageInfo)> {
    page_with(core, vec![stmt], key, params, None).await
}

/// `stmt` in the order of `key`, with the key's values selected (`_k0`, …) and, after a cursor
/// (the key values of its row, and whether it points forward), only the rows beyond that row:
/// the statement every page runs before its limit (and the plan guard plans).
pub fn keyed(stmt: SelectStatement, key: &Key, after: Option<(&[Value], bool)>) -> SelectStatement {
    let mut q = stmt;
    q.clear_order_by();
    for (i, p) in key.parts.iter().enumerate() {
        q.expr_as(p.expr.clone(), Alias::new(format!("_k{i}")));
    }
    let backward = after.is_some_and(|(_, forward)| !forward);
    match after {
        Some((values, forward)) if values.len() == key.parts.len() => {
            q.cond_where(key.beyond(values, forward));
        }
        // Values that do not fit the key point at no row.
        Some(_) => {
            q.and_where(Expr::cust("1 = 0"));
        }
        None => {}
    }
    for p in &key.parts {
        let desc = p.desc != backward;
        q.order_by_expr(p.expr.clone(), if desc { Order::Desc } else { Order::Asc });
    }
    q
}

/// The name of a page's rows in the statement `around` wraps them in.
pub const PAGE: &str = "page";

/// `page` (one page of rows, limited) as the table `PAGE` of a statement that adds what the
/// rows show besides their own columns (`columns`: joined names and the like, referring to
/// `PAGE`'s columns). The joins run for the page's rows only, after the limit, even where the
/// page itself had to sort its matches; the caller orders the outer statement.
pub fn around(page: SelectStatement, columns: impl Fn(&mut SelectStatement)) -> SelectStatement {
    use sea_orm::sea_query::Asterisk;
    let mut outer = Query::select();
    outer
        .column((Alias::new(PAGE), Asterisk))
        .from_subquery(page, Alias::new(PAGE));
    columns(&mut outer);
    outer
}

/// One page over `branches`, statements whose rows never overlap (each a list of its own, e.g.
/// one per state), in the order of `key`: the count is the sum of theirs (still bounded), and
/// each branch reads only its first rows in key order (by its own index) before the pages are
/// merged here, where one statement with an `OR` of them would have to sort every match.
/// `columns` adds to each page (not to the counts) what the rows show besides the filtered
/// table's columns (see `around`); `None` reads the rows alone.
pub async fn page_with(
    core: &Core,
    branches: Vec<SelectStatement>,
    key: &Key,
    params: &PageParams,
    columns: Option<fn(&mut SelectStatement)>,
) -> AppResult<(Vec<QueryResult>, PageInfo)> {
    let n = params.per_page();
    let bound = core.settings.lists.count_bound.max(1);
    let refused = |field: &'static str, message: &'static str| {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        AppError::Validation(errors)
    };
    let cursor = match params.cursor.as_deref() {
        None => None,
        Some(token) => Some(
            Cursor::open(&core.secret, key, token)
                .ok_or_else(|| refused("cursor", "list.bad_cursor"))?,
        ),
    };
    let offset = match &cursor {
        None => {
            let offset = (params.page() - 1).saturating_mul(n);
            if offset > bound {
                return Err(refused("page", "list.page_beyond_window"));
            }
            offset
        }
        Some(_) => 0,
    };
    let (mut total, mut total_capped) = (0, false);
    for b in &branches {
        let (t, capped) = bounded_count(core, b, bound).await?;
        total += t;
        total_capped |= capped;
    }
    if total > bound {
        (total, total_capped) = (bound, true);
    }
    let backward = cursor.as_ref().is_some_and(|(c, _)| !c.forward);
    let merged = branches.len() > 1;
    let mut rows = Vec::new();
    for stmt in branches {
        let after = cursor
            .as_ref()
            .map(|(c, values)| (values.as_slice(), c.forward));
        let mut q = keyed(stmt, key, after);
        if merged {
            // Every branch's rows up to the page's end; the merge skips the offset.
            q.limit(offset + n + 1);
        } else {
            q.limit(n + 1);
            if offset > 0 {
                q.offset(offset);
            }
        }
        let q = match columns {
            None => q,
            Some(columns) => {
                let mut outer = around(q, columns);
                for i in 0..key.parts.len() {
                    let desc = key.parts[i].desc != backward;
                    outer.order_by(
                        (Alias::new(PAGE), Alias::new(format!("_k{i}"))),
                        if desc { Order::Desc } else { Order::Asc },
                    );
                }
                outer
            }
        };
        rows.extend(core.db.query_all(&q).await?);
    }
    if merged {
        let mut keyed = rows
            .into_iter()
            .map(|r| Ok((key.values(&r)?, r)))
            .collect::<AppResult<Vec<_>>>()?;
        keyed.sort_by(|(a, _), (b, _)| {
            let o = key.compare(a, b);
            if backward { o.reverse() } else { o }
        });
        rows = keyed
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(n + 1).unwrap_or(usize::MAX))
            .map(|(_, r)| r)
            .collect();
    }
    let more = rows.len() as u64 > n;
    rows.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    let first = rows.first().map(|r| key.values(r)).transpose()?;
    let last = rows.last().map(|r| key.values(r)).transpose()?;
    let seal = |forward: bool, page: u64, values: Vec<Json>| {
        Cursor {
            forward,
            page: page.max(1),
            values,
        }
        .seal(&core.secret, key)
    };
    let (page, next, prev) = match cursor {
        None => {
            let page = params.page();
            let next = last.filter(|_| more).map(|v| seal(true, page + 1, v));
            let prev = first.filter(|_| page > 1).map(|v| seal(false, page - 1, v));
            (page, next, prev)
        }
        Some((c, _)) if c.forward => {
            let next = last.filter(|_| more).map(|v| seal(true, c.page + 1, v));
            let prev = Some(seal(false, c.page - 1, first.unwrap_or(c.values)));
            (c.page, next, prev)
        }
        Some((c, _)) => {
            // Backward: with nothing more before, this is the first page.
            let page = if more { c.page.max(2) } else { 1 };
            let next = Some(seal(true, page + 1, last.unwrap_or(c.values)));
            let prev = first.filter(|_| more).map(|v| seal(false, page - 1, v));
            (page, next, prev)
        }
    };
    Ok((
        rows,
        PageInfo {
            page,
            per_page: n,
            total,
            total_capped,
            next,
            prev,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::hazard;

    fn key() -> Key {
        Key::new("hazards")
            .desc(hazard::Column::FoundAt)
            .desc(hazard::Column::Id)
    }

    fn cursor() -> Cursor {
        Cursor {
            forward: true,
            page: 2,
            values: vec![Json::from("2026-12-01T08:00:00Z"), Json::from(42)],
        }
    }

    #[test]
    fn a_sealed_cursor_opens_with_its_key_only() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = cursor().seal(secret, &key());
        let (c, values) = Cursor::open(secret, &key(), &token).expect("opens");
        assert_eq!((c.forward, c.page), (true, 2));
        assert_eq!(values.len(), 2);
        let other = Key::new("inspections")
            .desc(hazard::Column::FoundAt)
            .desc(hazard::Column::Id);
        assert!(
            Cursor::open(secret, &other, &token).is_none(),
            "another list"
        );
        assert!(Cursor::open(b"another secret", &key(), &token).is_none());
    }

    #[test]
    fn a_capped_count_is_remembered_until_it_expires_and_the_map_stays_bounded() {
        use std::time::{Duration, Instant};
        let cache = CountCache::default();
        let t0 = Instant::now();
        let ttl = Duration::from_secs(30);
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert!(!cache.is_capped(&a, t0), "nothing remembered yet");
        cache.remember(a, t0, t0 + ttl);
        assert!(cache.is_capped(&a, t0 + Duration::from_secs(29)));
        assert!(!cache.is_capped(&b, t0), "another statement is counted");
        assert!(!cache.is_capped(&a, t0 + ttl), "expired: counted again");
        for i in 0..(COUNT_CACHE_MAX as u32 + 10) {
            let mut k = [0u8; 32];
            k[..4].copy_from_slice(&i.to_le_bytes());
            k[31] = 9;
            cache.remember(k, t0, t0 + ttl);
        }
        assert!(cache.lock().len() <= COUNT_CACHE_MAX, "bounded");
    }

    #[test]
    fn a_changed_cursor_does_not_open() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = cursor().seal(secret, &key());
        let mut bytes = crate::auth::csrf::unhex(&token).expect("hex");
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        let changed = crate::auth::csrf::hex(&bytes);
        assert!(Cursor::open(secret, &key(), &changed).is_none());
        assert!(Cursor::open(secret, &key(), "zz").is_none());
        assert!(Cursor::open(secret, &key(), "").is_none());
    }
}
