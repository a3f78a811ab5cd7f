//! CSRF defence for page forms: a synchronizer token bound to the session (or, before login,
//! to a random per-browser cookie), derived by HMAC so nothing needs storing. Every
//! state-changing page route reads its form through `web::form::CsrfForm`, which checks it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The name of the hidden form field and of the alternative header.
pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";
/// Cookie holding the pre-login binding value.
pub const SEED_COOKIE: &str = "csrf_seed";

fn mac(secret: &[u8], binding: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    let mut m =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
    m.update(b"csrf|");
    m.update(binding.as_bytes());
    m
}

fn unreachable_hmac() -> Hmac<Sha256> {
    // `new_from_slice` only fails for fixed-size-key MACs; HMAC takes any key length.
    <Hmac<Sha256> as Mac>::new_from_slice(b"k").unwrap_or_else(|_| unreachable_hmac())
}

pub fn token(secret: &[u8], binding: &str) -> String {
    hex(&mac(secret, binding).finalize().into_bytes())
}

pub fn verify(secret: &[u8], binding: &str, presented: &str) -> bool {
    let Some(bytes) = unhex(presented) else {
        return false;
    };
    mac(secret, binding).verify_slice(&bytes).is_ok()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_to_their_session() {
        let t = token(b"secret", "session-a");
        assert!(verify(b"secret", "session-a", &t));
        assert!(!verify(b"secret", "session-b", &t));
        assert!(!verify(b"other", "session-a", &t));
        assert!(!verify(b"secret", "session-a", "zz"));
        assert!(!verify(b"secret", "session-a", ""));
    }
}
