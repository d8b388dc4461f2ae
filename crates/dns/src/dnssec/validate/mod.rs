//! Validation of answers from a trust anchor (RFC 4035 §5), without I/O.
//!
//! [`validate`] asks a [`Fetch`] for what it needs — the answer, then for each label between
//! the trust anchor and the zone that signed it the DS RRset (or the proof that there is none)
//! and each secure zone's DNSKEY RRset — and ends in a [`Verdict`]: [`Security::Secure`],
//! [`Security::Insecure`] (a provably unsigned delegation on the way, NSEC3 opt-out, or only
//! algorithms and digests nameward cannot validate) or [`Security::Bogus`], with the owner,
//! type and what failed. The fetcher is the only I/O; tests give it zones in memory.
//!
//! - [`rrset`]: an RRset's signatures against a zone's keys (RFC 4035 §5.3);
//! - [`keys`]: a zone's DNSKEY RRset against its DS RRset or the trust anchor (§5.2);
//! - [`denial`]: NSEC (§5.4, RFC 6840 §4.1) and NSEC3 (RFC 5155 §8) proofs;
//! - [`cds`]: a parent's check of a secure child's CDS and CDNSKEY (RFC 7344, RFC 8078).
//!
//! Work is bounded ([`Limits`]) against zones built to exhaust a validator (KeyTrap,
//! CVE-2023-50387: many keys with one tag times many signatures; CVE-2023-50868: many NSEC3
//! hashes): every signature verified and every NSEC3 hash is counted in [`Work`], and a lookup
//! that would go past a limit is bogus.

pub mod cds;
pub mod denial;
pub mod keys;
pub mod rrset;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::message::{Message, rcode};
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Dnskey, Ds};
use crate::record::{Question, Record};
use crate::rtype::{Class, Rtype};

pub use keys::TrustAnchor;

/// The security status of an answer (RFC 4035 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// A chain of signatures from the trust anchor proves it.
    Secure,
    /// The chain provably ends in an unsigned delegation (or one nameward cannot validate).
    Insecure,
    /// It should have been provable and is not.
    Bogus,
}

impl Security {
    /// The worse of two: bogus before insecure before secure.
    pub fn worst(self, other: Security) -> Security {
        let rank = |s: Security| match s {
            Security::Secure => 0,
            Security::Insecure => 1,
            Security::Bogus => 2,
        };
        if rank(other) > rank(self) { other } else { self }
    }

    /// `secure`, `insecure` or `bogus`.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Secure => "secure",
            Security::Insecure => "insecure",
            Security::Bogus => "bogus",
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What made an answer insecure or bogus: the RRset concerned and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The owner name.
    pub owner: Name,
    /// The record type.
    pub rtype: Rtype,
    /// What failed, or why it could not be validated.
    pub what: String,
}

impl Finding {
    pub(crate) fn new(owner: &Name, rtype: Rtype, what: impl Into<String>) -> Finding {
        Finding { owner: owner.clone(), rtype, what: what.into() }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.owner, self.rtype, self.what)
    }
}

/// Caps on the work one lookup may cost. The defaults follow what resolvers adopted after
/// KeyTrap: Unbound's 8 signature checks per RRset, PowerDNS's 30 validations and 600 NSEC3
/// hashes per query, BIND's 150 NSEC3 iterations, and nameward's own verifier's 4 keys per tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Signature verifications for one RRset.
    pub signatures_per_rrset: u32,
    /// Signature verifications for the whole lookup.
    pub signatures_per_lookup: u32,
    /// Keys tried for one signature (keys sharing its tag and algorithm).
    pub keys_per_tag: usize,
    /// NSEC3 iterations beyond which a zone is treated as insecure (as BIND does).
    pub max_iterations: u16,
    /// NSEC3 hash computations (each of `iterations + 1` SHA-1 rounds) for the lookup.
    pub hashes_per_lookup: u32,
    /// DS records considered in one DS RRset.
    pub ds_per_set: usize,
    /// Questions asked of the fetcher.
    pub queries: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            signatures_per_rrset: 8,
            signatures_per_lookup: 30,
            keys_per_tag: 4,
            max_iterations: 150,
            hashes_per_lookup: 600,
            ds_per_set: 8,
            queries: 64,
        }
    }
}

