//! 三色标签: how an enterprise's safety score and its green / yellow / red label follow from the
//! bureau's rules and the enterprise's hazards. Pure rules, no I/O; `services::labels` counts
//! the facts in SQL and stores the result.
//!
//! - The score starts at `base` and loses `per_general` for each open general hazard,
//!   `per_major` for each open major hazard and `per_overdue_day` for each day each hazard is
//!   overdue; it gains `timely_bonus` for each hazard closed on time in the last 365 days. The
//!   result is kept inside `0..=base`: a bonus makes up for points lost, it never lifts a score
//!   above the base.
//! - Green at `green_min` or above, yellow at `yellow_min` or above, red below (the seed's
//!   practice: 明确赋分规则，实行红、黄、绿三色标签示警、动态监管).
//! - Rules are set per region and apply to its subtree unless a region below has its own
//!   (the same inheritance as participation targets); without any, the defaults below.
//!
//! The defaults: 100 points; 3 off per open general hazard and 20 per open major one (so one
//! major hazard turns a clean enterprise yellow); 1 per overdue day; 2 back per timely closure;
//! green from 85, yellow from 60. A month overdue on one general hazard (100 − 3 − 30 = 67) is
//! yellow, two months red.

use serde::{Deserialize, Serialize};

use super::hazard_flow::HazardState;
use super::region_path;

/// Open hazards: not yet closed, and not withdrawn.
pub const OPEN_STATES: &[HazardState] = &[
    HazardState::Reported,
    HazardState::Disputed,
    HazardState::Rectifying,
    HazardState::AwaitingVerification,
];
/// States in which the deadline runs (overdue when it has passed): 待确认 and 整改中. A
/// disputed finding or evidence waiting for verification is not the enterprise's delay.
pub const DEADLINE_STATES: &[HazardState] = &[HazardState::Reported, HazardState::Rectifying];
/// Timely closures count over this many days back.
pub const TIMELY_WINDOW_DAYS: i64 = 365;

/// The bureau's scoring rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rules {
    /// Points of an enterprise without findings (the highest score).
    pub base: i32,
    /// Points off per open general hazard (一般隐患).
    pub per_general: i32,
    /// Points off per open major hazard (重大隐患).
    pub per_major: i32,
    /// Points off per day overdue, per hazard.
    pub per_overdue_day: i32,
    /// Points back per hazard closed by its deadline in the last 365 days.
    pub timely_bonus: i32,
    /// Green at or above this score.
    pub green_min: i32,
    /// Yellow at or above this score (and below `green_min`); red below.
    pub yellow_min: i32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            base: 100,
            per_general: 3,
            per_major: 20,
            per_overdue_day: 1,
            timely_bonus: 2,
            green_min: 85,
            yellow_min: 60,
        }
    }
}

impl Rules {
    /// The field names, in form order.
    pub const FIELDS: [&'static str; 7] = [
        "base",
        "per_general",
        "per_major",
        "per_overdue_day",
        "timely_bonus",
        "green_min",
        "yellow_min",
    ];

    /// The rules from one value per field (in `FIELDS` order); `None` where nothing usable was
    /// given. Errors are `(field, message key)`: every value a whole number 0..=100, the base
    /// above zero, green above yellow, and green reachable (at most the base).
    pub fn build(values: [Option<i64>; 7]) -> Result<Rules, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let mut got = [0i32; 7];
        for (i, v) in values.iter().enumerate() {
            match v {
                None => errors.push((Self::FIELDS[i], "labels.number_required")),
                Some(n) if !(0..=100).contains(n) => {
                    errors.push((Self::FIELDS[i], "labels.out_of_range"))
                }
                Some(n) => got[i] = *n as i32,
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let [
            base,
            per_general,
            per_major,
            per_overdue_day,
            timely_bonus,
            green_min,
            yellow_min,
        ] = got;
        let rules = Rules {
            base,
            per_general,
            per_major,
            per_overdue_day,
            timely_bonus,
            green_min,
            yellow_min,
        };
        if base == 0 {
            errors.push(("base", "labels.base_zero"));
        }
        if green_min <= yellow_min {
            errors.push(("green_min", "labels.green_not_above_yellow"));
        }
        if green_min > base {
            errors.push(("green_min", "labels.green_above_base"));
        }
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }

    /// Stored rules, checked again (a row written by hand that breaks them is not used).
    pub fn from_stored(values: [i32; 7]) -> Option<Rules> {
        Rules::build(values.map(|v| Some(i64::from(v)))).ok()
    }

    /// The values in `FIELDS` order.
    pub fn values(&self) -> [i32; 7] {
        [
            self.base,
            self.per_general,
            self.per_major,
            self.per_overdue_day,
            self.timely_bonus,
            self.green_min,
            self.yellow_min,
        ]
    }
}

/// What the score is computed from, for one enterprise at one date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    pub open_general: i64,
    pub open_major: i64,
    /// Days overdue, summed over the enterprise's overdue hazards.
    pub overdue_days: i64,
    /// Hazards closed by their deadline in the last 365 days.
    pub timely_closures: i64,
}

