//! The whole-zone signer: a zone's records in, the signed zone out, record by record in
//! canonical order of names (then the NSEC3 chain in hash order).
//!
//! Rules (RFC 4035 §2, RFC 5155 §7, RFC 9077): every authoritative RRset is signed, the apex NS
//! and DS included; at a delegation only DS and NSEC are; glue and other data below a cut never
//! are. The DNSKEY RRset (and the apex's CDS and CDNSKEY) is signed by the key-signing keys of
//! each algorithm, everything else by the zone-signing keys (an algorithm with only one kind of
//! key uses it for both: a CSK). Each signing key's DNSKEY is published unless it is marked
//! [`SigningKey::unpublished`].
//! RRSIG TTL = original TTL = the RRset's TTL; NSEC/NSEC3 TTL = min(SOA MINIMUM, SOA TTL).
//! Records the signer makes (RRSIG, NSEC, NSEC3, NSEC3PARAM) are dropped from the input and
//! made again, so a signed zone can be signed again.
//!
//! Work is done in batches of RRsets: each batch is signed on every core
//! (`std::thread::scope`), then handed out in order, so memory holds one batch of records, not
//! the signed zone. Each worker keeps one canonical-form buffer for all its RRsets.

use std::collections::HashMap;
use std::ops::ControlFlow;

use super::canonical::{canonical_rdata, rrsig_labels, signed_data};
use super::key::{KeyError, SigningKey};
use super::names::{self, NameEntry, NameKind, is_dnssec_type};
use super::nsec3::{SHA1, hashed_owner, nsec3_hash};
use super::time::check_window;
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Nsec, Rrsig, TypeBitmap};
use crate::rdata::rfc5155::{Nsec3, Nsec3param};
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use crate::store::ZoneStore;
use crate::wire::{WireError, WireMode, Writer};

/// RRsets signed together before their records are handed out.
const BATCH: usize = 8192;

/// How denial of existence is proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// An NSEC chain (RFC 4034 §4).
    Nsec,
    /// An NSEC3 chain (RFC 5155).
    Nsec3(Nsec3Options),
}

/// NSEC3 parameters; the default is RFC 9276's: no extra iterations, no salt, no opt-out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nsec3Options {
    /// Extra hash iterations (RFC 9276 §3.1: 0).
    pub iterations: u16,
    /// The salt (RFC 9276 §3.1: none).
    pub salt: Vec<u8>,
    /// Leave insecure delegations out of the chain (RFC 5155 §6), for delegation-heavy zones.
    pub opt_out: bool,
}

/// What a signing run needs besides the zone and keys.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// Start of the signatures' validity (seconds since 1970, RFC 1982 arithmetic).
    pub inception: u32,
    /// End of their validity.
    pub expiration: u32,
    /// NSEC or NSEC3.
    pub denial: Denial,
    /// Threads to sign on; 0 uses every core.
    pub threads: usize,
}

/// Counts of what a signing run made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignSummary {
    /// Records handed out (the zone's, the signer's and the signatures).
    pub records: u64,
    /// RRSIG records made.
    pub signatures: u64,
    /// NSEC or NSEC3 records made.
    pub denial: u64,
}

/// Why a zone could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No key was given.
    #[error("no signing key given")]
    NoKeys,
    /// The apex has no SOA record.
    #[error("the zone has no SOA record at its apex {0}")]
    NoSoa(Name),
    /// A record lies outside the zone.
    #[error("{0} is outside the zone {1}")]
    OutOfZone(Name, Name),
    /// The validity window is unusable.
    #[error("bad signature validity: {0}")]
    BadWindow(&'static str),
    /// Two names have the same NSEC3 hash: choose another salt.
    #[error("{0} and {1} have the same NSEC3 hash; sign again with another salt")]
    HashCollision(Name, Name),
    /// NSEC3 hashing a name made a name longer than 255 octets.
    #[error("the NSEC3 owner name for {0} would be longer than 255 octets")]
    Nsec3OwnerTooLong(Name),
    /// A key failed to sign.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A stored record could not be decoded (a bug).
    #[error("a stored record could not be decoded: {0}")]
    Store(#[from] WireError),
    /// The receiver of the records asked to stop.
    #[error("stopped by the receiver of the signed records")]
    Stopped,
    /// A signing thread panicked (a bug).
    #[error("a signing thread failed")]
    Worker,
    /// A record could not be held in the zone store.
    #[error("{0}: {1}")]
    Hold(Name, crate::store::StoreError),
    /// A change the incremental signer does not sign: the whole zone must be signed again.
    #[error("the change at {0} cannot be signed incrementally; sign the whole zone")]
    NotIncremental(Name),
    /// The signed zone's NSEC or NSEC3 chain does not hold where the change needs it.
    #[error("the signed zone's denial chain is broken near {0}; sign the whole zone")]
    BrokenChain(Name),
}

/// Which keys sign an RRset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Signers {
    /// Not signed (delegation NS, glue).
    None,
    /// The zone-signing keys.
    Zone,
    /// The key-signing keys (the DNSKEY RRset).
    Keys,
}

