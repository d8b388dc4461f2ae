//! Name and identifier rules: domain and host names (LDH labels, RFC 1034 §3.5 as relaxed by
//! RFC 1123 §2.1; IDNs checked under IDNA2008 by [`super::idn`], given as A-labels or as
//! U-labels, which become A-labels), contact ids (RFC 5733 `clIDType`), e-mail and
//! country-code shapes, and ROIDs (RFC 5730 `roidType`).

use super::{Refusal, idn, refuse};
use crate::policy::Policy;

/// Longest name in presentation form without the trailing dot (RFC 1035: 255 octets on the
/// wire).
pub const MAX_NAME_LENGTH: usize = 253;

/// Longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LENGTH: usize = 63;

/// Longest name accepted before U-labels are converted: four UTF-8 bytes per character of the
/// longest A-label form, so the conversion's work stays bounded whatever a client sends.
const MAX_INPUT_LENGTH: usize = 4 * MAX_NAME_LENGTH;

/// Checks `name` as a domain to register under `policy`'s TLD and returns it lower-cased, IDN
/// labels as A-labels: LDH labels of 1–63 characters, at most 253 in all, exactly one label
/// below the TLD, an IDN label valid under IDNA2008 and in the TLD's scripts
/// (`policy.idn_scripts`). Malformed names are 2005; well-formed names outside what this
/// registry registers (another TLD, a third-level name, a script it does not register) are
/// 2306.
pub fn check_domain_name(policy: &Policy, name: &str) -> Result<String, Refusal> {
    let object = format!("domain {name}");
    let lower = check_ldh_name(&object, name)?;
    let mut labels = lower.rsplit('.');
    let (Some(tld), Some(second), None) = (labels.next(), labels.next(), labels.next()) else {
        return Err(refuse::policy(
            &object,
            format!("only names directly under .{} can be registered", policy.tld),
        ));
    };
    if tld != policy.tld {
        return Err(refuse::policy(
            &object,
            format!("TLD .{tld} is not served here (this registry serves .{})", policy.tld),
        ));
    }
    if second.starts_with(idn::ACE_PREFIX) {
        // check_ldh_name has decoded this label once; a second decode keeps the two checks
        // apart at the cost of microseconds.
        let u_label =
            idn::u_label_of(second).map_err(|e| refuse::syntax(&object, e.to_string()))?;
        idn::check_scripts(&u_label, &policy.idn_scripts)
            .map_err(|e| refuse::policy(&object, e.to_string()))?;
    }
    Ok(lower)
}

/// The form a name is stored and looked up in: ASCII lower case, U-labels converted to
/// A-labels. Every service entry point that takes a domain or host name from outside (EPP,
/// the desk, the operator's commands) looks it up in this form. A name that cannot be converted is returned lower-cased as it is; no stored name
/// matches it, so a lookup finds nothing, as it should.
pub fn lookup_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.is_ascii() || lower.len() > MAX_INPUT_LENGTH {
        return lower;
    }
    to_a_labels("name", &lower).unwrap_or(lower)
}

/// Checks `name` as a host name and returns it lower-cased: LDH labels, at least two of them.
pub fn check_host_name(name: &str) -> Result<String, Refusal> {
    let object = format!("host {name}");
    let lower = check_ldh_name(&object, name)?;
    if !lower.contains('.') {
        return Err(refuse::syntax(&object, "a host name needs at least two labels".to_owned()));
    }
    Ok(lower)
}

/// The registry domain a (checked, lower-case) host name is subordinate to, if it lies under
/// `policy`'s TLD: its last two labels. A host name of two labels under the TLD would be a
/// domain itself and has no superordinate here; [`is_in_tld`] tells those apart.
pub fn superordinate(policy: &Policy, host: &str) -> Option<String> {
    let mut labels = host.rsplit('.');
    let (Some(tld), Some(second), Some(_third)) = (labels.next(), labels.next(), labels.next())
    else {
        return None;
    };
    (tld == policy.tld).then(|| format!("{second}.{tld}"))
}

