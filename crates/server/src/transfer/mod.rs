//! Zone transfers and NOTIFY: AXFR (RFC 5936), IXFR (RFC 1995) from a journal of differences
//! between reloads, NOTIFY (RFC 1996), TSIG (RFC 8945) and per-zone access lists. Pure functions
//! over data: no socket, no clock.
//!
//! # How the network layer calls this
//!
//! `net/transfer_hook.rs` does all of the following: `Shared` holds the [`TransferConfig`]
//! (read once from the server config by [`TransferConfig::from_config`]), the [`Journals`]
//! (updated on each reload by `net::transfer_hook::zone_replaced`) and the queued [`Notifier`]s (driven by `net/notify.rs`).
//!
//! Keep, next to the published `Zones`, a [`TransferConfig`] (keys and per-zone
//! [`ZonePolicy`]) and a [`Journals`] (both can sit in the same `ArcSwap` as the zones).
//!
//! - **TCP query with QTYPE AXFR or IXFR** (and UDP IXFR):
//!   ```text
//!   pub fn respond_transfer(zones: &Zones, journals: &Journals, config: &TransferConfig,
//!                           request: &Request<'_>) -> TransferStream
//!   ```
//!   `TransferStream` is an `Iterator<Item = Vec<u8>>` of complete messages (each at most
//!   65535 octets: write each with its two-octet length prefix). It owns `Arc`s of what it
//!   reads, so it can be drained from a connection task while zones are reloaded. It may yield
//!   nothing (the "query" was a response). `summary()` tells the rcode and kind for metrics.
//!   Over UDP, answer AXFR and IXFR with it too (one message: NOTIMP for AXFR, the SOA for
//!   IXFR).
//! - **Any other query carrying a TSIG** (a secondary's signed SOA check), before
//!   [`crate::answer`]:
//!   ```text
//!   pub fn respond_signed(zones: &Zones, config: &TransferConfig, request: &Request<'_>)
//!       -> Option<Vec<u8>>
//!   ```
//!   `None`: the query is not signed, answer it with [`crate::answer`] as usual. (The
//!   network layer knows before: [`crate::Incoming::route`] sends only messages with a TSIG
//!   record here.)
//! - **NOTIFY received** (opcode 4, UDP or TCP):
//!   ```text
//!   pub fn respond_notify(zones: &Zones, config: &TransferConfig, request: &Request<'_>)
//!       -> Option<Vec<u8>>
//!   ```
//! - **Reload produced a new version of a zone**: first
//!   `journals.update(&old_zone, &new_zone)` (under the reload lock, on a clone that is then
//!   published), then
//!   ```text
//!   pub fn notify_after_reload(old: Option<&Zone>, new: &Zone, targets: &[NotifyTarget],
//!                              keys: &KeyRing, policy: RetryPolicy, now_ms: u64)
//!       -> Option<Notifier>
//!   ```
//!   and drive the [`Notifier`]: `poll(now_ms, &mut random_id)` returns the UDP messages due
//!   and the secondaries given up on; feed every UDP response from a target to
//!   `on_response(from, bytes, now_ms)`; sleep until `next_deadline()`; drop it once
//!   `is_finished()` (or when a newer version replaces it).
//!
//! [`Request`] carries the message as the network layer read it ([`crate::Incoming`]), the
//! client address, the transport and the time (seconds since the epoch, for TSIG).

mod acl;
mod axfr;
mod config;
mod ixfr;
mod journal;
mod notify;
mod respond;
mod serial;
mod stream;
/// TSIG lives in the DNS library, shared with every client; re-exported where transfers use it.
pub use nameward_dns::tsig;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
#[cfg(test)]
use tests::support as tests_support;

pub use acl::{Acl, Cidr, NotifyTarget, Rule, ZonePolicy};
pub use axfr::full_zone;
pub use ixfr::incremental;
pub use journal::{ApplyError, Diff, Journal, JournalLimits, JournalUpdate};
pub use notify::{Notifier, NotifyEvent, Outgoing, RetryPolicy, notify_after_reload};
pub use respond::{
    Journals, Request, TransferConfig, respond_notify, respond_signed, respond_transfer,
};
pub use serial::{serial_gt, serial_lt};
pub use stream::{TransferKind, TransferStream, TransferSummary};
