//! Reading a deposit: the manifest and its signature first, verified over the manifest's exact
//! bytes before anything else is unpacked, then every file within limits against the manifest
//! (digest, then rows), then decode; the first fault refuses the whole deposit. Nothing in a
//! file is parsed before the manifest that vouches for it has been verified.

use std::collections::{BTreeMap, HashSet};

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::archive::{Entry, Flow, for_each_file};
use crate::error::EscrowError;
use crate::limits::Limits;
use crate::model::{
    Contact, Customer, Deposit, DepositKind, Domain, HostedZone, Manifest, Reseller,
};
use crate::table::{self, Row, check_id};
use crate::zone;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The signature's file name: 64 raw octets, Ed25519 over the manifest's bytes.
pub const SIGNATURE: &str = "manifest.sig";

impl Deposit {
    /// Reads and verifies the deposit archive in `bytes` against the registrar's escrow key.
    /// Refuses it whole — corrupt, truncated, unsigned, signed by another key, a file whose
    /// digest or row count differs from the manifest, a row that does not decode — with an
    /// error naming the file, and for CSV the line and field.
    ///
    /// The manifest and its signature are the archive's first two files, and the signature is
    /// checked before anything else is unpacked: an archive that is not the registrar's costs
    /// no more than its manifest, however much its other files would decompress to.
    pub fn read(bytes: &[u8], key: &VerifyingKey, limits: &Limits) -> Result<Deposit, EscrowError> {
        let mut reading = Reading::default();
        for_each_file(bytes, limits, |entry| reading.take(entry, key).map(|()| Flow::Continue))?;
        let (manifest, files) = reading.finish()?;
        decode_files(manifest, &files, limits)
    }
}

/// The registrar a deposit's manifest names, read WITHOUT verifying anything: only for choosing
/// whose key to verify the deposit with ([`Deposit::read`] then checks the signature). Only
/// the manifest, the archive's first file, is unpacked.
pub fn claimed_registrar(bytes: &[u8], limits: &Limits) -> Result<String, EscrowError> {
    let mut manifest = None;
    for_each_file(bytes, limits, |entry| {
        manifest = Some(manifest_first(entry)?);
        Ok(Flow::Stop)
    })?;
    let manifest = manifest.ok_or_else(|| EscrowError::Missing { file: MANIFEST.to_owned() })?;
    Ok(parse_manifest(&manifest)?.registrar)
}

/// SHA-256 as lowercase hexadecimal.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The bytes of the archive's first file, which must be the manifest.
fn manifest_first(entry: Entry<'_>) -> Result<Vec<u8>, EscrowError> {
    if entry.path != MANIFEST {
        return Err(EscrowError::Manifest {
            detail: format!(
                "the archive starts with {}; a deposit starts with {MANIFEST}",
                entry.path
            ),
        });
    }
    Ok(entry.read_all()?.bytes)
}

fn parse_manifest(bytes: &[u8]) -> Result<Manifest, EscrowError> {
    serde_json::from_slice(bytes).map_err(|error| EscrowError::Manifest {
        detail: format!("line {}: {error}", error.line()),
    })
}

/// A deposit as its files arrive: the manifest, then its signature, verified at once, then
/// every other file, each checked against the verified manifest as it is read.
#[derive(Default)]
struct Reading {
    manifest_bytes: Option<Vec<u8>>,
    manifest: Option<Manifest>,
    files: BTreeMap<String, Vec<u8>>,
}

