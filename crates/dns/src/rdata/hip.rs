//! The Host Identity Protocol record (RFC 5205 §5–6, RFC 8005).

use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, decode_base64, lossy, write_base64, write_hex};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A host's identity: its Host Identity Tag, public key and rendezvous servers.
///
/// Wire format (RFC 5205 §5):
///
/// ```text
/// HIT length (u8) | PK algorithm (u8) | PK length (u16) | HIT | public key | RVS names...
/// ```
///
/// Rendezvous server names are never compressed. A strict decoder refuses a compressed one; a
/// lenient decoder ([`crate::wire::DecodeOptions::LENIENT`]) follows the pointer.
/// In canonical form (RFC 4034 §6.2, which does not list HIP) the names keep their case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hip {
    /// Public key algorithm from the IPSECKEY registry: 1 DSA, 2 RSA, 3 ECDSA, 4 EdDSA; other
    /// values are kept as they are.
    pub algorithm: u8,
    /// Host Identity Tag, 1 to 255 octets (16 for an ORCHID).
    pub hit: Vec<u8>,
    /// The Host Identity, 1 to 65535 octets, in the algorithm's DNS key format.
    pub public_key: Vec<u8>,
    /// Rendezvous servers in order of preference.
    pub rendezvous_servers: Vec<Name>,
}

/// The mnemonic of a HIP public key algorithm, for documentation and messages.
pub fn algorithm_name(algorithm: u8) -> Option<&'static str> {
    match algorithm {
        1 => Some("DSA"),
        2 => Some("RSA"),
        3 => Some("ECDSA"),
        4 => Some("EdDSA"),
        _ => None,
    }
}

/// Text that explains the RFC 5205 §7 trap, for errors where a key looks wrapped.
pub(crate) const WRAPPED_KEY_HINT: &str = "the base64 public key must be a single token with no whitespace \
    inside (RFC 5205 §6); the examples printed in RFC 5205 §7 wrap the key across lines, which is \
    not valid master-file syntax: join the key onto one line";

impl RecordType for Hip {
    const RTYPE: Rtype = Rtype::HIP;

    fn decode(r: &mut Reader<'_>) -> Result<Hip, WireError> {
        let start = r.position();
        let hit_len = r.u8()?;
        let algorithm = r.u8()?;
        let key_len = r.u16()?;
        if hit_len == 0 {
            return Err(WireError::new(start, WireErrorKind::BadLength("HIP HIT length is zero")));
        }
        if key_len == 0 {
            return Err(WireError::new(
                start + 2,
                WireErrorKind::BadLength("HIP public key length is zero"),
            ));
        }
        // The lengths are checked against RDLENGTH before anything is copied.
        if usize::from(hit_len) + usize::from(key_len) > r.remaining() {
            return Err(WireError::new(
                start,
                WireErrorKind::BadLength("HIP HIT and key overrun RDATA"),
            ));
        }
        let hit = r.bytes(usize::from(hit_len))?.to_vec();
        let public_key = r.bytes(usize::from(key_len))?.to_vec();
        let mut rendezvous_servers = Vec::new();
        while !r.is_empty() {
            rendezvous_servers.push(r.uncompressed_name()?);
        }
        Ok(Hip { algorithm, hit, public_key, rendezvous_servers })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.hit.len() as u8);
        w.u8(self.algorithm);
        w.u16(self.public_key.len() as u16);
        w.bytes(&self.hit);
        w.bytes(&self.public_key);
        for rvs in &self.rendezvous_servers {
            w.plain_name(rvs);
        }
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Hip, TextError> {
        let algorithm = t.int("HIP public key algorithm (0-255)")?;
        let hit = t.hex("HIP HIT (one hexadecimal token)")?;
        if hit.is_empty() || hit.len() > 255 {
            return Err(t.error_here("HIP HIT must be 1 to 255 octets"));
        }
        let key_token = t.next("HIP public key (one base64 token)")?;
        let public_key = decode_base64(key_token.text)
            .map_err(|m| t.error_here(format!("bad HIP public key: {m}; {WRAPPED_KEY_HINT}")))?;
        if public_key.is_empty() || public_key.len() > usize::from(u16::MAX) {
            return Err(t.error_here("HIP public key must be 1 to 65535 octets"));
        }
        let mut rendezvous_servers = Vec::new();
        while let Some(token) = t.peek() {
            let name = t.name("rendezvous server name").map_err(|e| {
                if looks_like_base64_piece(token.text) {
                    TextError { message: format!("{}; {WRAPPED_KEY_HINT}", e.message).into(), ..e }
                } else {
                    e
                }
            })?;
            if looks_like_base64_piece(token.text) && token.text.len() >= 16 {
                return Err(t.error_here(format!(
                    "`{}` reads as a rendezvous server name but looks like part of a base64 key; {WRAPPED_KEY_HINT}",
                    lossy(token.text)
                )));
            }
            rendezvous_servers.push(name);
        }
        Ok(Hip { algorithm, hit, public_key, rendezvous_servers })
    }
}

/// A token with only base64 characters, at least one of `+ / =`, and no dot: part of a key,
/// not a host name or a type.
pub(crate) fn looks_like_base64_piece(text: &[u8]) -> bool {
    !text.contains(&b'.')
        && text.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        && text.iter().any(|c| matches!(c, b'+' | b'/' | b'='))
}

