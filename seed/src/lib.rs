//! Demo fixtures: the Rui'an-like region tree, industries, risk tags, enterprises, alliances,
//! activity groups, experts and one account per role. The files under `fixtures/` are the
//! data; this crate only parses them. The portal loads them through its services
//! (`portal seed demo`), never from a migration.

use serde::Deserialize;

/// Every demo fixture, parsed.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoData {
    pub regions: Vec<RegionFixture>,
    pub industries: Vec<IndustryFixture>,
    pub risk_tags: Vec<RiskTagFixture>,
    pub enterprises: Vec<EnterpriseFixture>,
    pub alliances: Vec<AllianceFixture>,
    pub experts: Vec<ExpertFixture>,
    pub accounts: Vec<AccountFixture>,
    pub checklists: Vec<ChecklistFixture>,
    pub publications: Vec<PublicationFixture>,
    pub expert_requests: Vec<ExpertRequestFixture>,
}

/// 行政区划: `parent` is the parent's code (absent for the city).
#[derive(Debug, Clone, Deserialize)]
pub struct RegionFixture {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// 行业 (GB/T 4754 style code).
#[derive(Debug, Clone, Deserialize)]
pub struct IndustryFixture {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// 风险标签 such as 粉尘涉爆.
#[derive(Debug, Clone, Deserialize)]
pub struct RiskTagFixture {
    pub code: String,
    pub name: String,
}

/// 生产经营单位.
#[derive(Debug, Clone, Deserialize)]
pub struct EnterpriseFixture {
    pub credit_code: String,
    pub name: String,
    /// Code of the village/community (or town) the enterprise sits in.
    pub region: String,
    pub industry: String,
    pub address: String,
    pub legal_representative: String,
    pub safety_officer: String,
    pub safety_phone: String,
    pub employees: i32,
    /// "above" (规上) or "small_micro" (小微).
    pub scale: String,
    #[serde(default)]
    pub risk_tags: Vec<String>,
}

/// 互助联盟 with its approved members and activity groups.
#[derive(Debug, Clone, Deserialize)]
pub struct AllianceFixture {
    pub name: String,
    /// "industry" | "regional" | "park" | "village"
    pub kind: String,
    pub region: String,
    /// Credit code of the lead enterprise (龙头企业); must be among `members`.
    pub lead: String,
    pub founded_on: String,
    pub charter: String,
    /// Credit codes of approved members.
    pub members: Vec<String>,
    #[serde(default)]
    pub groups: Vec<GroupFixture>,
}

/// 活动小组: members are credit codes, all members of the alliance; `leader` among them.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupFixture {
    pub name: String,
    pub leader: String,
    pub members: Vec<String>,
}

/// 专家.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpertFixture {
    pub key: String,
    pub name: String,
    /// 职称.
    #[serde(default)]
    pub title: String,
    pub organisation: String,
    pub region: String,
    /// Specialty codes (`domain::expert::Specialty`: electromech, dust …).
    pub specialties: Vec<String>,
    pub phone: String,
    /// An inactive expert (and its account) stays on record; active unless `false`.
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

/// A login. `role` is one of admin, regulator, committee, enterprise_admin,
/// enterprise_staff, expert; the tenant field matching the role is set: `region` (code) for a
/// regulator, `alliance` (name) for a committee member, `enterprise` (credit code) for
/// enterprise roles, `expert` (key) for an expert.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountFixture {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub email: Option<String>,
    pub region: Option<String>,
    pub alliance: Option<String>,
    pub enterprise: Option<String>,
    pub expert: Option<String>,
}

/// 检查表: a bureau template (`region` code) or a committee template (`alliance` name).
#[derive(Debug, Clone, Deserialize)]
pub struct ChecklistFixture {
    pub title: String,
    /// `fire`, `electrical`, `dust`, `hazchem`, `confined` or `general`.
    pub topic: String,
    pub region: Option<String>,
    pub alliance: Option<String>,
    pub items: Vec<ChecklistItemFixture>,
}

/// One checklist item: hazard category code, what must hold, its legal basis, and the demo
/// publication the basis names (`basis_publication`: its title or 文号), when there is one.
#[derive(Debug, Clone, Deserialize)]
pub struct ChecklistItemFixture {
    pub category: String,
    pub requirement: String,
    pub legal_basis: String,
    #[serde(default)]
    pub basis_publication: Option<String>,
}

