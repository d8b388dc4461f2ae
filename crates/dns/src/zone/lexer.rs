//! Master-file tokens (RFC 1035 §5.1): whitespace-separated words, quoted strings, backslash
//! escapes left in place, `;` comments and parentheses that join lines into one logical record.
//!
//! Tokens are kept as spans into the record's text so that no token is copied.

use std::io::{self, BufRead};

use crate::text::Token;

/// One token of a logical record: a range of the record's text and the line it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub quoted: bool,
}

impl Span {
    /// The token's text within `text`, empty if the span does not fit (it always does when the
    /// span came from the lexer over the same text).
    pub fn text<'a>(&self, text: &'a [u8]) -> &'a [u8] {
        text.get(self.start as usize..self.end as usize).unwrap_or(&[])
    }

    /// The span as a [`Token`] over `text`.
    pub fn token<'a>(&self, text: &'a [u8]) -> Token<'a> {
        Token { text: self.text(text), quoted: self.quoted }
    }
}

/// A lexing error: the line it concerns and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub line: u32,
    pub message: String,
}

/// Lexer state that lives across the physical lines of one logical record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexer {
    /// Open parentheses; the record goes on past the end of a line while this is not zero.
    pub depth: u32,
    /// Where the outermost open parenthesis was written (line, column), for error messages.
    pub opened: (u32, usize),
    /// The first error of the record, if any.
    pub error: Option<LexError>,
    /// False for bare RDATA text, where parentheses and `;` are ordinary characters.
    pub zone_syntax: bool,
}

impl Lexer {
    /// A lexer for zone-file lines.
    pub fn zone() -> Lexer {
        Lexer { zone_syntax: true, ..Lexer::default() }
    }

    fn fail(&mut self, line: u32, message: String) {
        if self.error.is_none() {
            self.error = Some(LexError { line, message });
        }
    }

    /// Lexes `text[from..]`, one physical line without its line ending, appending its tokens
    /// to `spans`. Errors are kept in `self.error`; lexing always reaches the end of the line so
    /// that the parenthesis count stays right.
    pub fn line(&mut self, text: &[u8], from: usize, line: u32, spans: &mut Vec<Span>) {
        let byte = |i: usize| text.get(i).copied();
        let mut i = from;
        while let Some(c) = byte(i) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => i += 1,
                b';' if self.zone_syntax => break,
                b'(' if self.zone_syntax => {
                    if self.depth == 0 {
                        self.opened = (line, i - from + 1);
                    }
                    self.depth = self.depth.saturating_add(1);
                    i += 1;
                }
                b')' if self.zone_syntax => {
                    if self.depth == 0 {
                        self.fail(
                            line,
                            format!("unbalanced `)` at column {}: no `(` is open", i - from + 1),
                        );
                    } else {
                        self.depth -= 1;
                    }
                    i += 1;
                }
                b'"' => {
                    let start = i + 1;
                    let mut j = start;
                    let mut closed = false;
                    while let Some(c) = byte(j) {
                        match c {
                            b'\\' => j += 2,
                            b'"' => {
                                closed = true;
                                break;
                            }
                            _ => j += 1,
                        }
                    }
                    let end = j.min(text.len());
                    if !closed {
                        self.fail(
                            line,
                            format!(
                                "unbalanced quote: the string opened at column {} is not closed \
                                 on its line",
                                i - from + 1
                            ),
                        );
                    }
                    push(spans, start, end, line, true);
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    let mut j = i;
                    while let Some(c) = byte(j) {
                        match c {
                            b'\\' => j += 2,
                            b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => break,
                            b';' | b'(' | b')' if self.zone_syntax => break,
                            _ => j += 1,
                        }
                    }
                    let end = j.min(text.len());
                    push(spans, start, end, line, false);
                    i = end;
                }
            }
        }
    }
}

fn push(spans: &mut Vec<Span>, start: usize, end: usize, line: u32, quoted: bool) {
    // Callers bound the text well below 4 GiB, so the offsets fit.
    spans.push(Span {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        end: u32::try_from(end).unwrap_or(u32::MAX),
        line,
        quoted,
    });
}

/// What [`read_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// End of input, nothing read.
    Eof,
    /// A whole line was appended.
    Line,
    /// The line did not fit the limit: what fitted was appended, the rest was read and dropped.
    TooLong,
}

