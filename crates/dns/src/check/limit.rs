//! A bounded list of diagnostics: a zone of a million bad lines must not need a million
//! messages in memory, yet the ones shown should be the first in reading order, and the exit
//! status must still see every error.
//!
//! [`FirstDiagnostics`] keeps the `limit` smallest diagnostics by a caller-given key (such as
//! file and line) in a max-heap, so each one pushed past the limit costs a comparison and the
//! eviction of the current largest; what was left out is only counted.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{Diagnostic, Severity};

/// The default for [`super::CheckOptions::max_diagnostics`].
pub const DEFAULT_MAX_DIAGNOSTICS: usize = 10_000;

/// The first `limit` diagnostics in the order of their keys (ties in the order pushed), and a
/// count of the others.
#[derive(Debug)]
pub struct FirstDiagnostics<K: Ord> {
    limit: usize,
    kept: BinaryHeap<Item<K>>,
    pushed: u64,
    errors: u64,
    left_out: Counts,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    errors: u64,
    warnings: u64,
}

impl Counts {
    fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
    }
}

#[derive(Debug)]
struct Item<K> {
    key: K,
    seq: u64,
    diagnostic: Diagnostic,
}

impl<K: Ord> Item<K> {
    fn order(&self, other: &Item<K>) -> Ordering {
        self.key.cmp(&other.key).then(self.seq.cmp(&other.seq))
    }
}

impl<K: Ord> PartialEq for Item<K> {
    fn eq(&self, other: &Item<K>) -> bool {
        self.order(other).is_eq()
    }
}

impl<K: Ord> Eq for Item<K> {}

impl<K: Ord> PartialOrd for Item<K> {
    fn partial_cmp(&self, other: &Item<K>) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord> Ord for Item<K> {
    fn cmp(&self, other: &Item<K>) -> Ordering {
        self.order(other)
    }
}

impl<K: Ord> FirstDiagnostics<K> {
    /// An empty list that keeps at most `limit` diagnostics.
    pub fn new(limit: usize) -> FirstDiagnostics<K> {
        FirstDiagnostics {
            limit,
            kept: BinaryHeap::new(),
            pushed: 0,
            errors: 0,
            left_out: Counts::default(),
        }
    }

    /// Adds a diagnostic; when more than `limit` are held, the one with the largest key (the
    /// latest pushed among equal keys) is dropped and counted.
    pub fn push(&mut self, key: K, diagnostic: Diagnostic) {
        if diagnostic.severity == Severity::Error {
            self.errors += 1;
        }
        let item = Item { key, seq: self.pushed, diagnostic };
        self.pushed += 1;
        if self.kept.len() < self.limit {
            self.kept.push(item);
            return;
        }
        let Some(mut largest) = self.kept.peek_mut() else {
            // A limit of zero keeps nothing.
            self.left_out.add(item.diagnostic.severity);
            return;
        };
        if item < *largest {
            let evicted = std::mem::replace(&mut *largest, item);
            self.left_out.add(evicted.diagnostic.severity);
        } else {
            self.left_out.add(item.diagnostic.severity);
        }
    }

    /// Errors pushed, those left out included.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Diagnostics pushed but not kept.
    pub fn left_out(&self) -> u64 {
        self.left_out.errors + self.left_out.warnings
    }

    /// The kept diagnostics in key order, followed, when some were left out, by a zone-wide
    /// summary of them (an error when any of them is).
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        let left_out = self.left_out;
        let limit = self.limit;
        let mut out: Vec<Diagnostic> =
            self.kept.into_sorted_vec().into_iter().map(|item| item.diagnostic).collect();
        let total = left_out.errors + left_out.warnings;
        if total > 0 {
            out.push(Diagnostic {
                severity: if left_out.errors > 0 { Severity::Error } else { Severity::Warning },
                source: None,
                message: format!(
                    "… and {total} more not listed ({} errors, {} warnings): only the first \
                     {limit} are kept",
                    left_out.errors, left_out.warnings
                ),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(severity: Severity, message: &str) -> Diagnostic {
        Diagnostic { severity, source: None, message: message.to_owned() }
    }

    #[test]
    fn keeps_the_first_by_key_and_counts_the_rest() {
        let mut list = FirstDiagnostics::new(3);
        for (key, severity) in [
            (5, Severity::Warning),
            (1, Severity::Error),
            (4, Severity::Error),
            (1, Severity::Warning),
            (9, Severity::Warning),
            (2, Severity::Warning),
        ] {
            list.push(key, diagnostic(severity, &format!("{key} {severity}")));
        }
        assert_eq!(list.errors(), 2);
        assert_eq!(list.left_out(), 3);
        let messages: Vec<String> = list.into_sorted().into_iter().map(|d| d.message).collect();
        assert_eq!(
            messages,
            [
                "1 error",
                "1 warning",
                "2 warning",
                "… and 3 more not listed (1 errors, 2 warnings): only the first 3 are kept"
            ]
        );
    }

    #[test]
    fn under_the_limit_nothing_is_added() {
        let mut list = FirstDiagnostics::new(10);
        list.push(2, diagnostic(Severity::Warning, "b"));
        list.push(1, diagnostic(Severity::Warning, "a"));
        let all = list.into_sorted();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].message, "a");
    }

    #[test]
    fn a_zero_limit_keeps_only_the_summary() {
        let mut list = FirstDiagnostics::new(0);
        list.push(1, diagnostic(Severity::Warning, "a"));
        let all = list.into_sorted();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].severity, Severity::Warning);
    }
}
