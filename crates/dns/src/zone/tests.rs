//! Zone reader tests: the syntax, the directives, the include policy, every error, and
//! property tests.

use std::io::{self, BufRead, Read};

use proptest::prelude::*;

use super::*;
use crate::name::Name;
use crate::rtype::{Class, Rtype};

const HEAD: &str = "$TTL 3600\n@ SOA ns hostmaster 1 7200 3600 1209600 300\n";

fn origin() -> Option<Name> {
    Some(Name::parse("example.com.", None).unwrap())
}

fn read_all(
    text: &str,
    file: &str,
    options: ReaderOptions,
    loader: &dyn IncludeLoader,
) -> Vec<Result<Entry, ZoneError>> {
    ZoneReader::new(text.as_bytes(), file, origin(), options, loader).collect()
}

fn read(text: &str) -> Vec<Result<Entry, ZoneError>> {
    read_all(text, "db.example", ReaderOptions::default(), &NoIncludes)
}

/// Every record as `line: presentation`, failing on any error.
fn records(text: &str) -> Vec<String> {
    read(text)
        .into_iter()
        .map(|r| match r {
            Ok(entry) => format!("{}: {}", entry.source.line, entry.record),
            Err(e) => panic!("unexpected error {e}"),
        })
        .collect()
}

/// The single error of `text`, which must contain `needle`.
fn one_error(text: &str, needle: &str) -> ZoneError {
    let errors: Vec<ZoneError> = read(text).into_iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1, "{text:?} gave {errors:?}");
    let e = errors.into_iter().next().unwrap();
    assert!(e.to_string().contains(needle), "{text:?}: `{e}` lacks `{needle}`");
    e
}

#[test]
fn basic_syntax() {
    let zone = "\
$ORIGIN example.com.
$TTL 1h30m
@   IN  SOA ns.example.com. hostmaster (
            2024010101 ; serial
            7200 3600
            1209600 300 )
    NS  ns
ns  A   192.0.2.1
        MX 10 mail
www 600 IN A 192.0.2.2
    IN 700 A 192.0.2.3
txt TXT \"hello world\" \"semi;colon\" \"quote\\\"d\" plain\\ word
x   TYPE65280 \\# 2 abcd
y   CLASS1 TYPE1 \\# 4 c0000201
sub.example.net. 5 A 192.0.2.4
";
    assert_eq!(
        records(zone),
        [
            "3: example.com. 5400 IN SOA ns.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
            "7: example.com. 5400 IN NS ns.example.com.",
            "8: ns.example.com. 5400 IN A 192.0.2.1",
            "9: ns.example.com. 5400 IN MX 10 mail.example.com.",
            "10: www.example.com. 600 IN A 192.0.2.2",
            "11: www.example.com. 700 IN A 192.0.2.3",
            "12: txt.example.com. 5400 IN TXT \"hello world\" \"semi;colon\" \"quote\\\"d\" \"plain word\"",
            "13: x.example.com. 5400 IN TYPE65280 \\# 2 abcd",
            "14: y.example.com. 5400 IN A 192.0.2.1",
            "15: sub.example.net. 5 IN A 192.0.2.4",
        ]
    );
}

#[test]
fn origin_changes_and_relative_origins() {
    let zone = "$TTL 60\n$ORIGIN sub\na A 192.0.2.1\n$ORIGIN other.test.\n@ A 192.0.2.2\n";
    assert_eq!(
        records(zone),
        ["3: a.sub.example.com. 60 IN A 192.0.2.1", "5: other.test. 60 IN A 192.0.2.2"]
    );
}

#[test]
fn crlf_and_no_final_newline() {
    assert_eq!(records("$TTL 60\r\na A 192.0.2.1\r\nb A 192.0.2.2").len(), 2);
}

