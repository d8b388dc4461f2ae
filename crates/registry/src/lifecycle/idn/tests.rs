#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

/// A-labels IDNA2008 accepts, with their U-labels.
const VALID: [(&str, &str); 9] = [
    ("xn--bcher-kva", "b\u{00FC}cher"),
    ("xn--p1ai", "\u{0440}\u{0444}"),
    ("xn--zca", "\u{00DF}"),
    ("xn--mgbh0fb", "\u{0645}\u{062B}\u{0627}\u{0644}"),
    ("xn--4dbrk0ce", "\u{05D9}\u{05E9}\u{05E8}\u{05D0}\u{05DC}"),
    ("xn--fsqu00a", "\u{4F8B}\u{5B50}"),
    ("xn--wgv71a119e", "\u{65E5}\u{672C}\u{8A9E}"),
    ("xn--h2brj9c", "\u{092D}\u{093E}\u{0930}\u{0924}"),
    ("xn--ll-0ea", "l\u{00B7}l"),
];

#[test]
fn valid_a_labels_round_trip() {
    for (a_label, u_label) in VALID {
        assert_eq!(u_label_of(a_label).as_deref(), Ok(u_label), "{a_label}");
        assert_eq!(a_label_of(u_label).as_deref(), Ok(a_label), "{u_label}");
    }
}

/// What UTS 46 (the `idna` crate's ToASCII, strict) makes of every label IDNA2008 accepts
/// here: the same A-label, so the two never disagree on a name this registry registers.
#[test]
fn accepted_labels_agree_with_uts46() {
    let uts46 = idna::uts46::Uts46::new();
    for (a_label, u_label) in VALID {
        let ascii = uts46.to_ascii(
            u_label.as_bytes(),
            idna::uts46::AsciiDenyList::STD3,
            idna::uts46::Hyphens::Check,
            idna::uts46::DnsLength::Verify,
        );
        assert_eq!(ascii.ok().as_deref(), Some(a_label), "{u_label}");
    }
}

/// Refused A-labels, with a fragment of the message each must give.
#[test]
fn invalid_a_labels_are_refused_with_the_reason() {
    let cases: [(&str, &str); 10] = [
        ("xn--zz", "not valid Punycode"),
        ("xn--0", "not valid Punycode"),
        // Punycode's integer overflows (RFC 3492 §6.4).
        ("xn--99999999999", "not valid Punycode"),
        // U+1F4A9 PILE OF POO: an emoji, a symbol to IDNA2008 (UTS 46 lets it through).
        ("xn--ls8h", "'\u{1F4A9}' (U+1F4A9)"),
        ("xn--abc-", "no non-ASCII character"),
        ("xn--BCHER-KVA", "not valid Punycode"),
        ("xn--", "not valid Punycode"),
        ("xn--a", "U+0080"),
        // "a·b": MIDDLE DOT outside Catalan l·l.
        ("xn--ab-0ea", "RFC 5892 A.3"),
        // U+2764 HEAVY BLACK HEART.
        ("xn--qei", "symbol"),
    ];
    for (a_label, fragment) in cases {
        let error = u_label_of(a_label).unwrap_err().to_string();
        assert!(error.contains(fragment), "{a_label}: {error}");
    }
}

#[test]
fn invalid_u_labels_name_the_character() {
    let cases: [(&str, &str); 9] = [
        ("b\u{00DC}cher", "'\u{00DC}' (U+00DC) at position 2"),
        ("i\u{2764}u", "'\u{2764}' (U+2764)"),
        ("a_\u{00FC}", "'_' (U+005F) at position 2"),
        ("u\u{0308}ber", "normalization form C"),
        ("\u{0308}ber", "combining mark"),
        ("-\u{00FC}", "hyphen"),
        ("\u{00FC}a--b", "third and fourth"),
        ("a\u{200D}b", "RFC 5892 A.2"),
        ("\u{FF41}\u{00FC}", "compatibility"),
    ];
    for (u_label, fragment) in cases {
        let error = a_label_of(u_label).unwrap_err().to_string();
        assert!(error.contains(fragment), "{u_label}: {error}");
    }
}

#[test]
fn non_canonical_encodings_are_refused() {
    // "xn---tda": a delimiter with no basic code points before it, which RFC 3492 §3.1
    // leaves out; lenient decoders still read it as "ü", whose A-label is "xn--tda".
    match u_label_of("xn---tda") {
        Err(IdnError::NotCanonical { canonical, .. }) => assert_eq!(canonical, "xn--tda"),
        Err(IdnError::BadPunycode { .. }) => {}
        other => panic!("xn---tda: {other:?}"),
    }
}

#[test]
fn bidi_names() {
    let hebrew = "\u{05D9}\u{05E9}\u{05E8}\u{05D0}\u{05DC}";
    assert_eq!(check_bidi(&[hebrew, "example"]), Ok(()));
    assert_eq!(check_bidi(&["1abc", "example"]), Ok(()));
    let error = check_bidi(&[hebrew, "1abc"]).unwrap_err().to_string();
    assert!(error.contains("bidi rule 1") && error.contains("'1'"), "{error}");
    let mixed = format!("{hebrew}a");
    assert!(check_bidi(&[&mixed, "example"]).unwrap_err().to_string().contains("rule 2"));
}

#[test]
fn scripts_by_policy() {
    let latin = vec!["Latin".to_owned()];
    assert_eq!(check_scripts("b\u{00FC}cher", &latin), Ok(()));
    let error = check_scripts("\u{0440}\u{0444}", &latin).unwrap_err().to_string();
    assert!(error.contains("Cyrillic") && error.contains("U+0440"), "{error}");
    let error = check_scripts("p\u{0430}ypal", &[]).unwrap_err().to_string();
    assert!(error.contains("Latin") && error.contains("Cyrillic"), "{error}");
    assert_eq!(unknown_script(&["Latin".to_owned(), "Deva".to_owned()]), None);
    assert_eq!(unknown_script(&["Klingon".to_owned()]), Some("Klingon"));
}

proptest::proptest! {
    /// Any U-label either is refused or encodes to an A-label that decodes back to it; any
    /// `xn--` string is refused or decodes to a U-label that encodes back to it. No input
    /// panics.
    #[test]
    fn labels_round_trip_or_are_refused(label in "\\PC{1,20}", ace in "[a-z0-9-]{1,59}") {
        if let Ok(a_label) = a_label_of(&label) {
            proptest::prop_assert_eq!(u_label_of(&a_label), Ok(label.clone()));
        }
        let a_label = format!("{ACE_PREFIX}{ace}");
        if let Ok(u_label) = u_label_of(&a_label) {
            proptest::prop_assert_eq!(a_label_of(&u_label), Ok(a_label));
        }
        let _ = check_bidi(&[label.as_str(), "example"]);
        let _ = check_scripts(&label, &[]);
    }
}
