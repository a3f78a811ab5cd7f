//! Authentication: password hashing, tokens, CSRF and the request guard.

pub mod csrf;
pub mod guard;
pub mod password;
pub mod token;
