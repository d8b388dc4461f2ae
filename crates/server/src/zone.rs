//! A zone compiled for answering: one node per name (empty non-terminals included), each knowing
//! its RRsets, the highest zone cut or DNAME above it, its wildcard child and its glue.
//!
//! The layout is flat, for memory and load time (it is built straight from the canonically
//! ordered [`ZoneStore`], without decoding records): every distinct name once in one table,
//! nodes and RRset heads as small fixed-size structs in one `Vec` each, and all record data in
//! one octet arena. A node's RRsets are the heads from its `sets` to the next node's, and an
//! RRset's records the arena octets from its `start` to the next head's (the layout of a
//! compressed sparse row). The only allocations per name are the names themselves, which
//! answers write through [`nameward_dns::wire::Writer`] for compression.

use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};
use nameward_dns::check::{CheckOptions, Diagnostic, Severity, check_zone};
use nameward_dns::dnssec::SignedZone;
use nameward_dns::rdata::RecordData;
use nameward_dns::store::{RecordRef, ZoneBuilder, ZoneStore};
use nameward_dns::wire::Writer;
use nameward_dns::zone::{Entry, NoIncludes, ReaderOptions, ZoneReader};
use nameward_dns::{Class, Name, Record, Rtype};

use crate::denial::{Chain, Denial, LayerNode};
use crate::lower::{MAX_NAME, lower_wire, name_len, suffixes};

/// No node (for `above` and `wildcard`), no RRSIGs (for an RRset's `sigs`).
const NONE: u32 = u32::MAX;
const NO_SIGS: u16 = u16::MAX;

/// Node flags.
const CUT: u8 = 1;
const DNAME: u8 = 2;

/// The head of one RRset: the records of one owner and type (RRSIGs: of one type covered).
#[derive(Debug, Clone, Copy)]
struct Head {
    rtype: Rtype,
    class: Class,
    /// One TTL for the set: the first record's (RFC 2181 §5.2 makes differing TTLs an error,
    /// which the zone checks report).
    ttl: u32,
    /// Arena offset of the first record; the records run to the next head's `start`.
    start: u32,
    /// For all but RRSIG: the position among the node's RRsets of the RRSIGs covering this
    /// set, or [`NO_SIGS`]. RRSIGs are kept as one set per type covered, each with its own
    /// TTL (RFC 4034 §3, RFC 4035 §2.2), so that they go out with the RRset they sign.
    sigs: u16,
}

/// One name of the zone.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Position of the owner (as written in the zone file) in the name table.
    name: u32,
    /// First RRset head; RRsets in type order, RRSIGs as one set per type covered (in
    /// covered-type order). None for an empty non-terminal.
    sets: u32,
    /// First glue entry: for a cut, the nodes of its NS names that hold addresses in this
    /// zone, in NS order.
    glue: u32,
    /// The highest strict ancestor that is a zone cut or owns a DNAME, or [`NONE`]: lookups
    /// below it stop there (RFC 1034 §4.3.2 step 3b, RFC 6672 §3.2).
    above: u32,
    /// The `*` child (RFC 4592 §2.1.1), or [`NONE`].
    wildcard: u32,
    /// [`CUT`] (NS here and not at the apex: a delegation) and [`DNAME`].
    flags: u8,
}

/// Octets per record for the types whose RDATA holds names that messages compress (RFC 3597
/// §4): those names are kept as 4-octet positions in the name table, so that answers can
/// compress them; `None` for the other types, whose records are kept as RDLENGTH and RDATA,
/// ready to copy.
fn named_len(rtype: Rtype) -> Option<usize> {
    match rtype {
        Rtype::NS | Rtype::CNAME | Rtype::PTR => Some(4),
        // Preference, exchange.
        Rtype::MX => Some(6),
        // MNAME, RNAME, then serial, refresh, retry, expire and minimum.
        Rtype::SOA => Some(28),
        _ => None,
    }
}

/// One RRset of a zone.
#[derive(Clone, Copy)]
pub(crate) struct Rrset<'z> {
    zone: &'z Zone,
    head: &'z Head,
    /// The records, in the arena's form for this type.
    data: &'z [u8],
}

impl fmt::Debug for Rrset<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rrset({} {} records)", self.head.rtype, self.len())
    }
}

impl<'z> Rrset<'z> {
    pub(crate) fn rtype(&self) -> Rtype {
        self.head.rtype
    }

    pub(crate) fn class(&self) -> Class {
        self.head.class
    }

    pub(crate) fn ttl(&self) -> u32 {
        self.head.ttl
    }

    /// The records in the arena's form: for the types of [`named_len`], fixed-size records
    /// with names as positions; for the others, the RDATA.
    pub(crate) fn records(&self) -> Records<'z> {
        Records { rest: self.data, fixed: named_len(self.head.rtype).unwrap_or(0) }
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.records().count()
    }

    /// The name at octet `at` of a record of a type of [`named_len`].
    fn name_at(&self, record: &[u8], at: usize) -> Option<&'z Name> {
        let &[a, b, c, d] = record.get(at..at + 4)? else { return None };
        self.zone.names.get(u32::from_be_bytes([a, b, c, d]) as usize)
    }

    /// The name of `record` (one of [`Self::records`]) of an NS, CNAME or PTR set.
    pub(crate) fn name_in(&self, record: &[u8]) -> Option<&'z Name> {
        self.name_at(record, 0)
    }

    /// The first record's name, for NS, CNAME and PTR (the target).
    pub(crate) fn first_name(&self) -> Option<&'z Name> {
        self.name_at(self.records().next()?, 0)
    }

    /// Writes the RDATA of `record` (one of [`Self::records`]) as a message has it.
    pub(crate) fn write_rdata(&self, w: &mut Writer, record: &[u8]) {
        let name = |w: &mut Writer, at| {
            if let Some(name) = self.name_at(record, at) {
                w.compressible_name(name);
            }
        };
        match self.head.rtype {
            Rtype::NS | Rtype::CNAME | Rtype::PTR => name(w, 0),
            Rtype::MX => {
                w.bytes(record.get(..2).unwrap_or(&[]));
                name(w, 2);
            }
            Rtype::SOA => {
                name(w, 0);
                name(w, 4);
                w.bytes(record.get(8..).unwrap_or(&[]));
            }
            _ => w.bytes(record),
        }
    }

    /// The uncompressed RDATA of `record` (one of [`Self::records`]).
    fn rdata(&self, record: &[u8]) -> Vec<u8> {
        let mut w = Writer::with_mode(nameward_dns::wire::WireMode::Uncompressed);
        self.write_rdata(&mut w, record);
        w.into_bytes()
    }

    /// The `item`th record of the set, decoded.
    pub(crate) fn get(&self, item: usize) -> Option<RecordData> {
        self.decode(self.records().nth(item)?)
    }

    /// The records of the set, decoded (for loading, transfers and tests, not for answers).
    pub(crate) fn decoded(&self) -> Vec<RecordData> {
        self.records().filter_map(|record| self.decode(record)).collect()
    }

    /// One record (one of [`Self::records`]), decoded; it was stored from a valid record, so
    /// it decodes again.
    fn decode(&self, record: &[u8]) -> Option<RecordData> {
        RecordData::from_wire(self.head.rtype, &self.rdata(record)).ok()
    }
}

