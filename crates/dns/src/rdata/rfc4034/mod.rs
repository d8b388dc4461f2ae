//! DNSSEC record types of RFC 4034 and the type bitmap that NSEC and NSEC3 share.

mod algorithm;
mod nsec;
mod rrsig;
mod sig_time;
mod type_bitmap;

pub use algorithm::{algorithm_from_text, algorithm_mnemonic};
pub use nsec::Nsec;
pub use rrsig::Rrsig;
pub use sig_time::{parse_sig_time, write_sig_time};
pub use type_bitmap::TypeBitmap;
