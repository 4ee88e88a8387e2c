//! Time as a dependency, so lockout delays and idle locks can be tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

pub use fieldkit_domain::kenya_time::{EAST_AFRICA, kenyan_date, kenyan_day_bounds};

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
