//! A zone compiled for answering: one node per name (empty non-terminals included), each knowing
//! its RRsets, the highest zone cut or DNAME above it, its wildcard child and its glue.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use nameward_dns::check::{CheckOptions, Diagnostic, Severity, check_zone};
use nameward_dns::rdata::RecordData;
use nameward_dns::store::{ZoneBuilder, ZoneStore};
use nameward_dns::zone::{Entry, NoIncludes, ReaderOptions, ZoneReader};
use nameward_dns::{Class, Name, Record, Rtype};

use crate::denial::Denial;
use crate::lower::{MAX_NAME, lower, suffixes};

/// The records of one owner and type.
#[derive(Debug, Clone)]
pub(crate) struct Rrset {
    pub(crate) rtype: Rtype,
    pub(crate) class: Class,
    /// One TTL for the set: the first record's (RFC 2181 §5.2 makes differing TTLs an error,
    /// which the zone checks report).
    pub(crate) ttl: u32,
    /// The records decoded: kept only where answers read their fields or encode them with
    /// compression (NS, CNAME, SOA, PTR, MX, DNAME, HIP) and at the apex; empty where `wire`
    /// holds the set, which `decoded` turns back into records for the rarer readers (transfers,
    /// zone loading). Holding both forms for every set doubled the memory of a served zone.
    data: Vec<RecordData>,
    /// For types whose RDATA holds no compressible name (all but NS, CNAME, SOA, PTR and MX,
    /// RFC 3597 §4): the records back to back, each from TYPE to the end of RDATA, ready to
    /// copy after the owner (one allocation per set, not per record). Empty for the others,
    /// which are encoded with compression.
    pub(crate) wire: Box<[u8]>,
    /// For all but RRSIG: the position in the node's `rrsets` of the RRSIGs covering this
    /// set. RRSIGs are kept as one set per type covered, each with its own TTL (RFC 4034 §3,
    /// RFC 4035 §2.2), so that they go out with the RRset they sign.
    pub(crate) sigs: Option<u16>,
}

impl Rrset {
    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.data.len().max(self.wire_records().count())
    }

    /// Fills `wire` when the type allows it.
    fn pre_encode(&mut self) {
        let compressible =
            matches!(self.rtype, Rtype::NS | Rtype::CNAME | Rtype::SOA | Rtype::PTR | Rtype::MX);
        if compressible {
            return;
        }
        let mut wire = Vec::new();
        for data in &self.data {
            let rdata = data.to_wire();
            let Ok(rdlength) = u16::try_from(rdata.len()) else { return };
            wire.extend_from_slice(&self.rtype.0.to_be_bytes());
            wire.extend_from_slice(&self.class.0.to_be_bytes());
            wire.extend_from_slice(&self.ttl.to_be_bytes());
            wire.extend_from_slice(&rdlength.to_be_bytes());
            wire.extend_from_slice(&rdata);
        }
        self.wire = wire.into_boxed_slice();
    }

    /// The pre-encoded records, one slice each (TYPE, CLASS, TTL, RDLENGTH, RDATA).
    pub(crate) fn wire_records(&self) -> impl Iterator<Item = &[u8]> + Clone {
        let mut rest: &[u8] = &self.wire;
        std::iter::from_fn(move || {
            let &[hi, lo] = rest.get(8..10)? else { return None };
            let end = 10 + usize::from(u16::from_be_bytes([hi, lo]));
            let record = rest.get(..end)?;
            rest = rest.get(end..)?;
            Some(record)
        })
    }

    /// Drops the decoded records of a pre-encoded set that no answer reads field by field.
    fn drop_decoded(&mut self) {
        if !self.wire.is_empty() && !matches!(self.rtype, Rtype::DNAME | Rtype::HIP) {
            self.data = Vec::new();
        }
    }

    /// The records of the set, decoded from `wire` when only that form is kept.
    pub(crate) fn decoded(&self) -> Cow<'_, [RecordData]> {
        if !self.data.is_empty() || self.wire.is_empty() {
            return Cow::Borrowed(&self.data);
        }
        Cow::Owned(self.wire_records().filter_map(|record| self.decode_wire(record)).collect())
    }

    /// The `item`th record of the set.
    pub(crate) fn get(&self, item: usize) -> Option<RecordData> {
        match self.data.get(item) {
            Some(data) => Some(data.clone()),
            None if self.data.is_empty() => self.decode_wire(self.wire_records().nth(item)?),
            None => None,
        }
    }

    /// The decoded records kept: all of them for the types answers read (NS, CNAME, SOA, PTR,
    /// MX, DNAME, HIP) and at the apex, none for other pre-encoded sets.
    pub(crate) fn kept(&self) -> &[RecordData] {
        &self.data
    }

    /// Decodes one pre-encoded record (TYPE, CLASS, TTL, RDLENGTH, RDATA); the RDATA was
    /// encoded here from decoded records, so it decodes again.
    fn decode_wire(&self, record: &[u8]) -> Option<RecordData> {
        RecordData::from_wire(self.rtype, record.get(10..)?).ok()
    }
}

