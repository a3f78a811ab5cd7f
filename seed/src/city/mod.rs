//! `portal seed city`: a whole county-level city written straight into an empty, migrated
//! database — the region tree of 瑞安市 with all its towns, enterprises with valid credit
//! codes, alliances of every kind with groups and memberships, twelve months of rounds and
//! inspections, hazards in every state with their timelines, plans, extension requests,
//! supervision listings, scores and notices.
//!
//! The output is a function of the options only (`seed`, the counts and `today`): one seeded
//! `StdRng` drives every choice and ids are assigned here, so two runs write the same rows.
//! Rows go in through multi-row `INSERT`s (see `sink`), a transaction per stage; the rules
//! the services enforce hold for every row (`tests/it/city_seed.rs` checks them).

mod indexes;
mod names;
mod sink;

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait, Value,
};

pub use names::{CITY_CODE, CITY_NAME};
use sink::{Out, Table};

/// Enterprises and hazards at scale 1.
pub const FULL_ENTERPRISES: u64 = 20_000;
pub const FULL_HAZARDS: u64 = 500_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    pub enterprises: Option<u64>,
    pub hazards: Option<u64>,
    /// 1.0 = 20,000 enterprises and 500,000 hazards; explicit counts win.
    pub scale: f64,
    /// The day the data ends on (found dates lie in the twelve months before it).
    pub today: NaiveDate,
    /// The argon2 hash every account gets (of the published demo password).
    pub password_hash: String,
    /// Draw progress bars on stderr.
    pub progress: bool,
}

impl Options {
    pub fn enterprise_count(&self) -> u64 {
        self.enterprises
            .unwrap_or_else(|| ((FULL_ENTERPRISES as f64) * self.scale).round() as u64)
            .max(40)
    }
    pub fn hazard_count(&self) -> u64 {
        self.hazards
            .unwrap_or_else(|| ((FULL_HAZARDS as f64) * self.scale).round() as u64)
    }
}

/// A login the generator created, for printing.
#[derive(Debug, Clone)]
pub struct Login {
    pub username: String,
    pub role: &'static str,
    pub display_name: String,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// (table, rows), in the order written.
    pub rows: Vec<(&'static str, u64)>,
    pub logins: Vec<Login>,
    pub seconds: f64,
}

impl Summary {
    pub fn count(&self, table: &str) -> u64 {
        self.rows
            .iter()
            .filter(|(t, _)| *t == table)
            .map(|(_, n)| n)
            .sum()
    }
}

/// The published demo password every generated account has.
pub const PASSWORD: &str = "Anquan@2026";

// ---------------------------------------------------------------------------------------------
// Credit codes

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The GB 11714 check character of an eight-digit organisation code.
fn org_check(digits: &[u8; 8]) -> u8 {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        c => b'0' + c as u8,
    }
}

/// The GB 32100 code of enterprise `n` (unique per `n < 10^8`): 91 (企业), the city's
/// division, an organisation code with its check character, and the final check character.
pub fn credit_code(n: u64) -> String {
    // Spread consecutive numbers over the eight digits (a bijection mod 10^8).
    let body = (n.wrapping_mul(48_271) + 13_579_246) % 100_000_000;
    let digits: [u8; 8] = format!("{body:08}")
        .as_bytes()
        .try_into()
        .unwrap_or([b'0'; 8]);
    let mut s = format!("91{CITY_CODE}");
    s.push_str(std::str::from_utf8(&digits).unwrap_or("00000000"));
    s.push(org_check(&digits) as char);
    let sum: u32 = s
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| CHARSET.iter().position(|&x| x == c).unwrap_or(0) as u32 * w)
        .sum();
    s.push(CHARSET[((31 - sum % 31) % 31) as usize] as char);
    s
}

// ---------------------------------------------------------------------------------------------
// The model kept in memory while writing

struct Region {
    id: i64,
    code: String,
    name: String,
    path: String,
    /// Index of its town in `towns` (None for the city).
    town: usize,
}

struct Town {
    region: usize,
    name: String,
    regulator: User,
    villages: Vec<usize>,
}

#[derive(Clone)]
struct User {
    id: i64,
    username: String,
    display: String,
    role: &'static str,
}

struct Ent {
    id: i64,
    name: String,
    region: usize,
    town: usize,
    admin: User,
}

struct Alliance {
    id: i64,
    path: String,
    committee: User,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mutual,
    SelfCheck,
    Regulator,
}

struct Insp {
    id: i64,
    kind: Kind,
    inspected: usize,
    inspecting: Option<usize>,
    alliance: Option<usize>,
    submitted_at: DateTime<Utc>,
}

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}
fn none_i64() -> Value {
    Value::BigInt(None)
}
fn none_str() -> Value {
    Value::String(None)
}
fn none_ts() -> Value {
    Value::ChronoDateTimeUtc(None)
}
fn none_date() -> Value {
    Value::ChronoDate(None)
}
fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}
fn person(rng: &mut StdRng) -> String {
    let mut s = pick(rng, names::SURNAMES).to_string();
    let given: &&str = pick(rng, names::GIVEN);
    s.push_str(given);
    if rng.random_bool(0.6) {
        let given: &&str = pick(rng, names::GIVEN);
        s.push_str(given);
    }
    s
}
fn phone(rng: &mut StdRng) -> String {
    format!(
        "13{}{:08}",
        rng.random_range(0..10),
        rng.random_range(0..100_000_000u32)
    )
}
fn day_start(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Writes the city into `db` (already migrated, and empty: the caller checks).
pub async fn generate(db: &DatabaseConnection, opts: &Options) -> Result<Summary, DbErr> {
    let started = Instant::now();
    let backend = db.get_database_backend();
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut g = Gen {
        clock: started,
        backend,
        progress: opts.progress,
        summary: Summary::default(),
        today: opts.today,
        now: day_start(opts.today) + Duration::hours(2),
        hash: opts.password_hash.clone(),
        regions: Vec::new(),
        towns: Vec::new(),
        ents: Vec::new(),
        alliances: Vec::new(),
        users: Vec::new(),
        next_user: 1,
        insps: Vec::new(),
        version_id: 1,
        groups: Vec::new(),
    };
    let fixtures = crate::demo().map_err(|e| DbErr::Custom(e.to_string()))?;
    let indexes = indexes::drop_secondary(db).await?;
    if backend == DbBackend::Postgres {
        // COPY on one connection, in one transaction per stage.
        let fast = skip_triggers(db).await?;
        let mut c = db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(sink::db_err)?;
        for stage in 0..4 {
            sink::pg_exec(&mut c, "BEGIN").await?;
            if fast {
                sink::pg_exec(&mut c, "SET LOCAL session_replication_role = replica").await?;
            }
            let mut out = Out::Pg(&mut c);
            g.stage(stage, &mut out, &mut rng, &fixtures, opts).await?;
            sink::pg_exec(&mut c, "COMMIT").await?;
        }
        let mut out = Out::Pg(&mut c);
        copies(&mut out).await?;
        indexes::restore(&mut out, &indexes, opts.progress).await?;
    } else {
        for stage in 0..4 {
            let txn = db.begin().await?;
            let mut out = Out::Orm(&txn);
            g.stage(stage, &mut out, &mut rng, &fixtures, opts).await?;
            txn.commit().await?;
        }
        let txn = db.begin().await?;
        let mut out = Out::Orm(&txn);
        copies(&mut out).await?;
        indexes::restore(&mut out, &indexes, opts.progress).await?;
        txn.commit().await?;
    }
    g.finish(db).await?;
    g.summary.seconds = started.elapsed().as_secs_f64();
    Ok(g.summary)
}

/// The hazards' copies of their listing and pending extension request (`hazards.listed`,
/// `hazards.extension_pending`), which the services write with their source: set from the
/// rows written, as migration 000020 fills them.
async fn copies(out: &mut Out<'_>) -> Result<(), DbErr> {
    out.exec(
        "UPDATE hazards SET listed = TRUE WHERE id IN \
         (SELECT hazard_id FROM supervisions WHERE status = 'listed')",
    )
    .await?;
    out.exec(
        "UPDATE hazards SET extension_pending = TRUE WHERE id IN \
         (SELECT hazard_id FROM extension_requests WHERE status = 'pending')",
    )
    .await
}

/// On PostgreSQL as a superuser, the rows are written with triggers off (foreign-key checks
/// are triggers there, one lookup per row and key): the generator builds every reference
/// itself, and the same rows are written with the checks on SQLite and by the tests.
async fn skip_triggers(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres
        || std::env::var_os("SEED_CITY_CHECK_KEYS").is_some()
    {
        return Ok(false);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
        ))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<bool>("", "rolsuper").ok())
        .unwrap_or(false))
}

