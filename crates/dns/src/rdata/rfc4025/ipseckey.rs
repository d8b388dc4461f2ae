use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy, write_base64};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// An IPsec keying gateway and key (RFC 4025 §2).
///
/// Wire format: precedence (u8), gateway type (u8), algorithm (u8), gateway (nothing, four or
/// sixteen address octets, or an uncompressed name, by gateway type), public key (the rest,
/// possibly empty).
///
/// Gateway types above 3 are refused on wire and in text: their gateway's length is unknown, and
/// BIND, Knot and ldns refuse them too. The public key may be left out in text (RFC 4025 §2.5
/// allows an empty key, for a gateway with no key); Knot agrees, BIND and ldns require one. The
/// gateway name is written uncompressed and keeps its case in canonical form (RFC 4034 §6.2 does
/// not list IPSECKEY); a strict decoder refuses a compressed one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ipseckey {
    /// Lower is tried first.
    pub precedence: u8,
    /// The key's algorithm: 0 none, 1 DSA, 2 RSA, 3 ECDSA (RFC 8005); kept as it is.
    pub algorithm: u8,
    /// Where to connect.
    pub gateway: Gateway,
    /// The public key in the algorithm's DNS format; may be empty.
    pub public_key: Vec<u8>,
}

/// An IPSECKEY gateway, one variant per gateway type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Gateway {
    /// Type 0: no gateway, `.` in text.
    None,
    /// Type 1: an IPv4 address.
    Ipv4(Ipv4Addr),
    /// Type 2: an IPv6 address.
    Ipv6(Ipv6Addr),
    /// Type 3: a domain name.
    Name(Name),
}

impl Gateway {
    /// The gateway type number.
    pub fn gateway_type(&self) -> u8 {
        match self {
            Gateway::None => 0,
            Gateway::Ipv4(_) => 1,
            Gateway::Ipv6(_) => 2,
            Gateway::Name(_) => 3,
        }
    }
}

impl RecordType for Ipseckey {
    const RTYPE: Rtype = Rtype::IPSECKEY;