/// Whether a (checked, lower-case) name lies inside `policy`'s TLD.
pub fn is_in_tld(policy: &Policy, name: &str) -> bool {
    name.rsplit('.').next() == Some(policy.tld.as_str()) && name.contains('.')
}

fn check_ldh_name(object: &str, name: &str) -> Result<String, Refusal> {
    if name.is_empty() {
        return Err(refuse::syntax(object, "the name is empty".to_owned()));
    }
    if name.len() > MAX_INPUT_LENGTH {
        return Err(refuse::syntax(
            object,
            format!("the name is {} bytes long, more than {MAX_INPUT_LENGTH}", name.len()),
        ));
    }
    let lower = to_a_labels(object, &name.to_ascii_lowercase())?;
    if lower.len() > MAX_NAME_LENGTH {
        return Err(refuse::syntax(
            object,
            format!("the name is {} characters long, more than {MAX_NAME_LENGTH}", lower.len()),
        ));
    }
    let mut u_labels = Vec::new();
    for label in lower.split('.') {
        u_labels.push(check_label(object, label)?);
    }
    let u_labels: Vec<&str> = u_labels.iter().map(String::as_str).collect();
    idn::check_bidi(&u_labels).map_err(|e| refuse::syntax(object, e.to_string()))?;
    Ok(lower)
}

/// `lower` (ASCII already lower-cased) with each label that has a non-ASCII character
/// replaced by its A-label; a label IDNA2008 refuses is refused with its reason.
fn to_a_labels(object: &str, lower: &str) -> Result<String, Refusal> {
    if lower.is_ascii() {
        return Ok(lower.to_owned());
    }
    let labels: Result<Vec<String>, Refusal> = lower
        .split('.')
        .map(|label| {
            if label.is_ascii() {
                Ok(label.to_owned())
            } else {
                idn::a_label_of(label).map_err(|e| refuse::syntax(object, e.to_string()))
            }
        })
        .collect();
    Ok(labels?.join("."))
}

/// Checks one label (ASCII, lower case) and returns it in U-label form: the label itself, or
/// the U-label an A-label encodes.
fn check_label(object: &str, label: &str) -> Result<String, Refusal> {
    let bytes = label.as_bytes();
    if bytes.is_empty() {
        return Err(refuse::syntax(
            object,
            "empty label (leading, trailing or double dot)".to_owned(),
        ));
    }
    if bytes.len() > MAX_LABEL_LENGTH {
        return Err(refuse::syntax(
            object,
            format!("label {label:?} is longer than {MAX_LABEL_LENGTH} characters"),
        ));
    }
    // By character, not byte: a byte of a multi-byte character would be named as the Latin-1
    // character of that value.
    if let Some(bad) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Err(refuse::syntax(
            object,
            format!(
                "label {label:?} has {bad:?} (U+{:04X}); only letters, digits and hyphens are \
                 allowed (IDNs as A-labels or valid U-labels)",
                u32::from(bad)
            ),
        ));
    }
    if bytes.first() == Some(&b'-') || bytes.last() == Some(&b'-') {
        return Err(refuse::syntax(
            object,
            format!("label {label:?} starts or ends with a hyphen"),
        ));
    }
    // RFC 5891 §4.2.3.1: hyphens in the third and fourth positions are reserved for
    // A-labels ("xn--"), which must carry a Punycode part after the prefix.
    if bytes.get(2..4) == Some(b"--".as_slice()) {
        if !label.starts_with("xn--") {
            return Err(refuse::syntax(
                object,
                format!(
                    "label {label:?} has hyphens in positions 3 and 4 but is not an xn-- A-label"
                ),
            ));
        }
        if bytes.len() <= 4 {
            return Err(refuse::syntax(object, format!("A-label {label:?} is empty after xn--")));
        }
        return idn::u_label_of(label).map_err(|e| refuse::syntax(object, e.to_string()));
    }
    Ok(label.to_owned())
}

