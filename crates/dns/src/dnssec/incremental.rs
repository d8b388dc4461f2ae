//! Incremental signing: the records a change leaves at some owners of a signed zone in, the
//! signed records of every owner the change alters out, without reading the rest of the zone.
//!
//! The owners a change alters are the touched names themselves (their RRSIGs, their NSEC or
//! NSEC3), the chain neighbours whose `next` field moves when a name joins or leaves the chain,
//! and the apex, whose SOA changes serial and is signed again. The cost follows the size of
//! the change: a delegation created in an NSEC zone of any size is four signatures (its DS, its
//! NSEC, its predecessor's NSEC, the SOA).
//!
//! The signer reads the served zone through [`SignedZone`]: the records at an owner, and the
//! NSEC or NSEC3 record just before a name or hash in chain order. It handles the changes a
//! registry makes: names one label below the apex (delegations, with or without DS, or names
//! with data of their own) and names below a delegation (glue). Anything else — the apex's own
//! records, a name that would make or unmake an empty non-terminal, data that changes from
//! authoritative to occluded — is refused with [`SignError::NotIncremental`], and the caller
//! signs the whole zone; as is a chain that does not hold ([`SignError::BrokenChain`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Unbounded};

use super::key::SigningKey;
use super::names::{NameKind, bitmap_of, is_dnssec_type};
use super::nsec3::{SHA1, hash_of_owner, hashed_owner, nsec3_hash};
use super::sign::{
    Context, Denial, Job, Nsec3Options, SignError, SignOptions, Signers, roles, sign_batch,
};
use super::time::check_window;
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::Nsec;
use crate::rdata::rfc5155::Nsec3;
use crate::record::Record;
use crate::rtype::{Class, Rtype};

/// A signed zone as the incremental signer reads it.
pub trait SignedZone {
    /// Every record at `owner`, signatures and NSEC/NSEC3 included; none when it has none.
    fn records_at(&self, owner: &Name) -> Vec<Record>;
    /// The NSEC record of the greatest NSEC owner strictly before `name` in canonical order,
    /// wrapping round to the last one when none is before it.
    fn nsec_before(&self, name: &Name) -> Option<Record>;
    /// The NSEC3 record whose owner hash is the greatest strictly below `hash`, wrapping round
    /// to the greatest when none is below it.
    fn nsec3_before(&self, hash: &[u8]) -> Option<Record>;
}

/// What a touched name is after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No records left.
    Gone,
    /// Glue (or other data) below a delegation: never signed, never in a chain.
    Below,
    /// A delegation: its DS is signed, its NS is not.
    Delegation,
    /// A name with data of its own: every RRset is signed.
    Authoritative,
}

/// One touched name and the records the change leaves there.
struct Touched<'c> {
    owner: &'c Name,
    records: &'c [Record],
    kind: Kind,
    /// In the served zone's chain.
    was: bool,
    /// In the chain after the change.
    now: bool,
}

impl Touched<'_> {
    fn has(&self, rtype: Rtype) -> bool {
        self.records.iter().any(|r| r.data.rtype() == rtype)
    }

    /// The name's kind as the NSEC/NSEC3 bitmap rules see it.
    fn name_kind(&self) -> NameKind {
        match self.kind {
            Kind::Delegation => NameKind::Delegation,
            _ => NameKind::Authoritative,
        }
    }

    /// True when the name belongs in the chain after the change.
    fn in_chain(&self, denial: &Denial) -> bool {
        match (self.kind, denial) {
            (Kind::Gone | Kind::Below, _) => false,
            (Kind::Delegation, Denial::Nsec3(params)) => !params.opt_out || self.has(Rtype::DS),
            _ => true,
        }
    }
}

