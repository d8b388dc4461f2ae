//! The bounded streaming reader: a deposit document of any size, read one object at a time.
//!
//! Each object in `<rde:contents>` comes back as a small tree ([`Node`]); each key in
//! `<rde:deletes>` as one [`Item::Deleted`]. Memory is bounded whatever the input: no single
//! XML event may span more than [`MAX_EVENT`] bytes (the underlying reader refuses to hand
//! quick-xml more), an object has at most [`MAX_NODES`] elements, [`MAX_DEPTH`] levels and
//! [`MAX_OBJECT_TEXT`] bytes of text, and a DTD is refused outright (so no entity expands).

use std::io::{BufRead, Read};

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{Object, RDE};
use crate::error::RdeError;

/// The most bytes one XML event (a tag, a text run) may span.
pub const MAX_EVENT: usize = 1 << 20;
/// The most elements in one object.
pub const MAX_NODES: usize = 4096;
/// The most nesting levels inside one object.
pub const MAX_DEPTH: usize = 16;
/// The most text (element text and attribute values) in one object.
pub const MAX_OBJECT_TEXT: usize = 1 << 20;
/// The most attributes on one element.
pub const MAX_ATTRIBUTES: usize = 16;

/// One element of an object: its namespace, local name, attributes (by local name) and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// The namespace URI (empty when none).
    pub ns: String,
    /// The local name.
    pub local: String,
    /// Attributes, by local name.
    pub attrs: Vec<(String, String)>,
    /// The text, trimmed.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Node>,
}

impl Node {
    /// The attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The children named `local`.
    pub fn all<'n>(&'n self, local: &'n str) -> impl Iterator<Item = &'n Node> + 'n {
        self.children.iter().filter(move |child| child.local == local)
    }

    /// The first child named `local`.
    pub fn first<'n>(&'n self, local: &'n str) -> Option<&'n Node> {
        self.all(local).next()
    }

    /// The text of the first child named `local`.
    pub fn text_of<'n>(&'n self, local: &'n str) -> Option<&'n str> {
        self.first(local).map(|child| child.text.as_str())
    }
}

/// What `<rde:deposit>` says before its objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// `type`.
    pub kind: String,
    /// `id`.
    pub id: String,
    /// `prevId`.
    pub prev_id: Option<String>,
    /// `resend` (0 when absent).
    pub resend: String,
    /// The text of `<rde:watermark>`.
    pub watermark: String,
}

/// One piece of the deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The deposit's attributes and watermark (before anything else).
    Head(Head),
    /// An object of a kind nameward restores, with the byte offset of its start.
    Object(Object, Node, u64),
    /// The header (`rdeHeader:header`).
    Header(Node),
    /// Any other content (eppParams, policy, IDN tables, NNDNs): read and bounded, not used.
    Other(Node),
    /// A key in `<rde:deletes>`: a domain or host name, a contact or registrar id.
    Deleted(Object, String),
}

/// Hands quick-xml at most [`MAX_EVENT`] bytes between two calls to `reset`.
struct Bounded<R> {
    inner: R,
    window: usize,
    total: u64,
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let count = available.len().min(out.len());
        out[..count].copy_from_slice(&available[..count]);
        self.consume(count);
        Ok(count)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.window >= MAX_EVENT {
            return Err(std::io::Error::other(format!(
                "one XML construct runs over {MAX_EVENT} bytes"
            )));
        }
        let room = MAX_EVENT - self.window;
        let available = self.inner.fill_buf()?;
        Ok(&available[..available.len().min(room)])
    }

    fn consume(&mut self, amount: usize) {
        self.window += amount;
        self.total += amount as u64;
        self.inner.consume(amount);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Before,
    InDeposit,
    InContents,
    InDeletes,
    InDelete(Option<Object>),
    After,
}

