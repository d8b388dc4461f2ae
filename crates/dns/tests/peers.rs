//! Differential tests: nameward-dns reads the RDATA cases in `data/peers/cases.txt` and must
//! agree with BIND (`named-checkzone`, `named-rrchecker`), Knot (`kzonecheck`), ldns
//! (`ldns-read-zone`) and dnspython on whether each is valid, on its wire form, and must read
//! back what each peer prints. Deliberate differences are listed, with reasons, in
//! `data/peers/allow.txt`. Every remaining difference is printed in one list, then the test fails.
//!
//! A second comparison reads whole zone files (`data/peers/zones/`, master-file syntax: directives,
//! TTL inheritance, escapes, `$INCLUDE`, `$GENERATE`, HIP through `zone fmt --generic`) with
//! nameward's zone reader and with each peer, and compares the sets of records; its deliberate
//! differences are in `data/peers/zones/allow.txt`. In both, an allow-list entry that excuses
//! nothing fails the test.
//!
//! Without the peers installed the comparison cannot run: under `CI=true` that is a failure;
//! elsewhere the test says so loudly on stderr and stops.

// A test binary: failing loudly on a broken fixture or a poisoned lock is the point.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "peers/cases.rs"]
mod cases;
#[path = "peers/report.rs"]
mod report;
#[path = "peers/tools.rs"]
mod tools;
#[path = "peers/zone.rs"]
mod zone;
#[path = "peers/zones.rs"]
mod zones;

use std::path::Path;

use nameward_dns::zone::{NoIncludes, ReaderOptions, ZoneReader};
use nameward_dns::{Name, RecordData, Rtype};

use cases::Case;
use tools::Verdict;
use zone::Line;

/// Parses one RDATA text with nameward's zone reader, as one record line of a zone file, so
/// that quoting and escapes are read exactly as in a zone (the peers get it in a zone file too).
fn nameward_parse(rtype: &str, text: &str) -> Result<Vec<u8>, String> {
    let wanted =
        Rtype::from_text(rtype.as_bytes()).ok_or_else(|| format!("unknown type {rtype}"))?;
    let origin = Name::parse(zone::ORIGIN, None).map_err(|e| e.to_string())?;
    let line = format!("@ 3600 IN {rtype} {text}\n");
    let mut reader = ZoneReader::new(
        line.as_bytes(),
        "case",
        Some(origin),
        ReaderOptions::default(),
        &NoIncludes,
    );
    let entry = reader.next().ok_or("no record read")?.map_err(|e| e.message)?;
    if let Some(more) = reader.next() {
        return Err(format!("more than one record: {more:?}"));
    }
    if entry.record.rtype() != wanted {
        return Err(format!("read as type {}", entry.record.rtype()));
    }
    Ok(entry.record.data.to_wire())
}

fn nameward(case: &Case) -> Verdict {
    let rtype = Rtype::from_text(case.rtype.as_bytes());
    match nameward_parse(&case.rtype, &case.text) {
        Ok(wire) => {
            let text =
                rtype.and_then(|t| RecordData::from_wire(t, &wire).ok()).map(|d| d.to_string());
            Verdict::Accept { wire: Some(wire), texts: text.into_iter().collect() }
        }
        Err(e) => Verdict::Reject(e),
    }
}

fn load() -> (Vec<Case>, Vec<cases::Allow>) {
    let text = std::fs::read_to_string(cases::CASES).unwrap();
    let cases = cases::parse_cases(&text).unwrap_or_else(|e| panic!("{e}"));
    let allow_text = std::fs::read_to_string(cases::ALLOW).unwrap();
    let allow = cases::parse_allow(&allow_text, PEERS).unwrap_or_else(|e| panic!("{e}"));
    (cases, allow)
}

const PEERS: &[&str] = &["bind", "knot", "ldns", "dnspython"];