/// Signs the change `touched` (each owner with the records it now holds, none when it is
/// gone; no RRSIG, NSEC or NSEC3 among them) made to the signed `zone`, whose SOA becomes
/// `soa`. Returns every owner whose records change with all of its records after the change
/// (none for an owner that is gone): replacing those owners' records in `zone` gives the zone
/// the whole-zone signer would make of the changed records, with the same keys and times.
pub fn sign_change(
    zone: &dyn SignedZone,
    soa: &Record,
    touched: &BTreeMap<Name, Vec<Record>>,
    keys: &[SigningKey],
    options: &SignOptions,
) -> Result<BTreeMap<Name, Vec<Record>>, SignError> {
    if keys.is_empty() {
        return Err(SignError::NoKeys);
    }
    check_window(options.inception, options.expiration).map_err(SignError::BadWindow)?;
    let apex = &soa.owner;
    let RecordData::Soa(soa_data) = &soa.data else { return Err(SignError::NoSoa(apex.clone())) };
    let denial_ttl = soa_data.minimum.min(soa.ttl);
    let names = classify(zone, apex, touched, &options.denial)?;
    let (zone_keys, key_keys) = roles(keys);
    let context = Context {
        apex,
        class: soa.class,
        inception: options.inception,
        expiration: options.expiration,
        zone_keys,
        key_keys,
    };
    let mut change = Change { zone, class: soa.class, out: BTreeMap::new(), jobs: Vec::new() };
    for name in &names {
        change.out.insert(name.owner.clone(), name.records.to_vec());
        if matches!(name.kind, Kind::Gone | Kind::Below) {
            continue;
        }
        for (rtype, ttl, records) in rrsets(name.records) {
            let signers = match name.kind {
                Kind::Delegation if rtype != Rtype::DS => Signers::None,
                _ => Signers::Zone,
            };
            if signers != Signers::None {
                change.sign(name.owner, rtype, ttl, records);
            }
        }
    }
    match &options.denial {
        Denial::Nsec => nsec_change(&mut change, &names, denial_ttl)?,
        Denial::Nsec3(params) => nsec3_change(&mut change, apex, &names, params, denial_ttl)?,
    }
    // The apex: the new SOA, signed.
    let mut at_apex = match change.out.remove(apex) {
        Some(records) => records,
        None => zone.records_at(apex),
    };
    at_apex.retain(|r| !covers(r, Rtype::SOA));
    at_apex.push(soa.clone());
    change.out.insert(apex.clone(), at_apex);
    change.sign(apex, Rtype::SOA, soa.ttl, vec![soa.data.clone()]);
    change.finish(&context)
}

/// The touched names, each with its kind after the change, in canonical order.
fn classify<'c>(
    zone: &dyn SignedZone,
    apex: &Name,
    touched: &'c BTreeMap<Name, Vec<Record>>,
    denial: &Denial,
) -> Result<Vec<Touched<'c>>, SignError> {
    let mut names = Vec::with_capacity(touched.len());
    for (owner, records) in touched {
        let refuse = || SignError::NotIncremental(owner.clone());
        if owner == apex || !owner.is_subdomain_of(apex) {
            return Err(refuse());
        }
        if records.iter().any(|r| is_dnssec_type(r.data.rtype()) || &r.owner != owner) {
            return Err(refuse());
        }
        let top = owner.parent().is_some_and(|parent| &parent == apex);
        let kind = if top {
            if records.is_empty() {
                Kind::Gone
            } else if records.iter().any(|r| r.data.rtype() == Rtype::NS) {
                Kind::Delegation
            } else {
                Kind::Authoritative
            }
        } else {
            // Deeper names must stay out of the chain: gone, or below a delegation one label
            // under the apex; one that was in it (data below a name with data) is refused.
            if in_served_chain(zone, apex, owner, denial)? {
                return Err(refuse());
            }
            if records.is_empty() {
                Kind::Gone
            } else {
                let cut = top_ancestor(owner, apex).ok_or_else(refuse)?;
                let cut_records = match touched.get(&cut) {
                    Some(records) => records.clone(),
                    None => zone.records_at(&cut),
                };
                if !cut_records.iter().any(|r| r.data.rtype() == Rtype::NS) {
                    return Err(refuse());
                }
                Kind::Below
            }
        };
        let was = top && in_served_chain(zone, apex, owner, denial)?;
        let mut name = Touched { owner, records, kind, was, now: false };
        name.now = name.in_chain(denial);
        names.push(name);
    }
    Ok(names)
}

