//! JWTs: HS256 only, with `iss`, `aud`, `sub`, `exp` required and validated, a short leeway.
//! The audience tells a page-cookie token ("web") from an API bearer token ("api"), so neither
//! works in the other's place. Every token names a session row, which is what revocation
//! (logout, password change) acts on.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Seconds of clock skew tolerated on `exp`.
pub const LEEWAY_SECS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Web,
    Api,
}

impl TokenKind {
    pub fn audience(self) -> &'static str {
        match self {
            TokenKind::Web => "web",
            TokenKind::Api => "api",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.audience()
    }

    /// The kind of session a token of this kind belongs to.
    pub fn session_kind(self) -> crate::domain::session::SessionKind {
        match self {
            TokenKind::Web => crate::domain::session::SessionKind::Web,
            TokenKind::Api => crate::domain::session::SessionKind::Api,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_string(),
        }
    }

    pub fn issue(
        &self,
        kind: TokenKind,
        user_id: i64,
        session_id: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: kind.audience().to_string(),
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies signature, algorithm, issuer and audience, then `exp` against `now` (the
    /// injected clock, so tests can move time). `None` for any failure.
    pub fn verify(&self, kind: TokenKind, token: &str, now: DateTime<Utc>) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[kind.audience()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // `exp` is checked below against the injected clock rather than the system time.
        validation.validate_exp = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        let claims = data.claims;
        (claims.exp + LEEWAY_SECS > now.timestamp()).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn round_trip_and_refusals() {
        let keys = TokenKeys::new(&[7u8; 32], "iss");
        let now = Utc::now();
        let t = keys
            .issue(TokenKind::Web, 5, "sid", now, now + Duration::hours(1))
            .expect("token");
        let c = keys.verify(TokenKind::Web, &t, now).expect("valid");
        assert_eq!((c.sub.as_str(), c.sid.as_str()), ("5", "sid"));
        // Wrong audience.
        assert!(keys.verify(TokenKind::Api, &t, now).is_none());
        // Expired by the injected clock.
        assert!(
            keys.verify(TokenKind::Web, &t, now + Duration::hours(2))
                .is_none()
        );
        // Other key, other issuer.
        assert!(
            TokenKeys::new(&[8u8; 32], "iss")
                .verify(TokenKind::Web, &t, now)
                .is_none()
        );
        assert!(
            TokenKeys::new(&[7u8; 32], "other")
                .verify(TokenKind::Web, &t, now)
                .is_none()
        );
    }
}
