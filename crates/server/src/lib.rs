//! nameward-server: the authoritative server core, without sockets, and the
//! network layer around it.
//!
//! Zones are compiled once into immutable [`Zone`] snapshots (per-name nodes found by exact hash
//! lookup, zone cuts, DNAMEs, wildcard children and glue worked out at load time, as NSD's
//! `namedb.h` does), gathered in a [`Zones`] set that network code shares through an
//! `ArcSwap<Zones>` and replaces whole on reload. [`answer`] is a pure function from query
//! bytes to response bytes in a reused [`ResponseBuffer`]: no I/O, no async, no lock.
//!
//! Choices where the RFCs leave room (each checked against Knot DNS and NSD by
//! `tests/differential.rs`, whose `differential-allow.txt` lists where those two choose
//! otherwise):
//! - Minimal responses: no NS in authority on positive answers, additional data only for
//!   referral glue and for the rendezvous servers of a HIP answer (RFC 5205 §4.2).
//! - `ANY` (RFC 8482 §4.1): the RRset of lowest type at the name.
//! - CNAMEs are followed inside the zone only, at most 16 steps, stopping at a loop.
//! - EDNS options: NSID (RFC 5001) when configured and asked for; EXPIRE (RFC 7314) as a
//!   primary gives it, the SOA expire, when asked for (in answers and in the first message of
//!   a zone transfer); COOKIE (RFC 7873) answered with an RFC 9018 server cookie when the
//!   network layer passes the secrets, a malformed one refused with FORMERR; others ignored
//!   (RFC 6891 §6.1.2).
//! - RD is copied for QUERY (cleared for other opcodes, as BIND and NSD do), CD cleared (RFC
//!   4035 §3.1.6), AD and Z never set.
//! - TC only when an answer or authority RRset did not fit; additional RRsets that do not fit
//!   are left out silently. Truncation is by whole RRsets.
//! - AXFR and IXFR are answered NOTIMP and flagged in the [`Summary`], for a transfer-capable
//!   TCP layer to take over.
//! - DNSSEC (RFC 4035 §3.1, pre-signed zones; a zone with an apex DNSKEY counts as signed):
//!   with DO, every RRset of answer and authority goes out with the RRSIGs covering it (kept
//!   per type covered, each with its own TTL), except a referral's NS, glue and the CNAME
//!   synthesised from a DNAME; referrals carry the DS or the proof that there is none;
//!   negative and wildcard answers carry their NSEC (RFC 4035 §3.1.3) or NSEC3 (RFC 5155
//!   §7.2, the chain of the apex NSEC3PARAM, opt-out included) proofs. An RRset goes with its
//!   RRSIGs or not at all (TC set). NSEC3 owner names answer as names that do not exist
//!   (RFC 5155 §7.2.8). Without DO, RRSIG, NSEC and NSEC3 appear only when asked for by type;
//!   QTYPE RRSIG is answered with every RRSIG at the name.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod answer;
pub mod config;
pub mod cookie;
mod denial;
mod lower;
pub mod net;
mod query;
mod resolve;
mod response;
#[cfg(feature = "testing")]
#[allow(clippy::expect_used, clippy::panic)]
pub mod testing;
pub mod transfer;
pub mod update;
mod zone;
mod zones;

#[cfg(test)]
mod signed_layers;
#[cfg(test)]
mod tests;

pub use answer::{Outcome, Requester, Summary, answer, answer_incoming};
pub use query::{Incoming, Route};
pub use response::{DEFAULT_UDP_PAYLOAD, ResponseBuffer, Transport};
pub use zone::{LoadError, Zone};
pub use zones::Zones;

pub use config::Config;
pub use net::server::{Server, StartError};
pub use net::state::{ReloadReport, Shared, ZoneStatus};