/// The ancestor of `owner` one label below `apex`.
fn top_ancestor(owner: &Name, apex: &Name) -> Option<Name> {
    let mut name = owner.clone();
    loop {
        let parent = name.parent()?;
        if &parent == apex {
            return Some(name);
        }
        if !parent.is_subdomain_of(apex) {
            return None;
        }
        name = parent;
    }
}

/// True when the served zone has `owner` in its chain.
fn in_served_chain(
    zone: &dyn SignedZone,
    apex: &Name,
    owner: &Name,
    denial: &Denial,
) -> Result<bool, SignError> {
    Ok(match denial {
        Denial::Nsec => zone.records_at(owner).iter().any(|r| r.data.rtype() == Rtype::NSEC),
        Denial::Nsec3(params) => {
            let hash = nsec3_hash(owner, &params.salt, params.iterations);
            let hashed = hashed_owner(&hash, apex)
                .map_err(|_| SignError::Nsec3OwnerTooLong(owner.clone()))?;
            zone.records_at(&hashed).iter().any(|r| r.data.rtype() == Rtype::NSEC3)
        }
    })
}

/// The RRsets of `records` (in any order): type, TTL of the first record, data.
fn rrsets(records: &[Record]) -> Vec<(Rtype, u32, Vec<RecordData>)> {
    let mut sets: Vec<(Rtype, u32, Vec<RecordData>)> = Vec::new();
    for record in records {
        let rtype = record.data.rtype();
        match sets.iter_mut().find(|(t, _, _)| *t == rtype) {
            Some((_, _, data)) => data.push(record.data.clone()),
            None => sets.push((rtype, record.ttl, vec![record.data.clone()])),
        }
    }
    sets
}

/// True for a record of `rtype` or an RRSIG over it.
fn covers(record: &Record, rtype: Rtype) -> bool {
    match &record.data {
        RecordData::Rrsig(rrsig) => rrsig.type_covered == rtype,
        data => data.rtype() == rtype,
    }
}

/// The records a change makes, gathered owner by owner, and the RRsets still to sign.
struct Change<'z> {
    zone: &'z dyn SignedZone,
    class: Class,
    out: BTreeMap<Name, Vec<Record>>,
    jobs: Vec<Job>,
}

impl Change<'_> {
    /// Queues `records` at `owner` to be signed (their RRSIGs are added by [`Change::finish`]).
    fn sign(&mut self, owner: &Name, rtype: Rtype, ttl: u32, records: Vec<RecordData>) {
        self.jobs.push(Job { owner: owner.clone(), rtype, ttl, records, signers: Signers::Zone });
    }

    /// The records of `owner` after the change so far: those the change gave it, or else the
    /// ones the zone has there.
    fn records_of(&mut self, owner: &Name) -> &mut Vec<Record> {
        let zone = self.zone;
        self.out.entry(owner.clone()).or_insert_with(|| zone.records_at(owner))
    }

    /// Puts `data` in place of the `owner`'s RRset of its type and that RRset's signature, and
    /// queues it to be signed.
    fn replace(&mut self, owner: &Name, ttl: u32, data: RecordData) {
        let rtype = data.rtype();
        let class = self.class;
        let records = self.records_of(owner);
        records.retain(|r| !covers(r, rtype));
        records.push(Record { owner: owner.clone(), class, ttl, data: data.clone() });
        self.sign(owner, rtype, ttl, vec![data]);
    }

    /// Signs the queued RRsets and puts their signatures at their owners.
    fn finish(self, context: &Context<'_>) -> Result<BTreeMap<Name, Vec<Record>>, SignError> {
        let Change { mut out, jobs, .. } = self;
        let signatures = sign_batch(&jobs, context, 1)?;
        for (job, rrsigs) in jobs.into_iter().zip(signatures) {
            let records = out.entry(job.owner.clone()).or_default();
            for rrsig in rrsigs {
                records.push(Record {
                    owner: job.owner.clone(),
                    class: context.class,
                    ttl: job.ttl,
                    data: RecordData::Rrsig(rrsig),
                });
            }
        }
        Ok(out)
    }
}

