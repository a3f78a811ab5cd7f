//! What every service needs: the database, the clock, settings, the token keys and the file
//! storage. No HTTP.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::token::TokenKeys;
use crate::calendar::Calendar;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::storage::SharedStorage;

#[derive(Clone)]
pub struct Core {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The clock read in the configured zone: local "today", local times.
    pub calendar: Calendar,
    pub settings: Arc<Settings>,
    pub keys: Arc<TokenKeys>,
    /// HMAC key for CSRF tokens.
    pub secret: Arc<Vec<u8>>,
    /// Where uploaded files live (local folder or S3-compatible bucket).
    pub storage: SharedStorage,
    /// Photos decoded at once (`storage.decode_concurrency`): `services::files::prepare_async`.
    pub decode_permits: Arc<tokio::sync::Semaphore>,
    /// Lists whose bounded count lately reached the bound (`services::keyset`).
    pub counts: Arc<crate::services::keyset::CountCache>,
}

impl Core {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Today's date in the configured zone: the date deadlines and "this month" count from.
    pub fn today(&self) -> chrono::NaiveDate {
        self.calendar.today()
    }

    /// The same core reading "now" from another clock: the demo history plays past days on a
    /// `ManualClock` with it (`services::seed_history`).
    pub fn with_clock(&self, clock: SharedClock) -> Core {
        Core {
            calendar: Calendar::new(clock.clone(), self.calendar.zone()),
            clock,
            ..self.clone()
        }
    }
}
