//! ICANN's file names (Registry Agreement, Specification 2, Part A §5) and deposit ids.

use time::OffsetDateTime;

/// FULL or DIFF (RFC 8909 §5.1; ICANN takes no INCR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Every object.
    Full,
    /// What changed since the previous deposit.
    Diff,
}

impl Kind {
    /// The `type` attribute of `<rde:deposit>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Full => "FULL",
            Kind::Diff => "DIFF",
        }
    }

    /// The `{type}` part of a file name.
    pub fn file_part(self) -> &'static str {
        match self {
            Kind::Full => "full",
            Kind::Diff => "diff",
        }
    }

    /// The kind an `<rde:deposit type>` names.
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "FULL" => Some(Kind::Full),
            "DIFF" => Some(Kind::Diff),
            _ => None,
        }
    }
}

/// The deposit id of a deposit whose watermark is `watermark`: the watermark's unix seconds in
/// upper-case hexadecimal (RFC 8909 `\w{1,13}`; eight digits until 2106), so ids sort and name
/// the instant they describe.
pub fn deposit_id(watermark: OffsetDateTime) -> String {
    format!("{:X}", watermark.unix_timestamp().max(0))
}

/// `{tld}_{YYYY-MM-DD}_{full|diff}_S{piece}_R{resend}` without extension; `tld` is the A-label.
pub fn base_name(
    tld: &str,
    watermark: OffsetDateTime,
    kind: Kind,
    piece: u32,
    resend: u32,
) -> String {
    let date = watermark.date();
    format!(
        "{tld}_{:04}-{:02}-{:02}_{}_S{piece}_R{resend}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        kind.file_part()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn file_names_follow_specification_2() {
        let at = datetime!(2026-12-06 00:00 UTC);
        assert_eq!(base_name("test", at, Kind::Full, 1, 0), "test_2026-12-06_full_S1_R0");
        assert_eq!(base_name("xn--p1ai", at, Kind::Diff, 2, 3), "xn--p1ai_2026-12-06_diff_S2_R3");
        assert_eq!(deposit_id(at), "6B14A580");
    }
}