/// One RRset to hand out, and perhaps to sign.
pub(super) struct Job {
    pub(super) owner: Name,
    pub(super) rtype: Rtype,
    pub(super) ttl: u32,
    pub(super) records: Vec<RecordData>,
    pub(super) signers: Signers,
}

/// What every RRset's signing shares.
pub(super) struct Context<'a> {
    pub(super) apex: &'a Name,
    pub(super) class: Class,
    pub(super) inception: u32,
    pub(super) expiration: u32,
    pub(super) zone_keys: Vec<&'a SigningKey>,
    pub(super) key_keys: Vec<&'a SigningKey>,
}

/// Reused by one worker from RRset to RRset.
struct Scratch {
    rdata: Writer,
    ranges: Vec<std::ops::Range<usize>>,
    data: Vec<u8>,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            rdata: Writer::with_mode(WireMode::Canonical),
            ranges: Vec::new(),
            data: Vec::with_capacity(1024),
        }
    }
}

/// Signs the zone in `store` with `keys`, handing each record of the signed zone to `emit`,
/// which may stop the run with [`ControlFlow::Break`].
pub fn sign_zone(
    store: &ZoneStore,
    keys: &[SigningKey],
    options: &SignOptions,
    emit: &mut dyn FnMut(Record) -> ControlFlow<()>,
) -> Result<SignSummary, SignError> {
    let apex = store.origin();
    if keys.is_empty() {
        return Err(SignError::NoKeys);
    }
    check_window(options.inception, options.expiration).map_err(SignError::BadWindow)?;
    let entries = names::classify(store);
    if let Some(outside) = entries.iter().find(|e| e.kind == NameKind::OutOfZone) {
        return Err(SignError::OutOfZone(outside.owner(store), apex.clone()));
    }
    let soa = store.rrset(apex, Rtype::SOA).next().ok_or_else(|| SignError::NoSoa(apex.clone()))?;
    let (class, soa_ttl) = (soa.class(), soa.ttl());
    let minimum = match soa.data()? {
        RecordData::Soa(soa) => soa.minimum,
        _ => soa_ttl,
    };
    let denial_ttl = minimum.min(soa_ttl);
    let (zone_keys, key_keys) = roles(keys);
    let context = Context {
        apex,
        class,
        inception: options.inception,
        expiration: options.expiration,
        zone_keys,
        key_keys,
    };
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut out = Output { emit, summary: SignSummary::default(), threads };
    let nsec = options.denial == Denial::Nsec;
    let chain: Vec<usize> = if nsec {
        entries.iter().enumerate().filter(|(_, e)| e.in_chain()).map(|(i, _)| i).collect()
    } else {
        Vec::new()
    };
    let mut next_in_chain = 0usize;
    let mut jobs = Vec::with_capacity(BATCH);
    for (index, entry) in entries.iter().enumerate() {
        if entry.only_dnssec {
            continue;
        }
        let owner = entry.owner(store);
        name_jobs(store, entry, &owner, keys, soa_ttl, &options.denial, denial_ttl, &mut jobs)?;
        if nsec && entry.in_chain() {
            // `chain` lists the entries in chain order, so this entry is at `next_in_chain`.
            debug_assert_eq!(chain.get(next_in_chain), Some(&index));
            let next_entry = chain.get(next_in_chain + 1).or(chain.first()).copied();
            next_in_chain += 1;
            let next =
                next_entry.and_then(|i| entries.get(i)).map_or(apex.clone(), |e| e.owner(store));
            let extra: &[Rtype] = if entry.kind == NameKind::Apex { &[Rtype::DNSKEY] } else { &[] };
            let types = names::bitmap(store, entry, extra, true);
            jobs.push(Job {
                owner,
                rtype: Rtype::NSEC,
                ttl: denial_ttl,
                records: vec![RecordData::Nsec(Nsec { next, types })],
                signers: Signers::Zone,
            });
            out.summary.denial += 1;
        }
        if jobs.len() >= BATCH {
            out.flush(&mut jobs, &context)?;
        }
    }
    out.flush(&mut jobs, &context)?;
    if let Denial::Nsec3(params) = &options.denial {
        nsec3_chain(store, &entries, params, denial_ttl, &context, &mut out)?;
    }
    Ok(out.summary)
}

