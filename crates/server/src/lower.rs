//! Lower-cased wire names in a stack buffer: the key of every lookup, made without allocating.

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

#[cfg(test)]
mod tests {
    use super::*;

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