/// The work a lookup did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Signatures verified cryptographically.
    pub signatures: u32,
    /// NSEC3 hashes computed.
    pub hashes: u32,
    /// DS digests computed.
    pub digests: u32,
    /// Questions asked.
    pub queries: u32,
}

/// The result of validating one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Secure, insecure or bogus.
    pub security: Security,
    /// Why it is insecure or bogus; `None` when secure.
    pub finding: Option<Finding>,
    /// The zone whose keys the answer was checked with (the last secure zone on the way).
    pub zone: Name,
    /// How long the verdict may be kept: the smallest TTL of the RRsets it rests on, capped
    /// by their signatures' expiration (RFC 4035 §5.3.3); `None` unless secure.
    pub ttl: Option<u32>,
    /// The response the verdict is about.
    pub response: Message,
    /// The work done.
    pub work: Work,
}

/// Asks a server for one RRset: the response with its sections whole and DNSSEC records in
/// them (the DO bit set). Implemented by the network client, and by tests over zones in memory.
pub trait Fetch {
    /// The fetcher's error.
    type Error;
    /// The response to `question`.
    fn fetch(&mut self, question: &Question) -> Result<Message, Self::Error>;
}

/// A [`Fetch`] that asks its inner fetcher once for each DS and DNSKEY question and gives the
/// same response again after: several answers validated in a row (a HIP lookup's HIP, A and
/// AAAA) share one walk's questions. Responses are validated again each time they are used; at
/// most [`Memo::CAPACITY`] are kept.
pub struct Memo<F> {
    inner: F,
    kept: Vec<(Question, Message)>,
}

impl<F: Fetch> Memo<F> {
    /// Responses kept at most.
    pub const CAPACITY: usize = 64;

    /// Wraps `inner`.
    pub fn new(inner: F) -> Memo<F> {
        Memo { inner, kept: Vec::new() }
    }

    /// How many questions are kept.
    pub fn kept(&self) -> usize {
        self.kept.len()
    }
}

impl<F: Fetch> Fetch for Memo<F> {
    type Error = F::Error;

    fn fetch(&mut self, question: &Question) -> Result<Message, F::Error> {
        if let Some((_, message)) = self.kept.iter().find(|(q, _)| q == question) {
            return Ok(message.clone());
        }
        let message = self.inner.fetch(question)?;
        if matches!(question.qtype, Rtype::DS | Rtype::DNSKEY) && self.kept.len() < Self::CAPACITY {
            self.kept.push((question.clone(), message.clone()));
        }
        Ok(message)
    }
}

/// What the validation is relative to.
#[derive(Debug, Clone)]
pub struct Context {
    /// The trust anchor.
    pub anchor: TrustAnchor,
    /// The time signatures must be valid at (seconds since 1970, RFC 1982 arithmetic).
    pub now: u32,
    /// The work caps.
    pub limits: Limits,
    /// Require every RRset of a zone to carry a valid signature of each algorithm its DS set
    /// names (as Unbound's `harden-algo-downgrade`). Off by default: RFC 6840 §5.11 has a
    /// validator accept any one valid path, and BIND does; either way a DS set whose
    /// algorithms sign nothing is bogus.
    pub strict_algorithms: bool,
}

impl Context {
    /// Validation from `anchor` at `now`, with the default limits and RFC 6840 §5.11's
    /// any-one-algorithm rule.
    pub fn new(anchor: TrustAnchor, now: u32) -> Context {
        Context { anchor, now, limits: Limits::default(), strict_algorithms: false }
    }
}

/// A zone whose DNSKEYs are trusted.
#[derive(Debug, Clone)]
pub(crate) struct SecureZone {
    pub(crate) apex: Name,
    pub(crate) keys: Vec<Dnskey>,
    /// The supported algorithms its DS set names (empty for a zone trusted by DNSKEY anchor):
    /// with [`Context::strict_algorithms`], each must sign every RRset.
    pub(crate) algorithms: Vec<u8>,
}

/// The state of one lookup: its context, its counters and the smallest TTL so far.
pub(crate) struct Run<'c> {
    pub(crate) cx: &'c Context,
    pub(crate) work: Work,
    pub(crate) ttl: u32,
}

/// How a step ended when it did not simply succeed.
pub(crate) enum Stop {
    Insecure(Finding),
    Bogus(Finding),
}

pub(crate) type Step<T> = Result<T, Stop>;

