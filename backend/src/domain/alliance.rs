//! An alliance's kind and standing in the register.

coded! {
    /// What an alliance is formed around.
    AllianceKind(16) {
        /// 行业型
        Industry = "industry",
        /// 区域型
        Regional = "regional",
        /// 园区型
        Park = "park",
        /// 村居型
        Village = "village",
    }
}

coded! {
    /// Whether an alliance still works: only an active one takes members and counts in the
    /// participation rate.
    AllianceStatus(16) {
        /// 正常
        Active = "active",
        /// 已撤销
        Dissolved = "dissolved",
    }
}
