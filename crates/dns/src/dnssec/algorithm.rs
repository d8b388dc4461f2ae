//! The DNSSEC algorithms nameward signs and verifies with (RFC 8624 §3.1: RSASHA256 and
//! ECDSAP256SHA256 are MUST, ECDSAP384SHA384 MAY, ED25519 RECOMMENDED).

use std::fmt;

/// A signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// 8: RSA/SHA-256, PKCS#1 v1.5 (RFC 5702).
    RsaSha256,
    /// 13: ECDSA on P-256 with SHA-256 (RFC 6605).
    EcdsaP256Sha256,
    /// 14: ECDSA on P-384 with SHA-384 (RFC 6605).
    EcdsaP384Sha384,
    /// 15: Ed25519 (RFC 8080).
    Ed25519,
}

impl Algorithm {
    /// Every algorithm, in number order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::RsaSha256,
        Algorithm::EcdsaP256Sha256,
        Algorithm::EcdsaP384Sha384,
        Algorithm::Ed25519,
    ];

    /// The IANA number.
    pub fn number(self) -> u8 {
        match self {
            Algorithm::RsaSha256 => 8,
            Algorithm::EcdsaP256Sha256 => 13,
            Algorithm::EcdsaP384Sha384 => 14,
            Algorithm::Ed25519 => 15,
        }
    }

    /// The algorithm of an IANA number, when nameward implements it.
    pub fn from_number(number: u8) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.number() == number)
    }

    /// The IANA mnemonic, as BIND writes it in key files.
    pub fn mnemonic(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "RSASHA256",
            Algorithm::EcdsaP256Sha256 => "ECDSAP256SHA256",
            Algorithm::EcdsaP384Sha384 => "ECDSAP384SHA384",
            Algorithm::Ed25519 => "ED25519",
        }
    }

    /// Reads a mnemonic (any case) or a number.
    pub fn from_text(text: &str) -> Option<Algorithm> {
        if let Ok(number) = text.parse::<u8>() {
            return Algorithm::from_number(number);
        }
        Algorithm::ALL.into_iter().find(|a| a.mnemonic().eq_ignore_ascii_case(text))
    }

    /// Length of the public key in DNSKEY form, for the fixed-size algorithms.
    pub fn public_key_len(self) -> Option<usize> {
        match self {
            Algorithm::RsaSha256 => None,
            Algorithm::EcdsaP256Sha256 => Some(64),
            Algorithm::EcdsaP384Sha384 => Some(96),
            Algorithm::Ed25519 => Some(32),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number(), self.mnemonic())
    }
}
