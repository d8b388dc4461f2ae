//! An RRset's signatures against a zone's keys (RFC 4035 §5.3), each check counted.

use super::{Finding, Run, SecureZone, Step, Stop, rrset_of};
use crate::dnssec::algorithm::Algorithm;
use crate::dnssec::canonical::{rrsig_labels, signed_data};
use crate::dnssec::time::{is_valid_at, serial_lt};
use crate::dnssec::verify::verify_signature;
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Dnskey, REVOKE, Rrsig, ZONE_KEY};
use crate::record::Record;
use crate::rtype::Rtype;
use crate::wire::{WireMode, Writer};

/// A key a zone may sign with: a zone key (flag 256), protocol 3, not revoked.
pub(crate) fn is_signing_key(key: &Dnskey) -> bool {
    key.flags & ZONE_KEY != 0 && key.flags & REVOKE == 0 && key.protocol == 3
}

/// Checks the RRset `owner`/`rtype` of `records` against the signatures beside it in `records`
/// and the keys of `zone`: one signature valid now, by the zone, verifying with one of its keys
/// (and, with [`super::Context::strict_algorithms`], one for each algorithm of the zone's DS
/// set). Returns the RRSIG's Labels field (fewer labels than the owner's: a wildcard
/// expansion) and caps the lookup's TTL by the RRset's, the original TTL and the time left to
/// expiration.
pub(crate) fn verify(
    run: &mut Run<'_>,
    zone: &SecureZone,
    records: &[Record],
    owner: &Name,
    rtype: Rtype,
) -> Step<u8> {
    let (labels, algorithm) = verify_one(run, zone, records, owner, rtype, None)?;
    if run.cx.strict_algorithms {
        for &required in zone.algorithms.iter().filter(|a| **a != algorithm) {
            verify_one(run, zone, records, owner, rtype, Some(required)).map_err(|stop| {
                let what = match stop {
                    Stop::Bogus(f) | Stop::Insecure(f) => f.what,
                };
                Stop::Bogus(Finding::new(
                    owner,
                    rtype,
                    format!(
                        "the DS set of {} names algorithm {required}, which does not sign this \
                         RRset (algorithm downgrade): {what}",
                        zone.apex
                    ),
                ))
            })?;
        }
    }
    Ok(labels)
}

/// One valid signature, of `only` that algorithm when given: its Labels field and algorithm.
fn verify_one(
    run: &mut Run<'_>,
    zone: &SecureZone,
    records: &[Record],
    owner: &Name,
    rtype: Rtype,
    only: Option<u8>,
) -> Step<(u8, u8)> {
    let rrset = rrset_of(records, owner, rtype);
    let bogus = |what: String| Stop::Bogus(Finding::new(owner, rtype, what));
    if rrset.is_empty() {
        return Err(bogus("the RRset is missing from the response".into()));
    }
    let sigs: Vec<&Rrsig> = records
        .iter()
        .filter(|r| r.owner == *owner)
        .filter_map(|r| match &r.data {
            RecordData::Rrsig(sig)
                if sig.type_covered == rtype && only.is_none_or(|a| a == sig.algorithm) =>
            {
                Some(sig)
            }
            _ => None,
        })
        .collect();
    if sigs.is_empty() {
        return Err(bogus(format!("no RRSIG, but the zone {} is signed", zone.apex)));
    }
    let mut canonical = Writer::with_mode(WireMode::Canonical);
    let mut ranges = Vec::with_capacity(rrset.len());
    for record in &rrset {
        let start = canonical.len();
        record.data.encode(&mut canonical);
        ranges.push(start..canonical.len());
    }
    let rrset_ttl = rrset.iter().map(|r| r.ttl).min().unwrap_or(0);
    let class = rrset.first().map_or(crate::rtype::Class::IN, |r| r.class);
    let owner_labels = rrsig_labels(owner);
    let now = run.cx.now;
    let mut problems: Vec<String> = Vec::new();
    let mut checks = 0u32;
    let mut data = Vec::new();
    for sig in sigs {
        if sig.signer != zone.apex {
            problems.push(format!("RRSIG by {} is not the zone {}'s", sig.signer, zone.apex));
            continue;
        }
        if Algorithm::from_number(sig.algorithm).is_none() {
            problems.push(format!("RRSIG algorithm {} is not supported", sig.algorithm));
            continue;
        }
        if sig.labels > owner_labels {
            problems.push(format!("RRSIG labels {} exceed the owner's {owner_labels}", sig.labels));
            continue;
        }
        if !is_valid_at(now, sig.inception, sig.expiration) {
            let when = if serial_lt(now, sig.inception) {
                format!("not valid before {}", time_text(sig.inception))
            } else {
                format!("expired at {}", time_text(sig.expiration))
            };
            problems.push(format!("RRSIG by key {} {when}", sig.key_tag));
            continue;
        }
        let keys = zone
            .keys
            .iter()
            .filter(|k| k.algorithm == sig.algorithm && is_signing_key(k))
            .filter(|k| k.key_tag() == sig.key_tag)
            .take(run.limits().keys_per_tag);
        let mut tried = 0usize;
        for key in keys {
            if checks >= run.limits().signatures_per_rrset {
                problems.push(format!(
                    "more than {} signature checks for one RRset",
                    run.limits().signatures_per_rrset
                ));
                return Err(bogus(problems.join("; ")));
            }
            if run.work.signatures >= run.limits().signatures_per_lookup {
                problems.push(format!(
                    "more than {} signature checks for one lookup",
                    run.limits().signatures_per_lookup
                ));
                return Err(bogus(problems.join("; ")));
            }
            checks += 1;
            run.work.signatures += 1;
            tried += 1;
            let mut rdata: Vec<&[u8]> =
                ranges.iter().filter_map(|r| canonical.as_bytes().get(r.clone())).collect();
            signed_data(&mut data, sig, owner, class, &mut rdata);
            if verify_signature(key, &data, &sig.signature).is_ok() {
                let left = sig.expiration.wrapping_sub(now);
                run.cap_ttl(rrset_ttl.min(sig.original_ttl).min(left));
                return Ok((sig.labels, sig.algorithm));
            }
        }
        problems.push(if tried == 0 {
            format!(
                "no DNSKEY of {} has tag {} and algorithm {}",
                zone.apex, sig.key_tag, sig.algorithm
            )
        } else {
            format!("RRSIG by key {} does not verify", sig.key_tag)
        });
    }
    Err(bogus(problems.join("; ")))
}

/// A signature time as `YYYYMMDDHHmmSS`, as zone files write it.
fn time_text(time: u32) -> String {
    let mut text = String::new();
    crate::rdata::rfc4034::write_sig_time(&mut text, time).ok();
    text
}
