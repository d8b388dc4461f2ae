//! Internationalized labels under IDNA2008 (RFC 5890–5893): an A-label is checked by decoding
//! it, checking the U-label it encodes, and encoding that back to the same A-label; a U-label
//! is checked the same way and converted. Punycode (RFC 3492) comes from the `idna` crate;
//! the code point rules are RFC 5892's own derivation over ICU4X's Unicode properties, not
//! UTS 46's mapping tables, which admit what IDNA2008 refuses (emoji, symbols, upper case).

mod bidi;
mod derived;
mod scripts;

use icu_normalizer::ComposingNormalizerBorrowed;
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, props::Script};

use derived::Derived;

/// The A-label prefix (RFC 5890 §2.3.2.1).
pub const ACE_PREFIX: &str = "xn--";

/// A label IDNA2008 does not allow, with the character and rule that refused it. Every
/// message quotes characters as Unicode scalar values, so a non-ASCII character is named as
/// itself and by its code point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdnError {
    /// The part after `xn--` is not Punycode, or overflows it.
    #[error("A-label {label:?} is not valid Punycode (RFC 3492)")]
    BadPunycode {
        /// The A-label.
        label: String,
    },
    /// The A-label decodes to ASCII only: not an IDN at all.
    #[error(
        "A-label {label:?} decodes to {u_label:?}, which has no non-ASCII character \
         (RFC 5890 §2.3.2.1)"
    )]
    AsciiOnly {
        /// The A-label.
        label: String,
        /// What it decodes to.
        u_label: String,
    },
    /// A label offered as a U-label that has no non-ASCII character.
    #[error("{label:?} has no non-ASCII character, so it is no U-label (RFC 5890 §2.3.2.1)")]
    NotUnicode {
        /// The label.
        label: String,
    },
    /// The A-label decodes, but is not how its U-label is encoded.
    #[error(
        "A-label {label:?} is not the encoding of its U-label {u_label:?}, which is \
         {canonical:?} (RFC 5891 §5.4)"
    )]
    NotCanonical {
        /// The A-label.
        label: String,
        /// What it decodes to.
        u_label: String,
        /// The A-label of that U-label.
        canonical: String,
    },
    /// A code point RFC 5892 rules out.
    #[error(
        "{u_label:?} has {} at position {position}, which IDNA2008 does not allow: {reason} \
         (RFC 5892)",
        Cp(*ch)
    )]
    Disallowed {
        /// The U-label.
        u_label: String,
        /// The character.
        ch: char,
        /// Its position in the U-label, from 1, in characters.
        position: usize,
        /// Which rule rules it out.
        reason: &'static str,
    },
    /// A CONTEXTJ or CONTEXTO code point where its rule does not allow it.
    #[error("{u_label:?} has {}, which may stand only {need} (RFC 5892 {appendix})", Cp(*ch))]
    Context {
        /// The U-label.
        u_label: String,
        /// The character.
        ch: char,
        /// Where it may stand.
        need: &'static str,
        /// The RFC 5892 appendix section of its rule.
        appendix: &'static str,
    },
    /// Hyphens at the ends, or in the third and fourth positions.
    #[error("{u_label:?} {what} (RFC 5891 §4.2.3.1)")]
    Hyphens {
        /// The U-label.
        u_label: String,
        /// Which hyphen rule.
        what: &'static str,
    },
    /// A U-label that begins with a combining mark.
    #[error("{u_label:?} begins with the combining mark {} (RFC 5891 §4.2.3.2)", Cp(*ch))]
    LeadingMark {
        /// The U-label.
        u_label: String,
        /// The mark.
        ch: char,
    },
    /// A U-label not in Unicode Normalization Form C.
    #[error("{u_label:?} is not in Unicode normalization form C (RFC 5891 §5.3)")]
    NotNfc {
        /// The U-label.
        u_label: String,
    },
    /// A label of a name with right-to-left labels that breaks the bidi rule.
    #[error("{label:?} breaks bidi rule {rule}: {need}{} (RFC 5893 §2)", at(*ch))]
    Bidi {
        /// The label (U-label or ASCII).
        label: String,
        /// RFC 5893 §2 rule number.
        rule: u8,
        /// What the rule asks.
        need: &'static str,
        /// The character that broke it, when one did.
        ch: Option<char>,
    },
    /// A character of a script the TLD does not register.
    #[error("{u_label:?} has {} of the {script} script, which this TLD does not register", Cp(*ch))]
    ScriptNotAllowed {
        /// The U-label.
        u_label: String,
        /// The character.
        ch: char,
        /// Its script's Unicode name.
        script: &'static str,
    },
    /// Letters of scripts that may not share a label.
    #[error(
        "{u_label:?} mixes {} ({first_script}) with {} ({second_script}); a label is \
         written in one script (UTS 39 §5.2)",
        Cp(*first),
        Cp(*second)
    )]
    MixedScripts {
        /// The U-label.
        u_label: String,
        /// A character of the first script.
        first: char,
        /// Its script.
        first_script: &'static str,
        /// A character of the second script.
        second: char,
        /// Its script.
        second_script: &'static str,
    },
}

/// A character as messages name it: quoted as itself (escaped when invisible) and by code
/// point, `'ü' (U+00FC)`.
struct Cp(char);

impl std::fmt::Display for Cp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} (U+{:04X})", self.0, u32::from(self.0))
    }
}

fn at(ch: Option<char>) -> String {
    ch.map(|ch| format!(", not {}", Cp(ch))).unwrap_or_default()
}

