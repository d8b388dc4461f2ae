//! Resource records and questions.

use std::fmt;

use crate::name::Name;
use crate::rdata::RecordData;
use crate::rtype::{Class, Rtype};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name.
    pub owner: Name,
    /// The class, almost always IN.
    pub class: Class,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The RDATA, which also tells the type.
    pub data: RecordData,
}

impl Record {
    /// The record type.
    pub fn rtype(&self) -> Rtype {
        self.data.rtype()
    }

    /// Decodes one record from a message.
    pub fn decode(r: &mut Reader<'_>) -> Result<Record, WireError> {
        let owner = r.name()?;
        let rtype = Rtype(r.u16()?);
        let class = Class(r.u16()?);
        let ttl = r.u32()?;
        let rdlength = usize::from(r.u16()?);
        let mut window = r.split_window(rdlength)?;
        let data = RecordData::decode(rtype, &mut window)?;
        Ok(Record { owner, class, ttl, data })
    }

    /// Encodes the record, RDLENGTH included.
    pub fn encode(&self, w: &mut Writer) {
        w.compressible_name(&self.owner);
        w.u16(self.rtype().0);
        w.u16(self.class.0);
        w.u32(self.ttl);
        let length_at = w.len();
        w.u16(0);
        self.data.encode(w);
        let rdlength = w.len() - length_at - 2;
        w.patch_u16(length_at, rdlength as u16);
    }

    /// Checks that the RDATA fits in the 16-bit RDLENGTH.
    pub fn check_rdata_size(&self) -> Result<(), WireError> {
        let len = self.data.to_wire().len();
        if len > usize::from(u16::MAX) {
            return Err(WireError::new(
                0,
                WireErrorKind::BadLength("RDATA longer than 65535 octets"),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Record {
    /// Presentation form: `owner TTL CLASS TYPE RDATA`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {} {}", self.owner, self.ttl, self.class, self.rtype(), self.data)
    }
}

/// A question: name, type and class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// The name asked about.
    pub name: Name,
    /// The type asked for.
    pub qtype: Rtype,
    /// The class asked for.
    pub qclass: Class,
}

impl Question {
    /// Decodes one question.
    pub fn decode(r: &mut Reader<'_>) -> Result<Question, WireError> {
        Ok(Question { name: r.name()?, qtype: Rtype(r.u16()?), qclass: Class(r.u16()?) })
    }

    /// Encodes the question.
    pub fn encode(&self, w: &mut Writer) {
        w.compressible_name(&self.name);
        w.u16(self.qtype.0);
        w.u16(self.qclass.0);
    }
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.name, self.qclass, self.qtype)
    }
}
