//! Telling people: where a queued email stands.

coded! {
    /// An `email_outbox` row: `pending` until sent, `failed` once the last attempt failed.
    OutboxStatus(16) {
        /// 待发送 (also between retries)
        Pending = "pending",
        /// 已发送
        Sent = "sent",
        /// 已放弃: every attempt failed.
        Failed = "failed",
    }
}