/// The score: base less penalties plus bonus, kept inside `0..=base`.
pub fn score(rules: &Rules, facts: &Facts) -> i32 {
    let off = facts.open_general.max(0) * i64::from(rules.per_general)
        + facts.open_major.max(0) * i64::from(rules.per_major)
        + facts.overdue_days.max(0) * i64::from(rules.per_overdue_day);
    let back = facts.timely_closures.max(0) * i64::from(rules.timely_bonus);
    let base = i64::from(rules.base);
    (base - off + back).clamp(0, base) as i32
}

/// 三色标签.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Green,
    Yellow,
    Red,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Green, Label::Yellow, Label::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Green => "green",
            Label::Yellow => "yellow",
            Label::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Label> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The codes, for filters and selects.
    pub fn codes() -> [&'static str; 3] {
        Self::ALL.map(Label::as_str)
    }
}

/// The label of a score under the rules.
pub fn label(rules: &Rules, score: i32) -> Label {
    if score >= rules.green_min {
        Label::Green
    } else if score >= rules.yellow_min {
        Label::Yellow
    } else {
        Label::Red
    }
}

/// Where a region's rules come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RulesOrigin {
    /// Set on this region.
    Own,
    /// Set on an ancestor region.
    Inherited,
    /// Nobody set any: the defaults.
    Default,
}

