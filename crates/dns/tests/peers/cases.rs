//! The case data: `data/peers/cases.txt` (what nameward must do) and `data/peers/allow.txt`
//! (where a peer deliberately differs, and why).

use std::fmt;

/// Where the case data lives.
pub const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers/cases.txt");
/// Where the deliberate disagreements live.
pub const ALLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers/allow.txt");

/// One record to try: its type and RDATA text, and whether nameward accepts it.
#[derive(Debug, Clone)]
pub struct Case {
    /// Line in cases.txt, for the report.
    pub line: usize,
    /// True when nameward must accept the RDATA.
    pub ok: bool,
    /// The type as written (mnemonic or `TYPEnnn`).
    pub rtype: String,
    /// The RDATA presentation text, one line.
    pub text: String,
}

impl Case {
    /// The key the allow-list uses: type and text, single-spaced.
    pub fn key(&self) -> String {
        format!("{} {}", self.rtype, self.text)
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.ok { "ok" } else { "bad" };
        let mut text = self.text.clone();
        if text.len() > 100 {
            let mut cut = 90;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text = format!("{}…[{} chars]", &text[..cut], self.text.len());
        }
        write!(f, "cases.txt:{} {verdict} {} {text}", self.line, self.rtype)
    }
}

/// What kind of difference an allow-list entry excuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The peer accepts what nameward refuses, or the reverse.
    Verdict,
    /// Both accept, but the peer's RDATA octets differ from nameward's.
    Rdata,
    /// nameward cannot read the peer's printed form back, or reads other RDATA from it.
    Reparse,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        match text {
            "verdict" => Some(Kind::Verdict),
            "rdata" => Some(Kind::Rdata),
            "reparse" => Some(Kind::Reparse),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Verdict => "verdict",
            Kind::Rdata => "rdata",
            Kind::Reparse => "reparse",
        })
    }
}

/// A deliberate disagreement: `peer kind TYPE rdata | reason`.
#[derive(Debug, Clone)]
pub struct Allow {
    /// Line in allow.txt.
    pub line: usize,
    /// The peer's name as the report prints it.
    pub peer: String,
    /// What differs.
    pub kind: Kind,
    /// The case key (type and text).
    pub key: String,
    /// Why nameward does not follow that peer here.
    pub reason: String,
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits off the first whitespace-separated word.
fn word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    let (w, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    (w, rest.trim_start())
}

/// Reads cases.txt; a malformed line is an error naming it.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (verdict, rest) = word(trimmed);
        let ok = match verdict {
            "ok" => true,
            "bad" => false,
            other => {
                return Err(format!("cases.txt:{line}: verdict must be ok or bad, not {other:?}"));
            }
        };
        let (rtype, rest) = word(rest);
        if rtype.is_empty() {
            return Err(format!("cases.txt:{line}: missing record type"));
        }
        let rest = rest.trim();
        if ok && rest.is_empty() {
            return Err(format!("cases.txt:{line}: an ok case needs RDATA"));
        }
        cases.push(Case { line, ok, rtype: rtype.to_string(), text: rest.to_string() });
    }
    let mut seen = std::collections::HashMap::new();
    for case in &cases {
        if let Some(first) = seen.insert(squeeze(&case.key()), case.line) {
            return Err(format!("cases.txt:{}: repeats line {first}", case.line));
        }
    }
    Ok(cases)
}

/// Reads allow.txt; every entry needs a peer, a kind, a case and a reason.
pub fn parse_allow(text: &str, peers: &[&str]) -> Result<Vec<Allow>, String> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (entry, reason) = trimmed
            .rsplit_once(" | ")
            .ok_or_else(|| format!("allow.txt:{line}: needs ` | reason` at the end"))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(format!("allow.txt:{line}: the reason is empty"));
        }
        let (peer, rest) = word(entry);
        if !peers.contains(&peer) {
            return Err(format!("allow.txt:{line}: unknown peer {peer:?} (known: {peers:?})"));
        }
        let (kind, rest) = word(rest);
        let kind = Kind::parse(kind)
            .ok_or_else(|| format!("allow.txt:{line}: kind must be verdict, rdata or reparse"))?;
        let key = squeeze(rest);
        if key.is_empty() {
            return Err(format!("allow.txt:{line}: missing the case (type and RDATA)"));
        }
        entries.push(Allow { line, peer: peer.to_string(), kind, key, reason: reason.to_string() });
    }
    Ok(entries)
}

/// Finds the allow-list entry excusing `kind` for `peer` on `case`.
pub fn allowed<'a>(allow: &'a [Allow], peer: &str, kind: Kind, case: &Case) -> Option<&'a Allow> {
    let key = squeeze(&case.key());
    allow.iter().find(|a| a.peer == peer && a.kind == kind && a.key == key)
}
