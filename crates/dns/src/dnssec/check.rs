//! The whole-zone verifier: every problem a validator would trip on, each with its owner and
//! type. It checks what `dnssec-verify`, `ldns-verify-zone` and `kzonecheck -d on` check:
//! signatures (present for every algorithm of the DNSKEY set, valid now, verifying, none on
//! glue or delegation NS) and the NSEC or NSEC3 chain (complete, in order, bitmaps right).
//!
//! Work per signature is bounded: at most [`MAX_KEYS_PER_TAG`] keys are tried for one key tag
//! (the KeyTrap class of attack, CVE-2023-50387, lives on trying them all).

use std::collections::HashMap;
use std::fmt;

use super::canonical::{rrsig_labels, signed_data};
use super::names::{self, NameEntry, NameKind};
use super::nsec3::{hash_of_owner, nsec3_hash};
use super::time::serial_lt;
use super::verify::verify_signature;
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Dnskey, Rrsig, ZONE_KEY, write_sig_time};
use crate::rdata::rfc5155::{Nsec3, Nsec3param};
use crate::rtype::Rtype;
use crate::store::ZoneStore;

/// Most keys with one tag and algorithm tried for one signature.
pub const MAX_KEYS_PER_TAG: usize = 4;

/// One thing wrong with a signed zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The owner name it concerns.
    pub owner: Name,
    /// The record type it concerns.
    pub rtype: Rtype,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.owner, self.rtype, self.message)
    }
}

/// What verification is relative to.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// The time signatures must be valid at (seconds since 1970).
    pub now: u32,
}

/// Counts of what was checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifySummary {
    /// RRsets that needed signatures.
    pub rrsets: u64,
    /// Signatures checked cryptographically.
    pub signatures: u64,
    /// Signatures valid now that verified.
    pub valid: u64,
    /// Problems reported.
    pub problems: u64,
}

struct Checker<'a, 'r> {
    store: &'a ZoneStore,
    apex: &'a Name,
    now: u32,
    keys: Vec<Dnskey>,
    algorithms: Vec<u8>,
    report: &'r mut dyn FnMut(Problem),
    summary: VerifySummary,
}

impl Checker<'_, '_> {
    fn problem(&mut self, owner: &Name, rtype: Rtype, message: String) {
        self.summary.problems += 1;
        (self.report)(Problem { owner: owner.clone(), rtype, message });
    }
}

/// Verifies the signed zone in `store`, reporting each problem to `report`.
pub fn verify_zone(
    store: &ZoneStore,
    options: &VerifyOptions,
    report: &mut dyn FnMut(Problem),
) -> VerifySummary {
    let apex = store.origin();
    let mut checker = Checker {
        store,
        apex,
        now: options.now,
        keys: Vec::new(),
        algorithms: Vec::new(),
        report,
        summary: VerifySummary::default(),
    };
    if !store.has(apex, Rtype::SOA) {
        checker.problem(apex, Rtype::SOA, "no SOA record at the apex".into());
    }
    for record in store.rrset(apex, Rtype::DNSKEY) {
        if let Ok(RecordData::Dnskey(key)) = record.data()
            && key.flags & ZONE_KEY != 0
            && key.protocol == 3
        {
            checker.keys.push(key);
        }
    }
    if checker.keys.is_empty() {
        checker.problem(
            apex,
            Rtype::DNSKEY,
            "no zone key (DNSKEY with flag 256) at the apex".into(),
        );
        return checker.summary;
    }
    let mut algorithms: Vec<u8> = checker.keys.iter().map(|k| k.algorithm).collect();
    algorithms.sort_unstable();
    algorithms.dedup();
    for &algorithm in &algorithms {
        if super::Algorithm::from_number(algorithm).is_none() {
            checker.problem(
                apex,
                Rtype::DNSKEY,
                format!("algorithm {algorithm} is in the DNSKEY set but nameward cannot verify it"),
            );
        }
    }
    checker.algorithms =
        algorithms.into_iter().filter(|a| super::Algorithm::from_number(*a).is_some()).collect();
    let entries = names::classify(store);
    for entry in &entries {
        check_name(&mut checker, entry);
    }
    let nsec3param = store.rrset(apex, Rtype::NSEC3PARAM).find_map(|r| match r.data() {
        Ok(RecordData::Nsec3param(p)) if p.flags == 0 => Some(p),
        _ => None,
    });
    let has_nsec = store.has(apex, Rtype::NSEC);
    match nsec3param {
        Some(params) => {
            if has_nsec {
                checker.problem(apex, Rtype::NSEC, "both NSEC and NSEC3PARAM at the apex".into());
            }
            check_nsec3(&mut checker, &entries, &params);
        }
        None => {
            if store.has(apex, Rtype::NSEC3PARAM) {
                checker.problem(apex, Rtype::NSEC3PARAM, "no NSEC3PARAM with flags 0".into());
            }
            check_nsec(&mut checker, &entries);
        }
    }
    checker.summary
}