/// The zone `origin` of `records` signed whole, the signed records collected: for zones
/// small enough to hold twice (a test's, a benchmark's); a large zone streams through
/// [`sign_zone`] instead.
pub fn sign_records(
    origin: &Name,
    records: &[Record],
    keys: &[SigningKey],
    options: &SignOptions,
) -> Result<Vec<Record>, SignError> {
    let mut builder = crate::store::ZoneBuilder::new(origin);
    let source = crate::zone::Source { file: "records".into(), line: 1 };
    for record in records {
        builder.push(record, &source).map_err(|e| SignError::Hold(record.owner.clone(), e))?;
    }
    let mut signed = Vec::with_capacity(records.len() * 2);
    sign_zone(&builder.finish(), keys, options, &mut |record| {
        signed.push(record);
        ControlFlow::Continue(())
    })?;
    Ok(signed)
}

/// The key-signing and zone-signing keys of each algorithm; an algorithm with keys of one kind
/// only signs everything with them.
pub(super) fn roles(keys: &[SigningKey]) -> (Vec<&SigningKey>, Vec<&SigningKey>) {
    let mut zone = Vec::new();
    let mut key = Vec::new();
    let mut algorithms: Vec<_> = keys.iter().map(SigningKey::algorithm).collect();
    algorithms.sort_unstable();
    algorithms.dedup();
    for algorithm in algorithms {
        let (ksks, zsks): (Vec<&SigningKey>, Vec<&SigningKey>) =
            keys.iter().filter(|k| k.algorithm() == algorithm).partition(|k| k.is_key_signing());
        zone.extend(if zsks.is_empty() { &ksks } else { &zsks });
        key.extend(if ksks.is_empty() { &zsks } else { &ksks });
    }
    (zone, key)
}

/// The RRsets of one name, with who signs each.
#[allow(clippy::too_many_arguments)]
fn name_jobs(
    store: &ZoneStore,
    entry: &NameEntry,
    owner: &Name,
    keys: &[SigningKey],
    soa_ttl: u32,
    denial: &Denial,
    denial_ttl: u32,
    jobs: &mut Vec<Job>,
) -> Result<(), SignError> {
    let mut at = entry.start as usize;
    let end = entry.end as usize;
    let apex = entry.kind == NameKind::Apex;
    let mut dnskeys: Option<(u32, Vec<RecordData>)> = None;
    while at < end {
        let Some(first) = store.get(at) else { break };
        let (rtype, ttl) = (first.rtype(), first.ttl());
        let mut records = Vec::new();
        while let Some(record) = store.get(at).filter(|r| at < end && r.rtype() == rtype) {
            records.push(record.data()?);
            at += 1;
        }
        if is_dnssec_type(rtype) {
            continue;
        }
        if apex && rtype == Rtype::DNSKEY {
            dnskeys = Some((ttl, records));
            continue;
        }
        let signers = match entry.kind {
            // RFC 7344 §4.1: the parent checks CDS and CDNSKEY against the keys its DS names.
            NameKind::Apex if matches!(rtype, Rtype::CDS | Rtype::CDNSKEY) => Signers::Keys,
            NameKind::Apex | NameKind::Authoritative => Signers::Zone,
            NameKind::Delegation if rtype == Rtype::DS => Signers::Zone,
            _ => Signers::None,
        };
        jobs.push(Job { owner: owner.clone(), rtype, ttl, records, signers });
    }
    if apex {
        let (ttl, mut records) = dnskeys.unwrap_or((soa_ttl, Vec::new()));
        for key in keys.iter().filter(|key| key.is_published()) {
            let data = RecordData::Dnskey(key.dnskey().clone());
            if !records.contains(&data) {
                records.push(data);
            }
        }
        jobs.push(Job {
            owner: owner.clone(),
            rtype: Rtype::DNSKEY,
            ttl,
            records,
            signers: Signers::Keys,
        });
        if let Denial::Nsec3(params) = denial {
            let param = Nsec3param {
                hash_algorithm: SHA1,
                flags: 0,
                iterations: params.iterations,
                salt: params.salt.clone(),
            };
            jobs.push(Job {
                owner: owner.clone(),
                rtype: Rtype::NSEC3PARAM,
                ttl: denial_ttl,
                records: vec![RecordData::Nsec3param(param)],
                signers: Signers::Zone,
            });
        }
    }
    Ok(())
}

