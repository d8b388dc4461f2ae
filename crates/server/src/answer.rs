//! The answering function: query bytes in, response bytes out.

use std::net::IpAddr;

use nameward_dns::message::rcode;
use nameward_dns::{Class, Rtype};

use crate::cookie::CookieSecrets;
use crate::lower::{MAX_NAME, lower};
use crate::query::{CookieOption, Incoming};
use crate::resolve::resolve;
use crate::response::ResponseBuffer;
use crate::zones::Zones;

/// What [`answer`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to send: fewer than 12 octets, or the message is itself a response.
    NoResponse,
    /// A response is in the buffer.
    Response(Summary),
}

/// A response, summed up for logs and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The full response code (with the EDNS extension).
    pub rcode: u16,
    /// TC was set.
    pub truncated: bool,
    /// The question asked for a zone transfer (AXFR or IXFR). The buffer holds NOTIMP, which
    /// is what UDP sends; a transfer-capable TCP layer answers such queries itself.
    pub transfer: bool,
    /// The query carried a server cookie of ours that checked out (RFC 7873 §5.2.4): its
    /// source address is proven, so rate limiting need not hold it back.
    pub valid_cookie: bool,
}

/// What the network layer knows about a query beyond its bytes, for DNS Cookies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Requester<'a> {
    /// The client's address.
    pub address: Option<IpAddr>,
    /// Seconds since the epoch.
    pub now: u32,
    /// The cookie secrets in force; `None`: cookies are off, COOKIE options are ignored.
    pub cookies: Option<&'a CookieSecrets>,
}

/// Header bits copied from a QUERY into the response: opcode and RD (RFC 1035 §4.1.1).
/// CD is cleared, as RFC 4035 §3.1.6 asks of authoritative servers (Knot and NSD do the same).
const ECHOED_FLAGS: u16 = OPCODE | 1 << 8;
const OPCODE: u16 = 0x7800;
const QR: u16 = 1 << 15;
const AA: u16 = 1 << 10;

/// Answers `query` from `zones` into `out` (RFC 1034 §4.3.2, RFC 2308, RFC 4592, RFC 6672,
/// RFC 6891). Pure: no I/O, no lock, and no allocation on the common path beyond the decoded
/// question name.
///
/// `ANY` is answered per RFC 8482 §4.1 with one RRset: the one of lowest type at the name
/// (after following a CNAME it is the CNAME itself).
pub fn answer(zones: &Zones, query: &[u8], out: &mut ResponseBuffer) -> Outcome {
    match Incoming::parse(query) {
        Some(incoming) => answer_incoming(zones, &incoming, &Requester::default(), out),
        None => {
            out.clear();
            Outcome::NoResponse
        }
    }
}

/// [`answer`] for a message already read, with what is known of its sender: a COOKIE option
/// is answered with a server cookie (RFC 7873 §5.2, RFC 9018) when `requester` has the secrets
/// and the address, and a malformed one gets FORMERR.
pub fn answer_incoming(
    zones: &Zones,
    incoming: &Incoming<'_>,
    requester: &Requester<'_>,
    out: &mut ResponseBuffer,
) -> Outcome {
    out.clear();
    let header = incoming.header();
    if header.is_response() {
        return Outcome::NoResponse;
    }
    // RD is defined for QUERY only (RFC 1035 §4.1.1): another opcode gets it cleared, as BIND
    // and NSD do.
    let echoed = header.flags & if header.is_query() { ECHOED_FLAGS } else { OPCODE };
    let Ok(q) = incoming.query() else {
        // The body cannot be trusted, so neither can an OPT in it: header only. Other opcodes
        // (UPDATE's sections follow other rules) are not implemented rather than malformed.
        out.reset(None, false, false, None);
        let code = if header.is_query() { rcode::FORMERR } else { rcode::NOTIMP };
        return finish(out, header.id, None, echoed, code, None, false);
    };
    let opt = q.edns.map(|e| e.dnssec_ok);
    let (nsid, expire) = q.edns.map_or((false, false), |e| (e.nsid, e.expire));
    let cookie_option = q.edns.map_or(CookieOption::Absent, |e| e.cookie);
    let cookie = match (cookie_option, requester.cookies, requester.address) {
        (CookieOption::Present { at, len }, Some(secrets), Some(address)) => incoming
            .cookie_bytes(at, len)
            .and_then(|option| secrets.reply(option, address, requester.now)),
        _ => None,
    };
    out.reset(q.edns.map(|e| e.payload), nsid, expire, cookie);
    if cookie_option == CookieOption::Malformed && requester.cookies.is_some() {
        // RFC 7873 §5.2.2.
        let question = q.question.as_ref().filter(|_| header.qdcount == 1);
        return finish(out, header.id, question, echoed, rcode::FORMERR, opt, false);
    }
    let question = match (&q.question, header.qdcount) {
        (Some(question), 1) => question,
        (_, _) if !header.is_query() => {
            return finish(out, header.id, None, echoed, rcode::NOTIMP, opt, false);
        }
        _ => return finish(out, header.id, None, echoed, rcode::FORMERR, opt, false),
    };
    if q.edns.is_some_and(|e| e.version != 0) {
        return finish(out, header.id, Some(question), echoed, rcode::BADVERS, opt, false);
    }
    if !header.is_query() {
        return finish(out, header.id, Some(question), echoed, rcode::NOTIMP, opt, false);
    }
    if matches!(question.qtype, Rtype::AXFR | Rtype::IXFR) {
        let outcome = finish(out, header.id, Some(question), echoed, rcode::NOTIMP, opt, false);
        return match outcome {
            Outcome::Response(s) => Outcome::Response(Summary { transfer: true, ..s }),
            other => other,
        };
    }
    let mut buf = [0u8; MAX_NAME];
    let key = lower(&question.name, &mut buf);
    let zone = zones.find_lower(key, question.qtype == Rtype::DS);
    let (Some(zone), Class::IN) = (zone, question.qclass) else {
        return finish(out, header.id, Some(question), echoed, rcode::REFUSED, opt, false);
    };
    out.set_expire(zone.expire());
    out.header(header.id, 1);
    out.question(question);
    let dnssec_ok = opt.unwrap_or(false);
    let result = resolve(zones, zone, question, dnssec_ok, out);
    let flags = QR | echoed | if result.authoritative { AA } else { 0 } | result.rcode & 0xF;
    out.finish(flags, opt.map(|d| (0, d)));
    Outcome::Response(Summary {
        rcode: result.rcode,
        truncated: out.truncated(),
        transfer: false,
        valid_cookie: out.valid_cookie(),
    })
}

/// A response with no records: the header, the question when there is one, and OPT when the
/// query had EDNS.
fn finish(
    out: &mut ResponseBuffer,
    id: u16,
    question: Option<&nameward_dns::Question>,
    echoed: u16,
    code: u16,
    opt: Option<bool>,
    aa: bool,
) -> Outcome {
    out.header(id, u16::from(question.is_some()));
    if let Some(q) = question {
        out.question(q);
    }
    let flags = QR | echoed | if aa { AA } else { 0 } | code & 0xF;
    out.finish(flags, opt.map(|d| ((code >> 4) as u8, d)));
    let valid_cookie = out.valid_cookie();
    Outcome::Response(Summary { rcode: code, truncated: false, transfer: false, valid_cookie })
}
