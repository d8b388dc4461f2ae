//! A zone's DNSKEY RRset made trusted: by the trust anchor, or by the DS RRset its parent
//! signed (RFC 4035 §5.2); and what a DS question says about a name on the way down.

use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, SHA384, digest};

use super::{Finding, Run, SecureZone, Step, Stop, denial, ds_records, rrset, rrset_of};
use crate::dnssec::algorithm::Algorithm;
use crate::message::{Message, rcode};
use crate::name::Name;
use crate::rdata::rfc4034::{Dnskey, Ds};
use crate::rdata::{RecordData, RecordType};
use crate::record::Record;
use crate::rtype::Rtype;
use crate::wire::{WireMode, Writer};

/// Where validation starts: DS or DNSKEY records of one zone, as `delv`'s anchors or
/// `nameward dnssec ds` give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    pub(crate) zone: Name,
    pub(crate) ds: Vec<Ds>,
    pub(crate) keys: Vec<Dnskey>,
}

/// Why records cannot be a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorError {
    /// No DS or DNSKEY record was given.
    #[error("no DS or DNSKEY record in the trust anchor")]
    Empty,
    /// The records have different owners.
    #[error("trust anchor records for both {0} and {1}: give one zone's")]
    TwoZones(Name, Name),
    /// A record of another type.
    #[error("a {1} record at {0} cannot be a trust anchor (DS or DNSKEY only)")]
    WrongType(Name, Rtype),
}

impl TrustAnchor {
    /// The anchor of the DS and DNSKEY records in `records`, all of one owner.
    pub fn from_records(records: &[Record]) -> Result<TrustAnchor, AnchorError> {
        let mut zone: Option<Name> = None;
        let (mut ds, mut keys) = (Vec::new(), Vec::new());
        for record in records {
            match &zone {
                Some(z) if *z != record.owner => {
                    return Err(AnchorError::TwoZones(z.clone(), record.owner.clone()));
                }
                _ => zone = Some(record.owner.clone()),
            }
            match &record.data {
                RecordData::Ds(d) => ds.push(d.clone()),
                RecordData::Dnskey(k) => keys.push(k.clone()),
                _ => return Err(AnchorError::WrongType(record.owner.clone(), record.rtype())),
            }
        }
        let zone = zone.ok_or(AnchorError::Empty)?;
        Ok(TrustAnchor { zone, ds, keys })
    }

    /// The zone the anchor is for.
    pub fn zone(&self) -> &Name {
        &self.zone
    }
}

/// The anchor zone's DNSKEY RRset, trusted through the anchor.
pub(crate) fn trusted_by_anchor(run: &mut Run<'_>, response: &Message) -> Step<SecureZone> {
    let anchor = run.cx.anchor.clone();
    if anchor.keys.is_empty() {
        return trusted_by_ds(run, &anchor.zone, &anchor.ds, response);
    }
    let rrset = rrset_of(&response.answers, &anchor.zone, Rtype::DNSKEY);
    if rrset.is_empty() {
        return Err(no_dnskeys(&anchor.zone, response));
    }
    let present: Vec<Dnskey> = dnskeys(&rrset)
        .into_iter()
        .filter(|k| anchor.keys.contains(k) && rrset::is_signing_key(k))
        .collect();
    let bogus = |what: &str| Stop::Bogus(Finding::new(&anchor.zone, Rtype::DNSKEY, what));
    if !present.iter().any(|k| Algorithm::from_number(k.algorithm).is_some()) {
        if anchor.keys.iter().all(|k| Algorithm::from_number(k.algorithm).is_none()) {
            return Err(Stop::Insecure(Finding::new(
                &anchor.zone,
                Rtype::DNSKEY,
                "the trust anchor's keys use only algorithms nameward cannot validate",
            )));
        }
        return Err(bogus("no trust anchor key is in the zone's DNSKEY RRset"));
    }
    signed_by(run, &anchor.zone, present, Vec::new(), &response.answers, "a trust anchor key")
}

