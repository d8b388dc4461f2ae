//! Reading a query with the strict decoder.

use nameward_dns::message::opcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::{DecodeOptions, Reader, WireError};
use nameward_dns::{Question, Record, Rtype};

use crate::response::{EXPIRE, NSID};

/// What the requester said about EDNS (RFC 6891 §6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EdnsRequest {
    pub(crate) payload: u16,
    pub(crate) version: u8,
    pub(crate) dnssec_ok: bool,
    /// The OPT carried an NSID option (RFC 5001 §2.1).
    pub(crate) nsid: bool,
    /// The OPT carried an EXPIRE option (RFC 7314 §2).
    pub(crate) expire: bool,
}

/// The header fields a response needs, readable from any 12 octets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawHeader {
    pub(crate) id: u16,
    pub(crate) flags: u16,
    pub(crate) qdcount: u16,
}

impl RawHeader {
    pub(crate) fn read(bytes: &[u8]) -> Option<RawHeader> {
        let word = |at: usize| Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        let _ = bytes.get(11)?;
        Some(RawHeader { id: word(0)?, flags: word(2)?, qdcount: word(4)? })
    }

    pub(crate) fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    pub(crate) fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xF) as u8
    }

    pub(crate) fn is_query(&self) -> bool {
        self.opcode() == opcode::QUERY
    }
}

/// A decoded query.
#[derive(Debug)]
pub(crate) struct Query {
    /// The first question (the only one in a well-formed query).
    pub(crate) question: Option<Question>,
    pub(crate) edns: Option<EdnsRequest>,
}

/// Why a query is malformed: the response is FORMERR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// Decodes everything after the header: every question and record must decode strictly, at
/// most one OPT (owned by the root, in the additional section), nothing trailing.
pub(crate) fn decode(bytes: &[u8], header: &RawHeader) -> Result<Query, Malformed> {
    let mut r = Reader::new(bytes, DecodeOptions::STRICT);
    let counts = [r.u16(), r.u16(), r.u16(), r.u16(), r.u16(), r.u16()];
    let counts = counts.map(|c| c.unwrap_or(0));
    let [_, _, qd, an, ns, ar] = counts;
    debug_assert_eq!(qd, header.qdcount);
    let mut question = None;
    for _ in 0..qd {
        let q = Question::decode(&mut r).map_err(|_| Malformed)?;
        question.get_or_insert(q);
    }
    for _ in 0..u32::from(an) + u32::from(ns) {
        let record = Record::decode(&mut r).map_err(|_| Malformed)?;
        if record.rtype() == Rtype::OPT {
            return Err(Malformed);
        }
    }
    let mut edns = None;
    for _ in 0..ar {
        if let Some(request) = read_opt(&mut r)? {
            if edns.is_some() {
                return Err(Malformed);
            }
            edns = Some(request);
            continue;
        }
        let record = Record::decode(&mut r).map_err(|_| Malformed)?;
        if record.rtype() != Rtype::OPT {
            continue;
        }
        let RecordData::Opt(opt) = &record.data else { return Err(Malformed) };
        if edns.is_some() || !record.owner.is_root() {
            return Err(Malformed);
        }
        // An OPT owned by a compressed root name: accepted like the plain one.
        edns = Some(EdnsRequest {
            payload: record.class.0,
            version: (record.ttl >> 16) as u8,
            dnssec_ok: record.ttl & 0x8000 != 0,
            nsid: opt.options.iter().any(|option| option.code == NSID),
            expire: opt.options.iter().any(|option| option.code == EXPIRE),
        });
    }
    r.finish().map_err(|_| Malformed)?;
    Ok(Query { question, edns })
}

fn bad(_: WireError) -> Malformed {
    Malformed
}

/// Reads an OPT record written with a plain root owner (as every sender writes it) without
/// allocating, checking its options as the strict decoder does; `None`, with nothing read,
/// when the next record is something else, which then goes through the record decoder.
fn read_opt(r: &mut Reader<'_>) -> Result<Option<EdnsRequest>, Malformed> {
    let mut peek = r.clone();
    if peek.u8() != Ok(0) || peek.u16() != Ok(Rtype::OPT.0) {
        return Ok(None);
    }
    let payload = peek.u16().map_err(bad)?;
    let ttl = peek.u32().map_err(bad)?;
    let rdlength = usize::from(peek.u16().map_err(bad)?);
    let mut rdata = peek.split_window(rdlength).map_err(bad)?;
    let (mut nsid, mut expire) = (false, false);
    while !rdata.is_empty() {
        let code = rdata.u16().map_err(bad)?;
        let len = usize::from(rdata.u16().map_err(bad)?);
        rdata.bytes(len).map_err(bad)?;
        nsid |= code == NSID;
        expire |= code == EXPIRE;
    }
    *r = peek;
    // Other options are ignored, as unknown ones must be (RFC 6891 §6.1.2).
    Ok(Some(EdnsRequest {
        payload,
        version: (ttl >> 16) as u8,
        dnssec_ok: ttl & 0x8000 != 0,
        nsid,
        expire,
    }))
}
