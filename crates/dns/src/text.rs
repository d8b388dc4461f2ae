//! Presentation-format building blocks shared by every record type: a cursor over the tokens of
//! one record's RDATA, number and name parsing, character-strings, hex and base64.

use std::borrow::Cow;
use std::fmt;

use data_encoding::{BASE64, HEXLOWER, HEXLOWER_PERMISSIVE};

use crate::name::{Name, unescape};

/// One whitespace-separated token of a record, escapes still in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token's octets; for a quoted string, what is between the quotes.
    pub text: &'a [u8],
    /// True when the token was a quoted string.
    pub quoted: bool,
}

impl<'a> Token<'a> {
    /// An unquoted token.
    pub fn plain(text: &'a [u8]) -> Token<'a> {
        Token { text, quoted: false }
    }
}

/// Why presentation text could not be parsed, and which RDATA token (counted from 0) was at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    /// Index of the offending token among the RDATA tokens; `None` when the record ended early.
    pub token: Option<usize>,
    /// What was wrong, in words a zone author can act on.
    pub message: Cow<'static, str>,
}

impl TextError {
    /// An error about token `token`.
    pub fn at(token: usize, message: impl Into<Cow<'static, str>>) -> TextError {
        TextError { token: Some(token), message: message.into() }
    }

    /// An error about the record as a whole (such as a missing field).
    pub fn record(message: impl Into<Cow<'static, str>>) -> TextError {
        TextError { token: None, message: message.into() }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TextError {}

/// A cursor over the RDATA tokens of one record, with the origin for relative names.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    tokens: &'a [Token<'a>],
    next: usize,
    origin: Option<&'a Name>,
}

impl<'a> Tokens<'a> {
    /// A cursor over `tokens`; relative names are completed with `origin`.
    pub fn new(tokens: &'a [Token<'a>], origin: Option<&'a Name>) -> Tokens<'a> {
        Tokens { tokens, next: 0, origin }
    }

    /// The origin for relative names.
    pub fn origin(&self) -> Option<&'a Name> {
        self.origin
    }

    /// Index of the next token.
    pub fn position(&self) -> usize {
        self.next
    }

    /// True when every token has been used.
    pub fn is_empty(&self) -> bool {
        self.next >= self.tokens.len()
    }

    /// The next token without using it.
    pub fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.next).copied()
    }

    /// The next token; `what` names the field for the error when there is none.
    pub fn next(&mut self, what: &'static str) -> Result<Token<'a>, TextError> {
        let token = self
            .tokens
            .get(self.next)
            .copied()
            .ok_or_else(|| TextError::record(format!("missing {what}")))?;
        self.next += 1;
        Ok(token)
    }

    /// An error about the token just read.
    pub fn error_here(&self, message: impl Into<Cow<'static, str>>) -> TextError {
        TextError::at(self.next.saturating_sub(1), message)
    }

    /// Fails if tokens are left over.
    pub fn finish(&self) -> Result<(), TextError> {
        match self.peek() {
            None => Ok(()),
            Some(token) => Err(TextError::at(
                self.next,
                format!("unexpected extra data `{}`", String::from_utf8_lossy(token.text)),
            )),
        }
    }

    /// The tokens not yet used, all of them taken.
    pub fn take_rest(&mut self) -> &'a [Token<'a>] {
        let rest = self.tokens.get(self.next..).unwrap_or(&[]);
        self.next = self.tokens.len();
        rest
    }

    /// Reads a domain name, completing a relative one with the origin.
    pub fn name(&mut self, what: &'static str) -> Result<Name, TextError> {
        let token = self.next(what)?;
        Name::parse_bytes(token.text, self.origin)
            .map_err(|e| self.error_here(format!("bad {what} `{}`: {e}", lossy(token.text))))
    }

    /// Reads an unsigned decimal integer that fits `T`.
    pub fn int<T: TryFrom<u64>>(&mut self, what: &'static str) -> Result<T, TextError> {
        let token = self.next(what)?;
        parse_decimal(token.text).and_then(|v| T::try_from(v).ok()).ok_or_else(|| {
            self.error_here(format!(
                "bad {what} `{}`: expected an unsigned number in range",
                lossy(token.text)
            ))
        })
    }

    /// Reads a character-string (quoted or not), decoding escapes.
    pub fn char_string(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let token = self.next(what)?;
        let bytes =
            unescape_text(token.text).map_err(|m| self.error_here(format!("bad {what}: {m}")))?;
        if bytes.len() > 255 {
            return Err(self.error_here(format!("{what} longer than 255 octets")));
        }
        Ok(bytes)
    }

    /// Reads one hexadecimal token (either case).
    pub fn hex(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let token = self.next(what)?;
        decode_hex(token.text).map_err(|m| self.error_here(format!("bad {what}: {m}")))
    }

    /// Reads all remaining tokens as one hexadecimal string (whitespace allowed between tokens).
    pub fn hex_rest(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let start = self.next;
        let joined = join(self.take_rest());
        if joined.is_empty() {
            return Err(TextError::record(format!("missing {what}")));
        }
        decode_hex(&joined).map_err(|m| TextError::at(start, format!("bad {what}: {m}")))
    }

    /// Reads all remaining tokens as one base64 string (whitespace allowed between tokens).
    pub fn base64_rest(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let start = self.next;
        let joined = join(self.take_rest());
        if joined.is_empty() {
            return Err(TextError::record(format!("missing {what}")));
        }
        decode_base64(&joined).map_err(|m| TextError::at(start, format!("bad {what}: {m}")))
    }
}

fn join(tokens: &[Token<'_>]) -> Vec<u8> {
    tokens.iter().flat_map(|t| t.text.iter().copied()).collect()
}

/// Text for error messages.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    const MAX: usize = 80;
    if bytes.len() > MAX {
        Cow::Owned(format!("{}…", String::from_utf8_lossy(&bytes[..MAX])))
    } else {
        String::from_utf8_lossy(bytes)
    }
}

/// Parses an unsigned decimal number of at most 20 digits.
pub fn parse_decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Decodes presentation escapes (`\X`, `\DDD`) in a character-string.
pub fn unescape_text(text: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            let (octet, used) = unescape(&text[i + 1..]).map_err(
                |_| "a backslash must be followed by a character or three digits 000-255",
            )?;
            out.push(octet);
            i += 1 + used;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Decodes hexadecimal in either case.
pub fn decode_hex(text: &[u8]) -> Result<Vec<u8>, String> {
    HEXLOWER_PERMISSIVE.decode(text).map_err(|e| format!("not valid hexadecimal ({e})"))
}

/// Decodes base64 (RFC 4648, with padding).
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, String> {
    BASE64.decode(text).map_err(|e| format!("not valid base64 ({e})"))
}

/// Writes octets as lowercase hexadecimal.
pub fn write_hex(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    f.write_str(&HEXLOWER.encode(bytes))
}

/// Writes octets as base64.
pub fn write_base64(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    f.write_str(&BASE64.encode(bytes))
}

/// Writes a character-string in double quotes, escaping `"`, `\` and non-printable octets.
pub fn write_char_string(f: &mut impl fmt::Write, text: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &octet in text {
        match octet {
            b'"' | b'\\' => {
                f.write_char('\\')?;
                f.write_char(octet as char)?;
            }
            0x20..=0x7e => f.write_char(octet as char)?,
            _ => write!(f, "\\{octet:03}")?,
        }
    }
    f.write_char('"')
}
