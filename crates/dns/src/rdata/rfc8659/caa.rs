use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy, unescape_text, write_char_string};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// Which certification authorities may issue for a name (RFC 8659 §4.1).
///
/// Wire format: flags (u8), tag length (u8), tag, value (the rest of the RDATA, so it may be
/// longer than 255 octets).
///
/// The tag must be 1 to 15 ASCII letters and digits. RFC 8659 only says SHOULD for the upper
/// bound, but no tag is registered above it and a longer one is almost surely a typo; BIND and
/// ldns refuse other characters and an empty tag, so this refuses both on wire and in text.
/// The tag keeps its case (tags match without case, RFC 8659 §4.1). Flags are any octet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caa {
    /// Flags; bit 0x80 is Issuer Critical.
    pub flags: u8,
    /// The property, such as `issue`, `issuewild` or `iodef`.
    pub tag: Vec<u8>,
    /// The property's value, uninterpreted.
    pub value: Vec<u8>,
}

const MAX_TAG_LEN: usize = 15;

/// Why a tag is not acceptable, if it is not.
fn tag_problem(tag: &[u8]) -> Option<&'static str> {
    if tag.is_empty() {
        Some("CAA tag is empty")
    } else if tag.len() > MAX_TAG_LEN {
        Some("CAA tag is longer than 15 characters")
    } else if !tag.iter().all(u8::is_ascii_alphanumeric) {
        Some("CAA tag may hold only ASCII letters and digits")
    } else {
        None
    }
}

impl RecordType for Caa {
    const RTYPE: Rtype = Rtype::CAA;

    fn decode(r: &mut Reader<'_>) -> Result<Caa, WireError> {
        let flags = r.u8()?;
        let at = r.position();
        let tag = r.char_string()?;
        if let Some(problem) = tag_problem(tag) {
            return Err(WireError::new(at, WireErrorKind::BadValue(problem)));
        }
        Ok(Caa { flags, tag: tag.to_vec(), value: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.flags);
        w.char_string(&self.tag);
        w.bytes(&self.value);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Caa, TextError> {
        let flags = t.int("CAA flags (0-255)")?;
        let token = t.next("CAA tag")?;
        if let Some(problem) = tag_problem(token.text) {
            return Err(t.error_here(format!("bad CAA tag `{}`: {problem}", lossy(token.text))));
        }
        let tag = token.text.to_vec();
        let token = t.next("CAA value")?;
        let value =
            unescape_text(token.text).map_err(|m| t.error_here(format!("bad CAA value: {m}")))?;
        if 2 + tag.len() + value.len() > usize::from(u16::MAX) {
            return Err(t.error_here("CAA value makes the RDATA longer than 65535 octets"));
        }
        Ok(Caa { flags, tag, value })
    }
}

impl fmt::Display for Caa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.flags, String::from_utf8_lossy(&self.tag))?;
        write_char_string(f, &self.value)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::CAA,
            "0 issue \"ca.example.net; account=230123\"",
            "0 issue \"ca.example.net; account=230123\"",
            "0005697373756563612e6578616d706c652e6e65743b206163636f756e743d323330313233",
        );
        round_trip(
            Rtype::CAA,
            "128 tbs Unknown",
            "128 tbs \"Unknown\"",
            "8003746273556e6b6e6f776e",
        );
        round_trip(Rtype::CAA, "0 issue \"\"", "0 issue \"\"", "00056973737565");
        round_trip(
            Rtype::CAA,
            "0 ISSUE \"a\\\"b\\\\c\\010\"",
            "0 ISSUE \"a\\\"b\\\\c\\010\"",
            "000549535355456122625c630a",
        );
    }

    #[test]
    fn value_may_exceed_255_octets() {
        let long = "x".repeat(300);
        let data = parse(Rtype::CAA, &format!("0 iodef {long}")).unwrap();
        assert_eq!(data.to_string(), format!("0 iodef \"{long}\""));
        let wire = data.to_wire();
        assert_eq!(wire.len(), 2 + 5 + 300);
        assert_eq!(RecordData::from_wire(Rtype::CAA, &wire), Ok(data));
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::CAA, "256 issue x", "bad CAA flags");
        rejects(Rtype::CAA, "0 is-sue x", "only ASCII letters and digits");
        rejects(Rtype::CAA, "0 \"\" x", "CAA tag is empty");
        rejects(Rtype::CAA, "0 abcdefghijklmnop x", "longer than 15");
        rejects(Rtype::CAA, "0 issue", "missing CAA value");
        rejects(Rtype::CAA, "0", "missing CAA tag");
        rejects(Rtype::CAA, "0 issue x y", "extra data");
        rejects(Rtype::CAA, "0 issue \"bad\\4\"", "bad CAA value");
        rejects(Rtype::CAA, "\\# 3 00002d", "not valid for type CAA");
    }
}
