//! Local time: the injected clock read in the configured zone (`time_zone`, default
//! `Asia/Shanghai`). Instants are stored and sent in UTC; every calendar date the portal
//! reckons with — "today" for deadlines, overdue days, reminders, scores, "this month" — and
//! every time it shows is local. This is the one place that turns an instant into a date.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::clock::SharedClock;

/// The zone used when none is configured: 瑞安 and the rest of China.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// An IANA zone name (`Asia/Shanghai`, `UTC` …); unknown names are refused.
pub fn parse_zone(name: &str) -> anyhow::Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        anyhow::anyhow!(
            "time_zone: unknown time zone {name:?} (an IANA name such as Asia/Shanghai)"
        )
    })
}

/// "Now" and "today" in the portal's zone.
#[derive(Clone)]
pub struct Calendar {
    clock: SharedClock,
    tz: Tz,
}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar").field("tz", &self.tz).finish()
    }
}

impl Calendar {
    pub fn new(clock: SharedClock, tz: Tz) -> Self {
        Calendar { clock, tz }
    }

    pub fn zone(&self) -> Tz {
        self.tz
    }

    /// The current instant (UTC), as stored.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The current wall-clock time in the zone.
    pub fn now_local(&self) -> DateTime<Tz> {
        self.local(self.now())
    }

    /// Today's date in the zone.
    pub fn today(&self) -> NaiveDate {
        self.local_date_of(self.now())
    }

    /// An instant on the zone's wall clock.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.tz)
    }

    /// The zone's date at an instant.
    pub fn local_date_of(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date_naive()
    }

    /// The instant the local day `date` begins (its first existing minute where a
    /// daylight-saving change skips midnight).
    pub fn start_of_local_day_utc(&self, date: NaiveDate) -> DateTime<Utc> {
        (0..24 * 60)
            .find_map(|m| {
                let t = NaiveTime::MIN + chrono::Duration::minutes(m);
                self.tz.from_local_datetime(&date.and_time(t)).earliest()
            })
            .map_or_else(|| date.and_time(NaiveTime::MIN).and_utc(), |t| t.to_utc())
    }

    /// The first and the last day of the local month that holds `date`.
    pub fn month_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let first = date.with_day(1).unwrap_or(date);
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .unwrap_or(date);
        (first, last)
    }

    /// This local month as instants: from its first moment (inclusive) to the next month's
    /// first moment (exclusive), for filtering stored UTC times.
    pub fn this_month_utc(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let (first, last) = Self::month_of(self.today());
        let next = last.checked_add_days(Days::new(1)).unwrap_or(last);
        (
            self.start_of_local_day_utc(first),
            self.start_of_local_day_utc(next),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::ManualClock;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.to_utc())
            .unwrap_or_default()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn calendar(zone: &str, now: &str) -> Calendar {
        let tz = parse_zone(zone).unwrap_or(Tz::UTC);
        Calendar::new(Arc::new(ManualClock::new(at(now))), tz)
    }

    #[test]
    fn late_evening_utc_is_the_next_morning_in_shanghai() {
        let c = calendar("Asia/Shanghai", "2026-11-30T23:30:00Z");
        assert_eq!(c.today(), day("2026-12-01"));
        assert_eq!(
            c.now_local().format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-01 07:30"
        );
        let utc = calendar("UTC", "2026-11-30T23:30:00Z");
        assert_eq!(utc.today(), day("2026-11-30"), "the key acts");
    }

    #[test]
    fn the_local_date_of_an_instant_changes_at_local_midnight() {
        let c = calendar("Asia/Shanghai", "2026-12-01T00:00:00Z");
        assert_eq!(
            c.local_date_of(at("2026-12-01T15:59:59Z")),
            day("2026-12-01")
        );
        assert_eq!(
            c.local_date_of(at("2026-12-01T16:00:00Z")),
            day("2026-12-02")
        );
    }

    #[test]
    fn a_local_day_begins_at_its_local_midnight() {
        let c = calendar("Asia/Shanghai", "2026-12-01T00:00:00Z");
        assert_eq!(
            c.start_of_local_day_utc(day("2026-12-01")),
            at("2026-11-30T16:00:00Z")
        );
        // Havana skips midnight on the day summer time begins (2026-03-08): the day begins
        // at its first existing minute, 01:00 local.
        let h = calendar("America/Havana", "2026-03-08T12:00:00Z");
        assert_eq!(
            h.start_of_local_day_utc(day("2026-03-08")),
            at("2026-03-08T05:00:00Z")
        );
    }

    #[test]
    fn this_month_at_the_end_of_a_utc_month_is_the_next_local_month() {
        let c = calendar("Asia/Shanghai", "2026-11-30T23:30:00Z");
        assert_eq!(
            c.this_month_utc(),
            (at("2026-11-30T16:00:00Z"), at("2026-12-31T16:00:00Z"))
        );
        let utc = calendar("UTC", "2026-11-30T23:30:00Z");
        assert_eq!(
            utc.this_month_utc(),
            (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"))
        );
        assert_eq!(
            Calendar::month_of(day("2028-02-10")),
            (day("2028-02-01"), day("2028-02-29"))
        );
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(parse_zone("Asia/Shanghai").is_ok());
        assert!(parse_zone("UTC").is_ok());
        let err = parse_zone("Mars/Olympus").err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("Mars/Olympus")));
    }
}