/// The case files are well formed and cover every type nameward supports or will support.
#[test]
fn case_data_is_well_formed() {
    let (cases, allow) = load();
    for rtype in [
        "A",
        "AAAA",
        "NS",
        "CNAME",
        "DNAME",
        "SOA",
        "PTR",
        "MX",
        "TXT",
        "SRV",
        "NAPTR",
        "CAA",
        "SSHFP",
        "TLSA",
        "DS",
        "DNSKEY",
        "RRSIG",
        "NSEC",
        "NSEC3",
        "NSEC3PARAM",
        "SVCB",
        "HTTPS",
        "HIP",
        "SPF",
        "URI",
        "LOC",
        "IPSECKEY",
        "OPENPGPKEY",
        "ZONEMD",
        "CERT",
        "DHCID",
        "KX",
        "EUI48",
        "EUI64",
        "HINFO",
        "RP",
        "AFSDB",
        "SMIMEA",
        "CDS",
        "CDNSKEY",
    ] {
        for ok in [true, false] {
            assert!(
                cases.iter().any(|c| c.rtype == rtype && c.ok == ok),
                "cases.txt has no {} case for {rtype}",
                if ok { "ok" } else { "bad" }
            );
        }
    }
    assert!(cases.iter().any(|c| c.rtype.starts_with("TYPE")), "no unknown-type case");
    for a in &allow {
        assert!(
            cases
                .iter()
                .any(|c| cases::allowed(std::slice::from_ref(a), &a.peer, a.kind, c).is_some()),
            "allow.txt:{}: no case `{}` in cases.txt",
            a.line,
            a.key
        );
    }
}

/// Tools that are missing: under CI a failure, elsewhere a loud notice. True when all are there.
fn peers_present() -> bool {
    let missing: Vec<String> = tools::TOOLS
        .iter()
        .filter(|t| !tools::present(t))
        .map(|t| format!("{} (Debian package {})", t.program, t.package))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let list = missing.join(", ");
    nameward_peer::available(
        "the comparison with BIND, Knot, ldns and dnspython (README: Tests against real DNS peers)",
        false,
        &format!("missing {list}"),
    )
}

/// The case as `TYPEnnn \# len hex` from nameward's octets, as `nameward zone fmt --generic`
/// prints it, for a peer that lacks the type.
fn generic_line(index: usize, case: &Case, rtype: Rtype, wire: &[u8]) -> Line {
    let mut line = Line::of(index, case);
    line.rtype = format!("TYPE{}", rtype.0);
    line.text = if wire.is_empty() {
        "\\# 0".to_string()
    } else {
        format!("\\# {} {}", wire.len(), data_encoding::HEXLOWER.encode(wire))
    };
    line
}

/// BIND: `named-checkzone` verdicts, then for what it accepts the octets and printed form from
/// `named-rrchecker` and the zone-file form from `named-compilezone`.
fn bind(lines: &[Line], expect_ok: &[bool]) -> Vec<Verdict> {
    let mut bind = tools::zone_verdicts(&tools::Bind, lines, expect_ok);
    let shown = tools::par_map(lines, |l| {
        bind[l.case].accepts().unwrap_or(false).then(|| tools::bind_shown(l))
    });
    for (verdict, shown) in bind.iter_mut().zip(shown) {
        if let Some(shown) = shown {
            *verdict =
                Verdict::Accept { wire: shown.wire, texts: shown.text.into_iter().collect() };
        }
    }
    // BIND's zone-file printer, run once on all it accepted; an SOA case is its own zone.
    let accepted: Vec<&Line> =
        lines.iter().filter(|l| bind[l.case].accepts() == Some(true)).collect();
    let batch: Vec<&Line> = accepted.iter().copied().filter(|l| !l.is_soa()).collect();
    let mut zone_texts = tools::bind_zone_texts(&batch);
    for line in accepted {
        let key = (line.owner.clone(), Rtype::from_text(line.rtype.as_bytes()).map_or(0, |t| t.0));
        let text = if line.is_soa() {
            tools::bind_zone_texts(&[line]).remove(&key)
        } else {
            zone_texts.remove(&key)
        };
        if let (Some(text), Verdict::Accept { texts, .. }) = (text, &mut bind[line.case]) {
            texts.push(text);
        }
    }
    bind
}

