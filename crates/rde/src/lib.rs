//! Registry data escrow (RFC 8909 framework, RFC 9022 objects) for nameward registries.
//!
//! - [`deposit`] writes a FULL deposit, or a DIFF of what changed since the last one, of a TLD from one read snapshot of the registry, the
//!   XML streamed to a spool file, then ustar, then one OpenPGP message (ZIP-compressed,
//!   SEIPD v1 with MDC, AES-128, to the escrow agent's key) with a detached signature by the
//!   registry's key, named as ICANN's Specification 2 names them, with the deposit report;
//!   and records the deposit in the registry.
//! - [`verify`] checks the signature, decrypts, untars and reads the XML back, checking
//!   counts and references, and lists every problem with file and element.
//! - [`restore`] rebuilds a registry from a verified FULL deposit and the DIFFs after it
//!   into a new database in one transaction.
//! - [`schedule`] says which deposit is due: a FULL weekly, a DIFF the other days.
//!
//! A crate of its own rather than a module of `nameward-escrow`: that crate reads registrar
//! deposits and knows nothing of the registry's store, while this one reads and writes the
//! store on every path, and brings OpenPGP with it.

pub mod deposit;
mod error;
pub mod names;
pub mod objects;
pub mod openpgp;
pub mod restore;
pub mod schedule;
pub mod verify;
pub mod xml;

pub use error::{Problem, RdeError};