/// One name of the zone.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The owner as written in the zone file.
    pub(crate) name: Name,
    /// RRsets in type order, RRSIGs as one set per type covered (in covered-type order);
    /// empty for an empty non-terminal. Boxed slices, not Vecs: a node is never grown once
    /// compiled, and there is one per name.
    pub(crate) rrsets: Box<[Rrset]>,
    /// The highest strict ancestor that is a zone cut or owns a DNAME: lookups below it stop
    /// there (RFC 1034 §4.3.2 step 3b, RFC 6672 §3.2).
    pub(crate) above: Option<u32>,
    /// NS here and not at the apex: a delegation.
    pub(crate) cut: bool,
    /// Owns a DNAME.
    pub(crate) dname: bool,
    /// The `*` child, if any (RFC 4592 §2.1.1).
    pub(crate) wildcard: Option<u32>,
    /// For a cut, the nodes of its NS names that hold addresses in this zone, in NS order.
    pub(crate) glue: Box<[u32]>,
}

impl Node {
    /// The RRset of `rtype` (for RRSIG, the first of the per-type sets).
    pub(crate) fn rrset(&self, rtype: Rtype) -> Option<&Rrset> {
        self.rrsets.iter().find(|set| set.rtype == rtype)
    }

    /// The RRSIGs covering `set`, one of this node's RRsets.
    pub(crate) fn sigs_of(&self, set: &Rrset) -> Option<&Rrset> {
        set.sigs.and_then(|at| self.rrsets.get(usize::from(at)))
    }

    /// Every RRSIG set of this node, one per type covered.
    pub(crate) fn all_sigs(&self) -> impl Iterator<Item = &Rrset> {
        self.rrsets.iter().filter(|set| set.rtype == Rtype::RRSIG)
    }
}

/// Where a lookup ended: at a node holding the name itself, or at its closest encloser.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) node: u32,
    pub(crate) exact: bool,
}

