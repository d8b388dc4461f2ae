use super::*;
use crate::store::testing::zone;

const APEX: &str = "
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.1
";

/// Checks `body` added after the apex records (which take lines 2 to 4).
fn check(body: &str) -> Vec<Diagnostic> {
    check_with(body, &CheckOptions::default())
}

fn check_with(body: &str, options: &CheckOptions) -> Vec<Diagnostic> {
    let store = zone("example.", &format!("{APEX}{body}"));
    check_zone(store.origin(), &store, options)
}

/// The findings as `line severity message` for readable failures.
fn summary(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            format!("{} {} {}", d.source.as_ref().map_or(0, |s| s.line), d.severity, d.message)
        })
        .collect()
}

/// Exactly one finding on `line`, of `severity`, whose message contains `needle`.
fn assert_one(diagnostics: &[Diagnostic], line: u32, severity: Severity, needle: &str) {
    let found: Vec<&Diagnostic> =
        diagnostics.iter().filter(|d| d.source.as_ref().map_or(0, |s| s.line) == line).collect();
    assert!(
        found.len() == 1 && found[0].severity == severity && found[0].message.contains(needle),
        "wanted one {severity} on line {line} with `{needle}`, got {:#?}",
        summary(diagnostics)
    );
}

#[test]
fn a_clean_zone_has_no_findings() {
    let diagnostics = check(
        "
        www 3600 IN A 192.0.2.2
        alias 3600 IN CNAME www
        alias 3600 IN NSEC www CNAME RRSIG NSEC
        sub 3600 IN NS ns.sub
        sub 3600 IN NS ns.elsewhere.
        ns.sub 3600 IN A 192.0.2.3
        ",
    );
    assert_eq!(summary(&diagnostics), Vec::<String>::new());
}

#[test]
fn needs_soa_and_ns_at_the_apex() {
    let store = zone("example.", "www 60 IN A 192.0.2.1");
    let diagnostics = check_zone(store.origin(), &store, &CheckOptions::default());
    assert_eq!(
        summary(&diagnostics),
        [
            "0 error no SOA record at the zone apex example.; every zone starts with one",
            "0 error no NS records at the zone apex example.; list the zone's name servers there",
        ]
    );
}

#[test]
fn one_soa_only_at_the_apex() {
    let diagnostics = check(
        "@ 3600 IN SOA ns2 hostmaster 2 7200 3600 1209600 300
        sub 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300",
    );
    assert_one(&diagnostics, 5, Severity::Error, "a second SOA record at the zone apex");
    assert_one(&diagnostics, 6, Severity::Error, "not the zone apex example.");
}

#[test]
fn cname_stands_alone() {
    let diagnostics = check(
        "c 3600 IN CNAME www
        c 3600 IN TXT hello
        c2 3600 IN CNAME a
        c2 3600 IN CNAME b",
    );
    assert_one(&diagnostics, 6, Severity::Error, "has a CNAME (line 5) and other data (TXT)");
    assert_one(&diagnostics, 8, Severity::Error, "more than one CNAME (another is on line 7)");
    assert_eq!(diagnostics.len(), 2, "{:#?}", summary(&diagnostics));
}

#[test]
fn dname_rules() {
    let diagnostics = check(
        "d 3600 IN DNAME \\# 3 017800
        d 3600 IN DNAME \\# 3 017900
        d2 3600 IN DNAME \\# 3 017800
        d2 3600 IN CNAME www
        d3 3600 IN DNAME \\# 3 017800
        d3 3600 IN NS ns.elsewhere.
        x.d 3600 IN A 192.0.2.9",
    );
    assert_one(&diagnostics, 6, Severity::Error, "more than one DNAME");
    assert_one(&diagnostics, 7, Severity::Error, "both a CNAME (line 8) and a DNAME");
    assert_one(&diagnostics, 10, Severity::Error, "both NS and a DNAME (line 9)");
    assert_one(&diagnostics, 11, Severity::Warning, "below the DNAME at d.example. (line 5)");
    assert_eq!(diagnostics.len(), 4, "{:#?}", summary(&diagnostics));
}

#[test]
fn a_dname_at_the_apex_occludes_the_zone() {
    let diagnostics = check("@ 3600 IN DNAME \\# 3 017800");
    assert_one(&diagnostics, 4, Severity::Warning, "below the DNAME at example.");
}

#[test]
fn out_of_zone_records_are_errors() {
    let diagnostics = check("www.example.org. 3600 IN A 192.0.2.1");
    assert_one(&diagnostics, 5, Severity::Error, "outside the zone example.");
    assert_eq!(diagnostics.len(), 1);
}

#[test]
fn data_below_a_delegation_is_occluded() {
    let diagnostics = check(
        "sub 3600 IN NS ns.sub
        sub 3600 IN TXT at the cut
        ns.sub 3600 IN A 192.0.2.3
        ns.sub 3600 IN TXT below
        deeper.sub 3600 IN NS ns.sub",
    );
    assert_one(&diagnostics, 6, Severity::Warning, "at the delegation point sub.example.");
    assert_one(&diagnostics, 8, Severity::Warning, "below the delegation at sub.example. (line 5)");
    assert_one(&diagnostics, 9, Severity::Warning, "below the delegation");
    assert_eq!(diagnostics.len(), 3, "{:#?}", summary(&diagnostics));
}

