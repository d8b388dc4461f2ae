//! Zone files (RFC 1035 §5).

mod ttl;

pub use ttl::parse_ttl;

use crate::text::Token;

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
