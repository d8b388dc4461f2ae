use proptest::prelude::*;

use super::*;

fn ldh(name: &str) -> String {
    match parse(&format!("domain/{name}"), None) {
        Ok(Request::Domain(name)) => name.ldh,
        other => panic!("{name}: {other:?}"),
    }
}

fn status(path: &str, query: Option<&str>) -> u16 {
    parse(path, query).err().map_or(200, |error| error.status)
}

#[test]
fn names_fold_to_lower_case_a_labels() {
    assert_eq!(ldh("Example.EXAMPLE"), "example.example");
    assert_eq!(ldh("example.example."), "example.example");
    assert_eq!(status("domain//x.example", None), 400, "an empty segment");
    assert_eq!(ldh("x.example"), ldh("X.Example."));
}

#[test]
fn u_labels_and_a_labels_find_the_same_name() {
    let Ok(Request::Domain(from_u)) = parse("domain/b%C3%BCcher.example", None) else {
        panic!("a percent-encoded U-label parses");
    };
    let Ok(Request::Domain(from_a)) = parse("domain/XN--BCHER-KVA.example", None) else {
        panic!("an upper-case A-label parses");
    };
    assert_eq!(from_u.ldh, "xn--bcher-kva.example");
    assert_eq!(from_u, from_a);
    assert_eq!(from_u.unicode.as_deref(), Some("bücher.example"));
}

#[test]
fn malformed_names_are_400() {
    for bad in [
        "domain/b%C3%BCcher.xn--bcher-kva",
        "domain/xn--zz.example",
        "domain/ab--cd.example",
        "domain/-a.example",
        "domain/a..example",
        "domain/a_b.example",
        "domain/%ZZ.example",
        "domain/%FF.example",
        "domain/a%00.example",
        "domain/a/b",
        "domain/",
        "nameserver/",
    ] {
        assert_eq!(status(bad, None), 400, "{bad}");
    }
    let long = format!("domain/{}.example", "a".repeat(64));
    assert_eq!(status(&long, None), 400);
    let name = vec!["a".repeat(60); 5].join(".");
    assert_eq!(status(&format!("domain/{name}"), None), 400, "over 253 octets");
    assert_eq!(status(&format!("domain/{}", "a".repeat(MAX_REQUEST)), None), 400);
}

#[test]
fn a_u_label_whose_a_label_is_too_long_is_400() {
    // Found by the rdap_query fuzz target: 54 octets of U-label, 64 of A-label.
    let path = "domain/BCxmansLdhNam---e--------------------------ip---rj%C3%BCxampme";
    let error = parse(path, None).err();
    assert_eq!(error.as_ref().map(|error| error.status), Some(400), "{error:?}");
    assert!(error.is_some_and(|error| error.detail.contains("longer than 63")));
}

#[test]
fn queries_not_offered_are_501_and_unknown_paths_400() {
    assert_eq!(status("ip/192.0.2.1", None), 501);
    assert_eq!(status("autnum/64496", None), 501);
    assert_eq!(status("whois/x", None), 400);
    assert_eq!(status("help/x", None), 400);
    assert_eq!(status("help", None), 200);
}

#[test]
fn searches_read_their_one_parameter() {
    assert_eq!(
        parse("domains", Some("name=ex*.example")),
        Ok(Request::Domains(DomainQuery::Name(NamePattern::Prefix {
            prefix: "ex".to_owned(),
            zone: Some("example".to_owned())
        })))
    );
    assert_eq!(
        parse("domains", Some("nsIp=192.0.2.1")),
        Ok(Request::Domains(DomainQuery::NsIp(IpAddr::from([192, 0, 2, 1]))))
    );
    assert_eq!(
        parse("nameservers", Some("ip=2001%3Adb8%3A%3A1")),
        Ok(Request::Nameservers(NameserverQuery::Ip(
            "2001:db8::1".parse().unwrap_or(IpAddr::from([0; 4]))
        )))
    );
    assert_eq!(
        parse("entities", Some("fn=Alpha*")),
        Ok(Request::Entities(EntityQuery::Fn(TextPattern::Prefix("alpha".to_owned()))))
    );
    assert_eq!(status("domains", None), 400);
    assert_eq!(status("domains", Some("name=a.example&nsIp=192.0.2.1")), 400);
    assert_eq!(status("domains", Some("nsIp=not-an-address")), 400);
    assert_eq!(status("domains", Some("name=*")), 422, "the whole registry");
    assert_eq!(status("domains", Some("name=*.example")), 422, "the whole TLD");
    assert_eq!(status("domains", Some("name=e*x.example")), 422);
    assert_eq!(status("domains", Some("name=ex.*")), 422);
    assert_eq!(status("domains", Some("name=b%C3%BC*.example")), 422, "U-label patterns");
    assert_eq!(status("domains", Some("nsLdhName=ns*.example")), 422);
}

#[test]
fn a_pattern_covers_exactly_the_names_it_matches() {
    let pattern = NamePattern::Prefix { prefix: "ex".to_owned(), zone: Some("example".to_owned()) };
    let (from, to, _) = pattern.range();
    for (name, matches) in [
        ("ex.example", true),
        ("example.example", true),
        ("ex-z9.example", true),
        ("ey.example", false),
        ("e.example", false),
        ("example.other", false),
    ] {
        assert_eq!(pattern.matches(name), matches, "{name}");
        if matches {
            assert!(from.as_str() <= name && name < to.as_str(), "{name} within [{from}, {to})");
        }
    }
    let exact = NamePattern::Exact(Name { ldh: "a.example".to_owned(), unicode: None });
    let (from, to, _) = exact.range();
    assert!(from.as_str() <= "a.example" && "a.example" < to.as_str());
    assert!(!(from.as_str() <= "a.example-x" && "a.example-x" < to.as_str()));
    assert!(!(from.as_str() <= "a.examplex" && "a.examplex" < to.as_str()));
}

proptest! {
    #[test]
    fn parsing_never_panics(path in ".{0,300}", query in proptest::option::of(".{0,300}")) {
        let _ = parse(&path, query.as_deref());
    }

    #[test]
    fn parsing_encoded_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let encoded: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
        let _ = parse(&format!("domain/{encoded}"), Some(&format!("name={encoded}")));
        let _ = parse("domains", Some(&format!("name={encoded}")));
    }

    #[test]
    fn a_parsed_name_is_stable(name in "[a-zA-Z0-9]{1,10}(\\.[a-zA-Z0-9]{1,10}){0,3}") {
        if let Ok(Request::Domain(parsed)) = parse(&format!("domain/{name}"), None) {
            prop_assert_eq!(&parsed.ldh, &name.to_ascii_lowercase());
            let again = parse(&format!("domain/{}", parsed.ldh), None);
            prop_assert_eq!(again, Ok(Request::Domain(parsed)));
        }
    }
}