impl Gen {
    async fn stage(
        &mut self,
        stage: u8,
        out: &mut Out<'_>,
        rng: &mut StdRng,
        fixtures: &crate::DemoData,
        opts: &Options,
    ) -> Result<(), DbErr> {
        match stage {
            0 => {
                self.registry(out, rng, fixtures, opts.enterprise_count())
                    .await
            }
            1 => self.alliances(out, rng).await,
            2 => self.inspections(out, rng).await,
            _ => {
                let scores = self.hazards(out, rng, opts.hazard_count()).await?;
                self.scores(out, scores).await
            }
        }
    }
}

struct Gen {
    clock: Instant,
    backend: DbBackend,
    progress: bool,
    summary: Summary,
    today: NaiveDate,
    now: DateTime<Utc>,
    hash: String,
    regions: Vec<Region>,
    towns: Vec<Town>,
    ents: Vec<Ent>,
    alliances: Vec<Alliance>,
    /// Every account, written with the registry (the committee ones after the alliances).
    users: Vec<Account>,
    next_user: i64,
    insps: Vec<Insp>,
    version_id: i64,
    /// (group id, alliance index, member enterprise indexes).
    groups: Vec<(i64, usize, Vec<usize>)>,
}

/// An account to write: the user and its region, alliance, enterprise and expert ids.
type Account = (User, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// An inspection to plan: inspected and inspecting enterprise, (round id, alliance, group),
/// kind, day, creator.
type Planned = (
    usize,
    Option<usize>,
    Option<(i64, usize, i64)>,
    Kind,
    NaiveDate,
    Option<User>,
);

/// Per enterprise, what its score is computed from: open general, open major, overdue days,
/// timely closures.
type ScoreFacts = Vec<[i64; 4]>;

impl Gen {
    fn table(&self, name: &'static str, cols: &'static [&'static str], expected: u64) -> Table {
        Table::new(self.backend, name, cols, expected, self.progress)
    }

    async fn done(&mut self, out: &mut Out<'_>, t: Table) -> Result<(), DbErr> {
        let name = t.name;
        let n = t.finish(out).await?;
        if std::env::var_os("SEED_CITY_TRACE").is_some() {
            eprintln!("{name} {n} at {:?}", self.clock.elapsed());
        }
        match self.summary.rows.iter_mut().find(|r| r.0 == name) {
            Some(r) => r.1 += n,
            None => self.summary.rows.push((name, n)),
        }
        Ok(())
    }

    fn user(&mut self, username: String, display: String, role: &'static str) -> User {
        let u = User {
            id: self.next_user,
            username,
            display,
            role,
        };
        self.next_user += 1;
        u
    }

    fn login(&mut self, u: &User) {
        self.summary.logins.push(Login {
            username: u.username.clone(),
            role: u.role,
            display_name: u.display.clone(),
        });
    }

    /// Regions, industries, risk tags, enterprises, experts, bureau and enterprise accounts.
    async fn registry(
        &mut self,
        out: &mut Out<'_>,
        rng: &mut StdRng,
        fixtures: &crate::DemoData,
        n_ents: u64,
    ) -> Result<(), DbErr> {
        let created = self.now - Duration::days(400);
        // Region tree: the city, its towns, their communities and villages.
        let mut regions = self.table(
            "regions",
            &["id", "code", "name", "level", "parent_id", "path"],
            600,
        );
        let city_path = format!("/{CITY_CODE}/");
        regions.push(vec![
            v(1i64),
            v(CITY_CODE),
            v(CITY_NAME),
            v(1i16),
            none_i64(),
            v(city_path.clone()),
        ]);
        self.regions.push(Region {
            id: 1,
            code: CITY_CODE.into(),
            name: CITY_NAME.into(),
            path: city_path.clone(),
            town: usize::MAX,
        });
        let mut weights = Vec::new();
        for (ti, (code, name, weight)) in names::TOWNS.iter().enumerate() {
            let code = format!("{CITY_CODE}{code}");
            let path = format!("{city_path}{code}/");
            let id = self.regions.len() as i64 + 1;
            regions.push(vec![
                v(id),
                v(code.clone()),
                v(*name),
                v(2i16),
                v(1i64),
                v(path.clone()),
            ]);
            self.regions.push(Region {
                id,
                code: code.clone(),
                name: (*name).into(),
                path: path.clone(),
                town: ti,
            });
            let town_region = self.regions.len() - 1;
            let (communities, villages) = if name.ends_with("街道") {
                (8, 6)
            } else if name.ends_with('镇') {
                (3, 15)
            } else {
                (0, 6)
            };
            let mut used = std::collections::BTreeSet::new();
            let mut vs = Vec::new();
            for k in 0..communities + villages {
                let (sub, suffix) = if k < communities {
                    (format!("{:03}", k + 1), "社区")
                } else {
                    (format!("{:03}", 200 + k - communities), "村")
                };
                let mut vname;
                loop {
                    vname = format!(
                        "{}{}{suffix}",
                        pick(rng, names::PLACE_A),
                        pick(rng, names::PLACE_B)
                    );
                    if used.insert(vname.clone()) {
                        break;
                    }
                }
                let vcode = format!("{code}{sub}");
                let vpath = format!("{path}{vcode}/");
                let vid = self.regions.len() as i64 + 1;
                regions.push(vec![
                    v(vid),
                    v(vcode.clone()),
                    v(vname.clone()),
                    v(3i16),
                    v(id),
                    v(vpath.clone()),
                ]);
                self.regions.push(Region {
                    id: vid,
                    code: vcode,
                    name: vname,
                    path: vpath,
                    town: ti,
                });
                vs.push(self.regions.len() - 1);
            }
            weights.push(*weight);
            let regulator = self.user(
                format!("yj{}", &code[6..]),
                format!("{name}应急办"),
                "regulator",
            );
            self.users
                .push((regulator.clone(), Some(id), None, None, None));
            self.towns.push(Town {
                region: town_region,
                name: (*name).into(),
                regulator,
                villages: vs,
            });
        }
        self.done(out, regions).await?;

        let mut industries = self.table("industries", &["code", "name", "parent_code"], 30);
        for i in &fixtures.industries {
            industries.push(vec![
                v(i.code.clone()),
                v(i.name.clone()),
                v(i.parent.clone()),
            ]);
        }
        self.done(out, industries).await?;
        let mut tags = self.table("risk_tags", &["code", "name"], 10);
        for t in &fixtures.risk_tags {
            tags.push(vec![v(t.code.clone()), v(t.name.clone())]);
        }
        self.done(out, tags).await?;
        let leaves: Vec<&crate::IndustryFixture> = fixtures
            .industries
            .iter()
            .filter(|i| {
                !fixtures
                    .industries
                    .iter()
                    .any(|c| c.parent.as_ref() == Some(&i.code))
            })
            .collect();
        let tag_codes: Vec<&str> = fixtures.risk_tags.iter().map(|t| t.code.as_str()).collect();

        // Accounts of the city bureau and the system admin come first.
        let admin = self.user("admin".into(), "系统管理员".into(), "admin");
        self.users.push((admin.clone(), None, None, None, None));
        self.login(&admin);
        let city = self.user("yjj".into(), "瑞安市应急管理局".into(), "regulator");
        self.users.push((city.clone(), Some(1), None, None, None));
        self.login(&city);
        let town0 = self.towns[12].regulator.clone();
        self.login(&town0);

        // Enterprises.
        let total_weight: u32 = weights.iter().sum();
        let mut ents = self.table(
            "enterprises",
            &[
                "id",
                "credit_code",
                "name",
                "region_id",
                "region_path",
                "industry_code",
                "address",
                "legal_representative",
                "safety_officer",
                "safety_phone",
                "employees",
                "scale",
                "status",
                "created_at",
                "updated_at",
            ],
            n_ents,
        );
        let mut ert = self.table(
            "enterprise_risk_tags",
            &["enterprise_id", "tag_code"],
            n_ents,
        );
        let mut names_used = std::collections::HashSet::new();
        for n in 0..n_ents {
            let id = n as i64 + 1;
            let mut w = rng.random_range(0..total_weight);
            let mut ti = 0;
            while w >= weights[ti] {
                w -= weights[ti];
                ti += 1;
            }
            let region = *pick(rng, &self.towns[ti].villages);
            let ind = *pick(rng, &leaves);
            let short = ind.name.replace("制造", "");
            let mut name;
            loop {
                name = format!(
                    "瑞安市{}{}{}有限公司",
                    pick(rng, names::TRADE),
                    pick(rng, names::TRADE),
                    short
                );
                if names_used.insert(name.clone()) {
                    break;
                }
                name = format!(
                    "瑞安市{}{}{}{}有限公司",
                    pick(rng, names::TRADE),
                    pick(rng, names::TRADE),
                    pick(rng, names::TRADE),
                    short
                );
                if names_used.insert(name.clone()) {
                    break;
                }
            }
            let reg = &self.regions[region];
            let employees: i32 = if rng.random_bool(0.15) {
                rng.random_range(100..800)
            } else {
                rng.random_range(5..100)
            };
            let at = created + Duration::minutes(n as i64);
            ents.push(vec![
                v(id),
                v(credit_code(n)),
                v(name.clone()),
                v(reg.id),
                v(reg.path.clone()),
                v(ind.code.clone()),
                v(format!(
                    "{}{}{}号",
                    self.towns[ti].name,
                    reg.name,
                    rng.random_range(1..300)
                )),
                v(person(rng)),
                v(person(rng)),
                v(phone(rng)),
                v(employees),
                v(if employees >= 100 {
                    "above"
                } else {
                    "small_micro"
                }),
                v("active"),
                v(at),
                v(at),
            ]);
            ents.maybe_flush(out).await?;
            if rng.random_bool(0.35) {
                let a = rng.random_range(0..tag_codes.len());
                ert.push(vec![v(id), v(tag_codes[a])]);
                if rng.random_bool(0.3) {
                    let b = (a + 1 + rng.random_range(0..tag_codes.len() - 1)) % tag_codes.len();
                    ert.push(vec![v(id), v(tag_codes[b])]);
                }
            }
            let admin = self.user(
                format!("qy{id:05}"),
                format!("{name}管理员"),
                "enterprise_admin",
            );
            self.users.push((admin.clone(), None, None, Some(id), None));
            self.ents.push(Ent {
                id,
                name,
                region,
                town: ti,
                admin,
            });
        }
        self.done(out, ents).await?;
        self.done(out, ert).await?;
        let first = self.ents[0].admin.clone();
        self.login(&first);
        let staff = self.user(
            "aqy00001".into(),
            format!("{}安全员", person(rng)),
            "enterprise_staff",
        );
        self.users.push((staff.clone(), None, None, Some(1), None));
        self.login(&staff);

        // Experts.
        let specialties = [
            "electromech",
            "fire",
            "hazchem",
            "ventilation",
            "geology",
            "mining",
        ];
        let n_experts = 30;
        let mut ex = self.table(
            "experts",
            &[
                "id",
                "name",
                "organisation",
                "region_id",
                "region_path",
                "phone",
                "title",
                "active",
            ],
            n_experts,
        );
        let mut exs = self.table(
            "expert_specialties",
            &["expert_id", "specialty"],
            n_experts * 2,
        );
        for id in 1..=n_experts as i64 {
            let name = person(rng);
            let t = &self.towns[rng.random_range(0..self.towns.len())];
            let r = &self.regions[t.region];
            ex.push(vec![
                v(id),
                v(name.clone()),
                v("温州市安全生产技术服务中心"),
                v(r.id),
                v(r.path.clone()),
                v(phone(rng)),
                v(*pick(rng, &["高级工程师", "工程师", "注册安全工程师"])),
                v(true),
            ]);
            let a = rng.random_range(0..specialties.len());
            exs.push(vec![v(id), v(specialties[a])]);
            exs.push(vec![v(id), v(specialties[(a + 1) % specialties.len()])]);
            if id == 1 {
                let u = self.user("zhuanjia".into(), format!("{name}（专家）"), "expert");
                self.users.push((u.clone(), None, None, None, Some(id)));
                self.login(&u);
            }
        }
        self.done(out, ex).await?;
        self.done(out, exs).await?;
        // The checklist every inspection uses: the city bureau's.
        let mut tpl = self.table(
            "checklist_templates",
            &[
                "id",
                "title",
                "topic",
                "region_id",
                "alliance_id",
                "region_path",
                "status",
                "created_by",
                "created_at",
                "updated_at",
            ],
            1,
        );
        tpl.push(vec![
            v(1i64),
            v("企业安全生产综合检查表"),
            v("general"),
            v(1i64),
            none_i64(),
            v(city_path.clone()),
            v("active"),
            none_i64(),
            v(created),
            v(created),
        ]);
        let mut ver = self.table(
            "checklist_versions",
            &[
                "id",
                "template_id",
                "version",
                "note",
                "published_by",
                "published_at",
            ],
            1,
        );
        ver.push(vec![
            v(1i64),
            v(1i64),
            v(1i32),
            none_str(),
            none_i64(),
            v(created),
        ]);
        let mut items = self.table(
            "checklist_items",
            &[
                "id",
                "version_id",
                "seq",
                "category",
                "requirement",
                "legal_basis",
            ],
            9,
        );
        for (i, (cat, titles)) in names::HAZARDS.iter().enumerate() {
            items.push(vec![
                v(i as i64 + 1),
                v(1i64),
                v(i as i32 + 1),
                v(*cat),
                v(format!("无“{}”等情形", titles[0])),
                v("《中华人民共和国安全生产法》第四十一条"),
            ]);
        }
        // Templates and versions are written with the users (created_by/published_by are null).
        self.users_table(out, created).await?;
        self.done(out, tpl).await?;
        self.done(out, ver).await?;
        self.done(out, items).await?;
        self.version_id = 1;
        Ok(())
    }

    async fn users_table(
        &mut self,
        out: &mut Out<'_>,
        created: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let mut t = self.table(
            "users",
            &[
                "id",
                "username",
                "display_name",
                "password_hash",
                "role",
                "region_id",
                "alliance_id",
                "enterprise_id",
                "expert_id",
                "active",
                "failed_logins",
                "password_changed_at",
                "created_at",
            ],
            self.users.len() as u64,
        );
        for (u, region, alliance, ent, expert) in std::mem::take(&mut self.users) {
            t.push(vec![
                v(u.id),
                v(u.username),
                v(u.display.chars().take(64).collect::<String>()),
                v(self.hash.clone()),
                v(u.role),
                v(region),
                v(alliance),
                v(ent),
                v(expert),
                v(true),
                v(0i32),
                v(created),
                v(created),
            ]);
            t.maybe_flush(out).await?;
        }
        self.done(out, t).await
    }

    /// Alliances of the four kinds, memberships with their events, groups and committee accounts.
    async fn alliances(&mut self, out: &mut Out<'_>, rng: &mut StdRng) -> Result<(), DbErr> {
        let founded = self.today - Duration::days(390);
        let n = self.ents.len();
        // Who joins what: every town has a regional alliance (its enterprises); the industrial
        // towns a park alliance; villages alliances take a village's enterprises; an industry
        // alliance per 400 enterprises across the city.
        struct Plan {
            kind: &'static str,
            name: String,
            region: usize,
            members: Vec<usize>,
        }
        let mut plans: Vec<Plan> = Vec::new();
        let mut by_town: Vec<Vec<usize>> = vec![Vec::new(); self.towns.len()];
        let mut by_village: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, e) in self.ents.iter().enumerate() {
            by_town[e.town].push(i);
            by_village.entry(e.region).or_default().push(i);
        }
        // Parks in the towns with the most enterprises: one per 2,500 enterprises, at least two.
        let mut busiest: Vec<usize> = (0..self.towns.len()).collect();
        busiest.sort_by_key(|&t| (std::cmp::Reverse(by_town[t].len()), t));
        let parks: Vec<usize> = busiest.into_iter().take((n / 2500).max(2)).collect();
        for (ti, t) in self.towns.iter().enumerate() {
            let members: Vec<usize> = by_town[ti]
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.45))
                .collect();
            plans.push(Plan {
                kind: "regional",
                name: format!("{}安全生产互助联盟", t.name),
                region: t.region,
                members,
            });
            if parks.contains(&ti) {
                let members: Vec<usize> = by_town[ti]
                    .iter()
                    .copied()
                    .filter(|_| rng.random_bool(0.2))
                    .collect();
                plans.push(Plan {
                    kind: "park",
                    name: format!("{}小微园区安全互助联盟", t.name),
                    region: t.region,
                    members,
                });
            }
        }
        let mut villages: Vec<(&usize, &Vec<usize>)> = by_village.iter().collect();
        villages.sort();
        // Village alliances in the villages with the most enterprises: one per 150.
        villages.sort_by_key(|(r, m)| (std::cmp::Reverse(m.len()), **r));
        for (region, members) in villages.into_iter().take(n / 150 + 1) {
            plans.push(Plan {
                kind: "village",
                name: format!(
                    "{}{}企业安全互助会",
                    self.towns[self.regions[*region].town].name, self.regions[*region].name
                ),
                region: *region,
                members: members
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|(k, _)| *k < 4 || rng.random_bool(0.5))
                    .map(|(_, m)| m)
                    .collect(),
            });
        }
        let n_industry = (n / 400).max(1);
        for k in 0..n_industry {
            let members: Vec<usize> = (0..n)
                .filter(|i| i % n_industry == k && rng.random_bool(0.3))
                .collect();
            plans.push(Plan {
                kind: "industry",
                name: format!("瑞安市行业安全互助联盟第{}分会", k + 1),
                region: 0,
                members,
            });
        }
        plans.retain(|p| p.members.len() >= 4);

        let mut al = self.table(
            "alliances",
            &[
                "id",
                "name",
                "kind",
                "region_id",
                "region_path",
                "lead_enterprise_id",
                "charter",
                "founded_on",
                "status",
                "created_at",
            ],
            plans.len() as u64,
        );
        let mut ms = self.table(
            "alliance_memberships",
            &[
                "id",
                "alliance_id",
                "enterprise_id",
                "status",
                "applied_at",
                "decided_at",
                "reason",
            ],
            (n as u64) * 2,
        );
        let mut me = self.table(
            "membership_events",
            &[
                "id",
                "membership_id",
                "alliance_id",
                "enterprise_id",
                "from_status",
                "to_status",
                "actor_user_id",
                "actor_name",
                "reason",
                "at",
            ],
            (n as u64) * 4,
        );
        let mut gr = self.table(
            "activity_groups",
            &[
                "id",
                "alliance_id",
                "name",
                "leader_enterprise_id",
                "created_at",
            ],
            (n as u64) / 8,
        );
        let mut gm = self.table("group_members", &["group_id", "enterprise_id"], n as u64);
        let (mut mid, mut eid, mut gid) = (0i64, 0i64, 0i64);
        let mut committee_users = Vec::new();
        self.groups = Vec::new();
        for (ai, p) in plans.iter().enumerate() {
            let id = ai as i64 + 1;
            let r = &self.regions[p.region];
            let lead = p.members[0];
            let at = day_start(founded) + Duration::hours(9);
            al.push(vec![
                v(id),
                v(p.name.clone()),
                v(p.kind),
                v(r.id),
                v(r.path.clone()),
                v(self.ents[lead].id),
                v("互帮互查，共建共享，守护安全底线。"),
                v(founded),
                v("active"),
                v(at),
            ]);
            let committee = User {
                id: self.next_user,
                username: format!("lm{id:04}"),
                display: format!("{}秘书处", p.name).chars().take(64).collect(),
                role: "committee",
            };
            self.next_user += 1;
            committee_users.push((committee.clone(), id));
            self.alliances.push(Alliance {
                id,
                path: r.path.clone(),
                committee: committee.clone(),
            });
            let mut approved = Vec::new();
            for (k, &m) in p.members.iter().enumerate() {
                mid += 1;
                let e = &self.ents[m];
                let applied = at + Duration::days(k as i64 % 40) + Duration::minutes(k as i64);
                let roll: f64 = if k == 0 { 0.0 } else { rng.random() };
                // approved 88 %, applied (pending) 4 %, rejected 3 %, left 5 %.
                let (status, steps): (&str, &[(&str, &str)]) = if roll < 0.88 {
                    ("approved", &[("", "applied"), ("applied", "approved")])
                } else if roll < 0.92 {
                    ("applied", &[("", "applied")])
                } else if roll < 0.95 {
                    ("rejected", &[("", "applied"), ("applied", "rejected")])
                } else {
                    (
                        "left",
                        &[
                            ("", "applied"),
                            ("applied", "approved"),
                            ("approved", "left"),
                        ],
                    )
                };
                let decided =
                    (steps.len() > 1).then(|| applied + Duration::days(steps.len() as i64 * 3));
                let reason = (status == "rejected").then(|| "暂不符合入会条件".to_string());
                ms.push(vec![
                    v(mid),
                    v(id),
                    v(e.id),
                    v(status),
                    v(applied),
                    v(decided),
                    v(reason.clone()),
                ]);
                for (s, (from, to)) in steps.iter().enumerate() {
                    eid += 1;
                    let (actor, actor_name) = if *to == "applied" || *to == "left" {
                        (e.admin.id, e.admin.display.clone())
                    } else {
                        (committee.id, committee.display.clone())
                    };
                    me.push(vec![
                        v(eid),
                        v(mid),
                        v(id),
                        v(e.id),
                        if from.is_empty() {
                            none_str()
                        } else {
                            v(*from)
                        },
                        v(*to),
                        v(actor),
                        v(actor_name),
                        if *to == "rejected" {
                            v(reason.clone())
                        } else {
                            none_str()
                        },
                        v(applied + Duration::days(s as i64 * 3)),
                    ]);
                }
                if status == "approved" {
                    approved.push(m);
                }
            }
            // Groups of about ten approved members, the first the leader.
            for (k, chunk) in approved.chunks(10).enumerate() {
                if chunk.len() < 3 {
                    continue;
                }
                gid += 1;
                gr.push(vec![
                    v(gid),
                    v(id),
                    v(format!("第{}互查小组", k + 1)),
                    v(self.ents[chunk[0]].id),
                    v(at + Duration::days(45)),
                ]);
                for &m in chunk {
                    gm.push(vec![v(gid), v(self.ents[m].id)]);
                }
                self.groups.push((gid, ai, chunk.to_vec()));
            }
        }
        // Committee accounts must exist before membership events name them.
        let mut users = std::mem::take(&mut self.users);
        for (u, a) in &committee_users {
            users.push((u.clone(), None, Some(*a), None, None));
        }
        self.users = users;
        self.done(out, al).await?;
        let created = self.now - Duration::days(400);
        self.users_table(out, created).await?;
        let kinds = ["industry", "regional", "park", "village"];
        for kind in kinds {
            if let Some((u, _)) = committee_users
                .iter()
                .zip(plans.iter())
                .find(|(_, p)| p.kind == kind)
                .map(|(c, p)| (c.0.clone(), p))
            {
                self.login(&u);
            }
        }
        self.done(out, ms).await?;
        self.done(out, me).await?;
        self.done(out, gr).await?;
        self.done(out, gm).await?;
        Ok(())
    }
}