/// Checks a TLD for a new registry TLD: one LDH label (an IDN TLD in A-label form), not all
/// digits (RFC 3696 §2: a numeric TLD would read as an IPv4 address). Returns it lower-cased.
pub fn check_tld(tld: &str) -> Result<String, Refusal> {
    let object = format!("TLD {tld}");
    let lower = tld.to_ascii_lowercase();
    if lower.contains('.') {
        return Err(refuse::syntax(&object, "a TLD is one label, without dots".to_owned()));
    }
    // A TLD is configured, not sent by clients: A-label only, so the policy names it one way.
    check_label(&object, &lower)?;
    if lower.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(refuse::syntax(&object, "a TLD cannot be all digits".to_owned()));
    }
    Ok(lower)
}

/// Checks a contact id (RFC 5733 `clIDType`: a token of 3–16 characters). Beyond the schema,
/// the id must be printable ASCII without spaces, so it can appear in URLs and file names.
pub fn check_contact_id(id: &str) -> Result<(), Refusal> {
    check_client_id(&format!("contact {id}"), id)
}

/// Checks a registrar's EPP client id, as `<login>` will carry it (RFC 5730 `clIDType`, with
/// the same printable-ASCII rule as contact ids).
pub fn check_registrar_id(id: &str) -> Result<(), Refusal> {
    check_client_id(&format!("registrar {id}"), id)
}

/// Shortest EPP password (RFC 5730 `pwType`).
pub const MIN_PASSWORD_LENGTH: usize = 6;

/// Longest password `<login>` carries without loginSec (RFC 5730 `pwType`).
pub const MAX_PLAIN_PASSWORD_LENGTH: usize = 16;

/// Longest password this server reads from `<loginSec:pw>` (RFC 8807).
pub const MAX_PASSWORD_LENGTH: usize = 1024;

/// Checks a registrar's EPP password: 6 to 1024 characters (more than 16 only through RFC
/// 8807 loginSec), and an XML Schema token as `<pw>` delivers it (no leading, trailing or
/// doubled spaces, no tabs or line ends), so the password set is one a login can present.
pub fn check_password(password: &str) -> Result<(), Refusal> {
    let object = "registrar password";
    let length = password.chars().count();
    if !(MIN_PASSWORD_LENGTH..=MAX_PASSWORD_LENGTH).contains(&length) {
        return Err(refuse::range(
            object,
            format!(
                "the password is {length} characters, not {MIN_PASSWORD_LENGTH} to \
                 {MAX_PASSWORD_LENGTH}"
            ),
        ));
    }
    let collapsed = password.split([' ', '\t', '\n', '\r']).filter(|part| !part.is_empty());
    if collapsed.collect::<Vec<_>>().join(" ") != password {
        return Err(refuse::syntax(
            object,
            "leading, trailing or doubled spaces, tabs and line ends cannot be sent in <pw>"
                .to_owned(),
        ));
    }
    Ok(())
}

fn check_client_id(object: &str, id: &str) -> Result<(), Refusal> {
    let length = id.chars().count();
    if !(3..=16).contains(&length) {
        return Err(refuse::range(object, format!("the id is {length} characters, not 3 to 16")));
    }
    if !id.bytes().all(|byte| (b'!'..=b'~').contains(&byte)) {
        return Err(refuse::syntax(
            object,
            "the id must be printable ASCII without spaces".to_owned(),
        ));
    }
    Ok(())
}

/// Whether `email` has the shape `local@domain.tld`: one `@`, a non-empty local part, a
/// domain of at least two labels, no spaces or control characters, at most 254 characters
/// (RFC 5321 §4.5.3.1 paths). Deliverability is not this function's question.
pub fn is_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
}

