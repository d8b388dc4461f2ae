use std::fmt;
use std::net::Ipv4Addr;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy};
use crate::wire::{Reader, WireError, Writer};

/// An IPv4 address (RFC 1035 §3.4.1).
///
/// Wire format: four octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct A {
    /// The address.
    pub address: Ipv4Addr,
}

impl RecordType for A {
    const RTYPE: Rtype = Rtype::A;

    fn decode(r: &mut Reader<'_>) -> Result<A, WireError> {
        Ok(A { address: Ipv4Addr::from(r.array::<4>()?) })
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.address.octets());
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<A, TextError> {
        let token = t.next("IPv4 address")?;
        let address = std::str::from_utf8(token.text)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| t.error_here(format!("bad IPv4 address `{}`", lossy(token.text))))?;
        Ok(A { address })
    }
}

impl fmt::Display for A {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.address.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(Rtype::A, "192.0.2.1", "192.0.2.1", "c0000201");
    }

    #[test]
    fn rejects_bad_addresses() {
        rejects(Rtype::A, "192.0.2", "bad IPv4 address");
        rejects(Rtype::A, "192.0.2.1 192.0.2.2", "extra data");
        rejects(Rtype::A, "\\# 3 c00002", "not valid for type A");
    }
}
