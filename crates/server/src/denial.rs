//! Authenticated denial of existence from a pre-signed zone: which NSEC (RFC 4035 §3.1.3) or
//! NSEC3 (RFC 5155 §7.2) records prove a negative answer, a wildcard expansion or an insecure
//! delegation. The chains are indexed at load; at query time only names that do not exist
//! (next closer names, source of synthesis) are hashed.

use std::cmp::Ordering;

use data_encoding::BASE32HEX_NOPAD;
use nameward_dns::Name;
use nameward_dns::Rtype;
use nameward_dns::rdata::RecordData;
use sha1::{Digest, Sha1};

use crate::lower::{LabelStarts, MAX_NAME, lower};
use crate::zone::{NodeRef, Zone};

/// SHA-1, the only NSEC3 hash algorithm (RFC 5155 §11).
const SHA1: u8 = 1;

/// Most NSEC3 iterations hashed per name. RFC 5155 §10.3 caps them at 2500 for the largest
/// keys; a zone asking for more gets no NSEC3 proofs rather than costing that much per query.
const MAX_ITERATIONS: u16 = 2500;

/// How a signed zone denies existence.
#[derive(Debug, Clone)]
pub(crate) enum Denial {
    /// Unsigned, or no usable chain.
    None,
    /// The nodes owning an NSEC RRset, in canonical order.
    Nsec(NsecChain),
    /// The NSEC3 chain of the apex NSEC3PARAM.
    Nsec3(Nsec3Chain),
}

/// The NSEC owners of a zone.
#[derive(Debug, Clone)]
pub(crate) struct NsecChain {
    /// The nodes owning an NSEC RRset, in canonical order.
    owners: Vec<u32>,
    /// The NSEC covering `*.` + the origin, which denies the apex wildcard in most NXDOMAIN
    /// answers: found once at load rather than per query.
    apex_wildcard: Option<LayerNode>,
}

/// One NSEC3 chain: its parameters and its owners sorted by hash.
#[derive(Debug, Clone)]
pub(crate) struct Nsec3Chain {
    salt: Vec<u8>,
    iterations: u16,
    /// (owner hash, node owning the NSEC3), sorted by hash.
    hashes: Vec<(Box<[u8]>, u32)>,
    /// For each node of the zone, the node of the NSEC3 matching its name, if any.
    matching: Vec<Option<u32>>,
    /// For the top layer of a layered zone, the same across both layers (see
    /// [`Denial::across`]); empty otherwise.
    across: Vec<Option<LayerNode>>,
}

impl Denial {
    /// Indexes the chain of a signed zone (its nodes and their RRsets complete); the zone
    /// then completes the index with [`Denial::complete`] once the chain is in place.
    pub(crate) fn new(zone: &Zone) -> Denial {
        let params = zone.apex().and_then(|apex| apex.rrset(Rtype::NSEC3PARAM));
        let param = params.map(|set| set.decoded()).unwrap_or_default().into_iter().find_map(|d| {
            match d {
                // Flags other than zero mark a chain not ready for answers (RFC 5155 §4.1.2).
                RecordData::Nsec3param(p) if p.hash_algorithm == SHA1 && p.flags == 0 => Some(p),
                _ => None,
            }
        });
        if let Some(param) = param.filter(|p| p.iterations <= MAX_ITERATIONS) {
            return Denial::Nsec3(Nsec3Chain::new(zone, &param.salt, param.iterations));
        }
        let owners: Vec<u32> =
            zone.nodes().filter(|n| n.rrset(Rtype::NSEC).is_some()).map(|n| n.id()).collect();
        if owners.is_empty() {
            return Denial::None;
        }
        Denial::Nsec(NsecChain { owners, apex_wildcard: None })
    }

    /// What the index keeps worked out ahead of queries, found through the chain itself: the
    /// NSEC covering the apex wildcard, or the NSEC3 matching each node. For a zone compiled
    /// in one layer (`zone.denial()` is the index [`Denial::new`] made); a top layer laid over
    /// a base then finds the NSEC of the apex wildcard again ([`Denial::apex_wildcard`]) and
    /// looks its nodes' NSEC3s up across the layers when its own index has none.
    pub(crate) fn complete(zone: &Zone) -> Option<Derived> {
        let chain = Chain { zone };
        match zone.denial() {
            Denial::None => None,
            Denial::Nsec(_) => Denial::apex_wildcard(zone),
            Denial::Nsec3(_) => Some(Derived::Matching(
                zone.nodes()
                    .map(|node| chain.nsec3_find(node.name()).ok().map(|n| n.node))
                    .collect(),
            )),
        }
    }

