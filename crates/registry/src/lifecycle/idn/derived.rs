//! RFC 5892's derived property of a code point (§3) and the contextual rules of its
//! Appendix A, computed from the Unicode properties of the running Unicode version (ICU4X
//! data), as RFC 5892 §1 intends: the algorithm is normative, the tables are derived.

use icu_properties::props::{
    CanonicalCombiningClass, ChangesWhenNfkcCasefolded, DefaultIgnorableCodePoint, GeneralCategory,
    HangulSyllableType, JoinControl, JoiningType, NoncharacterCodePoint, Script, WhiteSpace,
};
use icu_properties::{CodePointMapData, CodePointSetData};

/// What IDNA2008 says a code point may do in a U-label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Derived {
    /// Allowed anywhere the label rules allow.
    Pvalid,
    /// A join control, allowed only where RFC 5892 A.1/A.2 say.
    ContextJ,
    /// Allowed only where its RFC 5892 Appendix A rule says.
    ContextO,
    /// Never allowed; the reason says which rule of RFC 5892 §2 excludes it.
    Disallowed(&'static str),
    /// Not assigned in this Unicode version.
    Unassigned,
}

/// RFC 5892 §3, in its order: Exceptions (F), BackwardCompatible (G, empty), Unassigned (J),
/// LDH (K), JoinControl (H), Unstable (B), IgnorableProperties (C), IgnorableBlocks (D),
/// OldHangulJamo (I), LetterDigits (A), otherwise DISALLOWED.
pub(super) fn derived_property(ch: char) -> Derived {
    if let Some(exception) = exception(ch) {
        return exception;
    }
    let category = CodePointMapData::<GeneralCategory>::new().get(ch);
    if category == GeneralCategory::Unassigned
        && !CodePointSetData::new::<NoncharacterCodePoint>().contains(ch)
    {
        return Derived::Unassigned;
    }
    if matches!(ch, 'a'..='z' | '0'..='9' | '-') {
        return Derived::Pvalid;
    }
    if CodePointSetData::new::<JoinControl>().contains(ch) {
        return Derived::ContextJ;
    }
    // NFKC_Casefold differs from the code point exactly when toNFKC(toCaseFold(toNFKC(cp)))
    // does, up to default ignorables, which the next rule excludes anyway.
    if CodePointSetData::new::<ChangesWhenNfkcCasefolded>().contains(ch) {
        return Derived::Disallowed(
            "it changes under case folding or compatibility normalization \
             (an upper-case, width or compatibility form)",
        );
    }
    if CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(ch)
        || CodePointSetData::new::<WhiteSpace>().contains(ch)
        || CodePointSetData::new::<NoncharacterCodePoint>().contains(ch)
    {
        return Derived::Disallowed("it is white space, a default-ignorable or a noncharacter");
    }
    if in_ignorable_block(ch) {
        return Derived::Disallowed("it is a musical or symbol-combining character");
    }
    let hangul = CodePointMapData::<HangulSyllableType>::new().get(ch);
    if matches!(
        hangul,
        HangulSyllableType::LeadingJamo
            | HangulSyllableType::VowelJamo
            | HangulSyllableType::TrailingJamo
    ) {
        return Derived::Disallowed("it is a conjoining Hangul jamo");
    }
    match category {
        GeneralCategory::LowercaseLetter
        | GeneralCategory::UppercaseLetter
        | GeneralCategory::OtherLetter
        | GeneralCategory::DecimalNumber
        | GeneralCategory::ModifierLetter
        | GeneralCategory::NonspacingMark
        | GeneralCategory::SpacingMark => Derived::Pvalid,
        _ => Derived::Disallowed(category_reason(category)),
    }
}

/// RFC 5892 §2.6 (F): the code points whose value is fixed by hand.
fn exception(ch: char) -> Option<Derived> {
    Some(match ch {
        '\u{00DF}' | '\u{03C2}' | '\u{06FD}' | '\u{06FE}' | '\u{0F0B}' | '\u{3007}' => {
            Derived::Pvalid
        }
        '\u{00B7}' | '\u{0375}' | '\u{05F3}' | '\u{05F4}' | '\u{30FB}' => Derived::ContextO,
        '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => Derived::ContextO,
        '\u{0640}'
        | '\u{07FA}'
        | '\u{302E}'
        | '\u{302F}'
        | '\u{3031}'..='\u{3035}'
        | '\u{303B}' => Derived::Disallowed("RFC 5892 §2.6 excludes it"),
        _ => return None,
    })
}

