//! Name servers named inside the zone must have addresses in it.
//!
//! A server named below a zone cut (in bailiwick of a delegation) can only be found through glue:
//! without its A or AAAA records here, resolvers cannot reach it. A server named elsewhere in
//! the zone is looked up in the zone itself, so it needs addresses too; and it must not be a
//! CNAME (RFC 2181 §10.3). Servers outside the zone are not checked.
//!
//! All are errors, as in `kzonecheck` ("missing glue record") and `named-checkzone -n fail`.
//! `named-checkzone` by default (`-n warn`) only warns: "has no REQUIRED GLUE address records",
//! "has no SIBLING GLUE address records", "has no address records (A or AAAA)", and refuses a
//! CNAME ("is a CNAME (illegal)"). A zone with a server nobody can reach is broken for part of
//! its resolvers, so nameward refuses it.

use super::{Findings, Severity};
use crate::name::Name;
use crate::rtype::Rtype;
use crate::store::{RecordRef, ZoneStore};

pub(super) fn check(
    origin: &Name,
    store: &ZoneStore,
    name: &Name,
    node: &[RecordRef<'_>],
    missing: Severity,
    out: &mut Findings,
) {
    for ns in node.iter().filter(|r| r.rtype() == Rtype::NS) {
        let Ok(target) = Name::from_wire(ns.rdata()) else { continue };
        if !target.is_subdomain_of(origin) {
            continue;
        }
        // One search for the target's records serves the three questions below.
        let at_target = store.find(&target);
        let target_has = |rtype: Rtype| {
            at_target.clone().any(|i| store.get(i).is_some_and(|r| r.rtype() == rtype))
        };
        if target_has(Rtype::CNAME) {
            out.at(
                ns,
                Severity::Error,
                format!(
                    "{name} NS {target}: the name server is a CNAME in this zone; NS must name \
                     the server's own name, which has address records (RFC 2181 §10.3)"
                ),
            );
            continue;
        }
        if target_has(Rtype::A) || target_has(Rtype::AAAA) {
            continue;
        }
        let message = match enclosing_cut(origin, store, &target) {
            Some(cut) if &cut == name || (name != origin && target.is_subdomain_of(name)) => {
                format!(
                    "{name} NS {target}: the name server lies inside the delegated zone {name} \
                     but has no glue address records (A or AAAA) here; add them, or resolvers \
                     cannot reach {name}"
                )
            }
            Some(cut) => format!(
                "{name} NS {target}: the name server lies inside the delegation to {cut} but \
                 has no glue address records (A or AAAA) here; add them"
            ),
            None => format!(
                "{name} NS {target}: the name server is in this zone but has no address records \
                 (A or AAAA); add them"
            ),
        };
        out.at(ns, missing, message);
    }
}

/// The delegation point at or above `target` and below the origin, if any.
fn enclosing_cut(origin: &Name, store: &ZoneStore, target: &Name) -> Option<Name> {
    let mut at = target.clone();
    while &at != origin && at.is_subdomain_of(origin) {
        if store.has(&at, Rtype::NS) {
            return Some(at);
        }
        at = at.parent()?;
    }
    None
}