/// The signatures at one name.
fn check_name(c: &mut Checker<'_, '_>, entry: &NameEntry) {
    let owner = entry.owner(c.store);
    if entry.kind == NameKind::OutOfZone {
        c.problem(&owner, Rtype::ANY, format!("outside the zone {}", c.apex));
        return;
    }
    let mut rrsigs: Vec<Rrsig> = Vec::new();
    for i in entry.range() {
        if let Some(record) = c.store.get(i).filter(|r| r.rtype() == Rtype::RRSIG) {
            match record.data() {
                Ok(RecordData::Rrsig(rrsig)) => rrsigs.push(rrsig),
                _ => c.problem(&owner, Rtype::RRSIG, "undecodable RRSIG".into()),
            }
        }
    }
    // (type, algorithm) pairs with a signature that verifies now.
    for rrsig in &rrsigs {
        if check_rrsig(c, entry, &owner, rrsig).is_some() {
            c.summary.valid += 1;
        }
    }
    // An RRSIG that failed was reported already; "no signature" is for those with none.
    let present: Vec<(Rtype, u8)> = rrsigs.iter().map(|s| (s.type_covered, s.algorithm)).collect();
    let mut at = entry.start as usize;
    while at < entry.end as usize {
        let Some(first) = c.store.get(at) else { break };
        let rtype = first.rtype();
        while c.store.get(at).is_some_and(|r| at < entry.end as usize && r.rtype() == rtype) {
            at += 1;
        }
        let must_sign = match entry.kind {
            NameKind::Apex | NameKind::Authoritative => rtype != Rtype::RRSIG,
            NameKind::Delegation => rtype == Rtype::DS || rtype == Rtype::NSEC,
            NameKind::Occluded | NameKind::OutOfZone => false,
        };
        if !must_sign {
            continue;
        }
        c.summary.rrsets += 1;
        let missing: Vec<u8> = c
            .algorithms
            .iter()
            .copied()
            .filter(|&algorithm| !present.contains(&(rtype, algorithm)))
            .collect();
        for algorithm in missing {
            c.problem(
                &owner,
                rtype,
                format!("no signature by an algorithm {algorithm} key of the DNSKEY set"),
            );
        }
    }
}

