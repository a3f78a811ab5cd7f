//! 挂牌督办: the bureau's supervision list. A major hazard goes on it the moment it is reported
//! (`list_major`, inside the report's transaction); a hazard long overdue (or a major one past
//! its deadline) is escalated onto it by the scheduled job (`escalate`). One row per hazard
//! (unique `hazard_id`, inserted with ON CONFLICT DO NOTHING, so a race lists it once).
//!
//! Who sees the list: the bureau inside its region subtree (`region_path` prefix, copied from
//! the hazard), the system admin everything, nobody else. The bureau sets the supervising unit,
//! the responsible unit and the supervision deadline (督办期限); the rectification loop records
//! the on-site review (核销) and releases the listing.
//!
//! Overdue is derived, never stored: a hazard whose deadline runs (待确认 or 整改中) and whose
//! rectification deadline lies before today; the list shows the days.

mod queries;
mod write;

pub use queries::*;
pub use write::*;

/// Why a hazard is listed.
pub const REASON_MAJOR: &str = "major";
pub const REASON_OVERDUE: &str = "overdue";
/// The timeline actions written here.
pub const EVENT_SUPERVISE: &str = "supervise";
pub const EVENT_DEADLINE: &str = "supervision_deadline";
/// The listing released because the finding was withdrawn.
pub const EVENT_RELEASE: &str = "supervision_release";

pub(crate) const MAX_UNIT: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hazard_flow::HazardState;
    use crate::scope::Scope;

    #[test]
    fn the_deadline_runs_while_reported_or_rectifying() {
        assert_eq!(
            running_states(),
            vec![HazardState::Reported, HazardState::Rectifying]
        );
    }

    #[test]
    fn only_the_bureau_and_the_admin_see_listings() {
        let enterprise = Scope::Enterprise {
            enterprise_id: 1,
            region_path: "/330381/".into(),
        };
        let region = Scope::Region {
            region_id: 1,
            path: "/330381/330381101/".into(),
        };
        assert!(format!("{:?}", crate::scope::supervisions(&enterprise)).contains("1 = 0"));
        let town = format!("{:?}", crate::scope::supervisions(&region));
        assert!(town.contains("\"/330381/330381101/\""), "{town}");
        assert!(town.contains("\"/330381/3303811010\""), "{town}");
        assert!(!format!("{:?}", crate::scope::supervisions(&Scope::System)).contains("1 = 0"));
    }
}
