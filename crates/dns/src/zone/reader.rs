//! The streaming zone-file reader: logical records in, [`Entry`]s out, one at a time, with
//! `$ORIGIN`, `$TTL`, `$INCLUDE` and `$GENERATE` applied along the way.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ZoneError, ZoneErrorKind};
use super::generate::{Range, Template};
use super::include::{IncludeLoader, is_inside, normalize};
use super::lexer::{Lexer, LineRead, Span, read_line, tokenize_rdata};
use super::{Entry, Source, parse_ttl};
use crate::check::{Diagnostic, Severity};
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::hip::{WRAPPED_KEY_HINT, looks_like_base64_piece};
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use crate::text::{TextError, Token, Tokens, lossy, unescape_text};

/// What the reader accepts and where it draws its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// The zone's class; records of another class are errors.
    pub class: Class,
    /// The TTL for records without one, as if `$TTL` came before the first line.
    pub default_ttl: Option<u32>,
    /// How deeply `$INCLUDE` may nest (the top file is depth 0).
    pub include_depth: usize,
    /// Whether `$INCLUDE` may name files outside the directory of the top zone file.
    pub allow_include_outside: bool,
    /// Most records one `$GENERATE` may make.
    pub max_generate: u64,
    /// Longest logical record, in octets of text (parenthesised lines and comments included).
    pub max_record_text: usize,
}

impl Default for ReaderOptions {
    fn default() -> ReaderOptions {
        ReaderOptions {
            class: Class::IN,
            default_ttl: None,
            include_depth: 16,
            allow_include_outside: false,
            max_generate: 65_536,
            // A 65 535-octet RDATA in `\#` hexadecimal takes about 128 KiB of text.
            max_record_text: 256 * 1024,
        }
    }
}

/// One open file: the top zone file or an `$INCLUDE`d one.
struct Frame<'a> {
    input: Box<dyn BufRead + 'a>,
    file: Arc<str>,
    /// Canonical path, for loop detection.
    path: PathBuf,
    line: u32,
    /// The origin and owner of the including file, restored when this file ends (RFC 1035 §5.1).
    saved_origin: Option<Name>,
    saved_owner: Option<Name>,
}

/// A `$GENERATE` directive being expanded, one record per call.
struct Generator {
    source: Source,
    next: u64,
    stop: u64,
    step: u64,
    lhs: Template,
    rhs: Template,
    rtype: Rtype,
    class: Class,
    ttl: u32,
}

/// One logical record as read: where it starts and whether its owner is left blank.
struct RawRecord {
    line: u32,
    blank_owner: bool,
}

/// Reads records from a zone file (RFC 1035 §5) as an iterator of entries or errors.
///
/// The reader holds one logical record at a time. After an error in a record it carries on with
/// the next one; I/O errors and refused `$INCLUDE`s end the iteration.
pub struct ZoneReader<'a> {
    frames: Vec<Frame<'a>>,
    loader: &'a dyn IncludeLoader,
    options: ReaderOptions,
    /// Directory that relative `$INCLUDE` paths start from, as given and canonical.
    base_dir: PathBuf,
    base_canonical: PathBuf,
    text: Vec<u8>,
    spans: Vec<Span>,
    scratch: Vec<u8>,
    origin: Option<Name>,
    last_owner: Option<Name>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    generator: Option<Generator>,
    warnings: Vec<Diagnostic>,
    done: bool,
}

type Fallible<T> = Result<T, ZoneError>;

impl<'a> ZoneReader<'a> {
    /// A reader over `input`, the zone file named `file_name` (`-` for standard input).
    /// Relative names are completed with `origin` until `$ORIGIN` changes it; `$INCLUDE`
    /// files are opened through `loader`, relative to the directory of `file_name`.
    pub fn new(
        input: impl BufRead + 'a,
        file_name: &str,
        origin: Option<Name>,
        options: ReaderOptions,
        loader: &'a dyn IncludeLoader,
    ) -> ZoneReader<'a> {
        let top = Path::new(file_name);
        let base_dir = match top.parent() {
            Some(dir) if file_name != "-" && !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base_canonical =
            loader.canonicalize(&base_dir).unwrap_or_else(|_| normalize(&base_dir));
        let path = loader.canonicalize(top).unwrap_or_else(|_| normalize(top));
        let default_ttl = options.default_ttl;
        ZoneReader {
            frames: vec![Frame {
                input: Box::new(input),
                file: Arc::from(file_name),
                path,
                line: 0,
                saved_origin: None,
                saved_owner: None,
            }],
            loader,
            options,
            base_dir,
            base_canonical,
            text: Vec::new(),
            spans: Vec::new(),
            scratch: Vec::new(),
            origin,
            last_owner: None,
            default_ttl,
            last_ttl: None,
            generator: None,
            warnings: Vec::new(),
            done: false,
        }
    }

