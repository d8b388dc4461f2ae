//! The bounded reader: quick-xml events into a flat tree of elements.

use std::fmt;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{
    MAX_ATTRIBUTE, MAX_ATTRIBUTES, MAX_DEPTH, MAX_DOCUMENT, MAX_ELEMENTS, MAX_NAME, MAX_TEXT,
};
use crate::types::Namespace;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Why a document was refused before its content was looked at: not well-formed, not UTF-8, a
/// DTD, or over one of the limits. Every such refusal is an EPP 2001 (command syntax error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub(crate) String);

/// The namespace an element or attribute name resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace (unprefixed attributes, elements outside any default namespace).
    None,
    /// One of the EPP namespaces nameward knows.
    Known(Namespace),
    /// XML Schema instance attributes (`xsi:schemaLocation`), which clients send and EPP ignores.
    Xsi,
    /// Anything else, kept so that errors can name it.
    Other(Box<str>),
}

impl Ns {
    fn from_uri(uri: &str) -> Ns {
        if let Some(known) = Namespace::from_uri(uri) {
            Ns::Known(known)
        } else if uri == XSI {
            Ns::Xsi
        } else {
            Ns::Other(uri.into())
        }
    }
}

#[derive(Debug)]
struct Attr {
    ns: Ns,
    local: Box<str>,
    value: String,
}

/// Stands in for an element that cannot be missing, rather than a panic.
static LOST: Node = Node {
    ns: Ns::None,
    local: String::new(),
    attrs: Vec::new(),
    text: String::new(),
    children: Vec::new(),
    parent: None,
};

#[derive(Debug)]
struct Node {
    ns: Ns,
    local: String,
    attrs: Vec<Attr>,
    text: String,
    children: Vec<usize>,
    parent: Option<usize>,
}

/// A parsed document: the elements in document order, the first being the root.
#[derive(Debug)]
pub struct Document {
    nodes: Vec<Node>,
}

/// One element of a [`Document`].
#[derive(Clone, Copy)]
pub struct El<'d> {
    doc: &'d Document,
    id: usize,
}

impl fmt::Debug for El<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "El({})", self.path())
    }
}

