use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_base64};
use crate::wire::{Reader, WireError, Writer};

/// A DHCP client's identity, for conflict detection in dynamic updates (RFC 4701 §3).
///
/// Wire format: the whole RDATA (at least one octet), in base64 in text (possibly split across
/// tokens) and printed as one token.
///
/// RFC 4701 §3.3 gives the octets a structure (identifier type u16, digest type u8, digest), but
/// the record is opaque to everyone but the DHCP server, and BIND, Knot and ldns do not check it,
/// so neither does nameward.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dhcid {
    /// The RDATA octets.
    pub data: Vec<u8>,
}

impl RecordType for Dhcid {
    const RTYPE: Rtype = Rtype::DHCID;

    fn decode(r: &mut Reader<'_>) -> Result<Dhcid, WireError> {
        // The caller refuses empty RDATA outside UPDATE, so there is at least one octet.
        Ok(Dhcid { data: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.data);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Dhcid, TextError> {
        let data = t.base64_rest("DHCID data (base64)")?;
        if data.len() > usize::from(u16::MAX) {
            return Err(TextError::record("DHCID data is longer than 65535 octets"));
        }
        Ok(Dhcid { data })
    }
}

impl fmt::Display for Dhcid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_base64(f, &self.data)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        // RFC 4701 §3.6, first example.
        round_trip(
            Rtype::DHCID,
            "AAIBY2/AuCccgoJbsaxcQc9TUapptP69l OjxfNuVAA2kjEA=",
            "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
            "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40",
        );
        round_trip(Rtype::DHCID, "AA==", "AA==", "00");
    }

    #[test]
    fn rejects_bad_data() {
        rejects(Rtype::DHCID, "", "missing DHCID data");
        rejects(Rtype::DHCID, "AAIB*", "bad DHCID data");
        rejects(Rtype::DHCID, "\\# 0", "not valid for type DHCID");
    }
}