/// Whether `cc` is two ASCII letters (ISO 3166-1 alpha-2 shape; RFC 5733 `ccType`).
pub fn is_country_code(cc: &str) -> bool {
    cc.len() == 2 && cc.bytes().all(|byte| byte.is_ascii_alphabetic())
}

/// Whether `number` has RFC 5733's `e164StringType` shape: `+CC.NUMBER`, 1–3 and 1–14 digits.
pub fn is_e164(number: &str) -> bool {
    let Some(rest) = number.strip_prefix('+') else {
        return false;
    };
    let Some((country, local)) = rest.split_once('.') else {
        return false;
    };
    (1..=3).contains(&country.len())
        && (1..=14).contains(&local.len())
        && country.bytes().all(|b| b.is_ascii_digit())
        && local.bytes().all(|b| b.is_ascii_digit())
}

/// A repository object id: `prefix`, the decimal `sequence`, a hyphen and `repository`
/// (`D12-EXAMPLE`). RFC 5730 `roidType` is `(\w|_){1,80}-\w{1,8}`, so the repository must be
/// 1–8 letters, digits or underscores, and prefix plus sequence at most 80 word characters.
/// The repository is not truncated: two TLDs whose names share their first eight characters
/// would then share ROIDs, so a long one is refused here and by [`check_repository`].
pub fn roid(prefix: &str, sequence: u64, repository: &str) -> Result<String, Refusal> {
    check_repository(repository)?;
    let object = format!("ROID prefix {prefix:?}");
    if prefix.is_empty() || !prefix.bytes().all(is_word_byte) {
        return Err(refuse::syntax(
            &object,
            "the prefix must be letters, digits or underscores".to_owned(),
        ));
    }
    let head = format!("{prefix}{sequence}");
    if head.len() > 80 {
        return Err(refuse::range(&object, "prefix and sequence exceed 80 characters".to_owned()));
    }
    Ok(format!("{head}-{repository}"))
}