/// Knot: `kzonecheck` verdicts, with a note of the RFC 3597 text given where Knot lacks the type.
/// It gets those types exactly as `nameward zone fmt --generic` prints them, so only where
/// nameward accepted the text.
fn knot(cases: &[Case], ours: &[Verdict]) -> (Vec<Verdict>, Vec<Option<String>>) {
    let lacks = |c: &Case| tools::KNOT_LACKS.iter().any(|t| c.rtype.eq_ignore_ascii_case(t));
    let mut knot_lines = Vec::new();
    let mut knot_notes = vec![None; cases.len()];
    let mut knot_skipped = vec![None; cases.len()];
    for (i, case) in cases.iter().enumerate() {
        if !lacks(case) {
            knot_lines.push(Line::of(i, case));
            continue;
        }
        if ours[i].accepts() != Some(true) {
            // RFC 3597 data of a type Knot lacks is opaque to it: its verdict says nothing.
            knot_skipped[i] = Some(Verdict::NotRun(
                "Knot lacks the type and takes any RFC 3597 data for it; asked only about what \
                 nameward accepts"
                    .into(),
            ));
            continue;
        }
        if let (Some(wire), Some(rtype)) = (ours[i].wire(), Rtype::from_text(case.rtype.as_bytes()))
        {
            let line = generic_line(i, case, rtype, wire);
            knot_notes[i] = Some(format!("{} {}", line.rtype, line.text));
            knot_lines.push(line);
        }
    }
    let knot_ok: Vec<bool> = knot_lines.iter().map(|l| cases[l.case].ok).collect();
    let mut knot: Vec<Verdict> =
        knot_skipped.into_iter().map(|v| v.unwrap_or(Verdict::NotRun(String::new()))).collect();
    for (line, verdict) in
        knot_lines.iter().zip(tools::zone_verdicts(&tools::Knot, &knot_lines, &knot_ok))
    {
        knot[line.case] = verdict;
    }
    (knot, knot_notes)
}

/// Every case through nameward and every peer; one list of all differences not in allow.txt.
#[test]
fn peer_comparison_or_loud_skip() {
    let (cases, allow) = load();
    if !peers_present() {
        return;
    }
    let lines: Vec<Line> = cases.iter().enumerate().map(|(i, c)| Line::of(i, c)).collect();
    let expect_ok: Vec<bool> = cases.iter().map(|c| c.ok).collect();

    let ours: Vec<Verdict> = cases.iter().map(nameward).collect();
    let python = tools::dnspython(&lines);
    let bind = bind(&lines, &expect_ok);
    let ldns = tools::zone_verdicts(&tools::Ldns, &lines, &expect_ok);

    let (knot, knot_notes) = knot(&cases, &ours);
    tools::clean_up();

    let mut reports = Vec::new();
    // Verdicts, RDATA octets and printed forms actually compared, so a run that compared
    // little cannot pass unnoticed.
    let mut compared = [0usize; 3];
    let mut by_type: Vec<(String, usize)> = Vec::new();
    let mut used = Vec::new();
    let reparse = |rtype: &str, text: &str| nameward_parse(rtype, text);
    for (i, case) in cases.iter().enumerate() {
        let outcome = report::Outcome {
            case,
            nameward: ours[i].clone(),
            peers: vec![
                ("bind", bind[i].clone(), None),
                ("knot", knot[i].clone(), knot_notes[i].clone()),
                ("ldns", ldns[i].clone(), None),
                ("dnspython", python[i].clone(), None),
            ],
        };
        for (_, verdict, _) in &outcome.peers {
            compared[0] += usize::from(verdict.accepts().is_some());
            if ours[i].wire().is_some() {
                compared[1] += usize::from(verdict.wire().is_some());
                if let Verdict::Accept { texts, .. } = verdict {
                    compared[2] += texts.len();
                }
            }
        }
        let found = report::findings(&outcome, &reparse);
        if let Some(r) = report::case_report(&outcome, &found, &allow, &mut used) {
            reports.push(r);
            match by_type.iter_mut().find(|(t, _)| *t == case.rtype) {
                Some((_, n)) => *n += 1,
                None => by_type.push((case.rtype.clone(), 1)),
            }
        }
    }
    let stale: Vec<String> = allow
        .iter()
        .filter(|a| !used.contains(&a.line))
        .map(|a| format!("allow.txt:{}: {} {} {}", a.line, a.peer, a.kind, a.key))
        .collect();
    println!(
        "peer comparison: {} cases against bind, knot, ldns, dnspython: {} peer verdicts, {} RDATA \
         octets and {} printed forms compared; {} allowed differences used",
        cases.len(),
        compared[0],
        compared[1],
        compared[2],
        used.len()
    );
    for a in allow.iter().filter(|a| used.contains(&a.line)) {
        println!("  allowed: {} {} `{}`: {}", a.peer, a.kind, a.key, a.reason);
    }
    assert!(
        reports.is_empty(),
        "\n{} case(s) where nameward and the peers disagree (add a reason to allow.txt only if the \
         difference is deliberate):\n\n{}\nby type: {}\n",
        reports.len(),
        reports.join("\n"),
        by_type.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
    );
    // An entry that excuses nothing hides nothing today but would silently excuse a regression
    // tomorrow; every type is in cases.txt now, so each entry must earn its place.
    assert!(
        stale.is_empty(),
        "allow-list entries that matched no difference (remove them):\n  {}",
        stale.join("\n  ")
    );
}

