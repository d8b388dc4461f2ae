//! RRSIG signature times (RFC 4034 §3.1.5, §3.2): 32-bit seconds since 1970 in serial number
//! arithmetic, written `YYYYMMDDHHmmSS` in UTC or as a plain number.
//!
//! The calendar arithmetic is the proleptic Gregorian day count (H. Hinnant's `days_from_civil`),
//! a dozen lines that do not justify a date-time dependency.

use std::fmt;

/// Parses a signature time: exactly 14 digits are `YYYYMMDDHHmmSS` in UTC, up to 10 digits are
/// seconds since 1970 (RFC 4034 §3.2 says the forms cannot be confused; BIND accepts both).
///
/// Dates after 2106-02-07 wrap modulo 2^32, as RFC 4034 §3.1.5 serial arithmetic and BIND do.
pub fn parse_sig_time(text: &[u8]) -> Result<u32, &'static str> {
    if !text.iter().all(u8::is_ascii_digit) || text.is_empty() {
        return Err("expected YYYYMMDDHHmmSS or seconds since 1970");
    }
    if text.len() <= 10 {
        let value = crate::text::parse_decimal(text).ok_or("number too large")?;
        return u32::try_from(value).map_err(|_| "seconds since 1970 must fit 32 bits");
    }
    if text.len() != 14 {
        return Err("expected 14 digits (YYYYMMDDHHmmSS) or at most 10 (seconds since 1970)");
    }
    let field = |from: usize, to: usize| -> i64 {
        text[from..to].iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'))
    };
    let (year, month, day) = (field(0, 4), field(4, 6), field(6, 8));
    let (hour, minute, second) = (field(8, 10), field(10, 12), field(12, 14));
    if year < 1970 {
        return Err("year before 1970");
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err("no such date");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("no such time of day");
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok(seconds as u32)
}

/// Writes a signature time as `YYYYMMDDHHmmSS`, reading the value as 1970 to 2106 (the same
/// choice as dnspython; BIND picks the 136-year span around the current time instead, which
/// would make output depend on the clock).
pub fn write_sig_time(f: &mut impl fmt::Write, value: u32) -> fmt::Result {
    let seconds = i64::from(value);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    write!(f, "{year:04}{month:02}{day:02}{:02}{:02}{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(value: u32) -> String {
        let mut s = String::new();
        write_sig_time(&mut s, value).unwrap();
        s
    }

    #[test]
    fn known_dates() {
        assert_eq!(parse_sig_time(b"19700101000000"), Ok(0));
        // RFC 4034 §3.3 example times.
        assert_eq!(parse_sig_time(b"20030322173103"), Ok(1_048_354_263));
        assert_eq!(parse_sig_time(b"20000229000000"), Ok(951_782_400));
        assert_eq!(text(u32::MAX), "21060207062815");
        assert_eq!(parse_sig_time(b"21060207062816"), Ok(0), "wraps past 2106");
        assert_eq!(parse_sig_time(b"1048354263"), Ok(1_048_354_263));
        assert_eq!(parse_sig_time(b"4294967295"), Ok(u32::MAX));
    }

    #[test]
    fn refuses_bad_times() {
        for bad in [
            "",
            "4294967296",
            "200303221731",
            "20030230000000",
            "19690101000000",
            "20031322000000",
            "20030322240000",
            "2003032217310x",
            "-1",
        ] {
            assert!(parse_sig_time(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn text_round_trips(value: u32) {
            prop_assert_eq!(parse_sig_time(text(value).as_bytes()), Ok(value));
        }
    }
}
