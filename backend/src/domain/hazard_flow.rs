//! 隐患闭环: the hazard's states, the actions that move it, and who may take each. Pure rules,
//! no I/O; `services::rectification` applies them inside one transaction with the event.
//!
//! ```text
//! reported 待确认 ──acknowledge + 五落实 plan──▶ rectifying 整改中 ──evidence──▶ awaiting_verification 待验收
//!    │  ▲                                         ▲                                   │
//!    │  └──uphold── disputed 申诉中 ──withdraw──▶ withdrawn 已撤销                        │
//!    └──dispute──▶┘                               └────────────── reject ─────────────┤
//!                                                                                     └──verify──▶ closed 已销号
//! ```
//!
//! Who: the inspected enterprise acknowledges, disputes, hands in evidence and asks for more
//! time. The **decider** of disputes and extensions is the committee of the hazard's alliance,
//! or the bureau for a major hazard and for a hazard found outside any alliance. The
//! **verifier** of a general hazard is the inspecting side, the committee or the bureau; of a
//! major hazard only the bureau, whose verification is the on-site review 核销 (with its date)
//! and whose rejection is a failed review (the hazard stays on the supervision list). A
//! general hazard the bureau has on its supervision list 挂牌督办 (escalated when long overdue)
//! is likewise verified only by the bureau: the list is the bureau's, so is the closing.

use serde::{Deserialize, Serialize};

use crate::domain::inspection::HazardLevel;

coded! {
    /// Where a hazard stands.
    HazardState(32) {
        /// 待确认: found, waiting for the enterprise.
        Reported = "reported",
        /// 申诉中: the enterprise disputes the finding.
        Disputed = "disputed",
        /// 已撤销: the dispute was accepted and the finding withdrawn.
        Withdrawn = "withdrawn",
        /// 整改中: acknowledged with its plan, being fixed.
        Rectifying = "rectifying",
        /// 待验收: evidence handed in.
        AwaitingVerification = "awaiting_verification",
        /// 已销号: verified and closed.
        Closed = "closed",
    }
}

coded! {
    /// Where a deadline extension request (延期申请) stands.
    ExtensionStatus(16) {
        /// 待审批: waiting for the decider.
        Pending = "pending",
        /// 已批准: the new deadline is in force.
        Granted = "granted",
        /// 已驳回: the deadline stays.
        Refused = "refused",
    }
}

coded! {
    /// What someone does to a hazard.
    Action(32) {
        /// 确认并制定整改方案 (五落实).
        Acknowledge = "acknowledge",
        /// 申诉.
        Dispute = "dispute",
        /// 维持: the dispute is rejected, the finding stands.
        Uphold = "uphold",
        /// 撤销: the finding is withdrawn.
        Withdraw = "withdraw",
        /// 提交整改证据.
        SubmitEvidence = "evidence",
        /// 验收通过 (for a major hazard: 核销 passed).
        Verify = "verify",
        /// 验收不通过 (for a major hazard: 核销 failed).
        Reject = "reject",
        /// 延期申请.
        RequestExtension = "extension_request",
        /// 同意延期.
        GrantExtension = "extension_grant",
        /// 不同意延期.
        RefuseExtension = "extension_refuse",
    }
}

/// The caller's relation to the hazard, decided by the service from the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// Accounts of the enterprise where the hazard is.
    InspectedEnterprise,
    /// Accounts of the enterprise that found it in a mutual inspection.
    InspectingSide,
    /// The committee of the hazard's alliance (or, for a hazard found outside any alliance,
    /// of an alliance the enterprise belongs to).
    Committee,
    /// A bureau officer whose jurisdiction holds the hazard.
    Bureau,
    /// Anyone else who may see it (read only).
    Observer,
}

/// What the rules need to know about the hazard besides its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub level: HazardLevel,
    /// It was found in an inspection of an alliance (mutual inspection).
    pub in_alliance: bool,
    /// It was reported by another enterprise or by an expert (not found by the enterprise
    /// itself).
    pub reported_by_other: bool,
    /// It was found by an expert on a visit: the expert is the inspecting side, and verifies
    /// its own general findings as an inspecting enterprise does in an alliance.
    pub by_expert: bool,
    /// It is on the bureau's supervision list 挂牌督办 (the listing not released).
    pub listed: bool,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The action does not apply in the current state (already done, retried, stale).
    WrongState,
    /// The caller is not the one who may do it.
    NotAllowed,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::WrongState => "loop.wrong_state",
            Refusal::NotAllowed => "loop.not_allowed",
        }
    }
}

