//! A login session's kind.

coded! {
    /// What a session's token is for; a token is only accepted as its own kind.
    SessionKind(8) {
        /// A page cookie.
        Web = "web",
        /// An API bearer token.
        Api = "api",
    }
}
