//! The bidi rule of RFC 5893 §2, so that a name with right-to-left labels displays in one
//! unambiguous order.

use icu_properties::CodePointMapData;
use icu_properties::props::BidiClass;

/// A label that breaks the bidi rule: the rule's number, what it requires, and the first
/// character that broke it (none when the label is empty or the rule is about its end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BidiViolation {
    /// RFC 5893 §2 rule number, 1 to 6.
    pub rule: u8,
    /// What the rule asks.
    pub need: &'static str,
    /// The offending character.
    pub ch: Option<char>,
}

/// Whether a label has right-to-left characters (bidi class R, AL or AN), which makes the
/// name it is in a bidi domain name (RFC 5893 §1.4).
pub(super) fn is_rtl(label: &str) -> bool {
    label.chars().map(class).any(|c| matches!(c, BidiClass::R | BidiClass::AL | BidiClass::AN))
}

/// RFC 5893 §2, applied to one label of a bidi domain name.
pub(super) fn check(label: &str) -> Result<(), BidiViolation> {
    let classes: Vec<(char, BidiClass)> = label.chars().map(|ch| (ch, class(ch))).collect();
    let Some(&(first, first_class)) = classes.first() else {
        return Ok(());
    };
    if !matches!(first_class, BidiClass::L | BidiClass::R | BidiClass::AL) {
        return Err(BidiViolation {
            rule: 1,
            need: "a label of a right-to-left name starts with a letter",
            ch: Some(first),
        });
    }
    let rtl = first_class != BidiClass::L;
    let allowed = |c: BidiClass| {
        let common = matches!(
            c,
            BidiClass::EN
                | BidiClass::ES
                | BidiClass::CS
                | BidiClass::ET
                | BidiClass::ON
                | BidiClass::BN
                | BidiClass::NSM
        );
        common
            || if rtl {
                matches!(c, BidiClass::R | BidiClass::AL | BidiClass::AN)
            } else {
                c == BidiClass::L
            }
    };
    if let Some(&(ch, _)) = classes.iter().find(|(_, c)| !allowed(*c)) {
        let (rule, need) = if rtl {
            (2, "a right-to-left label has no left-to-right characters")
        } else {
            (5, "a left-to-right label has no right-to-left characters")
        };
        return Err(BidiViolation { rule, need, ch: Some(ch) });
    }
    let last = classes.iter().rev().find(|(_, c)| *c != BidiClass::NSM);
    let ends_well = last.is_some_and(|&(_, c)| {
        if rtl {
            matches!(c, BidiClass::R | BidiClass::AL | BidiClass::EN | BidiClass::AN)
        } else {
            matches!(c, BidiClass::L | BidiClass::EN)
        }
    });
    if !ends_well {
        let (rule, need) = if rtl {
            (3, "a right-to-left label ends with a right-to-left letter or a digit")
        } else {
            (6, "a left-to-right label ends with a letter or a digit")
        };
        return Err(BidiViolation { rule, need, ch: last.map(|(ch, _)| *ch) });
    }
    if rtl {
        let has = |wanted: BidiClass| classes.iter().find(|(_, c)| *c == wanted);
        if let (Some(_), Some(&(ch, _))) = (has(BidiClass::EN), has(BidiClass::AN)) {
            return Err(BidiViolation {
                rule: 4,
                need: "European and Arabic-Indic digits do not mix in a right-to-left label",
                ch: Some(ch),
            });
        }
    }
    Ok(())
}

fn class(ch: char) -> BidiClass {
    CodePointMapData::<BidiClass>::new().get(ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtl_and_ltr_labels() {
        // Hebrew and Arabic words, ASCII labels, and labels that break each rule.
        assert!(is_rtl("\u{05E9}\u{05DC}\u{05D5}\u{05DD}"));
        assert!(!is_rtl("example"));
        assert_eq!(check("\u{05E9}\u{05DC}\u{05D5}\u{05DD}"), Ok(()));
        assert_eq!(check("\u{0645}\u{0635}\u{0631}"), Ok(()));
        assert_eq!(check("example"), Ok(()));
        assert_eq!(check("1abc").map_err(|v| v.rule), Err(1));
        assert_eq!(check("\u{05D0}a").map_err(|v| v.rule), Err(2));
        assert_eq!(check("a\u{05D0}").map_err(|v| v.rule), Err(5));
        assert_eq!(check("\u{05D0}-").map_err(|v| v.rule), Err(3));
        assert_eq!(check("\u{0627}1\u{0661}").map_err(|v| v.rule), Err(4));
        assert_eq!(check("ab-").map_err(|v| v.rule), Err(6));
    }
}