impl Document {
    /// Reads a whole document, refusing anything outside the safe subset EPP needs.
    pub fn parse(input: &[u8]) -> Result<Document, XmlError> {
        if input.len() > MAX_DOCUMENT {
            return Err(XmlError(format!(
                "document of {} bytes is over the limit of {MAX_DOCUMENT}",
                input.len()
            )));
        }
        let text = std::str::from_utf8(input).map_err(|e| {
            XmlError(format!("not UTF-8 at byte {}; EPP is UTF-8 only", e.valid_up_to()))
        })?;
        if let Some((at, c)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
            return Err(XmlError(format!(
                "character U+{:04X} at byte {at} is not allowed in XML",
                u32::from(c)
            )));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Builder::default().run(text)
    }

    /// The root element.
    pub fn root(&self) -> El<'_> {
        El { doc: self, id: 0 }
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    stack: Vec<usize>,
    seen_root: bool,
    seen_anything: bool,
}

impl Builder {
    fn run(mut self, text: &str) -> Result<Document, XmlError> {
        let mut reader = NsReader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.trim_text(false);
        loop {
            let at = reader.buffer_position();
            let (ns, event) = match reader.read_resolved_event() {
                Ok((resolved, event)) => (resolve(resolved, &event, at)?, event),
                Err(e) => return Err(XmlError(format!("malformed XML at byte {at}: {e}"))),
            };
            match event {
                Event::Decl(decl) => {
                    if self.seen_anything {
                        return Err(XmlError(format!(
                            "XML declaration at byte {at} is not at the start"
                        )));
                    }
                    check_decl(&decl)?;
                }
                Event::DocType(_) => {
                    return Err(XmlError(format!(
                        "DOCTYPE at byte {at} refused: EPP documents carry no DTD"
                    )));
                }
                Event::PI(_) => {
                    return Err(XmlError(format!("processing instruction at byte {at} refused")));
                }
                Event::Comment(_) => {}
                Event::Start(start) | Event::Empty(start) => {
                    self.start(&reader, ns, &start, at)?;
                }
                Event::End(_) => self.end(at)?,
                Event::Text(t) => self.text(&t.xml10_content(), at)?,
                Event::CData(c) => self.text(&c.xml10_content(), at)?,
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c,
                        Ok(Some(c)) => {
                            return Err(XmlError(format!(
                                "character reference to U+{:04X} at byte {at} is not allowed \
                                 in XML",
                                u32::from(c)
                            )));
                        }
                        Ok(None) => predefined_entity(&r).ok_or_else(|| {
                            XmlError(format!(
                                "entity &{}; at byte {at} is not defined (EPP documents carry \
                                 no DTD, so only the five predefined entities exist)",
                                truncate(&r)
                            ))
                        })?,
                        Err(e) => {
                            return Err(XmlError(format!("bad reference at byte {at}: {e}")));
                        }
                    };
                    self.text(c.encode_utf8(&mut [0; 4]), at)?;
                }
                Event::Eof => break,
            }
            self.seen_anything = true;
        }
        if !self.stack.is_empty() {
            return Err(XmlError("document ends inside an element".into()));
        }
        if !self.seen_root {
            return Err(XmlError("document has no root element".into()));
        }
        Ok(Document { nodes: self.nodes })
    }

    fn start(
        &mut self,
        reader: &NsReader<&[u8]>,
        ns: Ns,
        start: &BytesStart<'_>,
        at: u64,
    ) -> Result<(), XmlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(XmlError(format!(
                "element at byte {at} nests deeper than {MAX_DEPTH} levels"
            )));
        }
        if self.nodes.len() >= MAX_ELEMENTS {
            return Err(XmlError(format!("more than {MAX_ELEMENTS} elements")));
        }
        let parent = self.stack.last().copied();
        if parent.is_none() && self.seen_root {
            return Err(XmlError(format!("second root element at byte {at}")));
        }
        let qname = start.name();
        if qname.as_ref().len() > MAX_NAME {
            return Err(XmlError(format!(
                "element name at byte {at} is longer than {MAX_NAME} bytes"
            )));
        }
        let local_name = start.local_name();
        let local = local_name.as_ref();
        let mut attrs = Vec::new();
        for (count, attr) in start.attributes().enumerate() {
            let attr = attr.map_err(|e| XmlError(format!("bad attribute at byte {at}: {e}")))?;
            if count >= MAX_ATTRIBUTES {
                return Err(XmlError(format!(
                    "element <{local}> at byte {at} has more than {MAX_ATTRIBUTES} attributes"
                )));
            }
            if attr.key.as_ref().len() > MAX_NAME {
                return Err(XmlError(format!(
                    "attribute name at byte {at} is longer than {MAX_NAME} bytes"
                )));
            }
            // XML 1.0 §3.1 [10]: `<` is never literal in an attribute value.
            if attr.value.contains('<') {
                return Err(XmlError(format!(
                    "attribute value at byte {at} contains '<', which XML allows only as &lt;"
                )));
            }
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            let (resolved, attr_local) = reader.resolver().resolve_attribute(attr.key);
            let attr_ns = match resolved {
                ResolveResult::Unbound => Ns::None,
                ResolveResult::Bound(uri) => Ns::from_uri(uri.as_ref()),
                ResolveResult::Unknown(prefix) => {
                    return Err(XmlError(format!(
                        "attribute prefix {}: at byte {at} is not declared",
                        truncate(&prefix)
                    )));
                }
            };
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| XmlError(format!("bad attribute value at byte {at}: {e}")))?;
            // The limit is on the value, not on how it was written: what the writer escapes
            // (`>` as `&gt;`) must read back, and the raw text is bounded by the document.
            if value.len() > MAX_ATTRIBUTE {
                return Err(XmlError(format!(
                    "attribute value at byte {at} is longer than {MAX_ATTRIBUTE} bytes"
                )));
            }
            if let Some(c) = value.chars().find(|&c| !is_xml_char(c)) {
                return Err(XmlError(format!(
                    "attribute value at byte {at} refers to U+{:04X}, not allowed in XML",
                    u32::from(c)
                )));
            }
            attrs.push(Attr {
                ns: attr_ns,
                local: attr_local.as_ref().into(),
                value: value.into_owned(),
            });
        }
        let id = self.nodes.len();
        if let Some(parent) = parent {
            let parent = self.node_mut(parent)?;
            if !parent.text.trim().is_empty() {
                return Err(XmlError(format!(
                    "element <{local}> at byte {at} follows text: mixed content is not EPP"
                )));
            }
            parent.text.clear();
            parent.children.push(id);
        }
        self.nodes.push(Node {
            ns,
            local: local.to_owned(),
            attrs,
            text: String::new(),
            children: Vec::new(),
            parent,
        });
        self.stack.push(id);
        self.seen_root = true;
        Ok(())
    }

    fn end(&mut self, at: u64) -> Result<(), XmlError> {
        let Some(id) = self.stack.pop() else {
            return Err(XmlError(format!("end tag at byte {at} closes nothing")));
        };
        let node = self.node_mut(id)?;
        if !node.children.is_empty() {
            if !node.text.trim().is_empty() {
                return Err(XmlError(format!(
                    "<{}> mixes text with elements: mixed content is not EPP",
                    node.local
                )));
            }
            node.text.clear();
        }
        Ok(())
    }

    fn text(&mut self, text: &str, at: u64) -> Result<(), XmlError> {
        let Some(&id) = self.stack.last() else {
            if text.trim().is_empty() {
                return Ok(());
            }
            return Err(XmlError(format!("text outside the root element at byte {at}")));
        };
        let node = self.node_mut(id)?;
        if node.text.len() + text.len() > MAX_TEXT {
            return Err(XmlError(format!(
                "text of <{}> is longer than {MAX_TEXT} bytes",
                node.local
            )));
        }
        if !node.children.is_empty() && !text.trim().is_empty() {
            return Err(XmlError(format!(
                "text at byte {at} inside <{}> follows an element: mixed content is not EPP",
                node.local
            )));
        }
        node.text.push_str(text);
        Ok(())
    }

    fn node_mut(&mut self, id: usize) -> Result<&mut Node, XmlError> {
        self.nodes.get_mut(id).ok_or_else(|| XmlError("internal: element index lost".into()))
    }
}

