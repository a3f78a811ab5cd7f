//! The demo city's history (`seed/fixtures/history.toml`): three months of 互查 rounds,
//! self-inspections and expert visits, the hazards they found and each hazard's loop, played
//! through the same services as the pages and the API — every step with its checks, its audit
//! record and its notices. The past is a `ManualClock` moved day by day over a clone of the
//! core; at the end of every day the reminder job (reminders, deadlines, 挂牌督办 escalation)
//! and the daily label run go round as `serve` would run them. Loaded after the demo
//! (`services::seed`, `expert_requests::demo`), never into the test template.
//!
//! Loading is refused, before any write, once the database has a round or a hazard.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::clock::ManualClock;
use crate::db::begin_write;
use crate::domain::inspection::InspectionState;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{activity_group, enterprise, expert, hazard, inspection, inspection_round};
use crate::scope::Scope;
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::expert_requests::demo::{actor, actor_of};
use crate::services::expert_requests::{
    self, AcceptInput, AssignInput, NewRequest, RateInput, ReportInput,
};
use crate::services::files::Upload;
use crate::services::inspections::submit::{AnswerInput, HazardInput, Submission, submit};
use crate::services::inspections::{self, SelfInspectionInput};
use crate::services::users::{self, NewUser};
use crate::services::{checklists, labels, rectification, registry, rounds};
use crate::state::Core;

/// Whether the history (or anything like it) is there: a round or a hazard.
pub async fn present(core: &Core) -> AppResult<bool> {
    let rounds = inspection_round::Entity::find().count(&core.db).await?;
    let hazards = hazard::Entity::find().count(&core.db).await?;
    Ok(rounds + hazards > 0)
}

