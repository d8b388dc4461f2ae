//! Checking one signature against one DNSKEY, through ring.

use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ED25519,
    RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RsaPublicKeyComponents, UnparsedPublicKey,
};

use super::algorithm::Algorithm;
use super::key::{rsa_public_parts, strip_zeros};
use crate::rdata::rfc4034::Dnskey;

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The key's algorithm is not one nameward verifies.
    #[error("DNSSEC algorithm {0} is not supported")]
    UnsupportedAlgorithm(u8),
    /// The public key is malformed for its algorithm.
    #[error("the DNSKEY's public key is malformed for its algorithm")]
    BadKey,
    /// The signature does not match the data and key.
    #[error("the signature does not verify")]
    BadSignature,
}

/// Checks `signature` over `data` with the public key of `key`.
///
/// RSA keys from 1024 bits are accepted, as RFC 8624 still has validators accept them.
pub fn verify_signature(key: &Dnskey, data: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let algorithm = Algorithm::from_number(key.algorithm)
        .ok_or(VerifyError::UnsupportedAlgorithm(key.algorithm))?;
    if algorithm.public_key_len().is_some_and(|len| len != key.public_key.len()) {
        return Err(VerifyError::BadKey);
    }
    let result = match algorithm {
        Algorithm::RsaSha256 => {
            let (e, n) = rsa_public_parts(&key.public_key).ok_or(VerifyError::BadKey)?;
            RsaPublicKeyComponents { n: strip_zeros(n), e: strip_zeros(e) }.verify(
                &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                data,
                signature,
            )
        }
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => {
            let mut point = [0u8; 97];
            let len = 1 + key.public_key.len();
            let point = point.get_mut(..len).ok_or(VerifyError::BadKey)?;
            point[0] = 4;
            point[1..].copy_from_slice(&key.public_key);
            let curve = if algorithm == Algorithm::EcdsaP256Sha256 {
                &ECDSA_P256_SHA256_FIXED
            } else {
                &ECDSA_P384_SHA384_FIXED
            };
            UnparsedPublicKey::new(curve, &*point).verify(data, signature)
        }
        Algorithm::Ed25519 => {
            UnparsedPublicKey::new(&ED25519, &key.public_key).verify(data, signature)
        }
    };
    result.map_err(|_| VerifyError::BadSignature)
}
