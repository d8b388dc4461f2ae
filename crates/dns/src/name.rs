//! Domain names: labels in uncompressed wire form, compared without regard to ASCII case but
//! printed with the case they were given.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Longest label, in octets (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name in wire form, length octets and root label included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;

/// Why a name could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// A label is longer than 63 octets.
    #[error("label longer than 63 octets")]
    LabelTooLong,
    /// The whole name is longer than 255 octets in wire form.
    #[error("name longer than 255 octets in wire form")]
    NameTooLong,
    /// Two dots in a row, or a dot at the start of a name other than the root.
    #[error("empty label (two dots in a row, or a leading dot)")]
    EmptyLabel,
    /// A backslash not followed by a character or by three decimal digits up to 255.
    #[error("bad escape: a backslash must be followed by a character or three digits 000-255")]
    BadEscape,
    /// The text was empty.
    #[error("empty name")]
    Empty,
    /// A relative name was given where no origin is known.
    #[error("relative name and no origin to complete it")]
    NoOrigin,
    /// Wire bytes that are not a sequence of labels ending with the root label.
    #[error("malformed wire-form name")]
    BadWire,
}

/// A domain name, always absolute, held as uncompressed wire-form labels ending with the root label.
///
/// Equality, hashing and [`Name::canonical_cmp`] ignore ASCII case; [`fmt::Display`] keeps it.
#[derive(Clone)]
pub struct Name {
    wire: Box<[u8]>,
}

impl Name {
    /// The root name, `.`.
    pub fn root() -> Name {
        Name { wire: Box::new([0]) }
    }

    /// Builds a name from uncompressed wire form, checking every length.
    pub fn from_wire(wire: &[u8]) -> Result<Name, NameError> {
        let len = wire_len(wire)?;
        if len != wire.len() {
            return Err(NameError::BadWire);
        }
        Ok(Name { wire: wire.into() })
    }

    /// Builds a name from a sequence of labels, the root label left out.
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = &'a [u8]>) -> Result<Name, NameError> {
        let mut wire = Vec::with_capacity(32);
        for label in labels {
            push_label(&mut wire, label)?;
        }
        wire.push(0);
        Ok(Name { wire: wire.into() })
    }

    /// Parses presentation form (`www.example.com.`, with `\.` and `\DDD` escapes).
    ///
    /// A name without a final dot is relative and is completed with `origin`; `@` is the origin.
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameError> {
        Self::parse_bytes(text.as_bytes(), origin)
    }

    /// [`Name::parse`] over raw bytes, as zone files are not always UTF-8.
    pub fn parse_bytes(text: &[u8], origin: Option<&Name>) -> Result<Name, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text == b"@" {
            return origin.cloned().ok_or(NameError::NoOrigin);
        }
        if text == b"." {
            return Ok(Name::root());
        }
        let mut wire = Vec::with_capacity(text.len() + 2);
        let mut label = [0u8; MAX_LABEL_LEN + 1];
        let mut label_len = 0usize;
        let mut i = 0;
        let mut absolute = false;
        while i < text.len() {
            let c = text[i];
            i += 1;
            let octet = match c {
                b'.' => {
                    if label_len == 0 {
                        return Err(NameError::EmptyLabel);
                    }
                    push_label(&mut wire, &label[..label_len])?;
                    label_len = 0;
                    if i == text.len() {
                        absolute = true;
                    }
                    continue;
                }
                b'\\' => {
                    let (octet, used) = unescape(&text[i..])?;
                    i += used;
                    octet
                }
                other => other,
            };
            if label_len == MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            label[label_len] = octet;
            label_len += 1;
        }
        if label_len > 0 {
            push_label(&mut wire, &label[..label_len])?;
        }
        if absolute {
            wire.push(0);
            return Ok(Name { wire: wire.into() });
        }
        let origin = origin.ok_or(NameError::NoOrigin)?;
        if wire.len() + origin.wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        wire.extend_from_slice(&origin.wire);
        Ok(Name { wire: wire.into() })
    }

    /// The name in uncompressed wire form.
    pub fn as_wire(&self) -> &[u8] {
        &self.wire
    }

    /// Length of the wire form in octets.
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// True for the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// The labels from the leftmost, the root label left out.
    pub fn labels(&self) -> Labels<'_> {
        Labels { wire: &self.wire }
    }

    /// Number of labels, the root label left out.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The name with its leftmost label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        let first = *self.wire.first()? as usize;
        if first == 0 {
            return None;
        }
        Some(Name { wire: self.wire[first + 1..].into() })
    }

    /// The name with `label` put in front of it.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        let mut wire = Vec::with_capacity(label.len() + 1 + self.wire.len());
        push_label(&mut wire, label)?;
        if wire.len() + self.wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        wire.extend_from_slice(&self.wire);
        Ok(Name { wire: wire.into() })
    }

    /// True when the first label is `*`.
    pub fn is_wildcard(&self) -> bool {
        self.wire.len() >= 2 && self.wire[0] == 1 && self.wire[1] == b'*'
    }

    /// True when `self` equals `ancestor` or lies below it (case-insensitive).
    pub fn is_subdomain_of(&self, ancestor: &Name) -> bool {
        let (mine, theirs) = (self.wire.len(), ancestor.wire.len());
        if theirs > mine {
            return false;
        }
        // Walk our labels until the remaining suffix is as long as the ancestor, so that the
        // comparison starts on a label boundary and `xample.com` never matches `example.com`.
        let mut at = 0;
        while mine - at > theirs {
            at += self.wire[at] as usize + 1;
        }
        mine - at == theirs && self.wire[at..].eq_ignore_ascii_case(&ancestor.wire)
    }

    /// The name with ASCII letters folded to lower case (RFC 4034 §6.2 canonical form).
    pub fn to_lowercase(&self) -> Name {
        Name { wire: self.wire.to_ascii_lowercase().into() }
    }

    /// RFC 4034 §6.1 canonical ordering: by labels from the rightmost, each compared as
    /// lower-cased octet strings, a missing label sorting first.
    pub fn canonical_cmp(&self, other: &Name) -> Ordering {
        let mine = label_offsets(&self.wire);
        let theirs = label_offsets(&other.wire);
        for (a, b) in mine.iter().rev().zip(theirs.iter().rev()) {
            let la = label_at(&self.wire, *a as usize);
            let lb = label_at(&other.wire, *b as usize);
            let ordering =
                la.iter().map(u8::to_ascii_lowercase).cmp(lb.iter().map(u8::to_ascii_lowercase));
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        mine.len().cmp(&theirs.len())
    }
}

