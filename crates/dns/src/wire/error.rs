use std::fmt;

/// Why wire data could not be decoded, and at which octet offset of the input.
///
/// Small and `Copy` so that decoding hot paths never format or allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireError {
    /// Offset in the message (or in the standalone RDATA) where the problem was found.
    pub at: usize,
    /// What was wrong.
    pub kind: WireErrorKind,
}

/// What was wrong with wire data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireErrorKind {
    /// The data ended before a field that had to be there.
    Truncated,
    /// A compression pointer that points at itself or into a chain already followed.
    PointerLoop,
    /// A compression pointer to a later offset (only backward pointers are valid).
    ForwardPointer,
    /// A compression pointer beyond the end of the message.
    PointerOutOfBounds,
    /// A compressed name where compression is not allowed (such as HIP rendezvous servers).
    CompressionNotAllowed,
    /// A label type other than a normal label or a pointer (0x40 and 0x80 prefixes).
    BadLabelType,
    /// A name longer than 255 octets once decompressed.
    NameTooLong,
    /// A field that holds a length or count inconsistent with the data around it.
    BadLength(&'static str),
    /// A field whose value is not allowed.
    BadValue(&'static str),
    /// Octets left over after the last field of RDATA or of a message.
    TrailingData,
    /// RDATA is empty where the record type requires content (empty RDATA is for UPDATE only).
    EmptyRdata,
}

impl WireError {
    /// An error of `kind` at offset `at`.
    pub fn new(at: usize, kind: WireErrorKind) -> WireError {
        WireError { at, kind }
    }
}

impl fmt::Display for WireErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireErrorKind::Truncated => f.write_str("data ends too early"),
            WireErrorKind::PointerLoop => f.write_str("compression pointer loop"),
            WireErrorKind::ForwardPointer => f.write_str("compression pointer points forward"),
            WireErrorKind::PointerOutOfBounds => {
                f.write_str("compression pointer beyond the end of the message")
            }
            WireErrorKind::CompressionNotAllowed => {
                f.write_str("compressed name where compression is not allowed")
            }
            WireErrorKind::BadLabelType => f.write_str("unknown label type"),
            WireErrorKind::NameTooLong => f.write_str("name longer than 255 octets"),
            WireErrorKind::BadLength(what) => write!(f, "bad length: {what}"),
            WireErrorKind::BadValue(what) => write!(f, "bad value: {what}"),
            WireErrorKind::TrailingData => f.write_str("trailing data"),
            WireErrorKind::EmptyRdata => {
                f.write_str("empty RDATA (allowed only in dynamic update messages)")
            }
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.kind, self.at)
    }
}

impl std::error::Error for WireError {}
