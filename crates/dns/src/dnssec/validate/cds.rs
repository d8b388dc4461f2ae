//! A parent's check of a secure child's CDS and CDNSKEY (RFC 7344 §4.1 and §5, RFC 8078 §4),
//! without I/O: the caller asks each of the child's name servers for its DNSKEY, CDS and
//! CDNSKEY RRsets (DO set) and gives the responses here with the DS set the parent serves.
//!
//! The new DS set is taken only when:
//! - every server answers the same CDS and CDNSKEY RRsets (a half-updated child changes
//!   nothing);
//! - the child's DNSKEY RRset is trusted by the current DS set, at each server;
//! - the CDS and CDNSKEY RRsets are signed by a key the current DS set names (not merely by
//!   a key of the DNSKEY RRset: a stolen ZSK must not move the chain of trust);
//! - CDS and CDNSKEY, when both are there, say the same keys, with digests of SHA-256 or
//!   SHA-384 and at most [`Limits::ds_per_set`] records;
//! - the new DS set itself trusts the DNSKEY RRset, so taking it cannot break the chain.
//!
//! The delete signal (`CDS 0 0 0 00`, `CDNSKEY 0 3 0 AA==`, RFC 8078 §4) asks for no DS.
//! Bootstrapping an unsigned child (RFC 8078 §3, RFC 9615) is not decided here.

use super::{Context, Run, SecureZone, Stop, TrustAnchor, Work, keys, rrset, rrset_of};
use crate::dnssec::{DigestType, ds, ds_matches};
use crate::message::Message;
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Dnskey, Ds};
use crate::rtype::Rtype;

/// One of the child's name servers: its responses to DNSKEY, CDS and CDNSKEY at the apex.
#[derive(Debug, Clone)]
pub struct ChildAnswers {
    /// The DNSKEY response.
    pub dnskey: Message,
    /// The CDS response.
    pub cds: Message,
    /// The CDNSKEY response.
    pub cdnskey: Message,
}

/// What the parent is to do with the child's DS set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdsDecision {
    /// Nothing: no CDS or CDNSKEY, or they say the DS set the parent serves.
    Unchanged,
    /// Serve these DS records instead.
    Replace(Vec<Ds>),
    /// Serve no DS: the child goes insecure (the delete signal).
    Remove,
}

/// Why a child's CDS or CDNSKEY is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CdsRefusal {
    /// No server's answers were given.
    #[error("no name server of {0} answered")]
    NoAnswers(Name),
    /// The parent serves no DS: the child is not secure, and bootstrapping is not done here.
    #[error("{0} has no DS at the parent; CDS is only taken from a secure child")]
    NotSecure(Name),
    /// The servers disagree.
    #[error("the name servers of {0} serve different {1} RRsets")]
    Inconsistent(Name, Rtype),
    /// The DNSKEY RRset is not trusted by the DS set the parent serves.
    #[error("{0}: the DNSKEY RRset is not trusted by the current DS set: {1}")]
    KeysNotTrusted(Name, String),
    /// The CDS or CDNSKEY RRset is not signed by a key the current DS set names.
    #[error("{0} {1}: not signed by a key the current DS set names: {2}")]
    NotSigned(Name, Rtype, String),
    /// A record that cannot become a DS.
    #[error("{0}: {1}")]
    Unusable(Name, String),
    /// CDS and CDNSKEY name different keys.
    #[error("{0}: the CDS and CDNSKEY RRsets name different keys")]
    Mismatch(Name),
    /// The DS set asked for would not trust the DNSKEY RRset.
    #[error("{0}: the DS set the CDS asks for would not trust the DNSKEY RRset: {1}")]
    BreaksChain(Name, String),
}

