//! 参盟率: the rules behind the participation figures, without I/O — how a rate is written,
//! which target applies to a region, whether a region meets it, what a valid target is.
//!
//! - A rate is the share of enterprises in at least one active alliance, in percent with one
//!   decimal, **truncated** (never rounded up): a region that shows 80.0% has really reached
//!   80%, so "shown rate ≥ target" and "met" always agree.
//! - A target is a whole percent 0..=100 set by the bureau on a region; it applies to the
//!   region's whole subtree unless a descendant has its own. Without any, 80 (the seed: 80% of
//!   small and micro enterprises in alliances).
//! - A region meets its target when its small and micro enterprises' rate (the seed's target is
//!   about SMEs) is at least the target; a region without SMEs has nothing to measure.

use serde::Serialize;

/// The target when neither the region nor any ancestor has one.
pub const DEFAULT_TARGET: u8 = 80;

/// `part / whole` in percent, one decimal, truncated; `None` when `whole` is 0.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let tenths = part.min(whole).saturating_mul(1000) / whole;
    Some(tenths as f64 / 10.0)
}

/// Whether `part / whole` reaches `target` percent (exactly, without rounding); `None` when
/// there is nothing to measure.
pub fn meets(part: u64, whole: u64, target: TargetPercent) -> Option<bool> {
    (whole > 0).then(|| part.saturating_mul(100) >= u64::from(target.get()).saturating_mul(whole))
}

/// A participation target: a whole percent in 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TargetPercent(u8);

impl TargetPercent {
    /// Parses what a user typed: an integer 0..=100, surrounding spaces allowed. The error is
    /// the catalog key of the message.
    pub fn parse(text: &str) -> Result<TargetPercent, &'static str> {
        let t = text.trim();
        if t.is_empty() {
            return Err("participation.percent_required");
        }
        if !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 3 {
            return Err("participation.bad_percent");
        }
        match t.parse::<u8>() {
            Ok(n) if n <= 100 => Ok(TargetPercent(n)),
            _ => Err("participation.bad_percent"),
        }
    }

    /// A stored value; anything outside 0..=100 is refused.
    pub fn from_stored(n: i64) -> Option<TargetPercent> {
        u8::try_from(n)
            .ok()
            .filter(|n| *n <= 100)
            .map(TargetPercent)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for TargetPercent {
    fn default() -> Self {
        TargetPercent(DEFAULT_TARGET)
    }
}

/// Where a region's target comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetOrigin {
    /// Set on this region.
    Own,
    /// Set on an ancestor region.
    Inherited,
    /// Nobody set one: the default, 80.
    Default,
}

/// The target that applies to the region at `path`, from the targets set on regions
/// (`(region path, target)`): its own, else its nearest ancestor's, else the default.
pub fn effective_target(
    path: &str,
    targets: &[(String, TargetPercent)],
) -> (TargetPercent, TargetOrigin) {
    let nearest = targets
        .iter()
        .filter(|(p, _)| super::region_path::contains(p, path))
        .max_by_key(|(p, _)| p.len());
    match nearest {
        Some((p, t)) if p == path => (*t, TargetOrigin::Own),
        Some((_, t)) => (*t, TargetOrigin::Inherited),
        None => (TargetPercent::default(), TargetOrigin::Default),
    }
}

/// Enterprise counts of one region (or of part of it, before they are added up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub enterprises: u64,
    pub in_alliance: u64,
    pub small_micro: u64,
    pub small_micro_in_alliance: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.enterprises += other.enterprises;
        self.in_alliance += other.in_alliance;
        self.small_micro += other.small_micro;
        self.small_micro_in_alliance += other.small_micro_in_alliance;
    }
}

