//! 互查 pairing: who inspects whom in one round of an activity group, and the check of a set of
//! pairs the committee adjusted by hand. Pure: member ids and past pairs in, pairs out.
//!
//! The pairing is a minimum-cost assignment (Kuhn–Munkres) of inspectors to inspected members
//! where inspecting oneself is never chosen and a pair that already happened costs more the
//! more recent it was. The weights are tiered so that the comparison is lexicographic: one pair
//! repeated from the last round costs more than every repeat from older rounds together, one
//! from two rounds ago more than all repeats from three and more rounds ago, and so on. So:
//! - a group of 3 or more never repeats a pair of the previous round (always avoidable);
//! - a round repeats as few recent pairs as possible; when every round of a group of `n` is
//!   generated here, its first `n - 1` rounds use every ordered pair once and round `n`
//!   starts over with the pairs of the oldest round (checked for sizes 3..=12 in the tests);
//! - only the last `n - 1` rounds count (by then every pair has had its turn).
//!
//! Mirrored pairs (A inspects B and B inspects A in one round) are broken up afterwards by
//! merging the two-member cycle with another cycle of the assignment, when a merge exists that
//! adds no repeat (the result is then still a minimum-cost assignment). Repeats weigh more
//! than mirrors: in even-sized groups a later round may keep a mirrored pair rather than
//! repeat a recent one (for 4 members, three rounds without any repeat cannot all be free of
//! mirrors). A group of 2 always swaps: there is nothing else to do.

use std::collections::{BTreeMap, BTreeSet};

use pathfinding::{kuhn_munkres::kuhn_munkres_min, matrix::Matrix};
use serde::{Deserialize, Serialize};

/// One inspection of a round: `inspector` inspects `inspected` (enterprise ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pair {
    pub inspector: i64,
    pub inspected: i64,
}

/// A pair of an earlier round; `rounds_ago` is 1 for the last round, 2 for the one before …
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PastPair {
    pub inspector: i64,
    pub inspected: i64,
    pub rounds_ago: u32,
}

/// Why no round can be paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingError {
    /// Fewer than 2 members: nobody else to inspect.
    TooFewMembers,
}

/// Largest weight used; keeps the assignment's sums far inside `i64`.
const WEIGHT_LIMIT: i64 = 1 << 50;

/// The round's pairs, one per member (as inspected), sorted by inspected id. Deterministic:
/// the same members and history give the same pairs.
pub fn pair_round(members: &[i64], history: &[PastPair]) -> Result<Vec<Pair>, PairingError> {
    let members: Vec<i64> = members
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let n = members.len();
    if n < 2 {
        return Err(PairingError::TooFewMembers);
    }
    let costs = Costs::new(&members, history);
    let (_, mut to) = kuhn_munkres_min(&costs.matrix);
    if n >= 3 {
        break_mirrors(&mut to, &costs.matrix);
    }
    let mut pairs: Vec<Pair> = to
        .iter()
        .enumerate()
        .map(|(i, &j)| Pair {
            inspector: members[i],
            inspected: members[j],
        })
        .collect();
    pairs.sort_by_key(|p| p.inspected);
    Ok(pairs)
}

/// The cost matrix: row = inspector, column = inspected, both indexes into the sorted members.
struct Costs {
    matrix: Matrix<i64>,
}

impl Costs {
    fn new(members: &[i64], history: &[PastPair]) -> Self {
        let n = members.len();
        // Base above the number of pairs in a round, so one pair of a tier outweighs all pairs
        // of the later tiers together; the horizon is as many rounds as fit under the limit,
        // at most n - 1.
        let base = n as i64 + 1;
        let mut horizon = 0u32;
        let mut forbidden = 1i64;
        while (horizon as usize) < n - 1 && forbidden <= WEIGHT_LIMIT / base {
            forbidden *= base;
            horizon += 1;
        }
        let index: BTreeMap<i64, usize> =
            members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let mut matrix = Matrix::from_fn(n, n, |(i, j)| if i == j { forbidden } else { 0 });
        // A pair counts once per round, however often the history lists it.
        let past: BTreeSet<PastPair> = history
            .iter()
            .map(|p| PastPair {
                rounds_ago: p.rounds_ago.max(1),
                ..*p
            })
            .filter(|p| p.rounds_ago <= horizon && p.inspector != p.inspected)
            .collect();
        for p in past {
            let (Some(&i), Some(&j)) = (index.get(&p.inspector), index.get(&p.inspected)) else {
                continue;
            };
            // base^(horizon - rounds_ago): the last round's pairs weigh most.
            let weight = base.pow(horizon - p.rounds_ago);
            matrix[(i, j)] += weight;
        }
        Costs { matrix }
    }
}

