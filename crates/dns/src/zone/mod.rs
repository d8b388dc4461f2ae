//! Zone files (RFC 1035 §5).

mod error;
mod generate;
mod include;
mod lexer;
mod reader;
#[cfg(test)]
mod tests;
mod ttl;

pub use error::{ZoneError, ZoneErrorKind};
pub use include::{IncludeLoader, MemoryLoader, NoIncludes, normalize};
pub use lexer::tokenize_rdata;
pub use reader::{ReaderOptions, ZoneReader};
pub use ttl::parse_ttl;

use std::fmt;
use std::sync::Arc;

use crate::record::Record;

/// Where a record or a diagnostic comes from: a file (as the user named it, or `-` for standard
/// input) and a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// The file, shared by every record read from it.
    pub file: Arc<str>,
    /// The line the record starts on, counted from 1.
    pub line: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One record read from a zone file, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The record, all names absolute.
    pub record: Record,
    /// Where the record starts.
    pub source: Source,
}