impl Run<'_> {
    pub(crate) fn limits(&self) -> &Limits {
        &self.cx.limits
    }

    pub(crate) fn cap_ttl(&mut self, ttl: u32) {
        self.ttl = self.ttl.min(ttl);
    }

    fn ask<F: Fetch>(
        &mut self,
        fetch: &mut F,
        name: &Name,
        rtype: Rtype,
    ) -> Result<Step<Message>, F::Error> {
        let question = Question { name: name.clone(), qtype: rtype, qclass: Class::IN };
        if self.work.queries >= self.limits().queries {
            return Ok(Err(Stop::Bogus(Finding::new(
                name,
                rtype,
                format!("the lookup needs more than {} questions", self.limits().queries),
            ))));
        }
        self.work.queries += 1;
        fetch.fetch(&question).map(Ok)
    }
}

/// Validates the answer to `name`/`rtype`, asking `fetch` for it and for the chain of trust.
/// Fails only when the fetcher does (its error names the question).
pub fn validate<F: Fetch>(
    fetch: &mut F,
    cx: &Context,
    name: &Name,
    rtype: Rtype,
) -> Result<Verdict, F::Error> {
    let mut run = Run { cx, work: Work::default(), ttl: u32::MAX };
    let response = match run.ask(fetch, name, rtype)? {
        Ok(response) => response,
        Err(stop) => return Ok(verdict(run, stop, cx.anchor.zone().clone(), Message::default())),
    };
    let mut zone_name = cx.anchor.zone().clone();
    let outcome = chain_and_answer(fetch, &mut run, &response, name, rtype, &mut zone_name)?;
    Ok(match outcome {
        Ok(()) => Verdict {
            security: Security::Secure,
            finding: None,
            zone: zone_name,
            ttl: Some(run.ttl),
            response,
            work: run.work,
        },
        Err(stop) => verdict(run, stop, zone_name, response),
    })
}

fn verdict(run: Run<'_>, stop: Stop, zone: Name, response: Message) -> Verdict {
    let (security, finding) = match stop {
        Stop::Insecure(f) => (Security::Insecure, f),
        Stop::Bogus(f) => (Security::Bogus, f),
    };
    Verdict { security, finding: Some(finding), zone, ttl: None, response, work: run.work }
}

fn chain_and_answer<F: Fetch>(
    fetch: &mut F,
    run: &mut Run<'_>,
    response: &Message,
    name: &Name,
    rtype: Rtype,
    zone_name: &mut Name,
) -> Result<Step<()>, F::Error> {
    let anchor_zone = run.cx.anchor.zone().clone();
    if !name.is_subdomain_of(&anchor_zone) {
        return Ok(Err(Stop::Insecure(Finding::new(
            name,
            rtype,
            format!("the name is outside the trust anchor's zone {anchor_zone}"),
        ))));
    }
    let code = response.rcode();
    if code != rcode::NOERROR && code != rcode::NXDOMAIN {
        return Ok(Err(Stop::Bogus(Finding::new(
            name,
            rtype,
            format!("the server answered with RCODE {code}"),
        ))));
    }
    let dnskeys = match run.ask(fetch, &anchor_zone, Rtype::DNSKEY)? {
        Ok(message) => message,
        Err(stop) => return Ok(Err(stop)),
    };
    let mut zone = match keys::trusted_by_anchor(run, &dnskeys) {
        Ok(zone) => zone,
        Err(stop) => return Ok(Err(stop)),
    };
    let target = signer_of(response, name, rtype)
        .filter(|signer| signer.is_subdomain_of(&anchor_zone) && name.is_subdomain_of(signer))
        .unwrap_or_else(|| name.clone());
    // Down from the anchor, one label at a time, to the zone that signed the answer: each name
    // on the way is a secure cut (DS), provably not a cut, or an unsigned delegation.
    let below = target.label_count().saturating_sub(anchor_zone.label_count());
    for depth in (0..below).rev() {
        let Some(step_name) = ancestor(&target, depth) else { break };
        if !step_name.is_subdomain_of(&zone.apex) || step_name == zone.apex {
            continue;
        }
        let ds_response = match run.ask(fetch, &step_name, Rtype::DS)? {
            Ok(message) => message,
            Err(stop) => return Ok(Err(stop)),
        };
        match keys::delegation(run, &zone, &step_name, &ds_response) {
            Ok(keys::Cut::None) => {}
            Ok(keys::Cut::NameMissing) => break,
            Ok(keys::Cut::Secure(ds)) => {
                let dnskeys = match run.ask(fetch, &step_name, Rtype::DNSKEY)? {
                    Ok(message) => message,
                    Err(stop) => return Ok(Err(stop)),
                };
                zone = match keys::trusted_by_ds(run, &step_name, &ds, &dnskeys) {
                    Ok(zone) => zone,
                    Err(stop) => return Ok(Err(stop)),
                };
                *zone_name = zone.apex.clone();
            }
            Err(stop) => return Ok(Err(stop)),
        }
    }
    *zone_name = zone.apex.clone();
    Ok(answer(run, &zone, response, name, rtype))
}

