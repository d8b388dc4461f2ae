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
use crate::zone::Zone;

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
    apex_wildcard: Option<u32>,
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
}

impl Denial {
    /// Indexes the chain of a signed zone (its nodes and their RRsets complete).
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
        let mut buf = [0u8; MAX_NAME];
        let apex_wildcard =
            wildcard_of(zone, 0, &mut buf).and_then(|w| nsec_covering(zone, &owners, w));
        Denial::Nsec(NsecChain { owners, apex_wildcard })
    }
}

impl Denial {
    /// The node of the NSEC whose owner comes last strictly before `name` in canonical order
    /// (RFC 4034 §6.1), or of the last NSEC when none comes before it (the chain wraps
    /// around). `None` without an NSEC chain or for a name outside the zone.
    pub(crate) fn nsec_before(&self, zone: &Zone, name: &Name) -> Option<u32> {
        let Denial::Nsec(chain) = self else { return None };
        if !name.is_subdomain_of(zone.origin()) {
            return None;
        }
        let origin_len = zone.origin().wire_len();
        let name = LabelStarts::new(below(name.as_wire(), origin_len)?);
        let at = chain.owners.partition_point(|&id| {
            let owner = zone.node(id).and_then(|n| below(n.name().as_wire(), origin_len));
            owner.is_some_and(|o| name.canonical_cmp(o) == Ordering::Greater)
        });
        wrapped_before(&chain.owners, at).copied()
    }

    /// The node of the NSEC3 whose owner hash comes last strictly below `hash`, or of the
    /// last one when none does (the chain wraps around). `None` without an NSEC3 chain.
    pub(crate) fn nsec3_before(&self, hash: &[u8]) -> Option<u32> {
        let Denial::Nsec3(chain) = self else { return None };
        let at = chain.hashes.partition_point(|(h, _)| h.as_ref() < hash);
        wrapped_before(&chain.hashes, at).map(|&(_, node)| node)
    }

    /// The node of the NSEC3 whose owner hash is `hash`; `None` when the chain has none.
    /// (NSEC3 owners are kept out of the name index: they are no names to answer for.)
    pub(crate) fn nsec3_at(&self, hash: &[u8]) -> Option<u32> {
        let Denial::Nsec3(chain) = self else { return None };
        let at = chain.hashes.binary_search_by(|(h, _)| h.as_ref().cmp(hash)).ok()?;
        chain.hashes.get(at).map(|&(_, node)| node)
    }

    /// Whether `nsec3` belongs to the chain this zone answers with.
    pub(crate) fn in_nsec3_chain(&self, nsec3: &nameward_dns::rdata::rfc5155::Nsec3) -> bool {
        matches!(self, Denial::Nsec3(chain) if chain.holds(nsec3))
    }
}

