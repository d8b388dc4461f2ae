//! The apex: exactly one SOA and at least one NS at the origin.
//!
//! BIND refuses a zone without an SOA or NS at the apex ("has no NS records", "no SOA RR at
//! top of zone") and loads only one SOA; Knot agrees. An SOA elsewhere is reported by
//! [`super::names`] where it stands.

use super::{Findings, Severity};
use crate::name::Name;
use crate::rtype::Rtype;
use crate::store::ZoneStore;

pub(super) fn check(origin: &Name, store: &ZoneStore, out: &mut Findings) {
    let mut soas = store.rrset(origin, Rtype::SOA);
    let first_soa = soas.next();
    for extra in soas {
        out.at(
            &extra,
            Severity::Error,
            format!(
                "a second SOA record at the zone apex {origin} (the first is on line {}); a \
                 zone has exactly one SOA: remove this one",
                first_soa.map_or(0, |soa| soa.line())
            ),
        );
    }
    if first_soa.is_none() {
        out.zone(
            Severity::Error,
            format!("no SOA record at the zone apex {origin}; every zone starts with one"),
        );
    }
    if !store.has(origin, Rtype::NS) {
        let message =
            format!("no NS records at the zone apex {origin}; list the zone's name servers there");
        match first_soa {
            Some(soa) => out.at(&soa, Severity::Error, message),
            None => out.zone(Severity::Error, message),
        }
    }
}