#[test]
fn name_servers_in_the_zone_need_addresses() {
    let diagnostics = check(
        "sub 3600 IN NS ns.sub
        sub 3600 IN NS ns.other
        other 3600 IN NS ns.elsewhere.
        other2 3600 IN NS absent
        other3 3600 IN NS alias
        alias 3600 IN CNAME ns1
        glued 3600 IN NS ns.glued
        ns.glued 3600 IN AAAA \\# 16 20010db8000000000000000000000001",
    );
    assert_one(&diagnostics, 5, Severity::Error, "inside the delegated zone sub.example.");
    assert_one(&diagnostics, 6, Severity::Error, "inside the delegation to other.example.");
    assert_one(&diagnostics, 8, Severity::Error, "in this zone but has no address records");
    assert_one(&diagnostics, 9, Severity::Error, "is a CNAME");
    assert_eq!(diagnostics.len(), 4, "{:#?}", summary(&diagnostics));
}

#[test]
fn duplicates_are_reported_and_dropped() {
    let store = zone(
        "example.",
        &format!("{APEX}www 60 IN A 192.0.2.2\nWWW 60 IN A 192.0.2.2\nwww 90 IN A 192.0.2.2"),
    );
    let diagnostics = check_zone(store.origin(), &store, &CheckOptions::default());
    assert_one(&diagnostics, 6, Severity::Warning, "repeats the one on zone:5; this copy is");
    assert_one(&diagnostics, 7, Severity::Warning, "with its TTL 90; the TTL used is 60");
    assert_eq!(store.len(), 4);
}

#[test]
fn ttls_differ_within_an_rrset() {
    let diagnostics = check(
        "www 300 IN A 192.0.2.2
        www 600 IN A 192.0.2.3
        www 600 IN TXT other rrset
        www 600 IN RRSIG A 13 2 300 20261201000000 20261101000000 1 example. AAAA
        www 300 IN RRSIG AAAA 13 2 300 20261201000000 20261101000000 1 example. AAAA",
    );
    assert_one(&diagnostics, 6, Severity::Warning, "has TTL 600 but the same RRset has TTL 300");
    assert_eq!(diagnostics.len(), 1, "{:#?}", summary(&diagnostics));
}

#[test]
fn missing_glue_can_be_a_warning() {
    let zone = "a 60 IN NS ns1.b\nb 60 IN TXT no-address";
    let options = CheckOptions { missing_glue: Severity::Warning, ..CheckOptions::default() };
    let diagnostics = check_with(zone, &options);
    assert_one(&diagnostics, 5, Severity::Warning, "in this zone but has no address records");
    let diagnostics = check_with(zone, &CheckOptions::default());
    assert_one(&diagnostics, 5, Severity::Error, "in this zone but has no address records");
}

#[test]
fn record_checks_run_on_their_type() {
    let options = CheckOptions {
        record_checks: vec![RecordCheck::for_type(Rtype::TXT, |record| {
            vec![(Severity::Warning, format!("ttl {}", record.ttl))]
        })],
        ..CheckOptions::default()
    };
    let diagnostics = check_with("www 60 IN TXT x\nwww 60 IN A 192.0.2.2", &options);
    assert_one(&diagnostics, 5, Severity::Warning, "www.example. TXT: ttl 60");
    assert_eq!(diagnostics.len(), 1);
}

#[test]
fn findings_come_sorted_by_source() {
    let diagnostics = check(
        "z.example.org. 3600 IN A 192.0.2.1
        a 3600 IN CNAME www
        a 3600 IN TXT x",
    );
    let lines: Vec<u32> =
        diagnostics.iter().filter_map(|d| d.source.as_ref()).map(|s| s.line).collect();
    assert_eq!(lines, [5, 7]);
}

#[test]
fn findings_past_the_limit_are_counted_not_kept() {
    let options = CheckOptions { max_diagnostics: 2, ..CheckOptions::default() };
    let diagnostics = check_with(
        "c 3600 IN CNAME x
        c 3600 IN TXT one
        d 3600 IN CNAME x
        d 3600 IN TXT two
        e 3600 IN CNAME x
        e 3600 IN TXT three",
        &options,
    );
    let lines: Vec<u32> =
        diagnostics.iter().filter_map(|d| d.source.as_ref()).map(|s| s.line).collect();
    assert_eq!(lines, [6, 8], "{:#?}", summary(&diagnostics));
    let last = diagnostics.last().unwrap();
    assert_eq!(last.severity, Severity::Error);
    assert!(last.source.is_none());
    assert!(last.message.contains("1 more not listed (1 errors, 0 warnings)"), "{}", last.message);
}
