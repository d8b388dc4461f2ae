//! Zone-file errors: where (file and line), which token, and what was wrong.

use std::fmt;
use std::sync::Arc;

use super::Source;

/// What kind of failure a [`ZoneError`] is; decides whether the reader can carry on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ZoneErrorKind {
    /// One record or directive is wrong; the reader goes on with the next one.
    Syntax,
    /// A size limit was hit (record text, generated records); the reader goes on.
    Limit,
    /// Reading a file failed; the reader stops.
    Io,
    /// An `$INCLUDE` was refused (loop, depth, outside the zone's directory); the reader stops.
    Include,
}

/// An error in a zone file, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError {
    /// The file, as the user or the `$INCLUDE` directive named it.
    pub file: Arc<str>,
    /// The line of the offending token, or of the record when no single token is at fault.
    pub line: u32,
    /// The offending token's text (escapes as written), when one token is at fault.
    pub token: Option<String>,
    /// What was wrong, in words a zone author can act on.
    pub message: String,
    /// Whether the reader could carry on after this error.
    pub kind: ZoneErrorKind,
}

impl ZoneError {
    /// True when the reader stopped after this error (I/O and include-policy errors).
    pub fn is_fatal(&self) -> bool {
        matches!(self.kind, ZoneErrorKind::Io | ZoneErrorKind::Include)
    }

    /// The file and line, as a [`Source`].
    pub fn location(&self) -> Source {
        Source { file: Arc::clone(&self.file), line: self.line }
    }
}

impl fmt::Display for ZoneError {
    /// `FILE:LINE: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ZoneError {}
