//! DNSSEC algorithm numbers and their mnemonics (IANA "DNS Security Algorithm Numbers").

use crate::text::parse_decimal;

/// Mnemonics as BIND, Knot and ldns accept them; the IANA registry spells a few differently
/// (`DSA-NSEC3-SHA1` is written `NSEC3DSA` by BIND, so both are accepted).
const ALGORITHMS: &[(u8, &str)] = &[
    (1, "RSAMD5"),
    (2, "DH"),
    (3, "DSA"),
    (5, "RSASHA1"),
    (6, "DSA-NSEC3-SHA1"),
    (6, "NSEC3DSA"),
    (7, "RSASHA1-NSEC3-SHA1"),
    (7, "NSEC3RSASHA1"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
    (12, "ECC-GOST"),
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
    (252, "INDIRECT"),
    (253, "PRIVATEDNS"),
    (254, "PRIVATEOID"),
];

/// Parses an algorithm written as a number (0-255) or a mnemonic in any case.
pub fn algorithm_from_text(text: &[u8]) -> Option<u8> {
    if let Some(value) = parse_decimal(text) {
        return u8::try_from(value).ok();
    }
    ALGORITHMS.iter().find(|(_, name)| text.eq_ignore_ascii_case(name.as_bytes())).map(|&(n, _)| n)
}

/// The registry mnemonic of an algorithm number, for messages.
pub fn algorithm_mnemonic(algorithm: u8) -> Option<&'static str> {
    ALGORITHMS.iter().find(|&&(n, _)| n == algorithm).map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_mnemonics() {
        assert_eq!(algorithm_from_text(b"8"), Some(8));
        assert_eq!(algorithm_from_text(b"rsasha256"), Some(8));
        assert_eq!(algorithm_from_text(b"NSEC3RSASHA1"), Some(7));
        assert_eq!(algorithm_from_text(b"256"), None);
        assert_eq!(algorithm_from_text(b"RSA"), None);
        assert_eq!(algorithm_mnemonic(13), Some("ECDSAP256SHA256"));
        assert_eq!(algorithm_mnemonic(200), None);
    }
}