/// A chain of the served zone, read through it, in its own order.
trait Chain {
    /// What orders the chain: owner names for NSEC, hashes for NSEC3.
    type Key: Ord + Clone;
    /// The member strictly before `key`, wrapping round.
    fn before(&self, key: &Self::Key) -> Result<Self::Key, SignError>;
    /// The member after `member`: the next field of its record.
    fn next_of(&self, member: &Self::Key) -> Result<Self::Key, SignError>;
    /// The error for a chain that does not hold at `key`.
    fn broken(&self, key: &Self::Key) -> SignError;
}

/// The members a change adds to a chain and removes from it.
struct Edit<K> {
    added: BTreeSet<K>,
    removed: BTreeSet<K>,
}

impl<K: Ord + Clone> Edit<K> {
    /// The member after `key` once the change is made; `member` tells whether `key` is in the
    /// served chain.
    fn successor<C: Chain<Key = K>>(
        &self,
        chain: &C,
        key: &K,
        member: bool,
    ) -> Result<K, SignError> {
        let mut served = match member {
            true => chain.next_of(key)?,
            false => chain.next_of(&chain.before(key)?)?,
        };
        // Each step passes a removed member, so more steps than removals mean a loop.
        for _ in 0..=self.removed.len() {
            if !self.removed.contains(&served) {
                let added =
                    self.added.range((Excluded(key), Unbounded)).next().or(self.added.first());
                // Of the two candidates, the first one met going round from `key`.
                let rank = |k: &K| (k <= key, k.clone());
                return Ok(match added {
                    Some(added) if rank(added) < rank(&served) => added.clone(),
                    _ => served,
                });
            }
            served = chain.next_of(&served)?;
        }
        Err(chain.broken(key))
    }

    /// The member before `key` once the change is made.
    fn predecessor<C: Chain<Key = K>>(&self, chain: &C, key: &K) -> Result<K, SignError> {
        let mut served = chain.before(key)?;
        for _ in 0..=self.removed.len() {
            if !self.removed.contains(&served) {
                let added = self.added.range(..key).next_back().or(self.added.last());
                let rank = |k: &K| (k >= key, Reverse(k.clone()));
                return Ok(match added {
                    Some(added) if rank(added) < rank(&served) => added.clone(),
                    _ => served,
                });
            }
            served = chain.before(&served)?;
        }
        Err(chain.broken(key))
    }
}

/// The NSEC chain of the served zone.
struct NsecChain<'z> {
    zone: &'z dyn SignedZone,
}

impl Chain for NsecChain<'_> {
    type Key = Name;

    fn before(&self, key: &Name) -> Result<Name, SignError> {
        let record = self.zone.nsec_before(key).ok_or_else(|| self.broken(key))?;
        Ok(record.owner)
    }

    fn next_of(&self, member: &Name) -> Result<Name, SignError> {
        let nsec = self.zone.records_at(member).into_iter().find_map(|r| match r.data {
            RecordData::Nsec(nsec) => Some(nsec.next),
            _ => None,
        });
        nsec.ok_or_else(|| self.broken(member))
    }

    fn broken(&self, key: &Name) -> SignError {
        SignError::BrokenChain(key.clone())
    }
}

/// The NSEC3 chain of the served zone.
struct Nsec3Chain<'z> {
    zone: &'z dyn SignedZone,
    apex: &'z Name,
}

impl Nsec3Chain<'_> {
    fn owner(&self, hash: &[u8]) -> Result<Name, SignError> {
        hashed_owner(hash, self.apex).map_err(|_| SignError::BrokenChain(self.apex.clone()))
    }

    /// The NSEC3 record the served zone has for `hash`.
    fn record(&self, hash: &[u8]) -> Result<Option<Nsec3>, SignError> {
        let records = self.zone.records_at(&self.owner(hash)?);
        Ok(records.into_iter().find_map(|r| match r.data {
            RecordData::Nsec3(nsec3) => Some(nsec3),
            _ => None,
        }))
    }
}