/// The rules that apply at `path`, from the rules set on regions (`(region path, rules)`):
/// its own, else its nearest ancestor's, else the defaults — as participation targets.
pub fn effective(path: &str, set: &[(String, Rules)]) -> (Rules, RulesOrigin) {
    let nearest = set
        .iter()
        .filter(|(p, _)| region_path::contains(p, path))
        .max_by_key(|(p, _)| p.len());
    match nearest {
        Some((p, r)) if p == path => (*r, RulesOrigin::Own),
        Some((_, r)) => (*r, RulesOrigin::Inherited),
        None => (Rules::default(), RulesOrigin::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(open_general: i64, open_major: i64, overdue_days: i64, timely: i64) -> Facts {
        Facts {
            open_general,
            open_major,
            overdue_days,
            timely_closures: timely,
        }
    }

    #[test]
    fn the_score_is_the_base_less_penalties_plus_bonus() {
        let r = Rules::default();
        assert_eq!(score(&r, &Facts::default()), 100);
        assert_eq!(score(&r, &facts(1, 0, 0, 0)), 97);
        assert_eq!(score(&r, &facts(2, 1, 0, 0)), 74);
        assert_eq!(score(&r, &facts(1, 0, 30, 0)), 67);
        assert_eq!(score(&r, &facts(3, 1, 10, 4)), 100 - 9 - 20 - 10 + 8);
    }

    #[test]
    fn the_score_stays_between_zero_and_the_base() {
        let r = Rules::default();
        // A bonus makes up for lost points but never lifts above the base.
        assert_eq!(score(&r, &facts(0, 0, 0, 50)), 100);
        assert_eq!(score(&r, &facts(1, 0, 0, 5)), 100);
        assert_eq!(score(&r, &facts(5, 0, 0, 5)), 95);
        assert_eq!(score(&r, &facts(0, 10, 400, 0)), 0);
        let small = Rules {
            base: 60,
            green_min: 50,
            yellow_min: 30,
            ..Rules::default()
        };
        assert_eq!(score(&small, &facts(0, 0, 0, 3)), 60);
    }

    #[test]
    fn labels_change_exactly_at_the_thresholds() {
        let r = Rules::default();
        assert_eq!(label(&r, 100), Label::Green);
        assert_eq!(label(&r, 85), Label::Green);
        assert_eq!(label(&r, 84), Label::Yellow);
        assert_eq!(label(&r, 60), Label::Yellow);
        assert_eq!(label(&r, 59), Label::Red);
        assert_eq!(label(&r, 0), Label::Red);
        // One major hazard turns a clean enterprise yellow; a month overdue is still yellow,
        // two months red.
        assert_eq!(label(&r, score(&r, &facts(0, 1, 0, 0))), Label::Yellow);
        assert_eq!(label(&r, score(&r, &facts(1, 0, 30, 0))), Label::Yellow);
        assert_eq!(label(&r, score(&r, &facts(1, 0, 60, 0))), Label::Red);
        // Five general hazards: 85, still green; the sixth: yellow.
        assert_eq!(label(&r, score(&r, &facts(5, 0, 0, 0))), Label::Green);
        assert_eq!(label(&r, score(&r, &facts(6, 0, 0, 0))), Label::Yellow);
    }

    #[test]
    fn labels_parse_from_their_codes() {
        for l in Label::ALL {
            assert_eq!(Label::parse(l.as_str()), Some(l));
        }
        assert_eq!(Label::codes(), ["green", "yellow", "red"]);
        assert_eq!(Label::parse("Green"), None);
        assert_eq!(Label::parse(""), None);
    }

    #[test]
    fn rules_are_whole_numbers_up_to_100_with_green_above_yellow() {
        let ok = Rules::build([100, 3, 20, 1, 2, 85, 60].map(Some));
        assert_eq!(ok, Ok(Rules::default()));
        assert!(Rules::build([100, 0, 0, 0, 0, 100, 99].map(Some)).is_ok());
        assert_eq!(
            Rules::build([
                Some(101),
                Some(-1),
                None,
                Some(1),
                Some(2),
                Some(85),
                Some(60)
            ]),
            Err(vec![
                ("base", "labels.out_of_range"),
                ("per_general", "labels.out_of_range"),
                ("per_major", "labels.number_required"),
            ])
        );
        assert_eq!(
            Rules::build([100, 3, 20, 1, 2, 60, 60].map(Some)),
            Err(vec![("green_min", "labels.green_not_above_yellow")])
        );
        assert_eq!(
            Rules::build([80, 3, 20, 1, 2, 85, 60].map(Some)),
            Err(vec![("green_min", "labels.green_above_base")])
        );
        assert_eq!(
            Rules::build([0, 3, 20, 1, 2, 1, 0].map(Some)),
            Err(vec![
                ("base", "labels.base_zero"),
                ("green_min", "labels.green_above_base"),
            ])
        );
        assert_eq!(
            Rules::from_stored(Rules::default().values()),
            Some(Rules::default())
        );
        assert_eq!(Rules::from_stored([100, 3, 20, 1, 2, 50, 60]), None);
    }

    #[test]
    fn rules_apply_down_the_tree_unless_a_region_below_has_its_own() {
        let city = Rules {
            per_general: 5,
            ..Rules::default()
        };
        let town = Rules {
            per_general: 1,
            ..Rules::default()
        };
        let set = vec![
            ("/330381/".to_string(), city),
            ("/330381/330381101/".to_string(), town),
        ];
        assert_eq!(effective("/330381/", &set), (city, RulesOrigin::Own));
        assert_eq!(
            effective("/330381/330381102/", &set),
            (city, RulesOrigin::Inherited)
        );
        assert_eq!(
            effective("/330381/330381101/330381101201/", &set),
            (town, RulesOrigin::Inherited)
        );
        assert_eq!(
            effective("/330381/330381101/", &set),
            (town, RulesOrigin::Own)
        );
        assert_eq!(
            effective("/330382/", &set),
            (Rules::default(), RulesOrigin::Default)
        );
    }
}
