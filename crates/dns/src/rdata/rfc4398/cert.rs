use std::fmt;

use crate::rdata::RecordType;
use crate::rdata::rfc4034::algorithm::parse_algorithm;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy, parse_decimal, write_base64};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A certificate or certificate revocation list (RFC 4398 §2).
///
/// Wire format: certificate type (u16), key tag (u16), algorithm (u8), certificate (the rest, at
/// least one octet).
///
/// In text the type is a number or one of the RFC 4398 §2.2 mnemonics (`PKIX`, `SPKI`, `PGP`,
/// `IPKIX`, `ISPKI`, `IPGP`, `ACPKIX`, `IACPKIX`, `URI`, `OID`, any case), the algorithm a
/// number or a DNSSEC mnemonic, and the certificate base64, possibly split across tokens. The
/// type is printed as its mnemonic where it has one, as BIND and ldns do; the algorithm as a
/// number, as ldns does and as DS and DNSKEY print it here (BIND prints its mnemonic).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cert {
    /// What the certificate is: 1 X.509 (PKIX), 3 OpenPGP (PGP), 253 URI, 254 OID, …
    pub cert_type: u16,
    /// The key tag of the key the certificate is for (RFC 4034 Appendix B), or 0.
    pub key_tag: u16,
    /// The DNSSEC algorithm of that key, or 0.
    pub algorithm: u8,
    /// The certificate or CRL, or for the indirect types its URL or hash.
    pub certificate: Vec<u8>,
}

/// The certificate type mnemonics of RFC 4398 §2.2.
const CERT_TYPES: &[(u16, &str)] = &[
    (1, "PKIX"),
    (2, "SPKI"),
    (3, "PGP"),
    (4, "IPKIX"),
    (5, "ISPKI"),
    (6, "IPGP"),
    (7, "ACPKIX"),
    (8, "IACPKIX"),
    (253, "URI"),
    (254, "OID"),
];

/// The mnemonic of a certificate type, where RFC 4398 gives it one.
pub fn cert_type_mnemonic(cert_type: u16) -> Option<&'static str> {
    CERT_TYPES.iter().find(|(n, _)| *n == cert_type).map(|(_, name)| *name)
}

fn parse_cert_type(t: &mut Tokens<'_>) -> Result<u16, TextError> {
    let token = t.next("CERT certificate type")?;
    let value = match parse_decimal(token.text) {
        Some(n) => u16::try_from(n).ok(),
        None => CERT_TYPES
            .iter()
            .find(|(_, name)| token.text.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(n, _)| *n),
    };
    value.ok_or_else(|| {
        t.error_here(format!(
            "bad CERT certificate type `{}`: expected a number 0-65535 or a mnemonic such as PKIX \
             or PGP",
            lossy(token.text)
        ))
    })
}

impl RecordType for Cert {
    const RTYPE: Rtype = Rtype::CERT;

    fn decode(r: &mut Reader<'_>) -> Result<Cert, WireError> {
        let cert_type = r.u16()?;
        let key_tag = r.u16()?;
        let algorithm = r.u8()?;
        if r.is_empty() {
            return Err(r.error(WireErrorKind::BadLength("CERT certificate is empty")));
        }
        Ok(Cert { cert_type, key_tag, algorithm, certificate: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.cert_type);
        w.u16(self.key_tag);
        w.u8(self.algorithm);
        w.bytes(&self.certificate);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Cert, TextError> {
        let cert_type = parse_cert_type(t)?;
        let key_tag = t.int("CERT key tag (0-65535)")?;
        let algorithm = parse_algorithm(t)?;
        let at = t.position();
        let certificate = t.base64_rest("CERT certificate (base64)")?;
        if certificate.is_empty() {
            return Err(TextError::at(at, "CERT certificate is empty"));
        }
        if certificate.len() > usize::from(u16::MAX) - 5 {
            return Err(TextError::at(
                at,
                "CERT certificate makes the RDATA longer than 65535 octets",
            ));
        }
        Ok(Cert { cert_type, key_tag, algorithm, certificate })
    }
}

impl fmt::Display for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match cert_type_mnemonic(self.cert_type) {
            Some(name) => f.write_str(name)?,
            None => write!(f, "{}", self.cert_type)?,
        }
        write!(f, " {} {} ", self.key_tag, self.algorithm)?;
        write_base64(f, &self.certificate)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(Rtype::CERT, "pgp 0 0 AQID", "PGP 0 0 AQID", "00030000000102 03");
        round_trip(
            Rtype::CERT,
            "1 12345 RSASHA256 AQ ID BAU=",
            "PKIX 12345 8 AQIDBAU=",
            "0001303908 0102030405",
        );
        round_trip(
            Rtype::CERT,
            "URI 0 0 aHR0cDovL2V4YW1wbGUuY29tLw==",
            "URI 0 0 aHR0cDovL2V4YW1wbGUuY29tLw==",
            "00fd000000 687474703a2f2f6578616d706c652e636f6d2f",
        );
        round_trip(Rtype::CERT, "IACPKIX 65535 255 AQ==", "IACPKIX 65535 255 AQ==", "0008ffffff01");
        round_trip(Rtype::CERT, "254 1 1 AQ==", "OID 1 1 AQ==", "00fe00010101");
        round_trip(Rtype::CERT, "65535 1 ED25519 AQ==", "65535 1 15 AQ==", "ffff00010f01");
        round_trip(Rtype::CERT, "0 1 1 AQ==", "0 1 1 AQ==", "0000000101 01");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::CERT, "X509 1 1 AQ==", "bad CERT certificate type `X509`");
        rejects(Rtype::CERT, "65536 1 1 AQ==", "bad CERT certificate type");
        rejects(Rtype::CERT, "1 65536 1 AQ==", "bad CERT key tag");
        rejects(Rtype::CERT, "1 1 256 AQ==", "bad DNSSEC algorithm");
        rejects(Rtype::CERT, "1 1 FOO AQ==", "bad DNSSEC algorithm `FOO`");
        rejects(Rtype::CERT, "1 1 1", "missing CERT certificate");
        rejects(Rtype::CERT, "1 1 1 AQ", "bad CERT certificate");
        rejects(Rtype::CERT, "\\# 5 0001000101", "not valid for type CERT");
    }
}