/// One name of the NSEC3 chain: its hash and the store entry it stands for (`None` for an
/// empty non-terminal).
struct Hashed {
    hash: [u8; 20],
    entry: Option<u32>,
    ent: u32,
}

/// Builds, signs and hands out the NSEC3 chain, in hash order.
fn nsec3_chain(
    store: &ZoneStore,
    entries: &[NameEntry],
    params: &Nsec3Options,
    ttl: u32,
    context: &Context<'_>,
    out: &mut Output<'_>,
) -> Result<(), SignError> {
    let mut hashed = Vec::new();
    let mut ents: HashMap<Name, bool> = HashMap::new();
    let mut ent_names: Vec<Name> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if !entry.in_chain() {
            continue;
        }
        let insecure = entry.kind == NameKind::Delegation && !entry.has(store, Rtype::DS);
        if insecure && params.opt_out {
            continue;
        }
        let owner = entry.owner(store);
        let hash = nsec3_hash(&owner, &params.salt, params.iterations);
        hashed.push(Hashed { hash, entry: Some(index as u32), ent: 0 });
        for ent in names::empty_non_terminals(store, &owner, true, &mut ents) {
            let hash = nsec3_hash(&ent, &params.salt, params.iterations);
            hashed.push(Hashed { hash, entry: None, ent: ent_names.len() as u32 });
            ent_names.push(ent);
        }
    }
    hashed.sort_unstable_by_key(|h| h.hash);
    let name_of = |h: &Hashed| match h.entry {
        Some(i) => entries.get(i as usize).map_or(Name::root(), |e| e.owner(store)),
        None => ent_names.get(h.ent as usize).cloned().unwrap_or_else(Name::root),
    };
    if let Some(pair) = hashed.windows(2).find(|p| p[0].hash == p[1].hash) {
        return Err(SignError::HashCollision(name_of(&pair[0]), name_of(&pair[1])));
    }
    let flags = if params.opt_out { Nsec3::OPT_OUT } else { 0 };
    let mut jobs = Vec::with_capacity(BATCH);
    for (i, item) in hashed.iter().enumerate() {
        let next = hashed.get(i + 1).or(hashed.first()).map_or(item.hash, |h| h.hash);
        let types = match item.entry.and_then(|e| entries.get(e as usize)) {
            Some(entry) => {
                let extra: &[Rtype] = if entry.kind == NameKind::Apex {
                    &[Rtype::DNSKEY, Rtype::NSEC3PARAM]
                } else {
                    &[]
                };
                names::bitmap(store, entry, extra, false)
            }
            None => TypeBitmap::default(),
        };
        let owner = hashed_owner(&item.hash, context.apex)
            .map_err(|_| SignError::Nsec3OwnerTooLong(name_of(item)))?;
        let record = Nsec3 {
            hash_algorithm: SHA1,
            flags,
            iterations: params.iterations,
            salt: params.salt.clone(),
            next_hashed_owner: next.to_vec(),
            types,
        };
        jobs.push(Job {
            owner,
            rtype: Rtype::NSEC3,
            ttl,
            records: vec![RecordData::Nsec3(record)],
            signers: Signers::Zone,
        });
        out.summary.denial += 1;
        if jobs.len() >= BATCH {
            out.flush(&mut jobs, context)?;
        }
    }
    out.flush(&mut jobs, context)
}