/// Offsets of each label's length octet, at most 128 labels in a 255-octet name.
fn label_offsets(wire: &[u8]) -> Vec<u8> {
    let mut offsets = Vec::with_capacity(16);
    let mut at = 0usize;
    while at < wire.len() && wire[at] != 0 {
        offsets.push(at as u8);
        at += wire[at] as usize + 1;
    }
    offsets
}

fn label_at(wire: &[u8], at: usize) -> &[u8] {
    let len = wire[at] as usize;
    &wire[at + 1..at + 1 + len]
}

fn push_label(wire: &mut Vec<u8>, label: &[u8]) -> Result<(), NameError> {
    if label.is_empty() {
        return Err(NameError::EmptyLabel);
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong);
    }
    // Room must remain for the root label at the end.
    if wire.len() + 1 + label.len() + 1 > MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    wire.push(label.len() as u8);
    wire.extend_from_slice(label);
    Ok(())
}

/// Decodes the escape after a backslash: `\DDD` or `\X`. Returns the octet and the bytes used.
pub(crate) fn unescape(rest: &[u8]) -> Result<(u8, usize), NameError> {
    match rest {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            let value = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
            u8::try_from(value).map(|v| (v, 3)).map_err(|_| NameError::BadEscape)
        }
        [a, ..] if a.is_ascii_digit() => Err(NameError::BadEscape),
        [c, ..] => Ok((*c, 1)),
        [] => Err(NameError::BadEscape),
    }
}

/// Length of the uncompressed wire name at the start of `wire`.
fn wire_len(wire: &[u8]) -> Result<usize, NameError> {
    let mut at = 0usize;
    loop {
        let len = *wire.get(at).ok_or(NameError::BadWire)? as usize;
        if len > MAX_LABEL_LEN {
            return Err(NameError::BadWire);
        }
        at += len + 1;
        if at > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        if len == 0 {
            return Ok(at);
        }
    }
}

