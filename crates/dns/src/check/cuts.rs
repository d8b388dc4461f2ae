//! What the zone does not serve: records outside the origin, and records hidden by a zone cut
//! or a DNAME above them (occluded).
//!
//! Canonical order visits a name just before every name below it, so the outermost cut in force
//! is all there is to remember: it holds until a name that is not below it.
//!
//! Decisions:
//! - Out-of-zone owners are errors. BIND warns "ignoring out-of-zone data" and drops them, which
//!   hides a mistyped origin or a missing final dot; Knot refuses them.
//! - Data below a delegation is a warning. BIND says nothing and keeps it out of answers; it is
//!   usually left over from before the delegation. Addresses (A, AAAA) below or at a cut are
//!   glue and are fine. At the cut itself, NS, DS, RRSIG and NSEC belong to the parent.
//! - Data below a DNAME is a warning too (RFC 6672 §2.3 says it must not exist, but servers
//!   load it and never answer from it). BIND accepts it silently; `kzonecheck` calls it an
//!   error ("child record exists under DNAME"). A DNAME at the apex occludes the whole zone
//!   below it.

use super::{Findings, Severity};
use crate::name::Name;
use crate::rtype::Rtype;
use crate::store::RecordRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Delegation,
    Dname,
}

/// The outermost zone cut or DNAME in force during the walk.
#[derive(Default)]
pub(super) struct Cuts {
    current: Option<(Name, Kind, u32)>,
}

fn is_glue(rtype: Rtype) -> bool {
    rtype == Rtype::A || rtype == Rtype::AAAA
}

fn belongs_at_cut(rtype: Rtype) -> bool {
    matches!(rtype, Rtype::NS | Rtype::DS | Rtype::RRSIG | Rtype::NSEC) || is_glue(rtype)
}

impl Cuts {
    /// Checks the records of one name and notes a new cut; false when the name's records are
    /// not served (outside the zone, or occluded), so that their own rules need no checking.
    pub(super) fn enter(
        &mut self,
        origin: &Name,
        name: &Name,
        node: &[RecordRef<'_>],
        out: &mut Findings,
    ) -> bool {
        if !name.is_subdomain_of(origin) {
            for r in node {
                out.at(
                    r,
                    Severity::Error,
                    format!(
                        "{name} is outside the zone {origin}; a zone holds only names at or \
                         below its origin (is a final dot missing, or added by mistake?)"
                    ),
                );
            }
            return false;
        }
        if self.current.as_ref().is_some_and(|(cut, _, _)| !name.is_subdomain_of(cut)) {
            self.current = None;
        }
        if let Some((cut, kind, line)) = &self.current {
            for r in node {
                let reason = match kind {
                    Kind::Delegation if is_glue(r.rtype()) => continue,
                    Kind::Delegation => "below the delegation",
                    Kind::Dname => "below the DNAME",
                };
                out.at(
                    r,
                    Severity::Warning,
                    format!(
                        "{name} {} is {reason} at {cut} (line {line}) and is never served \
                         (occluded); remove it, or move it to the zone that serves {cut}",
                        r.rtype()
                    ),
                );
            }
            return false;
        }
        let ns = node.iter().find(|r| r.rtype() == Rtype::NS);
        let dname = node.iter().find(|r| r.rtype() == Rtype::DNAME);
        match (ns, dname) {
            (Some(ns), _) if name != origin => {
                // A DNAME beside NS is an error reported by the name rules.
                for r in
                    node.iter().filter(|r| !belongs_at_cut(r.rtype()) && r.rtype() != Rtype::DNAME)
                {
                    out.at(
                        r,
                        Severity::Warning,
                        format!(
                            "{name} {} is at the delegation point {name} (NS on line {}) and is \
                             never served (occluded); only NS, DS and glue belong there",
                            r.rtype(),
                            ns.line()
                        ),
                    );
                }
                self.current = Some((name.clone(), Kind::Delegation, ns.line()));
            }
            (_, Some(dname)) => {
                self.current = Some((name.clone(), Kind::Dname, dname.line()));
            }
            _ => {}
        }
        true
    }
}