/// Who decides disputes and extension requests.
pub fn decider(f: Facts) -> Party {
    if f.level == HazardLevel::Major || !f.in_alliance {
        Party::Bureau
    } else {
        Party::Committee
    }
}

/// Whether `party` verifies (or rejects) the evidence: only the bureau for a major hazard
/// and for any hazard on its supervision list.
pub fn verifies(party: Party, f: Facts) -> bool {
    if f.listed {
        return party == Party::Bureau;
    }
    match f.level {
        HazardLevel::Major => party == Party::Bureau,
        HazardLevel::General => match party {
            Party::Bureau | Party::Committee => true,
            Party::InspectingSide => f.in_alliance || f.by_expert,
            Party::InspectedEnterprise | Party::Observer => false,
        },
    }
}

/// The state an action leads to, if `party` may take it now.
pub fn next(
    state: HazardState,
    action: Action,
    party: Party,
    f: Facts,
) -> Result<HazardState, Refusal> {
    use Action as A;
    use HazardState as S;
    let (from, to): (&[S], S) = match action {
        A::Acknowledge => (&[S::Reported], S::Rectifying),
        A::Dispute => (&[S::Reported], S::Disputed),
        A::Uphold => (&[S::Disputed], S::Reported),
        A::Withdraw => (&[S::Disputed], S::Withdrawn),
        A::SubmitEvidence => (&[S::Rectifying], S::AwaitingVerification),
        A::Verify => (&[S::AwaitingVerification], S::Closed),
        A::Reject => (&[S::AwaitingVerification], S::Rectifying),
        // Extensions change the deadline, not the state.
        A::RequestExtension | A::GrantExtension | A::RefuseExtension => {
            (&[S::Reported, S::Rectifying], state)
        }
    };
    let allowed = match action {
        A::Acknowledge | A::SubmitEvidence | A::RequestExtension => {
            party == Party::InspectedEnterprise
        }
        // Only a finding made by someone else can be disputed.
        A::Dispute => party == Party::InspectedEnterprise && f.reported_by_other,
        A::Uphold | A::Withdraw | A::GrantExtension | A::RefuseExtension => party == decider(f),
        A::Verify | A::Reject => verifies(party, f),
    };
    if !allowed {
        return Err(Refusal::NotAllowed);
    }
    if !from.contains(&state) {
        return Err(Refusal::WrongState);
    }
    Ok(to)
}

/// Open: still needs someone's action (counts for labels and supervision).
pub fn is_open(state: HazardState) -> bool {
    !matches!(state, HazardState::Withdrawn | HazardState::Closed)
}

/// Whether the deadline runs for the enterprise in this state (overdue is derived from it).
pub fn deadline_runs(state: HazardState) -> bool {
    matches!(state, HazardState::Reported | HazardState::Rectifying)
}

/// Days past the deadline on `today` while it runs; `None` when the hazard is not overdue
/// (overdue is always derived from the deadline, never stored).
pub fn overdue_days(
    state: HazardState,
    deadline: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Option<i64> {
    (deadline_runs(state) && today > deadline).then(|| (today - deadline).num_days())
}

/// The 五落实 plan as typed: all five elements are required.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// 责任人.
    #[serde(default)]
    pub responsible_person: String,
    /// 整改措施.
    #[serde(default)]
    pub measures: String,
    /// 整改资金 (amount and source, as text: "3000 元，企业自筹").
    #[serde(default)]
    pub funds: String,
    /// 整改时限, `YYYY-MM-DD`.
    #[serde(default)]
    pub deadline: String,
    /// 应急预案 (what is done to stay safe until fixed).
    #[serde(default)]
    pub contingency: String,
}

/// The refusal of a plan whose deadline is later than the hazard's.
pub const PLAN_DEADLINE_LATER: &str = "loop.plan_deadline_later";

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub responsible_person: String,
    pub measures: String,
    pub funds: String,
    pub deadline: chrono::NaiveDate,
    pub contingency: String,
}

