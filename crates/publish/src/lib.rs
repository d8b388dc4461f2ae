//! nameward-publish: the registry's TLD zones served by the authoritative server.
//!
//! A [`Publisher`] watches each TLD's serial and, when it moves, asks the registry what the
//! changes since the served version touched ([`Registry::zone_delta`]) and turns that into an
//! exact zone difference ([`difference`]): the records now at the touched owners against the
//! records the served zone has there. The server applies the difference to the zone it serves
//! and journals it as it is for IXFR ([`Shared::apply`]), so nothing reads, parses or compares
//! the whole zone on a change. The whole zone is built from the database only at start, when
//! the apex changed, when the change notes of some serial are gone, or when a difference does
//! not apply (a publisher that lost track rebuilds rather than serve a wrong zone).
//!
//! It sits between the registry and the server because it needs both and neither should
//! depend on the other: the registry knows no sockets, the server no database.
//!
//! Names on continuity DNS have their escrowed zones served beside the TLD ([`continuity`]):
//! a newly switched name's zone is served before the TLD delegates to it, and an ended one
//! is withdrawn only after the delegation moved away.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod continuity;
mod diff;
mod history;
mod metrics;
mod publisher;
pub mod rollover;
mod signing;

pub use diff::{difference, served_owners};
pub use metrics::PublishMetrics;
pub use publisher::{PublishError, Published, Publisher, zone_checks};
pub use signing::{Clock, KeyStore, Parent, Signing, SigningPolicy, ZoneKey};

#[cfg(doc)]
use nameward_registry::service::Registry;
#[cfg(doc)]
use nameward_server::Shared;
