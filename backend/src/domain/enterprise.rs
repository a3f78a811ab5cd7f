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
