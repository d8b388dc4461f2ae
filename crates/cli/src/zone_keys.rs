//! DNSSEC key pairs in BIND's files (`K<zone>+<alg>+<tag>.key` and `.private`, the private
//! one readable by its owner only): made, written and read, for `nameward dnssec keygen`,
//! `nameward zone sign` and the TLD keys `nameward up` keeps in its data directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use nameward_dns::Name;
use nameward_dns::dnssec::{Algorithm, PrivateKey, SigningKey, keyfile};
use nameward_dns::rdata::rfc4034::ZONE_KEY;
use nameward_hip::keys::{KeyAlgorithm, generate};

/// A key pair as made: the private numbers (for its file) and the key that signs.
pub struct NewKey {
    /// The private key, for [`write`].
    pub private: PrivateKey,
    /// The same key, ready to sign.
    pub signing: SigningKey,
}

/// Makes a new key pair of `algorithm` (RSA of `bits`, default 3072) with DNSKEY `flags`,
/// checked by signing once before anything is written.
pub fn make(algorithm: Algorithm, bits: Option<usize>, flags: u16) -> Result<NewKey> {
    let kind = match algorithm {
        Algorithm::RsaSha256 => KeyAlgorithm::Rsa,
        Algorithm::EcdsaP256Sha256 => KeyAlgorithm::EcdsaP256,
        Algorithm::EcdsaP384Sha384 => KeyAlgorithm::EcdsaP384,
        Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
    };
    let private = generate(kind, bits)?.to_dnssec();
    let signing = SigningKey::new(&private, flags).context("the generated key is not usable")?;
    Ok(NewKey { private, signing })
}

/// Writes `key` of `zone` into `dir` as BIND's two files (the private one mode 0600, synced
/// before the public one exists, so a public file always has its private half); returns the
/// files' stem. An existing file is never overwritten.
pub fn write(dir: &Path, zone: &Name, key: &NewKey, ttl: Option<u32>) -> Result<String> {
    let dnskey = key.signing.dnskey();
    let stem = keyfile::file_stem(zone, dnskey);
    let public_path = dir.join(format!("{stem}.key"));
    let private_path = dir.join(format!("{stem}.private"));
    if public_path.exists() {
        bail!("{} already exists; nameward never overwrites a key file", public_path.display());
    }
    let mut file = crate::secret_file::create_private(&private_path)?;
    file.write_all(keyfile::private_file(&key.private).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", private_path.display()))?;
    std::fs::write(&public_path, keyfile::public_file(zone, dnskey, ttl))
        .with_context(|| format!("writing {}", public_path.display()))?;
    Ok(stem)
}

/// Reads a key pair from BIND's files: `path` is the stem or either file.
pub fn read(path: &Path, zone: &Name) -> Result<SigningKey> {
    let text = path.to_string_lossy();
    let stem = text.strip_suffix(".key").or_else(|| text.strip_suffix(".private")).unwrap_or(&text);
    let public_path = PathBuf::from(format!("{stem}.key"));
    let private_path = PathBuf::from(format!("{stem}.private"));
    let public_text = std::fs::read_to_string(&public_path)
        .with_context(|| format!("cannot read public key {}", public_path.display()))?;
    let (owner, dnskey) = keyfile::parse_public(&public_text)
        .with_context(|| format!("{}: not a DNSKEY key file", public_path.display()))?;
    if owner != *zone {
        bail!("{} is a key for {owner}, not for the zone {zone}", public_path.display());
    }
    if dnskey.flags & ZONE_KEY == 0 {
        bail!("{} is not a zone key (its flags lack 256)", public_path.display());
    }
    let private_text = crate::secret_file::read_private(&private_path)?;
    let private: PrivateKey = keyfile::parse_private(&private_text, &dnskey)
        .with_context(|| format!("{}: bad private key", private_path.display()))?;
    let key = SigningKey::new(&private, dnskey.flags)
        .with_context(|| format!("{}: cannot sign with this key", private_path.display()))?;
    if key.dnskey() != &dnskey {
        bail!(
            "{} does not hold the private half of {}",
            private_path.display(),
            public_path.display()
        );
    }
    Ok(key)
}

/// Every key pair of `zone` in `dir` (each `.key` file with its `.private`), in file-name
/// order; none when the directory does not exist.
pub fn read_all(dir: &Path, zone: &Name) -> Result<Vec<SigningKey>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(anyhow!("cannot list {}: {error}", dir.display())),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
        if path.extension().is_some_and(|e| e == "key") {
            paths.push(path);
        }
    }
    paths.sort();
    paths.iter().map(|path| read(path, zone)).collect()
}
