use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

/// A mail exchange (RFC 1035 §3.3.9).
///
/// Wire format: preference (u16), exchange (compressible name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// The mail server.
    pub exchange: Name,
}

impl RecordType for Mx {
    const RTYPE: Rtype = Rtype::MX;

    fn decode(r: &mut Reader<'_>) -> Result<Mx, WireError> {
        Ok(Mx { preference: r.u16()?, exchange: r.name()? })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.preference);
        w.compressible_name(&self.exchange);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Mx, TextError> {
        Ok(Mx { preference: t.int("MX preference")?, exchange: t.name("mail exchange")? })
    }
}

impl fmt::Display for Mx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.preference, self.exchange)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(Rtype::MX, "10 mail", "10 mail.example.", "000a046d61696c076578616d706c6500");
    }

    #[test]
    fn rejects_bad_preference() {
        rejects(Rtype::MX, "65536 mail.", "bad MX preference");
        rejects(Rtype::MX, "10", "missing mail exchange");
    }
}