/// The records of an RRset in the arena's form.
#[derive(Debug, Clone)]
pub(crate) struct Records<'z> {
    rest: &'z [u8],
    /// Octets per record, or 0 for records prefixed with their RDLENGTH.
    fixed: usize,
}

impl<'z> Iterator for Records<'z> {
    type Item = &'z [u8];

    fn next(&mut self) -> Option<&'z [u8]> {
        let (start, end) = if self.fixed > 0 {
            (0, self.fixed)
        } else {
            let &[hi, lo] = self.rest.get(..2)? else { return None };
            (2, 2 + usize::from(u16::from_be_bytes([hi, lo])))
        };
        let record = self.rest.get(start..end)?;
        self.rest = self.rest.get(end..)?;
        Some(record)
    }
}

/// One name of a zone, with its RRsets and links.
#[derive(Clone, Copy)]
pub(crate) struct NodeRef<'z> {
    zone: &'z Zone,
    id: u32,
    node: &'z Node,
}

impl fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node({} {})", self.id, self.name())
    }
}

impl<'z> NodeRef<'z> {
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// The owner as written in the zone file.
    pub(crate) fn name(&self) -> &'z Name {
        // Every node's name is in the table; the origin stands in to spare a panic.
        self.zone.names.get(self.node.name as usize).unwrap_or(&self.zone.origin)
    }

    /// The heads of this node's RRsets.
    fn heads(&self) -> &'z [Head] {
        let end = self
            .zone
            .nodes
            .get(self.id as usize + 1)
            .map_or(self.zone.sets.len(), |n| n.sets as usize);
        self.zone.sets.get(self.node.sets as usize..end).unwrap_or(&[])
    }

    /// The RRsets, in type order (RRSIGs per type covered).
    pub(crate) fn rrsets(&self) -> impl Iterator<Item = Rrset<'z>> + use<'z> {
        let zone = self.zone;
        let first = self.node.sets as usize;
        self.heads().iter().enumerate().map(move |(at, head)| zone.rrset_at(first + at, head))
    }

    /// The RRset of `rtype` (for RRSIG, the first of the per-type sets).
    pub(crate) fn rrset(&self, rtype: Rtype) -> Option<Rrset<'z>> {
        let at = self.heads().iter().position(|head| head.rtype == rtype)?;
        let at = self.node.sets as usize + at;
        self.zone.sets.get(at).map(|head| self.zone.rrset_at(at, head))
    }

    /// The RRSIGs covering `set`, one of this node's RRsets.
    pub(crate) fn sigs_of(&self, set: &Rrset<'_>) -> Option<Rrset<'z>> {
        if set.head.sigs == NO_SIGS {
            return None;
        }
        let at = self.node.sets as usize + usize::from(set.head.sigs);
        self.zone.sets.get(at).map(|head| self.zone.rrset_at(at, head))
    }

    /// Every RRSIG set of this node, one per type covered.
    pub(crate) fn all_sigs(&self) -> impl Iterator<Item = Rrset<'z>> + use<'z> {
        self.rrsets().filter(|set| set.rtype() == Rtype::RRSIG)
    }

    /// NS here and not at the apex: a delegation.
    pub(crate) fn cut(&self) -> bool {
        self.node.flags & CUT != 0
    }

    /// Owns a DNAME.
    pub(crate) fn dname(&self) -> bool {
        self.node.flags & DNAME != 0
    }

    /// The highest strict ancestor that is a zone cut or owns a DNAME.
    pub(crate) fn above(&self) -> Option<NodeRef<'z>> {
        self.zone.node(self.node.above)
    }

    /// The `*` child.
    pub(crate) fn wildcard(&self) -> Option<NodeRef<'z>> {
        self.zone.node(self.node.wildcard)
    }

    /// For a cut, the nodes of its NS names that hold addresses in this zone, in NS order.
    pub(crate) fn glue(&self) -> impl Iterator<Item = NodeRef<'z>> + use<'z> {
        let zone = self.zone;
        let end = zone.nodes.get(self.id as usize + 1).map_or(zone.glue.len(), |n| n.glue as usize);
        let ids = zone.glue.get(self.node.glue as usize..end).unwrap_or(&[]);
        ids.iter().filter_map(move |&id| zone.node(id))
    }
}

/// Where a lookup ended: at a node holding the name itself, or at its closest encloser, in the
/// layer of the zone that holds that part of it (see [`Zone::layered`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'z> {
    pub(crate) zone: &'z Zone,
    pub(crate) node: u32,
    pub(crate) exact: bool,
}

impl<'z> Found<'z> {
    pub(crate) fn node_ref(&self) -> Option<NodeRef<'z>> {
        self.zone.node(self.node)
    }
}

/// The older version a layered zone lays its changed delegations over.
#[derive(Debug)]
struct Under {
    base: Arc<Zone>,
    /// Lower-cased wire names one label below the apex whose whole subtree the top layer
    /// holds (a delegation changed, added or removed, with its glue), found by their hash,
    /// each with the serial of its last change (a fold of an earlier version already has
    /// the delegations that did not change since).
    shadowed: HashMap<Box<[u8]>, u32>,
    /// The base nodes the top holds, as sorted, disjoint ranges of node ids (the apex, and
    /// each shadowed delegation's subtree, which canonical order keeps together): a base
    /// node's fate found by a binary search, without its name, for denial proofs and walks.
    hidden: Vec<(u32, u32)>,
}

