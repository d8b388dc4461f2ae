use std::fmt;

use data_encoding::BASE32HEX_NOPAD;

use super::salt;
use crate::rdata::RecordType;
use crate::rdata::rfc4034::TypeBitmap;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// Hashed authenticated denial of existence (RFC 5155 §3).
///
/// Wire format:
///
/// ```text
/// hash algorithm (u8) | flags (u8) | iterations (u16) | salt length (u8) | salt |
/// hash length (u8) | next hashed owner name | type bitmap
/// ```
///
/// Presentation form: `alg flags iterations salt next types...`, the salt in hexadecimal or `-`,
/// the next hashed owner name in base32hex without padding (RFC 4648 §7), the type bitmap
/// possibly empty (an empty non-terminal's NSEC3 lists no type, RFC 5155 §7.1).
///
/// The hash is read in either case and printed in lower case, as RFC 5155's own examples,
/// dnspython, ldns and Knot do; BIND prints upper case, and both read either.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nsec3 {
    /// Hash algorithm: 1 is SHA-1, the only one assigned.
    pub hash_algorithm: u8,
    /// Flags: bit 0 (value 1) is Opt-Out.
    pub flags: u8,
    /// Extra hash iterations.
    pub iterations: u16,
    /// Salt, 0 to 255 octets.
    pub salt: Vec<u8>,
    /// The next hashed owner name in hash order, 1 to 255 octets (20 for SHA-1).
    pub next_hashed_owner: Vec<u8>,
    /// The types present at the original owner name.
    pub types: TypeBitmap,
}

impl Nsec3 {
    /// The Opt-Out flag (RFC 5155 §3.1.2.1).
    pub const OPT_OUT: u8 = 1;
}

impl RecordType for Nsec3 {
    const RTYPE: Rtype = Rtype::NSEC3;

    fn decode(r: &mut Reader<'_>) -> Result<Nsec3, WireError> {
        let hash_algorithm = r.u8()?;
        let flags = r.u8()?;
        let iterations = r.u16()?;
        let salt = salt::decode(r)?;
        let at = r.position();
        let hash_len = r.u8()?;
        if hash_len == 0 {
            return Err(WireError::new(
                at,
                WireErrorKind::BadLength("NSEC3 next hashed owner name is empty"),
            ));
        }
        let next_hashed_owner = r.bytes(usize::from(hash_len))?.to_vec();
        let types = TypeBitmap::decode(r)?;
        Ok(Nsec3 { hash_algorithm, flags, iterations, salt, next_hashed_owner, types })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.hash_algorithm);
        w.u8(self.flags);
        w.u16(self.iterations);
        salt::encode(&self.salt, w);
        w.u8(self.next_hashed_owner.len() as u8);
        w.bytes(&self.next_hashed_owner);
        self.types.encode(w);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Nsec3, TextError> {
        let hash_algorithm = t.int("NSEC3 hash algorithm (0-255)")?;
        let flags = t.int("NSEC3 flags (0-255)")?;
        let iterations = t.int("NSEC3 iterations (0-65535)")?;
        let salt = salt::parse(t)?;
        let token = t.next("NSEC3 next hashed owner name (base32hex)")?;
        let next_hashed_owner =
            BASE32HEX_NOPAD.decode(&token.text.to_ascii_uppercase()).map_err(|e| {
                t.error_here(format!(
                    "bad NSEC3 next hashed owner name `{}`: not base32hex without padding ({e})",
                    lossy(token.text)
                ))
            })?;
        if next_hashed_owner.is_empty() || next_hashed_owner.len() > 255 {
            return Err(t.error_here("NSEC3 next hashed owner name must be 1 to 255 octets"));
        }
        let types = TypeBitmap::parse_text(t)?;
        Ok(Nsec3 { hash_algorithm, flags, iterations, salt, next_hashed_owner, types })
    }
}

impl fmt::Display for Nsec3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.hash_algorithm, self.flags, self.iterations)?;
        salt::write(f, &self.salt)?;
        let hash = BASE32HEX_NOPAD.encode(&self.next_hashed_owner).to_ascii_lowercase();
        write!(f, " {hash}")?;
        if !self.types.is_empty() {
            write!(f, " {}", self.types)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn rfc5155_appendix_a_examples() {
        // Wire checked with dnspython 2.3.
        round_trip(
            Rtype::NSEC3,
            "1 1 12 aabbccdd 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR MX DNSKEY NS SOA NSEC3PARAM RRSIG",
            "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM",
            "0101000c04aabbccdd14174eb2409fe28bcb4887a1836f957f0a8425e27b000722010000000290",
        );
        // An empty non-terminal: no types.
        round_trip(
            Rtype::NSEC3,
            "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
            "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
            "010000000014174eb2409fe28bcb4887a1836f957f0a8425e27b",
        );
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::NSEC3, "1 0 0 -", "missing NSEC3 next hashed owner name");
        rejects(Rtype::NSEC3, "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22boj=", "not base32hex");
        rejects(Rtype::NSEC3, "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojz", "not base32hex");
        rejects(Rtype::NSEC3, "1 0 0 - 2t7b4g4v A BOGUS", "not a record type");
        rejects(Rtype::NSEC3, "\\# 6 010000000000", "not valid for type NSEC3");
        rejects(Rtype::NSEC3, "\\# 8 01000000000100 00", "not valid for type NSEC3");
    }
}
