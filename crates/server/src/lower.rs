//! Lower-cased wire names in a stack buffer: the key of every lookup, made without allocating.

use nameward_dns::Name;

/// Longest name in wire form (RFC 1035 §3.1).
pub(crate) const MAX_NAME: usize = 255;

/// Copies `name` lower-cased into `buf` and returns the copy.
pub(crate) fn lower<'b>(name: &Name, buf: &'b mut [u8; MAX_NAME]) -> &'b [u8] {
    let wire = name.as_wire();
    let len = wire.len().min(MAX_NAME);
    for (out, &b) in buf.iter_mut().zip(&wire[..len]) {
        *out = b.to_ascii_lowercase();
    }
    &buf[..len]
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
