//! A compact in-memory zone: records as uncompressed wire form in one growing byte arena with
//! a 16-octet index entry each, sorted once in RFC 4034 canonical order.
//!
//! A [`Record`] with its heap allocations costs a hundred octets or more; a million of them do
//! not fit beside the zone file they came from. Here a record costs its index entry, its RDATA
//! and, when its owner differs from the previous record's, the owner's labels below the origin.
//! Type, class, TTL and file are shared: a zone has few distinct combinations of them, kept
//! once in a table that the index entry points into (past 65 535 combinations, a record's own
//! are written in the arena before its RDATA). Records are fed one by one to a
//! [`ZoneBuilder`]; [`ZoneBuilder::finish`] sorts them, drops duplicates (remembering them for
//! the checks) and gives the read-only [`ZoneStore`].
//!
//! Sorting takes 12 more octets per record while it runs; docs/benchmarks.md has the peak
//! memory of `nameward zone check` against the size of the file it reads. Owners print with the
//! case they were written in, except that the part equal to the origin is spelt as the origin
//! was given.

mod dedup;
mod owner;
mod sort;
mod view;

pub use view::{Duplicate, Generic, RecordRef};

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::name::Name;
use crate::record::Record;
use crate::rtype::Rtype;
use crate::wire::{WireMode, Writer};
use crate::zone::{Entry, Source};

use owner::RevLabels;

/// Most source files one store can name (the file index shares 16 bits with two flags).
const MAX_FILES: usize = 1 << 14;
const FILE_MASK: u16 = (1 << 14) - 1;
/// Most records one store holds (the sort keeps a flag beside a 31-bit index).
const MAX_RECORDS: usize = 1 << 31;
/// The owner is stored without the origin's labels.
const RELATIVE: u16 = 1 << 15;
/// The RDATA's canonical form differs from its uncompressed form and follows it in the arena.
const CANONICAL_COPY: u16 = 1 << 14;

/// Why a record could not be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The arena would pass 4 GiB, or the zone 2³¹ records.
    #[error(
        "zone too large to hold in memory (more than 4 GiB of record data or 2 billion records)"
    )]
    TooLarge,
    /// More source files than a store can name.
    #[error("records from more than 16384 files")]
    TooManyFiles,
    /// The RDATA does not fit a 16-bit RDLENGTH.
    #[error("RDATA longer than 65535 octets")]
    RdataTooLong,
}

/// One record's index entry: 16 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// Arena offset of the owner (a length octet, then reversed labels).
    owner: u32,
    /// Arena offset of the RDATA in uncompressed wire form.
    rdata: u32,
    line: u32,
    rdlen: u16,
    /// Index of the record's [`Attrs`] in [`Arena::attrs`], or [`ATTRS_IN_ARENA`].
    attrs: u16,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 16);

/// What many records share: type, class, TTL, file and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Attrs {
    rtype: u16,
    class: u16,
    ttl: u32,
    /// File index in the low 14 bits, [`RELATIVE`] and [`CANONICAL_COPY`] above.
    file_flags: u16,
}

/// The slot's attributes are written in the arena right before its RDATA, in [`Attrs::LEN`]
/// octets, because the shared table is full.
const ATTRS_IN_ARENA: u16 = u16::MAX;

/// Entries of [`ZoneBuilder`]'s cache of recent attributes.
const RECENT_ATTRS: usize = 32;

impl Attrs {
    const LEN: usize = 10;

    fn file(&self) -> usize {
        usize::from(self.file_flags & FILE_MASK)
    }

    fn is_relative(&self) -> bool {
        self.file_flags & RELATIVE != 0
    }

    fn has_canonical_copy(&self) -> bool {
        self.file_flags & CANONICAL_COPY != 0
    }

    fn to_bytes(self) -> [u8; Attrs::LEN] {
        let [a, b] = self.rtype.to_be_bytes();
        let [c, d] = self.class.to_be_bytes();
        let [e, f, g, h] = self.ttl.to_be_bytes();
        let [i, j] = self.file_flags.to_be_bytes();
        [a, b, c, d, e, f, g, h, i, j]
    }

    fn from_bytes(bytes: &[u8]) -> Attrs {
        let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let u16_at = |i: usize| u16::from_be_bytes([at(i), at(i + 1)]);
        Attrs {
            rtype: u16_at(0),
            class: u16_at(2),
            ttl: u32::from_be_bytes([at(4), at(5), at(6), at(7)]),
            file_flags: u16_at(8),
        }
    }
}

