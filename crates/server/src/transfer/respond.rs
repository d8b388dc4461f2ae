//! The entry points for the network layer: a transfer query or a NOTIFY in, response messages
//! out. Checks run in this order: TSIG (RFC 8945 §5.2), the message itself, the zone, the
//! access list.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use nameward_dns::message::{opcode, rcode};
use nameward_dns::wire::{DecodeOptions, Writer};
use nameward_dns::{Class, Message, Name, Question, Record, Rtype};

use super::acl::ZonePolicy;
use super::axfr::full_zone;
use super::ixfr::incremental;
use super::journal::{Journal, JournalLimits, JournalUpdate};
use super::stream::{FirstOpt, TransferKind, TransferStream, TransferSummary};
use super::tsig::{self, DEFAULT_FUDGE, KeyRing, StreamSigner, TsigError, Verified};
use crate::query::{Incoming, RawHeader};
use crate::response::{DEFAULT_UDP_PAYLOAD, Transport};
use crate::zone::Zone;
use crate::zones::Zones;

/// Keys and per-zone policies. Zones without a policy can be neither transferred nor
/// notified.
#[derive(Debug, Clone)]
pub struct TransferConfig {
    /// The TSIG keys.
    pub keys: KeyRing,
    /// Policies by zone apex.
    pub policies: HashMap<Name, ZonePolicy>,
    /// The policy of a zone named nowhere (one published from memory, such as a registry's
    /// TLD, rather than configured): the secondaries and access lists that cover every zone.
    pub any_zone: Option<ZonePolicy>,
    /// Fudge put in the TSIG records we sign.
    pub fudge: u16,
}

impl Default for TransferConfig {
    fn default() -> TransferConfig {
        TransferConfig {
            keys: KeyRing::new(),
            policies: HashMap::new(),
            any_zone: None,
            fudge: DEFAULT_FUDGE,
        }
    }
}

impl TransferConfig {
    /// The policy of the zone at `apex`.
    pub fn policy(&self, apex: &Name) -> Option<&ZonePolicy> {
        self.policies.get(apex).or(self.any_zone.as_ref())
    }
}

/// A journal per zone, updated by the reload path and read by transfers. Clone it to update
/// a copy while the published one is being read (the differences themselves are shared).
#[derive(Debug, Clone, Default)]
pub struct Journals {
    limits: JournalLimits,
    journals: HashMap<Name, Journal>,
}

impl Journals {
    /// No history yet; each zone keeps at most `limits`.
    pub fn new(limits: JournalLimits) -> Journals {
        Journals { limits, journals: HashMap::new() }
    }

    /// How much history each zone keeps.
    pub fn limits(&self) -> JournalLimits {
        self.limits
    }

    /// The journal of the zone at `apex`.
    pub fn get(&self, apex: &Name) -> Option<&Journal> {
        self.journals.get(apex)
    }

    /// Records a reload of one zone from `old` to `new`.
    pub fn update(&mut self, old: &Zone, new: &Zone) -> JournalUpdate {
        let limits = self.limits;
        self.journals
            .entry(new.origin().clone())
            .or_insert_with(|| Journal::new(limits))
            .update(old, new)
    }

    /// Records a known difference of the zone at `apex` (see [`Journal::record`]).
    pub fn record(&mut self, apex: &Name, diff: super::Diff) -> JournalUpdate {
        let limits = self.limits;
        self.journals.entry(apex.clone()).or_insert_with(|| Journal::new(limits)).record(diff)
    }

    /// Forgets a zone no longer served.
    pub fn remove(&mut self, apex: &Name) {
        self.journals.remove(apex);
    }
}

/// One message received, with what the network layer knows about it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The message as received (without the TCP length prefix), read once by the network
    /// layer.
    pub message: &'a Incoming<'a>,
    /// The client's address.
    pub client: IpAddr,
    /// How it came.
    pub transport: Transport,
    /// Seconds since the epoch, for TSIG.
    pub now: u64,
}

const QR: u16 = 1 << 15;
const AA: u16 = 1 << 10;
const TC: u16 = 1 << 9;
const RD: u16 = 1 << 8;

/// A query that passed the TSIG check and decoded.
struct Checked {
    header: RawHeader,
    message: Message,
    verified: Option<Verified>,
}

/// A response of one message: header, the question when there is one, `answers`; signed when
/// the request was.
struct Reply<'a> {
    header: RawHeader,
    question: Option<&'a Question>,
    verified: Option<&'a Verified>,
    fudge: u16,
    now: u64,
}

