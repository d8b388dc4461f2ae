use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_char_string};
use crate::wire::{Reader, WireError, Writer};

/// Text strings (RFC 1035 §3.3.14); the record type is `RTYPE` ([`Txt`], or
/// [`crate::rdata::rfc7208::Spf`], which RFC 7208 §3.1 gave the same layout).
///
/// Wire format: one or more character-strings (length octet and up to 255 octets each).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextStrings<const RTYPE: u16> {
    /// The strings, each at most 255 octets, at least one.
    pub strings: Vec<Vec<u8>>,
}

/// Text strings (RFC 1035 §3.3.14).
pub type Txt = TextStrings<{ Rtype::TXT.0 }>;

impl<const RTYPE: u16> RecordType for TextStrings<RTYPE> {
    const RTYPE: Rtype = Rtype(RTYPE);

    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut strings = Vec::new();
        while !r.is_empty() {
            strings.push(r.char_string()?.to_vec());
        }
        Ok(TextStrings { strings })
    }

    fn encode(&self, w: &mut Writer) {
        for s in &self.strings {
            w.char_string(s);
        }
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Self, TextError> {
        let mut strings = vec![t.char_string("text string")?];
        while !t.is_empty() {
            strings.push(t.char_string("text string")?);
        }
        Ok(TextStrings { strings })
    }
}

impl<const RTYPE: u16> fmt::Display for TextStrings<RTYPE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.strings.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write_char_string(f, s)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::TXT,
            "\"v=spf1 -all\" two",
            "\"v=spf1 -all\" \"two\"",
            "0b763d73706631202d616c6c0374776f",
        );
        round_trip(Rtype::TXT, "\"a\\\"b\\\\c\\010\"", "\"a\\\"b\\\\c\\010\"", "066122625c630a");
    }

    #[test]
    fn rejects_overlong_strings() {
        rejects(Rtype::TXT, &"a".repeat(256), "longer than 255");
    }
}