#[test]
fn ttl_defaults() {
    // $TTL wins over the last explicit TTL.
    assert_eq!(
        records("$TTL 10\na 20 A 192.0.2.1\nb A 192.0.2.2\n"),
        ["2: a.example.com. 20 IN A 192.0.2.1", "3: b.example.com. 10 IN A 192.0.2.2"]
    );
    // Without $TTL, the last explicit TTL.
    assert_eq!(
        records("a 20 A 192.0.2.1\nb A 192.0.2.2\n"),
        ["1: a.example.com. 20 IN A 192.0.2.1", "2: b.example.com. 20 IN A 192.0.2.2"]
    );
    // The caller's default acts as a $TTL before the first line.
    let options = ReaderOptions { default_ttl: Some(99), ..ReaderOptions::default() };
    let entries = read_all("a A 192.0.2.1\n", "z", options, &NoIncludes);
    assert_eq!(entries[0].as_ref().unwrap().record.ttl, 99);
}

#[test]
fn ttl_from_soa_minimum_is_reported() {
    let zone = "@ SOA ns hostmaster 1 2 3 4 300\na A 192.0.2.1\nb 5 A 192.0.2.2\nc A 192.0.2.3\n";
    let mut reader =
        ZoneReader::new(zone.as_bytes(), "db", origin(), Default::default(), &NoIncludes);
    let ttls: Vec<u32> = reader.by_ref().map(|r| r.unwrap().record.ttl).collect();
    // BIND: the SOA minimum becomes the default, as $TTL would.
    assert_eq!(ttls, [300, 300, 5, 300]);
    let warnings = reader.take_warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].to_string(),
        "db:1: warning: no TTL given and no $TTL: using the SOA minimum (300) as the default TTL"
    );
    assert!(reader.take_warnings().is_empty());
}

#[test]
fn no_ttl_at_all() {
    let e = one_error("a A 192.0.2.1\n", "no TTL");
    assert_eq!(e.line, 1);
}

#[test]
fn class_must_match_the_zone() {
    let e = one_error("$TTL 1\na CH A 192.0.2.1\n", "class CH does not match the zone's class IN");
    assert_eq!(e.token.as_deref(), Some("CH"));
    let options = ReaderOptions { class: Class::CH, ..ReaderOptions::default() };
    let entries = read_all("$TTL 1\na CH TXT x\nb TXT y\n", "z", options, &NoIncludes);
    assert!(entries.iter().all(|e| e.as_ref().unwrap().record.class == Class::CH));
    let options = ReaderOptions { class: Class::CH, ..ReaderOptions::default() };
    let entries = read_all("$TTL 1\na IN TXT x\n", "z", options, &NoIncludes);
    assert!(entries[0].as_ref().unwrap_err().message.contains("zone's class CH"));
}

#[test]
fn record_errors_name_file_line_and_token() {
    let e = one_error("$TTL 1\n\na FOO 1\n", "db.example:3: unknown record type `FOO`");
    assert_eq!(e.token.as_deref(), Some("FOO"));
    assert_eq!(e.kind, ZoneErrorKind::Syntax);
    assert!(!e.is_fatal());
    one_error(
        "$TTL 1\na IN IN A 192.0.2.1\n",
        "unknown record type `IN` (the class is given twice)",
    );
    one_error("$TTL 1\na 1 2 A 192.0.2.1\n", "unknown record type `2` (the TTL is given twice)");
    let e = one_error("a 1x A 192.0.2.1\n", "bad TTL `1x`");
    assert_eq!(e.token.as_deref(), Some("1x"));
    one_error("a 4294967295 A 192.0.2.1\n", "bad TTL `4294967295`: TTL larger than");
    one_error("$TTL 1\na A\n", "db.example:2: A record: missing");
    one_error("$TTL 1\na TYPE65280\n", "missing RDATA for type TYPE65280");
    one_error("$TTL 1\na\n", "missing record type");
    one_error("$TTL 1\na 5 IN\n", "missing record type");
    one_error("$TTL 1\na A 192.0.2.300\n", "A record: ");
    one_error("$TTL 1\na ANY \\# 0\n", "type ANY is for queries or transactions");
    one_error("$TTL 1\na OPT \\# 0\n", "type OPT is for queries");
    let e = one_error("$TTL 1\na MX 10 (\n  a..b )\n", "db.example:3: MX record: bad");
    assert_eq!(e.token.as_deref(), Some("a..b"));
    let long = "a.".repeat(130);
    one_error(&format!("$TTL 1\n{long} A 192.0.2.1\n"), "name longer than 255 octets");
    one_error(&format!("$TTL 1\nx{} A 192.0.2.1\n", "y".repeat(64)), "label longer than 63");
    one_error(" A 192.0.2.1\n", "no owner: the line starts with whitespace");
}

