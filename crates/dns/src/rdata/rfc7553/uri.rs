use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy, unescape_text, write_char_string};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A URI for a service (RFC 7553 §4).
///
/// Wire format: priority (u16), weight (u16), target (the rest of the RDATA, not a
/// character-string, so it may be longer than 255 octets).
///
/// The target must be at least one octet on wire and in text, as RFC 7553 §4.4 requires, though
/// BIND, Knot and ldns all load `""`. In text it must be a quoted string, as BIND and ldns
/// insist (Knot also takes a bare token); it is printed quoted with TXT-style escapes, as BIND
/// does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uri {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative share among targets of the same priority.
    pub weight: u16,
    /// The URI (RFC 3986), uninterpreted.
    pub target: Vec<u8>,
}

/// The most the target may hold once priority and weight fill their four octets.
const MAX_TARGET_LEN: usize = u16::MAX as usize - 4;

impl RecordType for Uri {
    const RTYPE: Rtype = Rtype::URI;

    fn decode(r: &mut Reader<'_>) -> Result<Uri, WireError> {
        let priority = r.u16()?;
        let weight = r.u16()?;
        if r.is_empty() {
            return Err(r.error(WireErrorKind::BadLength("URI target is empty")));
        }
        Ok(Uri { priority, weight, target: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.priority);
        w.u16(self.weight);
        w.bytes(&self.target);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Uri, TextError> {
        let priority = t.int("URI priority (0-65535)")?;
        let weight = t.int("URI weight (0-65535)")?;
        let token = t.next("URI target (a quoted string)")?;
        if !token.quoted {
            return Err(t.error_here(format!(
                "URI target `{}` must be in double quotes (RFC 7553 §4.4)",
                lossy(token.text)
            )));
        }
        let target =
            unescape_text(token.text).map_err(|m| t.error_here(format!("bad URI target: {m}")))?;
        if target.is_empty() {
            return Err(t.error_here("URI target is empty (RFC 7553 §4.4)"));
        }
        if target.len() > MAX_TARGET_LEN {
            return Err(t.error_here("URI target makes the RDATA longer than 65535 octets"));
        }
        Ok(Uri { priority, weight, target })
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.priority, self.weight)?;
        write_char_string(f, &self.target)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        // RFC 7553 §4.5.
        round_trip(
            Rtype::URI,
            "10 1 \"ftp://ftp1.example.com/public\"",
            "10 1 \"ftp://ftp1.example.com/public\"",
            "000a00016674703a2f2f667470312e6578616d706c652e636f6d2f7075626c6963",
        );
        round_trip(
            Rtype::URI,
            "65535 0 \"a\\\"b\\010 c\"",
            "65535 0 \"a\\\"b\\010 c\"",
            "ffff00006122620a2063",
        );
        let long = "x".repeat(300);
        round_trip(
            Rtype::URI,
            &format!("1 2 \"{long}\""),
            &format!("1 2 \"{long}\""),
            &format!("00010002{}", "78".repeat(300)),
        );
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::URI, "10 1 \"\"", "URI target is empty");
        rejects(Rtype::URI, "10 1 ftp://x", "must be in double quotes");
        rejects(Rtype::URI, "10 1 \"a\" \"b\"", "unexpected extra data");
        rejects(Rtype::URI, "10 1", "missing URI target");
        rejects(Rtype::URI, "65536 1 \"a\"", "bad URI priority");
        rejects(Rtype::URI, "1 -1 \"a\"", "bad URI weight");
        rejects(Rtype::URI, "\\# 4 000a0001", "not valid for type URI");
    }
}
