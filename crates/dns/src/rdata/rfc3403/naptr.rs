use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_char_string};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A rewrite rule of the Dynamic Delegation Discovery System (RFC 3403 §4).
///
/// Wire format: order, preference (u16 each), flags, services, regexp (character-strings),
/// replacement (name). RFC 3403 §4.1 forbids compressing the replacement, so a strict decoder
/// refuses a compressed one; RFC 4034 §6.2 lists NAPTR, so it is lower-cased in canonical form.
///
/// A non-empty regexp must have the RFC 3402 §3.2 shape `!ere!repl!` with an optional `i` flag,
/// balanced parentheses and back-references only to groups that exist, as BIND checks; a
/// malformed rule is refused rather than left for every client to trip over. Flags are not
/// checked against `[A-Z0-9]` and a rule with both a regexp and a replacement is accepted, as
/// BIND, Knot and ldns all do: those are matters for a zone check, not for syntax.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Naptr {
    /// Rules with lower order are processed first.
    pub order: u16,
    /// Among rules of equal order, lower is preferred.
    pub preference: u16,
    /// Flags that control rewriting (such as `S`, `A`, `U`, `P`), at most 255 octets.
    pub flags: Vec<u8>,
    /// The services available down this rewrite path, at most 255 octets.
    pub services: Vec<u8>,
    /// A substitution expression applied to the original string, at most 255 octets.
    pub regexp: Vec<u8>,
    /// The next name to query, or the root name when the regexp is used instead.
    pub replacement: Name,
}

impl RecordType for Naptr {
    const RTYPE: Rtype = Rtype::NAPTR;

    fn decode(r: &mut Reader<'_>) -> Result<Naptr, WireError> {
        let order = r.u16()?;
        let preference = r.u16()?;
        let flags = r.char_string()?.to_vec();
        let services = r.char_string()?.to_vec();
        let at = r.position();
        let regexp = r.char_string()?.to_vec();
        check_regexp(&regexp).map_err(|_| {
            WireError::new(at, WireErrorKind::BadValue("NAPTR regexp is malformed"))
        })?;
        let replacement = r.uncompressed_name()?;
        Ok(Naptr { order, preference, flags, services, regexp, replacement })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.order);
        w.u16(self.preference);
        w.char_string(&self.flags);
        w.char_string(&self.services);
        w.char_string(&self.regexp);
        w.canonical_name(&self.replacement);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Naptr, TextError> {
        let order = t.int("NAPTR order (0-65535)")?;
        let preference = t.int("NAPTR preference (0-65535)")?;
        let flags = t.char_string("NAPTR flags")?;
        let services = t.char_string("NAPTR services")?;
        let regexp = t.char_string("NAPTR regexp")?;
        check_regexp(&regexp).map_err(|m| t.error_here(format!("bad NAPTR regexp: {m}")))?;
        let replacement = t.name("NAPTR replacement")?;
        Ok(Naptr { order, preference, flags, services, regexp, replacement })
    }
}