/// The rightmost labels of `name` less `depth` of its leftmost ones.
fn ancestor(name: &Name, depth: usize) -> Option<Name> {
    let mut at = name.clone();
    for _ in 0..depth {
        at = at.parent()?;
    }
    Some(at)
}

/// The zone that signed the response: the signer of the answer's RRSIG, else of the
/// authority section's.
fn signer_of(response: &Message, name: &Name, rtype: Rtype) -> Option<Name> {
    let answer = response.answers.iter().find_map(|r| match &r.data {
        RecordData::Rrsig(sig)
            if r.owner == *name
                && (sig.type_covered == rtype || sig.type_covered == Rtype::CNAME) =>
        {
            Some(sig.signer.clone())
        }
        _ => None,
    });
    answer.or_else(|| {
        response.authority.iter().find_map(|r| match &r.data {
            RecordData::Rrsig(sig) => Some(sig.signer.clone()),
            _ => None,
        })
    })
}

/// Most CNAME links followed within one response.
const MAX_CNAME_LINKS: usize = 8;

/// Validates the answer itself against the keys of the zone that holds it: the RRset (and the
/// proof that a wildcard did not hide the name), or the CNAME chain inside the zone and what
/// it ends in, or the NXDOMAIN or NODATA proof. A chain leaving the zone ends there; the caller
/// validates the target on its own.
fn answer(
    run: &mut Run<'_>,
    zone: &SecureZone,
    response: &Message,
    name: &Name,
    rtype: Rtype,
) -> Step<()> {
    let nxdomain = response.rcode() == rcode::NXDOMAIN;
    let mut owner = name.clone();
    for _ in 0..=MAX_CNAME_LINKS {
        let has = |t: Rtype| response.answers.iter().any(|r| r.owner == owner && r.rtype() == t);
        let found = if has(rtype) && !nxdomain {
            rtype
        } else if rtype != Rtype::CNAME && has(Rtype::CNAME) {
            Rtype::CNAME
        } else if nxdomain {
            return denial::nxdomain(run, zone, &response.authority, &owner, rtype);
        } else {
            return denial::nodata(run, zone, &response.authority, &owner, rtype);
        };
        let labels = rrset::verify(run, zone, &response.answers, &owner, found)?;
        if usize::from(labels) < owner.label_count() - usize::from(owner.is_wildcard()) {
            // Expanded from a wildcard: the name itself must not exist (RFC 4035 §5.3.4).
            denial::wildcard_expansion(run, zone, &response.authority, &owner, found, labels)?;
        }
        if found == rtype {
            return Ok(());
        }
        let target = response.answers.iter().find_map(|r| match &r.data {
            RecordData::Cname(c) if r.owner == owner => Some(c.cname.clone()),
            _ => None,
        });
        match target {
            Some(target) if target.is_subdomain_of(&zone.apex) => owner = target,
            _ => return Ok(()),
        }
    }
    Err(Stop::Bogus(Finding::new(
        name,
        rtype,
        format!("a CNAME chain longer than {MAX_CNAME_LINKS} links"),
    )))
}

/// The records of one RRset in `records`.
pub(crate) fn rrset_of<'a>(records: &'a [Record], owner: &Name, rtype: Rtype) -> Vec<&'a Record> {
    records.iter().filter(|r| r.rtype() == rtype && r.owner == *owner).collect()
}

/// DS records as the validator reads them.
pub(crate) fn ds_records<'a>(records: &'a [&Record]) -> Vec<&'a Ds> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Ds(ds) => Some(ds),
            _ => None,
        })
        .collect()
}
