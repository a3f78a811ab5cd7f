//! The full-scan guard: every hot list's statement, as its service builds it, in every scope —
//! the page (ordered, with a LIMIT) and its count — is planned by the database itself, and a
//! plan that reads a big table without an index, or sorts a big table where an index could
//! give the list's order, fails with the plans printed.
//!
//! SQLite: `EXPLAIN QUERY PLAN` (its planner keeps no statistics here, so the plan is the one a
//! city-sized file gets). PostgreSQL: `EXPLAIN (FORMAT JSON)` with `enable_seqscan` off (and
//! `enable_sort`, where the list's order must come from an index) in the same transaction, so
//! tiny test tables do not make a scan or a sort the cheapest plan: what remains is a scan or
//! a sort no index can spare.

use portal::domain::role::Role;
use portal::scope::{Caller, Scope};
use portal::services::{
    audit, enterprises, expert_requests, hazards, inspections, membership, notify, rectification,
    supervision,
};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement, TransactionTrait};

use std::collections::HashMap;

use crate::helpers::*;

/// Tables that reach hundreds of thousands of rows in a city: none may be read whole.
const BIG: &[&str] = &[
    "hazards",
    "hazard_events",
    "inspections",
    "inspection_answers",
    "enterprises",
    "alliance_memberships",
    "membership_events",
    "notifications",
    "audit_logs",
    "supervisions",
    "attachments",
    "rectification_plans",
    "extension_requests",
    "expert_requests",
    "publication_reads",
    "users",
    "score_history",
];

/// How a statement may read its big tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Searched by an index key (an equality, or the region range for a count), the rows
    /// coming in the list's order: no full scan, no sort.
    Keyed,
    /// Read through an index in the list's order, whole or checking the region range on the
    /// way (the admin's list; a bureau's, whose subtree may be most of the table): no table
    /// scan, no sort.
    Ordered,
    /// Searched by index keys that no one index orders (an OR of the scope's keys: an
    /// enterprise's received and reported hazards): no full scan; the rows found, one tenant's,
    /// may be sorted.
    Searched,
}

/// What a plan does to the big tables.
#[derive(Debug, Default)]
struct Reads {
    /// Big tables read whole without an index.
    table_scans: Vec<String>,
    /// Big tables read whole through an index (in its order).
    index_scans: Vec<String>,
    /// Whether rows of a big table are sorted.
    sorted: bool,
}

impl Reads {
    fn problems(&self, access: Access) -> Vec<String> {
        let mut out = Vec::new();
        // A table read whole is fine only as SQLite's rowid order for an ordered list.
        let unsorted_rowid_order = access == Access::Ordered && !self.sorted;
        if !self.table_scans.is_empty() && !unsorted_rowid_order {
            out.push(format!(
                "reads {:?} whole without an index",
                self.table_scans
            ));
        }
        if !self.index_scans.is_empty() && access != Access::Ordered {
            out.push(format!(
                "reads {:?} whole through an index instead of searching it",
                self.index_scans
            ));
        }
        if self.sorted && access != Access::Searched {
            out.push("sorts a big table where an index could give the order".into());
        }
        out
    }
}

fn big(table: &str) -> bool {
    BIG.contains(&table)
}

/// SQLite: what `EXPLAIN QUERY PLAN` says.
fn sqlite_reads(lines: &[String]) -> Reads {
    let mut reads = Reads::default();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let table = words.get(1).copied().unwrap_or_default();
        match words.first().copied() {
            Some("SCAN") if big(table) => {
                if line.contains(" INDEX ") {
                    reads.index_scans.push(table.into());
                } else {
                    reads.table_scans.push(table.into());
                }
            }
            // An automatic index is one SQLite builds from a whole scan for this statement.
            Some("SEARCH") if big(table) && line.contains("AUTOMATIC") => {
                reads.table_scans.push(table.into());
            }
            // A skip-scan (`ANY(col)`) steps through every value of the index's first column.
            Some("SEARCH") if big(table) && line.contains("ANY(") => {
                reads.index_scans.push(table.into());
            }
            _ => {}
        }
        if line.contains("USE TEMP B-TREE FOR") && line.contains("ORDER BY") {
            reads.sorted = true;
        }
    }
    reads
}

