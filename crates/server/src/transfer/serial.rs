//! Serial number arithmetic (RFC 1982 §3.2) for SOA serials, from the DNS library.

pub use nameward_dns::serial::{serial_gt, serial_lt};