    /// The NSEC covering `*.` and the apex, which denies the apex wildcard in most NXDOMAIN
    /// answers of an NSEC zone, across the zone's layers.
    pub(crate) fn apex_wildcard(zone: &Zone) -> Option<Derived> {
        let mut buf = [0u8; MAX_NAME];
        let wild = zone.apex().and_then(|apex| wildcard_of(&apex, &mut buf));
        Some(Derived::ApexWildcard(wild.and_then(|w| Chain { zone }.nsec_covering(w))))
    }

    /// For a top layer laid over its base: the NSEC3 matching each of its nodes across both
    /// layers, so that answers need not hash a name whose NSEC3 the base holds (the apex's,
    /// in most NXDOMAIN answers). Only the nodes that answers can ask about and that have no
    /// NSEC3 in the top are hashed: not those below a zone cut, nor NSEC3 owners (answered as
    /// names that do not exist).
    pub(crate) fn across(zone: &Zone) -> Option<Derived> {
        let Denial::Nsec3(own) = zone.denial() else { return None };
        let chain = Chain { zone };
        let across = zone.nodes().map(|node| {
            match own.matching.get(node.id() as usize).copied().flatten() {
                Some(nsec3) => Some(LayerNode { base: false, node: nsec3 }),
                None if node.above().is_some() || node.rrset(Rtype::NSEC3).is_some() => None,
                None => chain.nsec3_find(node.name()).ok(),
            }
        });
        Some(Derived::Across(across.collect()))
    }

    /// Stores what [`Denial::complete`] worked out.
    pub(crate) fn set(&mut self, derived: Derived) {
        match (self, derived) {
            (Denial::Nsec(chain), Derived::ApexWildcard(wild)) => chain.apex_wildcard = wild,
            (Denial::Nsec3(chain), Derived::Matching(matching)) => chain.matching = matching,
            (Denial::Nsec3(chain), Derived::Across(across)) => chain.across = across,
            _ => {}
        }
    }

    /// Whether a top layer denying existence this way can be laid over a base denying it as
    /// `base` does: one kind of chain in both, NSEC3 with the same parameters.
    pub(crate) fn layers_over(&self, base: &Denial) -> bool {
        match (self, base) {
            (Denial::None, Denial::None) | (Denial::Nsec(_), Denial::Nsec(_)) => true,
            (Denial::Nsec3(top), Denial::Nsec3(base)) => {
                top.salt == base.salt && top.iterations == base.iterations
            }
            _ => false,
        }
    }

    /// Whether `nsec3` belongs to the chain this zone answers with.
    pub(crate) fn in_nsec3_chain(&self, nsec3: &nameward_dns::rdata::rfc5155::Nsec3) -> bool {
        matches!(self, Denial::Nsec3(chain) if chain.holds(nsec3))
    }
}

/// What [`Denial::complete`] works out.
#[derive(Debug)]
pub(crate) enum Derived {
    ApexWildcard(Option<LayerNode>),
    Across(Vec<Option<LayerNode>>),
    Matching(Vec<Option<u32>>),
}

impl Nsec3Chain {
    /// Whether `nsec3` has this chain's parameters.
    fn holds(&self, nsec3: &nameward_dns::rdata::rfc5155::Nsec3) -> bool {
        nsec3.hash_algorithm == SHA1
            && nsec3.iterations == self.iterations
            && nsec3.salt == self.salt
    }

    fn new(zone: &Zone, salt: &[u8], iterations: u16) -> Nsec3Chain {
        let origin = zone.origin();
        let mut chain = Nsec3Chain {
            salt: salt.to_vec(),
            iterations,
            hashes: Vec::new(),
            matching: Vec::new(),
            across: Vec::new(),
        };
        let mut hashes = Vec::new();
        for node in zone.nodes() {
            let Some(set) = node.rrset(Rtype::NSEC3) else { continue };
            let same_chain =
                set.decoded().iter().any(|d| matches!(d, RecordData::Nsec3(n) if chain.holds(n)));
            let child_of_apex = node.name().label_count() == origin.label_count() + 1;
            let label = node.name().labels().next().unwrap_or(&[]);
            let hash = BASE32HEX_NOPAD.decode(&label.to_ascii_uppercase()).ok();
            if let (true, true, Some(hash)) = (same_chain, child_of_apex, hash) {
                hashes.push((hash.into_boxed_slice(), node.id()));
            }
        }
        hashes.sort_unstable();
        chain.hashes = hashes;
        chain
    }

