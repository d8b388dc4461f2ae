//! nameward-server: the authoritative server core, without sockets, and the
//! network layer around it.
//!
//! Zones are compiled once into immutable [`Zone`] snapshots (per-name nodes found by exact hash
//! lookup, zone cuts, DNAMEs, wildcard children and glue worked out at load time, as NSD's
//! `namedb.h` does), gathered in a [`Zones`] set that network code shares through an
//! `ArcSwap<Zones>` and replaces whole on reload. [`answer`] is a pure function from query
//! bytes to response bytes in a reused [`ResponseBuffer`]: no I/O, no async, no lock.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod answer;
pub mod config;
mod lower;
pub mod net;
mod query;
mod resolve;
mod response;
pub mod transfer;
mod zone;
mod zones;

#[cfg(test)]
mod tests;

pub use answer::{Outcome, Summary, answer};
pub use response::{DEFAULT_UDP_PAYLOAD, ResponseBuffer, Transport};
pub use zone::{LoadError, Zone};
pub use zones::Zones;

pub use config::Config;
pub use net::server::{Server, StartError};
pub use net::state::{ReloadReport, Shared, ZoneStatus};