/// Plays the history fixture onto a database holding the demo. Refused with 409 (nothing
/// written) when a round or a hazard exists already.
pub async fn load(core: &Core) -> AppResult<()> {
    if present(core).await? {
        return Err(AppError::Conflict("seed.history_present"));
    }
    let data = seed::history().map_err(AppError::internal)?;
    let today = core.now();
    let clock = ManualClock::new(today);
    let past = core.with_clock(Arc::new(clock.clone()));
    let events = schedule(&data);
    let first = events.iter().map(|e| e.day).min().unwrap_or(0).min(0);
    let mut play = Play {
        core: past.clone(),
        data: &data,
        accounts: HashMap::new(),
        rounds: HashMap::new(),
        inspections: HashMap::new(),
        requests: HashMap::new(),
        hazards: vec![None; data.hazards.len()],
    };
    let mut next = events.iter().peekable();
    for day in first..=0 {
        clock.set(today + Duration::days(day));
        while let Some(e) = next.next_if(|e| e.day == day) {
            play.run(e).await?;
        }
        crate::jobs::reminders::run_once(&past).await?;
        labels::daily(&past).await?;
    }
    let txn = begin_write(&core.db).await?;
    audit::record(
        &txn,
        core.now(),
        &Author::system(),
        "seed.history",
        None,
        Outcome::Success,
        Some(format!(
            "{} rounds, {} self-inspections, {} expert visits, {} hazards over {} days",
            data.rounds.len(),
            data.self_inspections.len(),
            data.expert_visits.len(),
            data.hazards.len(),
            -first
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What happens on a day, in this order within the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    OpenRound(usize),
    SelfInspection(usize),
    FileRequest(usize),
    AcceptVisit(usize),
    SubmitRound(usize),
    SubmitVisit(usize),
    ReviewRound(usize),
    Step(usize, usize),
    Report(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    /// Days from the load day (0 = today, negative = before).
    day: i64,
    what: What,
}

/// Every event of the fixture, in the order it happens.
fn schedule(data: &seed::HistoryData) -> Vec<Event> {
    let mut out = Vec::new();
    let mut push = |day: i64, what: What| out.push(Event { day, what });
    let mut found_on: HashMap<&str, i64> = HashMap::new();
    for (n, r) in data.rounds.iter().enumerate() {
        push(-r.days_ago, What::OpenRound(n));
        if let Some(after) = r.submitted_after {
            push(-r.days_ago + after, What::SubmitRound(n));
            found_on.insert(&r.key, -r.days_ago + after);
        }
        if let Some(after) = r.reviewed_after {
            push(-r.days_ago + after, What::ReviewRound(n));
        }
    }
    for (n, s) in data.self_inspections.iter().enumerate() {
        push(-s.days_ago, What::SelfInspection(n));
        found_on.insert(&s.key, -s.days_ago);
    }
    for (n, v) in data.expert_visits.iter().enumerate() {
        push(-v.days_ago, What::FileRequest(n));
        push(-v.days_ago + v.accepted_after, What::AcceptVisit(n));
        push(-v.days_ago + v.visit_after, What::SubmitVisit(n));
        found_on.insert(&v.key, -v.days_ago + v.visit_after);
        if let Some(after) = v.report_after {
            push(-v.days_ago + after, What::Report(n));
        }
    }
    for (n, h) in data.hazards.iter().enumerate() {
        let Some(&found) = found_on.get(h.found_in.as_str()) else {
            continue;
        };
        for (k, s) in h.steps.iter().enumerate() {
            push(found + s.after, What::Step(n, k));
        }
    }
    out.sort();
    out
}

/// A hazard made by the history: its id, the inspected enterprise and who found it.
#[derive(Debug, Clone)]
struct Made {
    id: i64,
    found_on: NaiveDate,
    enterprise_id: i64,
    inspector: Actor,
}

/// An inspection of the history and the party that conducts it.
#[derive(Debug, Clone)]
struct Held {
    id: i64,
    inspected: i64,
    inspector: Actor,
}

struct Play<'a> {
    core: Core,
    data: &'a seed::HistoryData,
    /// An account of each enterprise that has acted.
    accounts: HashMap<i64, Actor>,
    /// Round key → (round id, committee account).
    rounds: HashMap<String, (i64, Actor)>,
    /// Inspection key (round, self-inspection or visit) → its inspections.
    inspections: HashMap<String, Vec<Held>>,
    /// Visit key → service request id.
    requests: HashMap<String, i64>,
    hazards: Vec<Option<Made>>,
}

fn refused(what: &str, e: AppError) -> AppError {
    AppError::internal(anyhow::anyhow!("demo history, {what}: {e:?}"))
}

impl Play<'_> {
    async fn run(&mut self, e: &Event) -> AppResult<()> {
        let what = format!("day {} {:?}", e.day, e.what);
        let result = match e.what {
            What::OpenRound(n) => self.open_round(n).await,
            What::SubmitRound(n) => self.submit_round(n).await,
            What::ReviewRound(n) => self.review_round(n).await,
            What::SelfInspection(n) => self.self_inspection(n).await,
            What::FileRequest(n) => self.file_request(n).await,
            What::AcceptVisit(n) => self.accept_visit(n).await,
            What::SubmitVisit(n) => self.submit_visit(n).await,
            What::Report(n) => self.report(n).await,
            What::Step(n, k) => self.step(n, k).await,
        };
        result.map_err(|err| refused(&what, err))
    }

    /// An account of the enterprise: its demo login (the admin first), else one opened for its
    /// safety officer.
    async fn account(&mut self, enterprise_id: i64) -> AppResult<Actor> {
        use crate::models::user;
        if let Some(a) = self.accounts.get(&enterprise_id) {
            return Ok(a.clone());
        }
        let core = &self.core;
        let existing = user::Entity::find()
            .filter(user::Column::EnterpriseId.eq(enterprise_id))
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(&core.db)
            .await?;
        let chosen = existing
            .iter()
            .find(|u| u.role == Role::EnterpriseAdmin)
            .or(existing.first())
            .cloned();
        let u = match chosen {
            Some(u) => u,
            None => {
                let e = enterprise::Entity::find_by_id(enterprise_id)
                    .one(&core.db)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let txn = begin_write(&core.db).await?;
                let secret: [u8; 18] = rand::random();
                let u = users::create(
                    core,
                    &txn,
                    &Author::system(),
                    NewUser {
                        username: format!("aqy-{}", e.credit_code.to_lowercase()),
                        display_name: e.safety_officer.clone(),
                        password: format!("Aq#{}x9", crate::auth::csrf::hex(&secret)),
                        role: Role::EnterpriseStaff,
                        email: None,
                        region_code: None,
                        alliance_name: None,
                        enterprise_credit_code: Some(e.credit_code.clone()),
                        expert_id: None,
                    },
                )
                .await?;
                txn.commit().await?;
                u
            }
        };
        let a = actor_of(core, u).await?;
        self.accounts.insert(enterprise_id, a.clone());
        Ok(a)
    }

    async fn user(&self, username: &str) -> AppResult<Actor> {
        actor(&self.core, username).await
    }

    /// The latest version of the checklist titled `title` that `actor` may use.
    async fn checklist(&self, actor: &Actor, title: &str) -> AppResult<i64> {
        checklists::choices(&self.core, &actor.caller.scope)
            .await?
            .into_iter()
            .find(|c| c.title == title)
            .map(|c| c.version_id)
            .ok_or(AppError::BadRequest("inspections.unknown_checklist"))
    }

    async fn enterprise_id(&self, credit_code: &str) -> AppResult<i64> {
        Ok(registry::enterprise_by_code(&self.core.db, credit_code)
            .await?
            .id)
    }

    async fn open_round(&mut self, n: usize) -> AppResult<()> {
        let r = &self.data.rounds[n];
        let committee = self.user(&r.committee).await?;
        let Scope::Alliance { alliance_id, .. } = committee.caller.scope else {
            return Err(AppError::Forbidden);
        };
        let group = activity_group::Entity::find()
            .filter(activity_group::Column::AllianceId.eq(alliance_id))
            .filter(activity_group::Column::Name.eq(r.group.as_str()))
            .one(&self.core.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let input = rounds::NewRound {
            group_id: group.id,
            template_version_id: self.checklist(&committee, &r.checklist).await?,
            planned_on: self.core.today() + Duration::days(r.submitted_after.unwrap_or(7)),
            title: r.title.clone(),
        };
        let made = rounds::generate(&self.core, &committee, &input).await?;
        rounds::publish(&self.core, &committee, made.round_id).await?;
        self.rounds
            .insert(r.key.clone(), (made.round_id, committee.clone()));
        Ok(())
    }

    /// Every pair of the round hands in its inspection, with the hazards the fixture gives it.
    async fn submit_round(&mut self, n: usize) -> AppResult<()> {
        let r = &self.data.rounds[n];
        let (round_id, committee) = self.rounds.get(&r.key).cloned().ok_or(AppError::NotFound)?;
        let mut held = Vec::new();
        for pair in self.pairs(round_id, &committee).await? {
            let Some(inspecting) = pair.inspecting_enterprise_id else {
                continue;
            };
            held.push(Held {
                id: pair.id,
                inspected: pair.inspected_enterprise_id,
                inspector: self.account(inspecting).await?,
            });
        }
        for h in &held {
            let mut mine = Vec::new();
            for (k, f) in self.data.hazards.iter().enumerate() {
                if f.found_in != r.key {
                    continue;
                }
                let by_inspected = match &f.inspected {
                    Some(code) => self.enterprise_id(code).await? == h.inspected,
                    None => false,
                };
                let by_inspector = match &f.inspector {
                    Some(code) => {
                        Some(self.enterprise_id(code).await?)
                            == enterprise_of(&h.inspector.caller.scope)
                    }
                    None => false,
                };
                if by_inspected || by_inspector {
                    mine.push(k);
                }
            }
            self.hand_in(h, &mine).await?;
        }
        self.inspections.insert(r.key.clone(), held);
        Ok(())
    }

    async fn review_round(&mut self, n: usize) -> AppResult<()> {
        let r = &self.data.rounds[n];
        let (round_id, committee) = self.rounds.get(&r.key).cloned().ok_or(AppError::NotFound)?;
        for pair in self.pairs(round_id, &committee).await? {
            if pair.state != InspectionState::Submitted {
                continue;
            }
            let found = hazard::Entity::find()
                .filter(hazard::Column::InspectionId.eq(pair.id))
                .count(&self.core.db)
                .await?;
            let note = if found == 0 {
                "检查认真，未发现隐患。"
            } else {
                "已审阅，请受检企业按期整改。"
            };
            inspections::review(&self.core, &committee, pair.id, Some(note)).await?;
        }
        Ok(())
    }

    /// The round's inspections as the committee sees them.
    async fn pairs(&self, round_id: i64, committee: &Actor) -> AppResult<Vec<inspection::Model>> {
        Ok(inspection::Entity::find()
            .filter(inspection::Column::RoundId.eq(round_id))
            .filter(crate::scope::inspections(&committee.caller.scope))
            .order_by_asc(inspection::Column::Id)
            .all(&self.core.db)
            .await?)
    }

    async fn self_inspection(&mut self, n: usize) -> AppResult<()> {
        let s = &self.data.self_inspections[n];
        let by = self.user(&s.by).await?;
        let input = SelfInspectionInput {
            template_version_id: Some(self.checklist(&by, &s.checklist).await?),
            planned_on: None,
        };
        let planned = inspections::create_self(&self.core, &by, &input).await?;
        let held = Held {
            id: planned.id,
            inspected: planned.inspected_enterprise_id,
            inspector: by,
        };
        let mine: Vec<usize> = (0..self.data.hazards.len())
            .filter(|&k| self.data.hazards[k].found_in == s.key)
            .collect();
        self.hand_in(&held, &mine).await?;
        self.inspections.insert(s.key.clone(), vec![held]);
        Ok(())
    }

    /// The inspector starts and hands in the inspection: every item passes except those the
    /// hazards fail; the other hazards are extra findings. Records the hazards made.
    async fn hand_in(&mut self, held: &Held, hazards: &[usize]) -> AppResult<()> {
        let core = &self.core;
        let today = core.today();
        let i = inspections::visible(core, &held.inspector.caller.scope, held.id).await?;
        let items = checklists::version_items(&core.db, i.template_version_id).await?;
        let input = |k: usize| {
            let f = &self.data.hazards[k];
            HazardInput {
                title: Some(f.title.clone()),
                category: Some(f.category.clone()),
                level: Some(f.level.clone()),
                major_clause: f.major_clause.clone(),
                description: Some(f.description.clone()),
                location: Some(f.location.clone()),
                legal_basis: None,
                basis_publication_id: None,
                suggested_measure: Some(f.suggested_measure.clone()),
                deadline: Some((today + Duration::days(f.deadline_days)).to_string()),
                photos: Vec::new(),
            }
        };
        let mut order = Vec::new();
        let mut answers = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let failed = hazards
                .iter()
                .copied()
                .find(|&k| self.data.hazards[k].item == Some(n + 1));
            if let Some(k) = failed {
                order.push(k);
            }
            answers.push(AnswerInput {
                item_id: item.id,
                result: if failed.is_some() { "fail" } else { "pass" }.into(),
                note: None,
                photos: Vec::new(),
                hazard: failed.map(input),
            });
        }
        let extra: Vec<usize> = hazards
            .iter()
            .copied()
            .filter(|k| !order.contains(k))
            .collect();
        let submission = Submission {
            inspectors: held.inspector.caller.display_name.clone(),
            summary: Some(if hazards.is_empty() {
                "逐项检查，未发现隐患。".to_string()
            } else {
                format!("逐项检查，发现隐患 {} 处，已告知受检企业。", hazards.len())
            }),
            answers,
            extra_hazards: extra.iter().copied().map(input).collect(),
        };
        order.extend(extra);
        inspections::start(core, &held.inspector, held.id).await?;
        let outcome = submit(core, &held.inspector, held.id, &submission, Vec::new()).await?;
        for (k, id) in order.into_iter().zip(outcome.hazard_ids) {
            self.hazards[k] = Some(Made {
                id,
                found_on: today,
                enterprise_id: held.inspected,
                inspector: held.inspector.clone(),
            });
        }
        Ok(())
    }

    async fn file_request(&mut self, n: usize) -> AppResult<()> {
        let v = &self.data.expert_visits[n];
        let core = &self.core;
        let today = core.today();
        let by = self.user(&v.by).await?;
        let filed = NewRequest {
            enterprise_id: None,
            topic: v.topic.clone(),
            specialty: v.specialty.clone(),
            description: v.description.clone(),
            preferred_from: (today + Duration::days(1)).to_string(),
            preferred_to: (today + Duration::days(v.visit_after + 7)).to_string(),
        };
        let id = expert_requests::write::create(core, &by, &filed).await?.id;
        let (expert_id, _) = self.expert(&v.expert).await?;
        let assign = AssignInput {
            expert_ids: vec![expert_id],
            confirm_conflict: false,
        };
        expert_requests::write::assign(core, &self.user(&v.assigned_by).await?, id, &assign)
            .await?;
        self.requests.insert(v.key.clone(), id);
        Ok(())
    }

    /// The expert named `name` and its account.
    async fn expert(&self, name: &str) -> AppResult<(i64, Actor)> {
        use crate::models::user;
        let e = expert::Entity::find()
            .filter(expert::Column::Name.eq(name))
            .one(&self.core.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let u = user::Entity::find()
            .filter(user::Column::ExpertId.eq(e.id))
            .one(&self.core.db)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((e.id, actor_of(&self.core, u).await?))
    }

    fn request(&self, key: &str) -> AppResult<i64> {
        self.requests.get(key).copied().ok_or(AppError::NotFound)
    }

    async fn accept_visit(&mut self, n: usize) -> AppResult<()> {
        let v = &self.data.expert_visits[n];
        let core = &self.core;
        let id = self.request(&v.key)?;
        let (_, expert) = self.expert(&v.expert).await?;
        let offered = expert_requests::queries::visit_checklists(core, &expert.caller, id).await?;
        let accept = AcceptInput {
            visit_on: (core.today() + Duration::days(v.visit_after - v.accepted_after)).to_string(),
            template_version_id: offered.first().map(|c| c.version_id),
        };
        expert_requests::write::accept(core, &expert, id, &accept).await?;
        Ok(())
    }

    async fn submit_visit(&mut self, n: usize) -> AppResult<()> {
        let v = &self.data.expert_visits[n];
        let id = self.request(&v.key)?;
        let (_, expert) = self.expert(&v.expert).await?;
        let visit = inspection::Entity::find()
            .filter(inspection::Column::ExpertRequestId.eq(id))
            .one(&self.core.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let held = Held {
            id: visit.id,
            inspected: visit.inspected_enterprise_id,
            inspector: expert,
        };
        let mine: Vec<usize> = (0..self.data.hazards.len())
            .filter(|&k| self.data.hazards[k].found_in == v.key)
            .collect();
        self.hand_in(&held, &mine).await?;
        self.inspections.insert(v.key.clone(), vec![held]);
        Ok(())
    }

    async fn report(&mut self, n: usize) -> AppResult<()> {
        let v = &self.data.expert_visits[n];
        let core = &self.core;
        let id = self.request(&v.key)?;
        let (_, expert) = self.expert(&v.expert).await?;
        let Some(report) = &v.report else {
            return Ok(());
        };
        let report = ReportInput {
            report: report.clone(),
        };
        expert_requests::write::report(core, &expert, id, &report).await?;
        let Some(confirming) = &v.completed_by else {
            return Ok(());
        };
        let confirming = self.user(confirming).await?;
        expert_requests::write::complete(core, &confirming, id).await?;
        if let Some(rating) = v.rating {
            let rate = RateInput {
                rating: Some(rating.to_string()),
                comment: v.comment.clone(),
            };
            expert_requests::write::rate(core, &confirming, id, &rate).await?;
        }
        Ok(())
    }

    /// One step of a hazard's loop, by the party the fixture names.
    async fn step(&mut self, n: usize, k: usize) -> AppResult<()> {
        use rectification as r;
        let s = &self.data.hazards[n].steps[k];
        let made = self.hazards[n].clone().ok_or(AppError::NotFound)?;
        let by = match s.by.as_str() {
            "enterprise" => self.account(made.enterprise_id).await?,
            "inspector" => made.inspector.clone(),
            name => self.user(name).await?,
        };
        let core = &self.core;
        let id = made.id;
        let note = || (!s.note.is_empty()).then(|| s.note.clone());
        let deadline =
            |days: Option<i64>| days.map(|d| (made.found_on + Duration::days(d)).to_string());
        match s.action.as_str() {
            "acknowledge" => {
                let h = hazard::Entity::find_by_id(id)
                    .one(&core.db)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let plan = crate::domain::hazard_flow::PlanInput {
                    responsible_person: by.caller.display_name.clone(),
                    measures: format!("按检查意见整改：{}", h.title),
                    funds: "约 3000 元，企业自筹".into(),
                    deadline: deadline(s.days).unwrap_or_else(|| h.deadline.to_string()),
                    contingency: "整改完成前设置警示标志，专人巡查，落实临时防范措施。".into(),
                };
                r::acknowledge(core, &by, id, &plan).await?;
            }
            "dispute" => {
                let input = r::ReasonInput {
                    reason: s.note.clone(),
                };
                r::dispute(core, &by, id, &input).await?;
            }
            "uphold" => {
                r::uphold(core, &by, id, &r::NoteInput { note: note() }).await?;
            }
            "withdraw" => {
                r::withdraw(core, &by, id, &r::NoteInput { note: note() }).await?;
            }
            "evidence" => {
                let upload = Upload {
                    field: "files".into(),
                    file_name: format!("整改照片-{}.png", id),
                    bytes: evidence_photo(id),
                };
                r::submit_evidence(core, &by, id, &s.note, vec![upload]).await?;
            }
            "verify" => {
                let input = r::VerifyInput {
                    note: note(),
                    reviewed_on: Some(core.today().to_string()),
                };
                r::verify(core, &by, id, &input).await?;
            }
            "reject" => {
                let input = r::RejectInput {
                    reason: s.note.clone(),
                    reviewed_on: None,
                };
                r::reject(core, &by, id, &input).await?;
            }
            "extension" => {
                let input = r::ExtensionInput {
                    reason: s.note.clone(),
                    deadline: deadline(s.days).unwrap_or_default(),
                };
                r::request_extension(core, &by, id, &input).await?;
            }
            "grant" | "refuse" => {
                let pending = r::pending_extension(core, &by.caller, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let input = r::DecisionInput { note: note() };
                r::decide_extension(core, &by, id, pending.id, s.action == "grant", &input).await?;
            }
            "comment" => {
                let input = r::CommentInput {
                    text: s.note.clone(),
                };
                r::comment(core, &by, id, &input).await?;
            }
            other => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "unknown step {other:?} in the history fixture"
                )));
            }
        }
        Ok(())
    }
}

fn enterprise_of(scope: &Scope) -> Option<i64> {
    match scope {
        Scope::Enterprise { enterprise_id, .. } => Some(*enterprise_id),
        _ => None,
    }
}

/// A small photo for an evidence upload, different for every hazard (no two hazards share
/// one file).
fn evidence_photo(seed: i64) -> Vec<u8> {
    let tint = u8::try_from(seed.rem_euclid(200)).unwrap_or(0);
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        let x = u8::try_from(x).unwrap_or(0);
        let y = u8::try_from(y).unwrap_or(0);
        image::Rgb([tint.wrapping_add(x), 120u8.wrapping_add(y), 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding a small in-memory image into a Vec cannot fail short of running out of memory.
    let _ = img.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hazard_is_found_by_an_inspection_of_the_history_and_its_steps_follow_it() {
        let data = seed::history().expect("history parses");
        let events = schedule(&data);
        let keys: Vec<&str> = data
            .rounds
            .iter()
            .map(|r| r.key.as_str())
            .chain(data.self_inspections.iter().map(|s| s.key.as_str()))
            .chain(data.expert_visits.iter().map(|v| v.key.as_str()))
            .collect();
        for h in &data.hazards {
            assert!(keys.contains(&h.found_in.as_str()), "{}", h.title);
            assert!(
                h.inspected.is_some() != h.inspector.is_some()
                    || !data.rounds.iter().any(|r| r.key == h.found_in),
                "{}: a round's hazard names its inspected member or its inspector",
                h.title
            );
        }
        assert!(events.iter().all(|e| e.day <= 0), "nothing after today");
        assert!(events.windows(2).all(|w| w[0] <= w[1]));
    }

    /// `serve` and the test helpers hold the load inside futures that must be `Send` (a read
    /// such as `rounds::detail` is not, for every lifetime: the history reads pairs itself).
    #[expect(dead_code)]
    fn load_is_send(core: &'static Core) {
        fn is_send<T: Send>(_: T) {}
        is_send(load(core));
    }

    #[test]
    fn an_evidence_photo_is_a_png_that_differs_per_hazard() {
        let a = evidence_photo(1);
        assert!(a.starts_with(b"\x89PNG"));
        assert_ne!(a, evidence_photo(2));
    }
}