/// 法律法规 / 通知公告: published by the bureau of `region` or the committee of `alliance`.
/// `status` (default current) and `superseded_by` (the `key` of one listed earlier).
#[derive(Debug, Clone, Deserialize)]
pub struct PublicationFixture {
    pub key: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub doc_number: String,
    pub issuer: String,
    pub published_on: String,
    #[serde(default)]
    pub effective_on: String,
    pub region: Option<String>,
    pub alliance: Option<String>,
    #[serde(default)]
    pub public: bool,
    pub status: Option<String>,
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub industries: Vec<String>,
    #[serde(default)]
    pub risk_tags: Vec<String>,
    pub body: String,
}

/// A demo service request and how far the demo takes it (see `expert_requests.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct ExpertRequestFixture {
    pub by: String,
    pub enterprise: Option<String>,
    pub topic: String,
    pub specialty: String,
    pub description: String,
    /// The preferred dates, as days from today.
    pub preferred: [i64; 2],
    pub expert: Option<String>,
    pub assigned_by: Option<String>,
    pub visit_in_days: Option<i64>,
    pub report: Option<String>,
    pub completed_by: Option<String>,
    pub rating: Option<u8>,
    #[serde(default)]
    pub comment: String,
    pub rejected_by: Option<String>,
    pub rejected: Option<String>,
}

#[derive(Deserialize)]
struct ExpertRequests {
    request: Vec<ExpertRequestFixture>,
}

#[derive(Deserialize)]
struct Publications {
    publication: Vec<PublicationFixture>,
}
#[derive(Deserialize)]
struct Regions {
    region: Vec<RegionFixture>,
}
#[derive(Deserialize)]
struct Industries {
    industry: Vec<IndustryFixture>,
    risk_tag: Vec<RiskTagFixture>,
}
#[derive(Deserialize)]
struct Enterprises {
    enterprise: Vec<EnterpriseFixture>,
}
#[derive(Deserialize)]
struct Alliances {
    alliance: Vec<AllianceFixture>,
}
#[derive(Deserialize)]
struct Checklists {
    checklist: Vec<ChecklistFixture>,
}
#[derive(Deserialize)]
struct People {
    expert: Vec<ExpertFixture>,
    account: Vec<AccountFixture>,
}

/// Parses the demo fixtures compiled into this crate.
pub fn demo() -> Result<DemoData, toml::de::Error> {
    let regions: Regions = toml::from_str(include_str!("../fixtures/regions.toml"))?;
    let industries: Industries = toml::from_str(include_str!("../fixtures/industries.toml"))?;
    let enterprises: Enterprises = toml::from_str(include_str!("../fixtures/enterprises.toml"))?;
    let alliances: Alliances = toml::from_str(include_str!("../fixtures/alliances.toml"))?;
    let people: People = toml::from_str(include_str!("../fixtures/people.toml"))?;
    let checklists: Checklists = toml::from_str(include_str!("../fixtures/checklists.toml"))?;
    let publications: Publications = toml::from_str(include_str!("../fixtures/publications.toml"))?;
    let requests: ExpertRequests =
        toml::from_str(include_str!("../fixtures/expert_requests.toml"))?;
    Ok(DemoData {
        regions: regions.region,
        industries: industries.industry,
        risk_tags: industries.risk_tag,
        enterprises: enterprises.enterprise,
        alliances: alliances.alliance,
        experts: people.expert,
        accounts: people.account,
        checklists: checklists.checklist,
        publications: publications.publication,
        expert_requests: requests.request,
    })
}

/// The demo city's history (`fixtures/history.toml`): three months of 互查 rounds,
/// self-inspections and expert visits with the hazards they found, and what happened to each
/// hazard afterwards. Every date is a number of days: before the load day (`days_ago`) or
/// after an earlier moment (`*_after`, a step's `after`), so the history stays current.
#[derive(Debug, Clone, Deserialize)]
pub struct HistoryData {
    #[serde(default, rename = "round")]
    pub rounds: Vec<RoundFixture>,
    #[serde(default, rename = "self_inspection")]
    pub self_inspections: Vec<SelfInspectionFixture>,
    #[serde(default, rename = "expert_visit")]
    pub expert_visits: Vec<ExpertVisitFixture>,
    #[serde(default, rename = "hazard")]
    pub hazards: Vec<HazardFixture>,
}

/// A 互查 round: the `committee` account generates it for its `group` with `checklist` (a
/// title) `days_ago` and publishes it; every pair hands in `submitted_after` days later (left
/// planned when absent) and the committee reviews them `reviewed_after` days after the round.
#[derive(Debug, Clone, Deserialize)]
pub struct RoundFixture {
    pub key: String,
    pub committee: String,
    pub group: String,
    pub checklist: String,
    pub title: String,
    pub days_ago: i64,
    pub submitted_after: Option<i64>,
    pub reviewed_after: Option<i64>,
}

