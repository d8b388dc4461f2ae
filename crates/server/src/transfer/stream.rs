//! Packing a sequence of records into transfer response messages: each filled up to 64 KiB
//! with name compression, the question in the first message only (RFC 5936 §2.2), the query's
//! ID in all, and every message TSIG-signed when the query was. When the query had EDNS, the
//! first message carries an OPT record, with the EXPIRE option when it was asked for (RFC
//! 7314 §4: a secondary takes the expire timer from the first message of a transfer).

use std::collections::VecDeque;
use std::sync::Arc;

use nameward_dns::message::rcode;
use nameward_dns::wire::Writer;
use nameward_dns::{Question, Record, Rtype};

use super::tsig::StreamSigner;
use crate::response::{DEFAULT_UDP_PAYLOAD, EXPIRE, OPT_LEN};
use crate::zone::Zone;

const QR: u16 = 1 << 15;
const AA: u16 = 1 << 10;
const RD: u16 = 1 << 8;

/// Where the records of a transfer come from, in order.
#[derive(Debug)]
pub(crate) enum Part {
    /// One record (the SOA that opens and closes a transfer).
    One(Record),
    /// Every record of the zone but the apex SOA, in canonical order.
    Zone(ZoneCursor),
    /// Records already gathered (an IXFR difference sequence).
    List(std::vec::IntoIter<Record>),
}

/// Walks a zone's records without borrowing it, so a stream can outlive the caller's frame.
#[derive(Debug)]
pub(crate) struct ZoneCursor {
    zone: Arc<Zone>,
    node: u32,
    rrset: usize,
    item: usize,
}

impl ZoneCursor {
    pub(crate) fn new(zone: Arc<Zone>) -> ZoneCursor {
        ZoneCursor { zone, node: 0, rrset: 0, item: 0 }
    }
}

impl Iterator for ZoneCursor {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            let Some(node) = self.zone.walk_node(self.node)? else {
                // A base node that the top layer of a layered zone holds.
                self.node = self.node.checked_add(1)?;
                continue;
            };
            let Some(set) = node.rrsets().nth(self.rrset) else {
                self.node = self.node.checked_add(1)?;
                self.rrset = 0;
                self.item = 0;
                continue;
            };
            let skip = self.node == 0 && set.rtype() == Rtype::SOA;
            let Some(data) = set.get(self.item).filter(|_| !skip) else {
                self.rrset += 1;
                self.item = 0;
                continue;
            };
            self.item += 1;
            let (class, ttl) = (set.class(), set.ttl());
            return Some(Record { owner: node.name().clone(), class, ttl, data });
        }
    }
}

/// Octets a TCP message may hold.
const MAX_MESSAGE: usize = 65535;

/// The response to a transfer query: an iterator of messages, each ready to be sent with its
/// two-octet TCP length prefix. Owns what it needs (zone snapshots are `Arc`s), so it can live
/// in a connection task while the zones are reloaded.
#[derive(Debug)]
pub struct TransferStream {
    id: u16,
    flags: u16,
    question: Option<Question>,
    parts: VecDeque<Part>,
    pending: Option<Record>,
    signer: Option<StreamSigner>,
    /// A message prepared outside the record packer (errors, a single SOA).
    ready: Option<Vec<u8>>,
    first: bool,
    summary: TransferSummary,
    /// The OPT record of the first message, when the query had EDNS.
    opt: Option<FirstOpt>,
}

/// What the OPT record of a transfer's first message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FirstOpt {
    /// The EXPIRE option's value, when the query asked for it.
    pub(crate) expire: Option<u32>,
}

impl FirstOpt {
    fn len(&self) -> usize {
        OPT_LEN + if self.expire.is_some() { 8 } else { 0 }
    }

    fn write(&self, w: &mut Writer) {
        w.u8(0);
        w.u16(Rtype::OPT.0);
        w.u16(DEFAULT_UDP_PAYLOAD);
        w.u32(0);
        match self.expire {
            Some(expire) => {
                w.u16(8);
                w.u16(EXPIRE);
                w.u16(4);
                w.u32(expire);
            }
            None => w.u16(0),
        }
    }
}

/// What a transfer response is, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferSummary {
    /// The response code of the (first) message.
    pub rcode: u16,
    /// What kind of answer it is.
    pub kind: TransferKind,
}

/// The kinds of transfer answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// A refusal or error: one message, no records.
    Error,
    /// The whole zone (to AXFR, or to an IXFR that could not be answered incrementally).
    Full,
    /// An IXFR difference sequence.
    Incremental,
    /// The current SOA only (the client is up to date, or the IXFR came over UDP).
    SoaOnly,
}