/// The bytes shared by the builder and the store, and the reads both need.
#[derive(Debug, Clone)]
struct Arena {
    origin: Name,
    /// The origin's labels, rightmost first, to put before relative owners.
    origin_rev: Vec<u8>,
    bytes: Vec<u8>,
    files: Vec<Arc<str>>,
    /// The distinct [`Attrs`] of the records, fewer than [`ATTRS_IN_ARENA`].
    attrs: Vec<Attrs>,
}

impl Arena {
    fn attrs(&self, slot: &Slot) -> Attrs {
        match self.attrs.get(usize::from(slot.attrs)) {
            Some(attrs) => *attrs,
            None => {
                let at = (slot.rdata as usize).saturating_sub(Attrs::LEN);
                Attrs::from_bytes(self.bytes.get(at..).unwrap_or(&[]))
            }
        }
    }

    fn is_relative(&self, slot: &Slot) -> bool {
        self.attrs(slot).is_relative()
    }

    fn owner_labels(&self, slot: &Slot) -> RevLabels<'_> {
        let at = slot.owner as usize;
        let len = self.bytes.get(at).map_or(0, |&len| usize::from(len));
        let rest = self.bytes.get(at + 1..at + 1 + len).unwrap_or(&[]);
        let prefix: &[u8] = if self.is_relative(slot) { &self.origin_rev } else { &[] };
        RevLabels::new(prefix, rest)
    }

    fn rdata(&self, slot: &Slot) -> &[u8] {
        let at = slot.rdata as usize;
        self.bytes.get(at..at + usize::from(slot.rdlen)).unwrap_or(&[])
    }

    fn canonical_rdata(&self, slot: &Slot) -> &[u8] {
        if !self.attrs(slot).has_canonical_copy() {
            return self.rdata(slot);
        }
        let at = slot.rdata as usize + usize::from(slot.rdlen);
        self.bytes.get(at..at + usize::from(slot.rdlen)).unwrap_or(&[])
    }

    fn cmp_owner(&self, a: &Slot, b: &Slot) -> Ordering {
        let (a_relative, b_relative) = (self.is_relative(a), self.is_relative(b));
        if a.owner == b.owner && a_relative == b_relative {
            return Ordering::Equal;
        }
        if a_relative && b_relative {
            // Same origin in front of both: compare only what follows it.
            let (mut x, mut y) = (self.owner_labels(a), self.owner_labels(b));
            x.skip_prefix();
            y.skip_prefix();
            return owner::cmp_reversed(x, y);
        }
        owner::cmp_reversed(self.owner_labels(a), self.owner_labels(b))
    }

    /// RFC 4034 canonical order: owner, then type, then RDATA in canonical form; class and
    /// the order records came in only break ties, so that sorting is deterministic.
    fn cmp_canonical(&self, a: &Slot, b: &Slot) -> Ordering {
        let (x, y) = (self.attrs(a), self.attrs(b));
        self.cmp_owner(a, b)
            .then(x.rtype.cmp(&y.rtype))
            .then(x.class.cmp(&y.class))
            .then_with(|| self.canonical_rdata(a).cmp(self.canonical_rdata(b)))
            .then(a.rdata.cmp(&b.rdata))
            .then(a.line.cmp(&b.line))
    }

    fn source(&self, slot: &Slot) -> Source {
        let file =
            self.files.get(self.attrs(slot).file()).cloned().unwrap_or_else(|| Arc::from("?"));
        Source { file, line: slot.line }
    }
}

/// Collects records one by one; [`ZoneBuilder::finish`] turns it into a sorted [`ZoneStore`].
#[derive(Debug)]
pub struct ZoneBuilder {
    arena: Arena,
    slots: Vec<Slot>,
    file_index: HashMap<Arc<str>, u16>,
    attrs_index: HashMap<Attrs, u16>,
    /// Recently used attributes and their slot values, by the low bits of the type: records
    /// of one type mostly share one TTL, so this spares hashing for nearly every record.
    recent_attrs: [Option<(Attrs, u16)>; RECENT_ATTRS],
    /// The previous owner and where it was stored, so that runs of one owner share it.
    /// (Its wire form is kept in a buffer reused from record to record.)
    last_owner: Option<(u32, bool)>,
    last_owner_wire: Vec<u8>,
    plain: Writer,
    canonical: Writer,
}

