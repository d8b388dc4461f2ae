//! Tiny zones around the cases: SOA, NS and the name server's address, then one record per case
//! at its own owner name, so a peer's output can be mapped back to the case.

use super::cases::Case;

/// The origin every case's relative names are completed with.
pub const ORIGIN: &str = "example.";

const SOA: &str = "@ IN SOA ns.example. hostmaster.example. 1 7200 3600 1209600 300";

/// One record as a peer is given it: owner, type and RDATA text (the type and text may be the
/// RFC 3597 form of the case, for peers that lack the type).
#[derive(Debug, Clone)]
pub struct Line {
    /// Index of the case in cases.txt order.
    pub case: usize,
    /// Absolute owner name, lower case.
    pub owner: String,
    /// The type as the peer gets it.
    pub rtype: String,
    /// The RDATA as the peer gets it.
    pub text: String,
}

impl Line {
    /// The line for `case` as written in cases.txt.
    pub fn of(index: usize, case: &Case) -> Line {
        Line {
            case: index,
            owner: owner(index, case),
            rtype: case.rtype.clone(),
            text: case.text.clone(),
        }
    }

    /// True when the record replaces the zone's SOA, so it must be tried alone.
    pub fn is_soa(&self) -> bool {
        self.rtype.eq_ignore_ascii_case("SOA")
    }
}

/// The owner name of case `index`. SOA sits at the apex; NSEC3 owners look like hashes because
/// BIND refuses other NSEC3 owners.
pub fn owner(index: usize, case: &Case) -> String {
    if case.rtype.eq_ignore_ascii_case("SOA") {
        ORIGIN.to_string()
    } else if case.rtype.eq_ignore_ascii_case("NSEC3") {
        format!("{index:0>32}.{ORIGIN}")
    } else {
        format!("c{index}.{ORIGIN}")
    }
}

/// The zone file text holding `lines`.
pub fn zone(lines: &[&Line]) -> String {
    let mut out = format!("$ORIGIN {ORIGIN}\n$TTL 3600\n");
    match lines.iter().find(|l| l.is_soa()) {
        Some(soa) => out.push_str(&format!("@ IN SOA {}\n", soa.text)),
        None => out.push_str(&format!("{SOA}\n")),
    }
    out.push_str("@ IN NS ns.example.\nns IN A 192.0.2.1\n");
    for line in lines.iter().filter(|l| !l.is_soa()) {
        out.push_str(&format!("{} IN {} {}\n", line.owner, line.rtype, line.text));
    }
    out
}

/// Removes a `;` comment outside quotes, and parentheses outside quotes, so that a peer's
/// printed RDATA becomes one line of tokens.
pub fn flatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            ';' if !quoted => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
                out.push(' ');
            }
            '(' | ')' | '\n' | '\r' if !quoted => out.push(' '),
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Parses the RFC 3597 form `\# len hex...` (hex in either case, possibly split).
pub fn parse_generic(text: &str) -> Option<Vec<u8>> {
    let mut words = text.split_whitespace();
    if words.next()? != "\\#" {
        return None;
    }
    let len: usize = words.next()?.parse().ok()?;
    let hex: String = words.collect::<Vec<_>>().concat().to_ascii_lowercase();
    let data = data_encoding::HEXLOWER.decode(hex.as_bytes()).ok()?;
    (data.len() == len).then_some(data)
}

/// Splits a zone-file output line into owner (lower case), type and RDATA text; `None` for
/// directives, comments and blank lines.
pub fn split_record(line: &str) -> Option<(String, String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with(';') || line.starts_with('$') {
        return None;
    }
    let mut rest = line;
    let mut fields = Vec::new();
    for _ in 0..4 {
        let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        fields.push(word);
        rest = tail.trim_start();
    }
    let [owner, _ttl, _class, rtype] = fields.as_slice() else { return None };
    Some((owner.to_ascii_lowercase(), rtype.to_string(), flatten(rest)))
}
