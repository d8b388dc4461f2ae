//! DNSSEC records of RFC 4034 (DNSKEY, DS, RRSIG, NSEC and the type bitmap NSEC and NSEC3
//! share), with the RFC 7344 child copies (CDS, CDNSKEY), which share the layout.

pub mod algorithm;
mod dnskey;
mod ds;
mod nsec;
mod rrsig;
mod sig_time;
mod type_bitmap;

pub use dnskey::{Cdnskey, Dnskey, KeyData, REVOKE, SECURE_ENTRY_POINT, ZONE_KEY};
pub use ds::{Cds, DelegationSigner, Ds};
pub use nsec::Nsec;
pub use rrsig::Rrsig;
pub use sig_time::{parse_sig_time, write_sig_time};
pub use type_bitmap::TypeBitmap;
