//! DNS messages (RFC 1035 §4) with EDNS(0) (RFC 6891).

use crate::rdata::RecordData;
use crate::rdata::rfc6891::{Opt, encode_options};
use crate::record::{Question, Record};
use crate::rtype::Rtype;
use crate::wire::{DecodeOptions, Reader, WireError, WireErrorKind, Writer};

/// Operation codes (RFC 1035, RFC 1996, RFC 2136).
#[allow(missing_docs)]
pub mod opcode {
    pub const QUERY: u8 = 0;
    pub const NOTIFY: u8 = 4;
    pub const UPDATE: u8 = 5;
}

/// Response codes, the four header bits and the EDNS extension (RFC 6895).
#[allow(missing_docs)]
pub mod rcode {
    pub const NOERROR: u16 = 0;
    pub const FORMERR: u16 = 1;
    pub const SERVFAIL: u16 = 2;
    pub const NXDOMAIN: u16 = 3;
    pub const NOTIMP: u16 = 4;
    pub const REFUSED: u16 = 5;
    pub const YXDOMAIN: u16 = 6;
    pub const YXRRSET: u16 = 7;
    pub const NXRRSET: u16 = 8;
    pub const NOTAUTH: u16 = 9;
    pub const NOTZONE: u16 = 10;
    pub const BADVERS: u16 = 16;
}

/// The fixed 12-octet header, counts aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// Transaction ID.
    pub id: u16,
    /// True in responses.
    pub qr: bool,
    /// Operation code (four bits).
    pub opcode: u8,
    /// Authoritative answer.
    pub aa: bool,
    /// Truncated.
    pub tc: bool,
    /// Recursion desired.
    pub rd: bool,
    /// Recursion available.
    pub ra: bool,
    /// The reserved Z bit, echoed as received.
    pub z: bool,
    /// Authentic data (RFC 4035).
    pub ad: bool,
    /// Checking disabled (RFC 4035).
    pub cd: bool,
    /// The low four bits of the response code.
    pub rcode: u8,
}

impl Header {
    /// Decodes the flags word.
    pub fn from_flags(id: u16, flags: u16) -> Header {
        let bit = |n: u16| flags & (1 << n) != 0;
        Header {
            id,
            qr: bit(15),
            opcode: ((flags >> 11) & 0xF) as u8,
            aa: bit(10),
            tc: bit(9),
            rd: bit(8),
            ra: bit(7),
            z: bit(6),
            ad: bit(5),
            cd: bit(4),
            rcode: (flags & 0xF) as u8,
        }
    }

    /// Encodes the flags word.
    pub fn flags(&self) -> u16 {
        let bit = |set: bool, n: u16| if set { 1 << n } else { 0 };
        bit(self.qr, 15)
            | (u16::from(self.opcode & 0xF) << 11)
            | bit(self.aa, 10)
            | bit(self.tc, 9)
            | bit(self.rd, 8)
            | bit(self.ra, 7)
            | bit(self.z, 6)
            | bit(self.ad, 5)
            | bit(self.cd, 4)
            | u16::from(self.rcode & 0xF)
    }
}

pub use crate::rdata::rfc6891::EdnsOption;

/// The EDNS(0) pseudo-record (RFC 6891 §6.1.3), taken out of the additional section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edns {
    /// Largest UDP payload the sender can take.
    pub udp_payload: u16,
    /// Upper eight bits of the 12-bit response code.
    pub extended_rcode: u8,
    /// EDNS version.
    pub version: u8,
    /// DNSSEC OK.
    pub dnssec_ok: bool,
    /// The other 15 flag bits, as received.
    pub z: u16,
    /// Options in the order received.
    pub options: Vec<EdnsOption>,
}

impl Default for Edns {
    fn default() -> Edns {
        Edns {
            udp_payload: 1232,
            extended_rcode: 0,
            version: 0,
            dnssec_ok: false,
            z: 0,
            options: Vec::new(),
        }
    }
}

impl Edns {
    fn from_record(opt: Record) -> Result<Edns, WireError> {
        if !opt.owner.is_root() {
            return Err(WireError::new(0, WireErrorKind::BadValue("OPT owner must be the root")));
        }
        let options = match opt.data {
            RecordData::Opt(Opt { options }) => options,
            _ => return Err(WireError::new(0, WireErrorKind::BadValue("OPT RDATA not decoded"))),
        };
        let ttl = opt.ttl;
        Ok(Edns {
            udp_payload: opt.class.0,
            extended_rcode: (ttl >> 24) as u8,
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
            z: (ttl & 0x7FFF) as u16,
            options,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(0);
        w.u16(Rtype::OPT.0);
        w.u16(self.udp_payload);
        let do_bit = if self.dnssec_ok { 0x8000 } else { 0 };
        w.u32(
            u32::from(self.extended_rcode) << 24
                | u32::from(self.version) << 16
                | do_bit
                | u32::from(self.z & 0x7FFF),
        );
        let length_at = w.len();
        w.u16(0);
        encode_options(&self.options, w);
        let rdlength = w.len() - length_at - 2;
        w.patch_u16(length_at, rdlength as u16);
    }
}

/// A whole DNS message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The header.
    pub header: Header,
    /// Questions (almost always one).
    pub questions: Vec<Question>,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section.
    pub authority: Vec<Record>,
    /// Additional section, without the OPT pseudo-record.
    pub additional: Vec<Record>,
    /// EDNS, when the message carried an OPT record.
    pub edns: Option<Edns>,
}

/// Smallest wire size of a record (root owner, type, class, TTL, RDLENGTH): bounds the
/// capacity reserved from counts an attacker chose.
const MIN_RECORD_LEN: usize = 11;

impl Message {
    /// The full response code: header bits plus the EDNS extension.
    pub fn rcode(&self) -> u16 {
        let high = self.edns.as_ref().map_or(0, |e| u16::from(e.extended_rcode));
        high << 4 | u16::from(self.header.rcode)
    }

