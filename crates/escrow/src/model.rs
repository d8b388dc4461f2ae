//! What a deposit holds: the manifest and one typed row per CSV line.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::error::EscrowError;

/// A full deposit replaces everything the registry holds in escrow for the registrar; an
/// incremental one adds and updates rows on top of the last full one (RFC 8909 FULL and INCR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DepositKind {
    /// `FULL`.
    #[serde(rename = "FULL")]
    Full,
    /// `INCR`.
    #[serde(rename = "INCR")]
    Incr,
}

impl DepositKind {
    /// `FULL` or `INCR`.
    pub fn as_str(self) -> &'static str {
        match self {
            DepositKind::Full => "FULL",
            DepositKind::Incr => "INCR",
        }
    }

    /// Parses `FULL` or `INCR`.
    pub fn parse(text: &str) -> Option<DepositKind> {
        [DepositKind::Full, DepositKind::Incr].into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One file's entry in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Data rows (CSV, header excluded) or resource records (zone files).
    pub rows: u64,
    /// SHA-256 of the file's exact bytes, lowercase hexadecimal.
    pub sha256: String,
}

/// `manifest.json`: who deposited what, as of when, and a digest and count for every file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The depositing registrar's id at the registry.
    pub registrar: String,
    /// The deposit's id, unique among the registrar's deposits.
    pub deposit_id: String,
    /// `FULL` or `INCR`.
    #[serde(rename = "type")]
    pub kind: DepositKind,
    /// The instant the data is a snapshot of (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub watermark: OffsetDateTime,
    /// Every other file in the archive by its path, `manifest.json` and `manifest.sig` aside.
    pub files: BTreeMap<String, FileEntry>,
}

/// A domain the registrar sponsors, as its own records show it (`domains.csv`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Domain {
    /// The name, lowercase, without the final dot.
    pub name: String,
    /// The registrant contact as the registry knows it (the proxy contact for a domain under
    /// privacy/proxy), when there is one.
    pub registrant: Option<String>,
    /// The customer who holds the name: for a privacy/proxy domain, the beneficial holder.
    pub customer: Option<String>,
    /// The administrative contact.
    pub admin: Option<String>,
    /// The technical contact.
    pub tech: Option<String>,
    /// The reseller the name was sold through.
    pub reseller: Option<String>,
    /// Whether the registrant data the registry sees is a privacy/proxy service's.
    pub privacy: bool,
    /// Expiry as the registrar last knew it.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// Name servers, lowercase, without final dots.
    pub nameservers: Vec<String>,
}

/// A contact (`contacts.csv`), including privacy/proxy contacts, which name the customer behind
/// them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    /// The contact id (the registry's id for contacts it holds).
    pub id: String,
    /// Person or role name.
    pub name: String,
    /// Organization.
    pub org: Option<String>,
    /// Up to three street lines (one CSV field, lines separated by line feeds).
    pub street: Vec<String>,
    /// City.
    pub city: String,
    /// State or province.
    pub sp: Option<String>,
    /// Postal code.
    pub pc: Option<String>,
    /// ISO 3166-1 alpha-2 country code, uppercase.
    pub cc: String,
    /// Voice number (E.164a, `+1.7035555555`).
    pub voice: Option<String>,
    /// E-mail address.
    pub email: String,
    /// For a privacy/proxy contact, the customer it stands in for.
    pub customer: Option<String>,
}

/// A customer account at the registrar (`customers.csv`), with the money it had paid in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Customer {
    /// The registrar's customer id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Prepaid balance in minor units (negative when the customer owes the registrar).
    pub balance: i64,
    /// ISO 4217 currency code, uppercase.
    pub currency: String,
    /// The reseller the customer buys through.
    pub reseller: Option<String>,
}

/// A reseller (`resellers.csv`), with its prepaid balance at the registrar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reseller {
    /// The registrar's reseller id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Prepaid balance in minor units.
    pub balance: i64,
    /// ISO 4217 currency code, uppercase.
    pub currency: String,
}

/// A DNS zone the registrar hosts for a customer (`zones/DOMAIN.zone`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostedZone {
    /// The zone's apex, lowercase, without the final dot.
    pub domain: String,
    /// The zone file's text.
    pub text: String,
    /// How many resource records it holds.
    pub records: u64,
}

/// A deposit read and verified whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposit {
    /// The signed manifest.
    pub manifest: Manifest,
    /// `domains.csv`.
    pub domains: Vec<Domain>,
    /// `contacts.csv`.
    pub contacts: Vec<Contact>,
    /// `customers.csv`.
    pub customers: Vec<Customer>,
    /// `resellers.csv`.
    pub resellers: Vec<Reseller>,
    /// `zones/*.zone`, by domain.
    pub zones: Vec<HostedZone>,
}

/// A domain or host name in the form deposits use: letters, digits and hyphens, labels of 1 to
/// 63 octets, at least two labels, lowercase, no final dot. Uppercase is folded; anything else
/// is refused with the reason.
pub fn normalize_name(text: &str) -> Result<String, String> {
    let name = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
    if name.is_empty() || name.len() > 253 {
        return Err(format!("{text:?} is not a domain name (1 to 253 octets)"));
    }
    let mut labels = 0;
    for label in name.split('.') {
        labels += 1;
        let ldh = label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if label.is_empty() || label.len() > 63 || !ldh {
            return Err(format!("{text:?} is not a domain name (bad label {label:?})"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("{text:?}: label {label:?} starts or ends with a hyphen"));
        }
    }
    if labels < 2 {
        return Err(format!("{text:?} is not a domain name under a TLD"));
    }
    Ok(name)
}

/// The manifest's text, as signed.
pub(crate) fn manifest_bytes(manifest: &Manifest) -> Result<Vec<u8>, EscrowError> {
    serde_json::to_vec_pretty(manifest)
        .map_err(|error| EscrowError::Write { detail: format!("manifest: {error}") })
}
