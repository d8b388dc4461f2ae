//! `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs`, as BIND accepts it: `$` is the
//! counter, `${offset[,width[,base]]}` adjusts and formats it (base d, o, x, X, or n/N for
//! reversed nibbles as in ip6.arpa names), and `\$` (or `$$`) is a literal dollar.

use std::io::Write;

use crate::text::{lossy, parse_decimal};

/// The counter range of one directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub start: u32,
    pub stop: u32,
    pub step: u32,
}

impl Range {
    /// Parses `start-stop[/step]`.
    pub fn parse(text: &[u8]) -> Result<Range, String> {
        let bad = || {
            format!(
                "bad $GENERATE range `{}`: expected start-stop or start-stop/step, \
                 with start <= stop and step >= 1",
                lossy(text)
            )
        };
        let (bounds, step) = match text.iter().position(|&c| c == b'/') {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let dash = bounds.iter().position(|&c| c == b'-').ok_or_else(bad)?;
        let number = |t: &[u8]| parse_decimal(t).and_then(|v| u32::try_from(v).ok());
        let start = number(&bounds[..dash]).ok_or_else(bad)?;
        let stop = number(&bounds[dash + 1..]).ok_or_else(bad)?;
        let step = match step {
            Some(step) => number(step).ok_or_else(bad)?,
            None => 1,
        };
        if start > stop || step == 0 {
            return Err(bad());
        }
        Ok(Range { start, stop, step })
    }

    /// How many records the range makes.
    pub fn count(&self) -> u64 {
        u64::from(self.stop - self.start) / u64::from(self.step) + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Decimal,
    Octal,
    Hex,
    HexUpper,
    Nibble,
    NibbleUpper,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Vec<u8>),
    Counter { offset: i64, width: usize, base: Base },
}

/// Widest field a `${...}` may ask for; nothing longer fits in a name label or a record anyway.
const MAX_WIDTH: usize = 255;

/// A parsed `lhs` or `rhs` of `$GENERATE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Parses the `$` substitutions of `text`; other escapes are kept for the name or RDATA
    /// parser that reads the result.
    pub fn parse(text: &[u8]) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = Vec::new();
        let mut i = 0;
        while let Some(&c) = text.get(i) {
            match (c, text.get(i + 1).copied()) {
                (b'\\', Some(b'$')) | (b'$', Some(b'$')) => {
                    literal.push(b'$');
                    i += 2;
                }
                (b'\\', Some(next)) => {
                    literal.extend_from_slice(&[b'\\', next]);
                    i += 2;
                }
                (b'$', Some(b'{')) => {
                    let rest = &text[i + 2..];
                    let close = rest.iter().position(|&c| c == b'}').ok_or_else(|| {
                        format!("`${{` without a closing `}}` in `{}`", lossy(text))
                    })?;
                    let counter = parse_modifier(&rest[..close])?;
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                    parts.push(counter);
                    i += 2 + close + 1;
                }
                (b'$', _) => {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                    parts.push(Part::Counter { offset: 0, width: 0, base: Base::Decimal });
                    i += 1;
                }
                _ => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        parts.push(Part::Literal(literal));
        parts.retain(|p| !matches!(p, Part::Literal(l) if l.is_empty()));
        Ok(Template { parts })
    }

    /// Writes the text for counter value `value` into `out` (cleared first).
    pub fn render(&self, value: u32, out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.extend_from_slice(text),
                Part::Counter { offset, width, base } => {
                    let v = i64::from(value) + offset;
                    if v < 0 {
                        return Err(format!(
                            "$GENERATE offset {offset} makes counter value {value} negative ({v})"
                        ));
                    }
                    let w = *width;
                    // Writing to a Vec cannot fail.
                    let _ = match base {
                        Base::Decimal => write!(out, "{v:0w$}"),
                        Base::Octal => write!(out, "{v:0w$o}"),
                        Base::Hex => write!(out, "{v:0w$x}"),
                        Base::HexUpper => write!(out, "{v:0w$X}"),
                        Base::Nibble => {
                            nibbles(out, v, w, b"0123456789abcdef");
                            Ok(())
                        }
                        Base::NibbleUpper => {
                            nibbles(out, v, w, b"0123456789ABCDEF");
                            Ok(())
                        }
                    };
                }
            }
        }
        Ok(())
    }
}