impl PlanInput {
    /// Checks the five elements. The plan's deadline lies between `today` and `latest`, the
    /// deadline the hazard already has (the inspector's proposal, the bureau's for a listed
    /// hazard, or one granted on an extension request): an enterprise may promise an earlier
    /// date, a later one only through 延期申请 and its decider. When the hazard is already
    /// overdue, its own deadline is the one date accepted (the hazard stays overdue).
    pub fn parse(
        &self,
        today: chrono::NaiveDate,
        latest: chrono::NaiveDate,
    ) -> Result<Plan, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let mut text = |field: &'static str, v: &str, max: usize| {
            let v = v.trim();
            if v.is_empty() {
                errors.push((field, "form.required"));
            } else if v.chars().count() > max {
                errors.push((field, "form.too_long"));
            }
            v.to_string()
        };
        let responsible_person = text("responsible_person", &self.responsible_person, 64);
        let measures = text("measures", &self.measures, 2000);
        let funds = text("funds", &self.funds, 128);
        let contingency = text("contingency", &self.contingency, 2000);
        let deadline = match self.deadline.trim() {
            "" => {
                errors.push(("deadline", "form.required"));
                None
            }
            d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Err(_) => {
                    errors.push(("deadline", "inspections.bad_date"));
                    None
                }
                Ok(d) if d > latest => {
                    errors.push(("deadline", PLAN_DEADLINE_LATER));
                    None
                }
                Ok(d) if d < today && d != latest => {
                    errors.push(("deadline", "inspections.deadline_past"));
                    None
                }
                Ok(d) => Some(d),
            },
        };
        match deadline {
            Some(deadline) if errors.is_empty() => Ok(Plan {
                responsible_person,
                measures,
                funds,
                deadline,
                contingency,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use HazardState as S;
    use Party as P;

    const PARTIES: [Party; 5] = [
        P::InspectedEnterprise,
        P::InspectingSide,
        P::Committee,
        P::Bureau,
        P::Observer,
    ];

    fn facts(level: HazardLevel, in_alliance: bool, reported_by_other: bool) -> Facts {
        Facts {
            level,
            in_alliance,
            reported_by_other,
            by_expert: false,
            listed: level == HazardLevel::Major,
        }
    }

    /// The whole table, written out independently of `next`: (from, action, who, to) for a
    /// general hazard of a mutual inspection.
    const GENERAL_MUTUAL: &[(S, A, P, S)] = &[
        (
            S::Reported,
            A::Acknowledge,
            P::InspectedEnterprise,
            S::Rectifying,
        ),
        (S::Reported, A::Dispute, P::InspectedEnterprise, S::Disputed),
        (S::Disputed, A::Uphold, P::Committee, S::Reported),
        (S::Disputed, A::Withdraw, P::Committee, S::Withdrawn),
        (
            S::Rectifying,
            A::SubmitEvidence,
            P::InspectedEnterprise,
            S::AwaitingVerification,
        ),
        (
            S::AwaitingVerification,
            A::Verify,
            P::InspectingSide,
            S::Closed,
        ),
        (S::AwaitingVerification, A::Verify, P::Committee, S::Closed),
        (S::AwaitingVerification, A::Verify, P::Bureau, S::Closed),
        (
            S::AwaitingVerification,
            A::Reject,
            P::InspectingSide,
            S::Rectifying,
        ),
        (
            S::AwaitingVerification,
            A::Reject,
            P::Committee,
            S::Rectifying,
        ),
        (S::AwaitingVerification, A::Reject, P::Bureau, S::Rectifying),
        (
            S::Reported,
            A::RequestExtension,
            P::InspectedEnterprise,
            S::Reported,
        ),
        (
            S::Rectifying,
            A::RequestExtension,
            P::InspectedEnterprise,
            S::Rectifying,
        ),
        (S::Reported, A::GrantExtension, P::Committee, S::Reported),
        (
            S::Rectifying,
            A::GrantExtension,
            P::Committee,
            S::Rectifying,
        ),
        (S::Reported, A::RefuseExtension, P::Committee, S::Reported),
        (
            S::Rectifying,
            A::RefuseExtension,
            P::Committee,
            S::Rectifying,
        ),
    ];

    /// A major hazard: the bureau decides disputes and extensions, and alone verifies (核销).
    const MAJOR: &[(S, A, P, S)] = &[
        (
            S::Reported,
            A::Acknowledge,
            P::InspectedEnterprise,
            S::Rectifying,
        ),
        (S::Reported, A::Dispute, P::InspectedEnterprise, S::Disputed),
        (S::Disputed, A::Uphold, P::Bureau, S::Reported),
        (S::Disputed, A::Withdraw, P::Bureau, S::Withdrawn),
        (
            S::Rectifying,
            A::SubmitEvidence,
            P::InspectedEnterprise,
            S::AwaitingVerification,
        ),
        (S::AwaitingVerification, A::Verify, P::Bureau, S::Closed),
        (S::AwaitingVerification, A::Reject, P::Bureau, S::Rectifying),
        (
            S::Reported,
            A::RequestExtension,
            P::InspectedEnterprise,
            S::Reported,
        ),
        (
            S::Rectifying,
            A::RequestExtension,
            P::InspectedEnterprise,
            S::Rectifying,
        ),
        (S::Reported, A::GrantExtension, P::Bureau, S::Reported),
        (S::Rectifying, A::GrantExtension, P::Bureau, S::Rectifying),
        (S::Reported, A::RefuseExtension, P::Bureau, S::Reported),
        (S::Rectifying, A::RefuseExtension, P::Bureau, S::Rectifying),
    ];

    /// Every (state, action, party) either appears in `table` with its result or is refused.
    fn check_all(f: Facts, table: &[(S, A, P, S)]) {
        for &state in S::ALL {
            for &action in A::ALL {
                for party in PARTIES {
                    let expected = table
                        .iter()
                        .find(|(s, a, p, _)| *s == state && *a == action && *p == party)
                        .map(|(_, _, _, to)| *to);
                    let got = next(state, action, party, f);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{state:?} {action:?} by {party:?}"),
                        None => assert!(
                            got.is_err(),
                            "{state:?} {action:?} by {party:?} must be refused, got {got:?}"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn every_allowed_transition_of_a_general_mutual_hazard_and_nothing_else() {
        check_all(facts(HazardLevel::General, true, true), GENERAL_MUTUAL);
    }

    #[test]
    fn a_major_hazard_is_decided_and_closed_only_by_the_bureau() {
        check_all(facts(HazardLevel::Major, true, true), MAJOR);
        check_all(facts(HazardLevel::Major, false, true), MAJOR);
        for party in [
            P::InspectingSide,
            P::Committee,
            P::InspectedEnterprise,
            P::Observer,
        ] {
            assert_eq!(
                next(
                    S::AwaitingVerification,
                    A::Verify,
                    party,
                    facts(HazardLevel::Major, true, true)
                ),
                Err(Refusal::NotAllowed),
                "{party:?} cannot close a major hazard"
            );
        }
    }

    #[test]
    fn a_listed_general_hazard_is_closed_only_by_the_bureau() {
        let listed = Facts {
            listed: true,
            ..facts(HazardLevel::General, true, true)
        };
        // Everything else stays as for a general hazard: the committee decides.
        let table: Vec<(S, A, P, S)> = GENERAL_MUTUAL
            .iter()
            .copied()
            .filter(|(_, a, _, _)| !matches!(a, A::Verify | A::Reject))
            .chain([
                (S::AwaitingVerification, A::Verify, P::Bureau, S::Closed),
                (S::AwaitingVerification, A::Reject, P::Bureau, S::Rectifying),
            ])
            .collect();
        check_all(listed, &table);
        assert_eq!(decider(listed), P::Committee);
        for party in [P::InspectingSide, P::Committee] {
            assert!(!verifies(party, listed), "{party:?}");
        }
    }

    #[test]
    fn a_self_found_hazard_cannot_be_disputed_and_the_bureau_decides_outside_alliances() {
        let own = facts(HazardLevel::General, false, false);
        assert_eq!(
            next(S::Reported, A::Dispute, P::InspectedEnterprise, own),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(decider(own), P::Bureau);
        // Verified by the committee or the bureau; no inspecting side outside an alliance.
        assert!(verifies(P::Committee, own));
        assert!(verifies(P::Bureau, own));
        assert!(!verifies(P::InspectingSide, own));
        assert!(!verifies(P::InspectedEnterprise, own));
    }

    #[test]
    fn an_experts_finding_is_decided_by_the_bureau_and_verified_by_the_expert() {
        let visit = Facts {
            by_expert: true,
            ..facts(HazardLevel::General, false, true)
        };
        // As in an alliance, but the bureau decides disputes and extensions (no alliance).
        let table: Vec<(S, A, P, S)> = GENERAL_MUTUAL
            .iter()
            .map(|&(s, a, p, to)| match a {
                A::Uphold | A::Withdraw | A::GrantExtension | A::RefuseExtension => {
                    (s, a, P::Bureau, to)
                }
                _ => (s, a, p, to),
            })
            .collect();
        check_all(visit, &table);
        assert_eq!(decider(visit), P::Bureau);
        assert!(verifies(P::InspectingSide, visit));
        // A major finding of an expert goes to the bureau as usual.
        let major = Facts {
            by_expert: true,
            ..facts(HazardLevel::Major, false, true)
        };
        check_all(major, MAJOR);
        assert!(!verifies(P::InspectingSide, major));
    }

    #[test]
    fn a_repeated_action_finds_the_wrong_state() {
        let f = facts(HazardLevel::General, true, true);
        assert_eq!(
            next(S::Rectifying, A::Acknowledge, P::InspectedEnterprise, f),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            next(S::Closed, A::Verify, P::Committee, f),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            next(S::Withdrawn, A::Uphold, P::Committee, f),
            Err(Refusal::WrongState)
        );
    }

    #[test]
    fn the_plan_needs_all_five_elements() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
        let latest = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap_or_default();
        let empty = PlanInput::default()
            .parse(today, latest)
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = empty.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "responsible_person",
                "measures",
                "funds",
                "contingency",
                "deadline"
            ]
        );
        let plan = PlanInput {
            responsible_person: "周建华".into(),
            measures: "更换配电箱门并加锁".into(),
            funds: "800 元，企业自筹".into(),
            deadline: "2026-12-10".into(),
            contingency: "整改期间断电挂牌，专人看护".into(),
        };
        assert!(plan.parse(today, latest).is_ok());
        let late = PlanInput {
            deadline: "2026-11-01".into(),
            ..plan
        };
        assert_eq!(
            late.parse(today, latest).err(),
            Some(vec![("deadline", "inspections.deadline_past")])
        );
    }

    #[test]
    fn the_plan_may_not_outlast_the_hazards_deadline() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let with = |d: &str| PlanInput {
            responsible_person: "周建华".into(),
            measures: "更换配电箱门并加锁".into(),
            funds: "800 元，企业自筹".into(),
            deadline: d.into(),
            contingency: "整改期间断电挂牌，专人看护".into(),
        };
        let (today, latest) = (day("2026-11-24"), day("2026-12-24"));
        let deadline = |d: &str| with(d).parse(today, latest).map(|p| p.deadline);
        assert_eq!(deadline("2026-12-24"), Ok(latest), "the deadline itself");
        assert_eq!(deadline("2026-12-01"), Ok(day("2026-12-01")), "earlier");
        assert_eq!(deadline("2026-11-24"), Ok(today), "today");
        for later in ["2026-12-25", "2099-12-31"] {
            assert_eq!(
                deadline(later),
                Err(vec![("deadline", PLAN_DEADLINE_LATER)]),
                "{later}"
            );
        }
        // Already overdue: only the hazard's own deadline; it stays overdue.
        let (today, latest) = (day("2026-12-12"), day("2026-12-10"));
        let overdue = |d: &str| with(d).parse(today, latest).map(|p| p.deadline);
        assert_eq!(overdue("2026-12-10"), Ok(latest));
        assert_eq!(
            overdue("2026-12-01"),
            Err(vec![("deadline", "inspections.deadline_past")])
        );
        assert_eq!(
            overdue("2026-12-12"),
            Err(vec![("deadline", PLAN_DEADLINE_LATER)])
        );
    }

    #[test]
    fn overdue_days_count_only_while_the_deadline_runs() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let overdue = |state: &str, deadline, today| {
            S::parse(state)
                .and_then(|s| overdue_days(s, deadline, today))
                .unwrap_or(0)
        };
        let deadline = day("2026-12-10");
        assert_eq!(overdue("rectifying", deadline, day("2026-12-17")), 7);
        assert_eq!(overdue("reported", deadline, day("2026-12-11")), 1);
        assert_eq!(
            overdue("reported", deadline, day("2026-12-10")),
            0,
            "due, not late"
        );
        assert_eq!(overdue("reported", deadline, day("2026-12-01")), 0);
        assert_eq!(
            overdue("awaiting_verification", deadline, day("2026-12-20")),
            0,
            "the enterprise has done its part"
        );
        assert_eq!(overdue("closed", deadline, day("2026-12-20")), 0);
    }

    #[test]
    fn open_states_and_running_deadlines() {
        assert!(is_open(S::Disputed) && is_open(S::AwaitingVerification));
        assert!(!is_open(S::Closed) && !is_open(S::Withdrawn));
        assert!(deadline_runs(S::Reported) && deadline_runs(S::Rectifying));
        assert!(!deadline_runs(S::AwaitingVerification) && !deadline_runs(S::Disputed));
    }
}