impl Chain for Nsec3Chain<'_> {
    type Key = Vec<u8>;

    fn before(&self, key: &Vec<u8>) -> Result<Vec<u8>, SignError> {
        let record = self.zone.nsec3_before(key).ok_or_else(|| self.broken(key))?;
        hash_of_owner(&record.owner).ok_or_else(|| self.broken(key))
    }

    fn next_of(&self, member: &Vec<u8>) -> Result<Vec<u8>, SignError> {
        let record = self.record(member)?.ok_or_else(|| self.broken(member))?;
        Ok(record.next_hashed_owner)
    }

    fn broken(&self, key: &Vec<u8>) -> SignError {
        SignError::BrokenChain(self.owner(key).unwrap_or_else(|_| self.apex.clone()))
    }
}

/// The NSEC records the change makes: at each touched name in the chain, and at the names
/// before those that join or leave it.
fn nsec_change(change: &mut Change<'_>, names: &[Touched<'_>], ttl: u32) -> Result<(), SignError> {
    let chain = NsecChain { zone: change.zone };
    let edit = Edit {
        added: names.iter().filter(|n| n.now && !n.was).map(|n| n.owner.clone()).collect(),
        removed: names.iter().filter(|n| !n.now && n.was).map(|n| n.owner.clone()).collect(),
    };
    let mut done = BTreeSet::new();
    for name in names.iter().filter(|n| n.now) {
        let next = edit.successor(&chain, name.owner, name.was)?;
        let types = name.records.iter().map(|r| r.data.rtype());
        let types = bitmap_of(types, name.name_kind(), &[], true);
        change.replace(name.owner, ttl, RecordData::Nsec(Nsec { next, types }));
        done.insert(name.owner.clone());
    }
    for moved in edit.added.iter().chain(&edit.removed) {
        let before = edit.predecessor(&chain, moved)?;
        if !done.insert(before.clone()) {
            continue;
        }
        let types = change.records_of(&before).iter().find_map(|r| match &r.data {
            RecordData::Nsec(nsec) => Some(nsec.types.clone()),
            _ => None,
        });
        let types = types.ok_or_else(|| chain.broken(&before))?;
        let next = edit.successor(&chain, &before, true)?;
        change.replace(&before, ttl, RecordData::Nsec(Nsec { next, types }));
    }
    Ok(())
}

/// The NSEC3 records the change makes: for each touched name in the chain, none for those
/// that left it, and new ones for the hashes before those that join or leave it.
fn nsec3_change(
    change: &mut Change<'_>,
    apex: &Name,
    names: &[Touched<'_>],
    params: &Nsec3Options,
    ttl: u32,
) -> Result<(), SignError> {
    let chain = Nsec3Chain { zone: change.zone, apex };
    let hash = |owner: &Name| nsec3_hash(owner, &params.salt, params.iterations).to_vec();
    let edit = Edit {
        added: names.iter().filter(|n| n.now && !n.was).map(|n| hash(n.owner)).collect(),
        removed: names.iter().filter(|n| !n.now && n.was).map(|n| hash(n.owner)).collect(),
    };
    let flags = if params.opt_out { Nsec3::OPT_OUT } else { 0 };
    let record = |next: Vec<u8>, types| {
        RecordData::Nsec3(Nsec3 {
            hash_algorithm: SHA1,
            flags,
            iterations: params.iterations,
            salt: params.salt.clone(),
            next_hashed_owner: next,
            types,
        })
    };
    for removed in &edit.removed {
        change.out.insert(chain.owner(removed)?, Vec::new());
    }
    let mut done = BTreeSet::new();
    for name in names.iter().filter(|n| n.now) {
        let own = hash(name.owner);
        let next = edit.successor(&chain, &own, name.was)?;
        let types = name.records.iter().map(|r| r.data.rtype());
        let types = bitmap_of(types, name.name_kind(), &[], false);
        change.replace(&chain.owner(&own)?, ttl, record(next, types));
        done.insert(own);
    }
    for moved in edit.added.iter().chain(&edit.removed) {
        let before = edit.predecessor(&chain, moved)?;
        if !done.insert(before.clone()) {
            continue;
        }
        let types = chain.record(&before)?.ok_or_else(|| chain.broken(&before))?.types;
        let next = edit.successor(&chain, &before, true)?;
        change.replace(&chain.owner(&before)?, ttl, record(next, types));
    }
    Ok(())
}
