//! When deposits are due (ICANN's Specification 2, Part A §1–2): a FULL deposit once a week,
//! a DIFF every other day, each describing the registry shortly after 00:00 UTC. A pure
//! decision from the deposits already made, so that a registry that was down catches up
//! with one deposit, not one per day missed, and a week without a FULL gets one at once.

use time::{Duration, OffsetDateTime, Time, Weekday};

use crate::names::Kind;

/// The weekly rhythm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The day (UTC) of the weekly FULL deposit; DIFFs the other days.
    pub full_on: Weekday,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { full_on: Weekday::Sunday }
    }
}

/// What the registry recorded of a TLD's deposits that the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Made {
    /// The latest deposit's watermark, and whether a DIFF can follow it (it has a change
    /// mark).
    pub latest: Option<(OffsetDateTime, bool)>,
    /// The latest FULL deposit's watermark.
    pub latest_full: Option<OffsetDateTime>,
}

/// The start of `now`'s UTC day.
fn midnight(now: OffsetDateTime) -> OffsetDateTime {
    now.to_offset(time::UtcOffset::UTC).replace_time(Time::MIDNIGHT)
}

/// The latest 00:00 UTC on `weekday` at or before `now`.
fn last(weekday: Weekday, now: OffsetDateTime) -> OffsetDateTime {
    let today = midnight(now);
    let back =
        (7 + today.weekday().number_days_from_monday() - weekday.number_days_from_monday()) % 7;
    today - Duration::days(i64::from(back))
}

impl Schedule {
    /// The deposit due at `now`: none when one was made since today's 00:00 UTC; a FULL
    /// when there was none since the last FULL day (or no deposit a DIFF can follow); a
    /// DIFF otherwise.
    pub fn due(&self, made: Made, now: OffsetDateTime) -> Option<Kind> {
        let today = midnight(now);
        match made.latest {
            Some((watermark, _)) if watermark >= today => None,
            Some((_, true))
                if made.latest_full.is_some_and(|full| full >= last(self.full_on, now)) =>
            {
                Some(Kind::Diff)
            }
            _ => Some(Kind::Full),
        }
    }

    /// The next 00:00 UTC after `now`, when the next deposit falls due.
    pub fn next_slot(&self, now: OffsetDateTime) -> OffsetDateTime {
        midnight(now) + Duration::days(1)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const SUNDAY: OffsetDateTime = datetime!(2026-12-06 00:00 UTC);

    fn made(latest: OffsetDateTime, full: OffsetDateTime) -> Made {
        Made { latest: Some((latest, true)), latest_full: Some(full) }
    }

    #[test]
    fn a_first_deposit_is_full() {
        let schedule = Schedule::default();
        assert_eq!(schedule.due(Made::default(), SUNDAY + Duration::days(3)), Some(Kind::Full));
    }

    #[test]
    fn one_deposit_a_day() {
        let schedule = Schedule::default();
        let monday = SUNDAY + Duration::days(1);
        // Made early today: nothing more until tomorrow.
        let today = made(monday + Duration::minutes(5), SUNDAY + Duration::minutes(3));
        assert_eq!(schedule.due(today, monday + Duration::hours(20)), None);
        assert_eq!(schedule.next_slot(monday + Duration::hours(20)), monday + Duration::days(1));
        // Yesterday's FULL: a DIFF today.
        let yesterday = made(SUNDAY + Duration::minutes(3), SUNDAY + Duration::minutes(3));
        assert_eq!(schedule.due(yesterday, monday + Duration::minutes(1)), Some(Kind::Diff));
    }

    #[test]
    fn the_full_day_brings_a_full_and_a_missed_one_is_caught_up() {
        let schedule = Schedule::default();
        let saturday = SUNDAY - Duration::days(1);
        let week_before = SUNDAY - Duration::days(7);
        let before = made(saturday + Duration::minutes(2), week_before + Duration::minutes(2));
        assert_eq!(schedule.due(before, SUNDAY + Duration::minutes(1)), Some(Kind::Full));
        // Down all Sunday: Monday makes the FULL that Sunday missed.
        assert_eq!(schedule.due(before, SUNDAY + Duration::days(1)), Some(Kind::Full));
        // Another weekday for the FULL.
        let wednesday = Schedule { full_on: Weekday::Wednesday };
        let after_full = made(SUNDAY + Duration::minutes(2), SUNDAY - Duration::days(4));
        assert_eq!(wednesday.due(after_full, SUNDAY + Duration::days(1)), Some(Kind::Diff));
        assert_eq!(wednesday.due(after_full, SUNDAY + Duration::days(3)), Some(Kind::Full));
    }

    #[test]
    fn a_deposit_no_diff_can_follow_brings_a_full() {
        let schedule = Schedule::default();
        let monday = SUNDAY + Duration::days(1);
        let old = Made { latest: Some((SUNDAY, false)), latest_full: Some(SUNDAY) };
        assert_eq!(schedule.due(old, monday), Some(Kind::Full));
    }
}
