use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// The location of a service (RFC 2782).
///
/// Wire format: priority, weight, port (u16 each), target (name). RFC 2782 forbids compressing
/// the target, so a strict decoder refuses a compressed one (a lenient one follows it, for servers
/// that still follow RFC 2052); RFC 4034 §6.2 lists SRV, so it is lower-cased in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Srv {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative share among targets of the same priority.
    pub weight: u16,
    /// The port the service listens on.
    pub port: u16,
    /// The host that provides the service; the root name means the service is not offered.
    pub target: Name,
}

impl RecordType for Srv {
    const RTYPE: Rtype = Rtype::SRV;

    fn decode(r: &mut Reader<'_>) -> Result<Srv, WireError> {
        Ok(Srv {
            priority: r.u16()?,
            weight: r.u16()?,
            port: r.u16()?,
            target: r.uncompressed_name()?,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.priority);
        w.u16(self.weight);
        w.u16(self.port);
        w.canonical_name(&self.target);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Srv, TextError> {
        Ok(Srv {
            priority: t.int("SRV priority (0-65535)")?,
            weight: t.int("SRV weight (0-65535)")?,
            port: t.int("SRV port (0-65535)")?,
            target: t.name("SRV target")?,
        })
    }
}

impl fmt::Display for Srv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.priority, self.weight, self.port, self.target)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{DecodeOptions, Reader, WireErrorKind, WireMode, Writer};

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::SRV,
            "0 5 5060 sip",
            "0 5 5060 sip.example.",
            "0000000513c403736970076578616d706c6500",
        );
        round_trip(Rtype::SRV, "65535 65535 65535 .", "65535 65535 65535 .", "ffffffffffff00");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::SRV, "0 5 65536 sip", "bad SRV port");
        rejects(Rtype::SRV, "-1 5 5060 sip", "bad SRV priority");
        rejects(Rtype::SRV, "0 x 5060 sip", "bad SRV weight");
        rejects(Rtype::SRV, "0 5 5060", "missing SRV target");
        rejects(Rtype::SRV, "0 5 5060 a..b", "bad SRV target");
        rejects(Rtype::SRV, "0 5 5060 sip. x", "extra data");
        rejects(Rtype::SRV, "\\# 6 000000050013", "not valid for type SRV");
    }

    #[test]
    fn target_is_lower_cased_only_in_canonical_form() {
        let data = parse(Rtype::SRV, "1 2 3 Sip.Example.").unwrap();
        let mut canonical = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut canonical);
        assert!(canonical.as_bytes().ends_with(b"\x03sip\x07example\x00"));
        assert!(data.to_wire().ends_with(b"\x03Sip\x07Example\x00"));
    }

    #[test]
    fn compressed_target_is_strictly_refused() {
        let message = b"\x07example\x00\x00\x01\x00\x02\x00\x03\xc0\x00";
        let decode = |options| {
            let mut r = Reader::new(message, options);
            r.bytes(9).unwrap();
            let mut window = r.split_window(8).unwrap();
            RecordData::decode(Rtype::SRV, &mut window)
        };
        let strict = decode(DecodeOptions::STRICT).unwrap_err();
        assert_eq!(strict.kind, WireErrorKind::CompressionNotAllowed);
        assert_eq!(decode(DecodeOptions::LENIENT).unwrap().to_string(), "1 2 3 example.");
    }
}