/// A compiled, immutable zone. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Zone {
    origin: Name,
    nodes: Vec<Node>,
    /// Lower-cased wire name → node.
    index: HashMap<Box<[u8]>, u32>,
    /// min(SOA TTL, SOA MINIMUM), the TTL of the SOA in negative answers (RFC 2308 §3, §5).
    negative_ttl: u32,
    signed: bool,
    /// What proves denial of existence in this zone.
    denial: Denial,
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
        let mut result = Zone::from_store(&store, &CheckOptions::default());
        if let Err(e) = &mut result {
            errors.append(&mut e.diagnostics);
            e.diagnostics = errors;
        } else if !errors.is_empty() {
            return Err(LoadError { origin: origin.clone(), diagnostics: errors });
        }
        result
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
        let mut records = Vec::with_capacity(store.len());
        for r in store.iter() {
            let record = r.record().map_err(|e| LoadError {
                origin: origin.clone(),
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    source: Some(r.source()),
                    message: format!("stored record does not decode: {e}"),
                }],
            })?;
            records.push(record);
        }
        Zone::compile(origin, records)
    }

    /// Builds the nodes and their links from records already checked.
    fn compile(origin: Name, records: Vec<Record>) -> Result<Zone, LoadError> {
        let fail = |message: String| LoadError {
            origin: origin.clone(),
            diagnostics: vec![Diagnostic { severity: Severity::Error, source: None, message }],
        };
        // Canonical order puts every name right before the names below it. A name's few RRsets
        // (keyed by type, then by type covered for RRSIG) are kept in a Vec, not a map: a map node
        // per name made the peak memory of loading several times the compiled zone's, and left
        // the heap fragmented after it.
        let mut by_name: BTreeMap<Name, Vec<Rrset>> = BTreeMap::new();
        by_name.insert(origin.clone(), Vec::new());
        for record in records {
            if !record.owner.is_subdomain_of(&origin) {
                return Err(fail(format!("{} is outside the zone", record.owner)));
            }
            let mut ancestor = record.owner.parent();
            while let Some(name) = ancestor {
                if name.label_count() < origin.label_count() || by_name.contains_key(&name) {
                    break;
                }
                ancestor = name.parent();
                by_name.insert(name, Vec::new());
            }
            let rtype = record.rtype();
            let Record { owner, class, ttl, data } = record;
            let covered = rrsig_covered(&data);
            let sets = by_name.entry(owner).or_default();
            match sets.iter_mut().find(|set| set.rtype == rtype && rrsig_covered_of(set) == covered)
            {
                Some(set) => set.data.push(data),
                None => sets.push(Rrset {
                    rtype,
                    class,
                    ttl,
                    data: vec![data],
                    wire: Box::default(),
                    sigs: None,
                }),
            }
        }
        let mut nodes: Vec<Node> = Vec::with_capacity(by_name.len());
        let mut index: HashMap<Box<[u8]>, u32> = HashMap::with_capacity(by_name.len());
        let mut buf = [0u8; MAX_NAME];
        for (name, mut rrsets) in by_name {
            // Type order (and type covered for RRSIGs), as a map would give.
            rrsets.sort_by_key(|set| (set.rtype.0, rrsig_covered_of(set)));
            for set in &mut rrsets {
                set.data.shrink_to_fit();
                set.pre_encode();
            }
            link_sigs(&mut rrsets);
            let is_apex = name == origin;
            if !is_apex {
                rrsets.iter_mut().for_each(Rrset::drop_decoded);
            }
            let has = |t: Rtype| rrsets.iter().any(|s| s.rtype == t);
            let node = Node {
                cut: !is_apex && has(Rtype::NS),
                dname: has(Rtype::DNAME),
                name,
                rrsets: rrsets.into_boxed_slice(),
                above: None,
                wildcard: None,
                glue: Box::default(),
            };
            let id = u32::try_from(nodes.len()).map_err(|_| fail("too many names".into()))?;
            index.insert(lower(&node.name, &mut buf).into(), id);
            nodes.push(node);
        }
        for id in 0..nodes.len() {
            let Some(node) = nodes.get(id) else { continue };
            if node.name == origin {
                continue;
            }
            let key = lower(&node.name, &mut buf);
            let parent_key = suffixes(key).nth(1).unwrap_or(&[0]);
            let Some(&parent) = index.get(parent_key) else { continue };
            let Some(p) = nodes.get(parent as usize) else { continue };
            let above = p.above.or((p.cut || p.dname).then_some(parent));
            let wildcard = key.get(..2) == Some(&[1, b'*']);
            let glue = if node.cut { glue_of(node, &index, &nodes) } else { Box::default() };
            if let Some(node) = nodes.get_mut(id) {
                node.above = above;
                node.glue = glue;
            }
            if wildcard && let Some(p) = nodes.get_mut(parent as usize) {
                p.wildcard = u32::try_from(id).ok();
            }
        }
        hide_nsec3_owners(&nodes, &mut index);
        let apex = nodes.first().ok_or_else(|| fail("no apex".into()))?;
        let soa = apex.rrset(Rtype::SOA).and_then(|set| match set.data.first() {
            Some(RecordData::Soa(soa)) => Some(set.ttl.min(soa.minimum)),
            _ => None,
        });
        let negative_ttl = soa.ok_or_else(|| fail("no SOA at the apex".into()))?;
        let signed = apex.rrset(Rtype::DNSKEY).is_some();
        let denial = if signed { Denial::new(&origin, &nodes) } else { Denial::None };
        Ok(Zone { origin, nodes, index, negative_ttl, signed, denial })
    }

    /// The zone's apex name.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The apex SOA record.
    pub fn soa(&self) -> Option<Record> {
        let apex = self.apex()?;
        let set = apex.rrset(Rtype::SOA)?;
        let data = set.data.first()?.clone();
        Some(Record { owner: apex.name.clone(), class: set.class, ttl: set.ttl, data })
    }

    /// The SOA serial.
    pub fn serial(&self) -> Option<u32> {
        match self.soa()?.data {
            RecordData::Soa(soa) => Some(soa.serial),
            _ => None,
        }
    }

    /// Every record, in canonical order (RFC 4034 §6.1 names, types in numeric order, RDATA as
    /// loaded), the apex SOA included: the order of a zone transfer. Each record carries its
    /// RRset's TTL.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.nodes.iter().flat_map(|node| {
            node.rrsets.iter().flat_map(move |set| {
                (0..set.len()).filter_map(move |item| {
                    Some(Record {
                        owner: node.name.clone(),
                        class: set.class,
                        ttl: set.ttl,
                        data: set.get(item)?,
                    })
                })
            })
        })
    }

    /// Number of names, empty non-terminals included.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn node(&self, id: u32) -> Option<&Node> {
        self.nodes.get(id as usize)
    }

    pub(crate) fn apex(&self) -> Option<&Node> {
        self.nodes.first()
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

    /// The node of `key` (a lower-cased wire name inside the zone), or its closest encloser.
    pub(crate) fn find(&self, key: &[u8]) -> Option<Found> {
        let mut exact = true;
        for suffix in suffixes(key) {
            if let Some(&node) = self.index.get(suffix) {
                return Some(Found { node, exact });
            }
            exact = false;
        }
        None
    }
}

