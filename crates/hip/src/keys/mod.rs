//! Host keys: reading public and private keys in the formats OpenSSL and others write, turning
//! them into the HIP RR public key field, and generating new ones.
//!
//! Formats read (PEM or DER, told apart by content): SubjectPublicKeyInfo (`PUBLIC KEY`),
//! PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PUBLIC KEY`, `RSA PRIVATE KEY`) and SEC1
//! (`EC PRIVATE KEY`). Algorithms: RSA, DSA, ECDSA on P-256 and P-384, Ed25519. All ASN.1 is
//! left to the RustCrypto crates; this module only dispatches on labels and OIDs.
//!
//! The HIP RR key field (RFC 5205 §5, RFC 8005 §5) is the algorithm's DNS key format: RFC 3110
//! for RSA, RFC 2536 for DSA, RFC 6605 (x ‖ y) for ECDSA and RFC 8080 (the 32 raw octets) for
//! Ed25519.

mod generate;
mod read;
mod rr;

pub use generate::{DEFAULT_RSA_BITS, PrivateHostKey, generate};
pub use read::read_key;

use std::fmt;

use crate::host_id::HitError;
use crate::orchid::{OrchidVersion, hit_of};

/// The public key algorithms nameward reads host keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA (HIP algorithm 2).
    Rsa,
    /// DSA (HIP algorithm 1); read only, never generated.
    Dsa,
    /// ECDSA on NIST P-256 (HIP algorithm 3).
    EcdsaP256,
    /// ECDSA on NIST P-384 (HIP algorithm 3).
    EcdsaP384,
    /// Ed25519 (HIP algorithm 4, EdDSA).
    Ed25519,
}

impl KeyAlgorithm {
    /// The HIP RR public key algorithm number (IPSECKEY registry).
    pub fn hip_algorithm(self) -> u8 {
        match self {
            KeyAlgorithm::Dsa => 1,
            KeyAlgorithm::Rsa => 2,
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => 3,
            KeyAlgorithm::Ed25519 => 4,
        }
    }

    /// The name people know the algorithm by.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa => "RSA",
            KeyAlgorithm::Dsa => "DSA",
            KeyAlgorithm::EcdsaP256 => "ECDSA P-256",
            KeyAlgorithm::EcdsaP384 => "ECDSA P-384",
            KeyAlgorithm::Ed25519 => "Ed25519",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The container a key was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    /// X.509 SubjectPublicKeyInfo (`PUBLIC KEY`).
    Spki,
    /// PKCS#8 private key (`PRIVATE KEY`).
    Pkcs8,
    /// PKCS#1 RSA public key (`RSA PUBLIC KEY`).
    Pkcs1Public,
    /// PKCS#1 RSA private key (`RSA PRIVATE KEY`).
    Pkcs1Private,
    /// SEC1 elliptic-curve private key (`EC PRIVATE KEY`).
    Sec1,
}

impl KeyFormat {
    /// Whether the container holds a private key.
    pub fn is_private(self) -> bool {
        matches!(self, KeyFormat::Pkcs8 | KeyFormat::Pkcs1Private | KeyFormat::Sec1)
    }
}

/// A host's public key in the form the HIP RR carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicHostKey {
    algorithm: KeyAlgorithm,
    rr_key: Vec<u8>,
}

impl PublicHostKey {
    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The HIP RR public key algorithm number.
    pub fn hip_algorithm(&self) -> u8 {
        self.algorithm.hip_algorithm()
    }

    /// The HIP RR public key field.
    pub fn rr_key(&self) -> &[u8] {
        &self.rr_key
    }

    /// The key's HIT under `version`; v1 exists for RSA and DSA keys only.
    pub fn hit(&self, version: OrchidVersion) -> Result<[u8; 16], HitError> {
        hit_of(version, self.hip_algorithm(), &self.rr_key)
    }
}

/// A key read from a file, with what it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    /// The public key (derived from the private key for private-key files).
    pub key: PublicHostKey,
    /// The container format.
    pub format: KeyFormat,
    /// Whether the input was PEM (otherwise DER).
    pub pem: bool,
}

/// Why a key could not be read, converted or generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is empty.
    #[error("the key file is empty")]
    Empty,
    /// PEM armour that could not be decoded.
    #[error("bad PEM in the `{label}` block: {message}")]
    Pem {
        /// The block's label, or `?` when none could be read.
        label: String,
        /// What the decoder said.
        message: String,
    },
    /// A PEM file with no key block in it.
    #[error(
        "no key found in the PEM text: expected a `PUBLIC KEY`, `PRIVATE KEY`, `RSA PUBLIC KEY`, \
         `RSA PRIVATE KEY` or `EC PRIVATE KEY` block{}",
        found_labels(.0)
    )]
    NoKeyBlock(Vec<String>),
    /// A key protected by a passphrase.
    #[error(
        "the private key is encrypted, which nameward does not read: write an unencrypted copy \
         with `openssl pkey -in KEY -out PLAIN` (and keep it mode 0600), or use the public key"
    )]
    Encrypted,
    /// A container nameward does not read.
    #[error("{0}")]
    UnsupportedFormat(&'static str),
    /// DER that is none of the containers read.
    #[error(
        "not a PEM file, and not DER in any of the forms read (SubjectPublicKeyInfo, PKCS#8, \
         PKCS#1, SEC1)"
    )]
    NotAKey,
    /// A container whose content is malformed.
    #[error("malformed {format} key: {message}")]
    Malformed {
        /// The container or algorithm being decoded.
        format: &'static str,
        /// What the decoder said.
        message: String,
    },
    /// A key algorithm HIP has no use for, or nameward does not handle.
    #[error("unsupported key algorithm {what} (OID {oid}): {hint}")]
    UnsupportedAlgorithm {
        /// The algorithm's name, or `unknown`.
        what: &'static str,
        /// The algorithm's OID.
        oid: String,
        /// What to use instead.
        hint: &'static str,
    },
    /// A key that cannot be written in the HIP RR format.
    #[error("{0}")]
    NotRepresentable(String),
    /// A key generation request nameward refuses.
    #[error("{0}")]
    BadRequest(String),
    /// Key generation failed.
    #[error("generating the key failed: {0}")]
    Generate(String),
}

fn found_labels(labels: &[String]) -> String {
    if labels.is_empty() { String::new() } else { format!(" (found: {})", labels.join(", ")) }
}