impl Under {
    /// The base under a top holding the `shadowed` delegations: `hidden`, the ranges of the
    /// base nodes that an earlier top over the same base held (empty for a new base), and the
    /// ranges of the `fresh` delegations, looked up now (a binary search for each that the
    /// base's index does not have), so that a change costs lookups for its own delegations.
    fn new(
        base: Arc<Zone>,
        shadowed: HashMap<Box<[u8]>, u32>,
        mut hidden: Vec<(u32, u32)>,
        fresh: &[Box<[u8]>],
    ) -> Under {
        if hidden.is_empty() {
            hidden.push((0, 1));
        }
        for key in fresh {
            let Some(first) = base.lookup(key).or_else(|| base.position(key)) else { continue };
            let Some(name) = base.node(first).map(|node| node.name()) else { continue };
            let end = (first + 1..)
                .find(|&id| base.node(id).is_none_or(|node| !node.name().is_subdomain_of(name)))
                .unwrap_or(first + 1);
            hidden.push((first, end));
        }
        hidden.sort_unstable();
        Under { base, shadowed, hidden }
    }

    /// Whether the top layer holds base node `id`.
    fn hides(&self, id: u32) -> bool {
        let at = self.hidden.partition_point(|&(_, end)| end <= id);
        self.hidden.get(at).is_some_and(|&(start, _)| start <= id)
    }
}

/// A compiled, immutable zone. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Zone {
    origin: Name,
    /// Every distinct name of the zone, spelt as written: owners, and the names in the RDATA
    /// of the types of [`named_len`].
    names: Vec<Name>,
    /// In canonical order: every name comes right before the names below it.
    nodes: Vec<Node>,
    sets: Vec<Head>,
    /// The records of every RRset, back to back.
    data: Vec<u8>,
    /// The glue of every cut, back to back.
    glue: Vec<u32>,
    /// Node ids, found by the hash of their lower-cased wire owner.
    index: HashTable<u32>,
    /// foldhash, much faster than the standard library's SipHash on short keys. Flooding a
    /// table needs control of the keys inserted, and those are zone data, not queries; the
    /// state is seeded at random anyway.
    hasher: DefaultHashBuilder,
    /// min(SOA TTL, SOA MINIMUM), the TTL of the SOA in negative answers (RFC 2308 §3, §5).
    negative_ttl: u32,
    signed: bool,
    /// What proves denial of existence in this zone.
    denial: Denial,
    /// For a zone published by differences: the version below, which answers for every
    /// delegation this one does not hold.
    under: Option<Arc<Under>>,
}

/// Why a zone could not be loaded: every error found, with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The zone.
    pub origin: Name,
    /// The errors (warnings are left out).
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "zone {} cannot be served:", self.origin)?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

impl Zone {
    /// Reads zone-file text (without `$INCLUDE`) and compiles it.
    pub fn from_text(origin: &Name, file_name: &str, text: &str) -> Result<Zone, LoadError> {
        let reader = ZoneReader::new(
            text.as_bytes(),
            file_name,
            Some(origin.clone()),
            ReaderOptions::default(),
            &NoIncludes,
        );
        let mut errors = Vec::new();
        let entries = reader.filter_map(|item| match item {
            Ok(entry) => Some(entry),
            Err(e) => {
                errors.push(Diagnostic {
                    severity: Severity::Error,
                    source: Some(e.location()),
                    message: e.message,
                });
                None
            }
        });
        let loaded = Zone::load(origin, entries);
        match loaded {
            Err(mut e) => {
                errors.append(&mut e.diagnostics);
                Err(LoadError { origin: origin.clone(), diagnostics: errors })
            }
            Ok(_) if !errors.is_empty() => {
                Err(LoadError { origin: origin.clone(), diagnostics: errors })
            }
            ok => ok,
        }
    }

    /// Compiles the records read by a zone reader, once the zone checks pass.
    pub fn load(
        origin: &Name,
        entries: impl IntoIterator<Item = Entry>,
    ) -> Result<Zone, LoadError> {
        Zone::load_with(origin, entries, &CheckOptions::default())
    }

    /// [`Zone::load`] with the zone checks set by `options`.
    pub fn load_with(
        origin: &Name,
        entries: impl IntoIterator<Item = Entry>,
        options: &CheckOptions,
    ) -> Result<Zone, LoadError> {
        let mut builder = ZoneBuilder::new(origin);
        let mut errors = Vec::new();
        for entry in entries {
            if let Err(e) = builder.push_entry(&entry) {
                errors.push(Diagnostic {
                    severity: Severity::Error,
                    source: Some(entry.source.clone()),
                    message: e.to_string(),
                });
            }
        }
        let store = builder.finish();
        let mut result = Zone::from_store(&store, options);
        if let Err(e) = &mut result {
            errors.append(&mut e.diagnostics);
            e.diagnostics = errors;
        } else if !errors.is_empty() {
            return Err(LoadError { origin: origin.clone(), diagnostics: errors });
        }
        result
    }

    /// [`Zone::load_with`] for records built in memory rather than read from a file: a
    /// diagnostic names `file` and the record's position, counted from 1.
    pub fn from_records(
        origin: &Name,
        records: impl IntoIterator<Item = Record>,
        file: &str,
        options: &CheckOptions,
    ) -> Result<Zone, LoadError> {
        let file: Arc<str> = Arc::from(file);
        let entries = records.into_iter().zip(1..).map(|(record, line)| Entry {
            record,
            source: nameward_dns::zone::Source { file: Arc::clone(&file), line },
        });
        Zone::load_with(origin, entries, options)
    }

    /// Compiles a store, refusing a zone with any error-level finding of the zone checks.
    pub fn from_store(store: &ZoneStore, options: &CheckOptions) -> Result<Zone, LoadError> {
        let origin = store.origin().clone();
        let diagnostics: Vec<Diagnostic> = check_zone(&origin, store, options)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !diagnostics.is_empty() {
            return Err(LoadError { origin, diagnostics });
        }
        Compiler::new(origin).compile(store)
    }

    /// The NSEC record of the greatest NSEC owner strictly before `name` in canonical order
    /// (RFC 4034 §6.1), or of the last NSEC owner when none comes before it (the chain wraps
    /// around): the record whose next-owner field changes when `name` enters or leaves the
    /// chain. `None` for a zone without an NSEC chain (unsigned, or signed with NSEC3) or a
    /// name outside the zone.
    ///
    /// A layered zone answers across its layers, as it answers queries.
    pub fn nsec_before(&self, name: &Name) -> Option<Record> {
        let at = Chain { zone: self }.nsec_before(name)?;
        let node = self.layer(at.base)?.node(at.node)?;
        node_records(node).find(|r| r.rtype() == Rtype::NSEC)
    }

