//! The response being written: a reused buffer, a size limit and RRset-level truncation.

use nameward_dns::rdata::RecordData;
use nameward_dns::wire::{Mark, Writer};
use nameward_dns::{Class, Name, Question, Rtype};

use crate::cookie::CookieReply;
use crate::lower::MAX_NAME;

/// Our own EDNS UDP payload size, and the ceiling for UDP responses (DNS flag day 2020).
pub const DEFAULT_UDP_PAYLOAD: u16 = 1232;

/// What carries the response, which decides its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// 512 octets without EDNS, else min(requested, our payload) (RFC 6891 §6.2.5).
    Udp,
    /// Up to 65535 octets (RFC 7766).
    Tcp,
}

/// The sections, in message order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Answer = 0,
    Authority = 1,
    Additional = 2,
}

/// What the records of one RRset share: TYPE, CLASS and TTL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordHead {
    pub(crate) rtype: Rtype,
    pub(crate) class: Class,
    pub(crate) ttl: u32,
}

/// Where the question starts: right after the header.
const QUESTION_AT: usize = 12;

/// The NSID option code (RFC 5001 §2.3).
pub(crate) const NSID: u16 = 3;

/// The EXPIRE option code (RFC 7314 §2).
pub(crate) const EXPIRE: u16 = 9;

/// The COOKIE option code (RFC 7873 §4).
pub(crate) const COOKIE: u16 = 10;

/// The COOKIE option sent back: the client cookie and our server cookie (RFC 9018 §4).
pub(crate) const COOKIE_REPLY_LEN: usize = 24;

/// Most octets of NSID kept.
const MAX_NSID: usize = 512;

/// Size of an OPT record without options.
pub(crate) const OPT_LEN: usize = 11;

/// A point of a response under construction to roll back to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    mark: Mark,
    counts: [u16; 3],
}

/// The last name written as nothing but a compression pointer, and that pointer: written
/// again, the same name compresses to the same pointer, as long as nothing before it is
/// rolled back (the writer takes the first earlier name that matches, and later names only
/// add candidates after it). An RRset's owner is written once per record and again for its
/// RRSIGs, so this spares the writer's search for most of them.
#[derive(Debug, Clone)]
struct LastPointer {
    wire: [u8; MAX_NAME],
    /// 0: none.
    len: usize,
    pointer: [u8; 2],
}

impl LastPointer {
    fn get(&self, wire: &[u8]) -> Option<[u8; 2]> {
        (self.len != 0 && self.wire.get(..self.len) == Some(wire)).then_some(self.pointer)
    }

    fn set(&mut self, wire: &[u8], pointer: [u8; 2]) {
        match self.wire.get_mut(..wire.len()) {
            Some(slot) => {
                slot.copy_from_slice(wire);
                self.len = wire.len();
                self.pointer = pointer;
            }
            None => self.len = 0,
        }
    }
}

/// A response under construction. Keep one per worker and reuse it: after the first queries
/// it no longer allocates.
#[derive(Debug, Clone)]
pub struct ResponseBuffer {
    w: Writer,
    transport: Transport,
    udp_payload: u16,
    limit: usize,
    /// Answer, authority and additional counts.
    counts: [u16; 3],
    /// An answer or authority RRset did not fit.
    truncated: bool,
    last_pointer: LastPointer,
    /// Our name server identifier (RFC 5001), sent to a query that asks for it; empty: none.
    nsid: Box<[u8]>,
    /// The query being answered asked for the NSID.
    nsid_asked: bool,
    /// The query being answered asked for EXPIRE (RFC 7314), and its value once the zone is
    /// known.
    expire_asked: bool,
    expire: Option<u32>,
    /// The COOKIE option for the response being written (RFC 7873 §5.2), if any.
    cookie: Option<CookieReply>,
    /// Where the question written ends (12 without one).
    question_end: usize,
}

impl ResponseBuffer {
    /// A buffer for responses sent over `transport`, advertising [`DEFAULT_UDP_PAYLOAD`].
    pub fn new(transport: Transport) -> ResponseBuffer {
        ResponseBuffer {
            w: Writer::new(),
            transport,
            udp_payload: DEFAULT_UDP_PAYLOAD,
            limit: 512,
            counts: [0; 3],
            truncated: false,
            last_pointer: LastPointer { wire: [0; MAX_NAME], len: 0, pointer: [0; 2] },
            nsid: Box::default(),
            nsid_asked: false,
            expire_asked: false,
            expire: None,
            cookie: None,
            question_end: QUESTION_AT,
        }
    }