#[test]
fn relative_names_need_an_origin() {
    let entries: Vec<_> = ZoneReader::new(
        &b"$TTL 1\nwww A 192.0.2.1\nok. A 192.0.2.1\nok. CNAME www\n$ORIGIN test.\nwww A 192.0.2.1\n"[..],
        "z",
        None,
        ReaderOptions::default(),
        &NoIncludes,
    )
    .collect();
    let shown: Vec<String> = entries
        .iter()
        .map(|r| match r {
            Ok(e) => e.record.to_string(),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "z:2: bad owner name `www`: relative name and no origin to complete it",
            "ok. 1 IN A 192.0.2.1",
            "z:4: CNAME record: bad canonical name `www`: relative name and no origin to complete it",
            "www.test. 1 IN A 192.0.2.1",
        ]
    );
}

#[test]
fn carries_on_after_errors() {
    let zone = "$TTL 1\na A 192.0.2.1\nb FOO x\nc A 192.0.2.3\nd A bad\n)\ne A 192.0.2.5\n";
    let results = read(zone);
    let lines: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(e) => format!("ok {}", e.source.line),
            Err(e) => format!("err {}", e.line),
        })
        .collect();
    assert_eq!(lines, ["ok 2", "err 3", "ok 4", "err 5", "err 6", "ok 7"]);
}

#[test]
fn parentheses_and_quotes() {
    let e =
        one_error("$TTL 1\n@ SOA ns hm (\n 1 2 3\n 4 5\n", "the `(` opened at line 2 column 13");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("never closed (end of file)"));
    let e = one_error("$TTL 1\na A 192.0.2.1 )\n", "unbalanced `)` at column 15");
    assert_eq!(e.line, 2);
    let e = one_error("$TTL 1\na TXT \"open\nb A 192.0.2.1\n", "string opened at column 7");
    assert_eq!(e.line, 2);
    assert_eq!(records("$TTL 1\na TXT \"(\" \";\" ( x\n y ) ; c\n").len(), 1);
    // Nested parentheses, and a record that closes on a comment line.
    assert_eq!(
        records("$TTL 1\n@ SOA ns hm ((1 2) 3\n; comment\n 4 5)\n"),
        ["2: example.com. 1 IN SOA ns.example.com. hm.example.com. 1 2 3 4 5"]
    );
}

#[test]
fn hip_wrapped_key_message_points_at_the_line() {
    const KEY: &str = "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";
    let zone = format!(
        "$TTL 1\nwww HIP ( 2 200100107B1A74DF365639CC39F1D578\n {}\n {}\n {}\n rvs.example.com. )\n",
        &KEY[..64],
        &KEY[64..128],
        &KEY[128..]
    );
    let e = one_error(&zone, "RFC 5205 §7");
    assert!(e.to_string().starts_with("db.example:"), "{e}");
    assert!(e.line == 3 || e.line == 4, "the key's lines, not the record's: {e}");
    assert!(e.message.starts_with("HIP record: "), "{e}");
    let good = format!("$TTL 1\nwww HIP ( 2 200100107B1A74DF365639CC39F1D578\n {KEY}\n rvs )\n");
    assert_eq!(records(&good).len(), 1);
    // Without parentheses the second half of the key starts a record of its own.
    let unwrapped = format!("$TTL 1\nwww HIP 2 2001 {}\n {}\n", &KEY[..64], &KEY[64..]);
    let e = one_error(&unwrapped, "RFC 5205 §7");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("needs parentheses"), "{e}");
}

#[test]
fn directives_and_their_errors() {
    one_error("$FOO bar\n", "unknown directive `$FOO`");
    one_error("$ORIGIN\n", "missing argument: $ORIGIN name");
    let e = one_error("$ORIGIN a. b.\n", "unexpected extra `b.`: $ORIGIN name");
    assert_eq!(e.token.as_deref(), Some("b."));
    one_error("$ORIGIN a..b.\n", "bad $ORIGIN name `a..b.`");
    one_error("$TTL\n", "missing argument: $TTL ttl");
    one_error("$TTL 1 2\n", "unexpected extra `2`");
    let e = one_error("$TTL 1y\n", "bad $TTL `1y`");
    assert_eq!(e.token.as_deref(), Some("1y"));
    one_error("$INCLUDE\n", "missing argument: $INCLUDE file [origin]");
    one_error("$INCLUDE a b c\n", "unexpected extra `c`");
    // Lower case directives work, and a directive is only one at the start of a line.
    assert_eq!(records("$ttl 7\na A 192.0.2.1\n"), ["2: a.example.com. 7 IN A 192.0.2.1"]);
}

