//! An incoming message read once: the header, the first question, where the OPT record and a
//! TSIG sit, and the EDNS options the server acts on. Routing (answer or transfer), metrics,
//! rate limiting, the answer path and the transfer path all read this view, not the bytes.
//!
//! As strict as the message decoder: every question and record must decode, at most one OPT
//! (owned by the root, in the additional section), nothing trailing. What queries are made of
//! (questions and an OPT) is read without allocating: this runs for every query.

use nameward_dns::message::opcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::{DecodeOptions, Pointers, Reader, WireError};
use nameward_dns::{Class, Name, Question, Record, Rtype};

use crate::response::{COOKIE, EXPIRE, NSID};

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
    /// The first COOKIE option (RFC 7873 §4).
    pub(crate) cookie: CookieOption,
}

/// A COOKIE option as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CookieOption {
    Absent,
    /// Of a length no cookie has (RFC 7873 §5.2.2: FORMERR).
    Malformed,
    /// Its data, `len` octets at `at` in the message: a client cookie (8 octets), then perhaps
    /// a server cookie (8 to 32).
    Present {
        at: usize,
        len: usize,
    },
}

/// The header fields the server reads, from the first 12 octets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawHeader {
    pub(crate) id: u16,
    pub(crate) flags: u16,
    pub(crate) qdcount: u16,
    /// Answer, authority and additional counts.
    counts: [u16; 3],
}

impl RawHeader {
    fn read(bytes: &[u8]) -> Option<RawHeader> {
        let word = |at: usize| Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        Some(RawHeader {
            id: word(0)?,
            flags: word(2)?,
            qdcount: word(4)?,
            counts: [word(6)?, word(8)?, word(10)?],
        })
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

/// Where the question starts: right after the header.
const QUESTION_AT: usize = 12;

/// The first question. Its name is looked at where it stands (nothing copied), which every
/// sender's question is: uncompressed.
#[derive(Debug, Clone, Copy)]
struct QuestionView {
    /// Where the name ends in the message.
    name_end: usize,
    /// The name stands uncompressed at [`QUESTION_AT`]..`name_end`; else it has a
    /// compression pointer (allowed, but sent by no one) and is read again when needed.
    in_place: bool,
    qtype: Rtype,
    qclass: Class,
}

/// What follows the header, when all of it decoded.
#[derive(Debug, Clone, Copy)]
struct Body {
    edns: Option<EdnsRequest>,
    /// Where the TSIG record starts, if there is one.
    tsig_at: Option<usize>,
}

/// Why a message is malformed: the response is FORMERR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To [`crate::answer_incoming`].
    Answer,
    /// To the transfer path: NOTIFY, AXFR and IXFR, and any query signed with TSIG.
    Transfer,
    /// To the updater: dynamic updates (RFC 2136), read there with their own decoder.
    Update,
}

/// A message received, read once (see the module documentation). Made by
/// [`Incoming::parse`]; a message shorter than a header has no view and gets no response.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    bytes: &'a [u8],
    header: RawHeader,
    /// Read even when something after it is malformed, for metrics and routing.
    question: Option<QuestionView>,
    body: Result<Body, Malformed>,
}

impl<'a> Incoming<'a> {
    /// Reads `bytes`; `None` when they are too short for a header.
    pub fn parse(bytes: &'a [u8]) -> Option<Incoming<'a>> {
        let header = RawHeader::read(bytes)?;
        let mut question = None;
        let body = read_body(bytes, &header, &mut question);
        Some(Incoming { bytes, header, question, body })
    }

    /// The message as received.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The message ID.
    pub fn id(&self) -> u16 {
        self.header.id
    }

    /// QR is set: the message is a response, and gets none.
    pub fn is_response(&self) -> bool {
        self.header.is_response()
    }

    /// The QTYPE of the first question, if one could be read.
    pub fn qtype(&self) -> Option<Rtype> {
        self.question.as_ref().map(|q| q.qtype)
    }

    /// The name of the first question in wire form (case as sent), if one could be read and
    /// stands uncompressed (as every sender writes it; `None` for a compressed one).
    pub fn qname_wire(&self) -> Option<&'a [u8]> {
        let q = self.question.as_ref().filter(|q| q.in_place)?;
        self.bytes.get(QUESTION_AT..q.name_end)
    }

