use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// The person responsible for a name (RFC 1183 §2.2).
///
/// Wire format: mailbox, TXT owner (names). RFC 3597 §4 forbids compressing them on write but
/// has receivers decompress them, so the decoder follows pointers; RFC 4034 §6.2 lists RP, so
/// both are lower-cased in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rp {
    /// The mailbox, with the `@` written as a dot; the root name when there is none.
    pub mbox: Name,
    /// A name with TXT records about the person; the root name when there are none.
    pub txt: Name,
}

impl RecordType for Rp {
    const RTYPE: Rtype = Rtype::RP;

    fn decode(r: &mut Reader<'_>) -> Result<Rp, WireError> {
        Ok(Rp { mbox: r.name()?, txt: r.name()? })
    }

    fn encode(&self, w: &mut Writer) {
        w.canonical_name(&self.mbox);
        w.canonical_name(&self.txt);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Rp, TextError> {
        Ok(Rp { mbox: t.name("RP mailbox")?, txt: t.name("RP TXT name")? })
    }
}

impl fmt::Display for Rp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.mbox, self.txt)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{WireMode, Writer};

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::RP,
            "Admin.Example. info",
            "Admin.Example. info.example.",
            "0541646d696e074578616d706c650004696e666f076578616d706c6500",
        );
        round_trip(Rtype::RP, ". .", ". .", "0000");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::RP, "admin", "missing RP TXT name");
        rejects(Rtype::RP, "a..b .", "bad RP mailbox");
        rejects(Rtype::RP, ". . .", "extra data");
    }

    #[test]
    fn written_uncompressed_and_lower_cased_in_canonical_form() {
        let data = parse(Rtype::RP, "Admin.Example. Admin.Example.").unwrap();
        let mut w = Writer::new();
        data.encode(&mut w);
        assert_eq!(w.as_bytes(), b"\x05Admin\x07Example\x00\x05Admin\x07Example\x00");
        let mut canonical = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut canonical);
        assert_eq!(canonical.as_bytes(), b"\x05admin\x07example\x00\x05admin\x07example\x00");
    }
}