/// PostgreSQL: what the JSON plan says, node by node. `indexes` names each index's table and
/// first column: an index condition on its other columns only (a B-tree accepts one) still
/// reads the whole index, as does an index read with no condition at all.
fn postgres_reads(
    node: &serde_json::Value,
    indexes: &HashMap<String, (String, String)>,
    reads: &mut Reads,
) -> bool {
    let kind = node["Node Type"].as_str().unwrap_or_default();
    let index = indexes.get(node["Index Name"].as_str().unwrap_or_default());
    // A bitmap index scan names its index only; its table is the index's.
    let table = node["Relation Name"]
        .as_str()
        .or(index.map(|(table, _)| table.as_str()))
        .unwrap_or_default();
    let mut reads_big = big(table);
    let searched = node["Index Cond"].as_str().is_some_and(|cond| {
        index.is_none_or(|(_, first)| {
            cond.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == first)
        })
    });
    match kind {
        "Seq Scan" if big(table) => reads.table_scans.push(table.into()),
        "Index Scan" | "Index Only Scan" if big(table) && !searched => {
            reads.index_scans.push(table.into())
        }
        // A bitmap read of a whole index (no condition) is how the planner, with sequential
        // scans off, spells a semi-join's scan of a small input; one with a condition on
        // columns after the first reads the whole index all the same.
        "Bitmap Index Scan" if big(table) && node.get("Index Cond").is_some() && !searched => {
            reads.index_scans.push(table.into())
        }
        _ => {}
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        reads_big |= postgres_reads(child, indexes, reads);
    }
    if matches!(kind, "Sort" | "Incremental Sort") && reads_big {
        reads.sorted = true;
    }
    reads_big
}

/// The plan of `sql` on `db`, as text lines (printed on failure) and what it reads.
/// On PostgreSQL sorting is switched off too unless `access` allows a sort, so that a plan
/// sorting what an index could give in order shows as a sort only when no index can; where it
/// allows one, plain index scans are switched off instead, so that a big table is read by
/// index conditions (bitmap scans) or shows as scanned whole.
async fn plan<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    sql: &str,
    access: Access,
) -> (Vec<String>, Reads) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await.expect("begin");
            let sort = if access == Access::Searched {
                "on"
            } else {
                "off"
            };
            txn.execute_unprepared(&format!(
                "SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = {sort}"
            ))
            .await
            .expect("planner settings");
            let row = txn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("EXPLAIN (FORMAT JSON) {sql}"),
                ))
                .await
                .expect("explain")
                .expect("a plan");
            let firsts = txn
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT c.relname AS index, t.relname AS table, a.attname AS first \
                     FROM pg_index i \
                     JOIN pg_class c ON c.oid = i.indexrelid \
                     JOIN pg_class t ON t.oid = i.indrelid \
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]",
                ))
                .await
                .expect("index columns");
            drop(txn);
            let indexes: HashMap<String, (String, String)> = firsts
                .iter()
                .map(|r| {
                    let get = |col| r.try_get::<String>("", col).expect("index column");
                    (get("index"), (get("table"), get("first")))
                })
                .collect();
            let json: serde_json::Value = row.try_get_by_index(0).expect("plan json");
            let mut reads = Reads::default();
            postgres_reads(&json[0]["Plan"], &indexes, &mut reads);
            let text = serde_json::to_string_pretty(&json[0]["Plan"]).unwrap_or_default();
            (text.lines().map(String::from).collect(), reads)
        }
        backend => {
            // A new text each time: the driver caches prepared statements by their text, and
            // SQLite does not prepare an EXPLAIN again after the schema changed (a dropped index).
            static PLANS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = PLANS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!("EXPLAIN QUERY PLAN /* plan {n} */ {sql}"),
                ))
                .await
                .expect("explain query plan");
            let lines: Vec<String> = rows
                .iter()
                .map(|r| r.try_get::<String>("", "detail").expect("detail"))
                .collect();
            let reads = sqlite_reads(&lines);
            (lines, reads)
        }
    }
}

/// One hot statement: a list's page in one scope and its count.
struct Case {
    name: String,
    page: String,
    page_access: Access,
    count: String,
    count_access: Access,
}

/// The page of `q` (its first 21 rows: a page and the look-ahead row of a keyset page) and its
/// count (bounded, as a page counts: at most 10,001 rows, selecting nothing but their
/// presence, so an index holding the filter's columns answers it alone), in `backend`'s SQL.
fn case<Q: QueryTrait<QueryStatement = SelectStatement> + Clone>(
    backend: DbBackend,
    name: impl Into<String>,
    q: Q,
    page_access: Access,
    count_access: Access,
) -> Case {
    case_with(backend, name, q, None, page_access, count_access)
}