/// Checks an A-label (`xn--` and Punycode, lower case) and returns the U-label it encodes.
pub fn u_label_of(a_label: &str) -> Result<String, IdnError> {
    let bad = || IdnError::BadPunycode { label: a_label.to_owned() };
    let encoded = a_label.strip_prefix(ACE_PREFIX).ok_or_else(bad)?;
    // Punycode digits are case-blind; the registry keeps names in lower case, so an upper-case
    // A-label would be a second spelling of the same name.
    if encoded.is_empty()
        || !encoded.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad());
    }
    let u_label = idna::punycode::decode_to_string(encoded).ok_or_else(bad)?;
    if u_label.is_ascii() {
        return Err(IdnError::AsciiOnly { label: a_label.to_owned(), u_label });
    }
    check_u_label(&u_label)?;
    let canonical = encode(&u_label).ok_or_else(bad)?;
    if canonical != a_label {
        return Err(IdnError::NotCanonical { label: a_label.to_owned(), u_label, canonical });
    }
    Ok(u_label)
}

/// Checks a U-label (a label with at least one non-ASCII character, ASCII in lower case)
/// and returns its A-label.
pub fn a_label_of(u_label: &str) -> Result<String, IdnError> {
    if u_label.is_ascii() {
        return Err(IdnError::NotUnicode { label: u_label.to_owned() });
    }
    check_u_label(u_label)?;
    // Encoding a checked label of bounded length cannot overflow; should it, the label is
    // refused like any other that is no Punycode.
    encode(u_label).ok_or_else(|| IdnError::BadPunycode { label: u_label.to_owned() })
}

fn encode(u_label: &str) -> Option<String> {
    idna::punycode::encode_str(u_label).map(|encoded| format!("{ACE_PREFIX}{encoded}"))
}

/// The U-label rules of RFC 5891 §4.2 and §5.3 with RFC 5892's code point rules.
fn check_u_label(u_label: &str) -> Result<(), IdnError> {
    let chars: Vec<char> = u_label.chars().collect();
    let owned = || u_label.to_owned();
    if chars.first() == Some(&'-') || chars.last() == Some(&'-') {
        return Err(IdnError::Hyphens { u_label: owned(), what: "starts or ends with a hyphen" });
    }
    if chars.get(2..4) == Some(['-', '-'].as_slice()) {
        return Err(IdnError::Hyphens {
            u_label: owned(),
            what: "has hyphens in the third and fourth positions",
        });
    }
    if let Some(&first) = chars.first()
        && GeneralCategoryGroup::Mark
            .contains(CodePointMapData::<GeneralCategory>::new().get(first))
    {
        return Err(IdnError::LeadingMark { u_label: owned(), ch: first });
    }
    for (index, &ch) in chars.iter().enumerate() {
        let reason = match derived::derived_property(ch) {
            Derived::Pvalid => continue,
            Derived::ContextJ | Derived::ContextO => {
                match derived::context_violation(&chars, index) {
                    None => continue,
                    Some(rule) => {
                        return Err(IdnError::Context {
                            u_label: owned(),
                            ch,
                            need: rule.need,
                            appendix: rule.appendix,
                        });
                    }
                }
            }
            Derived::Disallowed(reason) => reason,
            Derived::Unassigned => "it is not assigned in this Unicode version",
        };
        return Err(IdnError::Disallowed { u_label: owned(), ch, position: index + 1, reason });
    }
    // After the code point rules, so that a label with a disallowed character is refused for
    // that character rather than for a normalization its presence causes.
    if !ComposingNormalizerBorrowed::new_nfc().is_normalized(u_label) {
        return Err(IdnError::NotNfc { u_label: owned() });
    }
    Ok(())
}

/// RFC 5893 for a whole name, given its labels in U-label form (ASCII labels as they are):
/// when any label is right-to-left, every label must pass the bidi rule.
pub fn check_bidi(labels: &[&str]) -> Result<(), IdnError> {
    if !labels.iter().any(|label| bidi::is_rtl(label)) {
        return Ok(());
    }
    for label in labels {
        bidi::check(label).map_err(|violation| IdnError::Bidi {
            label: (*label).to_owned(),
            rule: violation.rule,
            need: violation.need,
            ch: violation.ch,
        })?;
    }
    Ok(())
}

/// Checks a U-label's scripts against a TLD's list of script names (any script when the list
/// is empty) and the one-script rule. Names that are no Unicode script are skipped here;
/// [`unknown_script`] finds them when the policy is checked.
pub fn check_scripts(u_label: &str, allowed: &[String]) -> Result<(), IdnError> {
    let allowed: Vec<Script> = allowed.iter().filter_map(|name| scripts::parse(name)).collect();
    scripts::check(u_label, &allowed).map_err(|violation| match violation {
        scripts::ScriptViolation::NotAllowed(ch, script) => IdnError::ScriptNotAllowed {
            u_label: u_label.to_owned(),
            ch,
            script: scripts::name(script),
        },
        scripts::ScriptViolation::Mixed(first, second) => {
            let script_of = |ch| scripts::name(CodePointMapData::<Script>::new().get(ch));
            IdnError::MixedScripts {
                u_label: u_label.to_owned(),
                first,
                first_script: script_of(first),
                second,
                second_script: script_of(second),
            }
        }
    })
}

/// The first of `names` that is no Unicode script name, if any.
pub fn unknown_script(names: &[String]) -> Option<&str> {
    names.iter().map(String::as_str).find(|name| scripts::parse(name).is_none())
}

#[cfg(test)]
mod tests;
