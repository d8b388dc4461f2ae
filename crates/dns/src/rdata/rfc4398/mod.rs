//! The CERT record type of RFC 4398.

mod cert;

pub use cert::{Cert, cert_type_mnemonic};