    /// The message decoded whole, and a TSIG record is in it.
    pub fn is_signed(&self) -> bool {
        self.body.is_ok_and(|b| b.tsig_at.is_some())
    }

    /// Where the message goes: the transfer path takes NOTIFY, AXFR and IXFR, and queries
    /// that carry a TSIG; the answer path everything else (responses included, which it
    /// drops).
    pub fn route(&self) -> Route {
        if self.header.is_response() {
            return Route::Answer;
        }
        match self.header.opcode() {
            opcode::NOTIFY => Route::Transfer,
            opcode::UPDATE => Route::Update,
            opcode::QUERY
                if matches!(self.qtype(), Some(Rtype::AXFR | Rtype::IXFR)) || self.is_signed() =>
            {
                Route::Transfer
            }
            _ => Route::Answer,
        }
    }

    pub(crate) fn header(&self) -> &RawHeader {
        &self.header
    }

    /// The EDNS request, when the message decoded and had an OPT.
    pub(crate) fn edns(&self) -> Option<EdnsRequest> {
        self.body.ok().and_then(|b| b.edns)
    }

    /// The decoded query: its first question (the only one in a well-formed query) and EDNS.
    /// Allocates the question's name.
    pub(crate) fn query(&self) -> Result<Query, Malformed> {
        let body = self.body?;
        let question = match &self.question {
            Some(q) => {
                let name = match self.qname_wire() {
                    Some(wire) => Name::from_wire(wire).map_err(|_| Malformed)?,
                    None => {
                        let mut r = Reader::new(self.bytes, DecodeOptions::STRICT);
                        r.bytes(QUESTION_AT).map_err(bad)?;
                        r.name().map_err(bad)?
                    }
                };
                Some(Question { name, qtype: q.qtype, qclass: q.qclass })
            }
            None => None,
        };
        Ok(Query { question, edns: body.edns })
    }

    /// The octets of a COOKIE option (see [`CookieOption::Present`]).
    pub(crate) fn cookie_bytes(&self, at: usize, len: usize) -> Option<&'a [u8]> {
        self.bytes.get(at..at.checked_add(len)?)
    }
}

/// A decoded query.
#[derive(Debug)]
pub(crate) struct Query {
    pub(crate) question: Option<Question>,
    pub(crate) edns: Option<EdnsRequest>,
}

fn bad(_: WireError) -> Malformed {
    Malformed
}