/// Reads a deposit document one [`Item`] at a time.
pub struct DepositReader<R: BufRead> {
    reader: NsReader<Bounded<R>>,
    buf: Vec<u8>,
    file: String,
    place: Place,
    head: Head,
    head_sent: bool,
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn predefined(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

enum Piece {
    Start(Node, bool),
    End,
    Text(String),
    Eof,
    Skip,
}

impl<R: BufRead> DepositReader<R> {
    /// A reader of the document `input`, called `file` in errors.
    pub fn new(input: R, file: impl Into<String>) -> Self {
        let mut reader = NsReader::from_reader(Bounded { inner: input, window: 0, total: 0 });
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        // Text is trimmed per element once whole: a run split by entity references keeps
        // the spaces around them.
        config.trim_text(false);
        DepositReader {
            reader,
            buf: Vec::new(),
            file: file.into(),
            place: Place::Before,
            head: Head::default(),
            head_sent: false,
        }
    }

    /// The file name errors carry.
    pub fn file(&self) -> &str {
        &self.file
    }

    fn error(&self, detail: impl Into<String>) -> RdeError {
        RdeError::Xml {
            file: self.file.clone(),
            at: self.reader.get_ref().total,
            detail: detail.into(),
        }
    }

    /// The next event, as a piece of the tree.
    fn piece(&mut self) -> Result<Piece, RdeError> {
        self.reader.get_mut().window = 0;
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let piece = self.piece_in(&mut buf);
        self.buf = buf;
        piece
    }

    fn piece_in(&mut self, buf: &mut Vec<u8>) -> Result<Piece, RdeError> {
        let (resolved, event) = match self.reader.read_resolved_event_into(buf) {
            Ok(pair) => pair,
            Err(error) => {
                let detail = format!("malformed XML: {error}");
                return Err(self.error(detail));
            }
        };
        let ns = match resolved {
            ResolveResult::Bound(uri) => uri.as_ref().to_owned(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(prefix) => {
                return Err(self.error(format!("namespace prefix {prefix}: is not declared")));
            }
        };
        let piece = match event {
            Event::Decl(_) | Event::Comment(_) => Piece::Skip,
            Event::DocType(_) => {
                return Err(self.error("DOCTYPE refused: a deposit carries no DTD"));
            }
            Event::PI(_) => return Err(self.error("processing instruction refused")),
            Event::Start(start) => Piece::Start(self.node(ns, &start)?, false),
            Event::Empty(start) => Piece::Start(self.node(ns, &start)?, true),
            Event::End(_) => Piece::End,
            Event::Text(text) => Piece::Text(text.xml10_content().into_owned()),
            Event::CData(data) => Piece::Text(data.xml10_content().into_owned()),
            Event::GeneralRef(reference) => {
                let c = match reference.resolve_char_ref() {
                    Ok(Some(c)) if is_xml_char(c) => c,
                    Ok(Some(c)) => {
                        return Err(
                            self.error(format!("character U+{:04X} is not allowed", u32::from(c)))
                        );
                    }
                    Ok(None) => predefined(reference.as_ref()).ok_or_else(|| {
                        self.error(format!(
                            "entity &{}; is not defined (only the five predefined ones exist)",
                            reference.as_ref().chars().take(40).collect::<String>()
                        ))
                    })?,
                    Err(error) => return Err(self.error(format!("bad reference: {error}"))),
                };
                Piece::Text(c.to_string())
            }
            Event::Eof => Piece::Eof,
        };
        Ok(piece)
    }

    fn node(&self, ns: String, start: &BytesStart<'_>) -> Result<Node, RdeError> {
        let local = start.local_name().as_ref().to_owned();
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.error(format!("bad attribute on <{local}>: {e}")))?;
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            if attrs.len() >= MAX_ATTRIBUTES {
                return Err(self.error(format!("<{local}> has over {MAX_ATTRIBUTES} attributes")));
            }
            let key = attr.key.local_name().as_ref().to_owned();
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| self.error(format!("bad attribute {key} on <{local}>: {e}")))?;
            attrs.push((key, value.into_owned()));
        }
        Ok(Node { ns, local, attrs, text: String::new(), children: Vec::new() })
    }

