//! DNSSEC key and delegation records of RFC 4034, with their RFC 7344 child copies (CDS,
//! CDNSKEY), which share the layout.

pub mod algorithm;
mod dnskey;
mod ds;

pub use dnskey::{Cdnskey, Dnskey, KeyData, REVOKE, SECURE_ENTRY_POINT, ZONE_KEY};
pub use ds::{Cds, DelegationSigner, Ds};
