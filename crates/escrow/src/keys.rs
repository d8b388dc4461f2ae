//! Escrow keys as PEM: SubjectPublicKeyInfo for the registry's copy, PKCS #8 for the
//! registrar's signing key (what `openssl genpkey -algorithm ed25519` writes).

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::EscrowError;

/// Reads an Ed25519 public key from PEM (`-----BEGIN PUBLIC KEY-----`).
pub fn verifying_key_from_pem(pem: &str) -> Result<VerifyingKey, EscrowError> {
    VerifyingKey::from_public_key_pem(pem.trim()).map_err(|error| EscrowError::Key {
        detail: format!("not an Ed25519 public key in PEM: {error}"),
    })
}

/// Writes an Ed25519 public key as PEM.
pub fn public_key_pem(key: &VerifyingKey) -> Result<String, EscrowError> {
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|error| EscrowError::Key { detail: error.to_string() })
}

/// Reads an Ed25519 private key from PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`).
pub fn signing_key_from_pem(pem: &str) -> Result<SigningKey, EscrowError> {
    SigningKey::from_pkcs8_pem(pem.trim()).map_err(|error| EscrowError::Key {
        detail: format!("not an Ed25519 private key in PKCS #8 PEM: {error}"),
    })
}

/// Writes an Ed25519 private key as PKCS #8 PEM.
pub fn signing_key_pem(key: &SigningKey) -> Result<String, EscrowError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|error| EscrowError::Key { detail: error.to_string() })
}
