use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_hex};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A message digest over a zone's contents (RFC 8976 §2).
///
/// Wire format: serial (u32), scheme (u8), hash algorithm (u8), digest (the rest).
///
/// As BIND checks, on wire and in text: the digest is at least 12 octets (RFC 8976 §2.2.4), and
/// exactly 48 for SHA-384 (1) and 64 for SHA-512 (2). Knot and ldns check neither. Schemes and
/// other algorithms are not checked against the registry (a verifier ignores what it does not
/// know, RFC 8976 §4). The digest is printed as one lowercase hex token, as ldns does (BIND
/// prints upper case in pieces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Zonemd {
    /// The SOA serial of the zone the digest covers.
    pub serial: u32,
    /// How the zone was digested: 1 SIMPLE.
    pub scheme: u8,
    /// The hash: 1 SHA-384, 2 SHA-512.
    pub hash_algorithm: u8,
    /// The digest.
    pub digest: Vec<u8>,
}

/// The shortest digest RFC 8976 §2.2.4 allows.
const MIN_DIGEST_LEN: usize = 12;

/// The digest length of a hash algorithm, for those RFC 8976 defines.
pub fn digest_len(hash_algorithm: u8) -> Option<usize> {
    match hash_algorithm {
        1 => Some(48),
        2 => Some(64),
        _ => None,
    }
}

/// What is wrong with a digest's length, if anything.
fn length_problem(hash_algorithm: u8, digest: &[u8]) -> Option<String> {
    match digest_len(hash_algorithm) {
        Some(len) if digest.len() != len => Some(format!(
            "ZONEMD digest of hash algorithm {hash_algorithm} must be {len} octets, not {}",
            digest.len()
        )),
        _ if digest.len() < MIN_DIGEST_LEN => Some(format!(
            "ZONEMD digest must be at least {MIN_DIGEST_LEN} octets, not {}",
            digest.len()
        )),
        _ => None,
    }
}

impl RecordType for Zonemd {
    const RTYPE: Rtype = Rtype::ZONEMD;

    fn decode(r: &mut Reader<'_>) -> Result<Zonemd, WireError> {
        let serial = r.u32()?;
        let scheme = r.u8()?;
        let hash_algorithm = r.u8()?;
        let at = r.position();
        let digest = r.rest().to_vec();
        if length_problem(hash_algorithm, &digest).is_some() {
            return Err(WireError::new(
                at,
                WireErrorKind::BadLength("ZONEMD digest length does not fit its hash algorithm"),
            ));
        }
        Ok(Zonemd { serial, scheme, hash_algorithm, digest })
    }

    fn encode(&self, w: &mut Writer) {
        w.u32(self.serial);
        w.u8(self.scheme);
        w.u8(self.hash_algorithm);
        w.bytes(&self.digest);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Zonemd, TextError> {
        let serial = t.int("ZONEMD serial (0-4294967295)")?;
        let scheme = t.int("ZONEMD scheme (0-255)")?;
        let hash_algorithm = t.int("ZONEMD hash algorithm (0-255)")?;
        let at = t.position();
        let digest = t.hex_rest("ZONEMD digest (hexadecimal)")?;
        if let Some(problem) = length_problem(hash_algorithm, &digest) {
            return Err(TextError::at(at, problem));
        }
        if digest.len() > usize::from(u16::MAX) - 6 {
            return Err(TextError::at(
                at,
                "ZONEMD digest makes the RDATA longer than 65535 octets",
            ));
        }
        Ok(Zonemd { serial, scheme, hash_algorithm, digest })
    }
}

impl fmt::Display for Zonemd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.serial, self.scheme, self.hash_algorithm)?;
        write_hex(f, &self.digest)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    // RFC 8976 Appendix A.1.
    const SHA384: &str = "c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c";

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::ZONEMD,
            &format!("2018031900 1 1 {} {}", &SHA384[..48].to_uppercase(), &SHA384[48..]),
            &format!("2018031900 1 1 {SHA384}"),
            &format!("7848b91c0101{SHA384}"),
        );
        let sha512 = "ab".repeat(64);
        round_trip(
            Rtype::ZONEMD,
            &format!("4294967295 1 2 {sha512}"),
            &format!("4294967295 1 2 {sha512}"),
            &format!("ffffffff0102{sha512}"),
        );
        round_trip(
            Rtype::ZONEMD,
            "1 240 0 00112233445566778899aabb",
            "1 240 0 00112233445566778899aabb",
            "00000001f00000112233445566778899aabb",
        );
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::ZONEMD, "1 1 1 00112233445566778899aabb", "must be 48 octets, not 12");
        rejects(Rtype::ZONEMD, &format!("1 1 2 {SHA384}"), "must be 64 octets, not 48");
        rejects(Rtype::ZONEMD, "1 1 240 00112233445566778899aa", "at least 12 octets, not 11");
        rejects(Rtype::ZONEMD, "1 1 1", "missing ZONEMD digest");
        rejects(Rtype::ZONEMD, "1 1 1 xyz", "bad ZONEMD digest");
        rejects(Rtype::ZONEMD, "4294967296 1 1 00", "bad ZONEMD serial");
        rejects(Rtype::ZONEMD, "1 256 1 00", "bad ZONEMD scheme");
        rejects(Rtype::ZONEMD, "1 1 SHA384 00", "bad ZONEMD hash algorithm");
        rejects(Rtype::ZONEMD, "\\# 7 00000001010100", "not valid for type ZONEMD");
    }
}
