//! The type bitmap of NSEC and NSEC3 records (RFC 4034 §4.1.2, RFC 5155 §3.2.1).

use std::fmt;

use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// The set of record types present at a name, as NSEC and NSEC3 records list it.
///
/// Wire format (RFC 4034 §4.1.2): windows of `window number (u8) | bitmap length (u8) | bitmap`,
/// where window N covers types N·256 to N·256+255 and bit 0 of the first octet is the lowest.
///
/// Decoding is as strict as BIND (`typemap_test` in `lib/dns/rdata.c`): windows must come in
/// strictly increasing order, each bitmap holds 1 to 32 octets and its last octet is not zero,
/// because RFC 4034 §4.1.2 says "trailing zero octets in the bitmap MUST be omitted" and
/// "blocks with no types present MUST NOT be included". dnspython and ldns do not check the
/// trailing octet; a bitmap that they accept and this refuses cannot come from a correct signer,
/// and refusing it keeps one wire form per set, which DNSSEC canonical form relies on.
///
/// Presentation form: type mnemonics or `TYPEnnn`, in any order and any case; duplicates are
/// merged. Printed in increasing type order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TypeBitmap {
    /// Strictly increasing.
    types: Vec<Rtype>,
}

impl TypeBitmap {
    /// The bitmap of `types`, in any order, duplicates merged.
    pub fn new(types: impl IntoIterator<Item = Rtype>) -> TypeBitmap {
        let mut types: Vec<Rtype> = types.into_iter().collect();
        types.sort_unstable();
        types.dedup();
        TypeBitmap { types }
    }

    /// True when the type is in the set.
    pub fn contains(&self, rtype: Rtype) -> bool {
        self.types.binary_search(&rtype).is_ok()
    }

    /// The types, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = Rtype> + '_ {
        self.types.iter().copied()
    }

    /// True when no type is listed.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Decodes windows up to the end of `r`'s window (possibly none).
    pub fn decode(r: &mut Reader<'_>) -> Result<TypeBitmap, WireError> {
        let mut types = Vec::new();
        let mut previous: Option<u8> = None;
        while !r.is_empty() {
            let at = r.position();
            let window = r.u8()?;
            let len = r.u8()?;
            if previous.is_some_and(|p| window <= p) {
                return Err(WireError::new(
                    at,
                    WireErrorKind::BadValue("type bitmap windows out of increasing order"),
                ));
            }
            if !(1..=32).contains(&len) {
                return Err(WireError::new(
                    at + 1,
                    WireErrorKind::BadLength("type bitmap window must hold 1 to 32 octets"),
                ));
            }
            let bitmap = r.bytes(usize::from(len))?;
            if bitmap.last() == Some(&0) {
                return Err(WireError::new(
                    r.position() - 1,
                    WireErrorKind::BadValue("type bitmap window ends with a zero octet"),
                ));
            }
            for (i, &octet) in bitmap.iter().enumerate() {
                for bit in 0..8u16 {
                    if octet & (0x80 >> bit) != 0 {
                        types.push(Rtype(u16::from(window) << 8 | (i as u16) << 3 | bit));
                    }
                }
            }
            previous = Some(window);
        }
        Ok(TypeBitmap { types })
    }

    /// Encodes the windows that hold at least one type.
    pub fn encode(&self, w: &mut Writer) {
        let mut rest = self.types.as_slice();
        while let Some(first) = rest.first() {
            let window = (first.0 >> 8) as u8;
            let end = rest.iter().position(|t| (t.0 >> 8) as u8 != window).unwrap_or(rest.len());
            let (in_window, after) = rest.split_at(end);
            let mut bitmap = [0u8; 32];
            let mut len = 0usize;
            for rtype in in_window {
                let low = usize::from(rtype.0 & 0xFF);
                bitmap[low >> 3] |= 0x80 >> (low & 7);
                len = (low >> 3) + 1;
            }
            w.u8(window);
            w.u8(len as u8);
            w.bytes(&bitmap[..len]);
            rest = after;
        }
    }

    /// Parses every remaining token as a type.
    pub fn parse_text(t: &mut Tokens<'_>) -> Result<TypeBitmap, TextError> {
        let mut types = Vec::new();
        while !t.is_empty() {
            let token = t.next("record type")?;
            let rtype = Rtype::from_text(token.text).ok_or_else(|| {
                t.error_here(format!(
                    "`{}` in the type bitmap is not a record type (a mnemonic or TYPEnnn)",
                    lossy(token.text)
                ))
            })?;
            types.push(rtype);
        }
        Ok(TypeBitmap::new(types))
    }
}