/// Reads everything after the header; the first question goes to `question` as soon as it is
/// read.
fn read_body(
    bytes: &[u8],
    header: &RawHeader,
    question: &mut Option<QuestionView>,
) -> Result<Body, Malformed> {
    let mut r = Reader::new(bytes, DecodeOptions::STRICT);
    r.bytes(QUESTION_AT).map_err(bad)?;
    for _ in 0..header.qdcount {
        let start = r.position();
        let len = r.skip_name(Pointers::Allowed).map_err(bad)?;
        let name_end = r.position();
        let qtype = Rtype(r.u16().map_err(bad)?);
        let qclass = Class(r.u16().map_err(bad)?);
        let in_place = start == QUESTION_AT && name_end - start == len;
        question.get_or_insert(QuestionView { name_end, in_place, qtype, qclass });
    }
    let [an, ns, ar] = header.counts;
    for _ in 0..u32::from(an) + u32::from(ns) {
        let record = Record::decode(&mut r).map_err(bad)?;
        if record.rtype() == Rtype::OPT {
            return Err(Malformed);
        }
    }
    let mut body = Body { edns: None, tsig_at: None };
    for _ in 0..ar {
        let start = r.position();
        if let Some(request) = read_opt(&mut r)? {
            if body.edns.is_some() {
                return Err(Malformed);
            }
            body.edns = Some(request);
            continue;
        }
        let record = Record::decode(&mut r).map_err(bad)?;
        if record.rtype() == Rtype::TSIG {
            body.tsig_at = Some(start);
        }
        if record.rtype() != Rtype::OPT {
            continue;
        }
        let RecordData::Opt(opt) = &record.data else { return Err(Malformed) };
        if body.edns.is_some() || !record.owner.is_root() {
            return Err(Malformed);
        }
        // An OPT owned by a compressed root name: accepted like the plain one. Its RDATA is
        // the end of what was just read.
        let rdlength: usize = opt.options.iter().map(|o| 4 + o.data.len()).sum();
        let end = r.position();
        let options = read_options(bytes, end.checked_sub(rdlength).ok_or(Malformed)?, end)?;
        body.edns = Some(EdnsRequest {
            payload: record.class.0,
            version: (record.ttl >> 16) as u8,
            dnssec_ok: record.ttl & 0x8000 != 0,
            ..options
        });
    }
    r.finish().map_err(bad)?;
    Ok(body)
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
    let start = peek.position();
    let rdata = peek.bytes(rdlength).map_err(bad)?;
    let options = read_options(rdata, 0, rdata.len())?;
    *r = peek;
    let cookie = match options.cookie {
        CookieOption::Present { at, len } => CookieOption::Present { at: start + at, len },
        other => other,
    };
    Ok(Some(EdnsRequest {
        payload,
        version: (ttl >> 16) as u8,
        dnssec_ok: ttl & 0x8000 != 0,
        cookie,
        ..options
    }))
}