/// Parses the inside of `${offset[,width[,base]]}`.
fn parse_modifier(inner: &[u8]) -> Result<Part, String> {
    let bad = |why: &str| format!("bad $GENERATE modifier `${{{}}}`: {why}", lossy(inner));
    let mut fields = inner.split(|&c| c == b',');
    let offset_text = fields.next().unwrap_or(&[]);
    let (negative, digits) = match offset_text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, offset_text),
    };
    let magnitude = parse_decimal(digits)
        .and_then(|v| i64::try_from(v).ok())
        .filter(|&v| v <= i64::from(u32::MAX))
        .ok_or_else(|| bad("the offset must be a number such as 0, 10 or -5"))?;
    let offset = if negative { -magnitude } else { magnitude };
    let width = match fields.next() {
        None => 0,
        Some(text) => parse_decimal(text)
            .and_then(|v| usize::try_from(v).ok())
            .filter(|&w| w <= MAX_WIDTH)
            .ok_or_else(|| bad("the width must be a number from 0 to 255"))?,
    };
    let base = match fields.next() {
        None => Base::Decimal,
        Some(b"d") => Base::Decimal,
        Some(b"o") => Base::Octal,
        Some(b"x") => Base::Hex,
        Some(b"X") => Base::HexUpper,
        Some(b"n") => Base::Nibble,
        Some(b"N") => Base::NibbleUpper,
        Some(_) => return Err(bad("the base must be one of d, o, x, X, n, N")),
    };
    if fields.next().is_some() {
        return Err(bad("at most three fields: offset, width, base"));
    }
    Ok(Part::Counter { offset, width, base })
}

/// Reversed nibbles separated by dots (`0x1a` → `a.1`), padded with `0.` until `width`
/// characters (dots included) are written, as BIND does.
fn nibbles(out: &mut Vec<u8>, mut value: i64, mut width: usize, digits: &[u8; 16]) {
    loop {
        out.push(digits[(value & 0x0f) as usize]);
        value >>= 4;
        width = width.saturating_sub(1);
        if width > 0 || value != 0 {
            out.push(b'.');
            width = width.saturating_sub(1);
        }
        if value == 0 && width == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, value: u32) -> String {
        let mut out = Vec::new();
        Template::parse(template.as_bytes()).unwrap().render(value, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ranges() {
        assert_eq!(Range::parse(b"1-10").unwrap().count(), 10);
        assert_eq!(Range::parse(b"0-10/3").unwrap().count(), 4);
        assert_eq!(Range::parse(b"5-5").unwrap().count(), 1);
        assert_eq!(Range::parse(b"0-4294967295").unwrap().count(), 1 << 32);
        for bad in
            ["10-1", "1-2/0", "1", "a-2", "1-", "-1-2", "1-2/", "1-2/x", "4294967296-4294967297"]
        {
            let e = Range::parse(bad.as_bytes()).unwrap_err();
            assert!(e.contains("bad $GENERATE range"), "{bad}: {e}");
        }
    }

    #[test]
    fn substitutions() {
        assert_eq!(render("host-$", 7), "host-7");
        assert_eq!(render("${10}", 7), "17");
        assert_eq!(render("${-2,3}", 7), "005");
        assert_eq!(render("${0,4,x}.${0,0,X}.${0,3,o}", 255), "00ff.FF.377");
        assert_eq!(render("${0,0,n}", 0x1a), "a.1");
        assert_eq!(render("${0,7,N}", 0x1a), "A.1.0.0");
        assert_eq!(render("${0,0,n}", 0), "0");
        assert_eq!(render("${0,1,n}", 0), "0");
        assert_eq!(render("${0,2,n}", 0), "0.");
        assert_eq!(render(r"a\$b$$c\.d", 1), r"a$b$c\.d");
        assert_eq!(render("x$y$", 3), "x3y3");
        assert_eq!(render("plain", 3), "plain");
    }

    #[test]
    fn bad_modifiers() {
        for (bad, needle) in [
            ("${1", "without a closing"),
            ("${x}", "offset must be a number"),
            ("${}", "offset must be a number"),
            ("${0,256}", "width must be"),
            ("${0,1,q}", "base must be one of"),
            ("${0,1,d,4}", "at most three fields"),
        ] {
            let e = Template::parse(bad.as_bytes()).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
        let mut out = Vec::new();
        let e = Template::parse(b"${-5}").unwrap().render(2, &mut out).unwrap_err();
        assert!(e.contains("negative"), "{e}");
    }
}