/// A case whose page statement also selects what its rows show (`columns`, e.g. the names
/// `hazards::row_columns` joins in), as the list runs it; the count stays the bare statement.
fn case_with<Q: QueryTrait<QueryStatement = SelectStatement> + Clone>(
    backend: DbBackend,
    name: impl Into<String>,
    q: Q,
    columns: Option<fn(&mut SelectStatement)>,
    page_access: Access,
    count_access: Access,
) -> Case {
    let page = q.clone().into_query().limit(21).to_owned();
    let page = match columns {
        Some(columns) => portal::services::keyset::around(page, columns),
        None => page,
    };
    let mut inner = q.into_query();
    inner
        .clear_order_by()
        .clear_selects()
        .expr(Expr::val(1))
        .limit(10_001);
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(inner, Alias::new("counted"))
        .to_owned();
    Case {
        name: name.into(),
        page: backend.build(&page).to_string(),
        page_access,
        count: backend.build(&count).to_string(),
        count_access,
    }
}

/// The page after a cursor (a row of 2026-11-15, id 1,000, forward) of a list whose key is a
/// time then the id, as `keyset` runs it: the key's comparison must seek in the index of the
/// list's order, as the first page reads it. Its count is the first page's.
fn after_cursor<Q: QueryTrait<QueryStatement = SelectStatement> + Clone>(
    backend: DbBackend,
    name: &str,
    q: &Q,
    key: &portal::services::keyset::Key,
    access: Access,
) -> Case {
    use chrono::TimeZone;
    let at = chrono::Utc
        .with_ymd_and_hms(2026, 11, 15, 8, 0, 0)
        .single()
        .expect("time");
    let values = [sea_orm::Value::from(at), sea_orm::Value::from(1000i64)];
    let page = portal::services::keyset::keyed(q.clone().into_query(), key, Some((&values, true)))
        .limit(21)
        .to_owned();
    let page = portal::services::keyset::around(page, hazards::row_columns);
    let first = case(backend, name, q.clone(), access, access);
    Case {
        name: format!("{name}, after a cursor"),
        page: backend.build(&page).to_string(),
        page_access: access,
        count: first.count,
        count_access: first.count_access,
    }
}

/// What is wrong with each case's plans, with the plans, for the failure message.
async fn guard<C: ConnectionTrait + TransactionTrait>(db: &C, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for c in cases {
        for (what, sql, access) in [
            ("page", &c.page, c.page_access),
            ("count", &c.count, c.count_access),
        ] {
            let (lines, reads) = plan(db, sql, access).await;
            let problems = reads.problems(access);
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({what}, {access:?}): {}\n  {sql}\n  {}",
                    c.name,
                    problems.join("; "),
                    lines.join("\n  ")
                ));
            }
        }
    }
    failures
}

const CITY: &str = "/330381/";
const TOWN: &str = "/330381/330381101/";

fn caller(role: Role, scope: Scope) -> Caller {
    Caller {
        user_id: 7,
        username: "guard".into(),
        display_name: "guard".into(),
        role,
        scope,
        session_id: String::new(),
    }
}

fn region(path: &str) -> Scope {
    Scope::Region {
        region_id: 2,
        path: path.into(),
    }
}

fn committee() -> Scope {
    Scope::Alliance {
        alliance_id: 3,
        region_path: TOWN.into(),
    }
}

fn enterprise() -> Scope {
    Scope::Enterprise {
        enterprise_id: 5,
        region_path: TOWN.into(),
    }
}

fn expert() -> Scope {
    Scope::Expert { expert_id: 4 }
}