impl Reply<'_> {
    fn message(&self, code: u16, aa: bool, answers: &[Record], limit: usize) -> Vec<u8> {
        let echoed = self.header.flags & (0x7800 | RD);
        let mut flags = QR | echoed | if aa { AA } else { 0 } | (code & 0xF);
        let mut w = Writer::new();
        w.u16(self.header.id);
        w.u16(flags);
        w.u16(u16::from(self.question.is_some()));
        w.u16(0);
        w.u16(0);
        w.u16(0);
        if let Some(q) = self.question {
            q.encode(&mut w);
        }
        let reserve = self.verified.map_or(0, |v| v.tsig.wire_len() + v.key.algorithm().mac_len());
        let mark = w.mark();
        for r in answers {
            r.encode(&mut w);
        }
        if w.len() + reserve > limit {
            w.rollback(mark);
            flags |= TC;
            w.patch_u16(2, flags);
        } else {
            w.patch_u16(6, u16::try_from(answers.len()).unwrap_or(u16::MAX));
        }
        let mut bytes = w.into_bytes();
        if let Some(v) = self.verified {
            v.sign_response(&mut bytes, self.now, self.fudge);
        }
        bytes
    }

    fn error(&self, code: u16) -> Vec<u8> {
        self.message(code, false, &[], usize::from(u16::MAX))
    }
}

fn error_stream(message: Vec<u8>, code: u16) -> TransferStream {
    TransferStream::single(message, TransferSummary { rcode: code, kind: TransferKind::Error })
}

/// Verifies the TSIG and decodes the message; on failure, the response to send (`None`: send
/// nothing).
fn check(
    request: &Request<'_>,
    keys: &KeyRing,
    fudge: u16,
) -> Result<Checked, Option<(Vec<u8>, u16)>> {
    let header = *request.message.header();
    if header.is_response() {
        return Err(None);
    }
    let query = request.message.bytes();
    let verified = match tsig::verify_request(query, keys, request.now) {
        Ok(v) => v,
        Err(rejected) => {
            let decoded = Message::decode(query, DecodeOptions::LENIENT).ok();
            let question = decoded.as_ref().and_then(|m| m.questions.first());
            let reply = Reply { header, question, verified: None, fudge, now: request.now };
            let code =
                if rejected.error == TsigError::Format { rcode::FORMERR } else { rcode::NOTAUTH };
            let mut response = reply.error(code);
            tsig::error_response(&mut response, &rejected, request.now);
            return Err(Some((response, code)));
        }
    };
    match Message::decode(query, DecodeOptions::STRICT) {
        Ok(message) if message.questions.len() == 1 => Ok(Checked { header, message, verified }),
        _ => {
            let reply = Reply {
                header,
                question: None,
                verified: verified.as_ref(),
                fudge,
                now: request.now,
            };
            Err(Some((reply.error(rcode::FORMERR), rcode::FORMERR)))
        }
    }
}

/// Answers a query whose QTYPE is AXFR or IXFR.
///
/// - TCP AXFR: the zone, SOA first and last (RFC 5936); UDP AXFR: NOTIMP (§4.2 leaves it
///   undefined).
/// - TCP IXFR: the condensed difference from the serial in the query's authority section, the
///   full zone when the journal does not reach back to it, our SOA alone when the client is
///   current (RFC 1995 §2, §4); UDP IXFR: our SOA alone (TC when it does not fit).
/// - NOTAUTH for a zone we do not serve, REFUSED when the access list says no, FORMERR for a
///   malformed query, NOTAUTH with the TSIG error for a TSIG failure (RFC 8945 §5.2).
///
/// A signed query gets every response message signed.
pub fn respond_transfer(
    zones: &Zones,
    journals: &Journals,
    config: &TransferConfig,
    request: &Request<'_>,
) -> TransferStream {
    let Checked { header, message, verified } = match check(request, &config.keys, config.fudge) {
        Ok(checked) => checked,
        Err(Some((response, code))) => return error_stream(response, code),
        Err(None) => return TransferStream::empty(),
    };
    let Some(question) = message.questions.first() else { return TransferStream::empty() };
    let reply = Reply {
        header,
        question: Some(question),
        verified: verified.as_ref(),
        fudge: config.fudge,
        now: request.now,
    };
    let fail = |code| error_stream(reply.error(code), code);
    if !header.is_query() || !matches!(question.qtype, Rtype::AXFR | Rtype::IXFR) {
        return fail(rcode::FORMERR);
    }
    if question.qclass != Class::IN {
        return fail(rcode::NOTAUTH);
    }
    let Some(zone) = zones.get(&question.name) else { return fail(rcode::NOTAUTH) };
    let key_name = verified.as_ref().map(|v| v.key.name());
    let allowed =
        config.policy(zone.origin()).is_some_and(|p| p.transfer.allows(request.client, key_name));
    if !allowed {
        return fail(rcode::REFUSED);
    }
    let client_serial = if question.qtype == Rtype::IXFR {
        let soa = message.authority.iter().find_map(|r| match &r.data {
            nameward_dns::RecordData::Soa(soa) if r.owner == question.name => Some(soa.serial),
            _ => None,
        });
        match soa {
            Some(serial) => Some(serial),
            None => return fail(rcode::FORMERR),
        }
    } else {
        None
    };
    if request.transport == Transport::Udp {
        if client_serial.is_none() {
            return fail(rcode::NOTIMP);
        }
        let limit = match message.edns.as_ref() {
            Some(e) => usize::from(e.udp_payload.clamp(512, DEFAULT_UDP_PAYLOAD)),
            None => 512,
        };
        let soa: Vec<Record> = zone.soa().into_iter().collect();
        let bytes = reply.message(rcode::NOERROR, true, &soa, limit);
        return TransferStream::single(
            bytes,
            TransferSummary { rcode: rcode::NOERROR, kind: TransferKind::SoaOnly },
        );
    }
    let signer = verified.map(|v| StreamSigner::new(v.key, v.tsig.mac, request.now, config.fudge));
    let zone: Arc<Zone> = Arc::clone(zone);
    let question = question.clone();
    // We are the primary of every zone we serve: EXPIRE is the SOA expire (RFC 7314 §4).
    let opt = request
        .message
        .edns()
        .map(|edns| FirstOpt { expire: if edns.expire { zone.expire() } else { None } });
    let stream = match client_serial {
        None => full_zone(zone, header.id, header.flags, question, signer),
        Some(serial) => {
            let journal = journals.get(zone.origin());
            incremental(zone, journal, serial, header.id, header.flags, question, signer)
        }
    };
    match opt {
        Some(opt) => stream.with_opt(opt),
        None => stream,
    }
}