#[test]
fn generate() {
    let zone = "$TTL 1\n$GENERATE 1-3 host-$ A 192.0.2.$\n$GENERATE 0-4/2 ${10,3} 60 IN PTR \"h${0,2,x}.\"\n$GENERATE 1-2 $ CNAME \\$$.\nafter A 192.0.2.9\n";
    assert_eq!(
        records(zone),
        [
            "2: host-1.example.com. 1 IN A 192.0.2.1",
            "2: host-2.example.com. 1 IN A 192.0.2.2",
            "2: host-3.example.com. 1 IN A 192.0.2.3",
            "3: 010.example.com. 60 IN PTR h00.",
            "3: 012.example.com. 60 IN PTR h02.",
            "3: 014.example.com. 60 IN PTR h04.",
            "4: 1.example.com. 1 IN CNAME \\$1.",
            "4: 2.example.com. 1 IN CNAME \\$2.",
            "5: after.example.com. 1 IN A 192.0.2.9",
        ]
    );
    let zone = "$TTL 1\n$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.\n$GENERATE 26-27 ${0,3,n} IN 5 PTR x\n";
    assert_eq!(
        records(zone),
        [
            "3: a.1.8.b.d.0.1.0.0.2.ip6.arpa. 5 IN PTR x.8.b.d.0.1.0.0.2.ip6.arpa.",
            "3: b.1.8.b.d.0.1.0.0.2.ip6.arpa. 5 IN PTR x.8.b.d.0.1.0.0.2.ip6.arpa.",
        ]
    );
}

#[test]
fn generate_errors() {
    let e = one_error(
        "$TTL 1\n$GENERATE 0-65536 $ A 192.0.2.1\n",
        "would make 65537 records; the limit is 65536 per directive",
    );
    assert_eq!(e.kind, ZoneErrorKind::Limit);
    assert_eq!(read("$TTL 1\n$GENERATE 0-65535 $ A 192.0.2.1\n").len(), 65_536);
    let options = ReaderOptions { max_generate: 2, ..ReaderOptions::default() };
    let results = read_all("$TTL 1\n$GENERATE 1-3 $ A 192.0.2.1\n", "z", options, &NoIncludes);
    assert!(results[0].as_ref().unwrap_err().message.contains("the limit is 2"));
    one_error("$TTL 1\n$GENERATE 3-1 $ A 192.0.2.1\n", "bad $GENERATE range `3-1`");
    one_error("$TTL 1\n$GENERATE 1-3 $ A\n", "missing arguments: $GENERATE");
    one_error("$TTL 1\n$GENERATE 1-3 $ 5 A\n", "missing rhs");
    one_error("$TTL 1\n$GENERATE 1-3 $ MX 10 mail$\n", "unexpected extra `mail$`");
    one_error("$TTL 1\n$GENERATE 1-3 ${x} A 192.0.2.1\n", "bad $GENERATE modifier");
    one_error("$TTL 1\n$GENERATE 1-3 $ A 192.0.2.${1\n", "without a closing");
    one_error("$TTL 1\n$GENERATE 1-3 $ FOO x\n", "unknown record type `FOO`");
    one_error("$GENERATE 1-3 $ A 192.0.2.1\n", "no TTL: give $GENERATE one");
    // An error while generating ends the directive with one error, not one per record.
    let e = one_error(
        "$TTL 1\n$GENERATE 250-260 $ A 192.0.2.$\n",
        "$GENERATE at counter 256: A record",
    );
    assert_eq!(e.line, 2);
    let results = read("$TTL 1\n$GENERATE 250-260 $ A 192.0.2.$\n");
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 6);
    one_error("$TTL 1\n$GENERATE 0-1 ${-1} A 192.0.2.1\n", "negative");
    one_error(
        "$TTL 1\n$GENERATE 0-1 a..$ A 192.0.2.1\n",
        "$GENERATE at counter 0: bad owner `a..0`",
    );
}

