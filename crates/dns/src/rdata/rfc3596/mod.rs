//! Record types of RFC 3596 (IPv6 addresses).

mod aaaa;

pub use aaaa::Aaaa;
