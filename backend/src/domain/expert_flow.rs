//! 专家服务申请: a service request's states, the actions that move it, who may take each, and
//! the ranking of the experts the bureau is offered. Pure rules, no I/O;
//! `services::expert_requests` applies them inside one transaction with the event row.
//!
//! ```text
//! submitted 待指派 ──assign (bureau)──▶ assigned 已指派 ──accept + visit date (expert)──▶ scheduled 已排期
//!   ▲   │                                 │  │                                         │
//!   │   └──reject (bureau)──▶ rejected    │  └─decline, the last open one─▶ submitted   └─file report (accepted expert)─▶ visited 已走访
//!   └──────────────────────────────────────┘                                                   │
//! submitted / assigned / scheduled ──cancel (requester)──▶ cancelled 已取消       visited ──complete (bureau or requester)──▶ completed ──rate (requester)──▶ rated
//! ```
//!
//! Several experts: the bureau may assign one or more, at once or one after another, while the
//! request is submitted or assigned (a team visit, 体检会诊). The request is **scheduled** when
//! the first assigned expert accepts with a visit date; an expert still pending may then join
//! (accept: the request keeps the date) or decline. A decline while the request is assigned
//! sends it back to **submitted** only when no other assignment is open (every assigned expert
//! has declined); otherwise it stays assigned. Any expert who accepted files the report. The
//! requester may cancel until the visit (not once the report is filed); the bureau rejects
//! (with a reason) before anyone accepted. The requester rates once, 1–5, after completion.
//!
//! Parties: the **requester** (the requesting enterprise's accounts, or the committee that
//! filed the request for its member), the **bureau** (an officer whose subtree holds the
//! enterprise), an assigned expert whose assignment is still **pending** (neither accepted nor
//! declined), an **accepted** expert, and **others** (anyone else who may see it: read only).

use std::cmp::Ordering;

use crate::domain::expert::Specialty;

coded! {
    /// Where a service request stands.
    RequestState(16) {
        /// 待指派: filed, waiting for the bureau.
        Submitted = "submitted",
        /// 已指派: experts assigned, none accepted yet.
        Assigned = "assigned",
        /// 已排期: an expert accepted with a visit date.
        Scheduled = "scheduled",
        /// 已走访: the report is filed.
        Visited = "visited",
        /// 已完成: the service is confirmed.
        Completed = "completed",
        /// 已评价: the requester rated it.
        Rated = "rated",
        /// 已驳回: refused by the bureau, with its reason.
        Rejected = "rejected",
        /// 已取消: withdrawn by the requester before the visit.
        Cancelled = "cancelled",
    }
}

coded! {
    /// What someone does to a service request.
    RequestAction(16) {
        /// 提交申请: the filing, the timeline's first event (it creates the request; `next`
        /// moves nothing with it).
        Submit = "submit",
        /// 指派专家.
        Assign = "assign",
        /// 驳回 (with a reason).
        Reject = "reject",
        /// 接受 (with the visit date).
        Accept = "accept",
        /// 谢绝 (with a reason).
        Decline = "decline",
        /// 提交服务报告.
        FileReport = "report",
        /// 确认完成.
        Complete = "complete",
        /// 评价.
        Rate = "rate",
        /// 取消申请.
        Cancel = "cancel",
    }
}

coded! {
    /// Where one expert's assignment stands.
    AssignmentState(16) {
        /// 待答复.
        Assigned = "assigned",
        /// 已接受.
        Accepted = "accepted",
        /// 已谢绝.
        Declined = "declined",
        /// 已撤回: the request was rejected or cancelled before the expert answered or visited.
        Withdrawn = "withdrawn",
    }
}

/// An assignment still counts towards the expert's work (open load, the expert's list).
pub fn assignment_open(state: AssignmentState) -> bool {
    matches!(state, AssignmentState::Assigned | AssignmentState::Accepted)
}

/// A request still before its visit (its assignments are open load).
pub fn before_visit(state: RequestState) -> bool {
    matches!(
        state,
        RequestState::Submitted | RequestState::Assigned | RequestState::Scheduled
    )
}