/// The decision on `child`'s CDS and CDNSKEY given the DS set the parent serves (`current`)
/// and each of its name servers' answers, with signatures valid at `now`.
pub fn check_cds(
    child: &Name,
    current: &[Ds],
    answers: &[ChildAnswers],
    now: u32,
) -> Result<CdsDecision, CdsRefusal> {
    if current.is_empty() {
        return Err(CdsRefusal::NotSecure(child.clone()));
    }
    let first = answers.first().ok_or_else(|| CdsRefusal::NoAnswers(child.clone()))?;
    let cds = sorted_rdata(&first.cds, child, Rtype::CDS);
    let cdnskey = sorted_rdata(&first.cdnskey, child, Rtype::CDNSKEY);
    for answer in answers {
        if sorted_rdata(&answer.cds, child, Rtype::CDS) != cds {
            return Err(CdsRefusal::Inconsistent(child.clone(), Rtype::CDS));
        }
        if sorted_rdata(&answer.cdnskey, child, Rtype::CDNSKEY) != cdnskey {
            return Err(CdsRefusal::Inconsistent(child.clone(), Rtype::CDNSKEY));
        }
    }
    if cds.is_empty() && cdnskey.is_empty() {
        return Ok(CdsDecision::Unchanged);
    }
    let anchor = TrustAnchor { zone: child.clone(), ds: current.to_vec(), keys: Vec::new() };
    let cx = Context::new(anchor, now);
    let mut run = Run { cx: &cx, work: Work::default(), ttl: u32::MAX };
    let text = |stop: Stop| match stop {
        Stop::Bogus(f) | Stop::Insecure(f) => f.what,
    };
    for answer in answers {
        let zone = keys::trusted_by_ds(&mut run, child, current, &answer.dnskey)
            .map_err(|stop| CdsRefusal::KeysNotTrusted(child.clone(), text(stop)))?;
        // Only the keys the current DS set names may sign a change of it.
        let named: Vec<Dnskey> = zone
            .keys
            .into_iter()
            .filter(|key| current.iter().any(|d| ds_matches(d, child, key)))
            .collect();
        let signers = SecureZone { apex: child.clone(), keys: named, algorithms: Vec::new() };
        for (rtype, response, present) in [
            (Rtype::CDS, &answer.cds, !cds.is_empty()),
            (Rtype::CDNSKEY, &answer.cdnskey, !cdnskey.is_empty()),
        ] {
            if present {
                rrset::verify(&mut run, &signers, &response.answers, child, rtype)
                    .map_err(|stop| CdsRefusal::NotSigned(child.clone(), rtype, text(stop)))?;
            }
        }
    }
    let wanted = match wanted_ds(child, &cds, &cdnskey, cx.limits.ds_per_set)? {
        None => return Ok(CdsDecision::Remove),
        Some(wanted) => wanted,
    };
    for answer in answers {
        keys::trusted_by_ds(&mut run, child, &wanted, &answer.dnskey)
            .map_err(|stop| CdsRefusal::BreaksChain(child.clone(), text(stop)))?;
    }
    let mut served = current.to_vec();
    served.sort_by(in_order);
    if served == wanted { Ok(CdsDecision::Unchanged) } else { Ok(CdsDecision::Replace(wanted)) }
}

/// One order for record data (servers may give an RRset in any order): by its debug text,
/// enough for the handful of records a CDS or DS set holds.
fn in_order<T: std::fmt::Debug>(a: &T, b: &T) -> std::cmp::Ordering {
    format!("{a:?}").cmp(&format!("{b:?}"))
}

/// The RRset `owner`/`rtype` of a response, its data sorted.
fn sorted_rdata(response: &Message, owner: &Name, rtype: Rtype) -> Vec<RecordData> {
    let mut data: Vec<RecordData> =
        rrset_of(&response.answers, owner, rtype).into_iter().map(|r| r.data.clone()).collect();
    data.sort_by(in_order);
    data.dedup();
    data
}

/// The DS set CDS and CDNSKEY ask for, sorted by [`in_order`]; `None` for the
/// delete signal.
fn wanted_ds(
    child: &Name,
    cds: &[RecordData],
    cdnskey: &[RecordData],
    limit: usize,
) -> Result<Option<Vec<Ds>>, CdsRefusal> {
    let unusable = |what: String| CdsRefusal::Unusable(child.clone(), what);
    let from_cds: Vec<Ds> = cds
        .iter()
        .filter_map(|data| match data {
            RecordData::Cds(c) => Some(Ds {
                key_tag: c.key_tag,
                algorithm: c.algorithm,
                digest_type: c.digest_type,
                digest: c.digest.clone(),
            }),
            _ => None,
        })
        .collect();
    let keys: Vec<Dnskey> = cdnskey
        .iter()
        .filter_map(|data| match data {
            RecordData::Cdnskey(k) => Some(Dnskey {
                flags: k.flags,
                protocol: k.protocol,
                algorithm: k.algorithm,
                public_key: k.public_key.clone(),
            }),
            _ => None,
        })
        .collect();
    // RFC 8078 §4: one record of algorithm 0 in each RRset present.
    let delete_cds = from_cds.iter().any(|d| d.algorithm == 0);
    let delete_key = keys.iter().any(|k| k.algorithm == 0);
    if delete_cds || delete_key {
        let alone = (from_cds.is_empty() || (delete_cds && from_cds.len() == 1))
            && (keys.is_empty() || (delete_key && keys.len() == 1));
        if !alone {
            return Err(unusable("a delete signal (algorithm 0) beside other records".into()));
        }
        return Ok(None);
    }
    if let Some(bad) = from_cds.iter().find(|d| DigestType::from_number(d.digest_type).is_none()) {
        let tag = bad.key_tag;
        let digest = bad.digest_type;
        return Err(unusable(format!(
            "CDS {tag} has digest type {digest}; SHA-256 (2) or SHA-384 (4) only"
        )));
    }
    if !from_cds.is_empty() && !keys.is_empty() {
        let every_key_in_cds =
            keys.iter().all(|k| from_cds.iter().any(|d| ds_matches(d, child, k)));
        let every_cds_a_key = from_cds.iter().all(|d| keys.iter().any(|k| ds_matches(d, child, k)));
        if !(every_key_in_cds && every_cds_a_key) {
            return Err(CdsRefusal::Mismatch(child.clone()));
        }
    }
    let mut wanted = if from_cds.is_empty() {
        keys.iter().map(|key| ds(child, key, DigestType::Sha256)).collect()
    } else {
        from_cds
    };
    wanted.sort_by(in_order);
    wanted.dedup();
    if wanted.len() > limit {
        return Err(unusable(format!("{} DS records asked for; at most {limit}", wanted.len())));
    }
    Ok(Some(wanted))
}

#[cfg(test)]
mod tests;
