//! Zone files (RFC 1035 §5).

mod ttl;

pub use ttl::parse_ttl;

use std::fmt;
use std::sync::Arc;

use crate::record::Record;
use crate::text::Token;

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

/// Splits one line of RDATA text into tokens: whitespace separates, double quotes group,
/// backslash escapes stay in place. Parentheses and comments are the zone reader's business.
pub fn tokenize_rdata(text: &[u8]) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let quoted = text[i] == b'"';
        let start = if quoted { i + 1 } else { i };
        let mut j = start;
        while j < text.len() {
            match text[j] {
                b'\\' => j += 2,
                b'"' if quoted => break,
                c if !quoted && c.is_ascii_whitespace() => break,
                _ => j += 1,
            }
        }
        let end = j.min(text.len());
        tokens.push(Token { text: &text[start..end], quoted });
        i = end + usize::from(quoted);
    }
    tokens
}