/// The entry right before position `at` of a sorted chain, or its last entry when `at` is 0
/// (the chain wraps around); `None` for an empty chain.
fn wrapped_before<T>(chain: &[T], at: usize) -> Option<&T> {
    at.checked_sub(1).or(chain.len().checked_sub(1)).and_then(|at| chain.get(at))
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
        chain.matching = zone.nodes().map(|node| chain.find(node.name()).ok()).collect();
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

    /// The NSEC3 matching `name` (`Ok`), or the one covering it (`Err`); `Err(None)` only for
    /// an empty chain.
    fn find(&self, name: &Name) -> Result<u32, Option<u32>> {
        let hash = self.hash(name);
        match self.hashes.binary_search_by(|(h, _)| h.as_ref().cmp(&hash[..])) {
            Ok(at) => self.hashes.get(at).map(|&(_, node)| node).ok_or(None),
            // The previous hash covers it; before the first, the last wraps around.
            Err(at) => Err(wrapped_before(&self.hashes, at).map(|&(_, node)| node)),
        }
    }

    /// The NSEC3 matching or covering `name`.
    fn any(&self, name: &Name) -> Option<u32> {
        self.find(name).map_or_else(|cover| cover, Some)
    }

    fn matching(&self, node: u32) -> Option<u32> {
        self.matching.get(node as usize).copied().flatten()
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
    nodes: [u32; MAX_PROOFS],
    len: usize,
}

impl Default for Proofs {
    fn default() -> Proofs {
        Proofs { nodes: [0; MAX_PROOFS], len: 0 }
    }
}

impl Proofs {
    /// The nodes gathered, in the order first needed.
    pub(crate) fn nodes(&self) -> &[u32] {
        self.nodes.get(..self.len).unwrap_or(&[])
    }

    fn add(&mut self, node: Option<u32>) {
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
    pub(crate) fn nxdomain(&mut self, zone: &Zone, name: &Name, encloser: u32) {
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(NsecChain { owners, apex_wildcard }) => {
                self.add(nsec_covering(zone, owners, name.as_wire()));
                let mut buf = [0u8; MAX_NAME];
                if encloser == 0 {
                    self.add(*apex_wildcard);
                } else if let Some(wild) = wildcard_of(zone, encloser, &mut buf) {
                    self.add(nsec_covering(zone, owners, wild));
                }
            }
            Denial::Nsec3(chain) => {
                // The wildcard denied is the one below the encloser the proof establishes.
                let proven = self.closest_encloser(zone, chain, name, encloser);
                if let Some(wild) = proven.and_then(|e| e.prepend(b"*").ok()) {
                    self.add(chain.any(&wild));
                }
            }
        }
    }

    /// NODATA at `node`, which owns `name` (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3 and §7.2.4):
    /// the NSEC or NSEC3 of the name, whose type bitmap lacks the type. For an empty
    /// non-terminal of an NSEC zone, the NSEC covering it; for a name without NSEC3 (opt-out),
    /// the closest provable encloser proof. Also the proof that an unsigned delegation has no DS.
    pub(crate) fn nodata(&mut self, zone: &Zone, name: &Name, node: u32) {
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(NsecChain { owners, .. }) => {
                let own = zone.node(node).is_some_and(|n| n.rrset(Rtype::NSEC).is_some());
                let covering = || nsec_covering(zone, owners, name.as_wire());
                self.add(if own { Some(node) } else { covering() });
            }
            Denial::Nsec3(chain) => match chain.matching(node) {
                Some(nsec3) => self.add(Some(nsec3)),
                None => {
                    self.closest_provable(zone, chain, name);
                }
            },
        }
    }

    /// An answer synthesised from the wildcard below `encloser` (RFC 4035 §3.1.3.3, RFC 5155
    /// §7.2.6): `name` itself does not exist.
    pub(crate) fn wildcard_answer(&mut self, zone: &Zone, name: &Name, encloser: u32) {
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(NsecChain { owners, .. }) => {
                self.add(nsec_covering(zone, owners, name.as_wire()));
            }
            Denial::Nsec3(chain) => {
                if let Some(encloser) = zone.node(encloser)
                    && let Some(next) = next_closer(name, encloser.name())
                {
                    self.add(chain.any(&next));
                }
            }
        }
    }

    /// NODATA from the wildcard `wild` below `encloser` (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5).
    pub(crate) fn wildcard_nodata(&mut self, zone: &Zone, name: &Name, encloser: u32, wild: u32) {
        match zone.denial() {
            Denial::None => {}
            Denial::Nsec(NsecChain { owners, .. }) => {
                self.add(nsec_covering(zone, owners, name.as_wire()));
                if let Some(wild) = zone.node(wild) {
                    self.add(nsec_covering(zone, owners, wild.name().as_wire()));
                }
            }
            Denial::Nsec3(chain) => {
                self.closest_encloser(zone, chain, name, encloser);
                self.add(chain.matching(wild));
            }
        }
    }

    /// The NSEC3 matching the closest encloser and the one covering the next closer name. An
    /// encloser without NSEC3 (an empty non-terminal above opt-out delegations only) gets the
    /// closest provable encloser proof instead. Returns the encloser proven.
    fn closest_encloser(
        &mut self,
        zone: &Zone,
        chain: &Nsec3Chain,
        name: &Name,
        encloser: u32,
    ) -> Option<Name> {
        let Some(own) = chain.matching(encloser) else {
            return self.closest_provable(zone, chain, name);
        };
        self.add(Some(own));
        let encloser = zone.node(encloser)?;
        if let Some(next) = next_closer(name, encloser.name()) {
            self.add(chain.any(&next));
        }
        Some(encloser.name().clone())
    }

    /// RFC 5155 §7.2.1 for a name without its own NSEC3: the nearest ancestor that has one,
    /// and the NSEC3 covering (with opt-out) the name one label below it. Returns that ancestor.
    fn closest_provable(&mut self, zone: &Zone, chain: &Nsec3Chain, name: &Name) -> Option<Name> {
        let mut ancestor = name.parent();
        while let Some(candidate) = ancestor {
            if !candidate.is_subdomain_of(zone.origin()) {
                return None;
            }
            if let Ok(nsec3) = chain.find(&candidate) {
                self.add(Some(nsec3));
                if let Some(next) = next_closer(name, &candidate) {
                    self.add(chain.any(&next));
                }
                return Some(candidate);
            }
            ancestor = candidate.parent();
        }
        None
    }
}

/// The NSEC owner that is `name` (a wire name in the zone) or comes last before it in
/// canonical order; before the apex (never, for names of the zone), the last one. Node ids
/// follow canonical order, so `owners` is sorted both ways. Every name compared ends with the
/// origin, so only the labels in front of it are compared.
fn nsec_covering(zone: &Zone, owners: &[u32], name: &[u8]) -> Option<u32> {
    let origin_len = zone.origin().wire_len();
    let name = LabelStarts::new(below(name, origin_len)?);
    let at = owners.partition_point(|&id| {
        let owner = zone.node(id).and_then(|n| below(n.name().as_wire(), origin_len));
        owner.is_some_and(|o| name.canonical_cmp(o) != Ordering::Less)
    });
    wrapped_before(owners, at).copied()
}

/// The labels of `wire` in front of its last `suffix_len` octets.
fn below(wire: &[u8], suffix_len: usize) -> Option<&[u8]> {
    wire.get(..wire.len().saturating_sub(suffix_len))
}

/// `*.` + the name of `encloser` in wire form, in `buf`: the source of synthesis that would
/// answer below it. `None` when that is too long to be a name.
fn wildcard_of<'b>(zone: &Zone, encloser: u32, buf: &'b mut [u8; MAX_NAME]) -> Option<&'b [u8]> {
    let node = zone.node(encloser)?;
    let wire = node.name().as_wire();
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

    #[test]
    fn empty_chain_covers_nothing() {
        let chain = Nsec3Chain {
            salt: Vec::new(),
            iterations: 0,
            hashes: Vec::new(),
            matching: Vec::new(),
        };
        assert_eq!(chain.find(&name("example.")), Err(None));
        let one = Nsec3Chain { hashes: vec![(vec![0x80; 20].into(), 7)], ..chain };
        // A single NSEC3 covers every other hash, on either side of its own (wrapping).
        assert_eq!(one.any(&name("a.example.")), Some(7));
        assert_eq!(one.any(&name("b.example.")), Some(7));
    }
}