fn resolve(resolved: ResolveResult<'_>, event: &Event<'_>, at: u64) -> Result<Ns, XmlError> {
    if !matches!(event, Event::Start(_) | Event::Empty(_)) {
        return Ok(Ns::None);
    }
    match resolved {
        ResolveResult::Unbound => Ok(Ns::None),
        ResolveResult::Bound(uri) => Ok(Ns::from_uri(uri.as_ref())),
        ResolveResult::Unknown(prefix) => Err(XmlError(format!(
            "element prefix {}: at byte {at} is not declared",
            truncate(&prefix)
        ))),
    }
}

fn check_decl(decl: &quick_xml::events::BytesDecl<'_>) -> Result<(), XmlError> {
    let version = decl.version().map_err(|e| XmlError(format!("bad XML declaration: {e}")))?;
    if version != "1.0" {
        return Err(XmlError(format!("XML version {} refused; EPP uses 1.0", truncate(&version))));
    }
    if let Some(encoding) = decl.encoding() {
        let encoding = encoding.map_err(|e| XmlError(format!("bad XML declaration: {e}")))?;
        if !encoding.eq_ignore_ascii_case("utf-8") {
            return Err(XmlError(format!(
                "encoding {} refused; EPP is UTF-8 only",
                truncate(&encoding)
            )));
        }
    }
    Ok(())
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// At most 40 characters of attacker-chosen text in an error message.
pub(crate) fn truncate(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() { format!("{short}...") } else { short }
}

impl<'d> El<'d> {
    fn node(&self) -> &'d Node {
        // Ids come only from the document's own child lists, so the lookup always succeeds;
        // the fallback keeps this panic-free all the same.
        self.doc.nodes.get(self.id).unwrap_or(&LOST)
    }

    pub(crate) fn ns(&self) -> &'d Ns {
        &self.node().ns
    }

    /// The local name (without prefix).
    pub fn local(&self) -> &'d str {
        &self.node().local
    }

    /// True when the element has this namespace and local name.
    pub(crate) fn is(&self, ns: Namespace, local: &str) -> bool {
        self.node().ns == Ns::Known(ns) && &*self.node().local == local
    }

    /// The element's text, unescaped but otherwise as written.
    pub fn text(&self) -> &'d str {
        &self.node().text
    }

    /// The children, in document order.
    pub fn children(&self) -> impl Iterator<Item = El<'d>> + use<'d> {
        let doc = self.doc;
        self.node().children.iter().map(move |&id| El { doc, id })
    }

    /// An unqualified attribute's value.
    pub fn attr(&self, local: &str) -> Option<&'d str> {
        self.node()
            .attrs
            .iter()
            .find(|a| a.ns == Ns::None && &*a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The first attribute that is neither one of `allowed` (unqualified) nor an `xsi:` one.
    pub(crate) fn unexpected_attr(&self, allowed: &[&str]) -> Option<String> {
        self.node()
            .attrs
            .iter()
            .find(|a| match a.ns {
                Ns::None => !allowed.contains(&&*a.local),
                Ns::Xsi => false,
                _ => true,
            })
            .map(|a| display_name(&a.ns, &a.local))
    }

    /// The element's name with the conventional prefix of its namespace, e.g. `domain:name`.
    pub fn display_name(&self) -> String {
        display_name(self.ns(), self.local())
    }

    /// The path from the root, e.g. `/epp/command/create/domain:create/domain:period`.
    pub fn path(&self) -> String {
        let mut names = Vec::new();
        let mut id = Some(self.id);
        while let Some(current) = id {
            let Some(node) = self.doc.nodes.get(current) else { break };
            names.push(display_name(&node.ns, &node.local));
            id = node.parent;
        }
        let mut path = String::new();
        for name in names.iter().rev() {
            path.push('/');
            path.push_str(name);
        }
        path
    }
}

fn display_name(ns: &Ns, local: &str) -> String {
    let local = truncate(local);
    match ns {
        Ns::None | Ns::Known(Namespace::Epp) => local,
        Ns::Known(known) => format!("{}:{local}", known.prefix()),
        Ns::Xsi => format!("xsi:{local}"),
        Ns::Other(uri) => format!("{{{}}}{local}", truncate(uri)),
    }
}