impl fmt::Display for TypeBitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rtype) in self.types.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            rtype.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Token;
    use crate::wire::DecodeOptions;

    fn decode(hex: &str) -> Result<TypeBitmap, WireError> {
        let bytes = data_encoding::HEXLOWER.decode(hex.as_bytes()).unwrap();
        let mut r = Reader::new(&bytes, DecodeOptions::STRICT);
        TypeBitmap::decode(&mut r)
    }

    fn encode(bitmap: &TypeBitmap) -> String {
        let mut w = Writer::new();
        bitmap.encode(&mut w);
        data_encoding::HEXLOWER.encode(w.as_bytes())
    }

    #[test]
    fn rfc4034_section_4_3_example() {
        // A MX RRSIG NSEC TYPE1234, as printed in RFC 4034 §4.3.
        let bitmap = TypeBitmap::new([Rtype::A, Rtype::MX, Rtype::RRSIG, Rtype::NSEC, Rtype(1234)]);
        let hex = format!("0006400100000003041b{}20", "00".repeat(26));
        assert_eq!(encode(&bitmap), hex);
        assert_eq!(decode(&hex), Ok(bitmap.clone()));
        assert_eq!(bitmap.to_string(), "A MX RRSIG NSEC TYPE1234");
    }

    #[test]
    fn parses_any_order_and_case() {
        let tokens: Vec<Token<'_>> =
            ["nsec", "TYPE1", "rrsig", "A"].iter().map(|s| Token::plain(s.as_bytes())).collect();
        let mut t = Tokens::new(&tokens, None);
        let bitmap = TypeBitmap::parse_text(&mut t).unwrap();
        assert_eq!(bitmap.to_string(), "A RRSIG NSEC");
        let tokens = [Token::plain(b"A"), Token::plain(b"BOGUS")];
        let mut t = Tokens::new(&tokens, None);
        let e = TypeBitmap::parse_text(&mut t).unwrap_err();
        assert_eq!(e.token, Some(1));
    }

    #[test]
    fn highest_types_fill_the_last_window() {
        let bitmap = TypeBitmap::new([Rtype(65535), Rtype(0)]);
        let hex = encode(&bitmap);
        assert_eq!(&hex[..6], "000180");
        assert_eq!(hex.len(), 2 * (3 + 2 + 32));
        assert!(hex.ends_with("01"));
        assert_eq!(decode(&hex), Ok(bitmap));
    }

    #[test]
    fn refuses_malformed_windows() {
        let bad = [
            ("0001400001", "repeated window"),
            ("01014000014000", "decreasing windows"),
            ("0000", "empty window"),
            (&format!("0021{}", "01".repeat(33)), "window longer than 32 octets"),
            ("00024000", "trailing zero octet"),
            ("000240", "bitmap cut short"),
            ("00", "length missing"),
        ];
        for (hex, why) in bad {
            assert!(decode(hex).is_err(), "{why}: {hex}");
        }
        assert_eq!(decode(""), Ok(TypeBitmap::default()));
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::rdata::testing::wire_is_canonical;

    proptest! {
        #[test]
        fn sets_round_trip(types in prop::collection::vec(any::<u16>(), 1..20)) {
            let bitmap = TypeBitmap::new(types.iter().copied().map(Rtype));
            let mut wire = b"\x04next\x00".to_vec();
            let mut w = Writer::new();
            bitmap.encode(&mut w);
            wire.extend_from_slice(w.as_bytes());
            wire_is_canonical(Rtype::NSEC, &wire);
            let mut nsec3 = b"\x01\x00\x00\x00\x00\x01\xAA".to_vec();
            nsec3.extend_from_slice(w.as_bytes());
            wire_is_canonical(Rtype::NSEC3, &nsec3);
        }

        #[test]
        fn arbitrary_windows_decode_canonically(tail in prop::collection::vec(any::<u8>(), 0..40)) {
            let mut wire = b"\x00".to_vec();
            wire.extend_from_slice(&tail);
            wire_is_canonical(Rtype::NSEC, &wire);
        }
    }
}