/// One step of a hazard's timeline as generated.
struct Ev {
    action: &'static str,
    from: Option<&'static str>,
    to: &'static str,
    actor: Option<User>,
    note: Option<String>,
    deadline: Option<(NaiveDate, NaiveDate)>,
    at: DateTime<Utc>,
}

impl Gen {
    /// Twelve months of rounds (one a month per group) with their mutual inspections, quarterly
    /// self-checks and the bureaux' own inspections.
    async fn inspections(&mut self, out: &mut Out<'_>, rng: &mut StdRng) -> Result<(), DbErr> {
        let start = self.today - Duration::days(350);
        let n_groups = self.groups.len() as u64;
        let members: u64 = self.groups.iter().map(|g| g.2.len() as u64).sum();
        let mut rounds = self.table(
            "inspection_rounds",
            &[
                "id",
                "alliance_id",
                "group_id",
                "seq",
                "title",
                "template_version_id",
                "planned_on",
                "status",
                "created_by",
                "created_at",
                "published_at",
            ],
            n_groups * 12,
        );
        let mut ins = self.table(
            "inspections",
            &[
                "id",
                "kind",
                "round_id",
                "alliance_id",
                "group_id",
                "inspecting_enterprise_id",
                "inspected_enterprise_id",
                "region_path",
                "template_version_id",
                "planned_on",
                "state",
                "inspectors",
                "summary",
                "created_by",
                "created_at",
                "started_at",
                "submitted_at",
                "submitted_by",
                "reviewed_at",
                "reviewed_by",
            ],
            members * 12 + self.ents.len() as u64 * 4 + self.ents.len() as u64 / 3,
        );
        let (mut rid, mut iid) = (0i64, 0i64);
        let groups = std::mem::take(&mut self.groups);
        let ver = self.version_id;
        for month in 0..12i64 {
            let mut month_insps: Vec<Planned> = Vec::new();
            for (gid, ai, group) in &groups {
                rid += 1;
                let planned = start + Duration::days(month * 30 + (*gid % 25));
                let committee = self.alliances[*ai].committee.clone();
                let created = day_start(planned - Duration::days(10)) + Duration::hours(9);
                rounds.push(vec![
                    v(rid),
                    v(self.alliances[*ai].id),
                    v(*gid),
                    v(month as i32 + 1),
                    v(format!("第{}轮互查", month + 1)),
                    v(ver),
                    v(planned),
                    v("published"),
                    v(committee.id),
                    v(created),
                    v(Some(created)),
                ]);
                for (j, &m) in group.iter().enumerate() {
                    let by = group[(j + 1 + month as usize) % group.len()];
                    let by = if by == m {
                        group[(j + 1) % group.len()]
                    } else {
                        by
                    };
                    month_insps.push((
                        m,
                        Some(by),
                        Some((rid, *ai, *gid)),
                        Kind::Mutual,
                        planned,
                        Some(committee.clone()),
                    ));
                }
            }
            for (i, e) in self.ents.iter().enumerate() {
                if (i as i64 + month) % 3 == 0 && month % 3 == (i as i64 % 3) {
                    let planned = start + Duration::days(month * 30 + (i as i64 % 28));
                    month_insps.push((
                        i,
                        Some(i),
                        None,
                        Kind::SelfCheck,
                        planned,
                        Some(e.admin.clone()),
                    ));
                }
                if i % 36 == month as usize {
                    let planned = start + Duration::days(month * 30 + (i as i64 % 28));
                    let reg = self.towns[e.town].regulator.clone();
                    month_insps.push((i, None, None, Kind::Regulator, planned, Some(reg)));
                }
            }
            month_insps.sort_by_key(|x| x.4);
            rounds.flush(out).await?;
            for (m, by, round, kind, planned, creator) in month_insps {
                iid += 1;
                let e = &self.ents[m];
                let path = self.regions[e.region].path.clone();
                let submitter = match kind {
                    Kind::Regulator => self.towns[e.town].regulator.clone(),
                    _ => self.ents[by.unwrap_or(m)].admin.clone(),
                };
                let started = day_start(planned) + Duration::hours(rng.random_range(1..6));
                let submitted = started + Duration::minutes(rng.random_range(40..300));
                let state = if submitted + Duration::days(2) < self.now {
                    if rng.random_bool(0.5) {
                        "reviewed"
                    } else {
                        "submitted"
                    }
                } else if started < self.now {
                    "in_progress"
                } else {
                    "planned"
                };
                let done = matches!(state, "submitted" | "reviewed");
                let reviewer = creator.clone().filter(|_| state == "reviewed");
                let created = day_start(planned - Duration::days(7)) + Duration::hours(1);
                ins.push(vec![
                    v(iid),
                    v(match kind {
                        Kind::Mutual => "mutual",
                        Kind::SelfCheck => "self",
                        Kind::Regulator => "regulator",
                    }),
                    v(round.map(|r| r.0)),
                    v(round.map(|r| self.alliances[r.1].id)),
                    v(round.map(|r| r.2)),
                    v(by.map(|b| self.ents[b].id)),
                    v(e.id),
                    v(path),
                    v(ver),
                    v(planned),
                    v(state),
                    v(format!("{}、{}", person(rng), person(rng))),
                    v(done.then(|| "已按检查表逐项检查。".to_string())),
                    v(creator.map(|c| c.id)),
                    v(created),
                    if state == "planned" {
                        none_ts()
                    } else {
                        v(started)
                    },
                    if done { v(submitted) } else { none_ts() },
                    if done { v(submitter.id) } else { none_i64() },
                    if reviewer.is_some() {
                        v(submitted + Duration::days(1))
                    } else {
                        none_ts()
                    },
                    v(reviewer.map(|r| r.id)),
                ]);
                ins.maybe_flush(out).await?;
                if done {
                    self.insps.push(Insp {
                        id: iid,
                        kind,
                        inspected: m,
                        inspecting: by,
                        alliance: round.map(|r| r.1),
                        submitted_at: submitted,
                    });
                }
            }
            ins.flush(out).await?;
        }
        self.done(out, rounds).await?;
        self.done(out, ins).await?;
        self.groups = groups;
        Ok(())
    }