    /// The NSEC3 record of the chain of the apex NSEC3PARAM whose owner hash (the raw hash,
    /// decoded from the base32hex first label) is the greatest strictly below `hash`, or the
    /// one with the greatest hash when none is below it (the chain wraps around). `None` for
    /// a zone without such a chain.
    pub fn nsec3_before(&self, hash: &[u8]) -> Option<Record> {
        let at = Chain { zone: self }.nsec3_before(hash)?;
        let node = self.layer(at.base)?.node(at.node)?;
        node_records(node).find(
            |r| matches!(&r.data, RecordData::Nsec3(nsec3) if self.denial.in_nsec3_chain(nsec3)),
        )
    }

    /// The zone's apex name.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The apex SOA record.
    pub fn soa(&self) -> Option<Record> {
        let apex = self.apex()?;
        let set = apex.rrset(Rtype::SOA)?;
        let data = set.get(0)?;
        Some(Record { owner: apex.name().clone(), class: set.class(), ttl: set.ttl(), data })
    }

    /// The SOA expire timer (RFC 1035 §3.3.13), which a primary gives as the EXPIRE option
    /// (RFC 7314 §3).
    pub fn expire(&self) -> Option<u32> {
        let set = self.apex()?.rrset(Rtype::SOA)?;
        let &[a, b, c, d] = set.records().next()?.get(20..24)? else { return None };
        Some(u32::from_be_bytes([a, b, c, d]))
    }

    /// The SOA serial.
    pub fn serial(&self) -> Option<u32> {
        let set = self.apex()?.rrset(Rtype::SOA)?;
        let &[a, b, c, d] = set.records().next()?.get(8..12)? else { return None };
        Some(u32::from_be_bytes([a, b, c, d]))
    }