/// The caller's relation to the request, decided by the service from the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The requesting enterprise's accounts, or the committee that filed it.
    Requester,
    /// A bureau officer whose subtree holds the enterprise.
    Bureau,
    /// An assigned expert who has not answered yet.
    PendingExpert,
    /// An assigned expert who accepted.
    AcceptedExpert,
    /// Anyone else who may see the request (read only).
    Other,
}

/// What the rules need to know besides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Another assignment than the caller's is open (assigned or accepted).
    pub others_open: bool,
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
            Refusal::WrongState => "expert_flow.wrong_state",
            Refusal::NotAllowed => "expert_flow.not_allowed",
        }
    }
}

/// Who may take an action.
fn may(action: RequestAction, party: Party) -> bool {
    use RequestAction as A;
    match action {
        A::Assign | A::Reject => party == Party::Bureau,
        A::Accept | A::Decline => party == Party::PendingExpert,
        A::FileReport => party == Party::AcceptedExpert,
        A::Complete => matches!(party, Party::Bureau | Party::Requester),
        A::Submit | A::Rate | A::Cancel => party == Party::Requester,
    }
}

/// The state an action leads to, if `party` may take it now.
pub fn next(
    state: RequestState,
    action: RequestAction,
    party: Party,
    f: Facts,
) -> Result<RequestState, Refusal> {
    use RequestAction as A;
    use RequestState as S;
    if !may(action, party) {
        return Err(Refusal::NotAllowed);
    }
    let to = match (action, state) {
        (A::Assign, S::Submitted | S::Assigned) => S::Assigned,
        (A::Reject, S::Submitted | S::Assigned) => S::Rejected,
        (A::Accept, S::Assigned | S::Scheduled) => S::Scheduled,
        (A::Decline, S::Assigned) if f.others_open => S::Assigned,
        (A::Decline, S::Assigned) => S::Submitted,
        (A::Decline, S::Scheduled) => S::Scheduled,
        (A::FileReport, S::Scheduled) => S::Visited,
        (A::Complete, S::Visited) => S::Completed,
        (A::Rate, S::Completed) => S::Rated,
        (A::Cancel, S::Submitted | S::Assigned | S::Scheduled) => S::Cancelled,
        _ => return Err(Refusal::WrongState),
    };
    Ok(to)
}

/// Lowest and highest rating.
pub const RATING_MIN: i32 = 1;
pub const RATING_MAX: i32 = 5;
/// Longest rating comment, characters.
pub const MAX_RATING_COMMENT: usize = 500;
/// Longest topic, characters (the column holds 200).
pub const MAX_TOPIC: usize = 200;
/// Longest description, characters.
pub const MAX_DESCRIPTION: usize = 4000;
/// Longest reason (reject, cancel, decline), characters (the columns hold 500).
pub const MAX_REASON: usize = 500;
/// Longest report, characters.
pub const MAX_REPORT: usize = 10000;
/// Most experts on one request.
pub const MAX_EXPERTS: usize = 5;
/// Most attachments on one request.
pub const MAX_FILES: usize = 10;
/// The preferred period and the visit date lie at most this many days ahead.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// An active expert as the suggestion query reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub expert_id: i64,
    pub name: String,
    pub organisation: String,
    /// The expert's region path.
    pub region_path: String,
    pub specialties: Vec<Specialty>,
    /// Assigned or accepted assignments on requests not yet visited.
    pub open_load: u64,
    /// Sum and count of the ratings of the requests the expert served.
    pub rating_sum: i64,
    pub rating_count: i64,
}

/// A candidate with the reasons of its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub candidate: Candidate,
    pub has_specialty: bool,
    /// How deep the expert's region lies on the enterprise's path (0: not on it).
    pub nearness: usize,
    /// The expert's organisation is the enterprise itself (回避).
    pub conflict: bool,
}

impl Suggestion {
    /// The average rating, when rated at all.
    pub fn average_rating(&self) -> Option<f64> {
        let c = &self.candidate;
        (c.rating_count > 0).then(|| c.rating_sum as f64 / c.rating_count as f64)
    }
}

/// How deep `expert_path` lies on `enterprise_path` (its number of levels), 0 when it is not
/// one of the enterprise's regions.
pub fn nearness(expert_path: &str, enterprise_path: &str) -> usize {
    if expert_path.starts_with('/') && enterprise_path.starts_with(expert_path) {
        expert_path.split('/').filter(|p| !p.is_empty()).count()
    } else {
        0
    }
}

