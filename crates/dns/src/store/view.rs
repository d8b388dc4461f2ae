//! Records as the store hands them out: a borrowed view that decodes on demand and prints in
//! presentation or RFC 3597 generic form.

use std::fmt;

use super::{Arena, Slot, owner};
use crate::name::Name;
use crate::rdata::{RecordData, write_generic};
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use crate::wire::WireError;
use crate::zone::Source;

/// One stored record, borrowed from its [`super::ZoneStore`].
#[derive(Clone, Copy)]
pub struct RecordRef<'a> {
    arena: &'a Arena,
    slot: &'a Slot,
}

impl<'a> RecordRef<'a> {
    pub(super) fn new(arena: &'a Arena, slot: &'a Slot) -> RecordRef<'a> {
        RecordRef { arena, slot }
    }

    /// The owner name (the part equal to the origin spelt as the origin was given).
    pub fn owner(&self) -> Name {
        owner::to_name(self.arena.owner_labels(self.slot))
    }

    /// True when both records have the same owner (case-insensitively), without building it.
    pub fn same_owner(&self, other: &RecordRef<'_>) -> bool {
        std::ptr::eq(self.arena, other.arena) && self.arena.cmp_owner(self.slot, other.slot).is_eq()
    }

    /// The record type.
    pub fn rtype(&self) -> Rtype {
        Rtype(self.arena.attrs(self.slot).rtype)
    }

    /// The class.
    pub fn class(&self) -> Class {
        Class(self.arena.attrs(self.slot).class)
    }

    /// The TTL in seconds.
    pub fn ttl(&self) -> u32 {
        self.arena.attrs(self.slot).ttl
    }

    /// The RDATA in uncompressed wire form, names as they were written.
    pub fn rdata(&self) -> &'a [u8] {
        self.arena.rdata(self.slot)
    }

    /// The RDATA in RFC 4034 §6.2 canonical wire form.
    pub fn canonical_rdata(&self) -> &'a [u8] {
        self.arena.canonical_rdata(self.slot)
    }

    /// The RDATA decoded. It was encoded from a valid record, so this fails only on a bug.
    pub fn data(&self) -> Result<RecordData, WireError> {
        RecordData::from_wire(self.rtype(), self.rdata())
    }

    /// The whole record, decoded.
    pub fn record(&self) -> Result<Record, WireError> {
        Ok(Record { owner: self.owner(), class: self.class(), ttl: self.ttl(), data: self.data()? })
    }

    /// Where the record was read.
    pub fn source(&self) -> Source {
        self.arena.source(self.slot)
    }

    /// Line the record was read on (cheaper than [`RecordRef::source`]).
    pub fn line(&self) -> u32 {
        self.slot.line
    }

    /// Index of the record's file in [`super::ZoneStore::files`].
    pub fn file_index(&self) -> usize {
        self.arena.attrs(self.slot).file()
    }

    /// Prints `owner TTL CLASS TYPEnnn \# len hex` (RFC 3597 §5), whatever the type.
    pub fn generic(&self) -> Generic<'a> {
        Generic(*self)
    }
}

impl fmt::Display for RecordRef<'_> {
    /// Presentation form, `owner TTL CLASS TYPE RDATA`, with absolute names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {} ", self.owner(), self.ttl(), self.class(), self.rtype())?;
        match self.data() {
            Ok(data) => data.fmt(f),
            Err(_) => write_generic(f, self.rdata()),
        }
    }
}

impl fmt::Debug for RecordRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordRef({self} @ {})", self.source())
    }
}

/// A record in RFC 3597 generic form; made by [`RecordRef::generic`].
pub struct Generic<'a>(RecordRef<'a>);

impl fmt::Display for Generic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        write!(f, "{} {} {} TYPE{} ", r.owner(), r.ttl(), r.class(), r.rtype().0)?;
        write_generic(f, r.rdata())
    }
}

/// A record dropped because it repeats another.
#[derive(Debug, Clone, Copy)]
pub struct Duplicate<'a> {
    /// The record dropped.
    pub dropped: RecordRef<'a>,
    /// The record kept, read before it.
    pub kept: RecordRef<'a>,
}
