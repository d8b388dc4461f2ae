use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// An AFS database server (RFC 1183 §1, RFC 5864).
///
/// Wire format: subtype (u16), hostname (name). RFC 3597 §4 forbids compressing the name on
/// write but has receivers decompress it, so the decoder follows pointers; RFC 4034 §6.2 lists
/// AFSDB, so it is lower-cased in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Afsdb {
    /// 1 for an AFS cell database server, 2 for a DCE authenticated name server.
    pub subtype: u16,
    /// The server.
    pub hostname: Name,
}

impl RecordType for Afsdb {
    const RTYPE: Rtype = Rtype::AFSDB;

    fn decode(r: &mut Reader<'_>) -> Result<Afsdb, WireError> {
        Ok(Afsdb { subtype: r.u16()?, hostname: r.name()? })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.subtype);
        w.canonical_name(&self.hostname);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Afsdb, TextError> {
        Ok(Afsdb {
            subtype: t.int("AFSDB subtype (0-65535)")?,
            hostname: t.name("AFSDB hostname")?,
        })
    }
}

impl fmt::Display for Afsdb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.subtype, self.hostname)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{DecodeOptions, Reader};

    #[test]
    fn round_trips() {
        round_trip(Rtype::AFSDB, "1 afs", "1 afs.example.", "000103616673076578616d706c6500");
        round_trip(Rtype::AFSDB, "65535 .", "65535 .", "ffff00");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::AFSDB, "65536 afs", "bad AFSDB subtype");
        rejects(Rtype::AFSDB, "1", "missing AFSDB hostname");
        rejects(Rtype::AFSDB, "1 a..b", "bad AFSDB hostname");
        rejects(Rtype::AFSDB, "\\# 2 0001", "not valid for type AFSDB");
    }

    #[test]
    fn compressed_hostname_is_followed() {
        let message = b"\x07example\x00\x00\x01\x03afs\xc0\x00";
        let mut r = Reader::new(message, DecodeOptions::STRICT);
        r.bytes(9).unwrap();
        let mut window = r.split_window(8).unwrap();
        let data = RecordData::decode(Rtype::AFSDB, &mut window).unwrap();
        assert_eq!(data.to_string(), "1 afs.example.");
    }
}