impl TransferStream {
    /// A stream of records packed behind `question`.
    pub(crate) fn records(
        id: u16,
        query_flags: u16,
        question: Question,
        parts: Vec<Part>,
        signer: Option<StreamSigner>,
        kind: TransferKind,
    ) -> TransferStream {
        TransferStream {
            id,
            flags: QR | AA | (query_flags & RD),
            question: Some(question),
            parts: parts.into(),
            pending: None,
            signer,
            ready: None,
            first: true,
            summary: TransferSummary { rcode: rcode::NOERROR, kind },
            opt: None,
        }
    }

    /// Puts an OPT record with `opt` in the first message.
    pub(crate) fn with_opt(mut self, opt: FirstOpt) -> TransferStream {
        if self.first {
            self.opt = Some(opt);
        }
        self
    }

    /// The same transfer refused with `code` before a record is sent (too many under way):
    /// one message, header and question, signed as the transfer would have been.
    pub fn refused(mut self, code: u16) -> TransferStream {
        if !self.first {
            return self;
        }
        let mut w = Writer::new();
        w.u16(self.id);
        w.u16(QR | (self.flags & RD) | (code & 0xF));
        let question = self.question.take();
        for count in [u16::from(question.is_some()), 0, 0, 0] {
            w.u16(count);
        }
        if let Some(q) = &question {
            q.encode(&mut w);
        }
        let mut bytes = w.into_bytes();
        if let Some(signer) = &mut self.signer {
            signer.sign(&mut bytes);
        }
        TransferStream::single(bytes, TransferSummary { rcode: code, kind: TransferKind::Error })
    }

    /// A stream of one prepared message.
    pub(crate) fn single(message: Vec<u8>, summary: TransferSummary) -> TransferStream {
        TransferStream {
            id: 0,
            flags: 0,
            question: None,
            parts: VecDeque::new(),
            pending: None,
            signer: None,
            ready: Some(message),
            first: false,
            summary,
            opt: None,
        }
    }

    /// No response at all (the message was itself a response, or too short to answer).
    pub(crate) fn empty() -> TransferStream {
        let summary = TransferSummary { rcode: rcode::NOERROR, kind: TransferKind::Error };
        TransferStream { ready: None, ..TransferStream::single(Vec::new(), summary) }
    }

    /// What the response is.
    pub fn summary(&self) -> TransferSummary {
        self.summary
    }

    fn next_record(&mut self) -> Option<Record> {
        if let Some(r) = self.pending.take() {
            return Some(r);
        }
        loop {
            let record = match self.parts.front_mut()? {
                Part::One(_) => match self.parts.pop_front() {
                    Some(Part::One(r)) => return Some(r),
                    _ => continue,
                },
                Part::Zone(cursor) => cursor.next(),
                Part::List(list) => list.next(),
            };
            match record {
                Some(r) => return Some(r),
                None => {
                    self.parts.pop_front();
                }
            }
        }
    }

    /// Packs the next message, or `None` when every record was sent.
    fn pack(&mut self) -> Option<Vec<u8>> {
        let first_record = self.next_record()?;
        let opt = if self.first { self.opt.take() } else { None };
        let limit = MAX_MESSAGE
            - self.signer.as_ref().map_or(0, StreamSigner::overhead)
            - opt.as_ref().map_or(0, FirstOpt::len);
        let mut w = Writer::new();
        w.u16(self.id);
        w.u16(self.flags);
        let question = if self.first { self.question.take() } else { None };
        for count in [u16::from(question.is_some()), 0, 0, 0] {
            w.u16(count);
        }
        if let Some(q) = &question {
            q.encode(&mut w);
        }
        let mut count = 0u16;
        let mut record = Some(first_record);
        while let Some(r) = record.take() {
            let mark = w.mark();
            r.encode(&mut w);
            if w.len() > limit || count == u16::MAX {
                w.rollback(mark);
                if count == 0 {
                    // A record too large for any message: end the stream with SERVFAIL.
                    self.parts.clear();
                    w.patch_u16(2, self.flags | rcode::SERVFAIL);
                    break;
                }
                self.pending = Some(r);
                break;
            }
            count += 1;
            record = self.next_record();
        }
        w.patch_u16(6, count);
        if let Some(opt) = opt {
            opt.write(&mut w);
            w.patch_u16(10, 1);
        }
        self.first = false;
        let mut bytes = w.into_bytes();
        if let Some(signer) = &mut self.signer {
            signer.sign(&mut bytes);
        }
        Some(bytes)
    }
}

impl Iterator for TransferStream {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if let Some(message) = self.ready.take() {
            return Some(message);
        }
        self.pack()
    }
}
