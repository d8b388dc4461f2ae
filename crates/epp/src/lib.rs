//! nameward-epp: the Extensible Provisioning Protocol for registrars.
//!
//! The XML codec (commands in, responses out) is pure; the TLS transport and the sessions that
//! map commands onto the registry sit around it.
//!
//! Codec: [`command::parse`] reads a frame into a [`command::Request`];
//! [`response::Response::to_xml`] and [`greeting::Greeting::to_xml`] write what the server sends.
//! Transport (RFC 5734): [`frame`] reads and writes length-prefixed data units, [`tls`] builds
//! the rustls configurations (client certificates pinned by fingerprint), [`server`] runs one
//! session per connection and [`client`] is the other end; [`pki`] makes demo certificates.
//! Sessions ([`session::EppSessions`]) map each command onto the registry's service.

pub mod command;
pub mod greeting;
pub mod response;
pub mod result;
pub mod types;
pub mod xml;

pub mod client;
pub mod frame;
pub mod pki;
pub mod server;
pub mod session;
pub mod tls;

pub use tls::Fingerprint;