/// RFC 5892 §2.4 (D): Combining Diacritical Marks for Symbols, Musical Symbols and Ancient
/// Greek Musical Notation. Block ranges never change (Unicode stability policy).
fn in_ignorable_block(ch: char) -> bool {
    matches!(ch, '\u{20D0}'..='\u{20FF}' | '\u{1D100}'..='\u{1D1FF}' | '\u{1D200}'..='\u{1D24F}')
}

fn category_reason(category: GeneralCategory) -> &'static str {
    match category {
        GeneralCategory::MathSymbol
        | GeneralCategory::CurrencySymbol
        | GeneralCategory::ModifierSymbol
        | GeneralCategory::OtherSymbol => "it is a symbol (emoji and pictographs included)",
        GeneralCategory::DashPunctuation
        | GeneralCategory::OpenPunctuation
        | GeneralCategory::ClosePunctuation
        | GeneralCategory::ConnectorPunctuation
        | GeneralCategory::OtherPunctuation
        | GeneralCategory::InitialPunctuation
        | GeneralCategory::FinalPunctuation => "it is punctuation",
        GeneralCategory::SpaceSeparator
        | GeneralCategory::LineSeparator
        | GeneralCategory::ParagraphSeparator => "it is a separator",
        GeneralCategory::Control
        | GeneralCategory::Format
        | GeneralCategory::PrivateUse
        | GeneralCategory::Surrogate => "it is a control, format or private-use character",
        GeneralCategory::LetterNumber | GeneralCategory::OtherNumber => {
            "it is a number other than a decimal digit"
        }
        GeneralCategory::EnclosingMark => "it is an enclosing mark",
        _ => "it is not a letter, digit or combining mark",
    }
}

/// A contextual rule a CONTEXTJ or CONTEXTO code point failed: what it needs and where RFC
/// 5892 says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ContextRule {
    /// What the code point needs around it.
    pub need: &'static str,
    /// The RFC 5892 appendix section.
    pub appendix: &'static str,
}

/// RFC 5892 Appendix A: whether the code point at `at` of `label` may stand there. `None`
/// when it may; code points without a rule are not this function's question.
pub(super) fn context_violation(label: &[char], at: usize) -> Option<ContextRule> {
    let ch = *label.get(at)?;
    let before = at.checked_sub(1).and_then(|i| label.get(i)).copied();
    let after = label.get(at + 1).copied();
    let script = |c: char| CodePointMapData::<Script>::new().get(c);
    let ok = match ch {
        // A.1 ZERO WIDTH NON-JOINER: after a virama, or between joining letters.
        '\u{200C}' => after_virama(before) || zwnj_joins(label, at),
        // A.2 ZERO WIDTH JOINER: after a virama only.
        '\u{200D}' => after_virama(before),
        // A.3 MIDDLE DOT: Catalan l·l only.
        '\u{00B7}' => before == Some('l') && after == Some('l'),
        // A.4 GREEK LOWER NUMERAL SIGN: before a Greek character.
        '\u{0375}' => after.map(script) == Some(Script::Greek),
        // A.5, A.6 HEBREW GERESH and GERSHAYIM: after a Hebrew character.
        '\u{05F3}' | '\u{05F4}' => before.map(script) == Some(Script::Hebrew),
        // A.7 KATAKANA MIDDLE DOT: in a label with Hiragana, Katakana or Han.
        '\u{30FB}' => label
            .iter()
            .any(|&c| matches!(script(c), Script::Hiragana | Script::Katakana | Script::Han)),
        // A.8, A.9: Arabic-Indic and Extended Arabic-Indic digits do not mix.
        '\u{0660}'..='\u{0669}' => !label.iter().any(|c| ('\u{06F0}'..='\u{06F9}').contains(c)),
        '\u{06F0}'..='\u{06F9}' => !label.iter().any(|c| ('\u{0660}'..='\u{0669}').contains(c)),
        _ => true,
    };
    if ok {
        return None;
    }
    let (need, appendix) = match ch {
        '\u{200C}' => ("after a virama or between joining letters", "A.1"),
        '\u{200D}' => ("after a virama", "A.2"),
        '\u{00B7}' => ("between two 'l's", "A.3"),
        '\u{0375}' => ("before a Greek letter", "A.4"),
        '\u{05F3}' => ("after a Hebrew letter", "A.5"),
        '\u{05F4}' => ("after a Hebrew letter", "A.6"),
        '\u{30FB}' => ("in a label with Hiragana, Katakana or Han", "A.7"),
        '\u{0660}'..='\u{0669}' => ("in a label without Extended Arabic-Indic digits", "A.8"),
        _ => ("in a label without Arabic-Indic digits", "A.9"),
    };
    Some(ContextRule { need, appendix })
}