    /// The hash of `name` (RFC 5155 §5).
    fn hash(&self, name: &Name) -> [u8; 20] {
        let mut buf = [0u8; MAX_NAME];
        let mut digest: [u8; 20] = Sha1::new()
            .chain_update(lower(name, &mut buf))
            .chain_update(&self.salt)
            .finalize()
            .into();
        for _ in 0..self.iterations {
            digest = Sha1::new().chain_update(digest).chain_update(&self.salt).finalize().into();
        }
        digest
    }
}

/// A node of a zone in the layer that holds it (see [`Zone::layered`]): the zone's own (its
/// top layer, or all of it for a zone in one layer) or its base's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayerNode {
    pub(crate) base: bool,
    pub(crate) node: u32,
}

/// Where a key falls in a chain: the entry with that key, and the entry with the greatest
/// key below it, or with the greatest key of all when none is below (the chain wraps around).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Place {
    exact: Option<LayerNode>,
    before: Option<LayerNode>,
}

/// One layer's part of a denial chain, sorted by key.
trait Part {
    fn len(&self) -> usize;
    /// The key of entry `at`: an owner's labels in front of the origin, or an owner hash.
    fn key(&self, at: usize) -> Option<&[u8]>;
    /// Whether entry `at` is of the zone served: not a base entry that the top layer shadows.
    fn held(&self, at: usize) -> bool;
    fn node(&self, at: usize) -> Option<LayerNode>;
}

/// Where the key that `to_target` compares entries' keys with falls in the chain made of
/// `parts`, whose keys `order` compares: a binary search in each part, base entries the top
/// shadows skipped, the best of the parts taken. Nothing is allocated.
fn place<P: Part>(
    parts: &[P],
    to_target: impl Fn(&[u8]) -> Ordering,
    order: impl Fn(&[u8], &[u8]) -> Ordering,
) -> Place {
    let mut place = Place::default();
    // (part, entry) of the greatest key found so far.
    let mut best: Option<(&P, usize)> = None;
    for part in parts {
        let (mut low, mut high) = (0, part.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if part.key(mid).is_some_and(|k| to_target(k).is_lt()) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        let at = low;
        if place.exact.is_none()
            && part.key(at).is_some_and(|k| to_target(k).is_eq())
            && part.held(at)
        {
            place.exact = part.node(at);
        }
        if let Some(before) = (0..at).rev().find(|&i| part.held(i)) {
            greater(&mut best, part, before, &order);
        }
    }
    if best.is_none() {
        for part in parts {
            if let Some(last) = (0..part.len()).rev().find(|&i| part.held(i)) {
                greater(&mut best, part, last, &order);
            }
        }
    }
    place.before = best.and_then(|(part, at)| part.node(at));
    place
}

/// Keeps in `best` the one of it and entry `at` of `part` with the greater key.
fn greater<'p, P: Part>(
    best: &mut Option<(&'p P, usize)>,
    part: &'p P,
    at: usize,
    order: &impl Fn(&[u8], &[u8]) -> Ordering,
) {
    let Some(key) = part.key(at) else { return };
    let replace = best.and_then(|(p, i)| p.key(i)).is_none_or(|k| order(key, k).is_gt());
    if replace {
        *best = Some((part, at));
    }
}

/// The part of a layer's NSEC chain: its owners in canonical order.
struct NsecPart<'z> {
    chain: Chain<'z>,
    layer: &'z Zone,
    base: bool,
    owners: &'z [u32],
    origin_len: usize,
}

impl Part for NsecPart<'_> {
    fn len(&self) -> usize {
        self.owners.len()
    }

    fn key(&self, at: usize) -> Option<&[u8]> {
        let node = self.layer.node(*self.owners.get(at)?)?;
        below(node.name().as_wire(), self.origin_len)
    }

    fn held(&self, at: usize) -> bool {
        self.owners.get(at).is_some_and(|&id| self.chain.held(self.base, id))
    }

    fn node(&self, at: usize) -> Option<LayerNode> {
        Some(LayerNode { base: self.base, node: *self.owners.get(at)? })
    }
}

