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
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(b"csrf|");
    m.update(binding.as_bytes());
    m
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

/// The bytes of a lower- or upper-case hex text (`hex`'s inverse); `None` when it is not one.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
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
