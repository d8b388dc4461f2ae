//! Record types of RFC 6698 (DANE TLSA) and RFC 8162 (SMIMEA), which share one layout.

mod tlsa;

pub use tlsa::{CertAssociation, Smimea, Tlsa};