impl ZoneBuilder {
    /// An empty zone whose origin is `origin`; owners below it are stored without its labels.
    pub fn new(origin: &Name) -> ZoneBuilder {
        let mut origin_rev = Vec::new();
        owner::push_reversed(&mut origin_rev, origin, 0);
        ZoneBuilder {
            arena: Arena {
                origin: origin.clone(),
                origin_rev,
                bytes: Vec::new(),
                files: Vec::new(),
                attrs: Vec::new(),
            },
            slots: Vec::new(),
            file_index: HashMap::new(),
            attrs_index: HashMap::new(),
            recent_attrs: [None; RECENT_ATTRS],
            last_owner: None,
            last_owner_wire: Vec::new(),
            plain: Writer::with_mode(WireMode::Uncompressed),
            canonical: Writer::with_mode(WireMode::Canonical),
        }
    }

    /// Number of records stored so far.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no record was stored.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Stores one record and where it came from.
    pub fn push(&mut self, record: &Record, source: &Source) -> Result<(), StoreError> {
        self.plain.clear();
        self.canonical.clear();
        record.data.encode(&mut self.plain);
        record.data.encode(&mut self.canonical);
        let rdlen = u16::try_from(self.plain.len()).map_err(|_| StoreError::RdataTooLong)?;
        let file = self.file(&source.file)?;
        let needed = self.arena.bytes.len()
            + 1
            + record.owner.wire_len()
            + Attrs::LEN
            + 2 * self.plain.len();
        if needed > u32::MAX as usize || self.slots.len() >= MAX_RECORDS {
            return Err(StoreError::TooLarge);
        }
        let (owner_at, relative) = self.owner(&record.owner);
        let mut flags = file;
        if relative {
            flags |= RELATIVE;
        }
        let canonical_copy = self.canonical.as_bytes() != self.plain.as_bytes();
        if canonical_copy {
            flags |= CANONICAL_COPY;
        }
        let attrs = Attrs {
            rtype: record.rtype().0,
            class: record.class.0,
            ttl: record.ttl,
            file_flags: flags,
        };
        let attrs_slot = self.attrs_slot(attrs);
        if attrs_slot == ATTRS_IN_ARENA {
            self.arena.bytes.extend_from_slice(&attrs.to_bytes());
        }
        let rdata_at = self.arena.bytes.len() as u32;
        self.arena.bytes.extend_from_slice(self.plain.as_bytes());
        if canonical_copy {
            self.arena.bytes.extend_from_slice(self.canonical.as_bytes());
        }
        self.slots.push(Slot {
            owner: owner_at,
            rdata: rdata_at,
            line: source.line,
            rdlen,
            attrs: attrs_slot,
        });
        Ok(())
    }

    /// The slot value for `attrs`: their index in the shared table, added there if new and
    /// there is room, else [`ATTRS_IN_ARENA`].
    fn attrs_slot(&mut self, attrs: Attrs) -> u16 {
        let recent = usize::from(attrs.rtype) % RECENT_ATTRS;
        if let Some(Some((last, at))) = self.recent_attrs.get(recent)
            && *last == attrs
        {
            return *at;
        }
        let at = match self.attrs_index.get(&attrs) {
            Some(&at) => at,
            None if self.arena.attrs.len() < usize::from(ATTRS_IN_ARENA) => {
                let at = self.arena.attrs.len() as u16;
                self.arena.attrs.push(attrs);
                self.attrs_index.insert(attrs, at);
                at
            }
            None => ATTRS_IN_ARENA,
        };
        if let Some(place) = self.recent_attrs.get_mut(recent) {
            *place = Some((attrs, at));
        }
        at
    }

    /// Stores one entry of a zone reader.
    pub fn push_entry(&mut self, entry: &Entry) -> Result<(), StoreError> {
        self.push(&entry.record, &entry.source)
    }

    /// Where the owner is stored, writing it unless it is the previous record's owner (exactly,
    /// case included, so that each record prints as it was written).
    fn owner(&mut self, name: &Name) -> (u32, bool) {
        if let Some((at, relative)) = self.last_owner
            && self.last_owner_wire == name.as_wire()
        {
            return (at, relative);
        }
        let relative = name.is_subdomain_of(&self.arena.origin);
        let skip = if relative { self.arena.origin.label_count() } else { 0 };
        let at = self.arena.bytes.len();
        self.arena.bytes.push(0);
        owner::push_reversed(&mut self.arena.bytes, name, skip);
        let len = self.arena.bytes.len() - at - 1;
        if let Some(first) = self.arena.bytes.get_mut(at) {
            // A name has at most 255 octets, so its labels fit the length octet.
            *first = len as u8;
        }
        self.last_owner_wire.clear();
        self.last_owner_wire.extend_from_slice(name.as_wire());
        self.last_owner = Some((at as u32, relative));
        (at as u32, relative)
    }