/// Merges each two-member cycle (a mirrored pair) of the assignment `to` into another cycle
/// when that costs nothing: for x in the 2-cycle and y elsewhere, x takes y's inspected member
/// and y takes x's. The first cheapest merge in index order wins, so the result stays
/// deterministic.
fn break_mirrors(to: &mut [usize], costs: &Matrix<i64>) {
    let n = to.len();
    let mut stuck: BTreeSet<usize> = BTreeSet::new();
    loop {
        let Some(a) = (0..n).find(|&a| to[to[a]] == a && to[a] != a && !stuck.contains(&a)) else {
            return;
        };
        let b = to[a];
        let mut best: Option<(i64, usize, usize)> = None;
        for x in [a.min(b), a.max(b)] {
            for y in (0..n).filter(|&y| y != a && y != b) {
                let delta =
                    costs[(x, to[y])] + costs[(y, to[x])] - costs[(x, to[x])] - costs[(y, to[y])];
                if best.is_none_or(|(d, _, _)| delta < d) {
                    best = Some((delta, x, y));
                }
            }
        }
        match best {
            Some((delta, x, y)) if delta <= 0 => to.swap(x, y),
            _ => {
                stuck.insert(a);
                stuck.insert(b);
            }
        }
    }
}

/// The mirrored pairs of a round (A inspects B and B inspects A), each once as (smaller id,
/// larger id).
pub fn mirrored(pairs: &[Pair]) -> Vec<(i64, i64)> {
    let set: BTreeSet<(i64, i64)> = pairs.iter().map(|p| (p.inspector, p.inspected)).collect();
    set.iter()
        .filter(|(a, b)| a < b && set.contains(&(*b, *a)))
        .copied()
        .collect()
}

/// What makes a set of pairs unusable as a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PairProblem {
    /// The member would inspect itself.
    SelfInspection(i64),
    /// Nobody inspects this member.
    NotInspected(i64),
    /// This member is inspected more than once.
    InspectedTwice(i64),
    /// The inspector is not a member of the group.
    InspectorNotMember(i64),
    /// The inspected enterprise is not a member of the group.
    InspectedNotMember(i64),
}

impl PairProblem {
    /// The member the problem is about.
    pub fn member(self) -> i64 {
        match self {
            PairProblem::SelfInspection(m)
            | PairProblem::NotInspected(m)
            | PairProblem::InspectedTwice(m)
            | PairProblem::InspectorNotMember(m)
            | PairProblem::InspectedNotMember(m) => m,
        }
    }
}

/// Acceptable but worth a look: an inspector with several assignments (so someone else
/// inspects nobody this round).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeveralAssignments {
    pub inspector: i64,
    pub count: usize,
}

