//! Sending NOTIFY (RFC 1996) to the secondaries of a zone after a reload with a new serial:
//! a pure state machine that says what to send and when, and reads the acknowledgements.
//!
//! Times are milliseconds on any monotonic-enough clock the caller likes (TSIG needs seconds
//! since the epoch, so pass wall-clock milliseconds when keys are used).

use std::net::SocketAddr;

use nameward_dns::message::{opcode, rcode};
use nameward_dns::wire::{DecodeOptions, Writer};
use nameward_dns::{Class, Message, Name, Question, Record, Rtype};

use super::acl::NotifyTarget;
use super::serial::serial_gt;
use super::tsig::{self, Key, KeyRing, SignParams};
use crate::zone::Zone;

/// When to retransmit an unanswered NOTIFY (RFC 1996 §3.6 leaves it to configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait before the first retransmission; doubled after each.
    pub first_timeout_ms: u64,
    /// Transmissions in all, the first included.
    pub attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { first_timeout_ms: 2_000, attempts: 5 }
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The secondary.
    pub to: SocketAddr,
    /// The NOTIFY message (UDP payload).
    pub message: Vec<u8>,
}

/// What became of one secondary's NOTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyEvent {
    /// It answered NOERROR.
    Acknowledged(SocketAddr),
    /// It answered with an error code; no more retries.
    Rejected(SocketAddr, u16),
    /// It never answered.
    GaveUp(SocketAddr),
}

#[derive(Debug, Clone)]
struct Pending {
    to: SocketAddr,
    key: Option<Key>,
    sent: u32,
    next_at: u64,
    id: u16,
    request_mac: Vec<u8>,
    finished: bool,
}

/// The NOTIFYs of one zone version to its secondaries.
#[derive(Debug, Clone)]
pub struct Notifier {
    zone: Name,
    soa: Option<Record>,
    policy: RetryPolicy,
    fudge: u16,
    pending: Vec<Pending>,
}

/// The notifier to start after reloading `new` (over `old`, if the zone was served before):
/// `None` when the serial did not increase or there is no one to tell. A key named by a target
/// but missing from `keys` leaves that target out (the configuration check reports it).
pub fn notify_after_reload(
    old: Option<&Zone>,
    new: &Zone,
    targets: &[NotifyTarget],
    keys: &KeyRing,
    policy: RetryPolicy,
    now_ms: u64,
) -> Option<Notifier> {
    let new_serial = new.serial()?;
    if let Some(old_serial) = old.and_then(Zone::serial)
        && !serial_gt(new_serial, old_serial)
    {
        return None;
    }
    let notifier = Notifier::new(new, targets, keys, policy, now_ms);
    (!notifier.pending.is_empty()).then_some(notifier)
}

impl Notifier {
    /// NOTIFYs of `zone`'s current SOA to each of `targets`, the first due at `now_ms`.
    pub fn new(
        zone: &Zone,
        targets: &[NotifyTarget],
        keys: &KeyRing,
        policy: RetryPolicy,
        now_ms: u64,
    ) -> Notifier {
        let pending = targets
            .iter()
            .filter_map(|t| {
                let key = match &t.key {
                    Some(name) => Some(keys.get(name)?.clone()),
                    None => None,
                };
                Some(Pending {
                    to: t.address,
                    key,
                    sent: 0,
                    next_at: now_ms,
                    id: 0,
                    request_mac: Vec::new(),
                    finished: false,
                })
            })
            .collect();
        Notifier {
            zone: zone.origin().clone(),
            soa: zone.soa(),
            policy,
            fudge: tsig::DEFAULT_FUDGE,
            pending,
        }
    }

    /// The messages due at `now_ms`, each with a fresh ID from `next_id` (give it a random
    /// source), and the secondaries given up on.
    pub fn poll(
        &mut self,
        now_ms: u64,
        next_id: &mut dyn FnMut() -> u16,
    ) -> (Vec<Outgoing>, Vec<NotifyEvent>) {
        let mut out = Vec::new();
        let mut events = Vec::new();
        for p in self.pending.iter_mut().filter(|p| !p.finished && p.next_at <= now_ms) {
            if p.sent >= self.policy.attempts {
                p.finished = true;
                events.push(NotifyEvent::GaveUp(p.to));
                continue;
            }
            p.id = next_id();
            let mut message = build(&self.zone, self.soa.as_ref(), p.id);
            if let Some(key) = &p.key {
                let params = SignParams { fudge: self.fudge, ..SignParams::request(now_ms / 1000) };
                p.request_mac = tsig::sign(&mut message, key, &params);
            }
            let backoff = self.policy.first_timeout_ms.saturating_mul(1u64 << p.sent.min(20));
            p.sent += 1;
            p.next_at = now_ms.saturating_add(backoff);
            out.push(Outgoing { to: p.to, message });
        }
        (out, events)
    }

    /// Reads a response from `from`. Anything that is not the answer to our latest NOTIFY to
    /// that address (wrong ID, question, opcode or TSIG) is ignored: `None`.
    pub fn on_response(
        &mut self,
        from: SocketAddr,
        message: &[u8],
        now_ms: u64,
    ) -> Option<NotifyEvent> {
        let decoded = Message::decode(message, DecodeOptions::LENIENT).ok()?;
        let h = decoded.header;
        let p = self
            .pending
            .iter_mut()
            .find(|p| !p.finished && p.to == from && p.sent > 0 && p.id == h.id)?;
        let q = decoded.questions.first()?;
        if !h.qr || h.opcode != opcode::NOTIFY || q.name != self.zone || q.qtype != Rtype::SOA {
            return None;
        }
        if let Some(key) = &p.key {
            tsig::verify_response(message, key, &p.request_mac, now_ms / 1000).ok()?;
        }
        p.finished = true;
        let code = decoded.rcode();
        Some(if code == rcode::NOERROR {
            NotifyEvent::Acknowledged(from)
        } else {
            NotifyEvent::Rejected(from, code)
        })
    }

    /// Holds back the first transmission to each secondary until `at_ms` (a retransmission
    /// keeps its own schedule).
    pub fn not_before(&mut self, at_ms: u64) {
        for pending in self.pending.iter_mut().filter(|p| p.sent == 0) {
            pending.next_at = pending.next_at.max(at_ms);
        }
    }

    /// The zone notified.
    pub fn zone(&self) -> &Name {
        &self.zone
    }

    /// When [`Self::poll`] next has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        self.pending.iter().filter(|p| !p.finished).map(|p| p.next_at).min()
    }

    /// Every secondary answered or was given up on.
    pub fn is_finished(&self) -> bool {
        self.pending.iter().all(|p| p.finished)
    }
}

/// A NOTIFY: opcode 4, AA, the SOA question and the new SOA in the answer (RFC 1996 §3.7).
fn build(zone: &Name, soa: Option<&Record>, id: u16) -> Vec<u8> {
    let mut w = Writer::new();
    w.u16(id);
    w.u16(u16::from(opcode::NOTIFY) << 11 | 1 << 10);
    for count in [1, u16::from(soa.is_some()), 0, 0] {
        w.u16(count);
    }
    Question { name: zone.clone(), qtype: Rtype::SOA, qclass: Class::IN }.encode(&mut w);
    if let Some(soa) = soa {
        soa.encode(&mut w);
    }
    w.into_bytes()
}