    fn decode(r: &mut Reader<'_>) -> Result<Ipseckey, WireError> {
        let precedence = r.u8()?;
        let at = r.position();
        let gateway_type = r.u8()?;
        let algorithm = r.u8()?;
        let gateway = match gateway_type {
            0 => Gateway::None,
            1 => Gateway::Ipv4(Ipv4Addr::from(r.array::<4>()?)),
            2 => Gateway::Ipv6(Ipv6Addr::from(r.array::<16>()?)),
            3 => Gateway::Name(r.uncompressed_name()?),
            _ => {
                return Err(WireError::new(
                    at,
                    WireErrorKind::BadValue("IPSECKEY gateway type is not 0-3"),
                ));
            }
        };
        Ok(Ipseckey { precedence, algorithm, gateway, public_key: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.precedence);
        w.u8(self.gateway.gateway_type());
        w.u8(self.algorithm);
        match &self.gateway {
            Gateway::None => {}
            Gateway::Ipv4(address) => w.bytes(&address.octets()),
            Gateway::Ipv6(address) => w.bytes(&address.octets()),
            Gateway::Name(name) => w.plain_name(name),
        }
        w.bytes(&self.public_key);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Ipseckey, TextError> {
        let precedence = t.int("IPSECKEY precedence (0-255)")?;
        let gateway_type: u8 = t.int("IPSECKEY gateway type (0-3)")?;
        if gateway_type > 3 {
            return Err(t.error_here(format!(
                "bad IPSECKEY gateway type {gateway_type}: expected 0 (none), 1 (IPv4), 2 (IPv6) \
                 or 3 (name)"
            )));
        }
        let algorithm = t.int("IPSECKEY algorithm (0-255)")?;
        let gateway = match gateway_type {
            0 => {
                let token = t.next("IPSECKEY gateway (`.` for gateway type 0)")?;
                if token.text != b"." {
                    return Err(t.error_here(format!(
                        "bad IPSECKEY gateway `{}`: gateway type 0 takes `.`",
                        lossy(token.text)
                    )));
                }
                Gateway::None
            }
            1 => Gateway::Ipv4(address(t, "IPSECKEY gateway (an IPv4 address)")?),
            2 => Gateway::Ipv6(address(t, "IPSECKEY gateway (an IPv6 address)")?),
            _ => Gateway::Name(t.name("IPSECKEY gateway (a domain name)")?),
        };
        let public_key =
            if t.is_empty() { Vec::new() } else { t.base64_rest("IPSECKEY public key (base64)")? };
        if public_key.len() > usize::from(u16::MAX) {
            return Err(TextError::record("IPSECKEY public key is longer than 65535 octets"));
        }
        Ok(Ipseckey { precedence, algorithm, gateway, public_key })
    }
}

fn address<T: std::str::FromStr>(t: &mut Tokens<'_>, what: &'static str) -> Result<T, TextError> {
    let token = t.next(what)?;
    std::str::from_utf8(token.text)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| t.error_here(format!("bad {what}: `{}`", lossy(token.text))))
}

impl fmt::Display for Ipseckey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.precedence, self.gateway.gateway_type(), self.algorithm)?;
        match &self.gateway {
            Gateway::None => f.write_str(".")?,
            Gateway::Ipv4(address) => write!(f, "{address}")?,
            Gateway::Ipv6(address) => write!(f, "{address}")?,
            Gateway::Name(name) => write!(f, "{name}")?,
        }
        if !self.public_key.is_empty() {
            f.write_str(" ")?;
            write_base64(f, &self.public_key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::RecordData;
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{DecodeOptions, Reader};

    // RFC 4025 §3.
    const KEY: &str = "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==";
    const KEY_HEX: &str = "010351537986ed35533b6064478eeeb27b5bd74dae14";
    const KEY_HEX_2: &str = "9b6e81ba3a0521af82ab7801";

    #[test]
    fn round_trips() {
        let key = format!("{KEY_HEX}{KEY_HEX_2}");
        round_trip(
            Rtype::IPSECKEY,
            &format!("10 1 2 192.0.2.38 {KEY}"),
            &format!("10 1 2 192.0.2.38 {KEY}"),
            &format!("0a0102c0000226{key}"),
        );
        round_trip(
            Rtype::IPSECKEY,
            &format!("10 0 2 . {}  {}", &KEY[..20], &KEY[20..]),
            &format!("10 0 2 . {KEY}"),
            &format!("0a0002{key}"),
        );
        round_trip(
            Rtype::IPSECKEY,
            &format!("10 3 2 mygateway.example.com. {KEY}"),
            &format!("10 3 2 mygateway.example.com. {KEY}"),
            &format!("0a0302096d7967617465776179076578616d706c6503636f6d00{key}"),
        );
        round_trip(
            Rtype::IPSECKEY,
            &format!("10 2 2 2001:0DB8:0:8002::2000:1 {KEY}"),
            &format!("10 2 2 2001:db8:0:8002::2000:1 {KEY}"),
            &format!("0a020220010db8000080020000000020000001{key}"),
        );
        round_trip(Rtype::IPSECKEY, "255 0 0 .", "255 0 0 .", "ff0000");
        round_trip(
            Rtype::IPSECKEY,
            "1 3 0 GW",
            "1 3 0 GW.example.",
            "010300024757076578616d706c6500",
        );
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::IPSECKEY, "10 1 2 gw AQID", "bad IPSECKEY gateway (an IPv4 address)");
        rejects(Rtype::IPSECKEY, "10 2 2 192.0.2.1 AQID", "an IPv6 address");
        rejects(Rtype::IPSECKEY, "10 4 2 . AQID", "bad IPSECKEY gateway type 4");
        rejects(Rtype::IPSECKEY, "10 0 2 gw AQID", "gateway type 0 takes `.`");
        rejects(Rtype::IPSECKEY, "10 3 2 gw AQ", "bad IPSECKEY public key");
        rejects(Rtype::IPSECKEY, "10 3 2", "missing IPSECKEY gateway");
        rejects(Rtype::IPSECKEY, "256 3 2 gw", "bad IPSECKEY precedence");
        rejects(Rtype::IPSECKEY, "10 3 256 gw", "bad IPSECKEY algorithm");
        rejects(Rtype::IPSECKEY, "\\# 3 0a0402", "not valid for type IPSECKEY");
        rejects(Rtype::IPSECKEY, "\\# 6 0a010201020304", "says 6 octets");
        rejects(Rtype::IPSECKEY, "\\# 6 0a0102010203", "not valid for type IPSECKEY");
    }

    #[test]
    fn compressed_gateway_is_refused_when_strict() {
        let message = b"\x07example\x00\x0a\x03\x02\xc0\x00";
        let mut r = Reader::new(message, DecodeOptions::STRICT);
        r.bytes(9).unwrap();
        let mut window = r.split_window(5).unwrap();
        assert!(RecordData::decode(Rtype::IPSECKEY, &mut window).is_err());
        let mut r = Reader::new(message, DecodeOptions::LENIENT);
        r.bytes(9).unwrap();
        let mut window = r.split_window(5).unwrap();
        let data = RecordData::decode(Rtype::IPSECKEY, &mut window).unwrap();
        assert_eq!(data.to_string(), "10 3 2 example.");
    }
}
