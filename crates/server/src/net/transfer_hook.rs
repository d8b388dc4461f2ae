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
use nameward_dns::message::{opcode, rcode};

use crate::config::Config;
use crate::net::metrics::SharedCounters;
use crate::net::state::{Shared, now_ms};
use crate::net::tcp::{Admitted, Limits};
use crate::transfer::{
    Diff, Journals, Notifier, Request, RetryPolicy, TransferConfig, TransferKind, TransferStream,
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
    /// Zone transfers under way, in total and per client; `None`: unlimited (UDP, where a
    /// transfer is one message at most).
    pub limits: Option<&'a Arc<Limits>>,
}

/// The messages that answer a transfer request, a NOTIFY or a signed query: gathered (one or
/// two small messages) or, for AXFR and IXFR, produced one at a time as the caller sends them,
/// so that a transfer holds one message in memory, not the whole zone.
#[derive(Debug)]
pub enum Responses {
    /// Messages already made.
    Gathered(std::vec::IntoIter<Vec<u8>>),
    /// A zone transfer, message by message: the first one made already, then the rest, and
    /// its place under the transfer limits, held while it is sent.
    Stream(Option<Vec<u8>>, Box<TransferStream>, Option<Admitted>),
}

impl Iterator for Responses {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        match self {
            Responses::Gathered(messages) => messages.next(),
            Responses::Stream(first, rest, _) => first.take().or_else(|| rest.next()),
        }
    }
}

/// Answers a transfer request, a NOTIFY or a signed query. Messages are complete DNS
/// messages, without the TCP length prefix. Returns the response code of the first message
/// with the messages, or None when nothing is to be sent.
///
/// Beyond the transfer limits, a transfer that would send records (the zone, or an IXFR
/// difference) is answered SERVFAIL, as BIND answers when its `transfers-out` quota is used
/// up: the secondary takes it for a passing failure of this server and retries later or asks
/// another primary, where REFUSED would tell it that it is not allowed at all (RFC 5936 §2.2.1
/// keeps REFUSED for policy). An IXFR answered with the SOA alone costs nothing and is not
/// limited.
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
        let mut stream = respond_transfer(ctx.zones, ctx.journals, ctx.transfer, &request);
        let mut place = None;
        if matches!(stream.summary().kind, TransferKind::Full | TransferKind::Incremental)
            && let Some(limits) = ctx.limits
        {
            place = limits.admit(client);
            if place.is_none() {
                ctx.counters.transfers_refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%client, "zone transfer refused: too many under way");
                stream = stream.refused(rcode::SERVFAIL);
            }
        }
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
        return Some((summary.rcode, Responses::Stream(Some(first), stream, place)));
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
/// until the zone catches up) and gives the NOTIFYs to send when the serial went up or the
/// zone is new, which the caller queues once `new` is served (a secondary told of a serial
/// may ask for it at once).
/// `diff`, when the caller knows it, is journalled as it is instead of comparing the versions.
pub fn zone_replaced(
    shared: &Shared,
    old: Option<&Arc<Zone>>,
    new: &Arc<Zone>,
    diff: Option<Diff>,
) -> Option<Notifier> {
    if let Some(old) = old {
        let mut journals = Journals::clone(&shared.journals.load());
        let update = match diff {
            Some(diff) => journals.record(new.origin(), diff),
            None => journals.update(old, new),
        };
        tracing::debug!(zone = %new.origin(), "journal: {update:?}");
        shared.journals.store(Arc::new(journals));
    }
    // A zone served for the first time (a start of `up`) is announced too, as a file zone is
    // at load: secondaries that fell behind while the primary was down learn of it now rather
    // than at their next refresh.
    let targets = shared.transfer.policy(new.origin()).map_or(&[][..], |p| &p.notify);
    let keys = &shared.transfer.keys;
    let policy = RetryPolicy::default();
    let old = old.map(|old| &**old);
    notify_after_reload(old, new, targets, keys, policy, now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            limits: None,
        };
        let (code, out) = transfer_response(&ctx, &Incoming::parse(&axfr).unwrap()).unwrap();
        let out: Vec<Vec<u8>> = out.collect();
        assert_eq!(code, rcode::NOTAUTH);
        assert_eq!(out[0][3] & 0xF, 9);
        let notify = Incoming::parse(&notify).unwrap();
        assert_eq!(transfer_response(&ctx, &notify).map(|(code, _)| code), Some(rcode::NOTAUTH));
    }

    #[test]
    fn transfers_beyond_the_limits_get_servfail_and_are_counted() {
        use crate::transfer::{Acl, ZonePolicy};
        let origin = nameward_dns::Name::parse("example.", None).unwrap();
        let text = "$TTL 60\n@ SOA ns h 1 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n";
        let mut zones = Zones::new();
        zones.insert(Arc::new(Zone::from_text(&origin, "t", text).unwrap()));
        let policy =
            ZonePolicy { transfer: Acl::any(), notify_from: Acl::any(), notify: Vec::new() };
        let transfer = TransferConfig {
            policies: std::collections::HashMap::from([(origin, policy)]),
            ..TransferConfig::default()
        };
        let (config, counters, journals) =
            (Config::default(), SharedCounters::default(), Journals::default());
        // Two at once in all, one per client.
        let limits = Limits::new(2, 1);
        let ctx = |peer: &str| TransferContext {
            zones: &zones,
            config: &config,
            transfer: &transfer,
            journals: &journals,
            peer: peer.parse().unwrap(),
            transport: Transport::Tcp,
            counters: &counters,
            limits: Some(&limits),
        };
        let mut axfr = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        axfr.extend_from_slice(b"\x07example\x00\x00\xfc\x00\x01");
        let axfr = Incoming::parse(&axfr).unwrap();
        let rcode_of = |responses: &Option<(u16, Responses)>| responses.as_ref().map(|r| r.0);
        let a = transfer_response(&ctx("192.0.2.1:1000"), &axfr);
        assert_eq!(rcode_of(&a), Some(rcode::NOERROR));
        // The same client again while the first is under way: SERVFAIL, one message.
        let again = transfer_response(&ctx("192.0.2.1:1001"), &axfr);
        assert_eq!(rcode_of(&again), Some(rcode::SERVFAIL));
        let messages: Vec<Vec<u8>> = again.unwrap().1.collect();
        assert_eq!((messages.len(), messages[0][3] & 0xF), (1, 2));
        let b = transfer_response(&ctx("192.0.2.2:1000"), &axfr);
        assert_eq!(rcode_of(&b), Some(rcode::NOERROR));
        // The total is reached.
        let c = transfer_response(&ctx("192.0.2.3:1000"), &axfr);
        assert_eq!(rcode_of(&c), Some(rcode::SERVFAIL));
        assert_eq!(counters.transfers_refused.load(Ordering::Relaxed), 2);
        // A transfer sent to the end gives its place back.
        assert!(a.unwrap().1.count() >= 1);
        let c = transfer_response(&ctx("192.0.2.3:1000"), &axfr);
        assert_eq!(rcode_of(&c), Some(rcode::NOERROR));
        drop((b, c));
    }
}
