//! DNSSEC algorithm and digest type numbers, and the mnemonics zone files may use for them.

use crate::text::{TextError, Tokens, lossy, parse_decimal};

/// Algorithm mnemonics BIND 9.18 accepts in DS and DNSKEY records (the IANA DNS Security
/// Algorithm Numbers registry), in any case. Presentation always prints the number.
const ALGORITHMS: &[(u8, &str)] = &[
    (1, "RSAMD5"),
    (2, "DH"),
    (3, "DSA"),
    (5, "RSASHA1"),
    (6, "NSEC3DSA"),
    (7, "NSEC3RSASHA1"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
    (12, "ECCGOST"),
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
    (252, "INDIRECT"),
    (253, "PRIVATEDNS"),
    (254, "PRIVATEOID"),
];

/// Digest type mnemonics BIND 9.18 accepts in DS records, in any case.
const DIGEST_TYPES: &[(u8, &str)] = &[
    (1, "SHA-1"),
    (1, "SHA1"),
    (2, "SHA-256"),
    (2, "SHA256"),
    (3, "GOST"),
    (4, "SHA-384"),
    (4, "SHA384"),
];

/// The mnemonic of a DNSSEC algorithm number, where it has one.
pub fn algorithm_mnemonic(algorithm: u8) -> Option<&'static str> {
    ALGORITHMS.iter().find(|(n, _)| *n == algorithm).map(|(_, name)| *name)
}

/// The length of a DS digest of `digest_type`, for the types whose length peers check
/// (SHA-1, SHA-256, SHA-384). GOST (3) is left out, as BIND does not check it either.
pub fn digest_len(digest_type: u8) -> Option<usize> {
    match digest_type {
        1 => Some(20),
        2 => Some(32),
        4 => Some(48),
        _ => None,
    }
}

/// Reads a DNSSEC algorithm: a number 0-255 or a mnemonic such as `RSASHA256`.
pub fn parse_algorithm(t: &mut Tokens<'_>) -> Result<u8, TextError> {
    parse_number_or_mnemonic(t, "DNSSEC algorithm", ALGORITHMS, "RSASHA256 or ECDSAP256SHA256")
}

/// Reads a DS digest type: a number 0-255 or a mnemonic such as `SHA-256`.
pub fn parse_digest_type(t: &mut Tokens<'_>) -> Result<u8, TextError> {
    parse_number_or_mnemonic(t, "DS digest type", DIGEST_TYPES, "SHA-256")
}

fn parse_number_or_mnemonic(
    t: &mut Tokens<'_>,
    what: &'static str,
    table: &[(u8, &str)],
    example: &str,
) -> Result<u8, TextError> {
    let token = t.next(what)?;
    let by_name = || {
        table.iter().find(|(_, name)| token.text.eq_ignore_ascii_case(name.as_bytes())).map(|e| e.0)
    };
    let value = match parse_decimal(token.text) {
        Some(n) => u8::try_from(n).ok(),
        None => by_name(),
    };
    value.ok_or_else(|| {
        t.error_here(format!(
            "bad {what} `{}`: expected a number 0-255 or a mnemonic such as {example}",
            lossy(token.text)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Token;

    fn one(text: &str, parse: fn(&mut Tokens<'_>) -> Result<u8, TextError>) -> Option<u8> {
        let tokens = [Token::plain(text.as_bytes())];
        parse(&mut Tokens::new(&tokens, None)).ok()
    }

    #[test]
    fn numbers_and_mnemonics() {
        assert_eq!(one("8", parse_algorithm), Some(8));
        assert_eq!(one("rsasha256", parse_algorithm), Some(8));
        assert_eq!(one("ECDSAP256SHA256", parse_algorithm), Some(13));
        assert_eq!(one("ED25519", parse_algorithm), Some(15));
        assert_eq!(one("PRIVATEOID", parse_algorithm), Some(254));
        assert_eq!(one("256", parse_algorithm), None);
        assert_eq!(one("ECC", parse_algorithm), None);
        assert_eq!(one("SHA-256", parse_digest_type), Some(2));
        assert_eq!(one("sha1", parse_digest_type), Some(1));
        assert_eq!(one("SHA-384", parse_digest_type), Some(4));
        assert_eq!(one("SHA-512", parse_digest_type), None);
        assert_eq!(algorithm_mnemonic(13), Some("ECDSAP256SHA256"));
        assert_eq!(algorithm_mnemonic(9), None);
    }
}
