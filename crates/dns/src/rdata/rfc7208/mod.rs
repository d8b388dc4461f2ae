//! The SPF record type of RFC 7208.

use crate::rdata::rfc1035::TextStrings;
use crate::rtype::Rtype;

/// A Sender Policy Framework record (RFC 7208 §3.1, type 99): text strings laid out exactly as
/// TXT. RFC 7208 §14.1 deprecates the type, but zones still carry it next to the TXT copy.
pub type Spf = TextStrings<{ Rtype::SPF.0 }>;

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::SPF,
            "\"v=spf1 -all\" two",
            "\"v=spf1 -all\" \"two\"",
            "0b763d73706631202d616c6c0374776f",
        );
        round_trip(Rtype::SPF, "\"\"", "\"\"", "00");
    }

    #[test]
    fn is_its_own_variant() {
        assert!(matches!(parse(Rtype::SPF, "a").unwrap(), RecordData::Spf(_)));
        assert!(matches!(parse(Rtype::TXT, "a").unwrap(), RecordData::Txt(_)));
    }

    #[test]
    fn rejects_overlong_strings() {
        rejects(Rtype::SPF, &"a".repeat(256), "longer than 255");
        rejects(Rtype::SPF, "\\# 2 0261", "not valid for type SPF");
    }
}
