//! Safe XML for EPP: a bounded reader that refuses DTDs and resolves namespaces, and a small
//! escaping writer for the documents the server sends.
//!
//! The reader builds a compact tree because EPP frames are small (the transport caps them) and
//! every command is read whole; the limits below bound the tree whatever the input.

pub(crate) mod read;
pub(crate) mod write;

pub(crate) use read::Ns;
pub use read::XmlError;
pub(crate) use read::{Document, El};
pub(crate) use write::{Obj, Writer};

/// Deepest element nesting accepted; the deepest EPP command (a secDNS keyData inside dsData
/// inside an update extension) is 7 levels.
pub const MAX_DEPTH: usize = 32;
/// Most elements in one document; generous for a check of many names, small enough that a
/// frame of `<a/>` repeated cannot build a large tree.
pub const MAX_ELEMENTS: usize = 5_000;
/// Longest text content of one element, in bytes.
pub const MAX_TEXT: usize = 64 * 1024;
/// Longest attribute value, in bytes.
pub const MAX_ATTRIBUTE: usize = 1024;
/// Most attributes on one element (namespace declarations included).
pub const MAX_ATTRIBUTES: usize = 32;
/// Longest element or attribute name, prefix included, in bytes.
pub const MAX_NAME: usize = 128;
/// Largest document accepted, in bytes; above what the transport lets through.
pub const MAX_DOCUMENT: usize = 4 * 1024 * 1024;
