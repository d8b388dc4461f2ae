//! Writing a deposit, as a registrar (or a test, or a benchmark) does: rows in, a signed archive
//! out. The writer checks its output with the reader's own decoding, so whatever it writes,
//! [`crate::Deposit::read`] accepts.

use std::collections::BTreeMap;

use ed25519_dalek::{Signer, SigningKey};
use time::OffsetDateTime;

use crate::archive::{ArchiveFile, pack};
use crate::error::EscrowError;
use crate::limits::Limits;
use crate::model::{
    Contact, Customer, DepositKind, Domain, FileEntry, Manifest, Reseller, manifest_bytes,
};
use crate::read::{MANIFEST, SIGNATURE, decode_files, sha256_hex};
use crate::table::{self, Row};
use crate::zone;

/// The rows of a deposit to be written.
#[derive(Debug, Clone)]
pub struct DepositBuilder {
    /// The depositing registrar's id.
    pub registrar: String,
    /// The deposit's id.
    pub deposit_id: String,
    /// FULL or INCR.
    pub kind: DepositKind,
    /// The instant the data is a snapshot of.
    pub watermark: OffsetDateTime,
    /// `domains.csv`.
    pub domains: Vec<Domain>,
    /// `contacts.csv`.
    pub contacts: Vec<Contact>,
    /// `customers.csv`.
    pub customers: Vec<Customer>,
    /// `resellers.csv`.
    pub resellers: Vec<Reseller>,
    /// Hosted zones: (domain, zone file text).
    pub zones: Vec<(String, String)>,
}

/// A deposit's files with their manifest, before signing: what a test alters to make a deposit
/// that is signed but wrong.
#[derive(Debug, Clone)]
pub struct Unsealed {
    /// The manifest to be signed.
    pub manifest: Manifest,
    /// Every other file, in archive order.
    pub files: Vec<ArchiveFile>,
}

impl DepositBuilder {
    /// An empty deposit.
    pub fn new(
        registrar: &str,
        deposit_id: &str,
        kind: DepositKind,
        watermark: OffsetDateTime,
    ) -> DepositBuilder {
        DepositBuilder {
            registrar: registrar.to_owned(),
            deposit_id: deposit_id.to_owned(),
            kind,
            watermark,
            domains: Vec::new(),
            contacts: Vec::new(),
            customers: Vec::new(),
            resellers: Vec::new(),
            zones: Vec::new(),
        }
    }

    /// Adds a domain.
    pub fn domain(mut self, domain: Domain) -> DepositBuilder {
        self.domains.push(domain);
        self
    }

    /// Adds a contact.
    pub fn contact(mut self, contact: Contact) -> DepositBuilder {
        self.contacts.push(contact);
        self
    }

    /// Adds a customer.
    pub fn customer(mut self, customer: Customer) -> DepositBuilder {
        self.customers.push(customer);
        self
    }

    /// Adds a reseller.
    pub fn reseller(mut self, reseller: Reseller) -> DepositBuilder {
        self.resellers.push(reseller);
        self
    }

    /// Adds a hosted zone.
    pub fn zone(mut self, domain: &str, text: &str) -> DepositBuilder {
        self.zones.push((domain.to_owned(), text.to_owned()));
        self
    }

    /// The files and their manifest, checked as the reader would check them.
    pub fn unsealed(&self) -> Result<Unsealed, EscrowError> {
        let mut files = vec![
            csv_file(&self.domains)?,
            csv_file(&self.contacts)?,
            csv_file(&self.customers)?,
            csv_file(&self.resellers)?,
        ];
        let mut entries = BTreeMap::new();
        for (file, rows) in files.iter().zip([
            self.domains.len(),
            self.contacts.len(),
            self.customers.len(),
            self.resellers.len(),
        ]) {
            let rows = u64::try_from(rows).unwrap_or(u64::MAX);
            entries.insert(file.path.clone(), FileEntry { rows, sha256: sha256_hex(&file.bytes) });
        }
        let limits = Limits::default();
        for (domain, text) in &self.zones {
            let records = zone::check(domain, text, &limits)?;
            let path = zone::path_of(domain);
            let sha256 = sha256_hex(text.as_bytes());
            if entries.insert(path.clone(), FileEntry { rows: records, sha256 }).is_some() {
                return Err(EscrowError::Write { detail: format!("{path} twice") });
            }
            files.push(ArchiveFile { path, bytes: text.as_bytes().to_vec() });
        }
        let manifest = Manifest {
            registrar: self.registrar.clone(),
            deposit_id: self.deposit_id.clone(),
            kind: self.kind,
            watermark: self.watermark,
            files: entries,
        };
        let by_path = files.iter().map(|file| (file.path.clone(), file.bytes.clone())).collect();
        decode_files(manifest.clone(), &by_path, &limits)?;
        Ok(Unsealed { manifest, files })
    }

    /// The signed archive, gzip-compressed when `gzip`.
    pub fn build(&self, key: &SigningKey, gzip: bool) -> Result<Vec<u8>, EscrowError> {
        self.unsealed()?.seal(key, gzip)
    }
}

impl Unsealed {
    /// Signs the manifest as it stands and packs everything into an archive.
    pub fn seal(&self, key: &SigningKey, gzip: bool) -> Result<Vec<u8>, EscrowError> {
        let manifest = manifest_bytes(&self.manifest)?;
        let signature = key.sign(&manifest).to_bytes().to_vec();
        let mut all = vec![
            ArchiveFile { path: MANIFEST.to_owned(), bytes: manifest },
            ArchiveFile { path: SIGNATURE.to_owned(), bytes: signature },
        ];
        all.extend(self.files.iter().cloned());
        pack(&all, gzip)
    }
}

fn csv_file<R: Row>(rows: &[R]) -> Result<ArchiveFile, EscrowError> {
    Ok(ArchiveFile { path: R::FILE.to_owned(), bytes: table::encode(rows)? })
}
