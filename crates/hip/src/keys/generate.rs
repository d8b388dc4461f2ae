//! New host keys, written as unencrypted PKCS#8 PEM.

use pkcs8::der::zeroize::Zeroizing;
use pkcs8::{EncodePrivateKey, LineEnding};
use rand_core::OsRng;

use super::{KeyAlgorithm, KeyError, PublicHostKey, rr};

/// RSA modulus size when none is asked for. 3072 bits gives about 128-bit security (NIST SP
/// 800-57 Part 1, Table 2), the same as P-256 and Ed25519, so the HIP association is not weaker
/// than its other choices; 2048 bits is only about 112.
pub const DEFAULT_RSA_BITS: usize = 3072;

/// RSA sizes accepted: 2048 bits is the smallest NIST still allows; the `rsa` crate reads keys of
/// up to 4096 bits.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;

/// A newly generated private host key.
pub enum PrivateHostKey {
    /// RSA.
    Rsa(Box<rsa::RsaPrivateKey>),
    /// ECDSA on P-256.
    P256(p256::SecretKey),
    /// ECDSA on P-384.
    P384(p384::SecretKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for PrivateHostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateHostKey({})", self.algorithm())
    }
}

impl PrivateHostKey {
    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            PrivateHostKey::Rsa(_) => KeyAlgorithm::Rsa,
            PrivateHostKey::P256(_) => KeyAlgorithm::EcdsaP256,
            PrivateHostKey::P384(_) => KeyAlgorithm::EcdsaP384,
            PrivateHostKey::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// The public half in HIP RR form.
    pub fn public(&self) -> Result<PublicHostKey, KeyError> {
        match self {
            PrivateHostKey::Rsa(key) => rr::rsa(&key.to_public_key()),
            PrivateHostKey::P256(key) => Ok(rr::p256(&key.public_key())),
            PrivateHostKey::P384(key) => Ok(rr::p384(&key.public_key())),
            PrivateHostKey::Ed25519(key) => Ok(rr::ed25519(&key.verifying_key())),
        }
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), wiped from memory when
    /// dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let pem = match self {
            PrivateHostKey::Rsa(key) => key.to_pkcs8_pem(LineEnding::LF),
            PrivateHostKey::P256(key) => key.to_pkcs8_pem(LineEnding::LF),
            PrivateHostKey::P384(key) => key.to_pkcs8_pem(LineEnding::LF),
            PrivateHostKey::Ed25519(key) => key.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map_err(|e| KeyError::Generate(format!("encoding the key as PKCS#8: {e}")))
    }

    /// The key as a DNSSEC private key (its numbers, as BIND's key files hold them), so that
    /// `nameward dnssec keygen` makes its keys here too. DSA is not a DNSSEC algorithm
    /// nameward signs with, and is never generated.
    pub fn to_dnssec(&self) -> nameward_dns::dnssec::PrivateKey {
        use nameward_dns::dnssec::{PrivateKey, RsaPrivate};
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use rsa::traits::{PrivateKeyParts, PublicKeyParts};
        match self {
            PrivateHostKey::Rsa(key) => {
                let prime =
                    |i: usize| key.primes().get(i).map(|p| p.to_bytes_be()).unwrap_or_default();
                let crt = |v: Option<&rsa::BigUint>| v.map(|v| v.to_bytes_be()).unwrap_or_default();
                PrivateKey::Rsa(Box::new(RsaPrivate {
                    n: key.n().to_bytes_be(),
                    e: key.e().to_bytes_be(),
                    d: key.d().to_bytes_be(),
                    p: prime(0),
                    q: prime(1),
                    dp: crt(key.dp()),
                    dq: crt(key.dq()),
                    qinv: key.qinv().map(|v| v.to_bytes_be().1).unwrap_or_default(),
                }))
            }
            PrivateHostKey::P256(key) => PrivateKey::EcdsaP256 {
                d: key.to_bytes().to_vec(),
                public: point_xy(key.public_key().to_encoded_point(false).as_bytes()),
            },
            PrivateHostKey::P384(key) => PrivateKey::EcdsaP384 {
                d: key.to_bytes().to_vec(),
                public: point_xy(key.public_key().to_encoded_point(false).as_bytes()),
            },
            PrivateHostKey::Ed25519(key) => PrivateKey::Ed25519 {
                seed: key.to_bytes().to_vec(),
                public: key.verifying_key().to_bytes().to_vec(),
            },
        }
    }
}

/// `x‖y` of an uncompressed SEC1 point (`04‖x‖y`), the DNSKEY form of an ECDSA key (RFC 6605 §4).
fn point_xy(sec1: &[u8]) -> Vec<u8> {
    sec1.get(1..).unwrap_or_default().to_vec()
}

/// Generates a host key from the operating system's random source. `rsa_bits` applies to RSA
/// only (default [`DEFAULT_RSA_BITS`]); DSA keys are not generated, since RFC 2536 limits them
/// to 1024 bits.
pub fn generate(
    algorithm: KeyAlgorithm,
    rsa_bits: Option<usize>,
) -> Result<PrivateHostKey, KeyError> {
    if rsa_bits.is_some() && algorithm != KeyAlgorithm::Rsa {
        return Err(KeyError::BadRequest(format!(
            "a key size applies to RSA keys only, not {algorithm}"
        )));
    }
    match algorithm {
        KeyAlgorithm::Rsa => {
            let bits = rsa_bits.unwrap_or(DEFAULT_RSA_BITS);
            if !RSA_BITS.contains(&bits) || !bits.is_multiple_of(8) {
                return Err(KeyError::BadRequest(format!(
                    "RSA keys of {bits} bits are not generated: choose a multiple of 8 from {} \
                     to {} (default {DEFAULT_RSA_BITS})",
                    RSA_BITS.start(),
                    RSA_BITS.end()
                )));
            }
            let key = rsa::RsaPrivateKey::new(&mut OsRng, bits)
                .map_err(|e| KeyError::Generate(e.to_string()))?;
            Ok(PrivateHostKey::Rsa(Box::new(key)))
        }
        KeyAlgorithm::EcdsaP256 => Ok(PrivateHostKey::P256(p256::SecretKey::random(&mut OsRng))),
        KeyAlgorithm::EcdsaP384 => Ok(PrivateHostKey::P384(p384::SecretKey::random(&mut OsRng))),
        KeyAlgorithm::Ed25519 => {
            Ok(PrivateHostKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)))
        }
        KeyAlgorithm::Dsa => Err(KeyError::BadRequest(
            "DSA host keys are not generated: the HIP DSA format (RFC 2536) allows at most \
             1024-bit keys, too weak today; choose ed25519, ecdsa-p256, ecdsa-p384 or rsa"
                .into(),
        )),
    }
}