fn after_virama(before: Option<char>) -> bool {
    before.is_some_and(|c| {
        CodePointMapData::<CanonicalCombiningClass>::new().get(c) == CanonicalCombiningClass::Virama
    })
}

/// RFC 5892 A.1's regular expression: `(Joining_Type:{L,D})(Joining_Type:T)*\u200C
/// (Joining_Type:T)*(Joining_Type:{R,D})`.
fn zwnj_joins(label: &[char], at: usize) -> bool {
    let joining = |c: &char| CodePointMapData::<JoiningType>::new().get(*c);
    let left = label
        .get(..at)
        .unwrap_or_default()
        .iter()
        .rev()
        .map(joining)
        .find(|kind| *kind != JoiningType::Transparent);
    let right = label
        .get(at + 1..)
        .unwrap_or_default()
        .iter()
        .map(joining)
        .find(|kind| *kind != JoiningType::Transparent);
    matches!(left, Some(JoiningType::LeftJoining | JoiningType::DualJoining))
        && matches!(right, Some(JoiningType::RightJoining | JoiningType::DualJoining))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_properties_follow_rfc_5892() {
        let cases = [
            ('a', Derived::Pvalid),
            ('\u{00FC}', Derived::Pvalid),
            ('\u{00DF}', Derived::Pvalid),
            ('\u{0431}', Derived::Pvalid),
            ('\u{0915}', Derived::Pvalid),
            ('\u{094D}', Derived::Pvalid),
            ('\u{4E2D}', Derived::Pvalid),
            ('\u{200D}', Derived::ContextJ),
            ('\u{00B7}', Derived::ContextO),
            ('\u{0663}', Derived::ContextO),
        ];
        for (ch, expected) in cases {
            assert_eq!(derived_property(ch), expected, "{ch:?}");
        }
        for disallowed in [
            'A',
            '\u{00DC}',
            '_',
            ' ',
            '\u{1F4A9}',
            '\u{2764}',
            '\u{00AD}',
            '\u{FF41}',
            '\u{1100}',
            '\u{1D165}',
            '\u{0640}',
            '\u{2160}',
            '\u{FFFF}',
        ] {
            assert!(
                matches!(derived_property(disallowed), Derived::Disallowed(_)),
                "{disallowed:?}: {:?}",
                derived_property(disallowed)
            );
        }
        assert_eq!(derived_property('\u{0378}'), Derived::Unassigned);
    }

    #[test]
    fn contextual_rules() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(context_violation(&chars("l\u{00B7}l"), 1), None);
        assert_eq!(context_violation(&chars("a\u{00B7}l"), 1).map(|r| r.appendix), Some("A.3"));
        // Devanagari KA, VIRAMA, ZWJ: a joiner after a virama.
        assert_eq!(context_violation(&chars("\u{0915}\u{094D}\u{200D}"), 2), None);
        assert!(context_violation(&chars("a\u{200D}b"), 1).is_some());
        // Arabic BEH, ZWNJ, BEH: between dual-joining letters.
        assert_eq!(context_violation(&chars("\u{0628}\u{200C}\u{0628}"), 1), None);
        assert!(context_violation(&chars("\u{0661}\u{06F1}"), 0).is_some());
        assert_eq!(context_violation(&chars("\u{0375}\u{03B1}"), 0), None);
        assert!(context_violation(&chars("\u{0375}a"), 0).is_some());
        assert!(context_violation(&chars("a\u{05F3}"), 1).is_some());
        assert_eq!(context_violation(&chars("\u{30A2}\u{30FB}"), 1), None);
        assert!(context_violation(&chars("a\u{30FB}"), 1).is_some());
    }
}