impl fmt::Display for Hip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.algorithm)?;
        write_hex(f, &self.hit)?;
        f.write_str(" ")?;
        write_base64(f, &self.public_key)?;
        for rvs in &self.rendezvous_servers {
            write!(f, " {rvs}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::RecordData;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::wire::DecodeOptions;

    const KEY: &str = "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";
    const RDATA_NO_RVS: &str = "10020084200100107b1a74df365639cc39f1d57803010001b771ca136e4aeb5c\
        e44333c53b3d2c13c22243851fc708bcce29f7e2eb5787b5f56ccad34f8223ac\
        c10904ddb56b2ec4a6d6232f3b50ea094f0914b3b941bbe529af582c36bbadef\
        daf2adaf9b4911906f5b2522603c615272b880ec8fb930cc6ee39c444daa75b1\
        678f005a4b2499d1da5433f805c7a5ad3237acc5dd5c5e43";

    #[test]
    fn rfc5205_section7_examples() {
        let hit_upper = "200100107B1A74DF365639CC39F1D578";
        let hit = hit_upper.to_lowercase();
        round_trip(
            Rtype::HIP,
            &format!("2 {hit_upper} {KEY}"),
            &format!("2 {hit} {KEY}"),
            RDATA_NO_RVS,
        );
        round_trip(
            Rtype::HIP,
            &format!("2 {hit_upper} {KEY} rvs.example.com."),
            &format!("2 {hit} {KEY} rvs.example.com."),
            &format!("{RDATA_NO_RVS}03727673076578616d706c6503636f6d00"),
        );
        round_trip(
            Rtype::HIP,
            &format!("2 {hit_upper} {KEY} rvs1.example.com. rvs2.example.com."),
            &format!("2 {hit} {KEY} rvs1.example.com. rvs2.example.com."),
            &format!(
                "{RDATA_NO_RVS}0472767331076578616d706c6503636f6d000472767332076578616d706c6503636f6d00"
            ),
        );
        assert_eq!(RDATA_NO_RVS.len() / 2, 152);
    }

    #[test]
    fn explains_a_key_wrapped_across_lines() {
        // The key as RFC 5205 §7 prints it: three pieces on three lines.
        let text = format!(
            "2 200100107B1A74DF365639CC39F1D578 {} {} {} rvs.example.com.",
            &KEY[..64],
            &KEY[64..128],
            &KEY[128..]
        );
        rejects(Rtype::HIP, &text, "RFC 5205 §7");
        let text = format!("2 200100107B1A74DF365639CC39F1D578 {} {}", &KEY[..63], &KEY[63..]);
        rejects(Rtype::HIP, &text, "RFC 5205 §7");
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::HIP, &format!("256 00 {KEY}"), "bad HIP public key algorithm");
        rejects(Rtype::HIP, &format!("2 0g {KEY}"), "bad HIP HIT");
        rejects(Rtype::HIP, "2 00", "missing HIP public key");
        rejects(Rtype::HIP, "2 00 ====", "bad HIP public key");
    }

    #[test]
    fn keeps_unassigned_algorithms_and_rvs_case() {
        let data = parse(Rtype::HIP, "200 0A AQID Rvs.Example.").unwrap();
        assert_eq!(data.to_string(), "200 0a AQID Rvs.Example.");
        let mut canonical = crate::wire::Writer::with_mode(crate::wire::WireMode::Canonical);
        data.encode(&mut canonical);
        assert!(canonical.as_bytes().ends_with(b"\x03Rvs\x07Example\x00"));
        let lower = parse(Rtype::HIP, "200 0a AQID rvs.example.").unwrap();
        assert_eq!(data, lower, "duplicates compare RVS names without case");
    }

    #[test]
    fn wire_length_checks() {
        // HIT length 0, key length 0, and lengths that overrun RDLENGTH.
        for bad in ["00020001ff", "01020000ff", "10020084aabb", "0102ffff0102"] {
            let bytes = data_encoding::HEXLOWER.decode(bad.as_bytes()).unwrap();
            assert!(RecordData::from_wire(Rtype::HIP, &bytes).is_err(), "{bad}");
        }
    }

    #[test]
    fn compressed_rvs_is_strictly_refused_and_leniently_followed() {
        // A message-like buffer: the name "example." at offset 0, then HIP RDATA at offset 9
        // whose RVS is "rvs" followed by a pointer to offset 0.
        let mut message = b"\x07example\x00".to_vec();
        let rdata_start = message.len();
        message.extend_from_slice(&[1, 2, 0, 1, 0xAA, 0x01, 3, b'r', b'v', b's', 0xC0, 0]);
        let len = message.len() - rdata_start;
        let decode = |options| {
            let mut r = Reader::new(&message, options);
            r.bytes(rdata_start).unwrap();
            let mut window = r.split_window(len).unwrap();
            RecordData::decode(Rtype::HIP, &mut window)
        };
        let strict = decode(DecodeOptions::STRICT).unwrap_err();
        assert_eq!(strict.kind, WireErrorKind::CompressionNotAllowed);
        let lenient = decode(DecodeOptions::LENIENT).unwrap();
        assert_eq!(lenient.to_string(), "2 aa AQ== rvs.example.");
        // And it is never compressed on write, even after the same name was written.
        let mut w = Writer::new();
        w.compressible_name(&Name::parse("rvs.example.", None).unwrap());
        lenient.encode(&mut w);
        assert!(w.as_bytes().ends_with(b"\x03rvs\x07example\x00"));
    }
}
