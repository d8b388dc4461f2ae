use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// Redirection of every name below the owner to the same name below a target (RFC 6672 §2.1).
///
/// Wire format: one name. RFC 6672 §2.5 forbids compressing it, so a strict decoder refuses a
/// compressed target; RFC 4034 §6.2 lists DNAME, so it is lower-cased in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dname {
    /// The subtree that replaces the owner's.
    pub target: Name,
}

impl RecordType for Dname {
    const RTYPE: Rtype = Rtype::DNAME;

    fn decode(r: &mut Reader<'_>) -> Result<Dname, WireError> {
        Ok(Dname { target: r.uncompressed_name()? })
    }

    fn encode(&self, w: &mut Writer) {
        w.canonical_name(&self.target);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Dname, TextError> {
        Ok(Dname { target: t.name("DNAME target")? })
    }
}

impl fmt::Display for Dname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.target.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use crate::name::Name;
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{DecodeOptions, Reader, WireErrorKind, WireMode, Writer};

    #[test]
    fn round_trips() {
        round_trip(Rtype::DNAME, "Other", "Other.example.", "054f74686572076578616d706c6500");
        round_trip(Rtype::DNAME, ".", ".", "00");
    }

    #[test]
    fn rejects_bad_targets() {
        rejects(Rtype::DNAME, "", "missing DNAME target");
        rejects(Rtype::DNAME, "a..b", "bad DNAME target");
        rejects(Rtype::DNAME, "a. b.", "extra data");
    }

    #[test]
    fn never_compressed_and_lower_cased_in_canonical_form() {
        let data = parse(Rtype::DNAME, "Target.Example.").unwrap();
        let mut w = Writer::new();
        w.compressible_name(&Name::parse("target.example.", None).unwrap());
        data.encode(&mut w);
        assert!(w.as_bytes().ends_with(b"\x06Target\x07Example\x00"));
        let mut canonical = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut canonical);
        assert_eq!(canonical.as_bytes(), b"\x06target\x07example\x00");
    }

    #[test]
    fn compressed_target_is_strictly_refused() {
        let message = b"\x07example\x00\x01a\xc0\x00";
        let decode = |options| {
            let mut r = Reader::new(message, options);
            r.bytes(9).unwrap();
            let mut window = r.split_window(4).unwrap();
            RecordData::decode(Rtype::DNAME, &mut window)
        };
        let strict = decode(DecodeOptions::STRICT).unwrap_err();
        assert_eq!(strict.kind, WireErrorKind::CompressionNotAllowed);
        assert_eq!(decode(DecodeOptions::LENIENT).unwrap().to_string(), "a.example.");
    }
}