/// RFC 5155 §7.2.8: a name owning nothing but NSEC3 (and its RRSIGs), with nothing below it,
/// is answered as if it did not exist. Its node stays, for proofs and transfers, out of the
/// lookup index.
fn hide_nsec3_owners(nodes: &[Node], index: &mut HashMap<Box<[u8]>, u32>) {
    let mut buf = [0u8; MAX_NAME];
    for (at, node) in nodes.iter().enumerate() {
        let only_nsec3 = node.rrset(Rtype::NSEC3).is_some()
            && node.rrsets.iter().all(|s| matches!(s.rtype, Rtype::NSEC3 | Rtype::RRSIG));
        // Canonical order puts descendants right after their ancestor.
        let has_descendant =
            nodes.get(at + 1).is_some_and(|next| next.name.is_subdomain_of(&node.name));
        if only_nsec3 && !has_descendant {
            index.remove(lower(&node.name, &mut buf));
        }
    }
}

/// Points every RRset at the RRSIG set covering its type.
fn link_sigs(rrsets: &mut [Rrset]) {
    let covering: Vec<(Rtype, u16)> = rrsets
        .iter()
        .enumerate()
        .filter_map(|(at, set)| match set.data.first() {
            Some(RecordData::Rrsig(sig)) => Some((sig.type_covered, u16::try_from(at).ok()?)),
            _ => None,
        })
        .collect();
    for set in rrsets.iter_mut().filter(|set| set.rtype != Rtype::RRSIG) {
        set.sigs = covering.iter().find(|(t, _)| *t == set.rtype).map(|&(_, at)| at);
    }
}

/// The NS names of `cut` that own addresses in this zone.
fn glue_of(cut: &Node, index: &HashMap<Box<[u8]>, u32>, nodes: &[Node]) -> Box<[u32]> {
    let mut buf = [0u8; MAX_NAME];
    let mut glue = Vec::new();
    for data in cut.rrset(Rtype::NS).map_or(&[][..], |s| &s.data) {
        let RecordData::Ns(ns) = data else { continue };
        let Some(&id) = index.get(lower(&ns.nsdname, &mut buf)) else { continue };
        let has_address = nodes
            .get(id as usize)
            .is_some_and(|n| n.rrset(Rtype::A).is_some() || n.rrset(Rtype::AAAA).is_some());
        if has_address && !glue.contains(&id) {
            glue.push(id);
        }
    }
    glue.into_boxed_slice()
}

/// The type an RRSIG covers; 0 for other record data.
fn rrsig_covered(data: &RecordData) -> u16 {
    match data {
        RecordData::Rrsig(sig) => sig.type_covered.0,
        _ => 0,
    }
}

/// The type an RRSIG set covers (all its records cover the same); 0 for other RRsets.
fn rrsig_covered_of(set: &Rrset) -> u16 {
    set.data.first().map_or(0, rrsig_covered)
}