/// Checks one RRSIG; the covered type and algorithm when it is valid now and verifies.
fn check_rrsig(
    c: &mut Checker<'_, '_>,
    entry: &NameEntry,
    owner: &Name,
    rrsig: &Rrsig,
) -> Option<(Rtype, u8)> {
    let covered = rrsig.type_covered;
    let range: Vec<usize> =
        entry.range().filter(|&i| c.store.get(i).is_some_and(|r| r.rtype() == covered)).collect();
    let Some(&first) = range.first() else {
        c.problem(owner, covered, "an RRSIG covers this type, which the name does not have".into());
        return None;
    };
    match entry.kind {
        NameKind::Occluded => {
            c.problem(owner, covered, "signature on glue or data below a delegation".into());
            return None;
        }
        NameKind::Delegation if covered != Rtype::DS && covered != Rtype::NSEC => {
            c.problem(
                owner,
                covered,
                "signature at a delegation: only DS and NSEC are signed there".into(),
            );
            return None;
        }
        _ => {}
    }
    if rrsig.signer != *c.apex {
        c.problem(owner, covered, format!("RRSIG signer {} is not the apex", rrsig.signer));
        return None;
    }
    if rrsig.labels > rrsig_labels(owner) {
        c.problem(owner, covered, format!("RRSIG labels {} exceed the owner's", rrsig.labels));
        return None;
    }
    let ttl = c.store.get(first).map_or(0, |r| r.ttl());
    if rrsig.original_ttl != ttl {
        c.problem(
            owner,
            covered,
            format!("RRSIG original TTL {} differs from the RRset's TTL {ttl}", rrsig.original_ttl),
        );
    }
    if serial_lt(rrsig.expiration, c.now) {
        let mut when = String::new();
        let _ = write_sig_time(&mut when, rrsig.expiration);
        c.problem(owner, covered, format!("signature by key {} expired at {when}", rrsig.key_tag));
        return None;
    }
    if serial_lt(c.now, rrsig.inception) {
        let mut when = String::new();
        let _ = write_sig_time(&mut when, rrsig.inception);
        c.problem(
            owner,
            covered,
            format!("signature by key {} not valid before {when}", rrsig.key_tag),
        );
        return None;
    }
    let candidates: Vec<&Dnskey> = c
        .keys
        .iter()
        .filter(|k| k.algorithm == rrsig.algorithm && k.key_tag() == rrsig.key_tag)
        .take(MAX_KEYS_PER_TAG)
        .collect();
    if candidates.is_empty() {
        c.problem(
            owner,
            covered,
            format!(
                "signed by key tag {} algorithm {}, which is not in the DNSKEY set",
                rrsig.key_tag, rrsig.algorithm
            ),
        );
        return None;
    }
    let mut rdata: Vec<&[u8]> =
        range.iter().filter_map(|&i| c.store.get(i)).map(|r| r.canonical_rdata()).collect();
    let class = c.store.get(first).map_or(crate::rtype::Class::IN, |r| r.class());
    let mut data = Vec::with_capacity(512);
    signed_data(&mut data, rrsig, owner, class, &mut rdata);
    c.summary.signatures += 1;
    if candidates.iter().any(|key| verify_signature(key, &data, &rrsig.signature).is_ok()) {
        return Some((covered, rrsig.algorithm));
    }
    c.problem(
        owner,
        covered,
        format!(
            "signature by key tag {} algorithm {} does not verify",
            rrsig.key_tag, rrsig.algorithm
        ),
    );
    None
}

/// The NSEC chain: one NSEC per name in the chain, each pointing at the next, bitmaps right.
fn check_nsec(c: &mut Checker<'_, '_>, entries: &[NameEntry]) {
    let chain: Vec<&NameEntry> = entries.iter().filter(|e| e.in_chain()).collect();
    for (i, entry) in chain.iter().enumerate() {
        let owner = entry.owner(c.store);
        let nsecs: Vec<_> = entry
            .range()
            .filter_map(|i| c.store.get(i))
            .filter(|r| r.rtype() == Rtype::NSEC)
            .filter_map(|r| match r.data() {
                Ok(RecordData::Nsec(nsec)) => Some(nsec),
                _ => None,
            })
            .collect();
        let Some(nsec) = nsecs.first() else {
            c.problem(&owner, Rtype::NSEC, "missing NSEC record".into());
            continue;
        };
        if nsecs.len() > 1 {
            c.problem(&owner, Rtype::NSEC, "more than one NSEC record".into());
        }
        let next = chain.get(i + 1).or(chain.first()).map_or(c.apex.clone(), |e| e.owner(c.store));
        if nsec.next != next {
            c.problem(
                &owner,
                Rtype::NSEC,
                format!("NSEC points to {} but the next name is {next}", nsec.next),
            );
        }
        let expected = names::bitmap(c.store, entry, &[], true);
        if nsec.types != expected {
            c.problem(
                &owner,
                Rtype::NSEC,
                format!("NSEC lists [{}] but the name has [{expected}]", nsec.types),
            );
        }
    }
    for entry in entries.iter().filter(|e| !e.in_chain() && e.has(c.store, Rtype::NSEC)) {
        let owner = entry.owner(c.store);
        c.problem(
            &owner,
            Rtype::NSEC,
            "NSEC at a name outside the chain (glue, occluded or empty)".into(),
        );
    }
}

/// One name an NSEC3 record may stand for.
struct Expected {
    hash: [u8; 20],
    /// The store entry; `None` for an empty non-terminal.
    entry: Option<usize>,
    name: Name,
    /// False for an insecure delegation (and empty non-terminals only above such), which an
    /// opt-out NSEC3 may leave out.
    required: bool,
}