/// The part of a layer's NSEC3 chain: its owner hashes in order.
struct Nsec3Part<'z> {
    chain: Chain<'z>,
    base: bool,
    hashes: &'z [(Box<[u8]>, u32)],
}

impl Part for Nsec3Part<'_> {
    fn len(&self) -> usize {
        self.hashes.len()
    }

    fn key(&self, at: usize) -> Option<&[u8]> {
        self.hashes.get(at).map(|(hash, _)| hash.as_ref())
    }

    fn held(&self, at: usize) -> bool {
        self.hashes.get(at).is_some_and(|&(_, id)| self.chain.held(self.base, id))
    }

    fn node(&self, at: usize) -> Option<LayerNode> {
        Some(LayerNode { base: self.base, node: self.hashes.get(at)?.1 })
    }
}

/// The denial chain of a zone across its layers (one for a zone that is not layered).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chain<'z> {
    pub(crate) zone: &'z Zone,
}

impl<'z> Chain<'z> {
    /// The zone's layers: the top (the zone itself), then the base if it has one; for a zone
    /// in one layer, the zone again as a base with no chain of its own.
    fn layers(self) -> [(bool, &'z Zone, &'z Denial); 2] {
        const NONE: &Denial = &Denial::None;
        let base = match self.zone.base() {
            Some(base) => (true, base, base.denial()),
            None => (true, self.zone, NONE),
        };
        [(false, self.zone, self.zone.denial()), base]
    }

    /// Whether node `id` of a layer is of the zone served: every top node is, a base node
    /// unless the top shadows it.
    fn held(self, base: bool, id: u32) -> bool {
        !base || self.zone.base_holds(id)
    }

    /// The NSEC owners that are `name` (a wire name in the zone) and that come last before it
    /// in canonical order (RFC 4034 §6.1).
    fn nsec(self, name: &[u8]) -> Place {
        let origin_len = self.zone.origin().wire_len();
        let Some(target) = below(name, origin_len).map(LabelStarts::new) else {
            return Place::default();
        };
        let parts = self.layers().map(|(base, layer, denial)| NsecPart {
            chain: self,
            layer,
            base,
            owners: match denial {
                Denial::Nsec(chain) => &chain.owners,
                _ => &[],
            },
            origin_len,
        });
        place(
            &parts,
            |key| target.canonical_cmp(key).reverse(),
            |a, b| LabelStarts::new(a).canonical_cmp(b),
        )
    }

    /// The NSEC owner that is `name` (a wire name in the zone) or comes last before it in
    /// canonical order; before the apex (never, for names of the zone), the last one.
    fn nsec_covering(self, name: &[u8]) -> Option<LayerNode> {
        let place = self.nsec(name);
        place.exact.or(place.before)
    }

    /// The NSEC owner that comes last strictly before `name` in canonical order, or the last
    /// one of the chain when none does; `None` for a name outside the zone.
    pub(crate) fn nsec_before(self, name: &Name) -> Option<LayerNode> {
        if !name.is_subdomain_of(self.zone.origin()) {
            return None;
        }
        self.nsec(name.as_wire()).before
    }

    /// The NSEC3 owners whose hash is `hash` and the greatest below it.
    fn nsec3(self, hash: &[u8]) -> Place {
        let parts = self.layers().map(|(base, _, denial)| Nsec3Part {
            chain: self,
            base,
            hashes: match denial {
                Denial::Nsec3(chain) => &chain.hashes,
                _ => &[],
            },
        });
        place(&parts, |key| key.cmp(hash), <[u8]>::cmp)
    }

    /// The NSEC3 whose owner hash is the greatest strictly below `hash`, or the greatest of
    /// all when none is below.
    pub(crate) fn nsec3_before(self, hash: &[u8]) -> Option<LayerNode> {
        self.nsec3(hash).before
    }

    /// The NSEC3 matching `name` (`Ok`), or the one covering it (`Err`); `Err(None)` only
    /// for an empty chain or a zone without one.
    fn nsec3_find(self, name: &Name) -> Result<LayerNode, Option<LayerNode>> {
        let Denial::Nsec3(params) = self.zone.denial() else { return Err(None) };
        let place = self.nsec3(&params.hash(name));
        place.exact.ok_or(place.before)
    }