#[test]
fn limits() {
    let options = ReaderOptions { max_record_text: 64, ..ReaderOptions::default() };
    let zone = format!(
        "$TTL 1\na TXT {}\nb A 192.0.2.1\nc TXT ( x\n{}\n y )\nd A 192.0.2.2\n",
        "x".repeat(100),
        "z".repeat(100)
    );
    let results = read_all(&zone, "z", options, &NoIncludes);
    let shown: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(e) => e.record.owner.to_string(),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "z:2: record starting at line 2 is longer than 64 octets of text",
            "b.example.com.",
            "z:4: record starting at line 4 is longer than 64 octets of text",
            "d.example.com.",
        ]
    );
    assert_eq!(results[0].as_ref().unwrap_err().kind, ZoneErrorKind::Limit);
}

#[test]
fn rdata_over_65535_octets_is_refused() {
    // 300 names of 250 octets each, written as `@`.
    let label = "a".repeat(61);
    let long = format!("{label}.{label}.{label}.{label}.");
    let names = "@ ".repeat(300);
    one_error(
        &format!("$TTL 1\n$ORIGIN {long}\na HIP 2 00 AQID {names}\n"),
        "longer than 65535 octets",
    );
    assert_eq!(
        records(&format!("$TTL 1\n$ORIGIN {long}\na HIP 2 00 AQID {}\n", "@ ".repeat(200))).len(),
        1
    );
}

struct FailingInput;

