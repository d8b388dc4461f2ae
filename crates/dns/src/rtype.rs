//! Record types and classes: IANA numbers with their mnemonics, and RFC 3597 `TYPEnnn` /
//! `CLASSnnn` for the rest.

use std::fmt;

/// A resource record type (RFC 1035 §3.2.2 and the IANA registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rtype(pub u16);

/// A resource record class (RFC 1035 §3.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Class(pub u16);

macro_rules! mnemonics {
    ($ty:ident, $prefix:literal, $( $(#[$doc:meta])* $name:ident = $value:literal ),* $(,)?) => {
        #[allow(missing_docs)]
        impl $ty {
            $( $(#[$doc])* pub const $name: $ty = $ty($value); )*

            /// The mnemonic, if IANA gave this number one that nameward knows.
            pub fn mnemonic(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($name)), )*
                    _ => None,
                }
            }

            /// Parses a mnemonic (any case) or the RFC 3597 generic form.
            pub fn from_text(text: &[u8]) -> Option<$ty> {
                $( if text.eq_ignore_ascii_case(stringify!($name).as_bytes()) { return Some($ty($value)); } )*
                generic_number(text, $prefix).map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.mnemonic() {
                    Some(name) => f.write_str(name),
                    None => write!(f, concat!($prefix, "{}"), self.0),
                }
            }
        }
    };
}

mnemonics!(
    Rtype,
    "TYPE",
    A = 1,
    NS = 2,
    MD = 3,
    MF = 4,
    CNAME = 5,
    SOA = 6,
    MB = 7,
    MG = 8,
    MR = 9,
    NULL = 10,
    WKS = 11,
    PTR = 12,
    HINFO = 13,
    MINFO = 14,
    MX = 15,
    TXT = 16,
    RP = 17,
    AFSDB = 18,
    X25 = 19,
    ISDN = 20,
    RT = 21,
    NSAP = 22,
    SIG = 24,
    KEY = 25,
    PX = 26,
    GPOS = 27,
    AAAA = 28,
    LOC = 29,
    NXT = 30,
    SRV = 33,
    NAPTR = 35,
    KX = 36,
    CERT = 37,
    A6 = 38,
    DNAME = 39,
    OPT = 41,
    APL = 42,
    DS = 43,
    SSHFP = 44,
    IPSECKEY = 45,
    RRSIG = 46,
    NSEC = 47,
    DNSKEY = 48,
    DHCID = 49,
    NSEC3 = 50,
    NSEC3PARAM = 51,
    TLSA = 52,
    SMIMEA = 53,
    HIP = 55,
    CDS = 59,
    CDNSKEY = 60,
    OPENPGPKEY = 61,
    CSYNC = 62,
    ZONEMD = 63,
    SVCB = 64,
    HTTPS = 65,
    SPF = 99,
    NID = 104,
    L32 = 105,
    L64 = 106,
    LP = 107,
    EUI48 = 108,
    EUI64 = 109,
    TKEY = 249,
    TSIG = 250,
    IXFR = 251,
    AXFR = 252,
    MAILB = 253,
    MAILA = 254,
    ANY = 255,
    URI = 256,
    CAA = 257,
);

mnemonics!(Class, "CLASS", IN = 1, CH = 3, HS = 4, NONE = 254, ANY = 255,);

impl Rtype {
    /// Types that are not data (question-only or transaction types): they never appear in zones.
    pub fn is_meta(self) -> bool {
        matches!(self.0, 41 | 128..=255)
    }
}

/// Parses `TYPE123` / `CLASS123` (prefix in any case, decimal 0..65535).
fn generic_number(text: &[u8], prefix: &str) -> Option<u16> {
    let digits = text.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))?;
    let digits = &text[digits.len()..];
    if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_generic_forms() {
        assert_eq!(Rtype::from_text(b"hip"), Some(Rtype::HIP));
        assert_eq!(Rtype::from_text(b"TYPE55"), Some(Rtype::HIP));
        assert_eq!(Rtype::from_text(b"type65534"), Some(Rtype(65534)));
        assert_eq!(Rtype::from_text(b"TYPE65536"), None);
        assert_eq!(Rtype::from_text(b"TYPE"), None);
        assert_eq!(Rtype(65534).to_string(), "TYPE65534");
        assert_eq!(Class::from_text(b"CLASS1"), Some(Class::IN));
        assert_eq!(Class(42).to_string(), "CLASS42");
    }
}
