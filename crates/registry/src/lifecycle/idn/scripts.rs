//! Which scripts a U-label is written in, against a TLD's list of scripts and the one-script
//! rule that keeps look-alike labels out (UTS 39 §5.2, "Highly Restrictive").

use std::collections::BTreeSet;

use icu_properties::props::Script;
use icu_properties::{CodePointMapData, PropertyNamesLong, PropertyParser};

/// A script name as the policy writes it (a Unicode long or short name, `Latin`, `Deva`), or
/// `None` when Unicode has no such script.
pub(super) fn parse(name: &str) -> Option<Script> {
    PropertyParser::<Script>::new().get_strict(name)
}

/// The long Unicode name of a script, for messages.
pub(super) fn name(script: Script) -> &'static str {
    PropertyNamesLong::<Script>::new().get(script).unwrap_or("unknown")
}

/// A label's letters that break the script rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScriptViolation {
    /// A character of a script the TLD does not register.
    NotAllowed(char, Script),
    /// Characters of two scripts that may not share a label.
    Mixed(char, char),
}

/// Script combinations UTS 39 §5.2 "Highly Restrictive" lets share a label, because one
/// writing system uses them together (Japanese, Chinese with Bopomofo, Korean).
const COMBINATIONS: [&[Script]; 3] = [
    &[Script::Latin, Script::Han, Script::Hiragana, Script::Katakana],
    &[Script::Latin, Script::Han, Script::Bopomofo],
    &[Script::Latin, Script::Han, Script::Hangul],
];

/// Checks `label`'s characters: each of a script in `allowed` (any script when empty), and
/// all of one script or of one combination. Common and Inherited characters (digits, the
/// hyphen, most combining marks) go with any script.
pub(super) fn check(label: &str, allowed: &[Script]) -> Result<(), ScriptViolation> {
    let scripts = CodePointMapData::<Script>::new();
    let mut seen: Vec<(char, Script)> = Vec::new();
    for ch in label.chars() {
        let script = scripts.get(ch);
        if matches!(script, Script::Common | Script::Inherited) {
            continue;
        }
        if !allowed.is_empty() && !allowed.contains(&script) {
            return Err(ScriptViolation::NotAllowed(ch, script));
        }
        if !seen.iter().any(|(_, known)| *known == script) {
            seen.push((ch, script));
        }
    }
    if seen.len() <= 1 {
        return Ok(());
    }
    let used: BTreeSet<Script> = seen.iter().map(|(_, script)| *script).collect();
    let fits = COMBINATIONS.iter().any(|combination| used.iter().all(|s| combination.contains(s)));
    match (fits, seen.first(), seen.get(1)) {
        (false, Some((first, _)), Some((second, _))) => {
            Err(ScriptViolation::Mixed(*first, *second))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_labels() {
        assert_eq!(parse("Latin"), Some(Script::Latin));
        assert_eq!(parse("Deva"), Some(Script::Devanagari));
        assert_eq!(parse("Klingon"), None);
        assert_eq!(name(Script::Cyrillic), "Cyrillic");
        assert_eq!(check("b\u{00FC}cher", &[]), Ok(()));
        assert_eq!(check("b\u{00FC}cher", &[Script::Latin]), Ok(()));
        assert_eq!(
            check("\u{043F}\u{0440}\u{0438}\u{043C}\u{0435}\u{0440}", &[Script::Latin]),
            Err(ScriptViolation::NotAllowed('\u{043F}', Script::Cyrillic))
        );
        // Latin "p" with Cyrillic "а": the classic look-alike.
        assert_eq!(check("p\u{0430}ypal", &[]), Err(ScriptViolation::Mixed('p', '\u{0430}')));
        // Japanese: Han, Hiragana and Katakana together.
        assert_eq!(check("\u{65E5}\u{672C}\u{3054}\u{30AB}", &[]), Ok(()));
        assert_eq!(check("123-\u{00FC}", &[]), Ok(()));
    }
}
