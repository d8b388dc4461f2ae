use crate::name::Name;

/// What the bytes are for, which decides how names are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireMode {
    /// A DNS message: names of RFC 1035 types are compressed.
    #[default]
    Message,
    /// Standalone RDATA or anything else without compression: names as they are.
    Uncompressed,
    /// RFC 4034 §6.2 canonical form for DNSSEC: nothing compressed, names of the listed types
    /// lower-cased.
    Canonical,
}

/// A position in a [`Writer`] to roll back to, such as the start of a record that did not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    len: usize,
    names: usize,
}

/// Most names remembered for compression; bounds the cost of writing one name.
const MAX_COMPRESSION_TARGETS: usize = 128;
/// Compression pointers carry 14 bits of offset.
const MAX_POINTER_TARGET: usize = 0x3FFF;

/// Builds wire data, compressing names against those already written.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    buf: Vec<u8>,
    mode: WireMode,
    /// Offsets where a name (or the suffix of one) was written uncompressed.
    targets: Vec<u16>,
}

impl Writer {
    /// An empty writer for a message.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// An empty writer in `mode`.
    pub fn with_mode(mode: WireMode) -> Writer {
        Writer { mode, ..Writer::default() }
    }

    /// The mode in force.
    pub fn mode(&self) -> WireMode {
        self.mode
    }

    /// Octets written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes written, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Empties the writer for reuse, keeping its allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.targets.clear();
    }

    /// The current position, to roll back to.
    pub fn mark(&self) -> Mark {
        Mark { len: self.buf.len(), names: self.targets.len() }
    }

    /// Forgets everything written since `mark`, compression targets included.
    pub fn rollback(&mut self, mark: Mark) {
        self.buf.truncate(mark.len);
        self.targets.truncate(mark.names);
    }

    /// Writes one octet.
    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    /// Writes a 16-bit integer in network order.
    pub fn u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes a 32-bit integer in network order.
    pub fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Writes octets as they are.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Overwrites a 16-bit integer written earlier (such as an RDLENGTH or a count).
    pub fn patch_u16(&mut self, at: usize, value: u16) {
        if let Some(slot) = self.buf.get_mut(at..at + 2) {
            slot.copy_from_slice(&value.to_be_bytes());
        }
    }

    /// Writes a character-string; callers guarantee at most 255 octets.
    pub fn char_string(&mut self, text: &[u8]) {
        let len = text.len().min(255);
        self.buf.push(len as u8);
        self.buf.extend_from_slice(&text[..len]);
    }

    /// Writes a name of an RFC 1035 type (owner, question, NS, CNAME, SOA, PTR, MX):
    /// compressed in a message, lower-cased in canonical form.
    pub fn compressible_name(&mut self, name: &Name) {
        match self.mode {
            WireMode::Message => self.compressed_name(name),
            WireMode::Uncompressed => self.plain_name(name),
            WireMode::Canonical => self.lowercase_name(name),
        }
    }

    /// Writes a name listed in RFC 4034 §6.2 (as amended by RFC 6840) that must not be
    /// compressed: as it is in a message, lower-cased in canonical form.
    pub fn canonical_name(&mut self, name: &Name) {
        match self.mode {
            WireMode::Message | WireMode::Uncompressed => self.plain_name(name),
            WireMode::Canonical => self.lowercase_name(name),
        }
    }

    /// Writes a name exactly as it is, never compressed nor lower-cased (HIP rendezvous servers,
    /// NSEC next names, SVCB targets).
    pub fn plain_name(&mut self, name: &Name) {
        self.buf.extend_from_slice(name.as_wire());
    }

    fn lowercase_name(&mut self, name: &Name) {
        self.buf.extend(name.as_wire().iter().map(u8::to_ascii_lowercase));
    }

    fn compressed_name(&mut self, name: &Name) {
        let wire = name.as_wire();
        let start = self.buf.len();
        // Find the longest suffix already written; the labels before it are written out.
        let mut prefix_len = 0usize;
        let mut pointer = None;
        while wire[prefix_len] != 0 {
            if let Some(target) = self.find_target(&wire[prefix_len..]) {
                pointer = Some(target);
                break;
            }
            prefix_len += wire[prefix_len] as usize + 1;
        }
        self.buf.extend_from_slice(&wire[..prefix_len]);
        match pointer {
            Some(target) => self.u16(0xC000 | target),
            None => self.buf.push(0),
        }
        let mut label = 0usize;
        while label < prefix_len {
            let offset = start + label;
            if offset > MAX_POINTER_TARGET || self.targets.len() >= MAX_COMPRESSION_TARGETS {
                break;
            }
            self.targets.push(offset as u16);
            label += wire[label] as usize + 1;
        }
    }

    /// Finds an earlier name equal to `suffix` (uncompressed wire form, case-insensitive).
    fn find_target(&self, suffix: &[u8]) -> Option<u16> {
        self.targets.iter().copied().find(|&target| self.name_at_equals(target as usize, suffix))
    }

    /// Compares the (possibly compressed) name written at `at` with `wire`.
    fn name_at_equals(&self, mut at: usize, wire: &[u8]) -> bool {
        let mut i = 0usize;
        // Pointers we wrote always lead backward, so this terminates; the bound is a safeguard.
        for _ in 0..MAX_POINTER_TARGET {
            let Some(&len) = self.buf.get(at) else { return false };
            if len & 0xC0 == 0xC0 {
                let Some(&low) = self.buf.get(at + 1) else { return false };
                at = usize::from(u16::from_be_bytes([len & 0x3F, low]));
                continue;
            }
            let len = len as usize;
            let (Some(mine), Some(theirs)) =
                (self.buf.get(at..at + 1 + len), wire.get(i..i + 1 + len))
            else {
                return false;
            };
            if !mine.eq_ignore_ascii_case(theirs) {
                return false;
            }
            if len == 0 {
                return true;
            }
            at += 1 + len;
            i += 1 + len;
        }
        false
    }
}
