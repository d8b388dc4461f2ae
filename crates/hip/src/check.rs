//! Does a HIP record's HIT belong to its key? The checks the zone checker runs on HIP records.
//!
//! "Upon return of a HIP RR, a host MUST always calculate the HI-derivative HIT" (RFC 5205 §4.1):
//! the HIT in the record is only an optimisation, and a HIT that is not the key's ORCHID makes
//! the record useless to a peer.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use nameward_dns::check::Severity;
use nameward_dns::rdata::hip::{Hip, algorithm_name};

use crate::host_id::{HitError, HostId};
use crate::orchid::{V2Variant, as_ipv6, orchid_v1_for, orchid_v2_of, orchid_v2_variants};

/// The HIT printed in the RFC 5205 §7 examples, which is not the ORCHID of the key printed beside
/// it under either version (the example predates ORCHID).
const RFC5205_EXAMPLE_HIT: [u8; 16] = [
    0x20, 0x01, 0x00, 0x10, 0x7B, 0x1A, 0x74, 0xDF, 0x36, 0x56, 0x39, 0xCC, 0x39, 0xF1, 0xD5, 0x78,
];

/// How a record's HIT relates to its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitMatch {
    /// The HIT is the key's ORCHID v1 (HIPv1).
    V1,
    /// The HIT is the key's ORCHID v2 (HIPv2).
    V2,
    /// The HIT is what a [`V2Variant`] derivation gives, not the key's ORCHID v2.
    V2Variant {
        /// How the HIT was apparently made.
        variant: V2Variant,
        /// The key's ORCHID v2, which peers compute.
        v2: Ipv6Addr,
    },
    /// The HIT is neither; the HITs the key does have, where they exist.
    Mismatch {
        /// The key's ORCHID v1, for the algorithms HIPv1 defines (RSA, DSA).
        v1: Option<Ipv6Addr>,
        /// The key's ORCHID v2, or why nameward cannot compute it.
        v2: Result<Ipv6Addr, HitError>,
    },
    /// nameward can derive no HIT from this key, so the HIT cannot be checked.
    Unverifiable(HitError),
}

/// Compares the record's HIT with the ORCHID v1 and v2 of its key.
pub fn verify_hit(hip: &Hip) -> HitMatch {
    let v1 = orchid_v1_for(hip.algorithm, &hip.public_key);
    // Most HITs are right; a matching v1 spares the v2 hash.
    if v1.is_some_and(|v1| hip.hit == v1) {
        return HitMatch::V1;
    }
    let host_id = HostId::from_hip_rr(hip.algorithm, &hip.public_key);
    let v2 = host_id.as_ref().map(|id| orchid_v2_of(id.suite(), id.bytes())).map_err(|e| *e);
    if v2.as_ref().is_ok_and(|v2| hip.hit == v2) {
        return HitMatch::V2;
    }
    if let (Ok(v2), Ok(host_id)) = (v2, &host_id)
        && let Some((variant, _)) =
            orchid_v2_variants(host_id).into_iter().find(|(_, hit)| hip.hit == hit)
    {
        return HitMatch::V2Variant { variant, v2: as_ipv6(v2) };
    }
    match (v1, v2) {
        (None, Err(e)) => HitMatch::Unverifiable(e),
        (v1, v2) => HitMatch::Mismatch { v1: v1.map(as_ipv6), v2: v2.map(as_ipv6) },
    }
}

/// The findings about one HIP record's HIT, each with its severity.
///
/// A HIT that is not the key's ORCHID, or that nameward cannot check, is a warning, or an error
/// when `strict_hit` is set; a HIT of other than 16 octets is always worth a warning.
pub fn check_hip(hip: &Hip, strict_hit: bool) -> Vec<(Severity, String)> {
    let doubtful = if strict_hit { Severity::Error } else { Severity::Warning };
    let mut findings = Vec::new();
    if hip.hit.len() != 16 {
        findings.push((
            Severity::Warning,
            format!(
                "HIP HIT {} is {} octets long, not 16: HITs are 128-bit ORCHIDs (RFC 4843, \
                 RFC 7343) that HIP uses in place of IPv6 addresses",
                hit_text(&hip.hit),
                hip.hit.len()
            ),
        ));
    }
    match verify_hit(hip) {
        HitMatch::V1 | HitMatch::V2 => {}
        HitMatch::V2Variant { variant, v2 } => findings.push((
            doubtful,
            format!(
                "HIP HIT {} is derived from the record's key in a way HIPv2 peers do not use: {}. \
                 From this key a HIPv2 peer computes {v2}, and RFC 5205 §4.1 requires initiators \
                 to recompute the HIT from the key, so such peers will not match the host by \
                 this HIT",
                hit_text(&hip.hit),
                variant.description()
            ),
        )),
        HitMatch::Mismatch { v1, v2 } => findings.push((doubtful, mismatch_message(hip, v1, v2))),
        HitMatch::Unverifiable(e) => findings.push((
            doubtful,
            format!(
                "nameward cannot check HIP HIT {} against its key: {e}; peers recompute the HIT \
                 from the key (RFC 5205 §4.1), so make sure by other means that the HIT is the \
                 key's ORCHID",
                hit_text(&hip.hit)
            ),
        )),
    }
    findings
}

