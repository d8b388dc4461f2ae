//! Owner names as the store keeps them: labels from the rightmost, so that RFC 4034 §6.1
//! canonical order is one left-to-right walk, and names below the zone's origin without the
//! origin's labels, which every in-zone owner shares.
//!
//! Layout in the arena: one octet giving the length of what follows, then the labels, rightmost
//! first, each as a length octet and the label's octets (case kept for printing).

use std::cmp::Ordering;

use crate::name::Name;

/// Labels of `name`, rightmost first, as `len octets` pairs, without the last `skip` labels
/// (the origin's). Appended to `out`.
pub(super) fn push_reversed(out: &mut Vec<u8>, name: &Name, skip: usize) {
    // A name has at most 127 labels in at most 255 octets: their offsets, gathered on the
    // stack, spare an allocation per record stored.
    let wire = name.as_wire();
    let mut starts = [0u8; 128];
    let mut count: usize = 0;
    let mut at = 0;
    while let Some(&len) = wire.get(at) {
        if len == 0 {
            break;
        }
        let Some(place) = starts.get_mut(count) else { break };
        *place = at as u8;
        count += 1;
        at += 1 + usize::from(len);
    }
    let keep = count.saturating_sub(skip);
    for &start in starts.iter().take(keep).rev() {
        let start = usize::from(start);
        let len = wire.get(start).map_or(0, |&len| usize::from(len));
        out.extend_from_slice(wire.get(start..start + 1 + len).unwrap_or(&[]));
    }
}

/// Iterator over reversed labels, spread over up to two parts (the origin's, then the owner's
/// own). Stops at the first malformed length, which only a bug could write.
#[derive(Clone)]
pub(super) struct RevLabels<'a> {
    parts: [&'a [u8]; 2],
}

impl<'a> RevLabels<'a> {
    pub(super) fn new(prefix: &'a [u8], rest: &'a [u8]) -> RevLabels<'a> {
        RevLabels { parts: [prefix, rest] }
    }

    /// Forgets the first part (the origin), for comparing two names that share it.
    pub(super) fn skip_prefix(&mut self) {
        self.parts[0] = &[];
    }
}

impl<'a> Iterator for RevLabels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.parts[0].is_empty() {
            self.parts = [self.parts[1], &[]];
        }
        let (&len, rest) = self.parts[0].split_first()?;
        let (label, rest) = rest.split_at_checked(usize::from(len))?;
        self.parts[0] = rest;
        Some(label)
    }
}

/// Canonical order of two names given as reversed labels: label by label, each compared as
/// lower-cased octets, a name that runs out first sorting first.
pub(super) fn cmp_reversed(mut a: RevLabels<'_>, mut b: RevLabels<'_>) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ordering =
                    x.iter().map(u8::to_ascii_lowercase).cmp(y.iter().map(u8::to_ascii_lowercase));
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
        }
    }
}

/// Rebuilds a [`Name`] from reversed labels.
pub(super) fn to_name(labels: RevLabels<'_>) -> Name {
    let labels: Vec<&[u8]> = labels.collect();
    // The labels came from a valid name, so this cannot fail; the root is the safe answer if
    // the arena were ever corrupt.
    Name::from_labels(labels.into_iter().rev()).unwrap_or_else(|_| Name::root())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        push_reversed(&mut out, &Name::parse(text, None).unwrap(), 0);
        out
    }

    #[test]
    fn orders_as_rfc_4034_does() {
        let names = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        for pair in names.windows(2) {
            let (a, b) = (rev(pair[0]), rev(pair[1]));
            assert_eq!(
                cmp_reversed(RevLabels::new(&[], &a), RevLabels::new(&[], &b)),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn split_and_whole_forms_agree() {
        let origin = Name::parse("example.", None).unwrap();
        let mut origin_rev = Vec::new();
        push_reversed(&mut origin_rev, &origin, 0);
        let mut rest = Vec::new();
        push_reversed(&mut rest, &Name::parse("www.Example.", None).unwrap(), 1);
        let whole = rev("WWW.example.");
        let split = RevLabels::new(&origin_rev, &rest);
        assert_eq!(cmp_reversed(split.clone(), RevLabels::new(&[], &whole)), Ordering::Equal);
        assert_eq!(to_name(split).to_string(), "www.example.");
    }
}
