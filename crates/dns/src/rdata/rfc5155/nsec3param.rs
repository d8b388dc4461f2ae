use std::fmt;

use super::salt;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// The NSEC3 parameters a zone's authoritative servers use to answer (RFC 5155 §4).
///
/// Wire format: hash algorithm (u8), flags (u8), iterations (u16), salt length (u8), salt.
/// Presentation form: `alg flags iterations salt`, the salt in hexadecimal or `-` when empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nsec3param {
    /// Hash algorithm: 1 is SHA-1, the only one assigned.
    pub hash_algorithm: u8,
    /// Flags; RFC 5155 §4.1.2 says servers use only those with all bits zero.
    pub flags: u8,
    /// Extra hash iterations (RFC 9276 recommends 0).
    pub iterations: u16,
    /// Salt, 0 to 255 octets (RFC 9276 recommends none).
    pub salt: Vec<u8>,
}

impl RecordType for Nsec3param {
    const RTYPE: Rtype = Rtype::NSEC3PARAM;

    fn decode(r: &mut Reader<'_>) -> Result<Nsec3param, WireError> {
        Ok(Nsec3param {
            hash_algorithm: r.u8()?,
            flags: r.u8()?,
            iterations: r.u16()?,
            salt: salt::decode(r)?,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.hash_algorithm);
        w.u8(self.flags);
        w.u16(self.iterations);
        salt::encode(&self.salt, w);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Nsec3param, TextError> {
        Ok(Nsec3param {
            hash_algorithm: t.int("NSEC3PARAM hash algorithm (0-255)")?,
            flags: t.int("NSEC3PARAM flags (0-255)")?,
            iterations: t.int("NSEC3PARAM iterations (0-65535)")?,
            salt: salt::parse(t)?,
        })
    }
}

impl fmt::Display for Nsec3param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.hash_algorithm, self.flags, self.iterations)?;
        salt::write(f, &self.salt)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        // RFC 5155 Appendix A; wire checked with dnspython 2.3.
        round_trip(Rtype::NSEC3PARAM, "1 0 12 AABBCCDD", "1 0 12 aabbccdd", "0100000c04aabbccdd");
        round_trip(Rtype::NSEC3PARAM, "1 0 0 -", "1 0 0 -", "0100000000");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::NSEC3PARAM, "1 0 65536 -", "bad NSEC3PARAM iterations");
        rejects(Rtype::NSEC3PARAM, "1 0 0", "missing NSEC3 salt");
        rejects(Rtype::NSEC3PARAM, "1 0 0 abc", "bad NSEC3 salt");
        rejects(Rtype::NSEC3PARAM, "1 0 0 - extra", "extra data");
        rejects(Rtype::NSEC3PARAM, "\\# 5 0100000001", "not valid for type NSEC3PARAM");
        rejects(Rtype::NSEC3PARAM, "\\# 6 010000000000", "not valid for type NSEC3PARAM");
    }
}