fn mismatch_message(hip: &Hip, v1: Option<Ipv6Addr>, v2: Result<Ipv6Addr, HitError>) -> String {
    let algorithm = match algorithm_name(hip.algorithm) {
        Some(name) => format!("{name} public key"),
        None => format!("public key (algorithm {})", hip.algorithm),
    };
    let mut m = format!(
        "HIP HIT {} is not the ORCHID of the record's {algorithm} under ORCHID v1 (RFC 4843, \
         HIPv1) or ORCHID v2 (RFC 7343, HIPv2): ",
        hit_text(&hip.hit)
    );
    let v1 = match v1 {
        Some(v1) => format!("its v1 HIT would be {v1}"),
        None => "HIPv1 defines no HIT for this algorithm".to_owned(),
    };
    let v2 = match v2 {
        Ok(v2) => format!("its v2 HIT would be {v2}"),
        Err(e) => format!("no v2 HIT can be computed ({e})"),
    };
    let _ = write!(
        m,
        "{v1} and {v2}. RFC 5205 §4.1 requires initiators to recompute the HIT from the key, so \
         this record will not let a peer match the host: publish the key's HIT, or the key the \
         HIT was made from"
    );
    if hip.hit == RFC5205_EXAMPLE_HIT {
        m.push_str(
            " (this is the HIT printed in the RFC 5205 §7 examples, which predate ORCHID and do \
             not match their own key)",
        );
    }
    m
}

/// A HIT as people read it: an IPv6 address when it has the length of one, hex otherwise.
fn hit_text(hit: &[u8]) -> String {
    match <[u8; 16]>::try_from(hit) {
        Ok(octets) => Ipv6Addr::from(octets).to_string(),
        Err(_) => hit.iter().fold(String::with_capacity(hit.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hip(algorithm: u8, hit: &[u8], key: &[u8]) -> Hip {
        Hip {
            algorithm,
            hit: hit.to_vec(),
            public_key: key.to_vec(),
            rendezvous_servers: Vec::new(),
        }
    }

    #[test]
    fn matching_hits_are_quiet() {
        let key = [3, 1, 0, 1, 0xC3, 0x5A];
        let v1 = crate::orchid_v1(&key);
        let v2 = crate::orchid_v2(2, &key).unwrap();
        assert_eq!(verify_hit(&hip(2, &v1, &key)), HitMatch::V1);
        assert_eq!(verify_hit(&hip(2, &v2, &key)), HitMatch::V2);
        assert!(check_hip(&hip(2, &v1, &key), true).is_empty());
        assert!(check_hip(&hip(2, &v2, &key), true).is_empty());
    }

    #[test]
    fn short_hit_warns_twice() {
        let findings = check_hip(&hip(2, &[0xAB, 0xCD], &[3, 1, 0, 1, 0xFF]), false);
        assert_eq!(findings.len(), 2);
        assert!(findings[0].1.contains("abcd is 2 octets long, not 16"), "{}", findings[0].1);
        assert_eq!(findings[1].0, Severity::Warning);
        assert!(findings[1].1.contains("is not the ORCHID"));
    }

    #[test]
    fn unverifiable_algorithms() {
        let record = hip(200, &[0x20; 16], &[1, 2, 3]);
        assert_eq!(
            verify_hit(&record),
            HitMatch::Unverifiable(HitError::UnsupportedAlgorithm(200))
        );
        let findings = check_hip(&record, false);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].0, Severity::Warning);
        assert!(findings[0].1.contains("cannot check"), "{}", findings[0].1);
        assert_eq!(check_hip(&record, true)[0].0, Severity::Error);
        // An ECDSA key of no known curve: no v1, no v2.
        let record = hip(3, &[0x20; 16], &[0; 50]);
        assert_eq!(verify_hit(&record), HitMatch::Unverifiable(HitError::UnknownEcdsaCurve(50)));
    }

    #[test]
    fn elliptic_mismatch_names_only_v2() {
        let key = [7u8; 32];
        let record = hip(4, &[0x20; 16], &key);
        let HitMatch::Mismatch { v1, v2 } = verify_hit(&record) else { panic!() };
        assert_eq!(v1, None);
        assert_eq!(v2.unwrap().octets(), crate::orchid_v2(4, &key).unwrap());
        let findings = check_hip(&record, true);
        assert_eq!(findings[0].0, Severity::Error);
        assert!(findings[0].1.contains("HIPv1 defines no HIT"), "{}", findings[0].1);
    }
}
