use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_hex};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// The fingerprint of an SSH host key (RFC 4255 §3.1, RFC 6594).
///
/// Wire format: algorithm (u8), fingerprint type (u8), fingerprint (the rest, at least one octet).
///
/// A fingerprint of a known type must have that digest's length (SHA-1: 20, SHA-256: 32 octets),
/// on wire and in text, as BIND checks; Knot and ldns do not, but a fingerprint of another length
/// can never match a key. Unknown types take any non-empty fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sshfp {
    /// The key algorithm: 1 RSA, 2 DSA, 3 ECDSA, 4 Ed25519, 6 Ed448.
    pub algorithm: u8,
    /// The digest: 1 SHA-1, 2 SHA-256.
    pub fp_type: u8,
    /// The digest of the public key.
    pub fingerprint: Vec<u8>,
}

/// The length of a fingerprint of `fp_type`, where the type is known.
fn fingerprint_len(fp_type: u8) -> Option<usize> {
    match fp_type {
        1 => Some(20),
        2 => Some(32),
        _ => None,
    }
}

fn length_ok(fp_type: u8, fingerprint: &[u8]) -> bool {
    !fingerprint.is_empty() && fingerprint_len(fp_type).is_none_or(|len| fingerprint.len() == len)
}

impl RecordType for Sshfp {
    const RTYPE: Rtype = Rtype::SSHFP;

    fn decode(r: &mut Reader<'_>) -> Result<Sshfp, WireError> {
        let algorithm = r.u8()?;
        let fp_type = r.u8()?;
        let at = r.position();
        let fingerprint = r.rest().to_vec();
        if !length_ok(fp_type, &fingerprint) {
            return Err(WireError::new(
                at,
                WireErrorKind::BadLength("SSHFP fingerprint length does not fit its type"),
            ));
        }
        Ok(Sshfp { algorithm, fp_type, fingerprint })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.algorithm);
        w.u8(self.fp_type);
        w.bytes(&self.fingerprint);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Sshfp, TextError> {
        let algorithm = t.int("SSHFP algorithm (0-255)")?;
        let fp_type = t.int("SSHFP fingerprint type (0-255)")?;
        let at = t.position();
        let fingerprint = t.hex_rest("SSHFP fingerprint (hexadecimal)")?;
        if !length_ok(fp_type, &fingerprint) {
            let expected = fingerprint_len(fp_type).unwrap_or(1);
            return Err(TextError::at(
                at,
                format!(
                    "SSHFP fingerprint of type {fp_type} must be {expected} octets, not {}",
                    fingerprint.len()
                ),
            ));
        }
        Ok(Sshfp { algorithm, fp_type, fingerprint })
    }
}

impl fmt::Display for Sshfp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.algorithm, self.fp_type)?;
        write_hex(f, &self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    const SHA1: &str = "123456789abcdef67890123456789abcdef67890";

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::SSHFP,
            &format!("2 1 {}", SHA1.to_uppercase()),
            &format!("2 1 {SHA1}"),
            &format!("0201{SHA1}"),
        );
        round_trip(
            Rtype::SSHFP,
            &format!("4 1 {} {}", &SHA1[..8], &SHA1[8..]),
            &format!("4 1 {SHA1}"),
            &format!("0401{SHA1}"),
        );
        round_trip(
            Rtype::SSHFP,
            "4 2 0102030405060708090a0b0c0d0e0f10 1112131415161718191a1b1c1d1e1f20",
            "4 2 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
            "04020102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
        );
        round_trip(Rtype::SSHFP, "1 9 ab", "1 9 ab", "0109ab");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::SSHFP, "1 1 1234", "must be 20 octets, not 2");
        rejects(Rtype::SSHFP, &format!("1 2 {SHA1}"), "must be 32 octets, not 20");
        rejects(Rtype::SSHFP, "1 1", "missing SSHFP fingerprint");
        rejects(Rtype::SSHFP, "1 0 -", "bad SSHFP fingerprint");
        rejects(Rtype::SSHFP, "1 0 abc", "bad SSHFP fingerprint");
        rejects(Rtype::SSHFP, &format!("256 1 {SHA1}"), "bad SSHFP algorithm");
        rejects(Rtype::SSHFP, "1", "missing SSHFP fingerprint type");
        rejects(Rtype::SSHFP, "\\# 2 0109", "not valid for type SSHFP");
        rejects(Rtype::SSHFP, "\\# 3 010112", "not valid for type SSHFP");
    }
}
