//! Zone checks: what makes a zone unfit to serve (errors) or worth a second look (warnings).
//!
//! [`check_zone`] walks a [`ZoneStore`] once in canonical order. That order visits a name right
//! before every name below it, so zone cuts and DNAMEs can be followed with one "current cut"
//! and no tree. Each check lives in its own module; their doc comments say how the decisions
//! and messages compare with BIND's `named-checkzone` and Knot's `kzonecheck`.

mod apex;
mod cuts;
mod glue;
mod limit;
mod names;
mod rrset;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::name::Name;
use crate::record::Record;
use crate::rtype::Rtype;
use crate::store::{RecordRef, ZoneStore};
use crate::zone::Source;

pub use limit::{DEFAULT_MAX_DIAGNOSTICS, FirstDiagnostics};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The zone should not be served as it is.
    Error,
    /// The zone works, but something deserves a look.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding about a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where, when it concerns a record of a file.
    pub source: Option<Source>,
    /// What, in words the zone's author can act on.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    /// `FILE:LINE: error|warning: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "{source}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)
    }
}

/// What a [`RecordCheck`] finds in one record: severity and message.
pub type RecordFindings = Vec<(Severity, String)>;

/// The function behind a [`RecordCheck`].
type CheckFn = Box<dyn Fn(&Record) -> RecordFindings + Send + Sync>;

/// A check of one record's own content, run on every record of its type (or of every type),
/// such as the HIP HIT checks that live in the nameward-hip crate.
pub struct RecordCheck {
    rtype: Option<Rtype>,
    check: CheckFn,
}

impl RecordCheck {
    /// A check run on the records of type `rtype` only (so other records are not decoded).
    pub fn for_type(
        rtype: Rtype,
        check: impl Fn(&Record) -> RecordFindings + Send + Sync + 'static,
    ) -> RecordCheck {
        RecordCheck { rtype: Some(rtype), check: Box::new(check) }
    }

    /// A check run on every record.
    pub fn all(check: impl Fn(&Record) -> RecordFindings + Send + Sync + 'static) -> RecordCheck {
        RecordCheck { rtype: None, check: Box::new(check) }
    }

    fn applies_to(&self, rtype: Rtype) -> bool {
        self.rtype.is_none_or(|wanted| wanted == rtype)
    }
}

impl fmt::Debug for RecordCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordCheck").field("rtype", &self.rtype).finish_non_exhaustive()
    }
}

/// What to check beyond the built-in rules.
#[derive(Debug)]
pub struct CheckOptions {
    /// Extra per-record checks; each finding is reported at the record, its owner and type in
    /// front of the message.
    pub record_checks: Vec<RecordCheck>,
    /// Most diagnostics [`check_zone`] returns (the first ones by source); the others are
    /// counted in a final summary. [`check_zone_each`] ignores it.
    pub max_diagnostics: usize,
    /// What a name server inside the zone without address records is (see `glue.rs`): an
    /// error by default, for zones written by hand; a warning for a TLD zone that a registry
    /// builds from its delegations, where one registrant's lame delegation must not stop the
    /// whole zone from being published.
    pub missing_glue: Severity,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            record_checks: Vec::new(),
            max_diagnostics: DEFAULT_MAX_DIAGNOSTICS,
            missing_glue: Severity::Error,
        }
    }
}

/// Checks the zone `origin` held in `store`; findings come sorted by source, zone-wide ones
/// (such as a missing SOA) first, at most [`CheckOptions::max_diagnostics`] of them, then a
/// summary of those left out if any were. Duplicates were already dropped by the store and
/// are reported here.
pub fn check_zone(origin: &Name, store: &ZoneStore, options: &CheckOptions) -> Vec<Diagnostic> {
    let mut kept = FirstDiagnostics::new(options.max_diagnostics);
    walk(origin, store, options, &mut |key, diagnostic| kept.push(key, diagnostic));
    kept.into_sorted()
}

/// Checks the zone like [`check_zone`], handing each finding to `emit` as it is made, in no
/// particular order and without a limit, so that the caller can merge them with its own.
pub fn check_zone_each(
    origin: &Name,
    store: &ZoneStore,
    options: &CheckOptions,
    mut emit: impl FnMut(Diagnostic),
) {
    walk(origin, store, options, &mut |_, diagnostic| emit(diagnostic));
}

/// Where a finding sorts: zone-wide ones first, then by the record's file (in the order the
/// store first saw them) and line.
type SortKey = Option<(usize, u32)>;

fn walk(
    origin: &Name,
    store: &ZoneStore,
    options: &CheckOptions,
    emit: &mut dyn FnMut(SortKey, Diagnostic),
) {
    let mut out = Findings { emit };
    apex::check(origin, store, &mut out);
    rrset::duplicates(store, &mut out);
    let mut walk = cuts::Cuts::default();
    let mut node: Vec<RecordRef<'_>> = Vec::new();
    let mut records = store.iter().peekable();
    while let Some(first) = records.next() {
        node.clear();
        node.push(first);
        while let Some(next) = records.next_if(|r| r.same_owner(&first)) {
            node.push(next);
        }
        let name = first.owner();
        let served = walk.enter(origin, &name, &node, &mut out);
        names::check(origin, &name, &node, &mut out);
        rrset::ttls(&name, &node, &mut out);
        if served {
            glue::check(origin, store, &name, &node, options.missing_glue, &mut out);
        }
        record_checks(&name, &node, options, &mut out);
    }
}

fn record_checks(name: &Name, node: &[RecordRef<'_>], options: &CheckOptions, out: &mut Findings) {
    if options.record_checks.is_empty() {
        return;
    }
    for r in node {
        let mut checks =
            options.record_checks.iter().filter(|c| c.applies_to(r.rtype())).peekable();
        if checks.peek().is_none() {
            continue;
        }
        let Ok(record) = r.record() else { continue };
        for check in checks {
            for (severity, message) in (check.check)(&record) {
                out.at(r, severity, format!("{name} {}: {message}", r.rtype()));
            }
        }
    }
}

/// Where findings made during the walk go, with the key they sort by.
struct Findings<'a> {
    emit: &'a mut dyn FnMut(SortKey, Diagnostic),
}

impl Findings<'_> {
    /// A finding about record `r`.
    fn at(&mut self, r: &RecordRef<'_>, severity: Severity, message: String) {
        let diagnostic = Diagnostic { severity, source: Some(r.source()), message };
        (self.emit)(Some((r.file_index(), r.line())), diagnostic);
    }

    /// A finding about the whole zone.
    fn zone(&mut self, severity: Severity, message: String) {
        (self.emit)(None, Diagnostic { severity, source: None, message });
    }
}