    /// Decodes a message; every count, length and pointer is checked and trailing octets are
    /// refused.
    pub fn decode(bytes: &[u8], options: DecodeOptions) -> Result<Message, WireError> {
        let mut r = Reader::new(bytes, options);
        let id = r.u16()?;
        let header = Header::from_flags(id, r.u16()?);
        let counts = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
        let options =
            DecodeOptions { update: options.update || header.opcode == opcode::UPDATE, ..options };
        let mut r = Reader::new(bytes, options);
        r.bytes(12)?;
        let capacity =
            |count: u16, r: &Reader<'_>| usize::from(count).min(r.remaining() / MIN_RECORD_LEN);
        let mut questions = Vec::with_capacity(capacity(counts[0], &r));
        for _ in 0..counts[0] {
            questions.push(Question::decode(&mut r)?);
        }
        let mut sections: [Vec<Record>; 3] = Default::default();
        let mut edns = None;
        for (section, &count) in sections.iter_mut().zip(&counts[1..]) {
            section.reserve(capacity(count, &r));
            for _ in 0..count {
                section.push(Record::decode(&mut r)?);
            }
        }
        let [answers, authority, mut additional] = sections;
        // The OPT pseudo-record is re-read from its raw RDATA: at most one, owned by the root.
        if let Some(index) = additional.iter().position(|rec| rec.rtype() == Rtype::OPT) {
            let opt = additional.remove(index);
            if additional.iter().any(|rec| rec.rtype() == Rtype::OPT) {
                return Err(WireError::new(0, WireErrorKind::BadValue("more than one OPT record")));
            }
            edns = Some(Edns::from_record(opt)?);
        }
        r.finish()?;
        Ok(Message { header, questions, answers, authority, additional, edns })
    }

    /// Encodes the message with name compression.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode_into(&mut w);
        w.into_bytes()
    }

    /// Encodes the message into `w`, which should be empty.
    pub fn encode_into(&self, w: &mut Writer) {
        w.u16(self.header.id);
        w.u16(self.header.flags());
        let additional = self.additional.len() + usize::from(self.edns.is_some());
        for count in [self.questions.len(), self.answers.len(), self.authority.len(), additional] {
            w.u16(count.min(usize::from(u16::MAX)) as u16);
        }
        for question in &self.questions {
            question.encode(w);
        }
        for record in self.answers.iter().chain(&self.authority).chain(&self.additional) {
            record.encode(w);
        }
        if let Some(edns) = &self.edns {
            edns.encode(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;
    use crate::rdata::rfc1035::{A, Ns};
    use crate::rtype::Class;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    fn sample() -> Message {
        let owner = name("www.example.com.");
        Message {
            header: Header { id: 0x1234, qr: true, aa: true, opcode: 0, ..Header::default() },
            questions: vec![Question { name: owner.clone(), qtype: Rtype::A, qclass: Class::IN }],
            answers: vec![Record {
                owner: owner.clone(),
                class: Class::IN,
                ttl: 300,
                data: RecordData::A(A { address: [192, 0, 2, 1].into() }),
            }],
            authority: vec![Record {
                owner: name("example.com."),
                class: Class::IN,
                ttl: 300,
                data: RecordData::Ns(Ns { nsdname: name("ns1.EXAMPLE.com.") }),
            }],
            additional: vec![],
            edns: Some(Edns {
                dnssec_ok: true,
                options: vec![EdnsOption { code: 10, data: vec![1; 8] }],
                ..Edns::default()
            }),
        }
    }

    #[test]
    fn round_trips_with_compression() {
        let message = sample();
        let bytes = message.encode();
        // The answer owner is a pointer to the question name at offset 12.
        assert_eq!(&bytes[12 + 17 + 4..12 + 17 + 6], &[0xC0, 12]);
        assert_eq!(Message::decode(&bytes, DecodeOptions::STRICT), Ok(message));
    }

    #[test]
    fn refuses_bad_pointers() {
        let mut header = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        // Self-pointer at offset 12.
        let mut looped = header.clone();
        looped.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
        assert_eq!(
            Message::decode(&looped, DecodeOptions::STRICT).unwrap_err().kind,
            WireErrorKind::PointerLoop
        );
        // Forward pointer.
        let mut forward = header.clone();
        forward.extend_from_slice(&[0xC0, 14, 0, 0, 1, 0, 1]);
        assert_eq!(
            Message::decode(&forward, DecodeOptions::STRICT).unwrap_err().kind,
            WireErrorKind::ForwardPointer
        );
        // Out of bounds.
        header.extend_from_slice(&[0xC0, 200, 0, 1, 0, 1]);
        assert_eq!(
            Message::decode(&header, DecodeOptions::STRICT).unwrap_err().kind,
            WireErrorKind::PointerOutOfBounds
        );
    }

    #[test]
    fn refuses_truncation_and_trailing_data() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(Message::decode(&bytes[..len], DecodeOptions::STRICT).is_err(), "prefix {len}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            Message::decode(&long, DecodeOptions::STRICT).unwrap_err().kind,
            WireErrorKind::TrailingData
        );
    }
}