    /// Every record, in canonical order (RFC 4034 §6.1 names, types in numeric order, RDATA as
    /// loaded), the apex SOA included: the order of a zone transfer. Each record carries its
    /// RRset's TTL.
    ///
    /// A layered zone gives its top layer's records, then the base's for the delegations the
    /// top does not hold: canonical order within each.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.all_nodes().flat_map(node_records)
    }

    /// Every node of the zone, a layered zone's top layer first (see [`Zone::records`]).
    fn all_nodes(&self) -> impl Iterator<Item = NodeRef<'_>> {
        (0..).map_while(|i| self.walk_node(i)).flatten()
    }

    /// Number of records, the apex SOA included.
    pub fn record_count(&self) -> usize {
        self.all_nodes().flat_map(|node| node.rrsets()).map(|set| set.len()).sum()
    }

    /// The records owned by `name` and by every name below it, in canonical order: the part of
    /// the zone that a change at `name` can touch. Empty when the zone has no such name.
    pub fn subtree(&self, name: &Name) -> Vec<Record> {
        let Some(first) = self.owner_node(name) else { return Vec::new() };
        // Canonical order puts every name right before the names below it.
        (first.id..)
            .map_while(|id| first.zone.node(id))
            .take_while(|node| node.name().is_subdomain_of(name))
            .flat_map(node_records)
            .collect()
    }

    /// The records owned by `name` alone, in canonical order, an NSEC3 owner's too, each with
    /// its RRset's TTL; none when the zone has no such name. The cost follows the records
    /// there, not the zone.
    pub fn records_at(&self, name: &Name) -> Vec<Record> {
        self.owner_node(name).map(|node| node_records(node).collect()).unwrap_or_default()
    }

    /// The node owned by `name`, in the layer holding it, NSEC3 owners included.
    fn owner_node(&self, name: &Name) -> Option<NodeRef<'_>> {
        let mut buf = [0u8; MAX_NAME];
        let key = crate::lower::lower(name, &mut buf);
        let zone = self.layer_for(key);
        // An NSEC3 owner is out of the lookup index (RFC 5155 §7.2.8), not out of the zone.
        zone.node(zone.lookup(key).or_else(|| zone.position(key))?)
    }

    /// Number of names, empty non-terminals included.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn node(&self, id: u32) -> Option<NodeRef<'_>> {
        let node = self.nodes.get(id as usize)?;
        Some(NodeRef { zone: self, id, node })
    }

    /// Every node, in canonical order.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = NodeRef<'_>> {
        (0..self.nodes.len()).filter_map(|id| self.node(u32::try_from(id).ok()?))
    }

    pub(crate) fn apex(&self) -> Option<NodeRef<'_>> {
        self.node(0)
    }

    fn rrset_at<'z>(&'z self, at: usize, head: &'z Head) -> Rrset<'z> {
        let end = self.sets.get(at + 1).map_or(self.data.len(), |next| next.start as usize);
        let data = self.data.get(head.start as usize..end).unwrap_or(&[]);
        Rrset { zone: self, head, data }
    }

    pub(crate) fn negative_ttl(&self) -> u32 {
        self.negative_ttl
    }

    pub(crate) fn signed(&self) -> bool {
        self.signed
    }

    pub(crate) fn denial(&self) -> &Denial {
        &self.denial
    }

    /// The node of `key` (a lower-cased wire name inside the zone), or its closest encloser,
    /// in the layer that holds that part of the zone.
    ///
    /// The apex is always the top layer's: a name the base does not hold below the apex
    /// has the top's apex (with its wildcard) as its closest encloser, not the base's old one.
    pub(crate) fn find(&self, key: &[u8]) -> Option<Found<'_>> {
        let zone = self.layer_for(key);
        let mut exact = true;
        for suffix in suffixes(key) {
            if let Some(node) = zone.lookup(suffix) {
                let zone = if node == 0 { self } else { zone };
                return Some(Found { zone, node, exact });
            }
            exact = false;
        }
        None
    }

    /// The base of a layered zone.
    pub(crate) fn base(&self) -> Option<&Zone> {
        self.under.as_ref().map(|under| &*under.base)
    }

    /// This zone (its top layer) or its base.
    pub(crate) fn layer(&self, base: bool) -> Option<&Zone> {
        if base { self.base() } else { Some(self) }
    }

    /// `node`, of this zone or of its base, as the layer holding it and its position there.
    pub(crate) fn layer_node(&self, node: &NodeRef<'_>) -> LayerNode {
        LayerNode { base: !std::ptr::eq(node.zone, self), node: node.id }
    }

    /// True for a zone published by differences: a small top layer (this zone's own nodes:
    /// the apex and the delegations changed since the base was built) over an older base
    /// that answers for every other delegation. The denial of existence of a signed zone
    /// spans both layers: its NSEC or NSEC3 chain is the top's and the base's, less what the
    /// top shadows.
    pub fn layered(&self) -> bool {
        self.under.is_some()
    }

    /// This zone compiled whole, in one layer: what a layered zone folds into once its top
    /// layer has grown (a compilation of the whole zone, so it runs off the publishing path).
    pub fn folded(&self, options: &CheckOptions) -> Result<Zone, LoadError> {
        Zone::from_records(&self.origin, self.records(), "folded layers", options)
    }

    /// This layered zone over `folded`, a fold of its version `serial` (or of an older one):
    /// the top layer keeps only the delegations changed after `serial`, which the fold does
    /// not have. The same records, the same answers; a smaller top. `None` when this zone is
    /// not layered.
    pub fn rebased(&self, folded: Arc<Zone>, serial: u32) -> Option<Result<Zone, LoadError>> {
        let under = self.under.as_ref()?;
        let mut shadowed: HashMap<Box<[u8]>, u32> = under
            .shadowed
            .iter()
            .filter(|(_, changed)| crate::transfer::serial_gt(**changed, serial))
            .map(|(key, changed)| (key.clone(), *changed))
            .collect();
        self.shadow_apex_wildcard(&mut shadowed, serial);
        let fresh = shadowed.keys().cloned().collect();
        let records = self.top_records(&shadowed);
        let mut layer = Layer { records, base: folded, shadowed, hidden: Vec::new(), fresh };
        let records = std::mem::take(&mut layer.records);
        Some(layer.compile(&self.origin, records, &CheckOptions::default()))
    }

    /// The `i`th node of the walk [`Zone::records`] makes (a layered zone's top layer, then
    /// its base): `Some(None)` for a base node the top layer holds, to be skipped; `None`
    /// past the end. For cursors that cannot borrow the zone.
    pub(crate) fn walk_node(&self, i: u32) -> Option<Option<NodeRef<'_>>> {
        let top = u32::try_from(self.nodes.len()).ok()?;
        if i < top {
            return Some(self.node(i));
        }
        let base = &self.under.as_ref()?.base;
        let node = base.node(i - top)?;
        Some(self.base_holds(node.id).then_some(node))
    }

    /// Nodes in the base layer (none for a zone that is not layered).
    pub fn base_node_count(&self) -> usize {
        self.under.as_ref().map_or(0, |under| under.base.nodes.len())
    }

    /// Whether both zones are layered over the very same base.
    pub(crate) fn same_base(&self, other: &Zone) -> bool {
        match (&self.under, &other.under) {
            (Some(a), Some(b)) => Arc::ptr_eq(&a.base, &b.base),
            _ => false,
        }
    }

    /// Nodes in the top layer (all of them for a zone that is not layered).
    pub fn top_node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The layer that holds `key` (lower-cased wire): the base when the zone is layered and the
    /// delegation `key` lies at or below is not shadowed by the top; this zone otherwise.
    fn layer_for(&self, key: &[u8]) -> &Zone {
        match &self.under {
            Some(under) if !self.shadows(under, key) => &under.base,
            _ => self,
        }
    }

    /// Whether the top layer holds `key`: the apex, or a name at or below a shadowed delegation.
    fn shadows(&self, under: &Under, key: &[u8]) -> bool {
        match delegation_key(key, self.origin.wire_len()) {
            Some(delegation) => under.shadowed.contains_key(delegation),
            None => true,
        }
    }

    /// Whether this zone's base, not its top layer, holds node `id` of the base.
    pub(crate) fn base_holds(&self, id: u32) -> bool {
        self.under.as_ref().is_some_and(|under| !under.hides(id))
    }

    /// The top layer that a change to `owners` at `serial` starts from when laid over this
    /// version: the apex and the whole subtree of every delegation the change touches or an
    /// earlier layer already holds, as this version has them. The caller applies the change
    /// to [`Layer::records`] and compiles it with [`Layer::compile`]; every other delegation
    /// is answered from the base, shared, not copied, so the cost follows the size of the top
    /// layer, not of the zone. A signed zone is layered alike: the NSEC3 owners (`<hash>.`
    /// the apex) are one label below the apex too, so a change's chain neighbours are shadowed
    /// as delegations are, and the denial chain is searched across both layers.
    pub(crate) fn plan_layer<'r>(
        self: &Arc<Zone>,
        owners: impl IntoIterator<Item = &'r Name>,
        serial: u32,
    ) -> Option<Layer> {
        let (base, mut shadowed, hidden) = match &self.under {
            Some(under) => (Arc::clone(&under.base), under.shadowed.clone(), under.hidden.clone()),
            None => (Arc::clone(self), HashMap::default(), Vec::new()),
        };
        let apex_len = self.origin.wire_len();
        let mut buf = [0u8; MAX_NAME];
        let mut fresh = Vec::new();
        for owner in owners {
            let key = crate::lower::lower(owner, &mut buf);
            if let Some(delegation) = delegation_key(key, apex_len)
                && shadowed.insert(delegation.into(), serial).is_none()
            {
                fresh.push(delegation.into());
            }
        }
        fresh.extend(self.shadow_apex_wildcard(&mut shadowed, serial));
        let records = self.top_records(&shadowed);
        Some(Layer { records, base, shadowed, hidden, fresh })
    }

    /// Makes the top layer hold the apex wildcard (`*.` and the apex), as it holds the apex:
    /// a name below the apex that neither layer has is answered from the top's apex and its
    /// wildcard child, which must be the one served.
    /// Returns its key when it was not shadowed yet.
    fn shadow_apex_wildcard(
        &self,
        shadowed: &mut HashMap<Box<[u8]>, u32>,
        serial: u32,
    ) -> Option<Box<[u8]>> {
        let mut buf = [0u8; MAX_NAME];
        let wildcard = self.origin.prepend(b"*").ok()?;
        let key: Box<[u8]> = crate::lower::lower(&wildcard, &mut buf).into();
        if shadowed.contains_key(&key) {
            return None;
        }
        shadowed.insert(key.clone(), serial);
        Some(key)
    }

    /// The apex's records and the subtrees of the `shadowed` delegations, as this version has
    /// them: what a top layer holding those delegations starts from.
    fn top_records(&self, shadowed: &HashMap<Box<[u8]>, u32>) -> Vec<Record> {
        let mut records: Vec<Record> =
            self.apex().map(node_records).into_iter().flatten().collect();
        for delegation in shadowed.keys() {
            let Ok(name) = Name::from_wire(delegation) else { continue };
            records.extend(self.subtree(&name));
        }
        records
    }

    /// The node whose owner is `key` (lower-cased wire), found by a binary search of the
    /// nodes (in canonical order) rather than by the index: for the names the index leaves out.
    fn position(&self, key: &[u8]) -> Option<u32> {
        let key = crate::lower::LabelStarts::new(key);
        let at = self.nodes.partition_point(|node| {
            let name = self.names.get(node.name as usize).map_or(&[0][..], Name::as_wire);
            key.canonical_cmp(name).is_gt()
        });
        let id = u32::try_from(at).ok()?;
        let name = self.node(id)?.name().as_wire();
        key.canonical_cmp(name).is_eq().then_some(id)
    }

    /// The node whose owner is `key` (lower-cased wire).
    fn lookup(&self, key: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        self.index.find(hash, |&id| owner_is(&self.names, &self.nodes, id, key)).copied()
    }
}