impl Reading {
    fn take(&mut self, entry: Entry<'_>, key: &VerifyingKey) -> Result<(), EscrowError> {
        let Some(manifest_bytes) = &self.manifest_bytes else {
            self.manifest_bytes = Some(manifest_first(entry)?);
            return Ok(());
        };
        let Some(manifest) = &self.manifest else {
            if entry.path != SIGNATURE {
                return Err(EscrowError::Signature {
                    detail: "missing: the deposit is unsigned".to_owned(),
                });
            }
            let signature = entry.read_all()?.bytes;
            self.manifest = Some(verify_manifest(manifest_bytes, &signature, key)?);
            return Ok(());
        };
        if entry.path == MANIFEST || entry.path == SIGNATURE || self.files.contains_key(&entry.path)
        {
            return Err(EscrowError::Unexpected {
                file: entry.path,
                detail: "appears twice in the archive".to_owned(),
            });
        }
        let Some(listed) = manifest.files.get(&entry.path) else {
            return Err(EscrowError::Unexpected {
                file: entry.path,
                detail: "not listed in the manifest".to_owned(),
            });
        };
        let file = entry.read_all()?;
        let actual = sha256_hex(&file.bytes);
        if !actual.eq_ignore_ascii_case(&listed.sha256) {
            return Err(EscrowError::Digest {
                file: file.path,
                expected: listed.sha256.clone(),
                actual,
            });
        }
        self.files.insert(file.path, file.bytes);
        Ok(())
    }

    /// The verified manifest and every file it lists.
    fn finish(self) -> Result<(Manifest, BTreeMap<String, Vec<u8>>), EscrowError> {
        let manifest = match (self.manifest_bytes, self.manifest) {
            (None, _) => return Err(EscrowError::Missing { file: MANIFEST.to_owned() }),
            (Some(_), None) => {
                return Err(EscrowError::Signature {
                    detail: "missing: the deposit is unsigned".to_owned(),
                });
            }
            (Some(_), Some(manifest)) => manifest,
        };
        if let Some(path) = manifest.files.keys().find(|path| !self.files.contains_key(*path)) {
            return Err(EscrowError::Missing { file: path.clone() });
        }
        Ok((manifest, self.files))
    }
}

/// Verifies the signature over the manifest's exact bytes, then reads the manifest and checks
/// what every deposit's manifest must say.
fn verify_manifest(
    manifest_bytes: &[u8],
    signature: &[u8],
    key: &VerifyingKey,
) -> Result<Manifest, EscrowError> {
    let signature = <[u8; 64]>::try_from(signature).map_err(|_| EscrowError::Signature {
        detail: format!("{} octets; an Ed25519 signature has 64", signature.len()),
    })?;
    key.verify_strict(manifest_bytes, &Signature::from_bytes(&signature)).map_err(|_| {
        EscrowError::Signature {
            detail: "does not verify manifest.json with the registrar's escrow key".to_owned(),
        }
    })?;
    let manifest = parse_manifest(manifest_bytes)?;
    check_id(&manifest.registrar)
        .map_err(|detail| EscrowError::Manifest { detail: format!("registrar: {detail}") })?;
    check_id(&manifest.deposit_id)
        .map_err(|detail| EscrowError::Manifest { detail: format!("deposit_id: {detail}") })?;
    for required in [Domain::FILE, Contact::FILE, Customer::FILE, Reseller::FILE] {
        if !manifest.files.contains_key(required) {
            return Err(EscrowError::Manifest { detail: format!("{required} is not listed") });
        }
    }
    Ok(manifest)
}