impl Read for FailingInput {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

#[test]
fn io_errors_are_fatal() {
    let input = io::BufReader::new(io::Cursor::new(b"$TTL 1\na A 192.0.2.1\n".to_vec()))
        .chain(io::BufReader::new(FailingInput));
    let results: Vec<_> =
        ZoneReader::new(input, "z", origin(), ReaderOptions::default(), &NoIncludes).collect();
    assert_eq!(results.len(), 2);
    let e = results[1].as_ref().unwrap_err();
    assert_eq!(e.to_string(), "z:3: cannot read z: disk on fire");
    assert!(e.is_fatal());
    assert_eq!(e.kind, ZoneErrorKind::Io);
}

fn include_zone(top: &str, loader: &MemoryLoader, options: ReaderOptions) -> Vec<String> {
    read_all(top, "zones/db.top", options, loader)
        .into_iter()
        .map(|r| match r {
            Ok(e) => format!("{} {}", e.source, e.record),
            Err(e) => format!("error {e}"),
        })
        .collect()
}

#[test]
fn include() {
    let loader = MemoryLoader::new()
        .with("zones/part", "in A 192.0.2.1\n  A 192.0.2.2\n$ORIGIN changed.\nx A 192.0.2.3\n")
        .with("zones/sub/deeper", "$INCLUDE zones/part\n");
    let top = "$TTL 1\ntop A 192.0.2.9\n$INCLUDE part sub\n  A 192.0.2.10\nafter A 192.0.2.11\n$INCLUDE \"sub/deeper\"\n";
    assert_eq!(
        include_zone(top, &loader, ReaderOptions::default()),
        [
            "zones/db.top:2 top.example.com. 1 IN A 192.0.2.9",
            "zones/part:1 in.sub.example.com. 1 IN A 192.0.2.1",
            "zones/part:2 in.sub.example.com. 1 IN A 192.0.2.2",
            "zones/part:4 x.changed. 1 IN A 192.0.2.3",
            // The including file's origin and owner come back (RFC 1035 §5.1).
            "zones/db.top:4 top.example.com. 1 IN A 192.0.2.10",
            "zones/db.top:5 after.example.com. 1 IN A 192.0.2.11",
            "error zones/sub/deeper:1: cannot include zones/zones/part: no such file",
        ]
    );
}

#[test]
fn include_policy() {
    let loader = MemoryLoader::new()
        .with("zones/a", "$INCLUDE b\n")
        .with("zones/b", "$INCLUDE ./a\n")
        .with("secret", "x A 192.0.2.1\n")
        .with("zones/self", "$INCLUDE self\n");
    let default = ReaderOptions::default;
    let shown = include_zone("$INCLUDE a\nnever A 192.0.2.1\n", &loader, default());
    assert_eq!(
        shown,
        ["error zones/b:1: $INCLUDE loop: zones/db.top -> zones/a -> zones/b -> zones/a"]
    );
    let results = read_all("$INCLUDE a\n", "zones/db.top", default(), &loader);
    let e = results[0].as_ref().unwrap_err();
    assert_eq!((e.kind, e.token.as_deref()), (ZoneErrorKind::Include, Some("./a")));
    assert!(e.is_fatal());
    let shown = include_zone("$INCLUDE ../secret\nnever A 192.0.2.1\n", &loader, default());
    assert_eq!(
        shown,
        [
            "error zones/db.top:1: $INCLUDE of `../secret` refused: it is outside `zones`, the zone file's directory"
        ]
    );
    let allowed = ReaderOptions { allow_include_outside: true, default_ttl: Some(1), ..default() };
    assert_eq!(
        include_zone("$INCLUDE ../secret\n", &loader, allowed),
        ["secret:1 x.example.com. 1 IN A 192.0.2.1"]
    );
    let shown = include_zone("$INCLUDE /secret\n", &loader, default());
    assert!(shown[0].contains("refused: it is outside"), "{shown:?}");
    let shown = include_zone("$INCLUDE db.top\n", &loader, default());
    assert_eq!(shown, ["error zones/db.top:1: $INCLUDE loop: zones/db.top -> zones/db.top"]);
    let shallow = ReaderOptions { include_depth: 0, ..default() };
    let shown = include_zone("$INCLUDE a\n", &loader, shallow);
    assert_eq!(
        shown,
        ["error zones/db.top:1: $INCLUDE of `a` refused: includes nest deeper than 0 files"]
    );
    let shown = include_zone("$INCLUDE missing\nnever A 192.0.2.1\n", &loader, default());
    assert_eq!(shown, ["error zones/db.top:1: cannot include zones/missing: no such file"]);
    let shown = include_zone("$INCLUDE bad\\\n", &loader, default());
    assert!(shown[0].contains("bad $INCLUDE file name"), "{shown:?}");
    // Depth 16 is allowed, 17 is not.
    let mut chain = MemoryLoader::new();
    for i in 0..17 {
        chain.insert(format!("zones/f{i}"), format!("$INCLUDE f{}\n", i + 1));
    }
    chain.insert("zones/f17", "$TTL 1\nend A 192.0.2.1\n");
    let shown = include_zone("$INCLUDE f1\n", &chain, default());
    assert!(shown[0].contains("nest deeper than 16"), "{shown:?}");
    let shown = include_zone("$INCLUDE f2\n", &chain, default());
    assert_eq!(shown, ["zones/f17:2 end.example.com. 1 IN A 192.0.2.1"]);
}

#[test]
fn standard_input_includes_from_the_current_directory() {
    let loader = MemoryLoader::new().with("part", "$TTL 1\np A 192.0.2.1\n");
    let results = read_all("$INCLUDE part\n", "-", ReaderOptions::default(), &loader);
    assert_eq!(results[0].as_ref().unwrap().source.to_string(), "part:2");
}

#[test]
fn tokenize_rdata_is_the_reader_lexer() {
    let tokens = tokenize_rdata(br#"a "b c" d\ e"#);
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[1].text, b"b c");
}

#[test]
fn a_million_records_stream() {
    // A smoke test of the streaming path; the timing goal is checked in release builds.
    struct Repeat {
        left: usize,
        line: Vec<u8>,
        at: usize,
    }
    impl Read for Repeat {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = 0;
            while n < buf.len() && self.left > 0 {
                let take = (self.line.len() - self.at).min(buf.len() - n);
                buf[n..n + take].copy_from_slice(&self.line[self.at..self.at + take]);
                n += take;
                self.at += take;
                if self.at == self.line.len() {
                    self.at = 0;
                    self.left -= 1;
                }
            }
            Ok(n)
        }
    }
    let count = if cfg!(debug_assertions) { 20_000 } else { 1_000_000 };
    let input = io::BufReader::new(Repeat {
        left: count,
        line: b"host IN 3600 A 192.0.2.1 ; comment\n".to_vec(),
        at: 0,
    });
    let started = std::time::Instant::now();
    let n = ZoneReader::new(input, "big", origin(), ReaderOptions::default(), &NoIncludes)
        .map(|r| r.map(|_| ()).unwrap())
        .count();
    assert_eq!(n, count);
    eprintln!("{count} records in {:?}", started.elapsed());
}

