use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, parse_decimal};
use crate::wire::{Reader, WireError, Writer};
use crate::zone::parse_ttl;

/// Start of a zone of authority (RFC 1035 §3.3.13).
///
/// Wire format: mname, rname (compressible names), serial, refresh, retry, expire, minimum (u32).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Soa {
    /// The primary name server.
    pub mname: Name,
    /// The mailbox of the person responsible, with the `@` written as a dot.
    pub rname: Name,
    /// Version of the zone (RFC 1982 serial number arithmetic).
    pub serial: u32,
    /// Seconds between secondary refreshes.
    pub refresh: u32,
    /// Seconds between retries of a failed refresh.
    pub retry: u32,
    /// Seconds after which a secondary stops answering without a refresh.
    pub expire: u32,
    /// TTL of negative answers (RFC 2308).
    pub minimum: u32,
}

impl RecordType for Soa {
    const RTYPE: Rtype = Rtype::SOA;

    fn decode(r: &mut Reader<'_>) -> Result<Soa, WireError> {
        Ok(Soa {
            mname: r.name()?,
            rname: r.name()?,
            serial: r.u32()?,
            refresh: r.u32()?,
            retry: r.u32()?,
            expire: r.u32()?,
            minimum: r.u32()?,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.compressible_name(&self.mname);
        w.compressible_name(&self.rname);
        for value in [self.serial, self.refresh, self.retry, self.expire, self.minimum] {
            w.u32(value);
        }
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Soa, TextError> {
        let mname = t.name("primary name server (SOA MNAME)")?;
        let rname = t.name("responsible mailbox (SOA RNAME)")?;
        let serial = t.int("SOA serial")?;
        let mut times = [0u32; 4];
        for (slot, what) in
            times.iter_mut().zip(["SOA refresh", "SOA retry", "SOA expire", "SOA minimum"])
        {
            let token = t.next(what)?;
            // The fields are 32-bit unsigned on the wire, so plain seconds may use all 32 bits
            // (as BIND reads them); the 2^31-1 TTL ceiling applies only to the unit form.
            *slot = if token.text.iter().all(u8::is_ascii_digit) {
                parse_decimal(token.text)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| t.error_here(format!("bad {what}: larger than 4294967295")))?
            } else {
                parse_ttl(token.text).map_err(|m| t.error_here(format!("bad {what}: {m}")))?
            };
        }
        let [refresh, retry, expire, minimum] = times;
        Ok(Soa { mname, rname, serial, refresh, retry, expire, minimum })
    }
}

impl fmt::Display for Soa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {}",
            self.mname,
            self.rname,
            self.serial,
            self.refresh,
            self.retry,
            self.expire,
            self.minimum
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::SOA,
            "ns1 hostmaster 2026112101 1h 15m 1w 300",
            "ns1.example. hostmaster.example. 2026112101 3600 900 604800 300",
            "036e7331076578616d706c65000a686f73746d6173746572076578616d706c6500\
             78c40465 00000e10 00000384 00093a80 0000012c",
        );
    }

    #[test]
    fn timers_take_every_32_bit_value_in_seconds() {
        round_trip(
            Rtype::SOA,
            "ns1 hostmaster 1 4294967295 2147483648 3 4",
            "ns1.example. hostmaster.example. 1 4294967295 2147483648 3 4",
            "036e7331076578616d706c65000a686f73746d6173746572076578616d706c6500\
             00000001 ffffffff 80000000 00000003 00000004",
        );
        rejects(Rtype::SOA, "ns1 hostmaster 1 4294967296 2 3 4", "bad SOA refresh");
        rejects(Rtype::SOA, "ns1 hostmaster 1 2 3 4 3000000000s", "bad SOA minimum");
    }

    #[test]
    fn rejects_short_soa() {
        rejects(Rtype::SOA, "ns1 hostmaster 1 2 3 4", "missing SOA minimum");
        rejects(Rtype::SOA, "ns1 hostmaster 4294967296 2 3 4 5", "bad SOA serial");
    }
}