/// Every hot statement in every scope.
async fn hot_cases(app: &TestApp) -> Vec<Case> {
    use Access::*;
    let b = app.core.db.get_database_backend();
    let today = app.core.today();
    let mut cases = Vec::new();

    // 隐患.
    for (name, scope, filter, page, count) in [
        (
            "admin",
            Scope::System,
            hazards::HazardFilter::default(),
            Ordered,
            Ordered,
        ),
        ("city", region(CITY), Default::default(), Ordered, Keyed),
        ("town", region(TOWN), Default::default(), Ordered, Keyed),
        (
            "town, rectifying",
            region(TOWN),
            hazards::HazardFilter {
                state: Some("rectifying".into()),
                ..Default::default()
            },
            Keyed,
            Keyed,
        ),
        (
            "town, one enterprise (一企一档)",
            region(TOWN),
            hazards::HazardFilter {
                enterprise_id: Some(9),
                ..Default::default()
            },
            Keyed,
            Keyed,
        ),
        (
            "committee",
            committee(),
            Default::default(),
            Searched,
            Searched,
        ),
        (
            "enterprise",
            enterprise(),
            Default::default(),
            Searched,
            Searched,
        ),
        (
            "enterprise, received",
            enterprise(),
            hazards::HazardFilter {
                side: Some("received".into()),
                ..Default::default()
            },
            Keyed,
            Keyed,
        ),
        (
            "enterprise, reported",
            enterprise(),
            hazards::HazardFilter {
                side: Some("reported".into()),
                ..Default::default()
            },
            Keyed,
            Keyed,
        ),
        ("expert", expert(), Default::default(), Keyed, Keyed),
    ] {
        let parts = hazards::list_queries(&scope, &filter, today).expect("hazard query");
        let several = parts.len() > 1;
        for (n, q) in parts.into_iter().enumerate() {
            let name = if several {
                format!("hazards: {name}, part {}", n + 1)
            } else {
                format!("hazards: {name}")
            };
            cases.push(after_cursor(b, &name, &q, &hazards::order_key(), page));
            cases.push(case_with(
                b,
                name,
                q,
                Some(hazards::row_columns),
                page,
                count,
            ));
        }
    }

    // The timeline.
    cases.push(case(
        b,
        "timeline",
        rectification::timeline_query(11),
        Keyed,
        Keyed,
    ));

    // 检查.
    for (name, scope, filter, page, count) in [
        (
            "admin",
            Scope::System,
            inspections::InspectionFilter::default(),
            Ordered,
            Ordered,
        ),
        ("city", region(CITY), Default::default(), Ordered, Keyed),
        ("town", region(TOWN), Default::default(), Ordered, Keyed),
        (
            "town, one enterprise (一企一档)",
            region(TOWN),
            inspections::InspectionFilter {
                enterprise_id: Some(9),
                ..Default::default()
            },
            Keyed,
            Keyed,
        ),
        (
            "committee",
            committee(),
            Default::default(),
            Searched,
            Searched,
        ),
        (
            "enterprise",
            enterprise(),
            Default::default(),
            Searched,
            Searched,
        ),
        (
            "enterprise, inspecting",
            enterprise(),
            inspections::InspectionFilter {
                side: Some("inspecting".into()),
                ..Default::default()
            },
            Keyed,
            Keyed,
        ),
        ("expert", expert(), Default::default(), Keyed, Keyed),
    ] {
        let q = inspections::list_query(&scope, &filter).expect("inspection query");
        cases.push(case(b, format!("inspections: {name}"), q, page, count));
    }

    // The enterprise register (by name).
    for (name, scope, page, count) in [
        ("admin", Scope::System, Ordered, Ordered),
        ("city", region(CITY), Ordered, Keyed),
        ("town", region(TOWN), Ordered, Keyed),
        ("committee", committee(), Searched, Searched),
        // Its own row, by the primary key: the one row needs no order.
        ("enterprise", enterprise(), Searched, Keyed),
        ("expert", expert(), Searched, Searched),
    ] {
        let q = enterprises::list_query(&app.core, &scope, &Default::default())
            .await
            .expect("enterprise query");
        cases.push(case(b, format!("enterprises: {name}"), q, page, count));
    }

    // 挂牌督办.
    for (name, scope, page, count) in [
        ("admin", Scope::System, Ordered, Ordered),
        ("city", region(CITY), Ordered, Keyed),
        ("town", region(TOWN), Ordered, Keyed),
    ] {
        let q = supervision::list_query(&app.core, &scope, &Default::default())
            .await
            .expect("supervision query");
        cases.push(case(b, format!("supervision: {name}"), q, page, count));
    }

    // 待办 and 待处理.
    for (name, who) in [
        ("enterprise", caller(Role::EnterpriseAdmin, enterprise())),
        ("expert", caller(Role::Expert, expert())),
    ] {
        let q = rectification::todo_query(&who);
        cases.push(case_with(
            b,
            format!("to-do: {name}"),
            q,
            Some(hazards::row_columns),
            Searched,
            Searched,
        ));
    }
    for (name, who) in [
        ("committee", caller(Role::Committee, committee())),
        ("town", caller(Role::Regulator, region(TOWN))),
        ("city", caller(Role::Regulator, region(CITY))),
    ] {
        let kinds = [
            ("verify", Keyed),
            ("dispute", Keyed),
            ("pending extensions", Searched),
        ];
        let queries = rectification::queue_queries(&who);
        assert_eq!(queries.len(), kinds.len(), "one statement per kind");
        let key = rectification::queue_key();
        for ((kind, access), q) in kinds.into_iter().zip(queries) {
            let name = format!("queue: {name}, {kind}");
            cases.push(after_cursor(b, &name, &q, &key, access));
            cases.push(case_with(
                b,
                name,
                q,
                Some(hazards::row_columns),
                access,
                access,
            ));
        }
    }

    // 站内信.
    for (name, unread) in [("all", None), ("unread", Some(true))] {
        let who = caller(Role::EnterpriseStaff, enterprise());
        let q = notify::inbox::list_query(&who, &notify::inbox::InboxFilter { unread });
        cases.push(case(b, format!("notifications: {name}"), q, Keyed, Keyed));
    }

    // The audit log.
    for (name, who, page, count) in [
        (
            "admin",
            caller(Role::Admin, Scope::System),
            Ordered,
            Ordered,
        ),
        (
            "town",
            caller(Role::Regulator, region(TOWN)),
            Ordered,
            Keyed,
        ),
        (
            "own actions",
            caller(Role::EnterpriseAdmin, enterprise()),
            Keyed,
            Keyed,
        ),
    ] {
        let q = audit::search_query(&who, &Default::default());
        cases.push(case(b, format!("audit: {name}"), q, page, count));
    }

    // 专家服务申请.
    for (name, scope, page, count) in [
        ("admin", Scope::System, Ordered, Ordered),
        ("town", region(TOWN), Ordered, Keyed),
        ("committee", committee(), Keyed, Keyed),
        ("enterprise", enterprise(), Keyed, Keyed),
        ("expert", expert(), Searched, Searched),
    ] {
        let q = expert_requests::queries::list_query(&scope, &Default::default())
            .expect("request query");
        cases.push(case(b, format!("expert requests: {name}"), q, page, count));
    }

    // Memberships.
    for (name, scope, page, count) in [
        ("admin", Scope::System, Ordered, Ordered),
        ("town", region(TOWN), Searched, Searched),
        ("committee", committee(), Keyed, Keyed),
        ("enterprise", enterprise(), Keyed, Keyed),
    ] {
        let q = membership::list_query(&scope, &Default::default());
        cases.push(case(b, format!("memberships: {name}"), q, page, count));
    }
    cases
}

