use std::fmt;

use super::algorithm::parse_algorithm;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_base64};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A DNSSEC public key (RFC 4034 §2); the record type is `RTYPE` ([`Dnskey`], or [`Cdnskey`],
/// the child's copy of RFC 7344 §3.2 with the same layout).
///
/// Wire format: flags (u16), protocol (u8), algorithm (u8), public key (the rest, at least one
/// octet). The key may be split across tokens in text and is printed as one base64 token.
///
/// The protocol is kept as it is even when it is not 3: RFC 4034 §2.1.2 makes such a key invalid
/// for validation, not the record malformed, and BIND, Knot and ldns all load it; a zone check is
/// the place to warn. The algorithm is not checked against the registry, as BIND does not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyData<const RTYPE: u16> {
    /// Flags: 0x0100 Zone Key, 0x0001 Secure Entry Point, 0x0080 Revoke (RFC 5011).
    pub flags: u16,
    /// Always 3 in a usable key.
    pub protocol: u8,
    /// The DNSSEC algorithm.
    pub algorithm: u8,
    /// The public key in the algorithm's format.
    pub public_key: Vec<u8>,
}

/// A zone's public key (RFC 4034 §2).
pub type Dnskey = KeyData<{ Rtype::DNSKEY.0 }>;

/// A child's request for a key to be trusted by its parent (RFC 7344 §3.2).
pub type Cdnskey = KeyData<{ Rtype::CDNSKEY.0 }>;

/// The Zone Key flag (RFC 4034 §2.1.1).
pub const ZONE_KEY: u16 = 0x0100;
/// The Secure Entry Point flag (RFC 4034 §2.1.1).
pub const SECURE_ENTRY_POINT: u16 = 0x0001;
/// The Revoke flag (RFC 5011 §3).
pub const REVOKE: u16 = 0x0080;

impl<const RTYPE: u16> KeyData<RTYPE> {
    /// The key tag that DS and RRSIG records use to point at this key (RFC 4034 Appendix B).
    pub fn key_tag(&self) -> u16 {
        let mut w = Writer::with_mode(crate::wire::WireMode::Uncompressed);
        self.encode(&mut w);
        crate::dnssec::key_tag(w.as_bytes())
    }
}

impl<const RTYPE: u16> RecordType for KeyData<RTYPE> {
    const RTYPE: Rtype = Rtype(RTYPE);

    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let flags = r.u16()?;
        let protocol = r.u8()?;
        let algorithm = r.u8()?;
        if r.is_empty() {
            return Err(r.error(WireErrorKind::BadLength("DNSKEY public key is empty")));
        }
        Ok(KeyData { flags, protocol, algorithm, public_key: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.flags);
        w.u8(self.protocol);
        w.u8(self.algorithm);
        w.bytes(&self.public_key);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Self, TextError> {
        let flags = t.int("DNSKEY flags (0-65535)")?;
        let protocol = t.int("DNSKEY protocol (0-255)")?;
        let algorithm = parse_algorithm(t)?;
        let at = t.position();
        let public_key = t.base64_rest("DNSKEY public key (base64)")?;
        if public_key.is_empty() {
            return Err(TextError::at(at, "DNSKEY public key is empty"));
        }
        Ok(KeyData { flags, protocol, algorithm, public_key })
    }
}

impl<const RTYPE: u16> fmt::Display for KeyData<RTYPE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.flags, self.protocol, self.algorithm)?;
        write_base64(f, &self.public_key)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;

    // The key of RFC 4034 §5.4, whose tag is 60485, as printed there in pieces.
    const PIECES: [&str; 7] = [
        "AQOeiiR0GOMYkDshWoSKz9Xz",
        "fwJr1AYtsmx3TGkJaNXVbfi/",
        "2pHm822aJ5iI9BMzNXxeYCmZ",
        "DRD99WYwYqUSdjMmmAphXdvx",
        "egXd/M5+X7OrzKBaMbCVdFLU",
        "Uh6DhweJBjEVv5f2wwjM9Xzc",
        "nOf+EPbtG9DMBmADjFDc2w/r",
    ];
    const LAST: &str = "ljwvFw==";

    fn key() -> String {
        PIECES.concat() + LAST
    }

    #[test]
    fn round_trips() {
        let key = key();
        round_trip(
            Rtype::DNSKEY,
            &format!("256 3 5 {} {LAST}", PIECES.join(" ")),
            &format!("256 3 5 {key}"),
            "0100030501039e8a247418e318903b215a848acfd5f37f026bd4062db26c774c690968d5d56df8bfda91e6f36d9a279888f41333357c5e6029990d10fdf5663062a512763326980a615ddbf17a05ddfcce7e5fb3abcca05a31b0957452d4521e83870789063115bf97f6c308ccf57cdc9ce7fe10f6ed1bd0cc0660038c50dcdb0feb963c2f17",
        );
        round_trip(Rtype::CDNSKEY, "257 3 ED25519 AQID", "257 3 15 AQID", "0101030f010203");
        // RFC 8078 §4: the CDNSKEY that asks the parent to remove the DS set.
        round_trip(Rtype::CDNSKEY, "0 3 0 AA==", "0 3 0 AA==", "0000030000");
        // Protocol other than 3 is loaded, as peers do.
        round_trip(Rtype::DNSKEY, "256 2 8 AwEAAQ==", "256 2 8 AwEAAQ==", "0100020803010001");
    }

    #[test]
    fn key_tags() {
        let Ok(RecordData::Dnskey(k)) = parse(Rtype::DNSKEY, &format!("256 3 5 {}", key())) else {
            panic!("RFC 4034 key does not parse");
        };
        assert_eq!(k.key_tag(), 60485);
        let Ok(RecordData::Dnskey(k)) = parse(Rtype::DNSKEY, "256 3 1 AQIDBAU=") else {
            panic!("RSA/MD5 key does not parse");
        };
        assert_eq!(k.key_tag(), 0x0304);
        let Ok(RecordData::Cdnskey(k)) = parse(Rtype::CDNSKEY, "257 3 13 AQID") else {
            panic!("CDNSKEY does not parse");
        };
        assert_eq!(k.key_tag(), 2064);
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::DNSKEY, "256 3 8", "missing DNSKEY public key");
        rejects(Rtype::DNSKEY, "256 3 8 -", "bad DNSKEY public key");
        rejects(Rtype::DNSKEY, "256 3 8 AwEAAQ", "bad DNSKEY public key");
        rejects(Rtype::DNSKEY, "65536 3 8 AA==", "bad DNSKEY flags");
        rejects(Rtype::DNSKEY, "256 256 8 AA==", "bad DNSKEY protocol");
        rejects(Rtype::DNSKEY, "256 3 RSASHA257 AA==", "bad DNSSEC algorithm `RSASHA257`");
        rejects(Rtype::CDNSKEY, "256 3", "missing DNSSEC algorithm");
        rejects(Rtype::DNSKEY, "\\# 4 01000308", "not valid for type DNSKEY");
    }
}
