//! The IPSECKEY record type of RFC 4025.

mod ipseckey;

pub use ipseckey::{Gateway, Ipseckey};