    /// Reads the rest of the element `root` (already started) into a tree, within the limits.
    fn subtree(&mut self, root: Node, empty: bool) -> Result<Node, RdeError> {
        if empty {
            return Ok(root);
        }
        let mut stack = vec![root];
        let mut nodes = 1_usize;
        let mut text = 0_usize;
        loop {
            match self.piece()? {
                Piece::Skip => {}
                Piece::Eof => return Err(self.error("the document ends inside an object")),
                Piece::Text(more) => {
                    text += more.len();
                    if text > MAX_OBJECT_TEXT {
                        return Err(self.error(format!(
                            "an object holds over {MAX_OBJECT_TEXT} bytes of text"
                        )));
                    }
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&more);
                    }
                }
                Piece::Start(node, empty) => {
                    nodes += 1;
                    text += node.attrs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
                    if nodes > MAX_NODES || text > MAX_OBJECT_TEXT {
                        return Err(self.error(format!(
                            "an object has over {MAX_NODES} elements or {MAX_OBJECT_TEXT} bytes"
                        )));
                    }
                    if empty {
                        if let Some(top) = stack.last_mut() {
                            top.children.push(node);
                        }
                    } else {
                        if stack.len() >= MAX_DEPTH {
                            return Err(
                                self.error(format!("an object nests over {MAX_DEPTH} levels"))
                            );
                        }
                        stack.push(node);
                    }
                }
                Piece::End => {
                    let Some(mut done) = stack.pop() else {
                        return Err(self.error("end tag closes nothing"));
                    };
                    done.text = done.text.trim().to_owned();
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
            }
        }
    }

    fn text_only(&mut self, what: &str) -> Result<String, RdeError> {
        let mut text = String::new();
        loop {
            match self.piece()? {
                Piece::Skip => {}
                Piece::Text(more) => {
                    text.push_str(&more);
                    if text.len() > MAX_EVENT {
                        return Err(self.error(format!("<{what}> is too long")));
                    }
                }
                Piece::End => return Ok(text.trim().to_owned()),
                Piece::Start(node, _) => {
                    return Err(self.error(format!(
                        "<{}> inside <{what}>, which holds text only",
                        node.local
                    )));
                }
                Piece::Eof => return Err(self.error(format!("the document ends inside <{what}>"))),
            }
        }
    }

    fn head_item(&mut self) -> Option<Item> {
        if self.head_sent {
            return None;
        }
        self.head_sent = true;
        Some(Item::Head(self.head.clone()))
    }

    /// The next item, or `None` at the end of the document.
    pub fn next_item(&mut self) -> Result<Option<Item>, RdeError> {
        loop {
            let piece = self.piece()?;
            match (self.place, piece) {
                (_, Piece::Skip) => {}
                (Place::Before, Piece::Start(node, empty)) => {
                    if node.ns != RDE || node.local != "deposit" {
                        return Err(self.error(format!(
                            "the root is <{}> in {:?}, not <deposit> in {RDE}",
                            node.local, node.ns
                        )));
                    }
                    self.head.kind = node.attr("type").unwrap_or_default().to_owned();
                    self.head.id = node.attr("id").unwrap_or_default().to_owned();
                    self.head.prev_id = node.attr("prevId").map(str::to_owned);
                    self.head.resend = node.attr("resend").unwrap_or("0").to_owned();
                    self.place = if empty { Place::After } else { Place::InDeposit };
                }
                (Place::InDeposit, Piece::Start(node, empty)) => match node.local.as_str() {
                    "watermark" if !empty => self.head.watermark = self.text_only("watermark")?,
                    "contents" | "deletes" => {
                        if !empty {
                            self.place = if node.local == "contents" {
                                Place::InContents
                            } else {
                                Place::InDeletes
                            };
                        }
                        if let Some(head) = self.head_item() {
                            return Ok(Some(head));
                        }
                    }
                    _ => {
                        self.subtree(node, empty)?;
                    }
                },
                (Place::InContents, Piece::Start(node, empty)) => {
                    let at = self.reader.get_ref().total;
                    let object =
                        Object::of_uri(&node.ns).filter(|object| object.local() == node.local);
                    let header = node.local == "header" && node.ns == super::HEADER;
                    let tree = self.subtree(node, empty)?;
                    return Ok(Some(match object {
                        Some(object) => Item::Object(object, tree, at),
                        None if header => Item::Header(tree),
                        None => Item::Other(tree),
                    }));
                }
                (Place::InDeletes, Piece::Start(node, empty)) => {
                    let object = Object::of_uri(&node.ns).filter(|_| node.local == "delete");
                    if !empty {
                        self.place = Place::InDelete(object);
                    }
                }
                (Place::InDelete(object), Piece::Start(node, empty)) => {
                    let key = if empty { String::new() } else { self.text_only(&node.local)? };
                    if let Some(object) = object {
                        return Ok(Some(Item::Deleted(object, key)));
                    }
                }
                (Place::InDelete(_), Piece::End) => self.place = Place::InDeletes,
                (Place::InDeletes | Place::InContents, Piece::End) => self.place = Place::InDeposit,
                (Place::InDeposit, Piece::End) => self.place = Place::After,
                (Place::After, Piece::Start(..)) => {
                    return Err(self.error("a second root element"));
                }
                (_, Piece::Eof) => {
                    if self.place != Place::After {
                        return Err(self.error("the document ends before </rde:deposit>"));
                    }
                    return Ok(self.head_item());
                }
                (_, Piece::Text(text)) => {
                    if !text.trim().is_empty() {
                        return Err(self.error("text outside any object"));
                    }
                }
                (Place::Before | Place::After, Piece::End) => {
                    return Err(self.error("end tag closes nothing"));
                }
            }
        }
    }
}