/// The options of an OPT RDATA at `start..end` of `bytes` that the server acts on; other
/// options are ignored, as unknown ones must be (RFC 6891 §6.1.2). Payload, version and DO
/// are left for the caller.
fn read_options(bytes: &[u8], start: usize, end: usize) -> Result<EdnsRequest, Malformed> {
    let mut options = EdnsRequest {
        payload: 0,
        version: 0,
        dnssec_ok: false,
        nsid: false,
        expire: false,
        cookie: CookieOption::Absent,
    };
    let mut rdata = Reader::new(bytes.get(..end).ok_or(Malformed)?, DecodeOptions::STRICT);
    rdata.bytes(start).map_err(bad)?;
    while !rdata.is_empty() {
        let code = rdata.u16().map_err(bad)?;
        let len = usize::from(rdata.u16().map_err(bad)?);
        let at = rdata.position();
        rdata.bytes(len).map_err(bad)?;
        match code {
            NSID => options.nsid = true,
            EXPIRE => options.expire = true,
            COOKIE if options.cookie == CookieOption::Absent => {
                // A client cookie alone (8 octets), or with a server cookie of 8 to 32.
                options.cookie = match len {
                    8 | 16..=40 => CookieOption::Present { at, len },
                    _ => CookieOption::Malformed,
                };
            }
            _ => {}
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(extra_additional: &[u8], arcount: u16) -> Vec<u8> {
        let mut q = vec![0, 7, 0, 0, 0, 1, 0, 0, 0, 0];
        q.extend_from_slice(&arcount.to_be_bytes());
        q.extend_from_slice(b"\x03WWW\x07example\x00\x00\x01\x00\x01");
        q.extend_from_slice(extra_additional);
        q
    }

    fn opt(options: &[u8]) -> Vec<u8> {
        let mut o = vec![0, 0, 41, 4, 0xd0, 0, 0, 0x80, 0];
        o.extend_from_slice(&(options.len() as u16).to_be_bytes());
        o.extend_from_slice(options);
        o
    }

    #[test]
    fn reads_question_and_options_once() {
        let bytes = query(&opt(b"\x00\x0a\x00\x08abcdefgh\x00\x03\x00\x00"), 1);
        let incoming = Incoming::parse(&bytes).unwrap();
        assert_eq!(incoming.qtype(), Some(Rtype::A));
        assert_eq!(incoming.qname_wire(), Some(&b"\x03WWW\x07example\x00"[..]));
        assert_eq!(incoming.route(), Route::Answer);
        let edns = incoming.edns().unwrap();
        assert!(edns.dnssec_ok && edns.nsid && !edns.expire);
        assert_eq!(edns.payload, 1232);
        let CookieOption::Present { at, len } = edns.cookie else { panic!("{edns:?}") };
        assert_eq!(incoming.cookie_bytes(at, len), Some(&b"abcdefgh"[..]));
        assert!(!incoming.is_signed());
    }

    #[test]
    fn cookie_lengths_outside_the_rfc_are_malformed() {
        for (len, malformed) in [(0, true), (7, true), (8, false), (9, true), (15, true)]
            .into_iter()
            .chain([(16, false), (40, false), (41, true)])
        {
            let mut option = vec![0, 10, 0, len as u8];
            option.extend(std::iter::repeat_n(1u8, len));
            let bytes = query(&opt(&option), 1);
            let cookie = Incoming::parse(&bytes).unwrap().edns().unwrap().cookie;
            assert_eq!(cookie == CookieOption::Malformed, malformed, "length {len}");
        }
    }

    #[test]
    fn routes_transfers_notify_and_signed_queries() {
        let mut axfr = query(&[], 0);
        let qtype_at = axfr.len() - 3;
        axfr[qtype_at] = 252;
        assert_eq!(Incoming::parse(&axfr).unwrap().route(), Route::Transfer);
        let mut notify = query(&[], 0);
        notify[2] = opcode::NOTIFY << 3;
        assert_eq!(Incoming::parse(&notify).unwrap().route(), Route::Transfer);
        let mut update = query(&[], 0);
        update[2] = opcode::UPDATE << 3;
        assert_eq!(Incoming::parse(&update).unwrap().route(), Route::Update);
        // A TSIG record (any well-formed one) in the additional section.
        let mut tsig = b"\x03key\x00\x00\xfa\x00\xff\x00\x00\x00\x00".to_vec();
        let rdata =
            b"\x0bhmac-sha256\x00\x00\x00\x00\x00\x00\x01\x01\x2c\x00\x00\x00\x07\x00\x00\x00\x00";
        tsig.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        tsig.extend_from_slice(rdata);
        let signed = query(&tsig, 1);
        let incoming = Incoming::parse(&signed).unwrap();
        assert!(incoming.is_signed());
        assert_eq!(incoming.route(), Route::Transfer);
        // A response goes nowhere but the answer path, which drops it.
        let mut response = query(&[], 0);
        response[2] |= 0x80;
        assert_eq!(Incoming::parse(&response).unwrap().route(), Route::Answer);
        assert!(Incoming::parse(&[0; 11]).is_none());
    }

    #[test]
    fn a_compressed_question_name_is_read_again_when_needed() {
        // The question's name is a pointer back into... the header, at offset 11: the root.
        let mut bytes = vec![0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        bytes.extend_from_slice(b"\xc0\x0b\x00\x02\x00\x01");
        let incoming = Incoming::parse(&bytes).unwrap();
        assert_eq!(incoming.qtype(), Some(Rtype::NS));
        assert_eq!(incoming.qname_wire(), None);
        let query = incoming.query().unwrap();
        assert!(query.question.unwrap().name.is_root());
    }

    #[test]
    fn a_question_cut_short_is_no_question() {
        let bytes = query(&[], 0);
        for cut in 13..bytes.len() {
            let incoming = Incoming::parse(&bytes[..cut]).unwrap();
            assert_eq!((incoming.qtype(), incoming.qname_wire()), (None, None), "cut at {cut}");
        }
    }

    #[test]
    fn a_question_is_kept_when_what_follows_is_malformed() {
        let mut bytes = query(&[], 0);
        bytes.push(0);
        let incoming = Incoming::parse(&bytes).unwrap();
        assert_eq!(incoming.qtype(), Some(Rtype::A));
        assert!(incoming.query().is_err());
    }
}