/// The DNSKEY RRset of `apex` in `response`, trusted when a key a supported DS names signs it.
pub(crate) fn trusted_by_ds(
    run: &mut Run<'_>,
    apex: &Name,
    ds: &[Ds],
    response: &Message,
) -> Step<SecureZone> {
    let limit = run.limits().ds_per_set;
    let mut usable: Vec<&Ds> = ds
        .iter()
        .filter(|d| {
            Algorithm::from_number(d.algorithm).is_some() && digest_supported(d.digest_type)
        })
        .take(limit)
        .collect();
    // With SHA-256 or SHA-384 digests present, SHA-1 ones are not used (RFC 4509 §3).
    if usable.iter().any(|d| d.digest_type != 1) {
        usable.retain(|d| d.digest_type != 1);
    }
    if usable.is_empty() {
        let listed: Vec<String> =
            ds.iter().map(|d| format!("{}/{}", d.algorithm, d.digest_type)).collect();
        return Err(Stop::Insecure(Finding::new(
            apex,
            Rtype::DS,
            format!(
                "the DS RRset lists only algorithms/digest types nameward cannot validate ({})",
                listed.join(", ")
            ),
        )));
    }
    let rrset = rrset_of(&response.answers, apex, Rtype::DNSKEY);
    let bogus = |what: String| Stop::Bogus(Finding::new(apex, Rtype::DNSKEY, what));
    if rrset.is_empty() {
        return Err(no_dnskeys(apex, response));
    }
    let all = dnskeys(&rrset);
    let mut matching: Vec<Dnskey> = Vec::new();
    for d in &usable {
        let candidates = all
            .iter()
            .filter(|k| k.key_tag() == d.key_tag && k.algorithm == d.algorithm)
            .filter(|k| rrset::is_signing_key(k))
            .take(run.limits().keys_per_tag);
        for key in candidates {
            run.work.digests += 1;
            if key_digest(apex, key, d.digest_type).as_deref() == Some(&d.digest[..])
                && !matching.contains(key)
            {
                matching.push(key.clone());
            }
        }
    }
    if matching.is_empty() {
        let tags: Vec<String> = usable.iter().map(|d| d.key_tag.to_string()).collect();
        return Err(bogus(format!(
            "no DNSKEY matches the DS RRset (key tags {})",
            tags.join(", ")
        )));
    }
    let mut algorithms: Vec<u8> = usable.iter().map(|d| d.algorithm).collect();
    algorithms.sort_unstable();
    algorithms.dedup();
    signed_by(run, apex, matching, algorithms, &response.answers, "a key the DS RRset names")
}

fn no_dnskeys(apex: &Name, response: &Message) -> Stop {
    Stop::Bogus(Finding::new(
        apex,
        Rtype::DNSKEY,
        format!(
            "no DNSKEY RRset in the response (RCODE {}): the server must be a resolver, or \
             authoritative for every zone from the trust anchor down",
            response.rcode()
        ),
    ))
}

/// The zone of `apex` when its DNSKEY RRset verifies with one of `keys`.
fn signed_by(
    run: &mut Run<'_>,
    apex: &Name,
    keys: Vec<Dnskey>,
    algorithms: Vec<u8>,
    answers: &[Record],
    whose: &str,
) -> Step<SecureZone> {
    let entry = SecureZone { apex: apex.clone(), keys, algorithms };
    if let Err(stop) = rrset::verify(run, &entry, answers, apex, Rtype::DNSKEY) {
        let what = match stop {
            Stop::Bogus(f) | Stop::Insecure(f) => f.what,
        };
        return Err(Stop::Bogus(Finding::new(
            apex,
            Rtype::DNSKEY,
            format!("the DNSKEY RRset is not signed by {whose}: {what}"),
        )));
    }
    let rrset = rrset_of(answers, apex, Rtype::DNSKEY);
    let keys = dnskeys(&rrset).into_iter().filter(rrset::is_signing_key).collect();
    Ok(SecureZone { apex: apex.clone(), keys, algorithms: entry.algorithms })
}

fn dnskeys(records: &[&Record]) -> Vec<Dnskey> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Dnskey(k) => Some(k.clone()),
            _ => None,
        })
        .collect()
}

/// SHA-1 (1), SHA-256 (2) and SHA-384 (4): RFC 8624 §3.3 has validators support all three.
fn digest_supported(digest_type: u8) -> bool {
    matches!(digest_type, 1 | 2 | 4)
}

fn key_digest(owner: &Name, key: &Dnskey, digest_type: u8) -> Option<Vec<u8>> {
    let algorithm = match digest_type {
        1 => &SHA1_FOR_LEGACY_USE_ONLY,
        2 => &SHA256,
        4 => &SHA384,
        _ => return None,
    };
    let mut w = Writer::with_mode(WireMode::Canonical);
    w.bytes(&owner.as_wire().to_ascii_lowercase());
    key.encode(&mut w);
    Some(digest(algorithm, w.as_bytes()).as_ref().to_vec())
}

/// What the answer to a DS question says about a name below the zone.
pub(crate) enum Cut {
    /// Not a zone cut: the name is in the same zone (or an empty non-terminal).
    None,
    /// The name does not exist: nothing below it does either.
    NameMissing,
    /// A secure delegation with these DS records.
    Secure(Vec<Ds>),
}

/// Reads the response to `name` DS asked of `zone`: signed DS records, or a proof that there
/// are none (insecure delegation, or not a cut), or that the name does not exist.
pub(crate) fn delegation(
    run: &mut Run<'_>,
    zone: &SecureZone,
    name: &Name,
    response: &Message,
) -> Step<Cut> {
    let ds_rrset = rrset_of(&response.answers, name, Rtype::DS);
    if !ds_rrset.is_empty() {
        rrset::verify(run, zone, &response.answers, name, Rtype::DS)?;
        return Ok(Cut::Secure(ds_records(&ds_rrset).into_iter().cloned().collect()));
    }
    match response.rcode() {
        rcode::NXDOMAIN => {
            denial::nxdomain(run, zone, &response.authority, name, Rtype::DS)?;
            Ok(Cut::NameMissing)
        }
        rcode::NOERROR => denial::ds_absent(run, zone, &response.authority, name),
        code => Err(Stop::Bogus(Finding::new(
            name,
            Rtype::DS,
            format!("the server answered with RCODE {code}"),
        ))),
    }
}