/// Checks the RFC 3402 §3.2 form `delim ere delim repl delim [i]` of a non-empty regexp.
fn check_regexp(regexp: &[u8]) -> Result<(), &'static str> {
    let Some((&delim, body)) = regexp.split_first() else { return Ok(()) };
    if matches!(delim, b'1'..=b'9' | b'i' | b'\\') {
        return Err("the delimiter (first character) may not be a digit 1-9, `i` or a backslash");
    }
    let mut parts = split_unescaped(body, delim);
    let (Some(ere), Some(repl), Some(flags), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("expected the form !regex!replacement! with the same delimiter three times");
    };
    if !flags.is_empty() && flags != b"i" {
        return Err("only the flag `i` may follow the last delimiter");
    }
    let groups = count_groups(ere)?;
    let mut i = 0;
    while let Some(&c) = repl.get(i) {
        if c == b'\\' {
            if let Some(d @ b'1'..=b'9') = repl.get(i + 1)
                && usize::from(d - b'0') > groups
            {
                return Err("a back-reference names a group the regex does not have");
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Splits at each `delim` not preceded by a backslash.
fn split_unescaped(text: &[u8], delim: u8) -> impl Iterator<Item = &[u8]> {
    let mut escaped = false;
    text.split(move |&c| {
        let split = c == delim && !escaped;
        escaped = c == b'\\' && !escaped;
        split
    })
}

/// Counts the parenthesised groups of a POSIX extended regex, refusing unbalanced ones.
fn count_groups(ere: &[u8]) -> Result<usize, &'static str> {
    let (mut groups, mut depth, mut i) = (0usize, 0usize, 0usize);
    while let Some(&c) = ere.get(i) {
        match c {
            b'\\' => i += 1,
            b'[' => {
                // A bracket expression: `]` first (or after `^`) is a member, not the end.
                i += 1;
                if ere.get(i) == Some(&b'^') {
                    i += 1;
                }
                if ere.get(i) == Some(&b']') {
                    i += 1;
                }
                while ere.get(i).is_some_and(|&c| c != b']') {
                    i += 1;
                }
                if i >= ere.len() {
                    return Err("a bracket expression is not closed");
                }
            }
            b'(' => {
                groups += 1;
                depth += 1;
            }
            b')' => depth = depth.checked_sub(1).ok_or("a `)` has no matching `(`")?,
            _ => {}
        }
        i += 1;
    }
    if depth == 0 { Ok(groups) } else { Err("a `(` is not closed") }
}

impl fmt::Display for Naptr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.order, self.preference)?;
        for s in [&self.flags, &self.services, &self.regexp] {
            write_char_string(f, s)?;
            f.write_str(" ")?;
        }
        self.replacement.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::check_regexp;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::rtype::Rtype;
    use crate::wire::{WireMode, Writer};

    #[test]
    fn round_trips() {
        round_trip(
            Rtype::NAPTR,
            "100 10 S SIP+D2U \"\" _sip._udp",
            "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.",
            "0064000a0153075349502b44325500045f736970045f756470076578616d706c6500",
        );
        // RFC 3403 §6.2, with the backslashes escaped as master files need them.
        round_trip(
            Rtype::NAPTR,
            "100 10 \"\" \"\" \"!^urn:cid:.+@([^\\\\.]+\\\\.)(.*)$!\\\\2!i\" .",
            "100 10 \"\" \"\" \"!^urn:cid:.+@([^\\\\.]+\\\\.)(.*)$!\\\\2!i\" .",
            "0064000a000021215e75726e3a6369643a2e2b40285b5e5c2e5d2b5c2e29282e2a2924215c32216900",
        );
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::NAPTR, "100 10 S SIP+D2U \"\"", "missing NAPTR replacement");
        rejects(Rtype::NAPTR, "100 10 S SIP+D2U", "missing NAPTR regexp");
        rejects(Rtype::NAPTR, "65536 10 S SIP+D2U \"\" .", "bad NAPTR order");
        rejects(Rtype::NAPTR, "1 -1 S SIP+D2U \"\" .", "bad NAPTR preference");
        rejects(
            Rtype::NAPTR,
            &format!("1 1 {} SIP+D2U \"\" .", "S".repeat(256)),
            "longer than 255",
        );
        rejects(Rtype::NAPTR, "1 1 S SIP+D2U foo .", "bad NAPTR regexp");
        rejects(Rtype::NAPTR, "1 1 S SIP+D2U !a(!b! .", "not closed");
        rejects(Rtype::NAPTR, "1 1 S SIP+D2U !a!\\\\2! .", "back-reference");
        rejects(Rtype::NAPTR, "1 1 S SIP+D2U !a!b!x .", "flag");
        rejects(Rtype::NAPTR, "1 1 S SIP+D2U \"\" a..b", "bad NAPTR replacement");
        rejects(Rtype::NAPTR, "\\# 8 0001000101530000", "not valid for type NAPTR");
    }

    #[test]
    fn regexp_shapes() {
        for good in ["", "!^.*$!sip:info@example.com!", "/a(b)/\\1/i", "!a[)]!b!", "!a\\!b!c!"] {
            assert_eq!(check_regexp(good.as_bytes()), Ok(()), "{good}");
        }
        for bad in ["1a1b1", "!a!b", "!a!b!c!", "!a)!b!", "!a[!b!", "!a!\\1!"] {
            assert!(check_regexp(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn replacement_is_lower_cased_only_in_canonical_form() {
        let data = parse(Rtype::NAPTR, "1 1 S X \"\" Sip.Example.").unwrap();
        let mut canonical = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut canonical);
        assert!(canonical.as_bytes().ends_with(b"\x03sip\x07example\x00"));
        assert!(data.to_wire().ends_with(b"\x03Sip\x07Example\x00"));
    }
}