    /// Hazards with their timelines, plans, extension requests, listings, notices and audit.
    async fn hazards(
        &mut self,
        out: &mut Out<'_>,
        rng: &mut StdRng,
        n: u64,
    ) -> Result<ScoreFacts, DbErr> {
        let mut facts: ScoreFacts = vec![[0; 4]; self.ents.len()];
        let mut hz = self.table(
            "hazards",
            &[
                "id",
                "inspection_id",
                "enterprise_id",
                "region_path",
                "alliance_id",
                "reporter_user_id",
                "reporter_enterprise_id",
                "category",
                "level",
                "major_clause",
                "title",
                "description",
                "location",
                "legal_basis",
                "suggested_measure",
                "found_at",
                "deadline",
                "state",
                "created_at",
                "updated_at",
                "rectified_at",
                "verified_by",
                "verified_at",
                "closed_at",
            ],
            n,
        );
        let mut ev = self.table(
            "hazard_events",
            &[
                "id",
                "hazard_id",
                "actor_user_id",
                "actor_name",
                "actor_role",
                "action",
                "from_state",
                "to_state",
                "note",
                "deadline_before",
                "deadline_after",
                "at",
            ],
            n * 4,
        );
        let mut plans = self.table(
            "rectification_plans",
            &[
                "hazard_id",
                "responsible_person",
                "measures",
                "funds",
                "deadline",
                "contingency",
                "filed_by",
                "filed_at",
            ],
            n * 3 / 4,
        );
        let mut exts = self.table(
            "extension_requests",
            &[
                "id",
                "hazard_id",
                "requested_by",
                "reason",
                "requested_deadline",
                "status",
                "decided_by",
                "decision_note",
                "decided_at",
                "created_at",
            ],
            n / 8,
        );
        let mut sup = self.table(
            "supervisions",
            &[
                "id",
                "hazard_id",
                "reason",
                "supervising_unit",
                "responsible_unit",
                "deadline",
                "region_path",
                "status",
                "listed_at",
                "listed_by",
                "review_result",
                "review_note",
                "reviewed_on",
                "reviewed_by",
            ],
            n / 50,
        );
        let mut notes = self.table(
            "notifications",
            &[
                "id",
                "user_id",
                "kind",
                "title",
                "body",
                "link",
                "hazard_id",
                "created_at",
                "read_at",
            ],
            n / 10,
        );
        let mut audit = self.table(
            "audit_logs",
            &[
                "id",
                "at",
                "actor_user_id",
                "actor_name",
                "actor_role",
                "tenant",
                "region_path",
                "action",
                "target_type",
                "target_id",
                "outcome",
                "detail",
            ],
            n / 5,
        );
        let (mut evid, mut extid, mut supid, mut noteid, mut auid) = (0i64, 0i64, 0i64, 0i64, 0i64);
        let ni = self.insps.len() as u64;
        if ni == 0 {
            return Err(DbErr::Custom(
                "no submitted inspections to report hazards from".into(),
            ));
        }
        let insps = std::mem::take(&mut self.insps);
        let mut order: Vec<usize> = (0..insps.len()).collect();
        order.sort_by_key(|&i| (insps[i].submitted_at, insps[i].id));
        let recent = self.now - Duration::days(30);
        for k in 0..n {
            let id = k as i64 + 1;
            let ins = &insps[order[(k * ni / n.max(1)) as usize]];
            let e = &self.ents[ins.inspected];
            let town = &self.towns[e.town];
            let path = self.regions[e.region].path.clone();
            let major = rng.random_bool(0.02);
            let in_alliance = ins.alliance.is_some();
            let by_other = ins.kind != Kind::SelfCheck;
            let (cat, titles) = *pick(rng, names::HAZARDS);
            let title = pick(rng, titles).to_string();
            let found = ins.submitted_at + Duration::seconds((k % 60) as i64);
            let found_day = found.date_naive();
            let mut deadline = found_day
                + Duration::days(if major {
                    rng.random_range(30..60)
                } else {
                    rng.random_range(7..30)
                });
            let reporter = match ins.kind {
                Kind::Regulator => town.regulator.clone(),
                _ => self.ents[ins.inspecting.unwrap_or(ins.inspected)]
                    .admin
                    .clone(),
            };
            let bureau = town.regulator.clone();
            let committee = ins.alliance.map(|a| self.alliances[a].committee.clone());
            let decider = if major || !in_alliance {
                bureau.clone()
            } else {
                committee.clone().unwrap_or_else(|| bureau.clone())
            };
            let verifier = if major || !in_alliance {
                bureau.clone()
            } else if ins.kind == Kind::Mutual && rng.random_bool(0.7) {
                reporter.clone()
            } else {
                committee.clone().unwrap_or_else(|| bureau.clone())
            };
            let admin = e.admin.clone();
            let age = (self.now - found).num_days();

            // Where the hazard is now, and the way it got there.
            let r: f64 = rng.random();
            let closed_p = (age as f64 / 45.0).min(0.9);
            let target = if r < closed_p {
                "closed"
            } else {
                let s: f64 = rng.random();
                if by_other && s < 0.06 {
                    "disputed"
                } else if by_other && s < 0.12 {
                    "withdrawn"
                } else if s < 0.40 {
                    "reported"
                } else if s < 0.75 {
                    "rectifying"
                } else {
                    "awaiting_verification"
                }
            };
            let mut plan: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
            if by_other && target != "disputed" && target != "withdrawn" && rng.random_bool(0.05) {
                plan.push(("dispute", "reported", "disputed"));
                plan.push(("uphold", "disputed", "reported"));
            }
            match target {
                "disputed" => plan.push(("dispute", "reported", "disputed")),
                "withdrawn" => {
                    plan.push(("dispute", "reported", "disputed"));
                    plan.push(("withdraw", "disputed", "withdrawn"));
                }
                "reported" => {
                    if rng.random_bool(0.1) {
                        plan.push(("extension_request", "reported", "reported"));
                    }
                }
                _ => {
                    plan.push(("acknowledge", "reported", "rectifying"));
                    let ext: f64 = rng.random();
                    if ext < 0.12 {
                        plan.push(("extension_request", "rectifying", "rectifying"));
                        plan.push((
                            if ext < 0.09 {
                                "extension_grant"
                            } else {
                                "extension_refuse"
                            },
                            "rectifying",
                            "rectifying",
                        ));
                    } else if ext < 0.15 && target == "rectifying" {
                        plan.push(("extension_request", "rectifying", "rectifying"));
                    }
                    if target != "rectifying" || rng.random_bool(0.2) {
                        if rng.random_bool(0.1) || target == "rectifying" {
                            plan.push(("evidence", "rectifying", "awaiting_verification"));
                            plan.push(("reject", "awaiting_verification", "rectifying"));
                        }
                        if target != "rectifying" {
                            plan.push(("evidence", "rectifying", "awaiting_verification"));
                        }
                    }
                    if target == "closed" {
                        plan.push(("verify", "awaiting_verification", "closed"));
                    }
                }
            }
            // Comments now and then, on the state they were written in.
            let n_comments = rng.random_range(0..3usize);
            let mut state = "reported";
            let mut steps: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
            for (i, s) in plan.iter().enumerate() {
                if i < n_comments {
                    steps.push(("comment", state, state));
                }
                steps.push(*s);
                state = s.2;
            }
            if plan.len() < n_comments {
                steps.push(("comment", state, state));
            }
            // Times: spread over the span after the report, all before now.
            let avail = (self.now - found).num_minutes().max(2);
            let span = avail
                .min(rng.random_range(60 * 24 * 2..60 * 24 * 40))
                .max(60.min(avail));
            let mut evs: Vec<Ev> = vec![Ev {
                action: "report",
                from: None,
                to: "reported",
                actor: Some(reporter.clone()),
                note: None,
                deadline: None,
                at: found,
            }];
            evs[0].deadline = Some((deadline, deadline));
            if major {
                evs.push(Ev {
                    action: "supervise",
                    from: Some("reported"),
                    to: "reported",
                    actor: None,
                    note: Some("重大事故隐患，挂牌督办".into()),
                    deadline: None,
                    at: found,
                });
            }
            let ns = steps.len() as i64;
            let mut ext_open: Option<(i64, DateTime<Utc>, NaiveDate)> = None;
            let mut ack_at = None;
            let (mut rectified, mut verified) = (None, None);
            let mut review: Option<(bool, DateTime<Utc>)> = None;
            for (i, (action, from, to)) in steps.into_iter().enumerate() {
                let frac = (i as f64 + rng.random_range(0.1..0.9)) / ns as f64;
                let at = found + Duration::minutes(((span as f64) * frac) as i64 + 1);
                let (actor, note, dl) = match action {
                    "comment" => (admin.clone(), Some("已安排专人跟进。".to_string()), None),
                    "dispute" => (
                        admin.clone(),
                        Some("现场情况与描述不符，申请复核。".to_string()),
                        None,
                    ),
                    "uphold" => (
                        decider.clone(),
                        Some("经复核，隐患属实。".to_string()),
                        None,
                    ),
                    "withdraw" => (
                        decider.clone(),
                        Some("经复核，撤销该隐患。".to_string()),
                        None,
                    ),
                    "acknowledge" => {
                        ack_at = Some((at, admin.clone()));
                        (admin.clone(), None, None)
                    }
                    "extension_request" => {
                        let asked = deadline + Duration::days(rng.random_range(15..31));
                        extid += 1;
                        ext_open = Some((extid, at, asked));
                        (
                            admin.clone(),
                            Some("设备订货周期较长，申请延期。".to_string()),
                            Some((deadline, asked)),
                        )
                    }
                    "extension_grant" | "extension_refuse" => {
                        let (xid, xat, asked) = ext_open.take().unwrap_or((0, at, deadline));
                        let grant = action == "extension_grant";
                        exts.push(vec![
                            v(xid),
                            v(id),
                            v(admin.id),
                            v("设备订货周期较长，申请延期。"),
                            v(asked),
                            v(if grant { "granted" } else { "refused" }),
                            v(decider.id),
                            v(Some(
                                if grant {
                                    "同意延期。"
                                } else {
                                    "不予延期，请按期整改。"
                                }
                                .to_string(),
                            )),
                            v(at),
                            v(xat),
                        ]);
                        if grant {
                            let before = deadline;
                            deadline = asked;
                            (
                                decider.clone(),
                                Some("同意延期。".to_string()),
                                Some((before, asked)),
                            )
                        } else {
                            (
                                decider.clone(),
                                Some("不予延期，请按期整改。".to_string()),
                                None,
                            )
                        }
                    }
                    "evidence" => {
                        rectified = Some(at);
                        (
                            admin.clone(),
                            Some("已完成整改，附整改后照片。".to_string()),
                            None,
                        )
                    }
                    "reject" => {
                        if major {
                            review = Some((false, at));
                        }
                        (
                            verifier.clone(),
                            Some("整改不到位，请继续整改。".to_string()),
                            None,
                        )
                    }
                    _ => {
                        verified = Some((at, verifier.clone()));
                        if major {
                            review = Some((true, at));
                        }
                        (
                            verifier.clone(),
                            Some("现场复核，整改到位。".to_string()),
                            None,
                        )
                    }
                };
                evs.push(Ev {
                    action,
                    from: Some(from),
                    to,
                    actor: Some(actor),
                    note,
                    deadline: dl,
                    at,
                });
            }
            if let Some((xid, xat, asked)) = ext_open {
                exts.push(vec![
                    v(xid),
                    v(id),
                    v(admin.id),
                    v("设备订货周期较长，申请延期。"),
                    v(asked),
                    v("pending"),
                    none_i64(),
                    none_str(),
                    none_ts(),
                    v(xat),
                ]);
            }
            let last_at = evs.last().map(|e| e.at).unwrap_or(found);
            if major && target == "withdrawn" {
                evs.push(Ev {
                    action: "supervision_release",
                    from: Some("withdrawn"),
                    to: "withdrawn",
                    actor: Some(decider.clone()),
                    note: Some("隐患撤销，解除挂牌督办。".into()),
                    deadline: None,
                    at: last_at,
                });
            }
            let state = target;
            hz.push(vec![
                v(id),
                v(ins.id),
                v(e.id),
                v(path.clone()),
                v(ins.alliance.map(|a| self.alliances[a].id)),
                v(reporter.id),
                v(ins.inspecting.map(|b| self.ents[b].id)),
                v(cat),
                v(if major { "major" } else { "general" }),
                v(major.then(|| "《工贸企业重大事故隐患判定标准》第四条".to_string())),
                v(title.clone()),
                v(format!("{}：{}", pick(rng, names::LOCATIONS), title)),
                v(*pick(rng, names::LOCATIONS)),
                v("《中华人民共和国安全生产法》第四十一条"),
                v("立即整改，落实专人负责。"),
                v(found),
                v(deadline),
                v(state),
                v(found),
                v(last_at),
                v(rectified),
                v(verified.as_ref().map(|x| x.1.id)),
                v(verified.as_ref().map(|x| x.0)),
                v(verified.as_ref().map(|x| x.0)),
            ]);
            if let Some((at, by)) = &ack_at {
                plans.push(vec![
                    v(id),
                    v(person(rng)),
                    v("停用相关设施，更换受损部件，完善管理制度。"),
                    v(format!("{}元", rng.random_range(1..50) * 1000)),
                    v(deadline),
                    v("整改期间设置警戒区，专人监护。"),
                    v(by.id),
                    v(*at),
                ]);
            }
            if major {
                supid += 1;
                let released = matches!(state, "closed" | "withdrawn");
                sup.push(vec![
                    v(supid),
                    v(id),
                    v("major"),
                    v(format!("{}应急管理部门", town.name)),
                    v(e.name.chars().take(128).collect::<String>()),
                    v(deadline),
                    v(path.clone()),
                    v(if released { "released" } else { "listed" }),
                    v(found),
                    none_i64(),
                    v(review.map(|r| if r.0 { "passed" } else { "failed" })),
                    v(review.map(|r| {
                        if r.0 {
                            "现场核销通过".to_string()
                        } else {
                            "整改不到位".to_string()
                        }
                    })),
                    v(review.map(|r| r.1.date_naive())),
                    v(review.map(|_| bureau.id)),
                ]);
            }
            if found >= recent {
                let read = (age > 3).then(|| found + Duration::days(1));
                noteid += 1;
                notes.push(vec![
                    v(noteid), v(admin.id), v("hazard_reported"),
                    v(format!("新的隐患：{title}")),
                    v(format!("{}被检查发现隐患「{title}」，整改期限 {deadline}。请确认并提交整改方案（五落实），如有异议可提出申诉。", e.name)),
                    v(format!("/hazards/{id}")), v(id), v(found), v(read),
                ]);
                if major {
                    noteid += 1;
                    notes.push(vec![
                        v(noteid),
                        v(bureau.id),
                        v("supervision_listed"),
                        v(format!("重大事故隐患挂牌督办：{title}")),
                        v(format!(
                            "{}的重大事故隐患「{title}」已挂牌督办，督办单位：{}应急管理部门。",
                            e.name, town.name
                        )),
                        v(format!("/hazards/{id}")),
                        v(id),
                        v(found),
                        none_ts(),
                    ]);
                }
            }
            for x in &evs {
                evid += 1;
                let (uid, name, role) = match &x.actor {
                    Some(u) => (
                        Some(u.id),
                        u.display.chars().take(64).collect::<String>(),
                        Some(u.role),
                    ),
                    None => (None, "system".to_string(), None),
                };
                let (before, after) = match (x.action, x.deadline) {
                    ("report", Some((_, d))) => (none_date(), v(d)),
                    (_, Some((b, a))) => (v(b), v(a)),
                    _ => (none_date(), none_date()),
                };
                ev.push(vec![
                    v(evid),
                    v(id),
                    v(uid),
                    v(name),
                    v(role),
                    v(x.action),
                    v(x.from),
                    v(x.to),
                    v(x.note.clone()),
                    before,
                    after,
                    v(x.at),
                ]);
                if x.at >= recent
                    && x.action != "report"
                    && x.action != "supervise"
                    && let Some(u) = &x.actor
                {
                    {
                        auid += 1;
                        let (tenant, scope_path) = self.scope_of(u, e, ins.alliance);
                        audit.push(vec![
                            v(auid),
                            v(x.at),
                            v(u.id),
                            v(u.username.clone()),
                            v(u.role),
                            v(tenant),
                            v(scope_path),
                            v(format!("hazard.{}", x.action)),
                            v("hazard"),
                            v(id.to_string()),
                            v("success"),
                            v(format!("{} → {}", x.from.unwrap_or(""), x.to)),
                        ]);
                    }
                }
            }
            // The score's facts as of today.
            let f = &mut facts[ins.inspected];
            match state {
                "closed" => {
                    if verified
                        .as_ref()
                        .is_some_and(|v| v.0.date_naive() <= deadline)
                    {
                        f[3] += 1;
                    }
                }
                "withdrawn" => {}
                _ => {
                    f[if major { 1 } else { 0 }] += 1;
                    if matches!(state, "reported" | "rectifying") && self.today > deadline {
                        f[2] += (self.today - deadline).num_days();
                    }
                }
            }
            if k % 2000 == 1999 || k + 1 == n {
                hz.flush(out).await?;
                ev.flush(out).await?;
                plans.flush(out).await?;
                exts.flush(out).await?;
                sup.flush(out).await?;
                notes.flush(out).await?;
                audit.flush(out).await?;
            }
        }
        for t in [hz, ev, plans, exts, sup, notes, audit] {
            self.done(out, t).await?;
        }
        self.insps = insps;
        Ok(facts)
    }