/// Answers a NOTIFY (RFC 1996 §3.7, §4.7): NOERROR with AA for a zone we serve whose access
/// list allows the sender, REFUSED when it does not, NOTAUTH for a zone we do not serve,
/// FORMERR for anything but one SOA question. `None`: send nothing (a response, or not a
/// NOTIFY at all).
pub fn respond_notify(
    zones: &Zones,
    config: &TransferConfig,
    request: &Request<'_>,
) -> Option<Vec<u8>> {
    let Checked { header, message, verified } = match check(request, &config.keys, config.fudge) {
        Ok(checked) => checked,
        Err(response) => return response.map(|(bytes, _)| bytes),
    };
    if header.opcode() != opcode::NOTIFY {
        return None;
    }
    let question = message.questions.first()?;
    let reply = Reply {
        header,
        question: Some(question),
        verified: verified.as_ref(),
        fudge: config.fudge,
        now: request.now,
    };
    if question.qtype != Rtype::SOA {
        return Some(reply.error(rcode::FORMERR));
    }
    let Some(zone) = zones.get(&question.name).filter(|_| question.qclass == Class::IN) else {
        return Some(reply.error(rcode::NOTAUTH));
    };
    let key_name = verified.as_ref().map(|v| v.key.name());
    let allowed = config
        .policy(zone.origin())
        .is_some_and(|p| p.notify_from.allows(request.client, key_name));
    let code = if allowed { rcode::NOERROR } else { rcode::REFUSED };
    Some(reply.message(code, allowed, &[], usize::from(u16::MAX)))
}

/// Answers an ordinary query that carries a TSIG (a secondary's signed SOA check, for
/// instance): the TSIG is verified and removed, [`crate::answer`] answers the rest, and the
/// response is signed with the request MAC. `None` when the query is not signed: answer it
/// with [`crate::answer`] directly. TSIG failures get their NOTAUTH error response.
///
/// A signed UDP response that would not fit the requester's size is sent as header and
/// question with TC, signed, so the requester retries over TCP.
pub fn respond_signed(
    zones: &Zones,
    config: &TransferConfig,
    request: &Request<'_>,
) -> Option<Vec<u8>> {
    let header = *request.message.header();
    if header.is_response() || !request.message.is_signed() {
        return None;
    }
    let query = request.message.bytes();
    let verified = match tsig::verify_request(query, &config.keys, request.now) {
        Ok(Some(v)) => v,
        Ok(None) => return None,
        Err(rejected) => {
            let decoded = Message::decode(query, DecodeOptions::LENIENT).ok();
            let question = decoded.as_ref().and_then(|m| m.questions.first());
            let reply =
                Reply { header, question, verified: None, fudge: config.fudge, now: request.now };
            let code =
                if rejected.error == TsigError::Format { rcode::FORMERR } else { rcode::NOTAUTH };
            let mut response = reply.error(code);
            tsig::error_response(&mut response, &rejected, request.now);
            return Some(response);
        }
    };
    let unsigned = tsig::split(query).ok().flatten()?.unsigned;
    let mut buffer = crate::ResponseBuffer::new(request.transport);
    if let crate::Outcome::NoResponse = crate::answer(zones, &unsigned, &mut buffer) {
        return None;
    }
    let mut response = buffer.as_bytes().to_vec();
    let limit = match request.transport {
        Transport::Tcp => usize::from(u16::MAX),
        Transport::Udp => request
            .message
            .edns()
            .map_or(512, |e| usize::from(e.payload.clamp(512, DEFAULT_UDP_PAYLOAD))),
    };
    let overhead = verified.key.name().wire_len()
        + verified.key.algorithm().name().wire_len()
        + 26
        + verified.key.algorithm().mac_len();
    if response.len() + overhead > limit {
        let decoded = Message::decode(&unsigned, DecodeOptions::LENIENT).ok();
        let question = decoded.as_ref().and_then(|m| m.questions.first());
        let reply =
            Reply { header, question, verified: None, fudge: config.fudge, now: request.now };
        response = reply.message(rcode::NOERROR, false, &[], 0);
    }
    verified.sign_response(&mut response, request.now, config.fudge);
    Some(response)
}
