//! A spreadsheet import batch: what it imports and how far it got.

coded! {
    /// What a batch imports.
    ImportKind(32) {
        /// 企业名录
        Enterprises = "enterprises",
    }
}

coded! {
    /// `validating` → `ready` → `committed`; `failed` when the file could not be read.
    ImportStatus(16) {
        /// 校验中
        Validating = "validating",
        /// 待确认: checked, waiting for the confirmation.
        Ready = "ready",
        /// 已导入
        Committed = "committed",
        /// 失败
        Failed = "failed",
    }
}
