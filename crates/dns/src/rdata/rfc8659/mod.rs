//! Record types of RFC 8659 (Certification Authority Authorization).

mod caa;

pub use caa::Caa;