    /// The current origin (as set by the caller or `$ORIGIN`).
    pub fn origin(&self) -> Option<&Name> {
        self.origin.as_ref()
    }

    /// Warnings gathered so far (such as a TTL taken from the SOA minimum), handed over once.
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings)
    }

    fn file(&self) -> Arc<str> {
        self.frames.last().map_or_else(|| Arc::from("-"), |f| Arc::clone(&f.file))
    }

    fn error(
        &self,
        kind: ZoneErrorKind,
        line: u32,
        token: Option<&[u8]>,
        message: impl Into<String>,
    ) -> ZoneError {
        ZoneError {
            file: self.file(),
            line,
            token: token.map(|t| String::from_utf8_lossy(t).into_owned()),
            message: message.into(),
            kind,
        }
    }

    fn syntax(&self, line: u32, token: Option<&[u8]>, message: impl Into<String>) -> ZoneError {
        self.error(ZoneErrorKind::Syntax, line, token, message)
    }

    /// An error about the `index`th token of the current record.
    fn at_token(&self, rec: &RawRecord, index: usize, message: impl Into<String>) -> ZoneError {
        match self.spans.get(index) {
            Some(span) => self.syntax(span.line, Some(span.text(&self.text)), message),
            None => self.syntax(rec.line, None, message),
        }
    }

    /// Reads the next logical record of the current file into `text` and `spans`.
    /// `Ok(None)` at the end of the file.
    fn read_record(&mut self) -> Fallible<Option<Result<RawRecord, ZoneError>>> {
        self.text.clear();
        self.spans.clear();
        let limit = self.options.max_record_text;
        let mut lexer = Lexer::zone();
        let mut first_line = None;
        let mut blank_owner = false;
        let mut too_long = false;
        loop {
            let Some(frame) = self.frames.last_mut() else { return Ok(None) };
            // Once over the limit, later lines of the record are lexed (for the parentheses)
            // and then dropped, so memory stays bounded.
            let from = if too_long {
                self.text.clear();
                0
            } else {
                self.text.len()
            };
            let read = read_line(&mut frame.input, &mut self.text, limit);
            let read = match read {
                Ok(read) => read,
                Err(e) => {
                    let line = frame.line.saturating_add(1);
                    let message = format!("cannot read {}: {e}", frame.file);
                    self.done = true;
                    return Err(self.error(ZoneErrorKind::Io, line, None, message));
                }
            };
            if read == LineRead::Eof {
                let Some(line) = first_line else { return Ok(None) };
                if lexer.depth > 0 {
                    let (open_line, column) = lexer.opened;
                    let message = format!(
                        "unbalanced parenthesis: the `(` opened at line {open_line} column \
                         {column} is never closed (end of file)"
                    );
                    return Ok(Some(Err(self.syntax(open_line, None, message))));
                }
                return Ok(Some(Ok(RawRecord { line, blank_owner })));
            }
            frame.line = frame.line.saturating_add(1);
            let line = frame.line;
            if first_line.is_none() {
                first_line = Some(line);
                blank_owner = self.text.first().is_some_and(|&c| c == b' ' || c == b'\t');
            }
            if read == LineRead::TooLong {
                too_long = true;
            }
            lexer.line(&self.text, from, line, &mut self.spans);
            if too_long {
                self.spans.clear();
            }
            if lexer.depth > 0 {
                if !too_long {
                    // Keep the lines of a parenthesised record apart.
                    self.text.push(b'\n');
                }
                continue;
            }
            let start = first_line.unwrap_or(line);
            if too_long {
                let message = format!(
                    "record starting at line {start} is longer than {limit} octets of text"
                );
                return Ok(Some(Err(self.error(ZoneErrorKind::Limit, start, None, message))));
            }
            if let Some(e) = lexer.error.take() {
                return Ok(Some(Err(self.syntax(e.line, None, e.message))));
            }
            if self.spans.is_empty() {
                // Blank or comment-only lines.
                self.text.clear();
                first_line = None;
                lexer = Lexer::zone();
                continue;
            }
            return Ok(Some(Ok(RawRecord { line: start, blank_owner })));
        }
    }

    /// Handles the record in `text`/`spans`: a directive (`Ok(None)`) or a resource record.
    fn process(&mut self, rec: &RawRecord) -> Fallible<Option<Entry>> {
        let first = self.spans.first().copied();
        if let Some(first) = first
            && !rec.blank_owner
            && !first.quoted
            && first.text(&self.text).first() == Some(&b'$')
        {
            self.directive(rec, first.text(&self.text).to_ascii_uppercase())?;
            return Ok(None);
        }
        self.record(rec).map(Some)
    }

    fn directive(&mut self, rec: &RawRecord, keyword: Vec<u8>) -> Fallible<()> {
        let args = self.spans.len().saturating_sub(1);
        let arg = |i: usize| self.spans.get(i).map(|s| s.text(&self.text));
        let expect_args = |min: usize, max: usize, usage: &str| {
            if args < min {
                Err(self.syntax(rec.line, None, format!("missing argument: {usage}")))
            } else if args > max {
                Err(self.at_token(
                    rec,
                    max + 1,
                    format!(
                        "unexpected extra `{}`: {usage}",
                        lossy(arg(max + 1).unwrap_or_default())
                    ),
                ))
            } else {
                Ok(())
            }
        };
        match keyword.as_slice() {
            b"$ORIGIN" => {
                expect_args(1, 1, "$ORIGIN name")?;
                let origin = self.name(rec, 1, "$ORIGIN name")?;
                self.origin = Some(origin);
            }
            b"$TTL" => {
                expect_args(1, 1, "$TTL ttl")?;
                let text = arg(1).unwrap_or_default();
                let ttl = parse_ttl(text).map_err(|m| {
                    self.at_token(rec, 1, format!("bad $TTL `{}`: {m}", lossy(text)))
                })?;
                self.default_ttl = Some(ttl);
            }
            b"$INCLUDE" => {
                expect_args(1, 2, "$INCLUDE file [origin]")?;
                let origin =
                    if args == 2 { Some(self.name(rec, 2, "$INCLUDE origin")?) } else { None };
                self.include(rec, origin)?;
            }
            b"$GENERATE" => self.generate(rec)?,
            _ => {
                let message = format!(
                    "unknown directive `{}` (known: $ORIGIN, $TTL, $INCLUDE, $GENERATE)",
                    lossy(arg(0).unwrap_or_default())
                );
                return Err(self.at_token(rec, 0, message));
            }
        }
        Ok(())
    }

    /// Parses token `index` as a name relative to the current origin.
    fn name(&self, rec: &RawRecord, index: usize, what: &str) -> Fallible<Name> {
        let text = self.spans.get(index).map(|s| s.text(&self.text)).unwrap_or_default();
        Name::parse_bytes(text, self.origin.as_ref())
            .map_err(|e| self.at_token(rec, index, format!("bad {what} `{}`: {e}", lossy(text))))
    }

    fn include(&mut self, rec: &RawRecord, origin: Option<Name>) -> Fallible<()> {
        let policy = |reader: &Self, message: String| {
            let span = reader.spans.get(1);
            let token = span.map(|s| s.text(&reader.text));
            reader.error(ZoneErrorKind::Include, span.map_or(rec.line, |s| s.line), token, message)
        };
        let raw = self.spans.get(1).map(|s| s.text(&self.text)).unwrap_or_default();
        let named = unescape_text(raw)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| policy(self, format!("bad $INCLUDE file name `{}`", lossy(raw))))?;
        let given = Path::new(&named);
        // Shown in messages and sources without `.` and `name/..` detours.
        let path = normalize(&if given.is_absolute() {
            given.to_path_buf()
        } else {
            self.base_dir.join(given)
        });
        if self.frames.len() > self.options.include_depth {
            return Err(policy(
                self,
                format!(
                    "$INCLUDE of `{named}` refused: includes nest deeper than {} files",
                    self.options.include_depth
                ),
            ));
        }
        let canonical = self.loader.canonicalize(&path).map_err(|e| {
            self.error(
                ZoneErrorKind::Io,
                rec.line,
                Some(raw),
                format!("cannot include {}: {e}", path.display()),
            )
        })?;
        if !self.options.allow_include_outside && !is_inside(&canonical, &self.base_canonical) {
            return Err(policy(
                self,
                format!(
                    "$INCLUDE of `{named}` refused: it is outside `{}`, the zone file's directory",
                    self.base_dir.display()
                ),
            ));
        }
        if self.frames.iter().any(|f| f.path == canonical) {
            let chain: Vec<String> = self
                .frames
                .iter()
                .map(|f| f.file.to_string())
                .chain(std::iter::once(path.display().to_string()))
                .collect();
            return Err(policy(self, format!("$INCLUDE loop: {}", chain.join(" -> "))));
        }
        let input = self.loader.open(&path).map_err(|e| {
            self.error(
                ZoneErrorKind::Io,
                rec.line,
                Some(raw),
                format!("cannot include {}: {e}", path.display()),
            )
        })?;
        let saved_origin = match origin {
            Some(origin) => self.origin.replace(origin),
            None => self.origin.clone(),
        };
        self.frames.push(Frame {
            input,
            file: Arc::from(path.display().to_string()),
            path: canonical,
            line: 0,
            saved_origin,
            saved_owner: self.last_owner.clone(),
        });
        Ok(())
    }

    /// Reads `[ttl] [class] type` (TTL and class in either order) from token `i` on.
    fn ttl_class_type(
        &self,
        rec: &RawRecord,
        mut i: usize,
    ) -> Fallible<(Option<u32>, Option<Class>, Rtype, usize)> {
        let mut ttl = None;
        let mut class = None;
        for _ in 0..2 {
            let Some(span) = self.spans.get(i) else { break };
            let text = span.text(&self.text);
            if class.is_none()
                && let Some(c) = Class::from_text(text)
                && (Rtype::from_text(text).is_none() || self.is_type_ahead(i + 1))
            {
                class = Some(c);
            } else if ttl.is_none() && text.first().is_some_and(u8::is_ascii_digit) {
                let value = parse_ttl(text).map_err(|m| {
                    self.at_token(rec, i, format!("bad TTL `{}`: {m}", lossy(text)))
                })?;
                ttl = Some(value);
            } else {
                break;
            }
            i += 1;
        }
        let Some(span) = self.spans.get(i) else {
            return Err(self.syntax(rec.line, None, "missing record type"));
        };
        let text = span.text(&self.text);
        let rtype = Rtype::from_text(text).ok_or_else(|| {
            let hint = if Class::from_text(text).is_some() {
                " (the class is given twice)".to_owned()
            } else if text.first().is_some_and(u8::is_ascii_digit) {
                " (the TTL is given twice)".to_owned()
            } else if rec.blank_owner && looks_like_base64_piece(text) {
                format!(
                    " (a line that starts with blank space is a new record of the previous \
                     owner; if it continues a base64 key from the line before, the record needs \
                     parentheses, and for HIP {WRAPPED_KEY_HINT})"
                )
            } else {
                String::new()
            };
            self.at_token(rec, i, format!("unknown record type `{}`{hint}", lossy(text)))
        })?;
        if rtype.is_meta() {
            return Err(self.at_token(
                rec,
                i,
                format!("type {rtype} is for queries or transactions and cannot be in a zone"),
            ));
        }
        if let Some(c) = class
            && c != self.options.class
        {
            let at = i.saturating_sub(1);
            return Err(self.at_token(
                rec,
                at,
                format!("class {c} does not match the zone's class {}", self.options.class),
            ));
        }
        Ok((ttl, class, rtype, i + 1))
    }

    /// True when token `i` can follow a class: a TTL, or a type. Decides whether `ANY`, both
    /// a class and a type, is the class.
    fn is_type_ahead(&self, i: usize) -> bool {
        self.spans.get(i).is_some_and(|s| {
            let text = s.text(&self.text);
            text.first().is_some_and(u8::is_ascii_digit) || Rtype::from_text(text).is_some()
        })
    }

    fn record(&mut self, rec: &RawRecord) -> Fallible<Entry> {
        let (owner, next) = if rec.blank_owner {
            let owner = self.last_owner.clone().ok_or_else(|| {
                self.syntax(
                    rec.line,
                    None,
                    "no owner: the line starts with whitespace but no record before it named one",
                )
            })?;
            (owner, 0)
        } else {
            let owner = self.name(rec, 0, "owner name")?;
            self.last_owner = Some(owner.clone());
            (owner, 1)
        };
        let (ttl, _, rtype, rdata_at) = self.ttl_class_type(rec, next)?;
        let rdata_spans = self.spans.get(rdata_at..).unwrap_or_default();
        let tokens: Vec<Token<'_>> = rdata_spans.iter().map(|s| s.token(&self.text)).collect();
        let mut cursor = Tokens::new(&tokens, self.origin.as_ref());
        let data = RecordData::parse_text(rtype, &mut cursor)
            .map_err(|e| self.rdata_error(rec, rdata_at, rtype, e))?;
        self.check_size(rec, rtype, &data, rdata_spans)?;
        let ttl = match ttl {
            Some(ttl) => {
                self.last_ttl = Some(ttl);
                ttl
            }
            None => self.implicit_ttl(rec, &data)?,
        };
        let source = Source { file: self.file(), line: rec.line };
        Ok(Entry { record: Record { owner, class: self.options.class, ttl, data }, source })
    }

    /// RFC 2308 §4 and BIND: `$TTL`, else the last explicit TTL, else the SOA minimum.
    fn implicit_ttl(&mut self, rec: &RawRecord, data: &RecordData) -> Fallible<u32> {
        if let Some(ttl) = self.default_ttl.or(self.last_ttl) {
            return Ok(ttl);
        }
        if let RecordData::Soa(soa) = data {
            self.default_ttl = Some(soa.minimum);
            self.warnings.push(Diagnostic {
                severity: Severity::Warning,
                source: Some(Source { file: self.file(), line: rec.line }),
                message: format!(
                    "no TTL given and no $TTL: using the SOA minimum ({}) as the default TTL",
                    soa.minimum
                ),
            });
            return Ok(soa.minimum);
        }
        Err(self.syntax(
            rec.line,
            None,
            "no TTL: give the record one, or put $TTL before the first record",
        ))
    }

    /// Refuses RDATA over 65 535 octets. Only long texts can get there, so short ones skip the
    /// encoding: no token of fewer than two characters makes more than 255 octets.
    fn check_size(
        &self,
        rec: &RawRecord,
        rtype: Rtype,
        data: &RecordData,
        spans: &[Span],
    ) -> Fallible<()> {
        let text_len: usize = spans.iter().map(|s| (s.end - s.start) as usize + 1).sum();
        if text_len > 256 && data.to_wire().len() > usize::from(u16::MAX) {
            return Err(self.syntax(
                rec.line,
                None,
                format!("{rtype} RDATA is longer than 65535 octets in wire form"),
            ));
        }
        Ok(())
    }

    /// Maps an RDATA error to the line and text of the token it names.
    fn rdata_error(
        &self,
        rec: &RawRecord,
        rdata_at: usize,
        rtype: Rtype,
        e: TextError,
    ) -> ZoneError {
        let message = format!("{rtype} record: {}", e.message);
        match e.token {
            Some(i) => self.at_token(rec, rdata_at + i, message),
            None => self.syntax(rec.line, None, message),
        }
    }

    fn generate(&mut self, rec: &RawRecord) -> Fallible<()> {
        const USAGE: &str = "$GENERATE start-stop[/step] lhs [ttl] [class] type rhs";
        if self.spans.len() < 5 {
            return Err(self.syntax(rec.line, None, format!("missing arguments: {USAGE}")));
        }
        let text = |i: usize| self.spans.get(i).map(|s| s.text(&self.text)).unwrap_or_default();
        let range = Range::parse(text(1)).map_err(|m| self.at_token(rec, 1, m))?;
        if range.count() > self.options.max_generate {
            return Err(self.error(
                ZoneErrorKind::Limit,
                rec.line,
                Some(text(1)),
                format!(
                    "$GENERATE range `{}` would make {} records; the limit is {} per directive",
                    lossy(text(1)),
                    range.count(),
                    self.options.max_generate
                ),
            ));
        }
        let lhs = Template::parse(text(2)).map_err(|m| self.at_token(rec, 2, m))?;
        let (ttl, _, rtype, rhs_at) = self.ttl_class_type(rec, 3)?;
        let Some(rhs_span) = self.spans.get(rhs_at) else {
            return Err(self.syntax(rec.line, None, format!("missing rhs: {USAGE}")));
        };
        if self.spans.len() > rhs_at + 1 {
            return Err(self.at_token(
                rec,
                rhs_at + 1,
                format!(
                    "unexpected extra `{}`: {USAGE} (quote the rhs if it has spaces)",
                    lossy(text(rhs_at + 1))
                ),
            ));
        }
        let rhs = Template::parse(rhs_span.text(&self.text))
            .map_err(|m| self.at_token(rec, rhs_at, m))?;
        let ttl = match ttl {
            Some(ttl) => ttl,
            None => self.default_ttl.or(self.last_ttl).ok_or_else(|| {
                self.syntax(rec.line, None, "no TTL: give $GENERATE one, or set $TTL before it")
            })?,
        };
        self.generator = Some(Generator {
            source: Source { file: self.file(), line: rec.line },
            next: u64::from(range.start),
            stop: u64::from(range.stop),
            step: u64::from(range.step),
            lhs,
            rhs,
            rtype,
            class: self.options.class,
            ttl,
        });
        Ok(())
    }

    /// The next record of the running `$GENERATE`; an error ends the directive.
    fn generated(&mut self) -> Option<Fallible<Entry>> {
        let generator = self.generator.as_mut()?;
        if generator.next > generator.stop {
            self.generator = None;
            return None;
        }
        let value = u32::try_from(generator.next).unwrap_or(u32::MAX);
        generator.next += generator.step;
        let result = make_generated(generator, value, self.origin.as_ref(), &mut self.scratch);
        match result {
            Ok(record) => Some(Ok(Entry { record, source: generator.source.clone() })),
            Err(message) => {
                let source = generator.source.clone();
                self.generator = None;
                Some(Err(ZoneError {
                    file: source.file,
                    line: source.line,
                    token: None,
                    message,
                    kind: ZoneErrorKind::Syntax,
                }))
            }
        }
    }

    /// Ends the current included file, restoring the including file's origin and owner.
    fn end_of_file(&mut self) -> bool {
        if self.frames.len() <= 1 {
            return false;
        }
        if let Some(frame) = self.frames.pop() {
            self.origin = frame.saved_origin;
            self.last_owner = frame.saved_owner;
        }
        true
    }
}

