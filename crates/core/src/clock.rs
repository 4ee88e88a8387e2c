//! Time as a dependency, so lockout delays and idle locks can be tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Date, OffsetDateTime, UtcOffset};

/// Kenya's time (EAT, UTC+3, no daylight saving): the days officers, outreach plans and reports
/// speak of. Stored times stay in UTC.
pub const EAST_AFRICA: UtcOffset = time::macros::offset!(+3);

/// The calendar day in Kenya at `at`.
pub fn kenyan_date(at: OffsetDateTime) -> Date {
    at.to_offset(EAST_AFRICA).date()
}

/// The first instant of `date` in Kenya, in UTC, and that of the next day.
pub fn kenyan_day_bounds(date: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start = date.midnight().assume_offset(EAST_AFRICA).to_offset(UtcOffset::UTC);
    (start, start + time::Duration::days(1))
}

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock, in UTC.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    unix_millis: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn starting_at(at: OffsetDateTime) -> Self {
        let millis = (at.unix_timestamp_nanos() / 1_000_000) as i64;
        ManualClock { unix_millis: Arc::new(AtomicI64::new(millis)) }
    }

    pub fn advance(&self, by: std::time::Duration) {
        self.unix_millis.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let nanos = i128::from(self.unix_millis.load(Ordering::SeqCst)) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}