    /// The NSEC3 matching or covering `name`.
    fn nsec3_any(self, name: &Name) -> Option<LayerNode> {
        self.nsec3_find(name).map_or_else(|cover| cover, Some)
    }

    /// The NSEC3 matching the name of `at`: from the index of its layer when that one is of
    /// the zone served, or else found by its hash across the layers.
    ///
    /// A base node the top does not shadow did not change, so it is in the chain only if it
    /// was in the base's: when the base's index has no NSEC3 for it, there is none. Its NSEC3
    /// may have changed (a neighbour's `next` field), and then the top holds the new one. A
    /// top node's NSEC3 may be in either layer.
    fn matching(self, at: LayerNode) -> Option<LayerNode> {
        let layer = self.zone.layer(at.base)?;
        let Denial::Nsec3(chain) = layer.denial() else { return None };
        if !at.base && !chain.across.is_empty() {
            return chain.across.get(at.node as usize).copied().flatten();
        }
        let indexed = chain.matching.get(at.node as usize).copied().flatten();
        match indexed {
            Some(node) if self.held(at.base, node) => {
                return Some(LayerNode { base: at.base, node });
            }
            None if at.base => return None,
            _ => {}
        }
        // In one layer, the index is the whole chain.
        self.zone.base()?;
        self.nsec3_find(layer.node(at.node)?.name()).ok()
    }
}

/// Most proof nodes one answer gathers: at most three per name of a CNAME chain (an NSEC3
/// closest encloser proof with its wildcard) and two for a referral, with room to spare.
const MAX_PROOFS: usize = 64;

/// The records proving what an answer says does not exist: nodes whose NSEC or NSEC3 RRset
/// (with its RRSIGs) goes in the authority section, each once. A fixed array, so that
/// answering allocates nothing for them.
#[derive(Debug)]
pub(crate) struct Proofs {
    nodes: [LayerNode; MAX_PROOFS],
    len: usize,
}

impl Default for Proofs {
    fn default() -> Proofs {
        Proofs { nodes: [LayerNode { base: false, node: 0 }; MAX_PROOFS], len: 0 }
    }
}

/// The methods below take the zone answering (the top of a layered zone) and nodes of it as
/// its lookups found them, in the layer holding each.
impl Proofs {
    /// The nodes gathered, in the order first needed.
    pub(crate) fn nodes(&self) -> &[LayerNode] {
        self.nodes.get(..self.len).unwrap_or(&[])
    }

    fn add(&mut self, node: Option<LayerNode>) {
        if let Some(node) = node
            && !self.nodes().contains(&node)
            && let Some(slot) = self.nodes.get_mut(self.len)
        {
            *slot = node;
            self.len += 1;
        }
    }