    /// The audit tenant label and scope region path of an account acting on enterprise `e`.
    fn scope_of(&self, u: &User, e: &Ent, alliance: Option<usize>) -> (String, Option<String>) {
        match u.role {
            "regulator" => {
                let t = &self.towns[e.town];
                let r = &self.regions[t.region];
                (format!("region:{}", r.code), Some(r.path.clone()))
            }
            "committee" => {
                let a = alliance
                    .map(|a| &self.alliances[a])
                    .filter(|a| a.committee.id == u.id)
                    .or_else(|| self.alliances.iter().find(|a| a.committee.id == u.id));
                match a {
                    Some(a) => (format!("alliance:{}", a.id), Some(a.path.clone())),
                    None => ("system".into(), None),
                }
            }
            _ => {
                // Enterprise admins are numbered in enterprise order, right after the town
                // bureaux, the admin and the city bureau.
                let owner = self
                    .ents
                    .get((u.id - self.ents[0].admin.id) as usize)
                    .filter(|x| x.admin.id == u.id)
                    .unwrap_or(e);
                (
                    format!("enterprise:{}", owner.id),
                    Some(self.regions[owner.region].path.clone()),
                )
            }
        }
    }

    /// Scores and labels under the default rules: the history (the initial score, today's)
    /// and the enterprise's current one.
    async fn scores(&mut self, out: &mut Out<'_>, facts: ScoreFacts) -> Result<(), DbErr> {
        // Rules::default() of the portal's scoring.
        let (base, per_general, per_major, per_day, bonus, green, yellow) =
            (100i64, 3, 20, 1, 2, 85, 60);
        let label = |s: i64| {
            if s >= green {
                "green"
            } else if s >= yellow {
                "yellow"
            } else {
                "red"
            }
        };
        let mut hist = self.table(
            "score_history",
            &["id", "enterprise_id", "score", "label", "reason", "at"],
            self.ents.len() as u64 * 2,
        );
        let start = self.now - Duration::days(366);
        let mut hid = 0i64;
        let mut updates: Vec<(i64, i32, &'static str)> = Vec::new();
        for (i, f) in facts.iter().enumerate() {
            let id = self.ents[i].id;
            let score = (base - f[0] * per_general - f[1] * per_major - f[2] * per_day
                + f[3] * bonus)
                .clamp(0, base);
            hid += 1;
            hist.push(vec![
                v(hid),
                v(id),
                v(base as i32),
                v("green"),
                v("seed.demo"),
                v(start),
            ]);
            hid += 1;
            hist.push(vec![
                v(hid),
                v(id),
                v(score as i32),
                v(label(score)),
                v("daily"),
                v(self.now),
            ]);
            hist.maybe_flush(out).await?;
            updates.push((id, score as i32, label(score)));
        }
        self.done(out, hist).await?;
        // One UPDATE per 500 enterprises, through a CASE on the id.
        for chunk in updates.chunks(500) {
            let mut s = String::from("UPDATE enterprises SET score = CASE id");
            let mut l = String::from(", label = CASE id");
            for (id, score, lab) in chunk {
                s.push_str(&format!(" WHEN {id} THEN {score}"));
                l.push_str(&format!(" WHEN {id} THEN '{lab}'"));
            }
            let ids: Vec<String> = chunk.iter().map(|c| c.0.to_string()).collect();
            s.push_str(" END");
            s.push_str(&l);
            s.push_str(&format!(" END WHERE id IN ({})", ids.join(",")));
            out.exec(&s).await?;
        }
        Ok(())
    }

    /// Sequences past the explicit ids (PostgreSQL), planner statistics (both) and the
    /// visibility map (PostgreSQL).
    async fn finish(&mut self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if self.backend == DbBackend::Postgres {
            for t in [
                "regions",
                "enterprises",
                "users",
                "experts",
                "checklist_templates",
                "checklist_versions",
                "checklist_items",
                "alliances",
                "alliance_memberships",
                "membership_events",
                "activity_groups",
                "inspection_rounds",
                "inspections",
                "hazards",
                "hazard_events",
                "extension_requests",
                "supervisions",
                "notifications",
                "audit_logs",
                "score_history",
            ] {
                db.execute_raw(Statement::from_string(
                    self.backend,
                    format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                    ),
                ))
                .await?;
            }
        }
        // PostgreSQL: VACUUM too, which marks the freshly written pages all-visible, so the
        // covering indexes answer counts from the index alone from the first request on
        // (autovacuum would get there later).
        db.execute_unprepared(match self.backend {
            DbBackend::Postgres => "VACUUM (ANALYZE)",
            _ => "ANALYZE",
        })
        .await?;
        Ok(())
    }
}
