//! Zone checks: what makes a zone unfit to serve (errors) or worth a second look (warnings).

use std::fmt;

use crate::zone::Source;

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
