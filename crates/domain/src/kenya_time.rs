//! Kenya's day. Officers, outreach plans and reports speak of days in East Africa Time (UTC+3,
//! no daylight saving); stored times stay in UTC. Pure functions: the caller reads the clock.

use time::{Date, OffsetDateTime, UtcOffset};

/// East Africa Time.
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_kenyan_day_starts_at_nine_pm_utc_the_evening_before() {
        assert_eq!(kenyan_date(datetime!(2026-12-06 20:59 UTC)), time::macros::date!(2026 - 12 - 06));
        assert_eq!(kenyan_date(datetime!(2026-12-06 21:00 UTC)), time::macros::date!(2026 - 12 - 07));
        let (start, end) = kenyan_day_bounds(time::macros::date!(2026 - 12 - 07));
        assert_eq!(start, datetime!(2026-12-06 21:00 UTC));
        assert_eq!(end, datetime!(2026-12-07 21:00 UTC));
    }
}
