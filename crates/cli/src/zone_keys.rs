//! DNSSEC key pairs in BIND's files (`K<zone>+<alg>+<tag>.key` and `.private`, the private
//! one readable by its owner only): made, written and read, for `nameward dnssec keygen`,
//! `nameward zone sign` and the TLD keys `nameward up` keeps in its data directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use std::os::unix::fs::DirBuilderExt;

use nameward_dns::Name;
use nameward_dns::dnssec::{Algorithm, DigestType, PrivateKey, SigningKey, keyfile};
use nameward_dns::rdata::rfc4034::{SECURE_ENTRY_POINT, ZONE_KEY};
use nameward_hip::keys::{KeyAlgorithm, generate};
use nameward_publish::rollover::KeyTiming;
use nameward_publish::{KeyStore, ZoneKey};

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

/// Every key pair of `zone` in `dir` (each `.key` file with its `.private`) with its file
/// stem, in file-name order; none when the directory does not exist.
pub fn read_all(dir: &Path, zone: &Name) -> Result<Vec<(String, SigningKey)>> {
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
    paths
        .iter()
        .map(|path| {
            let stem =
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((stem, read(path, zone)?))
        })
        .collect()
}

/// The times of key `stem` in `dir` (`STEM.state`: `Published:`, `Active:`, `Retired:`,
/// `Removed:` in seconds since 1970); a key without the file is published and signs for
/// good, as a key put there by hand would.
pub fn read_timing(dir: &Path, stem: &str) -> Result<KeyTiming> {
    let path = dir.join(format!("{stem}.state"));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(KeyTiming::ALWAYS),
        Err(error) => bail!("cannot read {}: {error}", path.display()),
    };
    let mut timing = KeyTiming::ALWAYS;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            anyhow!(
                "{}:{}: expected `Published|Active|Retired|Removed: SECONDS`",
                path.display(),
                number + 1
            )
        };
        let (field, value) = line.split_once(':').ok_or_else(bad)?;
        let value: u64 = value.trim().parse().map_err(|_| bad())?;
        match field.trim() {
            "Published" => timing.published = value,
            "Active" => timing.active = value,
            "Retired" => timing.retired = Some(value),
            "Removed" => timing.removed = Some(value),
            _ => return Err(bad()),
        }
    }
    Ok(timing)
}

/// Writes the times of key `stem` in `dir`, whole or not at all (a new file renamed over
/// the old one after it is synced).
pub fn write_timing(dir: &Path, stem: &str, timing: &KeyTiming) -> Result<()> {
    let path = dir.join(format!("{stem}.state"));
    let partial = dir.join(format!("{stem}.state.new"));
    let mut text = format!(
        "# times of {stem}, in seconds since 1970\nPublished: {}\nActive: {}\n",
        timing.published, timing.active
    );
    if let Some(retired) = timing.retired {
        text.push_str(&format!("Retired: {retired}\n"));
    }
    if let Some(removed) = timing.removed {
        text.push_str(&format!("Removed: {removed}\n"));
    }
    let mut file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("cannot replace {}", path.display()))
}

/// The TLD keys of `nameward up`: `DIR/TLD/`, each key with its times in a `.state` file.
pub struct KeyDir {
    /// Where each TLD's directory is.
    pub dir: PathBuf,
}

impl KeyDir {
    fn zone_dir(&self, zone: &Name) -> PathBuf {
        self.dir.join(zone.to_string().trim_end_matches('.'))
    }
}

impl KeyStore for KeyDir {
    fn keys(&self, zone: &Name) -> Result<Vec<ZoneKey>, String> {
        let read = || -> Result<Vec<ZoneKey>> {
            let dir = self.zone_dir(zone);
            let mut keys = Vec::new();
            for (id, key) in read_all(&dir, zone)? {
                let timing = read_timing(&dir, &id)?;
                keys.push(ZoneKey { id, key, timing });
            }
            Ok(keys)
        };
        read().map_err(|error| format!("{error:#}"))
    }

    /// Makes and writes the key, its times first: a key file without them would be taken
    /// for a key placed by hand, published and signing for good.
    fn add(
        &self,
        zone: &Name,
        algorithm: Algorithm,
        key_signing: bool,
        timing: &KeyTiming,
    ) -> Result<ZoneKey, String> {
        let add = || -> Result<ZoneKey> {
            let dir = self.zone_dir(zone);
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let flags = if key_signing { ZONE_KEY | SECURE_ENTRY_POINT } else { ZONE_KEY };
            let key = make(algorithm, None, flags)?;
            let stem = keyfile::file_stem(zone, key.signing.dnskey());
            write_timing(&dir, &stem, timing)?;
            write(&dir, zone, &key, None)?;
            if key.signing.is_key_signing() {
                let ds = nameward_dns::dnssec::ds(zone, key.signing.dnskey(), DigestType::Sha256);
                tracing::info!(zone = %zone, key = stem, "new key-signing key; its DS for the parent: {zone} IN DS {ds}");
            }
            Ok(ZoneKey { id: stem, key: key.signing, timing: *timing })
        };
        add().map_err(|error| format!("{error:#}"))
    }

    fn set_timing(&self, zone: &Name, id: &str, timing: &KeyTiming) -> Result<(), String> {
        write_timing(&self.zone_dir(zone), id, timing).map_err(|error| format!("{error:#}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// What a rollover keeps is what a restarted process reads: the keys and their times.
    #[test]
    fn keys_and_times_are_read_back_as_kept() {
        let dir = std::env::temp_dir().join(format!("nameward-zone-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let zone = Name::parse("example.", None).unwrap();
        let store = KeyDir { dir: dir.clone() };
        assert!(store.keys(&zone).unwrap().is_empty());
        let first = KeyTiming::from(1_000);
        let ksk = store.add(&zone, Algorithm::Ed25519, true, &first).unwrap();
        let zsk = store.add(&zone, Algorithm::Ed25519, false, &first).unwrap();
        assert!(ksk.key.is_key_signing() && !zsk.key.is_key_signing());
        let successor = KeyTiming { published: 2_000, active: 9_200, retired: None, removed: None };
        let added = store.add(&zone, Algorithm::EcdsaP256Sha256, false, &successor).unwrap();
        let retired = KeyTiming { retired: Some(9_200), removed: Some(16_400), ..zsk.timing };
        store.set_timing(&zone, &zsk.id, &retired).unwrap();

        let again = KeyDir { dir: dir.clone() };
        let read = again.keys(&zone).unwrap();
        let timing = |id: &str| read.iter().find(|k| k.id == id).unwrap().timing;
        assert_eq!(read.len(), 3);
        assert_eq!(timing(&zsk.id), retired);
        assert_eq!(timing(&added.id), successor);
        assert_eq!(timing(&ksk.id), first);
        let zone_dir = dir.join("example");
        let mode = |path: &Path| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777
        };
        assert_eq!(mode(&zone_dir), 0o700);
        assert_eq!(mode(&zone_dir.join(format!("{}.private", added.id))), 0o600);

        // A state file that does not read is refused with its line.
        std::fs::write(zone_dir.join(format!("{}.state", added.id)), "Published: soon\n").unwrap();
        let error = again.keys(&zone).unwrap_err();
        assert!(error.contains(".state:1:"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
