//! `portal seed city` at 1/100 scale: a generated city written into a fresh migrated database
//! and checked against the domain rules with the backend's own code (credit codes, region
//! paths, copied columns, the hazard state machine, plans, deadlines, memberships, listings,
//! labels), served by the real app to one account per role, and the same again for the same
//! seed.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use chrono::{DateTime, NaiveDate, Utc};
use migration::MigratorTrait;
use portal::domain::credit_code::CreditCode;
use portal::domain::hazard_flow::{self, Action, Facts, HazardState, Party};
use portal::domain::inspection::HazardLevel;
use portal::domain::region_path;
use portal::domain::scoring::{self, Rules};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};

use crate::helpers::*;

async fn city(dir: &std::path::Path, seed: u64, today: NaiveDate) -> (String, seed::city::Summary) {
    let url = empty_database_url(dir).await;
    let db = portal::db::connect(&url, 2).await.expect("connect");
    migration::Migrator::up(&db, None).await.expect("migrate");
    let options = seed::city::Options {
        seed,
        enterprises: None,
        hazards: None,
        scale: 0.01,
        today,
        password_hash: portal::auth::password::hash(PASSWORD.into())
            .await
            .expect("hash"),
        progress: false,
    };
    let summary = seed::city::generate(&db, &options).await.expect("generate");
    db.close().await.ok();
    (url, summary)
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn int(r: &QueryResult, col: &str) -> i64 {
    r.try_get::<i64>("", col)
        .or_else(|_| r.try_get::<i32>("", col).map(i64::from))
        .or_else(|_| r.try_get::<i16>("", col).map(i64::from))
        .unwrap_or_else(|e| panic!("{col}: {e}"))
}
fn opt_int(r: &QueryResult, col: &str) -> Option<i64> {
    r.try_get::<Option<i64>>("", col)
        .unwrap_or_else(|e| panic!("{col}: {e}"))
}
fn text(r: &QueryResult, col: &str) -> String {
    r.try_get::<String>("", col)
        .unwrap_or_else(|e| panic!("{col}: {e}"))
}
fn opt_text(r: &QueryResult, col: &str) -> Option<String> {
    r.try_get::<Option<String>>("", col)
        .unwrap_or_else(|e| panic!("{col}: {e}"))
}
fn time(r: &QueryResult, col: &str) -> DateTime<Utc> {
    r.try_get::<DateTime<Utc>>("", col)
        .unwrap_or_else(|e| panic!("{col}: {e}"))
}
fn date(r: &QueryResult, col: &str) -> NaiveDate {
    r.try_get::<NaiveDate>("", col)
        .unwrap_or_else(|e| panic!("{col}: {e}"))
}

/// Rows of `sql` (a count named `n`) must be zero.
async fn none_of(db: &DatabaseConnection, what: &str, sql: &str) {
    let n = int(&rows(db, sql).await[0], "n");
    assert_eq!(n, 0, "{what}: {n} rows break it ({sql})");
}

#[tokio::test]
async fn a_generated_city_keeps_every_rule_the_services_enforce() {
    let dir = tempfile::tempdir().expect("tempdir");
    let today = Utc::now().date_naive();
    let (url, summary) = city(dir.path(), 7, today).await;
    assert_eq!(summary.count("enterprises"), 200);
    assert_eq!(summary.count("hazards"), 5_000);
    assert!(
        summary.count("hazard_events") >= 4 * summary.count("hazards"),
        "at least four timeline rows per hazard: {:?}",
        summary.rows
    );
    let db = portal::db::connect(&url, 2).await.expect("connect");

    // Credit codes: valid by the backend's validator, issued in the city, unique.
    let codes: Vec<String> = rows(&db, "SELECT credit_code FROM enterprises")
        .await
        .iter()
        .map(|r| text(r, "credit_code"))
        .collect();
    for c in &codes {
        let parsed = CreditCode::parse(c).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(parsed.division(), seed::city::CITY_CODE);
    }
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), codes.len());

    // The region tree: every path is its parent's path and its code; every town of the city.
    let regions = rows(&db, "SELECT id, code, level, parent_id, path FROM regions").await;
    let by_id: HashMap<i64, &QueryResult> = regions.iter().map(|r| (int(r, "id"), r)).collect();
    for r in &regions {
        let parent = opt_int(r, "parent_id").map(|p| by_id[&p]);
        let expected =
            region_path::child_path(parent.map(|p| text(p, "path")).as_deref(), &text(r, "code"));
        assert_eq!(text(r, "path"), expected);
        assert_eq!(int(r, "level"), parent.map_or(1, |p| int(p, "level") + 1));
    }
    assert_eq!(
        regions.iter().filter(|r| int(r, "level") == 2).count(),
        23,
        "瑞安市 has 23 towns (12 街道, 9 镇, 2 乡)"
    );

    // Copied columns equal their source.
    for (what, sql) in [
        (
            "enterprise path",
            "SELECT COUNT(*) AS n FROM enterprises e JOIN regions r ON r.id = e.region_id WHERE e.region_path <> r.path",
        ),
        (
            "alliance path",
            "SELECT COUNT(*) AS n FROM alliances a JOIN regions r ON r.id = a.region_id WHERE a.region_path <> r.path",
        ),
        (
            "expert path",
            "SELECT COUNT(*) AS n FROM experts x JOIN regions r ON r.id = x.region_id WHERE x.region_path <> r.path",
        ),
        (
            "inspection path",
            "SELECT COUNT(*) AS n FROM inspections i JOIN enterprises e ON e.id = i.inspected_enterprise_id WHERE i.region_path <> e.region_path",
        ),
        (
            "hazard path",
            "SELECT COUNT(*) AS n FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id WHERE h.region_path <> e.region_path",
        ),
        (
            "hazard of its inspection",
            "SELECT COUNT(*) AS n FROM hazards h JOIN inspections i ON i.id = h.inspection_id WHERE h.enterprise_id <> i.inspected_enterprise_id OR COALESCE(h.alliance_id, 0) <> COALESCE(i.alliance_id, 0) OR COALESCE(h.reporter_enterprise_id, 0) <> COALESCE(i.inspecting_enterprise_id, 0) OR i.state NOT IN ('submitted', 'reviewed')",
        ),
        (
            "hazard's copy of its listing",
            "SELECT COUNT(*) AS n FROM hazards h WHERE h.listed <> EXISTS (SELECT 1 FROM supervisions s WHERE s.hazard_id = h.id AND s.status = 'listed')",
        ),
        (
            "hazard's copy of its pending extension",
            "SELECT COUNT(*) AS n FROM hazards h WHERE h.extension_pending <> EXISTS (SELECT 1 FROM extension_requests x WHERE x.hazard_id = h.id AND x.status = 'pending')",
        ),
        (
            "supervision path",
            "SELECT COUNT(*) AS n FROM supervisions s JOIN hazards h ON h.id = s.hazard_id WHERE s.region_path <> h.region_path",
        ),
        (
            "responsible unit",
            "SELECT COUNT(*) AS n FROM supervisions s JOIN hazards h ON h.id = s.hazard_id JOIN enterprises e ON e.id = h.enterprise_id WHERE s.responsible_unit <> e.name",
        ),
        (
            "event actor",
            "SELECT COUNT(*) AS n FROM hazard_events v JOIN users u ON u.id = v.actor_user_id WHERE v.actor_name <> u.display_name OR v.actor_role <> u.role",
        ),
        (
            "membership event actor",
            "SELECT COUNT(*) AS n FROM membership_events v JOIN users u ON u.id = v.actor_user_id WHERE v.actor_name <> u.display_name",
        ),
        (
            "audit actor",
            "SELECT COUNT(*) AS n FROM audit_logs a JOIN users u ON u.id = a.actor_user_id WHERE a.actor_name <> u.username OR a.actor_role <> u.role",
        ),
        (
            "plan deadline",
            "SELECT COUNT(*) AS n FROM rectification_plans p JOIN hazards h ON h.id = p.hazard_id WHERE p.deadline > h.deadline",
        ),
        (
            "listing deadline",
            "SELECT COUNT(*) AS n FROM supervisions s JOIN hazards h ON h.id = s.hazard_id WHERE s.deadline <> h.deadline",
        ),
        (
            "notice of a hazard",
            "SELECT COUNT(*) AS n FROM notifications n JOIN hazards h ON h.id = n.hazard_id WHERE n.created_at < h.found_at",
        ),
    ] {
        none_of(&db, what, sql).await;
    }
    // The audit's scope path is the acting account's.
    let paths: HashMap<i64, String> = rows(&db, "SELECT id, region_path FROM enterprises")
        .await
        .iter()
        .map(|r| (int(r, "id"), text(r, "region_path")))
        .collect();
    for a in rows(&db, "SELECT tenant, region_path FROM audit_logs").await {
        let tenant = opt_text(&a, "tenant").expect("tenant");
        if let Some(id) = tenant.strip_prefix("enterprise:") {
            let id: i64 = id.parse().expect("id");
            assert_eq!(opt_text(&a, "region_path").as_ref(), paths.get(&id));
        }
    }

    // Memberships and groups.
    for (what, sql) in [
        (
            "group member not approved",
            "SELECT COUNT(*) AS n FROM group_members gm JOIN activity_groups g ON g.id = gm.group_id WHERE NOT EXISTS (SELECT 1 FROM alliance_memberships m WHERE m.alliance_id = g.alliance_id AND m.enterprise_id = gm.enterprise_id AND m.status = 'approved')",
        ),
        (
            "group leader not a member",
            "SELECT COUNT(*) AS n FROM activity_groups g WHERE NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.enterprise_id = g.leader_enterprise_id)",
        ),
        (
            "lead not approved",
            "SELECT COUNT(*) AS n FROM alliances a WHERE NOT EXISTS (SELECT 1 FROM alliance_memberships m WHERE m.alliance_id = a.id AND m.enterprise_id = a.lead_enterprise_id AND m.status = 'approved')",
        ),
        (
            "membership status not its last event",
            "SELECT COUNT(*) AS n FROM alliance_memberships m WHERE m.status <> (SELECT v.to_status FROM membership_events v WHERE v.membership_id = m.id ORDER BY v.id DESC LIMIT 1)",
        ),
        (
            "round of another alliance's group",
            "SELECT COUNT(*) AS n FROM inspection_rounds r JOIN activity_groups g ON g.id = r.group_id WHERE g.alliance_id <> r.alliance_id",
        ),
        (
            "mutual inspection outside its group",
            "SELECT COUNT(*) AS n FROM inspections i WHERE i.kind = 'mutual' AND (NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = i.group_id AND gm.enterprise_id = i.inspected_enterprise_id) OR NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = i.group_id AND gm.enterprise_id = i.inspecting_enterprise_id) OR i.inspecting_enterprise_id = i.inspected_enterprise_id)",
        ),
    ] {
        none_of(&db, what, sql).await;
    }
    let kinds: HashSet<String> = rows(&db, "SELECT DISTINCT kind FROM alliances")
        .await
        .iter()
        .map(|r| text(r, "kind"))
        .collect();
    assert_eq!(kinds.len(), 4, "alliances of all four kinds: {kinds:?}");

    // Supervision only where a hazard may be listed; an open major hazard is listed.
    for (what, sql) in [
        (
            "listing of a general hazard",
            "SELECT COUNT(*) AS n FROM supervisions s JOIN hazards h ON h.id = s.hazard_id WHERE h.level <> 'major' AND s.reason = 'major'",
        ),
        (
            "still listed when finished",
            "SELECT COUNT(*) AS n FROM supervisions s JOIN hazards h ON h.id = s.hazard_id WHERE s.status = 'listed' AND h.state IN ('closed', 'withdrawn')",
        ),
        (
            "major hazard not listed",
            "SELECT COUNT(*) AS n FROM hazards h WHERE h.level = 'major' AND NOT EXISTS (SELECT 1 FROM supervisions s WHERE s.hazard_id = h.id)",
        ),
        (
            "closed listing without review",
            "SELECT COUNT(*) AS n FROM supervisions s JOIN hazards h ON h.id = s.hazard_id WHERE h.state = 'closed' AND (s.review_result IS NULL OR s.review_result <> 'passed')",
        ),
        (
            "pending extension on a finished hazard",
            "SELECT COUNT(*) AS n FROM extension_requests x JOIN hazards h ON h.id = x.hazard_id WHERE x.status = 'pending' AND h.state NOT IN ('reported', 'rectifying')",
        ),
    ] {
        none_of(&db, what, sql).await;
    }

    // Labels follow the scores under the rules in force (the defaults: none are set).
    for e in rows(&db, "SELECT score, label FROM enterprises").await {
        let score = int(&e, "score") as i32;
        assert_eq!(
            opt_text(&e, "label").as_deref(),
            Some(scoring::label(&Rules::default(), score).as_str())
        );
    }

    // Every hazard's state is where its timeline leads by the domain's transition rules.
    let roles: HashMap<i64, (String, Option<i64>)> =
        rows(&db, "SELECT id, role, enterprise_id FROM users")
            .await
            .iter()
            .map(|r| (int(r, "id"), (text(r, "role"), opt_int(r, "enterprise_id"))))
            .collect();
    let plans: HashSet<i64> = rows(&db, "SELECT hazard_id FROM rectification_plans")
        .await
        .iter()
        .map(|r| int(r, "hazard_id"))
        .collect();
    let hazards = rows(
        &db,
        "SELECT id, enterprise_id, reporter_enterprise_id, alliance_id, level, state, found_at, deadline, closed_at, verified_at FROM hazards ORDER BY id",
    )
    .await;
    let events = rows(
        &db,
        "SELECT hazard_id, actor_user_id, action, from_state, to_state, at FROM hazard_events ORDER BY hazard_id, id",
    )
    .await;
    let mut timeline: HashMap<i64, Vec<&QueryResult>> = HashMap::new();
    for e in &events {
        timeline.entry(int(e, "hazard_id")).or_default().push(e);
    }
    let mut states = HashSet::new();
    for h in &hazards {
        let id = int(h, "id");
        let enterprise = int(h, "enterprise_id");
        let level = HazardLevel::parse(&text(h, "level")).expect("level");
        let facts = Facts {
            level,
            in_alliance: opt_int(h, "alliance_id").is_some(),
            reported_by_other: opt_int(h, "reporter_enterprise_id") != Some(enterprise),
            by_expert: false,
            listed: level == HazardLevel::Major,
        };
        let found = time(h, "found_at");
        assert!(
            date(h, "deadline") >= found.date_naive(),
            "hazard {id}: deadline before found"
        );
        let evs = &timeline[&id];
        assert_eq!(text(evs[0], "action"), "report", "hazard {id}");
        assert_eq!(opt_text(evs[0], "from_state"), None);
        let mut state = HazardState::Reported;
        let mut last = found;
        for e in &evs[1..] {
            let at = time(e, "at");
            assert!(
                at >= last && at.date_naive() <= today,
                "hazard {id}: events in time order"
            );
            last = at;
            let from =
                HazardState::parse(&opt_text(e, "from_state").expect("from")).expect("state");
            let to = HazardState::parse(&text(e, "to_state")).expect("state");
            assert_eq!(
                from, state,
                "hazard {id}: event starts where the last ended"
            );
            let action = text(e, "action");
            match Action::parse(&action) {
                Some(a) => {
                    let actor = opt_int(e, "actor_user_id").expect("an account acts");
                    let (role, own) = &roles[&actor];
                    let party = match role.as_str() {
                        "regulator" => Party::Bureau,
                        "committee" => Party::Committee,
                        _ if *own == Some(enterprise) => Party::InspectedEnterprise,
                        _ if *own == opt_int(h, "reporter_enterprise_id") => Party::InspectingSide,
                        _ => Party::Observer,
                    };
                    assert_eq!(
                        hazard_flow::next(from, a, party, facts),
                        Ok(to),
                        "hazard {id}: {action} by {role} from {from:?}"
                    );
                }
                None => {
                    assert!(
                        ["comment", "supervise", "supervision_release"].contains(&action.as_str()),
                        "hazard {id}: unknown action {action}"
                    );
                    assert_eq!(from, to, "hazard {id}: {action} moves no state");
                }
            }
            state = to;
        }
        let stored = HazardState::parse(&text(h, "state")).expect("state");
        assert_eq!(stored, state, "hazard {id}: state is its last event's");
        states.insert(stored);
        let acknowledged = matches!(
            stored,
            HazardState::Rectifying | HazardState::AwaitingVerification | HazardState::Closed
        );
        assert_eq!(
            plans.contains(&id),
            acknowledged,
            "hazard {id}: plan iff acknowledged"
        );
        let closed = stored == HazardState::Closed;
        let closed_at = h
            .try_get::<Option<DateTime<Utc>>>("", "closed_at")
            .expect("closed_at");
        let verified_at = h
            .try_get::<Option<DateTime<Utc>>>("", "verified_at")
            .expect("verified_at");
        assert_eq!(closed_at.is_some(), closed, "hazard {id}: closed_at");
        assert_eq!(verified_at, closed_at, "hazard {id}: closed when verified");
    }
    assert_eq!(states.len(), 6, "hazards in every state: {states:?}");
    db.close().await.ok();

    // The services serve it: each role's hazard list has rows.
    let committee = summary
        .logins
        .iter()
        .find(|l| l.role == "committee")
        .expect("a committee login")
        .username
        .clone();
    let app = spawn_app_with(|s| s.database.url = Some(url.clone().into())).await;
    for user in ["yjj", "yj101", committee.as_str(), "qy00001"] {
        let token = app.api_token(user).await;
        let page = app.api_json("/api/v1/hazards?per_page=20", &token).await;
        let items = page["items"].as_array().map_or(0, Vec::len);
        assert!(items > 0, "{user} sees hazards: {page}");
    }
    let token = app.api_token("yjj").await;
    let page = app
        .api_json("/api/v1/enterprises?per_page=20", &token)
        .await;
    assert_eq!(page["items"].as_array().map_or(0, Vec::len), 20, "{page}");
}