/// 自查: the account `by` plans, does and hands in a self-inspection of its enterprise with
/// `checklist` (a title) `days_ago`.
#[derive(Debug, Clone, Deserialize)]
pub struct SelfInspectionFixture {
    pub key: String,
    pub by: String,
    pub checklist: String,
    pub days_ago: i64,
}

/// A service request whose expert visit (an inspection of kind `expert`) lies in the past:
/// filed by `by` `days_ago` and assigned by `assigned_by` that day; the expert accepts
/// `accepted_after` days later for a visit `visit_after` days after filing, hands the visit in
/// that day, files `report` `report_after` days after filing; `completed_by` confirms and rates.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpertVisitFixture {
    pub key: String,
    pub by: String,
    pub topic: String,
    pub specialty: String,
    pub description: String,
    pub expert: String,
    pub assigned_by: String,
    pub days_ago: i64,
    pub accepted_after: i64,
    pub visit_after: i64,
    pub report_after: Option<i64>,
    pub report: Option<String>,
    pub completed_by: Option<String>,
    pub rating: Option<u8>,
    #[serde(default)]
    pub comment: String,
}

/// A hazard found in the inspection `found_in` (a round's, self-inspection's or visit's `key`):
/// in a round, the pair that inspects `inspected` (or the pair `inspector` inspects), both
/// credit codes. `item` (1-based) is the checklist item it fails, else it is an extra finding.
/// The deadline is `deadline_days` after the day it is found; `steps` follow.
#[derive(Debug, Clone, Deserialize)]
pub struct HazardFixture {
    pub found_in: String,
    pub inspected: Option<String>,
    pub inspector: Option<String>,
    pub item: Option<usize>,
    pub title: String,
    pub category: String,
    #[serde(default = "general")]
    pub level: String,
    pub major_clause: Option<String>,
    pub location: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub suggested_measure: String,
    pub deadline_days: i64,
    #[serde(default)]
    pub steps: Vec<StepFixture>,
}

fn general() -> String {
    "general".into()
}

/// One step of a hazard's loop, `after` days after it was found. `action`: acknowledge,
/// dispute, uphold, withdraw, evidence, verify, reject, extension, grant, refuse or comment.
/// `by`: a username, `enterprise` (an account of the inspected enterprise) or `inspector` (the
/// inspecting side's account). `days`: for acknowledge the plan's deadline, for extension the
/// deadline asked for, as days after the finding. `note`: the reason, note or comment.
#[derive(Debug, Clone, Deserialize)]
pub struct StepFixture {
    pub after: i64,
    pub action: String,
    pub by: String,
    pub days: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Parses the history fixture compiled into this crate.
pub fn history() -> Result<HistoryData, toml::de::Error> {
    toml::from_str(include_str!("../fixtures/history.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_fixtures_parse_and_refer_to_each_other() {
        let d = demo().expect("fixtures parse");
        assert_eq!(d.enterprises.len(), 40);
        let regions: Vec<&str> = d.regions.iter().map(|r| r.code.as_str()).collect();
        let codes: Vec<&str> = d
            .enterprises
            .iter()
            .map(|e| e.credit_code.as_str())
            .collect();
        for e in &d.enterprises {
            assert!(regions.contains(&e.region.as_str()), "{}", e.name);
        }
        for a in &d.alliances {
            assert!(a.members.contains(&a.lead), "{} lead", a.name);
            for g in &a.groups {
                assert!(
                    g.members.iter().all(|m| a.members.contains(m)),
                    "{}",
                    g.name
                );
                assert!(g.members.contains(&g.leader), "{}", g.name);
            }
            assert!(a.members.iter().all(|m| codes.contains(&m.as_str())));
        }
        let kinds: std::collections::BTreeSet<&str> =
            d.alliances.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds.len(), 4, "one alliance of each kind");
        for c in &d.checklists {
            match (&c.region, &c.alliance) {
                (Some(r), None) => assert!(regions.contains(&r.as_str()), "{}", c.title),
                (None, Some(a)) => {
                    assert!(d.alliances.iter().any(|x| &x.name == a), "{}", c.title)
                }
                _ => panic!("{}: a region or an alliance", c.title),
            }
            assert!(!c.items.is_empty(), "{}", c.title);
            for i in &c.items {
                if let Some(p) = &i.basis_publication {
                    assert!(
                        d.publications
                            .iter()
                            .any(|x| &x.title == p || &x.doc_number == p),
                        "{}: no demo publication {p}",
                        c.title
                    );
                }
            }
        }
    }
}
pub mod city;
