//! RRset rules: one TTL per RRset, and no repeated records.
//!
//! - TTLs that differ within an RRset are a warning (RFC 2181 §5.2 deprecates them). BIND warns
//!   "TTL set to prior TTL" and serves the first TTL read; the message names that TTL. RRSIG
//!   records are exempt: their RRset covers several types, each with its own TTL (RFC 4034 §3).
//! - Duplicates are a warning, and the store already dropped them, as servers do. BIND and Knot
//!   drop them silently; a repeated record is worth a look all the same (often a paste twice, or
//!   two records meant to differ).

use super::{Findings, Severity};
use crate::name::Name;
use crate::rtype::Rtype;
use crate::store::{RecordRef, ZoneStore};

pub(super) fn duplicates(store: &ZoneStore, out: &mut Findings) {
    for d in store.duplicates() {
        let kept = d.kept.source();
        let ttl = if d.dropped.ttl() == d.kept.ttl() {
            String::new()
        } else {
            format!(" (with its TTL {}; the TTL used is {})", d.dropped.ttl(), d.kept.ttl())
        };
        out.at(
            &d.dropped,
            Severity::Warning,
            format!(
                "duplicate record: {} {} repeats the one on {kept}; this copy is ignored{ttl}",
                d.dropped.owner(),
                d.dropped.rtype()
            ),
        );
    }
}

pub(super) fn ttls(name: &Name, node: &[RecordRef<'_>], out: &mut Findings) {
    let mut rest = node;
    while let Some(first) = rest.first() {
        let len = rest
            .iter()
            .take_while(|r| r.rtype() == first.rtype() && r.class() == first.class())
            .count();
        let (rrset, after) = rest.split_at(len);
        rest = after;
        if first.rtype() == Rtype::RRSIG {
            continue;
        }
        let Some(reference) = rrset.iter().min_by_key(|r| (r.file_index(), r.line())) else {
            continue;
        };
        for r in rrset.iter().filter(|r| r.ttl() != reference.ttl()) {
            out.at(
                r,
                Severity::Warning,
                format!(
                    "{name} {} has TTL {} but the same RRset has TTL {} on line {}; an RRset \
                     has one TTL (RFC 2181 §5.2) and servers use the first one read",
                    r.rtype(),
                    r.ttl(),
                    reference.ttl(),
                    reference.line()
                ),
            );
        }
    }
}