/// Where signed batches go.
struct Output<'e> {
    emit: &'e mut dyn FnMut(Record) -> ControlFlow<()>,
    summary: SignSummary,
    threads: usize,
}

impl Output<'_> {
    /// Signs the batch on every thread, then hands its records out in order.
    fn flush(&mut self, jobs: &mut Vec<Job>, context: &Context<'_>) -> Result<(), SignError> {
        let signatures = sign_batch(jobs, context, self.threads)?;
        for (job, rrsigs) in jobs.drain(..).zip(signatures) {
            let Job { owner, ttl, records, .. } = job;
            for data in records.into_iter().chain(rrsigs.into_iter().map(RecordData::Rrsig)) {
                self.summary.records += 1;
                if data.rtype() == Rtype::RRSIG {
                    self.summary.signatures += 1;
                }
                let record = Record { owner: owner.clone(), class: context.class, ttl, data };
                if (self.emit)(record).is_break() {
                    return Err(SignError::Stopped);
                }
            }
        }
        Ok(())
    }
}

/// The RRSIGs of each job, in job order, made on up to `threads` threads.
pub(super) fn sign_batch(
    jobs: &[Job],
    context: &Context<'_>,
    threads: usize,
) -> Result<Vec<Vec<Rrsig>>, SignError> {
    let mut results: Vec<Vec<Rrsig>> = Vec::new();
    results.resize_with(jobs.len(), Vec::new);
    let run = |jobs: &[Job], results: &mut [Vec<Rrsig>]| -> Result<(), SignError> {
        let mut scratch = Scratch::new();
        for (job, result) in jobs.iter().zip(results) {
            *result = sign_job(job, context, &mut scratch)?;
        }
        Ok(())
    };
    if threads <= 1 || jobs.len() < 64 {
        run(jobs, &mut results)?;
        return Ok(results);
    }
    let chunk = jobs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(chunk)
            .zip(results.chunks_mut(chunk))
            .map(|(jobs, results)| scope.spawn(move || run(jobs, results)))
            .collect();
        workers.into_iter().try_for_each(|w| w.join().map_err(|_| SignError::Worker)?)
    })?;
    Ok(results)
}

/// The RRSIGs of one RRset.
fn sign_job(
    job: &Job,
    context: &Context<'_>,
    scratch: &mut Scratch,
) -> Result<Vec<Rrsig>, SignError> {
    let keys = match job.signers {
        Signers::None => return Ok(Vec::new()),
        Signers::Zone => &context.zone_keys,
        Signers::Keys => &context.key_keys,
    };
    scratch.rdata.clear();
    scratch.ranges.clear();
    for data in &job.records {
        let range = canonical_rdata(&mut scratch.rdata, data);
        scratch.ranges.push(range);
    }
    let bytes = scratch.rdata.as_bytes();
    let mut rdata: Vec<&[u8]> =
        scratch.ranges.iter().map(|r| bytes.get(r.clone()).unwrap_or_default()).collect();
    let mut rrsigs = Vec::with_capacity(keys.len());
    for key in keys {
        let mut rrsig = Rrsig {
            type_covered: job.rtype,
            algorithm: key.algorithm().number(),
            labels: rrsig_labels(&job.owner),
            original_ttl: job.ttl,
            expiration: context.expiration,
            inception: context.inception,
            key_tag: key.key_tag(),
            signer: context.apex.clone(),
            signature: Vec::new(),
        };
        signed_data(&mut scratch.data, &rrsig, &job.owner, context.class, &mut rdata);
        rrsig.signature = key.sign(&scratch.data)?;
        rrsigs.push(rrsig);
    }
    Ok(rrsigs)
}
