//! Authentication: password hashing, tokens, CSRF and the request guard.

pub mod client_ip;
pub mod csrf;
pub mod guard;
pub mod password;
pub mod token;
