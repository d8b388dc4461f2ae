//! Duplicate records: same owner, class, type and RDATA. Servers keep one copy; so does the
//! store, and it remembers the others for the checks to report.
//!
//! Two RDATA are the same when [`RecordData`] equality says so. For most types that is equality
//! of the canonical wire form (names there are lower-cased). A few types keep the case of their
//! names in canonical form (HIP rendezvous servers, RFC 4034 §6.2 does not list HIP) while their
//! equality ignores it, so RDATA whose canonical forms differ only in ASCII case are decoded and
//! compared as [`RecordData`].

use std::cmp::Ordering;

use super::{Arena, Slot};
use crate::rdata::RecordData;
use crate::rtype::Rtype;

/// Distinct case variants of one RDATA compared by decoding; beyond this, only exact copies
/// are found, which bounds the work on a hostile RRset.
const MAX_CASE_VARIANTS: usize = 16;

/// Removes duplicates from `slots` (sorted canonically) and returns each with the one kept.
pub(super) fn remove_duplicates(arena: &Arena, slots: &mut Vec<Slot>) -> Vec<(Slot, Slot)> {
    let mut dropped = Vec::new();
    let mut pairs = Vec::new();
    let mut rrset: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < slots.len() {
        let end = rrset_end(arena, slots, start);
        if end - start > 1 {
            rrset.clear();
            rrset.extend(start..end);
            find_in_rrset(arena, slots, &mut rrset, &mut dropped, &mut pairs);
        }
        start = end;
    }
    if dropped.is_empty() {
        return pairs;
    }
    dropped.sort_unstable();
    let mut next_drop = dropped.iter().peekable();
    let mut index = 0;
    slots.retain(|_| {
        let keep = next_drop.peek().is_none_or(|&&at| at != index);
        if !keep {
            next_drop.next();
        }
        index += 1;
        keep
    });
    pairs.sort_by(|(a, _), (b, _)| arena.cmp_canonical(a, b));
    pairs
}

/// End of the RRset (same owner, type and class) starting at `start`.
fn rrset_end(arena: &Arena, slots: &[Slot], start: usize) -> usize {
    let Some(first) = slots.get(start) else { return start };
    let first_attrs = arena.attrs(first);
    let same = |slot: &Slot| {
        let attrs = arena.attrs(slot);
        attrs.rtype == first_attrs.rtype
            && attrs.class == first_attrs.class
            && arena.cmp_owner(slot, first) == Ordering::Equal
    };
    start + 1 + slots.get(start + 1..).map_or(0, |rest| rest.iter().take_while(|s| same(s)).count())
}

/// Finds duplicates within one RRset, given as indices into `slots`.
fn find_in_rrset(
    arena: &Arena,
    slots: &[Slot],
    rrset: &mut [usize],
    dropped: &mut Vec<usize>,
    pairs: &mut Vec<(Slot, Slot)>,
) {
    let slot = |i: usize| slots.get(i).copied();
    // Case-insensitively equal RDATA become neighbours, exact copies next to each other and the
    // first read first.
    rrset.sort_by(|&a, &b| match (slot(a), slot(b)) {
        (Some(x), Some(y)) => {
            let (cx, cy) = (arena.canonical_rdata(&x), arena.canonical_rdata(&y));
            cmp_ignore_case(cx, cy).then_with(|| cx.cmp(cy)).then(x.rdata.cmp(&y.rdata))
        }
        _ => Ordering::Equal,
    });
    // Representatives of the distinct exact forms in the current case-insensitive run, with
    // their indices.
    let mut variants: Vec<(usize, Slot)> = Vec::new();
    for &i in rrset.iter() {
        let Some(current) = slot(i) else { continue };
        let current_rdata = arena.canonical_rdata(&current);
        if variants.first().is_some_and(|(_, first)| {
            !arena.canonical_rdata(first).eq_ignore_ascii_case(current_rdata)
        }) {
            variants.clear();
        }
        let original = variants.iter().position(|(_, kept)| {
            arena.canonical_rdata(kept) == current_rdata
                || same_data(
                    Rtype(arena.attrs(&current).rtype),
                    arena.rdata(kept),
                    arena.rdata(&current),
                )
        });
        let room = variants.len() < MAX_CASE_VARIANTS;
        match original.and_then(|at| variants.get_mut(at)) {
            // A case variant read earlier than the one kept so far: keep it instead.
            Some((kept_at, kept)) if current.rdata < kept.rdata => {
                dropped.push(*kept_at);
                pairs.push((*kept, current));
                *kept_at = i;
                *kept = current;
            }
            Some((_, kept)) => {
                dropped.push(i);
                pairs.push((current, *kept));
            }
            None if room => variants.push((i, current)),
            None => {}
        }
    }
}

/// [`RecordData`] equality of two RDATA that differ only in case.
fn same_data(rtype: Rtype, a: &[u8], b: &[u8]) -> bool {
    match (RecordData::from_wire(rtype, a), RecordData::from_wire(rtype, b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn cmp_ignore_case(a: &[u8], b: &[u8]) -> Ordering {
    a.iter().map(u8::to_ascii_lowercase).cmp(b.iter().map(u8::to_ascii_lowercase))
}
