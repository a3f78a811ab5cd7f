//! An enterprise's standing in the register.

coded! {
    /// Whether an enterprise is in business: only an active one joins alliances and counts in
    /// the participation rate.
    EnterpriseStatus(16) {
        /// 正常
        Active = "active",
        /// 已注销
        Closed = "closed",
    }
}

coded! {
    /// An enterprise's size class in the statistics.
    EnterpriseScale(16) {
        /// 规上 (规模以上)
        Above = "above",
        /// 小微
        SmallMicro = "small_micro",
    }
}

/// A number of employees as the register accepts it: 0 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Employees(i32);

impl Employees {
    pub const MAX: i32 = 1_000_000;

    /// `None` when the number is negative or above `MAX`.
    pub fn parse(n: i64) -> Option<Employees> {
        i32::try_from(n)
            .ok()
            .filter(|n| (0..=Self::MAX).contains(n))
            .map(Employees)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn employees_are_bounded() {
        assert_eq!(Employees::parse(0).map(Employees::get), Some(0));
        assert_eq!(
            Employees::parse(1_000_000).map(Employees::get),
            Some(1_000_000)
        );
        assert_eq!(Employees::parse(-1), None);
        assert_eq!(Employees::parse(1_000_001), None);
        assert_eq!(Employees::parse(i64::MAX), None);
    }
}
