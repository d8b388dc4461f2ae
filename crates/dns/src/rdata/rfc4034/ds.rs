use std::fmt;

use super::algorithm::{digest_len, parse_algorithm, parse_digest_type};
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_hex};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A delegation signer: the digest of a child zone's key (RFC 4034 §5); the record type is
/// `RTYPE` ([`Ds`], or [`Cds`], the child's copy of RFC 7344 §3.1 with the same layout).
///
/// Wire format: key tag (u16), algorithm (u8), digest type (u8), digest (the rest, at least one
/// octet).
///
/// A digest of a known type must have that digest's length (SHA-1: 20, SHA-256: 32, SHA-384: 48
/// octets), on wire and in text, as BIND and Knot check (ldns does not); other types, including
/// the RFC 8078 delete form `0 0 0 00`, take any non-empty digest. The algorithm and digest type
/// are not checked against the registries: BIND accepts unassigned numbers, and new algorithms
/// must not need a new nameward.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DelegationSigner<const RTYPE: u16> {
    /// The key tag of the DNSKEY this points at (RFC 4034 Appendix B).
    pub key_tag: u16,
    /// The DNSSEC algorithm of that key.
    pub algorithm: u8,
    /// The digest algorithm: 1 SHA-1, 2 SHA-256, 4 SHA-384.
    pub digest_type: u8,
    /// The digest of the key's owner name and RDATA.
    pub digest: Vec<u8>,
}

/// A delegation signer in the parent zone (RFC 4034 §5).
pub type Ds = DelegationSigner<{ Rtype::DS.0 }>;

/// A child's request for a delegation signer in its parent (RFC 7344 §3.1).
pub type Cds = DelegationSigner<{ Rtype::CDS.0 }>;

fn length_ok(digest_type: u8, digest: &[u8]) -> bool {
    !digest.is_empty() && digest_len(digest_type).is_none_or(|len| digest.len() == len)
}

impl<const RTYPE: u16> RecordType for DelegationSigner<RTYPE> {
    const RTYPE: Rtype = Rtype(RTYPE);

    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let key_tag = r.u16()?;
        let algorithm = r.u8()?;
        let digest_type = r.u8()?;
        let at = r.position();
        let digest = r.rest().to_vec();
        if !length_ok(digest_type, &digest) {
            return Err(WireError::new(
                at,
                WireErrorKind::BadLength("DS digest length does not fit its digest type"),
            ));
        }
        Ok(DelegationSigner { key_tag, algorithm, digest_type, digest })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.key_tag);
        w.u8(self.algorithm);
        w.u8(self.digest_type);
        w.bytes(&self.digest);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Self, TextError> {
        let key_tag = t.int("DS key tag (0-65535)")?;
        let algorithm = parse_algorithm(t)?;
        let digest_type = parse_digest_type(t)?;
        let at = t.position();
        let digest = t.hex_rest("DS digest (hexadecimal)")?;
        if !length_ok(digest_type, &digest) {
            let expected = digest_len(digest_type).unwrap_or(1);
            return Err(TextError::at(
                at,
                format!(
                    "DS digest of type {digest_type} must be {expected} octets, not {}",
                    digest.len()
                ),
            ));
        }
        Ok(DelegationSigner { key_tag, algorithm, digest_type, digest })
    }
}

impl<const RTYPE: u16> fmt::Display for DelegationSigner<RTYPE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.key_tag, self.algorithm, self.digest_type)?;
        write_hex(f, &self.digest)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;

    // RFC 4034 §5.4.
    const SHA1: &str = "2bb183af5f22588179a53b0a98631fad1a292118";
    const SHA256: &str = "e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766";

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::DS,
            &format!("60485 5 1 {}", SHA1.to_uppercase()),
            &format!("60485 5 1 {SHA1}"),
            &format!("ec450501{SHA1}"),
        );
        round_trip(
            Rtype::DS,
            &format!("20326 RSASHA256 SHA-256 {} {}", &SHA256[..32], &SHA256[32..]),
            &format!("20326 8 2 {SHA256}"),
            &format!("4f660802{SHA256}"),
        );
        round_trip(
            Rtype::CDS,
            &format!("2371 ecdsap256sha256 2 {SHA256}"),
            &format!("2371 13 2 {SHA256}"),
            &format!("09430d02{SHA256}"),
        );
        // RFC 8078 §4: the CDS that asks the parent to remove the DS set.
        round_trip(Rtype::CDS, "0 0 0 00", "0 0 0 00", "0000000000");
        round_trip(Rtype::DS, "1 253 200 abcd", "1 253 200 abcd", "0001fdc8abcd");
    }

    #[test]
    fn ds_and_cds_are_distinct_variants() {
        assert!(matches!(parse(Rtype::DS, "0 0 0 00").unwrap(), RecordData::Ds(_)));
        assert!(matches!(parse(Rtype::CDS, "0 0 0 00").unwrap(), RecordData::Cds(_)));
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::DS, &format!("60485 5 1 {}", &SHA1[..38]), "must be 20 octets, not 19");
        rejects(Rtype::DS, &format!("60485 5 2 {SHA1}"), "must be 32 octets, not 20");
        rejects(Rtype::DS, &format!("60485 5 4 {SHA256}"), "must be 48 octets, not 32");
        rejects(Rtype::DS, &format!("60485 FOO 1 {SHA1}"), "bad DNSSEC algorithm `FOO`");
        rejects(Rtype::DS, &format!("60485 256 1 {SHA1}"), "bad DNSSEC algorithm");
        rejects(Rtype::DS, &format!("60485 5 SHA-512 {SHA1}"), "bad DS digest type");
        rejects(Rtype::DS, &format!("65536 5 1 {SHA1}"), "bad DS key tag");
        rejects(Rtype::DS, "60485 5 1", "missing DS digest");
        rejects(Rtype::DS, "60485 5", "missing DS digest type");
        rejects(Rtype::DS, "60485 5 0 -", "bad DS digest");
        rejects(Rtype::CDS, "60485 5 0 abc", "bad DS digest");
        rejects(Rtype::DS, "\\# 5 ec45050112", "not valid for type DS");
        rejects(Rtype::CDS, "\\# 4 00000000", "not valid for type CDS");
    }
}