/// Appends one line of `input` (without its `\n`) to `buf`, never letting `buf` grow past
/// `limit` octets: the rest of an over-long line is consumed and dropped.
pub(crate) fn read_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<LineRead> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, newline) = match chunk.iter().position(|&c| c == b'\n') {
            Some(at) => (at, true),
            None => (chunk.len(), false),
        };
        let room = limit.saturating_sub(buf.len());
        if take > room {
            too_long = true;
        }
        buf.extend_from_slice(chunk.get(..take.min(room)).unwrap_or(&[]));
        input.consume(take + usize::from(newline));
        if newline {
            break;
        }
    }
    Ok(match (any, too_long) {
        (false, _) => LineRead::Eof,
        (true, false) => LineRead::Line,
        (true, true) => LineRead::TooLong,
    })
}

/// Splits one line of RDATA text into tokens: whitespace separates, double quotes group,
/// backslash escapes stay in place. Parentheses and comments are the zone reader's business.
pub fn tokenize_rdata(text: &[u8]) -> Vec<Token<'_>> {
    let mut spans = Vec::new();
    Lexer::default().line(text, 0, 1, &mut spans);
    spans.iter().map(|s| s.token(text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str) -> (Vec<(String, bool)>, Lexer) {
        let mut lexer = Lexer::zone();
        let mut spans = Vec::new();
        lexer.line(text.as_bytes(), 0, 1, &mut spans);
        let tokens = spans
            .iter()
            .map(|s| (String::from_utf8_lossy(s.text(text.as_bytes())).into_owned(), s.quoted))
            .collect();
        (tokens, lexer)
    }

    fn words(text: &str) -> Vec<String> {
        lex(text).0.into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn words_quotes_comments_parentheses() {
        assert_eq!(words("a  b\tc ; comment \"x\""), ["a", "b", "c"]);
        assert_eq!(words("soa (1 2)3"), ["soa", "1", "2", "3"]);
        assert_eq!(words(r#"txt "a b" "" c\"d "e\"f""#), ["txt", "a b", "", "c\\\"d", "e\\\"f"]);
        assert_eq!(words(r"a\ b a\;b a\(b"), [r"a\ b", r"a\;b", r"a\(b"]);
        assert_eq!(words(r#""x;y(z)""#), ["x;y(z)"]);
        assert_eq!(lex(r#""q""#).0, [("q".to_string(), true)]);
        assert_eq!(words("a;b"), ["a"]);
    }

    #[test]
    fn parenthesis_depth_and_errors() {
        let (_, lexer) = lex("a ( b (c) ");
        assert_eq!(lexer.depth, 1);
        assert_eq!(lexer.opened, (1, 3));
        let (_, lexer) = lex("a ) b");
        assert!(lexer.error.unwrap().message.contains("unbalanced `)` at column 3"));
        let (tokens, lexer) = lex(r#"a "open"#);
        assert_eq!(tokens.len(), 2);
        assert!(lexer.error.unwrap().message.contains("opened at column 3"));
        let (_, lexer) = lex(r#"a "x\"#);
        assert!(lexer.error.is_some(), "an escaped final quote leaves the string open");
    }

    #[test]
    fn trailing_backslash_stays_in_the_token() {
        assert_eq!(words("a\\"), ["a\\"]);
    }

    #[test]
    fn bare_rdata_mode_keeps_parentheses_and_semicolons() {
        let tokens = tokenize_rdata(b"v=a;b (x)\n\"q r\"");
        let texts: Vec<&[u8]> = tokens.iter().map(|t| t.text).collect();
        assert_eq!(texts, [&b"v=a;b"[..], b"(x)", b"q r"]);
        assert!(tokens[2].quoted);
    }

    #[test]
    fn bounded_line_reads() {
        let mut input: &[u8] = b"short\r\nmuch too long here\nlast";
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut input, &mut buf, 8).unwrap(), LineRead::Line);
        assert_eq!(buf, b"short\r");
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 8).unwrap(), LineRead::TooLong);
        assert_eq!(buf, b"much too");
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 8).unwrap(), LineRead::Line);
        assert_eq!(buf, b"last");
        buf.clear();
        assert_eq!(read_line(&mut input, &mut buf, 8).unwrap(), LineRead::Eof);
    }
}