#[tokio::test]
async fn every_hot_list_reads_an_index_in_its_order_in_every_scope() {
    let app = spawn_app().await;
    let cases = hot_cases(&app).await;
    let failures = guard(&app.core.db, &cases).await;
    assert!(
        failures.is_empty(),
        "{} of {} statements plan badly:\n\n{}",
        failures.len(),
        cases.len() * 2,
        failures.join("\n\n")
    );
}

#[tokio::test]
async fn the_guard_reports_a_list_whose_index_is_gone() {
    let app = spawn_app().await;
    let db = &app.core.db;
    let received = hazards::HazardFilter {
        side: Some("received".into()),
        ..Default::default()
    };
    let q = hazards::list_query(&enterprise(), &received, app.core.today()).expect("query");
    let cases = [case(
        db.get_database_backend(),
        "hazards: enterprise, received",
        q,
        Access::Keyed,
        Access::Keyed,
    )];
    assert!(guard(db, &cases).await.is_empty(), "planned well at first");
    // Dropped inside one transaction (one connection, whose plans cannot be the ones cached
    // before), undone after.
    let txn = db.begin().await.expect("begin");
    txn.execute_unprepared("DROP INDEX idx_hazards_enterprise_found_alliance")
        .await
        .expect("drop the index");
    let failures = guard(&txn, &cases).await;
    txn.rollback().await.expect("rollback");
    assert_eq!(failures.len(), 2, "page and count reported: {failures:#?}");
    assert!(
        failures
            .iter()
            .all(|f| f.contains("hazards") && (f.contains("whole") || f.contains("sorts"))),
        "{failures:#?}"
    );
}