/// Whole zone files (`data/peers/zones/`) through nameward's zone reader and every peer: the same
/// verdict, and the same set of records; differences not in `zones/allow.txt` fail the test.
#[test]
fn zone_comparison_or_loud_skip() {
    let allow_text = std::fs::read_to_string(zones::ALLOW).unwrap();
    let allow = zones::parse_allow(&allow_text).unwrap_or_else(|e| panic!("{e}"));
    let all = zones::zones();
    assert!(all.iter().any(|z| z.ok) && all.iter().any(|z| !z.ok), "no ok or no bad zones");
    if !peers_present() {
        return;
    }
    let scratch =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("peer-zones-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let outcomes = tools::par_map(&all, |z| zones::run_zone(z, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);

    let mut used = Vec::new();
    let mut reports = Vec::new();
    // Peer verdicts and record sets compared, so a run that compared little cannot pass unseen.
    let mut compared = [0usize; 2];
    for (zone, outcome) in all.iter().zip(&outcomes) {
        for (_, result) in &outcome.peers {
            if let Ok(read) = result {
                compared[0] += 1;
                compared[1] += usize::from(matches!(read, Ok(Some(_))) && outcome.nameward.is_ok());
            }
        }
        let mut open = Vec::new();
        for f in zones::findings(zone, outcome) {
            let excuse = allow.iter().find(|a| {
                f.who != "nameward" && a.peer == f.who && a.kind == f.kind && a.zone == zone.key
            });
            match excuse {
                Some(a) => used.push(a.line),
                None => open.push(f),
            }
        }
        if !open.is_empty() {
            let mut report = format!("zones/{}\n", zone.key);
            for f in open {
                report.push_str(&format!("    => {} {}: {}\n", f.who, f.kind, f.detail));
            }
            reports.push(report);
        }
    }
    println!(
        "zone comparison: {} zones against {}: {} peer verdicts and {} record sets compared; {} \
         allowed differences used",
        all.len(),
        zones::PEERS.join(", "),
        compared[0],
        compared[1],
        used.len()
    );
    let stale: Vec<String> = allow
        .iter()
        .filter(|a| !used.contains(&a.line))
        .map(|a| format!("zones/allow.txt:{}: {} {} {}", a.line, a.peer, a.kind, a.zone))
        .collect();
    assert!(
        reports.is_empty(),
        "\n{} zone(s) where nameward and the peers disagree:\n\n{}",
        reports.len(),
        reports.join("\n")
    );
    assert!(
        stale.is_empty(),
        "zone allow-list entries that matched no difference (remove them):\n  {}",
        stale.join("\n  ")
    );
}
