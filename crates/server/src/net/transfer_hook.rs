//! The seam between the network layer and zone transfers: AXFR and IXFR, NOTIFY, and any
//! query that carries a TSIG ([`Route::Transfer`] of the message's parsed view) are handed to
//! [`transfer_response`] instead of [`crate::answer_incoming`], which calls the pure functions
//! of [`crate::transfer`]. [`zone_replaced`]
//! is the other seam: every reload calls it for each zone that got a new version, which
//! records the IXFR difference and queues NOTIFY to the secondaries.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use nameward_dns::Rtype;
use nameward_dns::message::opcode;

use crate::config::Config;
use crate::net::metrics::SharedCounters;
use crate::net::state::{Shared, now_ms};
use crate::transfer::{
    Diff, Journals, Request, RetryPolicy, TransferConfig, TransferKind, TransferStream,
    notify_after_reload, respond_notify, respond_signed, respond_transfer,
};
use crate::{Incoming, Outcome, Requester, Transport, Zone, Zones, answer_incoming};

/// What a transfer handler may look at.
#[derive(Debug, Clone, Copy)]
pub struct TransferContext<'a> {
    /// The zones served now (one snapshot for the whole transfer).
    pub zones: &'a Zones,
    /// The server settings: secondaries, access lists, TSIG keys.
    pub config: &'a Config,
    /// The transfer settings worked out from `config`.
    pub transfer: &'a TransferConfig,
    /// The differences between versions, for IXFR.
    pub journals: &'a Journals,
    /// Who asked.
    pub peer: SocketAddr,
    /// How the message came.
    pub transport: Transport,
    /// Counters for transfers and NOTIFY.
    pub counters: &'a SharedCounters,
}

/// The messages that answer a transfer request, a NOTIFY or a signed query: gathered (one or
/// two small messages) or, for AXFR and IXFR, produced one at a time as the caller sends them,
/// so that a transfer holds one message in memory, not the whole zone.
#[derive(Debug)]
pub enum Responses {
    /// Messages already made.
    Gathered(std::vec::IntoIter<Vec<u8>>),
    /// A zone transfer, message by message: the first one made already, then the rest.
    Stream(Option<Vec<u8>>, Box<TransferStream>),
}

impl Iterator for Responses {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        match self {
            Responses::Gathered(messages) => messages.next(),
            Responses::Stream(first, rest) => first.take().or_else(|| rest.next()),
        }
    }
}

/// Answers a transfer request, a NOTIFY or a signed query. Messages are complete DNS
/// messages, without the TCP length prefix. Returns the response code of the first message
/// with the messages, or None when nothing is to be sent.
pub fn transfer_response(
    ctx: &TransferContext<'_>,
    message: &Incoming<'_>,
) -> Option<(u16, Responses)> {
    let client = ctx.peer.ip();
    let now = now_ms() / 1000;
    let request = Request { message, client, transport: ctx.transport, now };
    let one = |message: Vec<u8>| Responses::Gathered(vec![message].into_iter());
    if message.header().opcode() == opcode::NOTIFY {
        ctx.counters.notifies.fetch_add(1, Ordering::Relaxed);
        let response = respond_notify(ctx.zones, ctx.transfer, &request)?;
        let rcode = u16::from(*response.get(3)? & 0xF);
        return Some((rcode, one(response)));
    }
    if matches!(message.qtype(), Some(Rtype::AXFR | Rtype::IXFR)) {
        let stream = respond_transfer(ctx.zones, ctx.journals, ctx.transfer, &request);
        let summary = stream.summary();
        let counter = match summary.kind {
            TransferKind::Full => Some(&ctx.counters.transfers_axfr),
            TransferKind::Incremental => Some(&ctx.counters.transfers_ixfr),
            TransferKind::SoaOnly | TransferKind::Error => None,
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        let mut stream = Box::new(stream);
        let first = stream.next()?;
        return Some((summary.rcode, Responses::Stream(Some(first), stream)));
    }
    if let Some(response) = respond_signed(ctx.zones, ctx.transfer, &request) {
        let rcode = u16::from(*response.get(3)? & 0xF);
        return Some((rcode, one(response)));
    }
    let mut buffer = ctx.config.response_buffer(ctx.transport);
    let requester = Requester::default();
    let Outcome::Response(summary) = answer_incoming(ctx.zones, message, &requester, &mut buffer)
    else {
        return None;
    };
    Some((summary.rcode, one(buffer.as_bytes().to_vec())))
}

/// Called by a reload (on its blocking thread, before the new set is published) for each zone
/// whose file loaded: `old` is the version served until now, if any. Journals the difference
/// (a journal ahead of the published zone is harmless: IXFR falls back to a full transfer
/// until the zone catches up) and queues NOTIFY when the serial went up, replacing a NOTIFY
/// still under way for an older version.
/// `diff`, when the caller knows it, is journalled as it is instead of comparing the versions.
pub fn zone_replaced(
    shared: &Shared,
    old: Option<&Arc<Zone>>,
    new: &Arc<Zone>,
    diff: Option<Diff>,
) {
    let Some(old) = old else { return };
    let mut journals = Journals::clone(&shared.journals.load());
    let update = match diff {
        Some(diff) => journals.record(new.origin(), diff),
        None => journals.update(old, new),
    };
    tracing::debug!(zone = %new.origin(), "journal: {update:?}");
    shared.journals.store(Arc::new(journals));
    let targets = shared.transfer.policy(new.origin()).map_or(&[][..], |p| &p.notify);
    let keys = &shared.transfer.keys;
    let policy = RetryPolicy::default();
    let Some(notifier) = notify_after_reload(Some(old), new, targets, keys, policy, now_ms())
    else {
        return;
    };
    if let Ok(mut queued) = shared.notifiers.lock() {
        queued.retain(|n| n.zone() != new.origin());
        queued.push(notifier);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nameward_dns::message::rcode;

    #[test]
    fn answers_transfers_and_notify() {
        let mut axfr = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        axfr.extend_from_slice(b"\x07example\x00\x00\xfc\x00\x01");
        let mut notify = axfr.clone();
        notify[2] = opcode::NOTIFY << 3;
        notify[22] = 6;
        let config = Config::default();
        let counters = SharedCounters::default();
        let transfer = TransferConfig::default();
        let journals = Journals::default();
        let ctx = TransferContext {
            zones: &Zones::new(),
            config: &config,
            transfer: &transfer,
            journals: &journals,
            peer: "127.0.0.1:1".parse().unwrap(),
            transport: Transport::Tcp,
            counters: &counters,
        };
        let (code, out) = transfer_response(&ctx, &Incoming::parse(&axfr).unwrap()).unwrap();
        let out: Vec<Vec<u8>> = out.collect();
        assert_eq!(code, rcode::NOTAUTH);
        assert_eq!(out[0][3] & 0xF, 9);
        let notify = Incoming::parse(&notify).unwrap();
        assert_eq!(transfer_response(&ctx, &notify).map(|(code, _)| code), Some(rcode::NOTAUTH));
    }
}