    fn file(&mut self, file: &Arc<str>) -> Result<u16, StoreError> {
        if let Some(&index) = self.file_index.get(file) {
            return Ok(index);
        }
        if self.arena.files.len() >= MAX_FILES {
            return Err(StoreError::TooManyFiles);
        }
        let index = self.arena.files.len() as u16;
        self.arena.files.push(file.clone());
        self.file_index.insert(file.clone(), index);
        Ok(index)
    }

    /// Sorts the records in canonical order and drops duplicates (same owner, class, type and
    /// RDATA), keeping the first one read; [`ZoneStore::duplicates`] lists those dropped.
    pub fn finish(self) -> ZoneStore {
        let ZoneBuilder { mut arena, mut slots, .. } = self;
        arena.bytes.shrink_to_fit();
        arena.attrs.shrink_to_fit();
        sort::canonical(&arena, &mut slots);
        let duplicates = dedup::remove_duplicates(&arena, &mut slots);
        slots.shrink_to_fit();
        ZoneStore { arena, slots, duplicates }
    }
}

/// A zone's records in RFC 4034 canonical order, without duplicates.
#[derive(Debug, Clone)]
pub struct ZoneStore {
    arena: Arena,
    slots: Vec<Slot>,
    /// Each dropped duplicate, with the record it repeats.
    duplicates: Vec<(Slot, Slot)>,
}

impl ZoneStore {
    /// The origin the store was built for.
    pub fn origin(&self) -> &Name {
        &self.arena.origin
    }

    /// Number of records (duplicates left out).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the zone has no record.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The record at `index` in canonical order.
    pub fn get(&self, index: usize) -> Option<RecordRef<'_>> {
        self.slots.get(index).map(|slot| RecordRef::new(&self.arena, slot))
    }

    /// The records in canonical order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = RecordRef<'_>> + '_ {
        self.slots.iter().map(|slot| RecordRef::new(&self.arena, slot))
    }

    /// The records dropped because they repeat another one, in canonical order.
    pub fn duplicates(&self) -> impl ExactSizeIterator<Item = Duplicate<'_>> + '_ {
        self.duplicates.iter().map(|(dropped, kept)| Duplicate {
            dropped: RecordRef::new(&self.arena, dropped),
            kept: RecordRef::new(&self.arena, kept),
        })
    }

    /// Indices of the records owned by `name` (an empty range when there are none), found by
    /// binary search.
    pub fn find(&self, name: &Name) -> Range<usize> {
        // Below the origin, the origin's labels are left out on both sides of most comparisons.
        let relative = name.is_subdomain_of(&self.arena.origin);
        let skip = if relative { self.arena.origin.label_count() } else { 0 };
        let mut wanted = Vec::with_capacity(name.wire_len());
        owner::push_reversed(&mut wanted, name, skip);
        let cmp = |slot: &Slot| {
            let mut labels = self.arena.owner_labels(slot);
            if relative && self.arena.is_relative(slot) {
                labels.skip_prefix();
                return owner::cmp_reversed(labels, RevLabels::new(&[], &wanted));
            }
            let prefix: &[u8] = if relative { &self.arena.origin_rev } else { &[] };
            owner::cmp_reversed(labels, RevLabels::new(prefix, &wanted))
        };
        let start = self.slots.partition_point(|slot| cmp(slot) == Ordering::Less);
        let rest = self.slots.get(start..).unwrap_or_default();
        // Most names own a few records: look a little way ahead before searching the rest.
        let mut ahead = 1;
        while rest.get(ahead).is_some_and(|slot| cmp(slot) == Ordering::Equal) {
            ahead *= 2;
        }
        let window = rest.get(..(ahead + 1).min(rest.len())).unwrap_or_default();
        let len = window.partition_point(|slot| cmp(slot) == Ordering::Equal);
        start..start + len
    }

    /// The records owned by `name` with type `rtype`.
    pub fn rrset(&self, name: &Name, rtype: Rtype) -> impl Iterator<Item = RecordRef<'_>> + '_ {
        self.find(name).filter_map(|i| self.get(i)).filter(move |r| r.rtype() == rtype)
    }

    /// True when `name` owns at least one record of `rtype`.
    pub fn has(&self, name: &Name, rtype: Rtype) -> bool {
        self.rrset(name, rtype).next().is_some()
    }

    /// The source files records came from, in the order first seen.
    pub fn files(&self) -> &[Arc<str>] {
        &self.arena.files
    }

    /// Octets held for records, index included (for capacity planning and tests).
    pub fn memory_size(&self) -> usize {
        self.arena.bytes.capacity()
            + self.arena.attrs.capacity() * std::mem::size_of::<Attrs>()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.duplicates.capacity() * std::mem::size_of::<(Slot, Slot)>()
    }
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
