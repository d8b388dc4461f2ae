//! The names of a zone as DNSSEC sees them (RFC 4035 §2.2, §2.3): the apex, authoritative names,
//! delegation points (only their DS and NSEC are signed) and names at or below a cut (glue,
//! occluded data: never signed, never in a chain). One walk over a canonically ordered
//! [`ZoneStore`] finds them, since every name below a cut follows the cut.

use std::collections::HashMap;

use crate::name::Name;
use crate::rdata::rfc4034::TypeBitmap;
use crate::rtype::Rtype;
use crate::store::ZoneStore;

/// What a name is in its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// The zone's apex.
    Apex,
    /// A name with authoritative data.
    Authoritative,
    /// A delegation point (NS, not at the apex).
    Delegation,
    /// Below a delegation point: glue or occluded data.
    Occluded,
    /// Not at or below the apex.
    OutOfZone,
}

/// One owner name of the store: its records' index range and what it is.
#[derive(Debug, Clone, Copy)]
pub struct NameEntry {
    /// First record of the name in the store.
    pub start: u32,
    /// One past its last record.
    pub end: u32,
    /// What the name is.
    pub kind: NameKind,
    /// Every record is one signing makes (RRSIG, NSEC, NSEC3, NSEC3PARAM): the owner of an
    /// NSEC3 record, or what remains of an old signature.
    pub only_dnssec: bool,
}

impl NameEntry {
    /// The records' indices in the store.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The owner name.
    pub fn owner(&self, store: &ZoneStore) -> Name {
        store.get(self.start as usize).map_or_else(Name::root, |r| r.owner())
    }

    /// True when the name has a record of `rtype`.
    pub fn has(&self, store: &ZoneStore, rtype: Rtype) -> bool {
        self.range().any(|i| store.get(i).is_some_and(|r| r.rtype() == rtype))
    }

    /// True when the name belongs in an NSEC chain (and, with NSEC3, has its own NSEC3 unless
    /// it is an insecure delegation of an opt-out zone).
    pub fn in_chain(&self) -> bool {
        !self.only_dnssec
            && matches!(self.kind, NameKind::Apex | NameKind::Authoritative | NameKind::Delegation)
    }
}

/// Types that signing makes, and that signing a zone again replaces.
pub fn is_dnssec_type(rtype: Rtype) -> bool {
    matches!(rtype, Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3 | Rtype::NSEC3PARAM)
}

/// Classifies every owner name of `store`, in canonical order.
pub fn classify(store: &ZoneStore) -> Vec<NameEntry> {
    let apex = store.origin();
    let mut entries = Vec::new();
    let mut cut: Option<Name> = None;
    let mut start = 0usize;
    while start < store.len() {
        let Some(first) = store.get(start) else { break };
        let mut end = start + 1;
        let mut has_ns = false;
        let mut only_dnssec = is_dnssec_type(first.rtype());
        has_ns |= first.rtype() == Rtype::NS;
        while let Some(next) = store.get(end).filter(|r| r.same_owner(&first)) {
            has_ns |= next.rtype() == Rtype::NS;
            only_dnssec &= is_dnssec_type(next.rtype());
            end += 1;
        }
        let owner = first.owner();
        let kind = if !owner.is_subdomain_of(apex) {
            NameKind::OutOfZone
        } else if owner == *apex {
            NameKind::Apex
        } else if cut.as_ref().is_some_and(|c| owner.is_subdomain_of(c)) {
            NameKind::Occluded
        } else if has_ns {
            cut = Some(owner);
            NameKind::Delegation
        } else {
            NameKind::Authoritative
        };
        entries.push(NameEntry { start: start as u32, end: end as u32, kind, only_dnssec });
        start = end;
    }
    entries
}

/// The types an NSEC (`nsec`) or NSEC3 record lists for `entry` (RFC 4035 §2.3, RFC 5155
/// §7.1): its data types, `extra` types signing adds there (DNSKEY, NSEC3PARAM), RRSIG when
/// something there is signed, and NSEC for NSEC. At a delegation only NS and DS count: the
/// parent is not authoritative for the rest.
pub fn bitmap(store: &ZoneStore, entry: &NameEntry, extra: &[Rtype], nsec: bool) -> TypeBitmap {
    let types = entry.range().filter_map(|i| store.get(i).map(|r| r.rtype()));
    bitmap_of(types, entry.kind, extra, nsec)
}

/// [`bitmap`] for a name of kind `kind` holding records of `types` (in any order, repeats
/// allowed): what the incremental signer uses, which has the name's records, not a store.
pub fn bitmap_of(
    types: impl IntoIterator<Item = Rtype>,
    kind: NameKind,
    extra: &[Rtype],
    nsec: bool,
) -> TypeBitmap {
    let mut listed: Vec<Rtype> = Vec::with_capacity(8);
    for rtype in types {
        if listed.contains(&rtype) || is_dnssec_type(rtype) {
            continue;
        }
        if kind == NameKind::Delegation && rtype != Rtype::NS && rtype != Rtype::DS {
            continue;
        }
        listed.push(rtype);
    }
    listed.extend_from_slice(extra);
    let signed = match kind {
        NameKind::Delegation => listed.contains(&Rtype::DS),
        _ => !listed.is_empty(),
    };
    if nsec {
        listed.extend([Rtype::RRSIG, Rtype::NSEC]);
    } else if signed {
        listed.push(Rtype::RRSIG);
    }
    TypeBitmap::new(listed)
}

/// True when the name has at least one record other than those signing makes.
fn has_data(store: &ZoneStore, name: &Name) -> bool {
    store.find(name).any(|i| store.get(i).is_some_and(|r| !is_dnssec_type(r.rtype())))
}

/// The empty non-terminals above `owner` (names with no records of their own but with names
/// below them, RFC 5155 §7.1), up to the apex: each new one is added to `found` with
/// `required`, and an existing one has `required` raised. The walk stops at the first ancestor
/// that exists or was already found (and then raised), as canonical order visits ancestors'
/// other descendants the same way.
pub fn empty_non_terminals(
    store: &ZoneStore,
    owner: &Name,
    required: bool,
    found: &mut HashMap<Name, bool>,
) -> Vec<Name> {
    let apex = store.origin();
    let mut new = Vec::new();
    let mut name = owner.parent();
    while let Some(ancestor) = name {
        if ancestor == *apex || !ancestor.is_subdomain_of(apex) {
            break;
        }
        if let Some(seen) = found.get_mut(&ancestor) {
            if *seen || !required {
                break;
            }
            *seen = true;
        } else {
            if has_data(store, &ancestor) {
                break;
            }
            found.insert(ancestor.clone(), required);
            new.push(ancestor.clone());
        }
        name = ancestor.parent();
    }
    new
}
