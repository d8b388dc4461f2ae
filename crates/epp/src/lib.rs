//! nameward-epp: the Extensible Provisioning Protocol for registrars.
//!
//! The XML codec (commands in, responses out) is pure; the TLS transport and the sessions that
//! map commands onto the registry sit around it.

pub mod client;
pub mod frame;
pub mod pki;
pub mod server;
pub mod tls;

pub use tls::Fingerprint;
