//! Comparing nameward with the peers, case by case, and printing every disagreement in one list.

use std::fmt::Write;

use super::cases::{Allow, Case, Kind, allowed};
use super::tools::Verdict;

/// Everything known about one case.
pub struct Outcome<'a> {
    /// The case.
    pub case: &'a Case,
    /// nameward's verdict.
    pub nameward: Verdict,
    /// Each peer's name, verdict, and a note on how it was asked (e.g. the RFC 3597 form).
    pub peers: Vec<(&'static str, Verdict, Option<String>)>,
}

/// One difference found.
pub struct Finding {
    /// Who differs: `nameward` or a peer.
    pub who: &'static str,
    /// What differs.
    pub kind: Kind,
    /// Details for the report.
    pub detail: String,
}

/// Parses `text` with nameward and returns the RDATA octets.
pub type Reparse<'f> = &'f dyn Fn(&str, &str) -> Result<Vec<u8>, String>;

/// The differences in one case, before the allow-list.
pub fn findings(o: &Outcome<'_>, reparse: Reparse<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    if o.nameward.accepts() != Some(o.case.ok) {
        found.push(Finding {
            who: "nameward",
            kind: Kind::Verdict,
            detail: format!("cases.txt says {}", if o.case.ok { "ok" } else { "bad" }),
        });
    }
    let ours = o.nameward.wire();
    let reference = ours.or_else(|| majority(o.peers.iter().filter_map(|(_, v, _)| v.wire())));
    for (peer, verdict, _) in &o.peers {
        let Some(accepts) = verdict.accepts() else { continue };
        if accepts != o.case.ok {
            found.push(Finding { who: peer, kind: Kind::Verdict, detail: String::new() });
        }
        if let (Some(reference), Some(theirs)) = (reference, verdict.wire())
            && reference != theirs
        {
            let detail = if ours.is_some() { "" } else { "differs from the other peers' octets" };
            found.push(Finding { who: peer, kind: Kind::Rdata, detail: detail.to_string() });
        }
        if let (Some(ours), Verdict::Accept { texts, .. }) = (ours, verdict) {
            for text in texts {
                match reparse(&o.case.rtype, text) {
                    Ok(wire) if wire == ours => {}
                    Ok(wire) => found.push(Finding {
                        who: peer,
                        kind: Kind::Reparse,
                        detail: format!("nameward reads `{}` as {}", short(text), hex(&wire)),
                    }),
                    Err(e) => found.push(Finding {
                        who: peer,
                        kind: Kind::Reparse,
                        detail: format!("nameward cannot read `{}`: {e}", short(text)),
                    }),
                }
            }
        }
    }
    found
}

/// The octets most peers produced (the first of them on a tie), so that peers are compared with
/// each other even where nameward has no octets yet.
fn majority<'a>(wires: impl Iterator<Item = &'a [u8]> + Clone) -> Option<&'a [u8]> {
    let count = |w: &[u8]| wires.clone().filter(|x| *x == w).count();
    wires.clone().max_by(|a, b| count(a).cmp(&count(b)).then(std::cmp::Ordering::Greater))
}

fn short(text: &str) -> String {
    if text.chars().count() > 120 {
        text.chars().take(110).collect::<String>() + "…"
    } else {
        text.to_string()
    }
}

fn hex(wire: &[u8]) -> String {
    let hex = data_encoding::HEXLOWER.encode(wire);
    format!("[{}] {}", wire.len(), short(&hex))
}

fn describe(v: &Verdict) -> String {
    match v {
        Verdict::Accept { wire: Some(w), .. } => format!("accepts {}", hex(w)),
        Verdict::Accept { wire: None, .. } => "accepts".to_string(),
        Verdict::Reject(e) => format!("rejects: {}", short(e)),
        Verdict::NotRun(why) => format!("not asked: {why}"),
    }
}

/// The report of one case whose differences are not all allowed; `None` when nothing is left.
pub fn case_report(
    o: &Outcome<'_>,
    found: &[Finding],
    allow: &[Allow],
    used: &mut Vec<usize>,
) -> Option<String> {
    let mut open = Vec::new();
    for f in found {
        match (f.who != "nameward").then(|| allowed(allow, f.who, f.kind, o.case)).flatten() {
            Some(a) => used.push(a.line),
            None => open.push(f),
        }
    }
    if open.is_empty() {
        return None;
    }
    let mut out = format!("{}\n", o.case);
    let _ = writeln!(out, "    {:<10} {}", "nameward", describe(&o.nameward));
    for (peer, verdict, note) in &o.peers {
        let note = note.as_ref().map(|n| format!(" (given {})", short(n))).unwrap_or_default();
        let _ = writeln!(out, "    {peer:<10} {}{note}", describe(verdict));
    }
    for f in open {
        let detail = if f.detail.is_empty() { String::new() } else { format!(": {}", f.detail) };
        let _ = writeln!(out, "    => {} {}{detail}", f.who, f.kind);
    }
    Some(out)
}
