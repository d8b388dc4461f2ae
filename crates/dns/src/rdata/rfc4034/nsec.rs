use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rdata::rfc4034::TypeBitmap;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// Authenticated denial of existence: the next owner name in the zone and the types at this
/// one (RFC 4034 §4).
///
/// Wire format: next domain name (uncompressed), type bitmap.
///
/// The next name is never lower-cased, not even in canonical form: RFC 6840 §5.1 removed NSEC
/// from the RFC 4034 §6.2 list. A strict decoder refuses a compressed next name.
///
/// The bitmap may not be empty: every NSEC record lists at least NSEC and RRSIG (RFC 4035 §2.3),
/// and BIND refuses an empty NSEC bitmap on the wire as well.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nsec {
    /// The next owner name in canonical order, or the apex for the last NSEC of the zone.
    pub next: Name,
    /// The types present at the owner name.
    pub types: TypeBitmap,
}

impl RecordType for Nsec {
    const RTYPE: Rtype = Rtype::NSEC;

    fn decode(r: &mut Reader<'_>) -> Result<Nsec, WireError> {
        let next = r.uncompressed_name()?;
        if r.is_empty() {
            return Err(r.error(WireErrorKind::BadLength("NSEC type bitmap is empty")));
        }
        Ok(Nsec { next, types: TypeBitmap::decode(r)? })
    }

    fn encode(&self, w: &mut Writer) {
        w.plain_name(&self.next);
        self.types.encode(w);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Nsec, TextError> {
        let next = t.name("NSEC next domain name")?;
        if t.is_empty() {
            return Err(TextError::record(
                "missing NSEC type bitmap: an NSEC record lists at least NSEC and RRSIG \
                 (RFC 4035 §2.3)",
            ));
        }
        Ok(Nsec { next, types: TypeBitmap::parse_text(t)? })
    }
}

impl fmt::Display for Nsec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.next, self.types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::wire::{DecodeOptions, WireMode};

    #[test]
    fn rfc4034_section_4_3_example() {
        round_trip(
            Rtype::NSEC,
            "host.example.com. nsec TYPE1234 A rrsig MX A",
            "host.example.com. A MX RRSIG NSEC TYPE1234",
            "04686f7374076578616d706c6503636f6d00 0006400100000003 041b\
             0000000000000000000000000000000000000000000000000000 20",
        );
    }

    #[test]
    fn keeps_next_name_case_in_canonical_form() {
        let data = parse(Rtype::NSEC, "Host.Example. a rrsig nsec").unwrap();
        assert_eq!(data.to_string(), "Host.Example. A RRSIG NSEC");
        let mut w = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut w);
        assert!(w.as_bytes().starts_with(b"\x04Host\x07Example\x00"));
    }

    #[test]
    fn rejects_bad_text() {
        rejects(Rtype::NSEC, "next.example.", "missing NSEC type bitmap");
        rejects(Rtype::NSEC, "next.example. A FOO", "not a record type");
        rejects(Rtype::NSEC, "\\# 9 076578616d706c6500", "not valid for type NSEC");
        rejects(Rtype::NSEC, "\\# 12 076578616d706c6500 000100", "not valid for type NSEC");
    }

    #[test]
    fn compressed_next_name_is_strictly_refused() {
        let message = b"\x07example\x00\xC0\x00\x00\x01\x40";
        let mut r = Reader::new(message, DecodeOptions::STRICT);
        r.bytes(9).unwrap();
        let mut window = r.split_window(5).unwrap();
        let e = RecordData::decode(Rtype::NSEC, &mut window).unwrap_err();
        assert_eq!(e.kind, WireErrorKind::CompressionNotAllowed);
    }
}
