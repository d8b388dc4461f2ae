//! nameward-rdap: RDAP for the registry (RFC 7480, 9082, 9083; the ICANN gTLD RDAP Response
//! Profile and Technical Implementation Guide, 2024).
//!
//! The pure parts take data and return data: [`query`] reads a request path and query string
//! into a typed [`query::Request`] (or the error status it deserves), [`response`] builds the
//! JSON of each object, search and error from the registry's objects, [`status`] maps EPP
//! statuses to RDAP's (RFC 8056), and [`redact`] removes a contact's personal data for the
//! public (RFC 9537) under a [`redact::Policy`]. [`server`] is the HTTP shell: it reads the
//! registry, answers with `application/rdap+json`, CORS, ETags and a per-client rate limit,
//! behind `nameward_listen`'s connection limits, over TLS when a certificate is configured.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod query;
pub mod redact;
pub mod response;
pub mod server;
pub mod status;

pub use config::{Config, RegistrarProfile};
pub use server::{RateLimit, Rdap, router, serve};
