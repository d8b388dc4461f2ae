//! A minimal XML writer: the documents nameward sends have a fixed shape, so tags are written
//! directly and only text and attribute values need care.

use time::{Date, OffsetDateTime, UtcOffset};

use crate::types::{Namespace, Secret, Status, StatusValue};

/// Builds one document; names are written as given (already prefixed).
pub(crate) struct Writer {
    out: String,
}

impl Writer {
    /// A document that starts with the declaration RFC 5730's examples use.
    pub(crate) fn new() -> Writer {
        Writer { out: String::from(r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#) }
    }

    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.tag_start(name, attrs);
        self.out.push('>');
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.tag_start(name, attrs);
        self.out.push_str("/>");
    }

    /// An element holding only text; `<name/>` when the text is empty.
    pub(crate) fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        if text.is_empty() {
            self.empty(name, attrs);
            return;
        }
        self.open(name, attrs);
        escape_into(&mut self.out, text, false);
        self.close(name);
    }

    /// A text-only element without attributes.
    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.leaf(name, &[], text);
    }

    /// A text-only element, written only when there is a value.
    pub(crate) fn opt_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, text);
        }
    }

    pub(crate) fn datetime(&mut self, name: &str, at: OffsetDateTime) {
        self.text(name, &format_datetime(at));
    }

    pub(crate) fn opt_datetime(&mut self, name: &str, at: Option<OffsetDateTime>) {
        if let Some(at) = at {
            self.datetime(name, at);
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn tag_start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }
}

/// Writes the namespace-qualified elements of one object type.
pub(crate) struct Obj<'w> {
    pub(crate) w: &'w mut Writer,
    prefix: &'static str,
}

impl<'w> Obj<'w> {
    pub(crate) fn new(w: &'w mut Writer, ns: Namespace) -> Obj<'w> {
        Obj { w, prefix: ns.prefix() }
    }

    pub(crate) fn q(&self, local: &str) -> String {
        format!("{}:{local}", self.prefix)
    }

    pub(crate) fn open_root(&mut self, local: &str, ns: Namespace) {
        let xmlns = format!("xmlns:{}", self.prefix);
        let name = self.q(local);
        self.w.open(&name, &[(&xmlns, ns.uri())]);
    }

    pub(crate) fn open(&mut self, local: &str, attrs: &[(&str, &str)]) {
        let name = self.q(local);
        self.w.open(&name, attrs);
    }

    pub(crate) fn close(&mut self, local: &str) {
        let name = self.q(local);
        self.w.close(&name);
    }

    pub(crate) fn leaf(&mut self, local: &str, attrs: &[(&str, &str)], text: &str) {
        let name = self.q(local);
        self.w.leaf(&name, attrs, text);
    }

    pub(crate) fn text(&mut self, local: &str, text: &str) {
        self.leaf(local, &[], text);
    }

    pub(crate) fn opt_text(&mut self, local: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(local, text);
        }
    }

    pub(crate) fn date(&mut self, local: &str, at: OffsetDateTime) {
        let name = self.q(local);
        self.w.datetime(&name, at);
    }

    pub(crate) fn opt_date(&mut self, local: &str, at: Option<OffsetDateTime>) {
        if let Some(at) = at {
            self.date(local, at);
        }
    }

    pub(crate) fn statuses(&mut self, statuses: &[StatusValue]) {
        if statuses.is_empty() {
            self.leaf("status", &[("s", Status::Ok.as_str())], "");
        }
        for status in statuses {
            let mut attrs = vec![("s", status.status.as_str())];
            if let Some(lang) = &status.lang {
                attrs.push(("lang", lang));
            }
            self.leaf("status", &attrs, status.text.as_deref().unwrap_or(""));
        }
    }

    pub(crate) fn auth_info(&mut self, pw: Option<&Secret>) {
        if let Some(pw) = pw {
            self.open("authInfo", &[]);
            self.text("pw", pw.expose());
            self.close("authInfo");
        }
    }
}

/// Escapes markup characters; characters XML cannot carry at all become U+FFFD, so that data
/// from elsewhere (the registry, an import) can never make a document ill-formed.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            // Kept as references so that attribute normalisation and end-of-line handling on
            // the reader's side give back the same characters.
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// An xs:dateTime in UTC, e.g. `2026-04-03T22:00:00Z` or `2026-04-03T22:00:00.5Z`.
pub(crate) fn format_datetime(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let mut text = format!(
        "{}T{:02}:{:02}:{:02}",
        format_date(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    );
    let nanos = at.nanosecond();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// An xs:date, e.g. `2026-04-03`; years before 1 keep the four digits XML Schema wants.
pub(crate) fn format_date(date: Date) -> String {
    let year = date.year();
    let sign = if year < 0 { "-" } else { "" };
    format!("{sign}{:04}-{:02}-{:02}", year.unsigned_abs(), u8::from(date.month()), date.day())
}