    /// Sets the name server identifier sent to queries that ask for it (RFC 5001); at most
    /// 512 octets are kept, which leaves room for answers in any response.
    pub fn with_nsid(mut self, nsid: &[u8]) -> ResponseBuffer {
        self.nsid = nsid.get(..nsid.len().min(MAX_NSID)).unwrap_or_default().into();
        self
    }

    /// Sets our own EDNS payload size (at least 512).
    pub fn with_udp_payload(mut self, payload: u16) -> ResponseBuffer {
        self.udp_payload = payload.max(512);
        self
    }

    /// The transport the responses are for.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Changes the transport (for a buffer moved between listeners).
    pub fn set_transport(&mut self, transport: Transport) {
        self.transport = transport;
    }

    /// The response written by the last call to [`crate::answer`] (empty when there is none).
    pub fn as_bytes(&self) -> &[u8] {
        self.w.as_bytes()
    }

    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// Empties the buffer and sets the size limit for the coming response.
    /// `nsid` and `expire`: the query's OPT carried those options; `cookie`: the COOKIE option
    /// to send back.
    pub(crate) fn reset(
        &mut self,
        edns_payload: Option<u16>,
        nsid: bool,
        expire: bool,
        cookie: Option<CookieReply>,
    ) {
        self.w.clear();
        self.nsid_asked = nsid && edns_payload.is_some() && !self.nsid.is_empty();
        self.expire_asked = expire && edns_payload.is_some();
        self.expire = None;
        self.cookie = cookie.filter(|_| edns_payload.is_some());
        self.question_end = QUESTION_AT;
        self.last_pointer.len = 0;
        self.counts = [0; 3];
        self.truncated = false;
        self.limit = match (self.transport, edns_payload) {
            (Transport::Tcp, _) => usize::from(u16::MAX),
            (Transport::Udp, None) => 512,
            (Transport::Udp, Some(asked)) => usize::from(asked.max(512).min(self.udp_payload)),
        };
        if edns_payload.is_some() {
            // The OPT record always fits, with the options asked for.
            self.limit -=
                OPT_LEN + self.nsid_option_len() + self.expire_option_len() + self.cookie_len();
        }
    }

    /// Clears everything, so that no response is sent.
    pub(crate) fn clear(&mut self) {
        self.w.clear();
        self.last_pointer.len = 0;
        self.question_end = QUESTION_AT;
        self.cookie = None;
    }

    /// Where the question of the response written ends: header and question are what a
    /// slipped (truncated) copy keeps.
    pub fn question_end(&self) -> usize {
        self.question_end
    }

    /// Writes the header with zero counts; flags are patched by [`Self::finish`].
    pub(crate) fn header(&mut self, id: u16, qdcount: u16) {
        self.w.u16(id);
        self.w.u16(0);
        for count in [qdcount, 0, 0, 0] {
            self.w.u16(count);
        }
    }

    pub(crate) fn question(&mut self, q: &Question) {
        let first_name = self.w.len() == QUESTION_AT;
        q.encode(&mut self.w);
        if first_name {
            self.question_end = self.w.len();
            // The first name of the message is written whole and is the first to compress
            // against: the same name anywhere later is a pointer to it.
            self.last_pointer.set(q.name.as_wire(), (0xC000 | QUESTION_AT as u16).to_be_bytes());
        }
    }

    /// Writes `owner`, compressed.
    fn owner(&mut self, owner: &Name) {
        let wire = owner.as_wire();
        if let Some(pointer) = self.last_pointer.get(wire) {
            self.w.bytes(&pointer);
            return;
        }
        let at = self.w.len();
        self.w.compressible_name(owner);
        if let Some(&[hi, lo]) = self.w.as_bytes().get(at..)
            && hi & 0xC0 == 0xC0
        {
            self.last_pointer.set(wire, [hi, lo]);
        }
    }

    /// True once an answer or authority RRset was dropped: nothing more goes in those sections.
    pub(crate) fn full(&self) -> bool {
        self.truncated
    }