    /// NXDOMAIN for `name`, whose closest encloser is `encloser` (RFC 4035 §3.1.3.2, RFC 5155
    /// §7.2.2): no such name, and no wildcard that could have answered.
    pub(crate) fn nxdomain(&mut self, zone: &Zone, name: &Name, encloser: &NodeRef<'_>) {
        let chain = Chain { zone };
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(NsecChain { apex_wildcard, .. }) => {
                self.add(chain.nsec_covering(name.as_wire()));
                if encloser.id() == 0 {
                    // `Zone::find` gives the top layer's apex, never the base's.
                    self.add(*apex_wildcard);
                } else {
                    let mut buf = [0u8; MAX_NAME];
                    if let Some(wild) = wildcard_of(encloser, &mut buf) {
                        self.add(chain.nsec_covering(wild));
                    }
                }
            }
            Denial::Nsec3(_) => {
                // The wildcard denied is the one below the encloser the proof establishes.
                let proven = self.closest_encloser(chain, name, encloser);
                if let Some(wild) = proven.and_then(|e| e.prepend(b"*").ok()) {
                    self.add(chain.nsec3_any(&wild));
                }
            }
        }
    }

    /// NODATA at `node`, which owns `name` (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3 and §7.2.4):
    /// the NSEC or NSEC3 of the name, whose type bitmap lacks the type. For an empty
    /// non-terminal of an NSEC zone, the NSEC covering it; for a name without NSEC3 (opt-out),
    /// the closest provable encloser proof. Also the proof that an unsigned delegation has no DS.
    pub(crate) fn nodata(&mut self, zone: &Zone, name: &Name, node: &NodeRef<'_>) {
        let chain = Chain { zone };
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(_) => {
                let own = node.rrset(Rtype::NSEC).is_some();
                let covering = || chain.nsec_covering(name.as_wire());
                self.add(if own { Some(zone.layer_node(node)) } else { covering() });
            }
            Denial::Nsec3(_) => match chain.matching(zone.layer_node(node)) {
                Some(nsec3) => self.add(Some(nsec3)),
                None => {
                    self.closest_provable(chain, name);
                }
            },
        }
    }

    /// An answer synthesised from the wildcard below `encloser` (RFC 4035 §3.1.3.3, RFC 5155
    /// §7.2.6): `name` itself does not exist.
    pub(crate) fn wildcard_answer(&mut self, zone: &Zone, name: &Name, encloser: &NodeRef<'_>) {
        let chain = Chain { zone };
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(_) => self.add(chain.nsec_covering(name.as_wire())),
            Denial::Nsec3(_) => {
                if let Some(next) = next_closer(name, encloser.name()) {
                    self.add(chain.nsec3_any(&next));
                }
            }
        }
    }

    /// NODATA from the wildcard `wild` below `encloser` (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5).
    pub(crate) fn wildcard_nodata(
        &mut self,
        zone: &Zone,
        name: &Name,
        encloser: &NodeRef<'_>,
        wild: &NodeRef<'_>,
    ) {
        let chain = Chain { zone };
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(_) => {
                self.add(chain.nsec_covering(name.as_wire()));
                self.add(chain.nsec_covering(wild.name().as_wire()));
            }
            Denial::Nsec3(_) => {
                self.closest_encloser(chain, name, encloser);
                self.add(chain.matching(zone.layer_node(wild)));
            }
        }
    }

    /// The NSEC3 matching the closest encloser and the one covering the next closer name. An
    /// encloser without NSEC3 (an empty non-terminal above opt-out delegations only) gets the
    /// closest provable encloser proof instead. Returns the encloser proven.
    fn closest_encloser(
        &mut self,
        chain: Chain<'_>,
        name: &Name,
        encloser: &NodeRef<'_>,
    ) -> Option<Name> {
        let Some(own) = chain.matching(chain.zone.layer_node(encloser)) else {
            return self.closest_provable(chain, name);
        };
        self.add(Some(own));
        if let Some(next) = next_closer(name, encloser.name()) {
            self.add(chain.nsec3_any(&next));
        }
        Some(encloser.name().clone())
    }

    /// RFC 5155 §7.2.1 for a name without its own NSEC3: the nearest ancestor that has one,
    /// and the NSEC3 covering (with opt-out) the name one label below it. Returns that ancestor.
    fn closest_provable(&mut self, chain: Chain<'_>, name: &Name) -> Option<Name> {
        let mut ancestor = name.parent();
        while let Some(candidate) = ancestor {
            if !candidate.is_subdomain_of(chain.zone.origin()) {
                return None;
            }
            if let Ok(nsec3) = chain.nsec3_find(&candidate) {
                self.add(Some(nsec3));
                if let Some(next) = next_closer(name, &candidate) {
                    self.add(chain.nsec3_any(&next));
                }
                return Some(candidate);
            }
            ancestor = candidate.parent();
        }
        None
    }
}

/// The labels of `wire` in front of its last `suffix_len` octets.
fn below(wire: &[u8], suffix_len: usize) -> Option<&[u8]> {
    wire.get(..wire.len().saturating_sub(suffix_len))
}

/// `*.` + the name of `encloser` in wire form, in `buf`: the source of synthesis that would
/// answer below it. `None` when that is too long to be a name.
fn wildcard_of<'b>(encloser: &NodeRef<'_>, buf: &'b mut [u8; MAX_NAME]) -> Option<&'b [u8]> {
    let wire = encloser.name().as_wire();
    let all = buf.get_mut(..wire.len() + 2)?;
    let (star, rest) = all.split_at_mut(2);
    star.copy_from_slice(&[1, b'*']);
    rest.copy_from_slice(wire);
    Some(all)
}

