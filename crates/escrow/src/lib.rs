//! nameward-escrow: registrar data escrow deposits, modelled on ICANN's registrar data escrow
//! specification, read whole or refused whole.
//!
//! # The deposit
//!
//! One tar archive (gzip-compressed or not) holding:
//!
//! | file | rows |
//! |------|------|
//! | `manifest.json` | registrar id, deposit id, `type` FULL or INCR, `watermark` (RFC 3339), and for every other file its row count and SHA-256 |
//! | `manifest.sig` | 64 octets: the Ed25519 signature of `manifest.json`'s exact bytes by the registrar's escrow key |
//! | `domains.csv` | `name,registrant,customer,admin,tech,reseller,privacy,expires,nameservers` |
//! | `contacts.csv` | `id,name,org,street,city,sp,pc,cc,voice,email,customer` |
//! | `customers.csv` | `id,name,email,balance,currency,reseller` |
//! | `resellers.csv` | `id,name,email,balance,currency` |
//! | `zones/DOMAIN.zone` | a DNS zone the registrar hosts for a customer (RFC 1035 master file) |
//!
//! CSV files follow RFC 4180 with a header line. In `domains.csv`, `registrant` is the contact
//! the registry knows (a privacy/proxy service's contact when `privacy` is 1) and `customer` the
//! customer who actually holds the name; a proxy contact in `contacts.csv` names in `customer`
//! the customer it stands in for, so both survive the registrar. Balances are minor units;
//! name servers are separated by spaces; street lines by line feeds. A full deposit must be
//! self-contained (every id it names is a row of it); an incremental one adds or updates rows.
//!
//! # Reading
//!
//! [`Deposit::read`] never trusts what it has not verified: the archive starts with the
//! manifest and its signature, which is checked before any other file is unpacked; the rest
//! is unpacked within [`Limits`], every file checked against its digest and count, and only
//! then are rows decoded. Any fault refuses the deposit with an
//! [`EscrowError`] naming the file (and for CSV the line and field).
//!
//! ```
//! use nameward_escrow::{Deposit, DepositBuilder, DepositKind, Limits, SigningKey};
//! let key = SigningKey::from_bytes(&[7; 32]);
//! let watermark = time::macros::datetime!(2026-01-01 0:00 UTC);
//! let bytes = DepositBuilder::new("alpha", "d-1", DepositKind::Full, watermark)
//!     .build(&key, true)?;
//! let deposit = Deposit::read(&bytes, &key.verifying_key(), &Limits::default())?;
//! assert_eq!(deposit.manifest.deposit_id, "d-1");
//! # Ok::<(), nameward_escrow::EscrowError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod archive;
mod error;
mod keys;
mod limits;
mod model;
mod read;
mod table;
mod write;
mod zone;

pub use archive::{ArchiveFile, pack, unpack};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::EscrowError;
pub use keys::{public_key_pem, signing_key_from_pem, signing_key_pem, verifying_key_from_pem};
pub use limits::Limits;
pub use model::{
    Contact, Customer, Deposit, DepositKind, Domain, FileEntry, HostedZone, Manifest, Reseller,
    normalize_name,
};
pub use read::{MANIFEST, SIGNATURE, claimed_registrar};
pub use write::{DepositBuilder, Unsealed};