/// What the incremental signer reads of the served zone: a change to a signed zone, layered or
/// not, is signed from the records at its owners and their chain neighbours.
impl SignedZone for Zone {
    fn records_at(&self, owner: &Name) -> Vec<Record> {
        Zone::records_at(self, owner)
    }

    fn nsec_before(&self, name: &Name) -> Option<Record> {
        Zone::nsec_before(self, name)
    }

    fn nsec3_before(&self, hash: &[u8]) -> Option<Record> {
        Zone::nsec3_before(self, hash)
    }
}

/// True when node `id` is owned by `key` (lower-cased wire).
fn owner_is(names: &[Name], nodes: &[Node], id: u32, key: &[u8]) -> bool {
    let name = nodes.get(id as usize).and_then(|n| names.get(n.name as usize));
    // Length octets are below 64, so ASCII case folding leaves them alone.
    name.is_some_and(|name| name.as_wire().eq_ignore_ascii_case(key))
}

/// Builds a [`Zone`] from a store's records, which come in canonical order: a name's records
/// together, types in order, the RRSIGs of one type covered together (their RDATA starts with
/// it), and every name after its ancestors.
struct Compiler {
    zone: Zone,
    /// Exact wire form → position in the name table, to store each name once.
    interned: HashTable<u32>,
}

impl Compiler {
    fn new(origin: Name) -> Compiler {
        let zone = Zone {
            origin,
            names: Vec::new(),
            nodes: Vec::new(),
            sets: Vec::new(),
            data: Vec::new(),
            glue: Vec::new(),
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            negative_ttl: 0,
            signed: false,
            denial: Denial::None,
            under: None,
        };
        Compiler { zone, interned: HashTable::new() }
    }

    fn fail(&self, message: String) -> LoadError {
        LoadError {
            origin: self.zone.origin.clone(),
            diagnostics: vec![Diagnostic { severity: Severity::Error, source: None, message }],
        }
    }

    fn compile(mut self, store: &ZoneStore) -> Result<Zone, LoadError> {
        let origin = self.zone.origin.clone();
        self.push_node(&origin)?;
        let mut previous: Option<RecordRef<'_>> = None;
        for record in store.iter() {
            if previous.is_none_or(|p| !p.same_owner(&record)) {
                let owner = record.owner();
                if !owner.is_subdomain_of(&origin) {
                    return Err(self.fail(format!("{owner} is outside the zone")));
                }
                self.owner_node(&owner)?;
            }
            self.push_record(&record).map_err(|message| {
                let source = Some(record.source());
                let diagnostics = vec![Diagnostic { severity: Severity::Error, source, message }];
                LoadError { origin: origin.clone(), diagnostics }
            })?;
            previous = Some(record);
        }
        self.link()?;
        self.hide_nsec3_owners();
        let mut zone = self.zone;
        let apex = zone.apex().ok_or_else(|| load_error(&origin, "no apex"))?;
        let soa = apex.rrset(Rtype::SOA).and_then(|set| {
            let &[a, b, c, d] = set.records().next()?.get(24..28)? else { return None };
            Some(set.ttl().min(u32::from_be_bytes([a, b, c, d])))
        });
        let negative_ttl = soa.ok_or_else(|| load_error(&origin, "no SOA at the apex"))?;
        let signed = apex.rrset(Rtype::DNSKEY).is_some();
        zone.negative_ttl = negative_ttl;
        zone.signed = signed;
        if zone.signed {
            zone.denial = Denial::new(&zone);
            if let Some(derived) = Denial::complete(&zone) {
                zone.denial.set(derived);
            }
        }
        zone.names.shrink_to_fit();
        zone.nodes.shrink_to_fit();
        zone.sets.shrink_to_fit();
        zone.data.shrink_to_fit();
        zone.glue.shrink_to_fit();
        let Zone { names, nodes, hasher, index, .. } = &mut zone;
        index.shrink_to_fit(|&id| owner_hash(hasher, names, nodes, id));
        Ok(zone)
    }

    /// The node of a new owner, made with those of its ancestors not in the zone yet (empty
    /// non-terminals), which canonical order puts right before it.
    fn owner_node(&mut self, owner: &Name) -> Result<u32, LoadError> {
        let mut buf = [0u8; MAX_NAME];
        let key = lower_wire(owner.as_wire(), &mut buf);
        if let Some(id) = self.zone.lookup(key) {
            // The apex, whose node is made first; any other name seen twice would mean the
            // store was not in canonical order.
            return match id {
                0 if self.zone.nodes.len() == 1 => Ok(0),
                _ => Err(self.fail(format!("{owner}: records not in canonical order"))),
            };
        }
        let wire = owner.as_wire();
        let mut missing = Vec::new();
        for suffix in suffixes(key).skip(1) {
            if self.zone.lookup(suffix).is_some() {
                break;
            }
            missing.push(key.len() - suffix.len());
        }
        for &at in missing.iter().rev() {
            let ancestor = wire.get(at..).unwrap_or(&[0]);
            let ancestor = Name::from_wire(ancestor).map_err(|e| self.fail(e.to_string()))?;
            self.push_node(&ancestor)?;
        }
        self.push_node(owner)
    }

