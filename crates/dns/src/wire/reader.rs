use super::{WireError, WireErrorKind};
use crate::name::{MAX_NAME_LEN, Name};

/// How strictly to decode what senders get wrong in practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    /// Follow compression pointers in names that must not be compressed (HIP rendezvous servers,
    /// and every name in record types defined after RFC 1035). A server decodes strictly and
    /// rejects them; a resolver may be lenient with servers that compress anyway.
    pub lenient_names: bool,
    /// Accept empty RDATA, as RFC 2136 UPDATE messages use it to delete RRsets.
    pub update: bool,
    /// The data is RDATA on its own (RFC 3597 `\#` text, a stored record), outside any message:
    /// there is nothing a compression pointer could point at, so every pointer is refused.
    pub standalone: bool,
}

impl DecodeOptions {
    /// The server's decoder: compressed names only where RFC 1035 allows them.
    pub const STRICT: DecodeOptions =
        DecodeOptions { lenient_names: false, update: false, standalone: false };
    /// The resolver's decoder: follows compression pointers wherever they are.
    pub const LENIENT: DecodeOptions =
        DecodeOptions { lenient_names: true, update: false, standalone: false };
    /// RDATA outside a message: no compression pointers anywhere.
    pub const STANDALONE: DecodeOptions =
        DecodeOptions { lenient_names: false, update: false, standalone: true };
}

/// Whether a name being read may use compression pointers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointers {
    /// RFC 1035 names (owners, questions, NS, CNAME, SOA, PTR, MX): pointers are normal.
    Allowed,
    /// Names that must be sent uncompressed: pointers are refused unless decoding leniently.
    Refused,
}

/// A bounds-checked cursor over a message, limited to a window (such as one RDATA) but able to
/// follow compression pointers anywhere before it in the message.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    message: &'a [u8],
    pos: usize,
    end: usize,
    options: DecodeOptions,
}

impl<'a> Reader<'a> {
    /// A reader over the whole of `message`.
    pub fn new(message: &'a [u8], options: DecodeOptions) -> Reader<'a> {
        Reader { message, pos: 0, end: message.len(), options }
    }

    /// The decoding options in force.
    pub fn options(&self) -> DecodeOptions {
        self.options
    }

    /// Current offset in the message.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Octets left in the window.
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// True when the window is used up.
    pub fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// An error of `kind` at the current position.
    pub fn error(&self, kind: WireErrorKind) -> WireError {
        WireError::new(self.pos, kind)
    }

    /// A reader over the next `len` octets (an RDATA window); this reader skips past them.
    pub fn split_window(&mut self, len: usize) -> Result<Reader<'a>, WireError> {
        if len > self.remaining() {
            return Err(self.error(WireErrorKind::Truncated));
        }
        let window = Reader {
            message: self.message,
            pos: self.pos,
            end: self.pos + len,
            options: self.options,
        };
        self.pos += len;
        Ok(window)
    }

    /// Fails unless the window has been read to its end.
    pub fn finish(&self) -> Result<(), WireError> {
        if self.is_empty() { Ok(()) } else { Err(self.error(WireErrorKind::TrailingData)) }
    }

    /// Reads `len` octets.
    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        if len > self.remaining() {
            return Err(self.error(WireErrorKind::Truncated));
        }
        let out = &self.message[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }

    /// Reads everything left in the window.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.message[self.pos..self.end];
        self.pos = self.end;
        out
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Reads one octet.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a 16-bit integer in network order.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a 32-bit integer in network order.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a character-string: a length octet and that many octets.
    pub fn char_string(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.u8()? as usize;
        self.bytes(len)
    }

    /// Reads a name that may be compressed (RFC 1035 types).
    pub fn name(&mut self) -> Result<Name, WireError> {
        self.name_with(Pointers::Allowed)
    }

    /// Reads a name that must not be compressed; pointers are followed only when decoding
    /// leniently.
    pub fn uncompressed_name(&mut self) -> Result<Name, WireError> {
        self.name_with(Pointers::Refused)
    }

    /// Reads a name, following compression pointers as `pointers` and the options allow.
    ///
    /// Every pointer must point strictly before the previous one, so that no chain can loop,
    /// and the decompressed name may not exceed 255 octets.
    pub fn name_with(&mut self, pointers: Pointers) -> Result<Name, WireError> {
        let mut wire = [0u8; MAX_NAME_LEN];
        let len = self.read_name(pointers, Some(&mut wire))?;
        let at = self.pos;
        Name::from_wire(&wire[..len]).map_err(|_| WireError::new(at, WireErrorKind::NameTooLong))
    }

    /// Steps over a name with the checks of [`Self::name_with`], copying nothing; returns the
    /// length of the name decompressed. For readers on a hot path that look at a name where it
    /// stands and make a [`Name`] only when they need one: the name is in place, uncompressed,
    /// exactly when the reader moved by that length.
    pub fn skip_name(&mut self, pointers: Pointers) -> Result<usize, WireError> {
        self.read_name(pointers, None)
    }

    /// Reads a name into `wire` when given (decompressed, case kept); returns its length.
    fn read_name(
        &mut self,
        pointers: Pointers,
        mut wire: Option<&mut [u8; MAX_NAME_LEN]>,
    ) -> Result<usize, WireError> {
        let follow = !self.options.standalone
            && (pointers == Pointers::Allowed || self.options.lenient_names);
        let mut len = 0usize;
        // Where reading resumes in the window once the name is done.
        let mut resume: Option<usize> = None;
        let mut at = self.pos;
        // Limit for the current segment: the window for the name's own bytes, then the whole
        // message once a pointer has been followed.
        let mut limit = self.end;
        loop {
            let Some(&octet) = self.message.get(at).filter(|_| at < limit) else {
                return Err(WireError::new(at, WireErrorKind::Truncated));
            };
            match octet & 0xC0 {
                0x00 => {
                    let label_len = octet as usize;
                    if len + label_len + 1 > MAX_NAME_LEN {
                        return Err(WireError::new(at, WireErrorKind::NameTooLong));
                    }
                    if at + 1 + label_len > limit {
                        return Err(WireError::new(at, WireErrorKind::Truncated));
                    }
                    if let Some(wire) = wire.as_deref_mut() {
                        wire[len..len + 1 + label_len]
                            .copy_from_slice(&self.message[at..at + 1 + label_len]);
                    }
                    len += 1 + label_len;
                    at += 1 + label_len;
                    if label_len == 0 {
                        break;
                    }
                }
                0xC0 => {
                    if !follow {
                        return Err(WireError::new(at, WireErrorKind::CompressionNotAllowed));
                    }
                    if at + 2 > limit {
                        return Err(WireError::new(at, WireErrorKind::Truncated));
                    }
                    let target =
                        usize::from(u16::from_be_bytes([octet & 0x3F, self.message[at + 1]]));
                    if target >= self.message.len() {
                        return Err(WireError::new(at, WireErrorKind::PointerOutOfBounds));
                    }
                    // Each pointer must lead strictly backward, so a chain cannot loop. A pointer
                    // that leads forward from inside a chain heads back to where it came from.
                    if target == at || (target > at && resume.is_some()) {
                        return Err(WireError::new(at, WireErrorKind::PointerLoop));
                    }
                    if target > at {
                        return Err(WireError::new(at, WireErrorKind::ForwardPointer));
                    }
                    resume.get_or_insert(at + 2);
                    limit = at;
                    at = target;
                }
                _ => return Err(WireError::new(at, WireErrorKind::BadLabelType)),
            }
        }
        self.pos = resume.unwrap_or(at);
        Ok(len)
    }
}