/// The NSEC3 chain against the NSEC3PARAM: every name hashed, records in a ring, bitmaps right.
fn check_nsec3(c: &mut Checker<'_, '_>, entries: &[NameEntry], params: &Nsec3param) {
    let apex = c.apex.clone();
    let hash = |name: &Name| nsec3_hash(name, &params.salt, params.iterations);
    let mut expected: Vec<Expected> = Vec::new();
    let mut ents: HashMap<Name, bool> = HashMap::new();
    let mut ent_list: Vec<Name> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if !entry.in_chain() {
            continue;
        }
        let owner = entry.owner(c.store);
        let required = entry.kind != NameKind::Delegation || entry.has(c.store, Rtype::DS);
        ent_list.extend(names::empty_non_terminals(c.store, &owner, required, &mut ents));
        expected.push(Expected { hash: hash(&owner), entry: Some(index), name: owner, required });
    }
    for name in ent_list {
        let required = ents.get(&name).copied().unwrap_or(true);
        expected.push(Expected { hash: hash(&name), entry: None, name, required });
    }
    expected.sort_unstable_by_key(|e| e.hash);
    // The NSEC3 records of the zone.
    let mut actual: Vec<(Vec<u8>, Name, Nsec3)> = Vec::new();
    for entry in entries.iter().filter(|e| e.has(c.store, Rtype::NSEC3)) {
        let owner = entry.owner(c.store);
        for i in entry.range() {
            let Some(Ok(RecordData::Nsec3(record))) =
                c.store.get(i).filter(|r| r.rtype() == Rtype::NSEC3).map(|r| r.data())
            else {
                continue;
            };
            if owner.parent().as_ref() != Some(&apex) {
                c.problem(&owner, Rtype::NSEC3, "NSEC3 owner is not a child of the apex".into());
                continue;
            }
            let Some(owner_hash) = hash_of_owner(&owner).filter(|h| h.len() == 20) else {
                c.problem(
                    &owner,
                    Rtype::NSEC3,
                    "NSEC3 owner's first label is not a base32hex SHA-1 hash".into(),
                );
                continue;
            };
            if record.hash_algorithm != params.hash_algorithm
                || record.iterations != params.iterations
                || record.salt != params.salt
            {
                c.problem(
                    &owner,
                    Rtype::NSEC3,
                    "NSEC3 parameters differ from the NSEC3PARAM's".into(),
                );
                continue;
            }
            actual.push((owner_hash, owner.clone(), record));
        }
    }
    actual.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (i, (owner_hash, owner, record)) in actual.iter().enumerate() {
        if actual.get(i + 1).is_some_and(|next| &next.0 == owner_hash) {
            c.problem(owner, Rtype::NSEC3, "more than one NSEC3 record at this hash".into());
        }
        let next = actual.get(i + 1).or(actual.first()).map(|n| &n.0);
        if next != Some(&record.next_hashed_owner) {
            c.problem(
                owner,
                Rtype::NSEC3,
                "NSEC3 next hashed owner is not the next NSEC3 in hash order".into(),
            );
        }
        match expected.binary_search_by(|e| e.hash[..].cmp(owner_hash)) {
            Ok(at) => {
                let want = match expected[at].entry.and_then(|e| entries.get(e)) {
                    Some(entry) if entry.kind == NameKind::Apex => {
                        names::bitmap(c.store, entry, &[Rtype::NSEC3PARAM], false)
                    }
                    Some(entry) => names::bitmap(c.store, entry, &[], false),
                    None => Default::default(),
                };
                if record.types != want {
                    let name = expected[at].name.clone();
                    c.problem(
                        owner,
                        Rtype::NSEC3,
                        format!(
                            "NSEC3 of {name} lists [{}] but the name has [{want}]",
                            record.types
                        ),
                    );
                }
            }
            Err(_) => c.problem(owner, Rtype::NSEC3, "NSEC3 matches no name of the zone".into()),
        }
    }
    for want in &expected {
        if actual.binary_search_by(|a| a.0[..].cmp(&want.hash)).is_ok() {
            continue;
        }
        if want.required {
            c.problem(&want.name, Rtype::NSEC3, "missing NSEC3 record".into());
            continue;
        }
        // An opted-out name: the NSEC3 covering its hash must carry the opt-out flag.
        let covering = match actual.partition_point(|a| a.0[..] < want.hash[..]) {
            0 => actual.last(),
            at => actual.get(at - 1),
        };
        if covering.is_none_or(|(_, _, r)| r.flags & Nsec3::OPT_OUT == 0) {
            c.problem(
                &want.name,
                Rtype::NSEC3,
                "insecure delegation without NSEC3, and the NSEC3 covering it lacks the opt-out flag".into(),
            );
        }
    }
}