/// Decodes verified files into a deposit, checking each file's rows against the manifest.
pub(crate) fn decode_files(
    manifest: Manifest,
    files: &BTreeMap<String, Vec<u8>>,
    limits: &Limits,
) -> Result<Deposit, EscrowError> {
    let domains: Vec<(u64, Domain)> = table_of(&manifest, files, limits)?;
    let contacts: Vec<(u64, Contact)> = table_of(&manifest, files, limits)?;
    let customers: Vec<(u64, Customer)> = table_of(&manifest, files, limits)?;
    let resellers: Vec<(u64, Reseller)> = table_of(&manifest, files, limits)?;
    let mut zones = Vec::new();
    for (path, bytes) in files {
        let domain = match zone::domain_of(path) {
            Some(domain) => domain?,
            None if [Domain::FILE, Contact::FILE, Customer::FILE, Reseller::FILE]
                .contains(&path.as_str()) =>
            {
                continue;
            }
            None => {
                return Err(EscrowError::Unexpected {
                    file: path.clone(),
                    detail: "not a file the deposit format has".to_owned(),
                });
            }
        };
        let text = std::str::from_utf8(bytes).map_err(|error| {
            let before = bytes.get(..error.valid_up_to()).unwrap_or_default();
            let line = before.iter().filter(|b| **b == b'\n').count().saturating_add(1);
            EscrowError::Zone {
                file: path.clone(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                detail: "not UTF-8".to_owned(),
            }
        })?;
        let records = zone::check(&domain, text, limits)?;
        count_matches(&manifest, path, records)?;
        zones.push(HostedZone { domain, text: text.to_owned(), records });
    }
    if manifest.kind == DepositKind::Full {
        check_references(&domains, &contacts, &customers, &resellers)?;
    }
    Ok(Deposit {
        manifest,
        domains: strip(domains),
        contacts: strip(contacts),
        customers: strip(customers),
        resellers: strip(resellers),
        zones,
    })
}

fn strip<R>(rows: Vec<(u64, R)>) -> Vec<R> {
    rows.into_iter().map(|(_, row)| row).collect()
}

fn table_of<R: Row>(
    manifest: &Manifest,
    files: &BTreeMap<String, Vec<u8>>,
    limits: &Limits,
) -> Result<Vec<(u64, R)>, EscrowError> {
    let bytes =
        files.get(R::FILE).ok_or_else(|| EscrowError::Missing { file: R::FILE.to_owned() })?;
    let rows = table::decode::<R>(bytes, limits)?;
    count_matches(manifest, R::FILE, u64::try_from(rows.len()).unwrap_or(u64::MAX))?;
    Ok(rows)
}

fn count_matches(manifest: &Manifest, file: &str, actual: u64) -> Result<(), EscrowError> {
    let expected = manifest.files.get(file).map_or(0, |entry| entry.rows);
    if expected == actual {
        Ok(())
    } else {
        Err(EscrowError::Count { file: file.to_owned(), expected, actual })
    }
}

/// In a full deposit every id a row names must be a row of the file it belongs to (an
/// incremental one may name rows of the full deposit it builds on).
fn check_references(
    domains: &[(u64, Domain)],
    contacts: &[(u64, Contact)],
    customers: &[(u64, Customer)],
    resellers: &[(u64, Reseller)],
) -> Result<(), EscrowError> {
    let contact_ids: HashSet<&str> = contacts.iter().map(|(_, row)| row.id.as_str()).collect();
    let customer_ids: HashSet<&str> = customers.iter().map(|(_, row)| row.id.as_str()).collect();
    let reseller_ids: HashSet<&str> = resellers.iter().map(|(_, row)| row.id.as_str()).collect();
    let dangling = |file: &str, line: u64, field: &str, id: &str, target: &str| {
        EscrowError::csv(file, line, Some(field), format!("{id} is not in {target}"))
    };
    for (line, domain) in domains {
        let links = [
            ("registrant", &domain.registrant, &contact_ids, Contact::FILE),
            ("customer", &domain.customer, &customer_ids, Customer::FILE),
            ("admin", &domain.admin, &contact_ids, Contact::FILE),
            ("tech", &domain.tech, &contact_ids, Contact::FILE),
            ("reseller", &domain.reseller, &reseller_ids, Reseller::FILE),
        ];
        for (field, id, known, target) in links {
            if let Some(id) = id.as_deref().filter(|id| !known.contains(id)) {
                return Err(dangling(Domain::FILE, *line, field, id, target));
            }
        }
    }
    for (line, contact) in contacts {
        if let Some(id) = contact.customer.as_deref().filter(|id| !customer_ids.contains(id)) {
            return Err(dangling(Contact::FILE, *line, "customer", id, Customer::FILE));
        }
    }
    for (line, customer) in customers {
        if let Some(id) = customer.reseller.as_deref().filter(|id| !reseller_ids.contains(id)) {
            return Err(dangling(Customer::FILE, *line, "reseller", id, Reseller::FILE));
        }
    }
    Ok(())
}