/// A digest of a few tables, in id order.
async fn digest(url: &str) -> u64 {
    let db = portal::db::connect(url, 2).await.expect("connect");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for r in rows(
        &db,
        "SELECT id, credit_code, name, region_path, score FROM enterprises ORDER BY id",
    )
    .await
    {
        (
            int(&r, "id"),
            text(&r, "credit_code"),
            text(&r, "name"),
            text(&r, "region_path"),
            int(&r, "score"),
        )
            .hash(&mut h);
    }
    for r in rows(
        &db,
        "SELECT id, enterprise_id, title, state, found_at, deadline FROM hazards ORDER BY id",
    )
    .await
    {
        (
            int(&r, "id"),
            int(&r, "enterprise_id"),
            text(&r, "title"),
            text(&r, "state"),
            time(&r, "found_at"),
            date(&r, "deadline"),
        )
            .hash(&mut h);
    }
    for r in rows(
        &db,
        "SELECT id, hazard_id, action, to_state, at FROM hazard_events ORDER BY id",
    )
    .await
    {
        (
            int(&r, "id"),
            int(&r, "hazard_id"),
            text(&r, "action"),
            text(&r, "to_state"),
            time(&r, "at"),
        )
            .hash(&mut h);
    }
    db.close().await.ok();
    h.finish()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_city() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).expect("dir");
    std::fs::create_dir_all(&b).expect("dir");
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    let (first, _) = city(&a, 3, today).await;
    let (second, _) = city(&b, 3, today).await;
    assert_eq!(digest(&first).await, digest(&second).await);
    let other = dir.path().join("c");
    std::fs::create_dir_all(&other).expect("dir");
    let (third, _) = city(&other, 4, today).await;
    assert_ne!(
        digest(&first).await,
        digest(&third).await,
        "another seed, another city"
    );
}
