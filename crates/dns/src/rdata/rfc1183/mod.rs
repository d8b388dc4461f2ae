//! Record types of RFC 1183 that real zones still carry.

mod afsdb;
mod rp;

pub use afsdb::Afsdb;
pub use rp::Rp;
