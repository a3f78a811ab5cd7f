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