/// Checks pairs the committee set: every member inspected exactly once, by a member, never by
/// itself. `Ok` carries the warnings (inspectors with two or more assignments); `Err` every
/// problem found, sorted.
pub fn check_pairs(
    members: &[i64],
    pairs: &[Pair],
) -> Result<Vec<SeveralAssignments>, Vec<PairProblem>> {
    let members: BTreeSet<i64> = members.iter().copied().collect();
    let mut problems = BTreeSet::new();
    let mut inspected: BTreeMap<i64, usize> = BTreeMap::new();
    let mut load: BTreeMap<i64, usize> = BTreeMap::new();
    for p in pairs {
        if !members.contains(&p.inspected) {
            problems.insert(PairProblem::InspectedNotMember(p.inspected));
        }
        if !members.contains(&p.inspector) {
            problems.insert(PairProblem::InspectorNotMember(p.inspector));
        }
        if p.inspector == p.inspected {
            problems.insert(PairProblem::SelfInspection(p.inspected));
        }
        *inspected.entry(p.inspected).or_default() += 1;
        *load.entry(p.inspector).or_default() += 1;
    }
    for &m in &members {
        match inspected.get(&m) {
            None => {
                problems.insert(PairProblem::NotInspected(m));
            }
            Some(&c) if c > 1 => {
                problems.insert(PairProblem::InspectedTwice(m));
            }
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_iter().collect());
    }
    Ok(load
        .into_iter()
        .filter(|&(_, count)| count > 1)
        .map(|(inspector, count)| SeveralAssignments { inspector, count })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: i64) -> Vec<i64> {
        (1..=n).map(|i| i * 10).collect()
    }

    /// Appends a round to the history (the round becomes 1 round ago, the others age).
    fn remember(history: &mut Vec<PastPair>, round: &[Pair]) {
        for p in history.iter_mut() {
            p.rounds_ago += 1;
        }
        history.extend(round.iter().map(|p| PastPair {
            inspector: p.inspector,
            inspected: p.inspected,
            rounds_ago: 1,
        }));
    }

    fn as_set(round: &[Pair]) -> BTreeSet<(i64, i64)> {
        round.iter().map(|p| (p.inspector, p.inspected)).collect()
    }

    fn assert_valid(members: &[i64], round: &[Pair]) {
        assert_eq!(check_pairs(members, round), Ok(vec![]), "{round:?}");
    }

    #[test]
    fn every_member_is_inspected_once_by_someone_else_in_groups_of_2_to_12() {
        for n in 2..=12 {
            let members = ids(n);
            let round = pair_round(&members, &[]).expect("a round");
            assert_eq!(round.len(), members.len());
            assert_valid(&members, &round);
        }
    }

    #[test]
    fn a_group_of_fewer_than_two_cannot_be_paired() {
        assert_eq!(pair_round(&[], &[]), Err(PairingError::TooFewMembers));
        assert_eq!(pair_round(&[7], &[]), Err(PairingError::TooFewMembers));
        assert_eq!(pair_round(&[7, 7], &[]), Err(PairingError::TooFewMembers));
    }

    #[test]
    fn a_group_of_two_swaps_every_round() {
        let mut history = Vec::new();
        for _ in 0..3 {
            let round = pair_round(&[1, 2], &history).expect("a round");
            assert_eq!(as_set(&round), BTreeSet::from([(1, 2), (2, 1)]));
            remember(&mut history, &round);
        }
    }

    #[test]
    fn consecutive_rounds_share_no_pair_from_three_members_up() {
        for n in 3..=12 {
            let members = ids(n);
            let mut history = Vec::new();
            let mut last: Option<BTreeSet<(i64, i64)>> = None;
            for r in 0..(n + 2) {
                let round = pair_round(&members, &history).expect("a round");
                assert_valid(&members, &round);
                let now = as_set(&round);
                if let Some(prev) = &last {
                    assert!(
                        prev.is_disjoint(&now),
                        "size {n}, round {r} repeats {:?}",
                        prev.intersection(&now).collect::<Vec<_>>()
                    );
                }
                remember(&mut history, &round);
                last = Some(now);
            }
        }
    }

    #[test]
    fn a_group_of_n_uses_every_pair_once_in_n_minus_1_rounds_then_starts_over_with_the_oldest() {
        for n in 3..=12 {
            let members = ids(n);
            let mut history = Vec::new();
            let mut rounds = Vec::new();
            for _ in 0..n {
                let round = pair_round(&members, &history).expect("a round");
                remember(&mut history, &round);
                rounds.push(as_set(&round));
            }
            let k = (n - 1) as usize;
            let used: BTreeSet<(i64, i64)> = rounds[..k].iter().flatten().copied().collect();
            assert_eq!(used.len(), k * n as usize, "size {n}: a pair repeats early");
            assert_eq!(rounds[k], rounds[0], "size {n}: round n repeats the oldest");
        }
    }

    #[test]
    fn the_same_input_gives_the_same_round() {
        let members = ids(7);
        let history = vec![PastPair {
            inspector: 10,
            inspected: 20,
            rounds_ago: 1,
        }];
        let shuffled: Vec<i64> = members.iter().rev().copied().collect();
        assert_eq!(
            pair_round(&members, &history),
            pair_round(&shuffled, &history)
        );
    }

    #[test]
    fn a_first_round_has_no_mirrored_pairs_from_three_members_up() {
        for n in 3..=12 {
            let round = pair_round(&ids(n), &[]).expect("a round");
            assert_eq!(mirrored(&round), vec![], "size {n}: {round:?}");
        }
    }

    #[test]
    fn members_who_left_the_group_are_ignored_in_the_history() {
        let history = vec![
            PastPair {
                inspector: 99,
                inspected: 10,
                rounds_ago: 1,
            },
            PastPair {
                inspector: 10,
                inspected: 20,
                rounds_ago: 1,
            },
        ];
        let round = pair_round(&[10, 20, 30], &history).expect("a round");
        assert_valid(&[10, 20, 30], &round);
        assert!(!as_set(&round).contains(&(10, 20)));
    }

    fn pairs(list: &[(i64, i64)]) -> Vec<Pair> {
        list.iter()
            .map(|&(inspector, inspected)| Pair {
                inspector,
                inspected,
            })
            .collect()
    }

    #[test]
    fn check_pairs_refuses_a_self_inspection() {
        let r = check_pairs(&[1, 2, 3], &pairs(&[(2, 1), (2, 2), (1, 3)]));
        assert_eq!(r, Err(vec![PairProblem::SelfInspection(2)]));
    }

    #[test]
    fn check_pairs_refuses_a_member_inspected_twice_or_not_at_all() {
        let r = check_pairs(&[1, 2, 3], &pairs(&[(2, 1), (3, 1), (1, 2)]));
        assert_eq!(
            r,
            Err(vec![
                PairProblem::NotInspected(3),
                PairProblem::InspectedTwice(1)
            ])
        );
    }

    #[test]
    fn check_pairs_refuses_outsiders_on_either_side() {
        let r = check_pairs(&[1, 2], &pairs(&[(9, 1), (1, 2), (1, 8)]));
        assert_eq!(
            r,
            Err(vec![
                PairProblem::InspectorNotMember(9),
                PairProblem::InspectedNotMember(8)
            ])
        );
    }

    #[test]
    fn check_pairs_accepts_an_inspector_with_two_assignments_with_a_warning() {
        let r = check_pairs(&[1, 2, 3], &pairs(&[(2, 1), (1, 2), (1, 3)]));
        assert_eq!(
            r,
            Ok(vec![SeveralAssignments {
                inspector: 1,
                count: 2
            }])
        );
    }
}