    fn push_node(&mut self, owner: &Name) -> Result<u32, LoadError> {
        let id = u32::try_from(self.zone.nodes.len())
            .ok()
            .filter(|&id| id != NONE)
            .ok_or_else(|| self.fail("too many names".into()))?;
        let name =
            self.intern(owner.as_wire()).ok_or_else(|| self.fail("too many names".into()))?;
        let sets = self.offset(self.zone.sets.len())?;
        self.zone.nodes.push(Node { name, sets, glue: 0, above: NONE, wildcard: NONE, flags: 0 });
        let Zone { names, nodes, hasher, index, .. } = &mut self.zone;
        let hash = owner_hash(hasher, names, nodes, id);
        index.insert_unique(hash, id, |&id| owner_hash(hasher, names, nodes, id));
        Ok(id)
    }

    fn offset(&self, at: usize) -> Result<u32, LoadError> {
        u32::try_from(at).map_err(|_| self.fail("zone too large (over 4 GiB of records)".into()))
    }

    /// The position of `wire` (a valid wire name) in the name table, added if new.
    fn intern(&mut self, wire: &[u8]) -> Option<u32> {
        let Zone { names, hasher, .. } = &mut self.zone;
        let hash = hasher.hash_one(wire);
        let same = |&id: &u32| names.get(id as usize).is_some_and(|n| n.as_wire() == wire);
        if let Some(&id) = self.interned.find(hash, same) {
            return Some(id);
        }
        let id = u32::try_from(names.len()).ok()?;
        names.push(Name::from_wire(wire).ok()?);
        let rehash = |&id: &u32| names.get(id as usize).map_or(0, |n| hasher.hash_one(n.as_wire()));
        self.interned.insert_unique(hash, id, rehash);
        Some(id)
    }

    /// Adds one record to the last node, in a new RRset unless it continues the last one.
    fn push_record(&mut self, record: &RecordRef<'_>) -> Result<(), String> {
        let rtype = record.rtype();
        let rdata = record.rdata();
        let first_set = self.zone.nodes.last().map_or(0, |n| n.sets as usize);
        let last = self.zone.sets.get(first_set..).and_then(|sets| sets.last());
        let continues = last.is_some_and(|head| {
            head.rtype == rtype
                && (rtype != Rtype::RRSIG
                    || self.zone.data.get(head.start as usize + 2..head.start as usize + 4)
                        == rdata.get(..2))
        });
        if !continues {
            let start = u32::try_from(self.zone.data.len())
                .map_err(|_| "zone too large (over 4 GiB of records)".to_string())?;
            let head =
                Head { rtype, class: record.class(), ttl: record.ttl(), start, sigs: NO_SIGS };
            self.zone.sets.push(head);
        }
        if named_len(rtype).is_none() {
            let len = u16::try_from(rdata.len()).map_err(|_| "RDATA over 65535 octets")?;
            self.zone.data.extend_from_slice(&len.to_be_bytes());
            self.zone.data.extend_from_slice(rdata);
            return Ok(());
        }
        let bad = || format!("{rtype} RDATA does not decode");
        // (octets before the names, the names, octets after them)
        let (before, first, second, after) = match rtype {
            Rtype::MX => (rdata.get(..2).ok_or_else(bad)?, rdata.get(2..), None, &[][..]),
            Rtype::SOA => {
                let mname = name_len(rdata).ok_or_else(bad)?;
                let (mname, rest) = rdata.split_at_checked(mname).ok_or_else(bad)?;
                let rname = name_len(rest).ok_or_else(bad)?;
                let (rname, times) = rest.split_at_checked(rname).ok_or_else(bad)?;
                (&[][..], Some(mname), Some(rname), times)
            }
            _ => (&[][..], Some(rdata), None, &[][..]),
        };
        let fixed_len = before.len() + 4 * usize::from(second.is_some()) + 4 + after.len();
        if named_len(rtype) != Some(fixed_len) {
            return Err(bad());
        }
        self.zone.data.extend_from_slice(before);
        for wire in [first, second].into_iter().flatten() {
            if name_len(wire) != Some(wire.len()) {
                return Err(bad());
            }
            let id = self.intern(wire).ok_or_else(|| "too many names".to_string())?;
            self.zone.data.extend_from_slice(&id.to_be_bytes());
        }
        self.zone.data.extend_from_slice(after);
        Ok(())
    }

    /// Works out each node's flags, RRSIG links, enclosing cut or DNAME, wildcard child and
    /// glue. Canonical order puts every parent before its children, so a parent's links are
    /// known when its children come.
    fn link(&mut self) -> Result<(), LoadError> {
        let mut buf = [0u8; MAX_NAME];
        for id in 0..self.zone.nodes.len() {
            let Some(node) = self.zone.node(u32::try_from(id).unwrap_or(NONE)) else { continue };
            let has = |t: Rtype| node.heads().iter().any(|h| h.rtype == t);
            let mut flags = if has(Rtype::DNAME) { DNAME } else { 0 };
            if id != 0 && has(Rtype::NS) {
                flags |= CUT;
            }
            let sigs = sig_links(&node);
            let glue =
                if flags & CUT != 0 { glue_of(&self.zone, &node, &mut buf) } else { Vec::new() };
            let key = lower_wire(node.name().as_wire(), &mut buf);
            let wildcard = key.get(..2) == Some(&[1, b'*']);
            let parent = if id == 0 { None } else { suffixes(key).nth(1) };
            let parent = parent.and_then(|p| self.zone.lookup(p));
            let above = parent.and_then(|p| self.zone.nodes.get(p as usize)).map_or(NONE, |p| {
                match p.above {
                    NONE if p.flags & (CUT | DNAME) != 0 => parent.unwrap_or(NONE),
                    above => above,
                }
            });
            let first_glue = self.offset(self.zone.glue.len())?;
            let first_set = node.node.sets as usize;
            for (at, sigs) in sigs.into_iter().enumerate() {
                if let Some(head) = self.zone.sets.get_mut(first_set + at) {
                    head.sigs = sigs;
                }
            }
            self.zone.glue.extend(glue);
            if let Some(node) = self.zone.nodes.get_mut(id) {
                node.flags = flags;
                node.above = above;
                node.glue = first_glue;
            }
            if wildcard && let Some(p) = parent.and_then(|p| self.zone.nodes.get_mut(p as usize)) {
                p.wildcard = u32::try_from(id).unwrap_or(NONE);
            }
        }
        Ok(())
    }

