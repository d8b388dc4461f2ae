//! What may share a name: CNAME alone (RFC 2181 §10.1, with RRSIG and NSEC allowed beside it by
//! RFC 4035 §2.5), one DNAME, no DNAME beside a CNAME or (below the apex) beside NS
//! (RFC 6672 §2.3–2.4), and the SOA only at the apex.
//!
//! These are errors, as in BIND ("CNAME and other data", "multiple RRs of singleton type",
//! "SOA record not at top of zone"), which refuses to load such zones, and in Knot
//! ("another record exists beside CNAME", "multiple DNAME records", "NS record exists beside
//! DNAME"). They are checked on every name, served or not, as both tools do.

use super::{Findings, Severity};
use crate::name::Name;
use crate::rtype::Rtype;
use crate::store::RecordRef;

fn allowed_beside_cname(rtype: Rtype) -> bool {
    matches!(rtype, Rtype::CNAME | Rtype::RRSIG | Rtype::NSEC)
}

pub(super) fn check(origin: &Name, name: &Name, node: &[RecordRef<'_>], out: &mut Findings) {
    let cnames: Vec<&RecordRef<'_>> = node.iter().filter(|r| r.rtype() == Rtype::CNAME).collect();
    let dnames: Vec<&RecordRef<'_>> = node.iter().filter(|r| r.rtype() == Rtype::DNAME).collect();
    if let Some(cname) = cnames.first() {
        for extra in cnames.iter().skip(1) {
            out.at(
                extra,
                Severity::Error,
                format!(
                    "{name} has more than one CNAME (another is on line {}); an alias has \
                     exactly one target: keep one",
                    cname.line()
                ),
            );
        }
        for r in node.iter().filter(|r| !allowed_beside_cname(r.rtype())) {
            let message = if r.rtype() == Rtype::DNAME {
                format!(
                    "{name} has both a CNAME (line {}) and a DNAME; a name cannot be an alias \
                     and redirect its subtree at once (RFC 6672 §2.4): keep one",
                    cname.line()
                )
            } else {
                format!(
                    "{name} has a CNAME (line {}) and other data ({}); a CNAME must be alone at \
                     its name (RFC 2181 §10.1): move the data to the target, or drop the CNAME",
                    cname.line(),
                    r.rtype()
                )
            };
            out.at(r, Severity::Error, message);
        }
    }
    if let Some(dname) = dnames.first() {
        for extra in dnames.iter().skip(1) {
            out.at(
                extra,
                Severity::Error,
                format!(
                    "{name} has more than one DNAME (another is on line {}); a subtree can be \
                     redirected to one place only (RFC 6672 §2.4): keep one",
                    dname.line()
                ),
            );
        }
        if name != origin {
            for ns in node.iter().filter(|r| r.rtype() == Rtype::NS) {
                out.at(
                    ns,
                    Severity::Error,
                    format!(
                        "{name} has both NS and a DNAME (line {}); below the apex a name is \
                         either delegated or redirected (RFC 6672 §2.3): keep one",
                        dname.line()
                    ),
                );
            }
        }
    }
    if name != origin && name.is_subdomain_of(origin) {
        for soa in node.iter().filter(|r| r.rtype() == Rtype::SOA) {
            out.at(
                soa,
                Severity::Error,
                format!(
                    "SOA record at {name}, which is not the zone apex {origin}; the SOA belongs \
                     at the apex (a subzone needs its own zone file and a delegation here)"
                ),
            );
        }
    }
}