/// The ancestor of `name` (or `name`) one label longer than `encloser` (RFC 5155 §1.3).
fn next_closer(name: &Name, encloser: &Name) -> Option<Name> {
    let drop = name.label_count().checked_sub(encloser.label_count() + 1)?;
    let mut wire = name.as_wire();
    for _ in 0..drop {
        let len = usize::from(*wire.first()?);
        wire = wire.get(1 + len..)?;
    }
    Name::from_wire(wire).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    #[test]
    fn hashes_match_rfc_5155_appendix_a() {
        let chain = Nsec3Chain {
            salt: vec![0xaa, 0xbb, 0xcc, 0xdd],
            iterations: 12,
            hashes: Vec::new(),
            matching: Vec::new(),
            across: Vec::new(),
        };
        for (owner, hash) in [
            ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
            ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
            ("AI.Example.", "gjeqe526plbf1g8mklp59enfd789njgi"),
            ("ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"),
        ] {
            let got = BASE32HEX_NOPAD.encode(&chain.hash(&name(owner))).to_ascii_lowercase();
            assert_eq!(got, hash, "{owner}");
        }
    }

    #[test]
    fn next_closer_is_one_label_below_the_encloser() {
        let qname = name("a.b.c.example.");
        assert_eq!(next_closer(&qname, &name("example.")), Some(name("c.example.")));
        assert_eq!(next_closer(&qname, &name("b.c.example.")), Some(qname.clone()));
        assert_eq!(next_closer(&qname, &qname), None);
    }

    /// A part of a chain for [`place`]: keys in order, each held or shadowed.
    struct Keys(Vec<(Vec<u8>, bool)>, bool);

    impl Part for Keys {
        fn len(&self) -> usize {
            self.0.len()
        }

        fn key(&self, at: usize) -> Option<&[u8]> {
            self.0.get(at).map(|(key, _)| key.as_slice())
        }

        fn held(&self, at: usize) -> bool {
            self.0.get(at).is_some_and(|&(_, held)| held)
        }

        fn node(&self, at: usize) -> Option<LayerNode> {
            Some(LayerNode { base: self.1, node: u32::try_from(at).ok()? })
        }
    }

    /// An entry found: whether in the base, and its position there.
    type At = Option<(bool, u32)>;

    fn place_of(parts: &[Keys], target: u8) -> (At, At) {
        let found = place(parts, |key| key.cmp(&[target][..]), <[u8]>::cmp);
        let pair = |n: Option<LayerNode>| n.map(|n| (n.base, n.node));
        (pair(found.exact), pair(found.before))
    }

    #[test]
    fn empty_chain_covers_nothing() {
        let empty = [Keys(Vec::new(), false), Keys(Vec::new(), true)];
        assert_eq!(place_of(&empty, 7), (None, None));
        // A single entry covers every other key, on either side of its own (wrapping).
        let one = [Keys(vec![(vec![0x80], true)], false), Keys(Vec::new(), true)];
        assert_eq!(place_of(&one, 1), (None, Some((false, 0))));
        assert_eq!(place_of(&one, 0xf0), (None, Some((false, 0))));
        assert_eq!(place_of(&one, 0x80), (Some((false, 0)), Some((false, 0))));
    }

    #[test]
    fn a_chain_in_two_layers_skips_what_the_top_shadows() {
        let top = Keys(vec![(vec![20], true), (vec![50], true)], false);
        // The base's 20 and 60 are shadowed: the top has 20 anew, and 60 is gone.
        let base = Keys(
            vec![(vec![10], true), (vec![20], false), (vec![30], true), (vec![60], false)],
            true,
        );
        let parts = [top, base];
        assert_eq!(place_of(&parts, 20), (Some((false, 0)), Some((true, 0))));
        assert_eq!(place_of(&parts, 25), (None, Some((false, 0))));
        assert_eq!(place_of(&parts, 30), (Some((true, 2)), Some((false, 0))));
        assert_eq!(place_of(&parts, 45), (None, Some((true, 2))));
        // 60 is shadowed: no match, and 50 of the top is the last before 70.
        assert_eq!(place_of(&parts, 60), (None, Some((false, 1))));
        assert_eq!(place_of(&parts, 70), (None, Some((false, 1))));
        // Before the first, the last of the chain (60 shadowed): the top's 50.
        assert_eq!(place_of(&parts, 5), (None, Some((false, 1))));
        assert_eq!(place_of(&parts, 10), (Some((true, 0)), Some((false, 1))));
    }
}