    /// RFC 5155 §7.2.8: a name owning nothing but NSEC3 (and its RRSIGs), with nothing below
    /// it, is answered as if it did not exist. Its node stays, for proofs and transfers, out
    /// of the lookup index.
    fn hide_nsec3_owners(&mut self) {
        let mut hidden = Vec::new();
        for node in self.zone.nodes() {
            let only_nsec3 = node.rrset(Rtype::NSEC3).is_some()
                && node.heads().iter().all(|h| matches!(h.rtype, Rtype::NSEC3 | Rtype::RRSIG));
            // Canonical order puts descendants right after their ancestor.
            let next = self.zone.node(node.id + 1);
            let has_descendant = next.is_some_and(|n| n.name().is_subdomain_of(node.name()));
            if only_nsec3 && !has_descendant {
                hidden.push(node.id);
            }
        }
        let mut buf = [0u8; MAX_NAME];
        for id in hidden {
            let Zone { names, nodes, hasher, index, .. } = &mut self.zone;
            let Some(name) = nodes.get(id as usize).and_then(|n| names.get(n.name as usize)) else {
                continue;
            };
            let key = lower_wire(name.as_wire(), &mut buf);
            let hash = hasher.hash_one(key);
            if let Ok(entry) = index.find_entry(hash, |&other| other == id) {
                entry.remove();
            }
        }
    }
}

/// The name one label below the apex (of wire length `apex_len`) that `key` (lower-cased wire)
/// lies at or below: the delegation that holds it in a TLD zone. `None` for the apex itself.
pub(crate) fn delegation_key(key: &[u8], apex_len: usize) -> Option<&[u8]> {
    let mut below = None;
    for suffix in suffixes(key) {
        if suffix.len() <= apex_len {
            return below;
        }
        below = Some(suffix);
    }
    None
}

/// A top layer being made (see [`Zone::plan_layer`]).
#[derive(Debug)]
pub(crate) struct Layer {
    /// What the top layer starts from: the apex and the subtrees it holds.
    pub(crate) records: Vec<Record>,
    base: Arc<Zone>,
    shadowed: HashMap<Box<[u8]>, u32>,
    /// The base nodes an earlier top over the same base held (see [`Under::new`]).
    hidden: Vec<(u32, u32)>,
    /// The delegations shadowed since.
    fresh: Vec<Box<[u8]>>,
}

impl Layer {
    /// Compiles `records` (the layer's, changed) as the top layer over its base.
    pub(crate) fn compile(
        self,
        origin: &Name,
        records: Vec<Record>,
        options: &CheckOptions,
    ) -> Result<Zone, LoadError> {
        // The top alone names servers whose addresses the base holds: glue is checked across
        // the whole zone when it is folded, not per layer.
        let top_options = CheckOptions {
            missing_glue: Severity::Warning,
            record_checks: Vec::new(),
            max_diagnostics: options.max_diagnostics,
        };
        let mut top = Zone::from_records(origin, records, "published difference", &top_options)?;
        let chains_meet = top.denial.layers_over(&self.base.denial);
        top.under = Some(Arc::new(Under::new(self.base, self.shadowed, self.hidden, &self.fresh)));
        if !chains_meet {
            // The zone was signed, unsigned or given new NSEC3 parameters: the chain of the
            // top and that of the base are not one chain, so the zone is compiled whole.
            return top.folded(options);
        }
        let across = match top.denial {
            Denial::Nsec(_) => Denial::apex_wildcard(&top),
            Denial::Nsec3(_) => Denial::across(&top),
            Denial::None => None,
        };
        if let Some(across) = across {
            top.denial.set(across);
        }
        Ok(top)
    }
}

/// The records of one node, each with its RRset's TTL.
fn node_records<'z>(node: NodeRef<'z>) -> impl Iterator<Item = Record> + 'z {
    node.rrsets().flat_map(move |set| {
        set.records().filter_map(move |record| {
            Some(Record {
                owner: node.name().clone(),
                class: set.class(),
                ttl: set.ttl(),
                data: set.decode(record)?,
            })
        })
    })
}

fn load_error(origin: &Name, message: &str) -> LoadError {
    LoadError {
        origin: origin.clone(),
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            source: None,
            message: message.into(),
        }],
    }
}

/// The index hash of node `id`: that of its lower-cased wire owner.
fn owner_hash(hasher: &DefaultHashBuilder, names: &[Name], nodes: &[Node], id: u32) -> u64 {
    let mut buf = [0u8; MAX_NAME];
    let name = nodes.get(id as usize).and_then(|n| names.get(n.name as usize));
    hasher.hash_one(lower_wire(name.map_or(&[0][..], Name::as_wire), &mut buf))
}

/// For each RRset of `node`, the position of the RRSIG set covering its type.
fn sig_links(node: &NodeRef<'_>) -> Vec<u16> {
    let covering: Vec<(u16, u16)> = node
        .rrsets()
        .enumerate()
        .filter(|(_, set)| set.rtype() == Rtype::RRSIG)
        .filter_map(|(at, set)| {
            let &[hi, lo] = set.records().next()?.get(..2)? else { return None };
            Some((u16::from_be_bytes([hi, lo]), u16::try_from(at).ok()?))
        })
        .collect();
    node.rrsets()
        .map(|set| match set.rtype() {
            Rtype::RRSIG => NO_SIGS,
            rtype => covering.iter().find(|(t, _)| *t == rtype.0).map_or(NO_SIGS, |&(_, at)| at),
        })
        .collect()
}

/// The NS names of `cut` that own addresses in this zone.
fn glue_of(zone: &Zone, cut: &NodeRef<'_>, buf: &mut [u8; MAX_NAME]) -> Vec<u32> {
    let mut glue = Vec::new();
    let Some(ns) = cut.rrset(Rtype::NS) else { return glue };
    for record in ns.records() {
        let Some(name) = ns.name_at(record, 0) else { continue };
        let Some(id) = zone.lookup(lower_wire(name.as_wire(), buf)) else { continue };
        let has_address = zone
            .node(id)
            .is_some_and(|n| n.rrset(Rtype::A).is_some() || n.rrset(Rtype::AAAA).is_some());
        if has_address && !glue.contains(&id) {
            glue.push(id);
        }
    }
    glue
}