/// Checks a repository id for ROIDs: 1–8 letters, digits or underscores (RFC 5730 §4,
/// `roidType`). Operators choose it per TLD; the policy defaults it from the TLD, so a TLD
/// longer than eight characters needs an explicit, shorter repository id.
pub fn check_repository(repository: &str) -> Result<(), Refusal> {
    if (1..=8).contains(&repository.len()) && repository.bytes().all(is_word_byte) {
        Ok(())
    } else {
        Err(refuse::syntax(
            &format!("repository id {repository:?}"),
            "must be 1 to 8 letters, digits or underscores (RFC 5730 roidType)".to_owned(),
        ))
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn policy() -> Policy {
        Policy::default_for("example")
    }

    #[test]
    fn domain_names() {
        let policy = policy();
        assert_eq!(check_domain_name(&policy, "Foo-Bar.EXAMPLE").unwrap(), "foo-bar.example");
        assert_eq!(
            check_domain_name(&policy, "xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(check_domain_name(&policy, "a.example").unwrap(), "a.example");
        let max_label = format!("{}.example", "a".repeat(63));
        assert!(check_domain_name(&policy, &max_label).is_ok());
        let cases: [(&str, u16); 14] = [
            ("", 2005),
            ("example", 2306),
            ("foo.example.", 2005),
            (".foo.example", 2005),
            ("foo..example", 2005),
            ("-foo.example", 2005),
            ("foo-.example", 2005),
            ("fo_o.example", 2005),
            ("ab--c.example", 2005),
            ("xn--.example", 2005),
            ("www.foo.example", 2306),
            ("foo.test", 2306),
            ("foo example.example", 2005),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", 2005),
        ];
        for (name, code) in cases {
            let refusal = check_domain_name(&policy, name).unwrap_err();
            assert_eq!(refusal.epp_code(), code, "{name}: {refusal}");
            assert!(refusal.to_string().contains("domain"), "{refusal}");
        }
        let too_long = format!("{}example", "abcdefghi.".repeat(25));
        assert_eq!(check_domain_name(&policy, &too_long).unwrap_err().epp_code(), 2005);
    }

    /// Issue 14: A-labels that are no IDNA2008 label were registered and published.
    #[test]
    fn idn_a_labels_are_checked() {
        let policy = policy();
        for valid in ["xn--bcher-kva.example", "xn--p1ai.example", "xn--fsqu00a.example"] {
            assert_eq!(check_domain_name(&policy, valid).unwrap(), valid);
        }
        let refused = [
            ("xn--zz.example", "not valid Punycode"),
            ("xn--0.example", "not valid Punycode"),
            ("xn--99999999999.example", "not valid Punycode"),
            ("xn--ls8h.example", "'\u{1F4A9}' (U+1F4A9)"),
            ("XN--LS8H.EXAMPLE", "symbol"),
            ("xn--abc-.example", "hyphen"),
            ("xn--abc-8.example", "not valid Punycode"),
        ];
        for (name, fragment) in refused {
            let refusal = check_domain_name(&policy, name).unwrap_err();
            assert_eq!(refusal.epp_code(), 2005, "{name}: {refusal}");
            assert!(refusal.to_string().contains(fragment), "{name}: {refusal}");
            assert!(refusal.to_string().contains(&format!("domain {name}")), "{refusal}");
        }
        // Host names carry A-labels too, with the same rules.
        assert!(check_host_name("ns1.xn--bcher-kva.example").is_ok());
        assert_eq!(check_host_name("ns1.xn--ls8h.example").unwrap_err().epp_code(), 2005);
        // A right-to-left label makes every label of the name keep the bidi rule.
        assert!(check_host_name("1ns.xn--4dbrk0ce.example").is_err());
        assert!(check_host_name("ns1.xn--4dbrk0ce.example").is_ok());
    }

    /// U-labels, as some EPP clients send them, are converted to A-labels; refusals name the
    /// offending character as a character, not as one of its UTF-8 bytes.
    #[test]
    fn idn_u_labels_become_a_labels() {
        let policy = policy();
        assert_eq!(
            check_domain_name(&policy, "B\u{fc}cher.Example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(lookup_name("b\u{fc}cher.EXAMPLE"), "xn--bcher-kva.example");
        assert_eq!(lookup_name("Foo.Example"), "foo.example");
        assert_eq!(lookup_name("\u{1F4A9}.example"), "\u{1F4A9}.example");
        let refusal = check_domain_name(&policy, "b\u{dc}cher.example").unwrap_err();
        assert_eq!(refusal.epp_code(), 2005);
        let message = refusal.to_string();
        assert!(message.contains("'\u{dc}' (U+00DC)") && !message.contains('\u{c3}'), "{message}");
        let refusal = check_domain_name(&policy, "i\u{2764}u.example").unwrap_err();
        assert!(refusal.to_string().contains("'\u{2764}' (U+2764)"), "{refusal}");
        let refusal = check_tld("b\u{fc}cher").unwrap_err();
        assert!(refusal.to_string().contains("'\u{fc}' (U+00FC)"), "{refusal}");
    }

    #[test]
    fn idn_scripts_by_policy() {
        let mut policy = policy();
        policy.idn_scripts = vec!["Latin".to_owned()];
        assert!(check_domain_name(&policy, "xn--bcher-kva.example").is_ok());
        let refusal = check_domain_name(&policy, "xn--p1ai.example").unwrap_err();
        assert_eq!(refusal.epp_code(), 2306, "{refusal}");
        assert!(refusal.to_string().contains("Cyrillic"), "{refusal}");
        policy.idn_scripts.clear();
        // Latin "p" and Cyrillic "а" in one label: refused whatever the scripts allowed.
        let refusal = check_domain_name(&policy, "p\u{430}ypal.example").unwrap_err();
        assert_eq!(refusal.epp_code(), 2306, "{refusal}");
    }

    #[test]
    fn host_names_and_superordinates() {
        let policy = policy();
        assert_eq!(check_host_name("NS1.Foo.Example").unwrap(), "ns1.foo.example");
        assert_eq!(check_host_name("ns.other.net").unwrap(), "ns.other.net");
        assert_eq!(check_host_name("localhost").unwrap_err().epp_code(), 2005);
        assert_eq!(superordinate(&policy, "ns1.foo.example").as_deref(), Some("foo.example"));
        assert_eq!(superordinate(&policy, "a.b.foo.example").as_deref(), Some("foo.example"));
        assert_eq!(superordinate(&policy, "foo.example"), None);
        assert_eq!(superordinate(&policy, "ns1.foo.test"), None);
        assert!(is_in_tld(&policy, "foo.example"));
        assert!(!is_in_tld(&policy, "example"));
        assert!(!is_in_tld(&policy, "foo.examples"));
    }

    #[test]
    fn tlds_registrar_ids_and_passwords() {
        assert_eq!(check_tld("Example").unwrap(), "example");
        assert_eq!(check_tld("xn--p1ai").unwrap(), "xn--p1ai");
        for bad in ["Bad.TLD", "", "-ab", "a_b", "123", "ab--c", "xn--", "b\u{fc}cher"] {
            assert!(check_tld(bad).is_err(), "{bad}");
        }
        assert!(check_registrar_id("alpha").is_ok());
        assert_eq!(check_registrar_id("ab").unwrap_err().epp_code(), 2004);
        assert!(check_registrar_id("al pha").is_err());
        assert!(check_password("secret").is_ok());
        assert!(check_password("correct horse battery staple").is_ok());
        assert_eq!(check_password("abc").unwrap_err().epp_code(), 2004);
        assert!(check_password(&"x".repeat(1025)).is_err());
        for bad in [" secret", "secret ", "sec  ret", "sec\tret"] {
            assert_eq!(check_password(bad).unwrap_err().epp_code(), 2005, "{bad:?}");
        }
    }

    #[test]
    fn contact_fields() {
        assert!(check_contact_id("sh8013").is_ok());
        assert_eq!(check_contact_id("ab").unwrap_err().epp_code(), 2004);
        assert_eq!(check_contact_id("a234567890123456x").unwrap_err().epp_code(), 2004);
        assert_eq!(check_contact_id("a b c").unwrap_err().epp_code(), 2005);
        assert!(is_email("jdoe@example.com"));
        assert!(!is_email("jdoe@localhost"));
        assert!(!is_email("jdoe.example.com"));
        assert!(!is_email("@example.com"));
        assert!(!is_email("j doe@example.com"));
        assert!(!is_email("jdoe@example..com"));
        assert!(is_country_code("US") && is_country_code("in"));
        assert!(!is_country_code("USA") && !is_country_code("U1"));
        assert!(is_e164("+1.7035555555"));
        assert!(!is_e164("+1 703 555 5555") && !is_e164("1.703") && !is_e164("+1234.5"));
    }

    #[test]
    fn roids() {
        assert_eq!(roid("D", 12, "EXAMPLE").unwrap(), "D12-EXAMPLE");
        assert_eq!(roid("H", 0, "EX_1").unwrap(), "H0-EX_1");
        assert_eq!(roid("D", 1, "TOOLONGID").unwrap_err().epp_code(), 2005);
        assert_eq!(roid("D", 1, "").unwrap_err().epp_code(), 2005);
        assert_eq!(roid("D-", 1, "EXAMPLE").unwrap_err().epp_code(), 2005);
        assert_eq!(roid(&"D".repeat(70), u64::MAX, "EXAMPLE").unwrap_err().epp_code(), 2004);
        assert!(check_repository("XN__P1AI").is_ok());
    }
}
