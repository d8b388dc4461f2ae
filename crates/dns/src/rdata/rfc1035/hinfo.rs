use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_char_string};
use crate::wire::{Reader, WireError, Writer};

/// Host information (RFC 1035 §3.3.2; RFC 8482 §4.2 reuses it to answer ANY queries).
///
/// Wire format: CPU, OS (one character-string each, both required, as BIND requires).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hinfo {
    /// The CPU type, at most 255 octets.
    pub cpu: Vec<u8>,
    /// The operating system, at most 255 octets.
    pub os: Vec<u8>,
}

impl RecordType for Hinfo {
    const RTYPE: Rtype = Rtype::HINFO;

    fn decode(r: &mut Reader<'_>) -> Result<Hinfo, WireError> {
        Ok(Hinfo { cpu: r.char_string()?.to_vec(), os: r.char_string()?.to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.char_string(&self.cpu);
        w.char_string(&self.os);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Hinfo, TextError> {
        Ok(Hinfo { cpu: t.char_string("HINFO CPU")?, os: t.char_string("HINFO OS")? })
    }
}

impl fmt::Display for Hinfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_char_string(f, &self.cpu)?;
        f.write_str(" ")?;
        write_char_string(f, &self.os)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(Rtype::HINFO, "RFC8482 \"\"", "\"RFC8482\" \"\"", "075246433834383200");
        round_trip(
            Rtype::HINFO,
            "\"x86 64\" Linux",
            "\"x86 64\" \"Linux\"",
            "06783836203634054c696e7578",
        );
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::HINFO, "\"a\"", "missing HINFO OS");
        rejects(Rtype::HINFO, "a b c", "extra data");
        rejects(Rtype::HINFO, &format!("{} b", "a".repeat(256)), "longer than 255");
        rejects(Rtype::HINFO, "\\# 2 0161", "not valid for type HINFO");
    }
}