/// Iterator over the labels of a [`Name`], leftmost first.
pub struct Labels<'a> {
    wire: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (&len, rest) = self.wire.split_first()?;
        if len == 0 {
            return None;
        }
        let (label, rest) = rest.split_at(len as usize);
        self.wire = rest;
        Some(label)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.wire.eq_ignore_ascii_case(&other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lower-cased into one buffer and hashed in one call: a call per octet made hashing
        // a name cost as much as comparing it.
        let mut lower = [0u8; MAX_NAME_LEN];
        let len = self.wire.len().min(MAX_NAME_LEN);
        for (to, from) in lower.iter_mut().zip(self.wire.iter()) {
            *to = from.to_ascii_lowercase();
        }
        state.write(lower.get(..len).unwrap_or(&[]));
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    /// Canonical DNS order (RFC 4034 §6.1).
    fn cmp(&self, other: &Name) -> Ordering {
        self.canonical_cmp(other)
    }
}

/// Writes one label in presentation form, escaping what a zone file would misread.
pub(crate) fn write_label(f: &mut impl fmt::Write, label: &[u8]) -> fmt::Result {
    for &octet in label {
        match octet {
            b'.' | b';' | b'\\' | b'(' | b')' | b'"' | b'@' | b'$' => {
                f.write_char('\\')?;
                f.write_char(octet as char)?;
            }
            0x21..=0x7e => f.write_char(octet as char)?,
            _ => write!(f, "\\{octet:03}")?,
        }
    }
    Ok(())
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            write_label(f, label)?;
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;

    /// Parses an absolute name; a name without the final dot is taken as absolute too.
    fn from_str(text: &str) -> Result<Name, NameError> {
        Name::parse(text, Some(&Name::root()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    #[test]
    fn parses_and_prints_with_escapes() {
        let n = Name::parse("a\\.b.c\\032d.Example.", None).unwrap();
        assert_eq!(n.label_count(), 3);
        assert_eq!(n.to_string(), "a\\.b.c\\032d.Example.");
        assert_eq!(name("\\065.").to_string(), "A.");
    }

    #[test]
    fn completes_relative_names() {
        let origin = name("example.com.");
        assert_eq!(Name::parse("www", Some(&origin)).unwrap(), name("www.example.com."));
        assert_eq!(Name::parse("@", Some(&origin)).unwrap(), origin);
        assert_eq!(Name::parse("www", None), Err(NameError::NoOrigin));
    }

    #[test]
    fn enforces_limits() {
        let long_label = "a".repeat(64);
        assert_eq!(Name::parse(&format!("{long_label}."), None), Err(NameError::LabelTooLong));
        let ok = format!("{}.", vec!["a".repeat(63); 3].join("."));
        assert!(Name::parse(&ok, None).is_ok());
        // 4 labels of 63 = 256 octets + root: too long.
        let too_long = format!("{}.", vec!["a".repeat(63); 4].join("."));
        assert_eq!(Name::parse(&too_long, None), Err(NameError::NameTooLong));
        let max = format!("{}.{}.", vec!["a".repeat(63); 3].join("."), "a".repeat(61));
        assert_eq!(name(&max).wire_len(), 255);
        assert_eq!(Name::parse("a..b.", None), Err(NameError::EmptyLabel));
        assert_eq!(Name::parse("\\256.", None), Err(NameError::BadEscape));
        assert_eq!(Name::parse("a\\", None), Err(NameError::BadEscape));
    }

    #[test]
    fn compares_without_case_and_keeps_case() {
        assert_eq!(name("WWW.Example.COM."), name("www.example.com."));
        assert_eq!(name("WWW.Example.COM.").to_string(), "WWW.Example.COM.");
        assert!(name("a.b.example.").is_subdomain_of(&name("EXAMPLE.")));
        assert!(!name("aexample.").is_subdomain_of(&name("example.")));
    }

    #[test]
    fn canonical_order_matches_rfc4034_example() {
        // RFC 4034 §6.1.
        let sorted = [
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
        let mut names: Vec<Name> = sorted.iter().rev().map(|t| name(t)).collect();
        names.sort();
        let printed: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let expected: Vec<String> = sorted.iter().map(|t| name(t).to_string()).collect();
        assert_eq!(printed, expected);
    }
}