fn make_generated(
    g: &Generator,
    value: u32,
    origin: Option<&Name>,
    scratch: &mut Vec<u8>,
) -> Result<Record, String> {
    let context = |m: &dyn std::fmt::Display| format!("$GENERATE at counter {value}: {m}");
    g.lhs.render(value, scratch).map_err(|m| context(&m))?;
    let owner = Name::parse_bytes(scratch, origin)
        .map_err(|e| context(&format!("bad owner `{}`: {e}", lossy(scratch))))?;
    g.rhs.render(value, scratch).map_err(|m| context(&m))?;
    let tokens = tokenize_rdata(scratch);
    let mut cursor = Tokens::new(&tokens, origin);
    let data = RecordData::parse_text(g.rtype, &mut cursor).map_err(|e| {
        let text: Cow<'_, str> = lossy(scratch);
        context(&format!("{} record `{text}`: {}", g.rtype, e.message))
    })?;
    Ok(Record { owner, class: g.class, ttl: g.ttl, data })
}

impl Iterator for ZoneReader<'_> {
    type Item = Result<Entry, ZoneError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(result) = self.generated() {
                return Some(result);
            }
            let rec = match self.read_record() {
                Err(fatal) => return Some(Err(fatal)),
                Ok(None) => {
                    if self.end_of_file() {
                        continue;
                    }
                    self.done = true;
                    return None;
                }
                Ok(Some(Err(e))) => return Some(Err(e)),
                Ok(Some(Ok(rec))) => rec,
            };
            match self.process(&rec) {
                Ok(Some(entry)) => return Some(Ok(entry)),
                Ok(None) => continue,
                Err(e) => {
                    if e.is_fatal() {
                        self.done = true;
                    }
                    return Some(Err(e));
                }
            }
        }
    }
}
