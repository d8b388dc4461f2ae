use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_hex};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A certificate association (RFC 6698 §2.1); the record type is `RTYPE` ([`Tlsa`] or
/// [`Smimea`], whose RFC 8162 §2 layout is the same).
///
/// Wire format: usage, selector, matching type (u8 each), certificate association data (the
/// rest, at least one octet).
///
/// The data's length is not checked against the matching type (SHA-256: 32, SHA-512: 64 octets):
/// BIND, Knot and ldns all accept any length, and RFC 7671 §5 tells clients to treat records they
/// cannot use as unusable rather than as errors. Empty data is refused, as all three do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertAssociation<const RTYPE: u16> {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching_type: u8,
    /// The certificate, public key or digest to match.
    pub data: Vec<u8>,
}

/// A TLS server certificate association (RFC 6698).
pub type Tlsa = CertAssociation<{ Rtype::TLSA.0 }>;

/// An S/MIME certificate association (RFC 8162).
pub type Smimea = CertAssociation<{ Rtype::SMIMEA.0 }>;

impl<const RTYPE: u16> RecordType for CertAssociation<RTYPE> {
    const RTYPE: Rtype = Rtype(RTYPE);

    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let usage = r.u8()?;
        let selector = r.u8()?;
        let matching_type = r.u8()?;
        if r.is_empty() {
            return Err(r.error(WireErrorKind::BadLength("certificate association data is empty")));
        }
        Ok(CertAssociation { usage, selector, matching_type, data: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.usage);
        w.u8(self.selector);
        w.u8(self.matching_type);
        w.bytes(&self.data);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Self, TextError> {
        Ok(CertAssociation {
            usage: t.int("certificate usage (0-255)")?,
            selector: t.int("selector (0-255)")?,
            matching_type: t.int("matching type (0-255)")?,
            data: t.hex_rest("certificate association data (hexadecimal)")?,
        })
    }
}

impl<const RTYPE: u16> fmt::Display for CertAssociation<RTYPE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.usage, self.selector, self.matching_type)?;
        write_hex(f, &self.data)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;

    const DIGEST: &str = "d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971";

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::TLSA,
            &format!("3 1 1 {} {}", &DIGEST[..32].to_uppercase(), &DIGEST[32..]),
            &format!("3 1 1 {DIGEST}"),
            &format!("030101{DIGEST}"),
        );
        round_trip(Rtype::SMIMEA, "0 0 0 30820307", "0 0 0 30820307", "00000030820307");
        round_trip(Rtype::TLSA, "255 255 255 00", "255 255 255 00", "ffffff00");
    }

    #[test]
    fn tlsa_and_smimea_are_distinct_variants() {
        let tlsa = parse(Rtype::TLSA, "3 1 1 00").unwrap();
        let smimea = parse(Rtype::SMIMEA, "3 1 1 00").unwrap();
        assert!(matches!(tlsa, RecordData::Tlsa(_)));
        assert!(matches!(smimea, RecordData::Smimea(_)));
        assert_eq!(smimea.rtype(), Rtype::SMIMEA);
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::TLSA, "3 1 1", "missing certificate association data");
        rejects(Rtype::TLSA, "3 1 1 123", "bad certificate association data");
        rejects(Rtype::TLSA, "3 1 1 zz", "bad certificate association data");
        rejects(Rtype::TLSA, "256 1 1 00", "bad certificate usage");
        rejects(Rtype::SMIMEA, "3 -1 1 00", "bad selector");
        rejects(Rtype::SMIMEA, "3 1", "missing matching type");
        rejects(Rtype::TLSA, "\\# 3 030101", "not valid for type TLSA");
    }
}
