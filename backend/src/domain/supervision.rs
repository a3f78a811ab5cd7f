//! 挂牌督办: where a listing stands.

coded! {
    /// A listing is `listed` until a passed on-site review (or a withdrawn finding) releases it.
    SupervisionStatus(16) {
        /// 督办中
        Listed = "listed",
        /// 已销号
        Released = "released",
    }
}

coded! {
    /// The on-site review (核销) of a listed hazard's rectification.
    ReviewResult(16) {
        /// 通过: the listing is released.
        Passed = "passed",
        /// 不通过
        Failed = "failed",
    }
}
