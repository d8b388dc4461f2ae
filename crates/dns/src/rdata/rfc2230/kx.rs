use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// A key exchanger (RFC 2230 §3).
///
/// Wire format: preference (u16), exchanger (name). RFC 2230 §3.1 forbids compressing the name,
/// so a strict decoder refuses a compressed one and a lenient decoder follows it; RFC 4034 §6.2
/// lists KX, so the name is lower-cased in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kx {
    /// Lower is preferred.
    pub preference: u16,
    /// The host that handles key exchange for the owner.
    pub exchanger: Name,
}

impl RecordType for Kx {
    const RTYPE: Rtype = Rtype::KX;

    fn decode(r: &mut Reader<'_>) -> Result<Kx, WireError> {
        Ok(Kx { preference: r.u16()?, exchanger: r.uncompressed_name()? })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.preference);
        w.canonical_name(&self.exchanger);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Kx, TextError> {
        Ok(Kx { preference: t.int("KX preference (0-65535)")?, exchanger: t.name("KX exchanger")? })
    }
}

impl fmt::Display for Kx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.preference, self.exchanger)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{DecodeOptions, Reader, WireMode, Writer};

    #[test]
    fn round_trips() {
        round_trip(Rtype::KX, "10 KX", "10 KX.example.", "000a024b58076578616d706c6500");
        round_trip(Rtype::KX, "65535 .", "65535 .", "ffff00");
    }

    #[test]
    fn canonical_form_lowers_the_exchanger() {
        let data = crate::rdata::testing::parse(Rtype::KX, "10 KX").unwrap();
        let mut w = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut w);
        assert_eq!(w.as_bytes(), b"\x00\x0a\x02kx\x07example\x00");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::KX, "65536 kx", "bad KX preference");
        rejects(Rtype::KX, "10", "missing KX exchanger");
        rejects(Rtype::KX, "10 a..b", "bad KX exchanger");
        rejects(Rtype::KX, "\\# 2 000a", "not valid for type KX");
    }

    #[test]
    fn compressed_exchanger_is_refused_when_strict() {
        let message = b"\x07example\x00\x00\x0a\xc0\x00";
        let window = |options| {
            let mut r = Reader::new(message, options);
            r.bytes(9).unwrap();
            r.split_window(4).unwrap()
        };
        assert!(RecordData::decode(Rtype::KX, &mut window(DecodeOptions::STRICT)).is_err());
        let data = RecordData::decode(Rtype::KX, &mut window(DecodeOptions::LENIENT)).unwrap();
        assert_eq!(data.to_string(), "10 example.");
    }
}