/// Whether an expert's organisation is the enterprise (names compared trimmed).
pub fn conflicts(organisation: &str, enterprise_name: &str) -> bool {
    let o = organisation.trim();
    !o.is_empty() && o == enterprise_name.trim()
}

/// Higher average first; an unrated expert after every rated one.
fn by_rating(a: &Candidate, b: &Candidate) -> Ordering {
    match (a.rating_count > 0, b.rating_count > 0) {
        (true, true) => (i128::from(b.rating_sum) * i128::from(a.rating_count))
            .cmp(&(i128::from(a.rating_sum) * i128::from(b.rating_count))),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => Ordering::Equal,
    }
}

/// The candidates in the order the bureau is offered them: the wanted specialty first, then
/// nearer (the deepest region on the enterprise's path; others after), then fewer open
/// assignments, then the higher average rating, then by id.
pub fn rank(
    candidates: Vec<Candidate>,
    wanted: Specialty,
    enterprise_path: &str,
    enterprise_name: &str,
) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = candidates
        .into_iter()
        .map(|c| Suggestion {
            has_specialty: c.specialties.contains(&wanted),
            nearness: nearness(&c.region_path, enterprise_path),
            conflict: conflicts(&c.organisation, enterprise_name),
            candidate: c,
        })
        .collect();
    out.sort_by(|a, b| {
        b.has_specialty
            .cmp(&a.has_specialty)
            .then(b.nearness.cmp(&a.nearness))
            .then(a.candidate.open_load.cmp(&b.candidate.open_load))
            .then(by_rating(&a.candidate, &b.candidate))
            .then(a.candidate.expert_id.cmp(&b.candidate.expert_id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Party as P;
    use RequestAction as A;
    use RequestState as S;

    const PARTIES: [Party; 5] = [
        P::Requester,
        P::Bureau,
        P::PendingExpert,
        P::AcceptedExpert,
        P::Other,
    ];

    /// The whole table, written out independently of `next`: (from, action, who, to) when
    /// no other assignment is open.
    const ALONE: &[(S, A, P, S)] = &[
        (S::Submitted, A::Assign, P::Bureau, S::Assigned),
        (S::Assigned, A::Assign, P::Bureau, S::Assigned),
        (S::Submitted, A::Reject, P::Bureau, S::Rejected),
        (S::Assigned, A::Reject, P::Bureau, S::Rejected),
        (S::Assigned, A::Accept, P::PendingExpert, S::Scheduled),
        (S::Scheduled, A::Accept, P::PendingExpert, S::Scheduled),
        (S::Assigned, A::Decline, P::PendingExpert, S::Submitted),
        (S::Scheduled, A::Decline, P::PendingExpert, S::Scheduled),
        (S::Scheduled, A::FileReport, P::AcceptedExpert, S::Visited),
        (S::Visited, A::Complete, P::Bureau, S::Completed),
        (S::Visited, A::Complete, P::Requester, S::Completed),
        (S::Completed, A::Rate, P::Requester, S::Rated),
        (S::Submitted, A::Cancel, P::Requester, S::Cancelled),
        (S::Assigned, A::Cancel, P::Requester, S::Cancelled),
        (S::Scheduled, A::Cancel, P::Requester, S::Cancelled),
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
    fn every_allowed_transition_with_one_expert_and_nothing_else() {
        check_all(Facts { others_open: false }, ALONE);
    }

    #[test]
    fn a_decline_keeps_the_request_assigned_while_another_expert_is_open() {
        let table: Vec<(S, A, P, S)> = ALONE
            .iter()
            .copied()
            .map(|(s, a, p, to)| {
                if (s, a) == (S::Assigned, A::Decline) {
                    (s, a, p, S::Assigned)
                } else {
                    (s, a, p, to)
                }
            })
            .collect();
        check_all(Facts { others_open: true }, &table);
    }

    #[test]
    fn the_wrong_party_is_told_so_before_the_wrong_state() {
        let f = Facts::default();
        assert_eq!(
            next(S::Completed, A::Rate, P::Bureau, f),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            next(S::Rated, A::Rate, P::Requester, f),
            Err(Refusal::WrongState),
            "rated once"
        );
        assert_eq!(
            next(S::Visited, A::Cancel, P::Requester, f),
            Err(Refusal::WrongState),
            "no cancel after the visit"
        );
        assert_eq!(
            next(S::Scheduled, A::Accept, P::AcceptedExpert, f),
            Err(Refusal::NotAllowed),
            "an expert accepts once"
        );
    }

    #[test]
    fn open_assignments_and_requests_before_the_visit() {
        assert!(assignment_open(AssignmentState::Assigned));
        assert!(assignment_open(AssignmentState::Accepted));
        assert!(!assignment_open(AssignmentState::Declined));
        assert!(!assignment_open(AssignmentState::Withdrawn));
        assert!(before_visit(S::Scheduled) && !before_visit(S::Visited));
        assert!(!before_visit(S::Cancelled));
    }

    fn candidate(id: i64, path: &str, specialties: &[Specialty], load: u64) -> Candidate {
        Candidate {
            expert_id: id,
            name: format!("expert {id}"),
            organisation: "某研究院".into(),
            region_path: path.into(),
            specialties: specialties.to_vec(),
            open_load: load,
            rating_sum: 0,
            rating_count: 0,
        }
    }

    const TOWN: &str = "/330381/330381101/";
    const VILLAGE: &str = "/330381/330381101/330381101201/";

    fn order(s: &[Suggestion]) -> Vec<i64> {
        s.iter().map(|s| s.candidate.expert_id).collect()
    }

    #[test]
    fn the_wanted_specialty_comes_first_then_the_nearer_region_then_the_lighter_load() {
        let c = vec![
            candidate(1, "/330381/", &[Specialty::Fire], 0),
            candidate(2, TOWN, &[Specialty::Dust], 3),
            candidate(3, "/330381/", &[Specialty::Dust], 0),
            candidate(4, "/330382/", &[Specialty::Dust], 0),
            candidate(5, TOWN, &[Specialty::Dust, Specialty::Fire], 1),
            candidate(6, VILLAGE, &[Specialty::Fire], 0),
        ];
        let ranked = rank(c, Specialty::Dust, VILLAGE, "瑞安市鸿田汽车电器有限公司");
        // Dust first (5 and 2 in the town before 3 in the city before 4 elsewhere; in the
        // town the lighter load first), then the others by nearness.
        assert_eq!(order(&ranked), [5, 2, 3, 4, 6, 1]);
        assert_eq!(ranked[0].nearness, 2);
        assert_eq!(ranked[3].nearness, 0);
        assert!(ranked.iter().all(|s| !s.conflict));
    }

    #[test]
    fn the_higher_average_rating_breaks_a_tie_and_the_unrated_come_last() {
        let mut a = candidate(1, TOWN, &[Specialty::Fire], 0);
        let mut b = candidate(2, TOWN, &[Specialty::Fire], 0);
        let c = candidate(3, TOWN, &[Specialty::Fire], 0);
        (a.rating_sum, a.rating_count) = (7, 2); // 3.5
        (b.rating_sum, b.rating_count) = (9, 2); // 4.5
        let ranked = rank(vec![c, a, b], Specialty::Fire, VILLAGE, "x");
        assert_eq!(order(&ranked), [2, 1, 3]);
        assert_eq!(ranked[0].average_rating(), Some(4.5));
        assert_eq!(ranked[2].average_rating(), None);
    }

    #[test]
    fn an_expert_of_the_enterprise_itself_is_flagged() {
        let mut own = candidate(1, TOWN, &[Specialty::Fire], 0);
        own.organisation = " 瑞安市鸿田汽车电器有限公司 ".into();
        let ranked = rank(
            vec![own, candidate(2, TOWN, &[Specialty::Fire], 0)],
            Specialty::Fire,
            VILLAGE,
            "瑞安市鸿田汽车电器有限公司",
        );
        assert!(ranked[0].conflict, "still listed, with the warning");
        assert!(!ranked[1].conflict);
        assert!(!conflicts("", ""));
    }

    #[test]
    fn nearness_is_the_depth_on_the_enterprises_path() {
        assert_eq!(nearness("/330381/", VILLAGE), 1);
        assert_eq!(nearness(VILLAGE, VILLAGE), 3);
        assert_eq!(nearness("/330381/330381102/", VILLAGE), 0);
        assert_eq!(nearness("", VILLAGE), 0);
    }
}
