use std::fmt;
use std::net::Ipv6Addr;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy};
use crate::wire::{Reader, WireError, Writer};

/// An IPv6 address (RFC 3596 §2.2).
///
/// Wire format: sixteen octets. Printed in the RFC 5952 recommended form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aaaa {
    /// The address.
    pub address: Ipv6Addr,
}

impl RecordType for Aaaa {
    const RTYPE: Rtype = Rtype::AAAA;

    fn decode(r: &mut Reader<'_>) -> Result<Aaaa, WireError> {
        Ok(Aaaa { address: Ipv6Addr::from(r.array::<16>()?) })
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.address.octets());
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Aaaa, TextError> {
        let token = t.next("IPv6 address")?;
        let address = std::str::from_utf8(token.text)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| t.error_here(format!("bad IPv6 address `{}`", lossy(token.text))))?;
        Ok(Aaaa { address })
    }
}

impl fmt::Display for Aaaa {
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
        round_trip(
            Rtype::AAAA,
            "2001:DB8:0:0:0:0:0:1",
            "2001:db8::1",
            "20010db8000000000000000000000001",
        );
        round_trip(
            Rtype::AAAA,
            "::ffff:192.0.2.1",
            "::ffff:192.0.2.1",
            "00000000000000000000ffffc0000201",
        );
    }

    #[test]
    fn rejects_bad_addresses() {
        rejects(Rtype::AAAA, "", "missing IPv6 address");
        rejects(Rtype::AAAA, "192.0.2.1", "bad IPv6 address");
        rejects(Rtype::AAAA, "2001:db8::1::2", "bad IPv6 address");
        rejects(Rtype::AAAA, "2001:db8::1 2001:db8::2", "extra data");
        rejects(Rtype::AAAA, "\\# 4 c0000201", "not valid for type AAAA");
    }
}
