//! Sorting the index in canonical order, fast and without a second copy of it.
//!
//! Most owners lie below the origin and differ within their first few octets after it. An
//! 8-octet order-preserving prefix of that part (the hint) settles most comparisons without
//! walking labels; ties and owners outside the origin fall back to the full comparison. The
//! hint agrees with the full order between two relative owners, so ordering by (hint, full) is
//! the full order. The sort moves 12-octet keys (and takes half as many again for merging);
//! the index is then permuted in place.

use super::{Arena, Slot};

/// Sort key: the hint, and the slot's index with its "relative owner" flag in the top bit.
#[derive(Clone, Copy)]
struct Keyed {
    hint: [u32; 2],
    at: u32,
}

const RELATIVE_BIT: u32 = 1 << 31;

const _: () = assert!(std::mem::size_of::<Keyed>() == 12);

/// Placeholder for an index that cannot be out of range.
const EMPTY_SLOT: Slot = Slot { owner: 0, rdata: 0, line: 0, rdlen: 0, attrs: 0 };

/// Sorts `slots` (fewer than 2³¹ of them, which the builder's size limit ensures) canonically.
pub(super) fn canonical(arena: &Arena, slots: &mut [Slot]) {
    let mut keyed: Vec<Keyed> = slots
        .iter()
        .zip(0u32..)
        .map(|(slot, i)| {
            let hint = hint(arena, slot);
            let flag = if arena.is_relative(slot) { RELATIVE_BIT } else { 0 };
            Keyed { hint: [(hint >> 32) as u32, hint as u32], at: i | flag }
        })
        .collect();
    let slot =
        |k: &Keyed| slots.get((k.at & !RELATIVE_BIT) as usize).copied().unwrap_or(EMPTY_SLOT);
    // A stable sort, for the runs it finds: zones mostly come in nearly canonical order (a
    // zone file written by a server, a registry's names page by page with their glue after
    // them), which it merges in close to linear time where an unstable sort starts afresh.
    keyed.sort_by(|a, b| {
        let full = || arena.cmp_canonical(&slot(a), &slot(b));
        if a.at & b.at & RELATIVE_BIT != 0 { a.hint.cmp(&b.hint).then_with(full) } else { full() }
    });
    for k in &mut keyed {
        k.at &= !RELATIVE_BIT;
    }
    permute(slots, &mut keyed);
}

/// The first 8 octets of an order-preserving key of the owner's labels below the origin:
/// labels from the rightmost, lower-cased, octets 0 and 1 escaped as `1 0` and `1 1` so that 0
/// can end a label, and a final 0 ending the name (implied by the zero padding).
fn hint(arena: &Arena, slot: &Slot) -> u64 {
    let mut labels = arena.owner_labels(slot);
    labels.skip_prefix();
    let mut key = [0u8; 8];
    let mut at = 0;
    let mut put = |octet: u8| {
        if let Some(place) = key.get_mut(at) {
            *place = octet;
        }
        at += 1;
    };
    for label in labels {
        for &octet in label {
            let octet = octet.to_ascii_lowercase();
            if octet <= 1 {
                put(1);
            }
            put(octet);
        }
        put(0);
    }
    u64::from_be_bytes(key)
}

/// Puts `slots[order[i].at]` at `i` for every `i`, in place, following each cycle of the
/// permutation (and marking each place done by pointing it at itself).
fn permute(slots: &mut [Slot], order: &mut [Keyed]) {
    for start in 0..slots.len() {
        let Some(first) = order.get(start) else { break };
        if first.at as usize == start {
            continue;
        }
        let saved = slots.get(start).copied().unwrap_or(EMPTY_SLOT);
        let mut at = start;
        while let Some(from) =
            order.get_mut(at).map(|next| std::mem::replace(&mut next.at, at as u32))
        {
            let from = from as usize;
            if from == start {
                if let Some(place) = slots.get_mut(at) {
                    *place = saved;
                }
                break;
            }
            let moved = slots.get(from).copied().unwrap_or(EMPTY_SLOT);
            if let Some(place) = slots.get_mut(at) {
                *place = moved;
            }
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;
    use crate::store::owner;

    fn hint_of(text: &str) -> u64 {
        let origin = Name::parse("example.", None).unwrap();
        let mut origin_rev = Vec::new();
        owner::push_reversed(&mut origin_rev, &origin, 0);
        let mut bytes = vec![0];
        owner::push_reversed(&mut bytes, &Name::parse(text, Some(&origin)).unwrap(), 1);
        bytes[0] = (bytes.len() - 1) as u8;
        let attrs = vec![crate::store::Attrs {
            rtype: 1,
            class: 1,
            ttl: 0,
            file_flags: crate::store::RELATIVE,
        }];
        let arena = Arena { origin, origin_rev, bytes, files: Vec::new(), attrs };
        let slot = EMPTY_SLOT;
        hint(&arena, &slot)
    }

    #[test]
    fn hints_keep_canonical_order() {
        let names = ["@", "a", "\\000.a", "\\001.a", "\\002.a", "B.a", "ab", "abcdefghij", "b"];
        for pair in names.windows(2) {
            assert!(hint_of(pair[0]) < hint_of(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(hint_of("abcdefghi"), hint_of("ABCDEFGHZ"));
    }
}
