//! What every service needs: the database, the clock, settings and the token keys. No HTTP.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::token::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Settings;

#[derive(Clone)]
pub struct Core {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub settings: Arc<Settings>,
    pub keys: Arc<TokenKeys>,
    /// HMAC key for CSRF tokens.
    pub secret: Arc<Vec<u8>>,
}

impl Core {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