/// Adds counts kept per region path (`(path, counts)`, as one `GROUP BY region_path` gives
/// them) up to each of `regions` (paths): a region gets every row at or under its path.
pub fn tally(rows: &[(String, Counts)], regions: &[&str]) -> Vec<Counts> {
    regions
        .iter()
        .map(|region| {
            let mut total = Counts::default();
            for (path, c) in rows {
                if super::region_path::contains(region, path) {
                    total.add(c);
                }
            }
            total
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: u8) -> TargetPercent {
        TargetPercent(n)
    }

    #[test]
    fn rates_have_one_decimal_and_are_never_rounded_up() {
        assert_eq!(rate(31, 40), Some(77.5));
        assert_eq!(rate(22, 29), Some(75.8)); // 75.86…
        assert_eq!(rate(6, 7), Some(85.7)); // 85.71…
        assert_eq!(rate(2, 3), Some(66.6)); // 66.66…, not 66.7
        assert_eq!(rate(7, 7), Some(100.0));
        assert_eq!(rate(0, 2), Some(0.0));
        assert_eq!(rate(0, 0), None);
        // 79.96% shows as 79.9%, and does not meet 80.
        assert_eq!(rate(7996, 10000), Some(79.9));
        assert_eq!(meets(7996, 10000, t(80)), Some(false));
    }

    #[test]
    fn a_target_is_met_at_or_above_it_and_not_measured_without_enterprises() {
        assert_eq!(meets(8, 10, t(80)), Some(true));
        assert_eq!(meets(7, 10, t(80)), Some(false));
        assert_eq!(meets(22, 29, t(80)), Some(false));
        assert_eq!(meets(22, 29, t(75)), Some(true));
        assert_eq!(meets(0, 3, t(0)), Some(true));
        assert_eq!(meets(3, 3, t(100)), Some(true));
        assert_eq!(meets(0, 0, t(80)), None);
    }

    #[test]
    fn targets_parse_as_whole_percents_from_0_to_100() {
        assert_eq!(TargetPercent::parse("85"), Ok(t(85)));
        assert_eq!(TargetPercent::parse(" 0 "), Ok(t(0)));
        assert_eq!(TargetPercent::parse("100"), Ok(t(100)));
        assert_eq!(TargetPercent::parse("007"), Ok(t(7)));
        for bad in [
            "101",
            "-1",
            "abc",
            "85.5",
            "8e1",
            "+5",
            "1000",
            "２０",
            "99999999999",
        ] {
            assert_eq!(
                TargetPercent::parse(bad),
                Err("participation.bad_percent"),
                "{bad}"
            );
        }
        assert_eq!(
            TargetPercent::parse("  "),
            Err("participation.percent_required")
        );
        assert_eq!(TargetPercent::from_stored(100), Some(t(100)));
        assert_eq!(TargetPercent::from_stored(101), None);
        assert_eq!(TargetPercent::from_stored(-1), None);
        assert_eq!(TargetPercent::default(), t(80));
    }

    #[test]
    fn the_nearest_target_up_the_tree_applies() {
        let city = "/330381/";
        let tangxia = "/330381/330381101/";
        let hantian = "/330381/330381101/330381101201/";
        let mayu = "/330381/330381104/";
        assert_eq!(
            effective_target(tangxia, &[]),
            (t(80), TargetOrigin::Default)
        );
        let targets = vec![(city.to_string(), t(85))];
        assert_eq!(effective_target(city, &targets), (t(85), TargetOrigin::Own));
        assert_eq!(
            effective_target(tangxia, &targets),
            (t(85), TargetOrigin::Inherited)
        );
        let targets = vec![(city.to_string(), t(85)), (tangxia.to_string(), t(90))];
        assert_eq!(
            effective_target(tangxia, &targets),
            (t(90), TargetOrigin::Own)
        );
        assert_eq!(
            effective_target(hantian, &targets),
            (t(90), TargetOrigin::Inherited)
        );
        assert_eq!(
            effective_target(mayu, &targets),
            (t(85), TargetOrigin::Inherited)
        );
        assert_eq!(effective_target(city, &targets), (t(85), TargetOrigin::Own));
        // A sibling whose code shares a prefix passes nothing on.
        let targets = vec![("/330381/33038110/".to_string(), t(50))];
        assert_eq!(
            effective_target(tangxia, &targets),
            (t(80), TargetOrigin::Default)
        );
    }

    #[test]
    fn counts_per_path_add_up_to_each_region() {
        let c = |e, i, s, si| Counts {
            enterprises: e,
            in_alliance: i,
            small_micro: s,
            small_micro_in_alliance: si,
        };
        let rows = vec![
            ("/1/11/".to_string(), c(2, 1, 1, 0)),
            ("/1/11/111/".to_string(), c(3, 3, 2, 2)),
            ("/1/12/".to_string(), c(4, 0, 4, 0)),
            ("/1/".to_string(), c(1, 1, 0, 0)),
        ];
        let got = tally(&rows, &["/1/", "/1/11/", "/1/12/", "/1/13/"]);
        assert_eq!(got[0], c(10, 5, 7, 2));
        assert_eq!(got[1], c(5, 4, 3, 2));
        assert_eq!(got[2], c(4, 0, 4, 0));
        assert_eq!(got[3], Counts::default());
    }
}
