use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy};
use crate::wire::{Reader, WireError, Writer};

/// An IEEE Extended Unique Identifier of `N` octets (RFC 7043 §3 and §4); the record type is
/// `RTYPE` ([`Eui48`] or [`Eui64`]).
///
/// Wire format: the `N` octets. Text: `N` groups of exactly two hexadecimal digits (either case)
/// joined by `-`, such as `00-00-5e-00-53-2a`, printed in lower case. Groups of one digit and a
/// trailing `-`, which BIND's scanner lets through, are refused, as Knot and ldns refuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Eui<const RTYPE: u16, const N: usize> {
    /// The identifier.
    pub address: [u8; N],
}

/// A 48-bit identifier, such as an Ethernet MAC address (RFC 7043 §3).
pub type Eui48 = Eui<{ Rtype::EUI48.0 }, 6>;

/// A 64-bit identifier (RFC 7043 §4).
pub type Eui64 = Eui<{ Rtype::EUI64.0 }, 8>;

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Parses `xx-xx-…` with exactly `N` groups.
fn parse_groups<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != N * 3 - 1 {
        return None;
    }
    let mut address = [0u8; N];
    for (i, (octet, group)) in address.iter_mut().zip(text.chunks(3)).enumerate() {
        match group {
            [hi, lo, rest @ ..] if rest.is_empty() || (rest == b"-" && i + 1 < N) => {
                *octet = (hex_digit(*hi)? << 4) | hex_digit(*lo)?;
            }
            _ => return None,
        }
    }
    Some(address)
}

impl<const RTYPE: u16, const N: usize> RecordType for Eui<RTYPE, N> {
    const RTYPE: Rtype = Rtype(RTYPE);

    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Eui { address: r.array::<N>()? })
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.address);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Self, TextError> {
        let token = t.next("EUI address")?;
        let address = parse_groups::<N>(token.text).ok_or_else(|| {
            t.error_here(format!(
                "bad EUI{} address `{}`: expected {N} pairs of hexadecimal digits joined by `-`",
                N * 8,
                lossy(token.text)
            ))
        })?;
        Ok(Eui { address })
    }
}

impl<const RTYPE: u16, const N: usize> fmt::Display for Eui<RTYPE, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, octet) in self.address.iter().enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            write!(f, "{octet:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        // RFC 7043 §3.2 and §4.2.
        round_trip(Rtype::EUI48, "00-00-5e-00-53-2a", "00-00-5e-00-53-2a", "00005e00532a");
        round_trip(
            Rtype::EUI64,
            "00-00-5E-EF-10-00-00-2A",
            "00-00-5e-ef-10-00-00-2a",
            "00005eef1000002a",
        );
        round_trip(Rtype::EUI48, "ff-FF-ff-ff-ff-ff", "ff-ff-ff-ff-ff-ff", "ffffffffffff");
    }

    #[test]
    fn rejects_bad_addresses() {
        rejects(Rtype::EUI48, "00-00-5e-00-53", "bad EUI48 address");
        rejects(Rtype::EUI48, "00:00:5e:00:53:2a", "bad EUI48 address");
        rejects(Rtype::EUI48, "0-00-5e-00-53-2a-", "bad EUI48 address");
        rejects(Rtype::EUI48, "00005e00532a", "bad EUI48 address");
        rejects(Rtype::EUI48, "00-00-5e-00-53-2g", "bad EUI48 address");
        rejects(Rtype::EUI48, "00-00-5e-00-53-2a-", "bad EUI48 address");
        rejects(Rtype::EUI64, "00-00-5e-ef-10-00-00-2", "bad EUI64 address");
        rejects(Rtype::EUI64, "00-00-5e-00-53-2a", "bad EUI64 address");
        rejects(Rtype::EUI48, "00-00-5e-00-53-2a 00", "unexpected extra data");
        rejects(Rtype::EUI48, "", "missing EUI address");
        rejects(Rtype::EUI48, "\\# 5 00005e0053", "not valid for type EUI48");
        rejects(Rtype::EUI64, "\\# 6 00005e00532a", "not valid for type EUI64");
    }
}