fn arbitrary_zone_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("$TTL 1\n".to_string()),
        Just("$ORIGIN sub\n".to_string()),
        Just("$INCLUDE x\n".to_string()),
        Just("$GENERATE 1-3 $ A 192.0.2.$\n".to_string()),
        Just("a A 192.0.2.1\n".to_string()),
        Just(" TXT \"x y\"\n".to_string()),
        Just("@ SOA ns hm ( 1 2 3 4 5 )\n".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("\"".to_string()),
        Just(";".to_string()),
        Just("\\".to_string()),
        Just("\n".to_string()),
        "[ -~\t\n]{0,20}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let reader = ZoneReader::new(&bytes[..], "p", origin(), ReaderOptions::default(), &NoIncludes);
        // Every item needs at least one line, so the count is bounded by the lines.
        let lines = bytes.iter().filter(|&&c| c == b'\n').count() + 1;
        prop_assert!(reader.take(lines + 1).count() <= lines);
    }

    #[test]
    fn arbitrary_zone_text_never_panics(text in arbitrary_zone_text()) {
        let loader = MemoryLoader::new().with("x", "$INCLUDE x\n");
        let reader = ZoneReader::new(text.as_bytes(), "p", origin(), ReaderOptions::default(), &loader);
        // $GENERATE makes three records from one line.
        let bound = 3 * (text.lines().count() + 1);
        prop_assert!(reader.take(bound + 1).count() <= bound);
    }

    #[test]
    fn printed_records_read_back_equal(
        owner in "[a-z0-9]{1,10}(\\.[a-z0-9-]{1,10}){0,3}",
        ttl in 0u32..=i32::MAX as u32,
        texts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..4),
        address in any::<[u8; 4]>(),
        preference in any::<u16>(),
        serial in any::<u32>(),
        hit in prop::collection::vec(any::<u8>(), 1..20),
        key in prop::collection::vec(any::<u8>(), 1..200),
    ) {
        let owner = Name::parse(&owner, origin().as_ref()).unwrap();
        let mut txt = String::new();
        for t in &texts {
            crate::text::write_char_string(&mut txt, t).unwrap();
            txt.push(' ');
        }
        let [a, b, c, d] = address;
        let hit = data_encoding::HEXUPPER.encode(&hit);
        let key = data_encoding::BASE64.encode(&key);
        let zone = format!(
            "{owner} {ttl} IN TXT {txt}\n{owner} {ttl} IN A {a}.{b}.{c}.{d}\n{owner} {ttl} IN MX {preference} {owner}\n\
             @ {ttl} SOA ns hm ( {serial} 1h 2m 3w 4d )\n{owner} {ttl} HIP ( 2 {hit}\n {key}\n rvs )\n"
        );
        let first: Vec<Record> = read(&zone).into_iter().map(|r| r.unwrap().record).collect();
        prop_assert_eq!(first.len(), 5);
        let printed: String = first.iter().map(|r| format!("{r}\n")).collect();
        let again: Vec<Record> = read(&printed).into_iter().map(|r| r.unwrap().record).collect();
        prop_assert_eq!(&first, &again);
        prop_assert_eq!(first[0].rtype(), Rtype::TXT);
    }
}

#[test]
fn head_is_valid() {
    assert_eq!(records(HEAD).len(), 1);
}

#[test]
fn line_reader_handles_tiny_buffers() {
    // Lines split across many small reads still join up.
    let input = io::BufReader::with_capacity(3, "$TTL 1\nabc A 192.0.2.1\n".as_bytes());
    let entries: Vec<_> =
        ZoneReader::new(input, "z", origin(), ReaderOptions::default(), &NoIncludes).collect();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].is_ok());
    let _: &dyn BufRead = &io::BufReader::new(&b""[..]);
}
