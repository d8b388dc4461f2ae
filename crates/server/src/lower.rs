//! Lower-cased wire names in a stack buffer: the key of every lookup, made without allocating.

use std::cmp::Ordering;

use nameward_dns::Name;

/// Longest name in wire form (RFC 1035 §3.1).
pub(crate) const MAX_NAME: usize = 255;

/// Copies `name` lower-cased into `buf` and returns the copy.
pub(crate) fn lower<'b>(name: &Name, buf: &'b mut [u8; MAX_NAME]) -> &'b [u8] {
    lower_wire(name.as_wire(), buf)
}

/// Copies the wire name `wire` lower-cased into `buf` (length octets are below 64, so case
/// folding leaves them alone) and returns the copy, cut at [`MAX_NAME`] octets.
pub(crate) fn lower_wire<'b>(wire: &[u8], buf: &'b mut [u8; MAX_NAME]) -> &'b [u8] {
    let len = wire.len().min(MAX_NAME);
    for (out, &b) in buf.iter_mut().zip(wire) {
        *out = b.to_ascii_lowercase();
    }
    &buf[..len]
}

/// The length of the uncompressed wire name at the start of `wire`, if there is a valid one
/// (labels of at most 63 octets, at most 255 octets in all, ending with the root label).
pub(crate) fn name_len(wire: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    loop {
        let len = usize::from(*wire.get(at)?);
        if len > 63 {
            return None;
        }
        at += 1 + len;
        if at > MAX_NAME || at > wire.len() {
            return None;
        }
        if len == 0 {
            return Some(at);
        }
    }
}

/// The suffixes of a wire name, longest (the name itself) first and the root last.
pub(crate) fn suffixes(wire: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = Some(0usize);
    std::iter::from_fn(move || {
        let start = at?;
        let rest = wire.get(start..)?;
        match rest.first() {
            Some(&0) | None => at = None,
            Some(&len) => at = Some(start + 1 + usize::from(len)),
        }
        Some(rest)
    })
}

/// Most labels of a wire name below the root: 255 octets of one-octet labels.
const MAX_LABELS: usize = 127;

/// Where each label of a wire name starts (its length octet), the root label left out: a name
/// taken apart once for several canonical comparisons, without allocating.
#[derive(Debug, Clone)]
pub(crate) struct LabelStarts<'w> {
    wire: &'w [u8],
    starts: [u8; MAX_LABELS],
    count: usize,
}

impl<'w> LabelStarts<'w> {
    /// Takes the uncompressed wire name `wire` apart; anything after its first
    /// [`MAX_LABELS`] labels or past the end of `wire` is left out, so `wire` may also be the
    /// labels in front of a suffix that two names share.
    pub(crate) fn new(wire: &'w [u8]) -> LabelStarts<'w> {
        let mut starts = [0u8; MAX_LABELS];
        let mut count = 0;
        let mut at = 0usize;
        while let Some(&len) = wire.get(at)
            && len != 0
            && count < MAX_LABELS
            && let Ok(start) = u8::try_from(at)
        {
            if let Some(slot) = starts.get_mut(count) {
                *slot = start;
            }
            count += 1;
            at += 1 + usize::from(len);
        }
        LabelStarts { wire, starts, count }
    }

    /// The labels (without their length octets), last (nearest the root) first.
    fn rev(&self) -> impl Iterator<Item = &'w [u8]> + '_ {
        let wire = self.wire;
        self.starts.get(..self.count).unwrap_or(&[]).iter().rev().map(move |&start| {
            let start = usize::from(start);
            let len = usize::from(wire.get(start).copied().unwrap_or(0));
            wire.get(start + 1..start + 1 + len).unwrap_or(&[])
        })
    }

    /// RFC 4034 §6.1 canonical order of this name and the wire name `other` (or the labels
    /// of both in front of a suffix they share), as [`Name::canonical_cmp`] has it: label by
    /// label from the root, each compared as lower-cased octets, an ancestor first. `other`
    /// is taken apart from its end as the comparison goes, which for the names of a zone
    /// (rarely more than a few labels) is cheaper than [`LabelStarts::new`].
    pub(crate) fn canonical_cmp(&self, other: &[u8]) -> Ordering {
        let mut mine = self.rev();
        let mut rest = other;
        loop {
            let theirs = split_last_label(rest);
            let (a, (front, b)) = match (mine.next(), theirs) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(a), Some(theirs)) => (a, theirs),
            };
            let ordering = cmp_label(a, b);
            if ordering != Ordering::Equal {
                return ordering;
            }
            rest = front;
        }
    }
}

/// The last label of a wire name or of labels without the root (the octets of the label, and
/// everything in front of it); `None` when there is no label before the root or the end.
fn split_last_label(wire: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut at = 0usize;
    let mut last = None;
    while let Some(&len) = wire.get(at)
        && len != 0
    {
        let end = at + 1 + usize::from(len);
        last = Some((wire.get(..at)?, wire.get(at + 1..end)?));
        at = end;
    }
    last
}

/// Two labels in canonical order: as octet strings, lower-cased, a prefix first.
fn cmp_label(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn label() -> impl Strategy<Value = String> {
        // Few letters, so that labels are often equal or prefixes of each other.
        proptest::string::string_regex("[aAbB*-]{1,3}").unwrap()
    }

    fn name() -> impl Strategy<Value = Name> {
        proptest::collection::vec(label(), 0..4)
            .prop_map(|labels| Name::parse(&format!("{}.", labels.join(".")), None).unwrap())
    }

    proptest! {
        #[test]
        fn canonical_cmp_agrees_with_the_names(a in name(), b in name()) {
            let ours = LabelStarts::new(a.as_wire()).canonical_cmp(b.as_wire());
            prop_assert_eq!(ours, a.canonical_cmp(&b));
        }

        #[test]
        fn canonical_cmp_of_the_labels_before_a_shared_suffix(
            a in name(),
            b in name(),
            suffix in name(),
        ) {
            let join = |n: &Name| {
                let front = n.as_wire().get(..n.wire_len() - 1).unwrap_or(&[]);
                [front, suffix.as_wire()].concat()
            };
            let (full_a, full_b) = (Name::from_wire(&join(&a)), Name::from_wire(&join(&b)));
            prop_assume!(full_a.is_ok() && full_b.is_ok());
            let front = |n: &Name| n.as_wire()[..n.wire_len() - 1].to_vec();
            let ours = LabelStarts::new(&front(&a)).canonical_cmp(&front(&b));
            prop_assert_eq!(ours, full_a.unwrap().canonical_cmp(&full_b.unwrap()));
        }
    }

    #[test]
    fn name_len_finds_the_end_of_a_valid_name_only() {
        assert_eq!(name_len(b"\x03www\x07example\x00rest"), Some(13));
        assert_eq!(name_len(b"\x00"), Some(1));
        assert_eq!(name_len(b"\x03ww"), None);
        assert_eq!(name_len(b"\x03www"), None);
        assert_eq!(name_len(b"\xc0\x0c"), None);
        let mut long = [[63u8; 64]; 4].concat();
        long.push(0);
        assert_eq!(name_len(&long), None);
    }
}