    /// Writes one RRset (all or nothing). An answer or authority RRset that does not fit sets
    /// TC; an additional one is left out silently. Returns whether it was written.
    pub(crate) fn rrset<'d>(
        &mut self,
        section: Section,
        owner: &Name,
        rtype: Rtype,
        class: Class,
        ttl: u32,
        data: impl IntoIterator<Item = &'d RecordData>,
    ) -> bool {
        let head = RecordHead { rtype, class, ttl };
        self.rrset_with(section, owner, head, data, |w, rdata| rdata.encode(w))
    }

    /// Writes one RRset whose records `rdata` writes one by one, with the same rules as
    /// [`Self::rrset`].
    pub(crate) fn rrset_with<I: IntoIterator>(
        &mut self,
        section: Section,
        owner: &Name,
        head: RecordHead,
        records: I,
        mut rdata: impl FnMut(&mut Writer, I::Item),
    ) -> bool {
        if self.truncated {
            return false;
        }
        let mark = self.w.mark();
        let mut written = 0usize;
        for record in records {
            self.owner(owner);
            self.w.u16(head.rtype.0);
            self.w.u16(head.class.0);
            self.w.u32(head.ttl);
            let length_at = self.w.len();
            self.w.u16(0);
            rdata(&mut self.w, record);
            let rdlength = self.w.len() - length_at - 2;
            self.w.patch_u16(length_at, u16::try_from(rdlength).unwrap_or(u16::MAX));
            written += 1;
        }
        self.fits(section, mark, written)
    }

    /// Keeps what was written since `mark` when it fits, else rolls back (setting TC for the
    /// answer and authority sections).
    fn fits(&mut self, section: Section, mark: Mark, records: usize) -> bool {
        if self.w.len() > self.limit {
            self.w.rollback(mark);
            self.last_pointer.len = 0;
            if section != Section::Additional {
                self.truncated = true;
            }
            return false;
        }
        let slot = &mut self.counts[section as usize];
        *slot = slot.saturating_add(u16::try_from(records).unwrap_or(u16::MAX));
        true
    }

    /// Adds the OPT record (when the query had one), then patches flags and counts.
    pub(crate) fn finish(&mut self, flags: u16, opt: Option<(u8, bool)>) {
        let mut additional = self.counts[2];
        if let Some((extended_rcode, dnssec_ok)) = opt {
            self.w.u8(0);
            self.w.u16(Rtype::OPT.0);
            self.w.u16(self.udp_payload);
            let do_bit = if dnssec_ok { 0x8000 } else { 0 };
            self.w.u32(u32::from(extended_rcode) << 24 | do_bit);
            let expire = self.expire.filter(|_| self.expire_asked);
            let rdlength =
                self.nsid_option_len() + if expire.is_some() { 8 } else { 0 } + self.cookie_len();
            self.w.u16(u16::try_from(rdlength).unwrap_or(0));
            if self.nsid_asked {
                self.w.u16(NSID);
                self.w.u16(u16::try_from(self.nsid.len()).unwrap_or(0));
                self.w.bytes(&self.nsid);
            }
            if let Some(expire) = expire {
                self.w.u16(EXPIRE);
                self.w.u16(4);
                self.w.u32(expire);
            }
            if let Some(cookie) = &self.cookie {
                self.w.u16(COOKIE);
                self.w.u16(COOKIE_REPLY_LEN as u16);
                self.w.bytes(&cookie.option);
            }
            additional = additional.saturating_add(1);
        }
        let flags = if self.truncated { flags | 1 << 9 } else { flags };
        self.w.patch_u16(2, flags);
        self.w.patch_u16(6, self.counts[0]);
        self.w.patch_u16(8, self.counts[1]);
        self.w.patch_u16(10, additional);
    }

    /// The query being answered carried a valid server cookie.
    pub(crate) fn valid_cookie(&self) -> bool {
        self.cookie.is_some_and(|c| c.valid)
    }

    /// Octets of the COOKIE option this response carries.
    fn cookie_len(&self) -> usize {
        if self.cookie.is_some() { 4 + COOKIE_REPLY_LEN } else { 0 }
    }

    /// Octets reserved for the EXPIRE option (sent when asked for and the zone is ours).
    fn expire_option_len(&self) -> usize {
        if self.expire_asked { 8 } else { 0 }
    }

    /// The EXPIRE value of the zone answering (RFC 7314 §3: a primary sends its SOA expire).
    pub(crate) fn set_expire(&mut self, expire: Option<u32>) {
        self.expire = expire;
    }

    /// Octets of the NSID option this response carries (none unless asked for).
    fn nsid_option_len(&self) -> usize {
        if self.nsid_asked { 4 + self.nsid.len() } else { 0 }
    }

    /// The state to come back to with [`Self::restore`].
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint { mark: self.w.mark(), counts: self.counts }
    }

    /// Drops everything written since `at` (TC stays as it is): an RRset whose RRSIGs did not
    /// fit leaves with them.
    pub(crate) fn restore(&mut self, at: Checkpoint) {
        self.w.rollback(at.mark);
        self.last_pointer.len = 0;
        self.counts = at.counts;
    }

    pub(crate) fn answer_count(&self) -> u16 {
        self.counts[0]
    }
}
