//! ICANN's OpenPGP layering (Specification 2, Part A §4): the tar is one binary OpenPGP
//! message, ZIP-compressed and encrypted to the escrow agent's key (SEIPD v1, with the MDC
//! GnuPG insists on, AES-128), then signed with a detached binary signature by the registry's
//! key. Both directions stream: nothing here holds a deposit in memory.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use pgp::composed::{
    Deserializable, DetachedSignature, Message, MessageBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::ser::Serialize;
use pgp::types::{CompressionAlgorithm, KeyDetails, Password};
use rand_core::OsRng;

use crate::error::RdeError;

fn pgp_error(path: &Path, what: &str) -> impl FnOnce(pgp::errors::Error) -> RdeError {
    let path = path.to_owned();
    let what = what.to_owned();
    move |error| RdeError::OpenPgp { path, detail: format!("{what}: {error}") }
}

/// A public key (armored or binary) from `path`, its self-signatures checked.
pub fn public_key(path: &Path) -> Result<SignedPublicKey, RdeError> {
    let file = File::open(path).map_err(RdeError::io(path, "opening the public key"))?;
    let (key, _) = SignedPublicKey::from_reader_single(BufReader::new(file))
        .map_err(pgp_error(path, "reading the public key"))?;
    key.verify_bindings().map_err(pgp_error(path, "checking the key's self-signatures"))?;
    Ok(key)
}

/// A secret key (armored or binary, without a passphrase) from `path`.
pub fn secret_key(path: &Path) -> Result<SignedSecretKey, RdeError> {
    let file = File::open(path).map_err(RdeError::io(path, "opening the secret key"))?;
    let (key, _) = SignedSecretKey::from_reader_single(BufReader::new(file))
        .map_err(pgp_error(path, "reading the secret key"))?;
    key.verify_bindings().map_err(pgp_error(path, "checking the key's self-signatures"))?;
    Ok(key)
}

/// Encrypts the file `tar` into `ryde` for `agent` (its first subkey that can encrypt, else
/// its primary key). The literal packet is named `tar_name`.
pub fn encrypt(
    input: impl std::io::Read,
    tar_name: &str,
    ryde: &Path,
    agent: &SignedPublicKey,
    agent_path: &Path,
) -> Result<(), RdeError> {
    let output = File::create(ryde).map_err(RdeError::io(ryde, "creating the encrypted file"))?;
    let mut builder = MessageBuilder::from_reader(tar_name.to_owned(), BufReader::new(input))
        .seipd_v1(OsRng, SymmetricKeyAlgorithm::AES128);
    builder.compression(CompressionAlgorithm::ZIP);
    match agent.public_subkeys.iter().find(|subkey| subkey.algorithm().can_encrypt()) {
        Some(subkey) => builder.encrypt_to_key(OsRng, subkey),
        None => builder.encrypt_to_key(OsRng, agent),
    }
    .map_err(pgp_error(agent_path, "the escrow agent's key cannot encrypt"))?;
    let mut out = BufWriter::new(output);
    builder.to_writer(OsRng, &mut out).map_err(pgp_error(ryde, "encrypting"))?;
    out.flush().map_err(RdeError::io(ryde, "writing the encrypted file"))?;
    out.into_inner()
        .map_err(|error| RdeError::Io {
            path: ryde.to_owned(),
            what: "writing",
            source: error.into_error(),
        })?
        .sync_all()
        .map_err(RdeError::io(ryde, "syncing the encrypted file"))
}

/// Signs the file `data` with `key` (its primary key), writing a detached binary signature.
pub fn sign(
    data: &Path,
    sig: &Path,
    key: &SignedSecretKey,
    key_path: &Path,
) -> Result<(), RdeError> {
    let input = File::open(data).map_err(RdeError::io(data, "opening the file to sign"))?;
    let signature = DetachedSignature::sign_binary_data(
        OsRng,
        &key.primary_key,
        &Password::empty(),
        HashAlgorithm::Sha256,
        BufReader::new(input),
    )
    .map_err(pgp_error(key_path, "signing with the registry's key"))?;
    let mut out = File::create(sig).map_err(RdeError::io(sig, "creating the signature"))?;
    let bytes = signature.to_bytes().map_err(pgp_error(sig, "encoding the signature"))?;
    out.write_all(&bytes).map_err(RdeError::io(sig, "writing the signature"))?;
    out.sync_all().map_err(RdeError::io(sig, "syncing the signature"))
}

/// Checks the detached signature `sig` of the file `data` against `key` (its primary key or
/// any of its subkeys).
pub fn check_signature(data: &Path, sig: &Path, key: &SignedPublicKey) -> Result<(), RdeError> {
    let bytes = read_small(sig, 64 * 1024)?;
    let (signature, _) = DetachedSignature::from_reader_single(&bytes[..])
        .map_err(pgp_error(sig, "reading the signature"))?;
    let open = || -> Result<BufReader<File>, RdeError> {
        File::open(data).map(BufReader::new).map_err(RdeError::io(data, "opening the signed file"))
    };
    let primary = signature.signature.verify(&key.primary_key, open()?);
    if primary.is_ok() {
        return Ok(());
    }
    for subkey in &key.public_subkeys {
        if signature.signature.verify(&subkey.key, open()?).is_ok() {
            return Ok(());
        }
    }
    primary.map_err(pgp_error(sig, "the signature does not verify with the registry's key"))
}

fn read_small(path: &Path, limit: u64) -> Result<Vec<u8>, RdeError> {
    let file = File::open(path).map_err(RdeError::io(path, "opening"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(RdeError::io(path, "reading"))?;
    if bytes.len() as u64 > limit {
        return Err(RdeError::OpenPgp {
            path: path.to_owned(),
            detail: format!("over {limit} bytes: not a signature"),
        });
    }
    Ok(bytes)
}

/// Decrypts `ryde` with `key` into `out`, at most `limit` bytes of plaintext (a ZIP layer
/// can expand a small file without bound). Reading to the end checks the MDC: a tampered
/// message fails here.
pub fn decrypt(
    ryde: &Path,
    key: &SignedSecretKey,
    key_path: &Path,
    out: &Path,
    limit: u64,
) -> Result<u64, RdeError> {
    let input = File::open(ryde).map_err(RdeError::io(ryde, "opening the encrypted file"))?;
    let message = Message::from_bytes(BufReader::new(input))
        .map_err(pgp_error(ryde, "reading the OpenPGP message"))?;
    let mut message = message
        .decrypt(&Password::empty(), key)
        .map_err(pgp_error(key_path, "decrypting with the escrow agent's key"))?;
    if message.is_compressed() {
        message = message.decompress().map_err(pgp_error(ryde, "decompressing"))?;
    }
    let mut output =
        BufWriter::new(File::create(out).map_err(RdeError::io(out, "creating the decrypted tar"))?);
    let copied =
        std::io::copy(&mut (&mut message).take(limit + 1), &mut output).map_err(|error| {
            RdeError::OpenPgp { path: ryde.to_owned(), detail: format!("decrypting: {error}") }
        })?;
    if copied > limit {
        return Err(RdeError::OpenPgp {
            path: ryde.to_owned(),
            detail: format!("decrypts to over {limit} bytes"),
        });
    }
    output.flush().map_err(RdeError::io(out, "writing the decrypted tar"))?;
    Ok(copied)
}
