//! TSIG (RFC 8945) with HMAC-SHA256 and HMAC-SHA512: signing and verifying single messages and
//! multi-message transfer streams.
//!
//! Pure: the time is always an argument (seconds since the epoch), never read from a clock.
//! MACs are compared in constant time (`hmac`'s `verify_slice` / `verify_truncated_left`).
//!
//! What is signed (RFC 8945 §4.3): for a request, the message (as it was before the TSIG record
//! was added: original ID, ARCOUNT without the TSIG) followed by the TSIG variables; for a
//! response, the request MAC (length-prefixed) comes first; for the second and later messages
//! of a stream (§5.3.1), the prior MAC, the messages since the last TSIG and only the timers
//! (time signed and fudge).

use std::fmt;

use crate::text::decode_base64;
use crate::wire::{DecodeOptions, Reader, WireError};
use crate::{Class, Name, Rtype};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

/// TSIG error codes (RFC 8945 §3, the TSIG record's Error field).
#[allow(missing_docs)]
pub mod error {
    pub const NOERROR: u16 = 0;
    pub const BADSIG: u16 = 16;
    pub const BADKEY: u16 = 17;
    pub const BADTIME: u16 = 18;
    pub const BADTRUNC: u16 = 22;
}

/// Default fudge: five minutes either way (RFC 8945 §10).
pub const DEFAULT_FUDGE: u16 = 300;

/// A stream verifier accepts at most this many unsigned messages in a row (RFC 8945 §5.3.1).
pub const MAX_UNSIGNED_RUN: usize = 99;

/// A MAC algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `hmac-sha256.`
    HmacSha256,
    /// `hmac-sha512.`
    HmacSha512,
}

impl Algorithm {
    /// The algorithm's name in presentation form (RFC 8945 §6).
    pub fn mnemonic(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The algorithm's domain name, as carried in the TSIG record.
    pub fn name(self) -> Name {
        let label = self.mnemonic().as_bytes();
        Name::from_labels([label]).unwrap_or_else(|_| Name::root())
    }

    /// The algorithm a name (any case, with or without the final dot) stands for.
    pub fn from_mnemonic(text: &str) -> Option<Algorithm> {
        let text = text.strip_suffix('.').unwrap_or(text);
        [Algorithm::HmacSha256, Algorithm::HmacSha512]
            .into_iter()
            .find(|a| a.mnemonic().eq_ignore_ascii_case(text))
    }

    fn from_name(name: &Name) -> Option<Algorithm> {
        [Algorithm::HmacSha256, Algorithm::HmacSha512].into_iter().find(|a| a.name() == *name)
    }

    /// Length of a full MAC.
    pub fn mac_len(self) -> usize {
        match self {
            Algorithm::HmacSha256 => 32,
            Algorithm::HmacSha512 => 64,
        }
    }

    /// Shortest truncated MAC accepted: half the output and at least 10 octets (§5.2.2.1).
    fn min_mac_len(self) -> usize {
        (self.mac_len() / 2).max(10)
    }
}

/// A shared secret. The name is kept in canonical (lower-case) form; the secret is never
/// printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    name: Name,
    algorithm: Algorithm,
    secret: Vec<u8>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({} {})", self.name, self.algorithm.mnemonic())
    }
}

impl Key {
    /// A key from its raw secret.
    pub fn new(name: &Name, algorithm: Algorithm, secret: Vec<u8>) -> Key {
        Key { name: name.to_lowercase(), algorithm, secret }
    }

    /// A key from its base64 secret, as written in BIND, Knot and NSD configurations.
    pub fn from_base64(name: &Name, algorithm: Algorithm, secret: &str) -> Result<Key, String> {
        let secret = decode_base64(secret.trim().as_bytes())
            .map_err(|e| format!("TSIG key {name}: secret is {e}"))?;
        if secret.is_empty() {
            return Err(format!("TSIG key {name}: the secret is empty"));
        }
        Ok(Key::new(name, algorithm, secret))
    }

    /// The key's name, lower-cased.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn hmac(&self) -> Hasher {
        match self.algorithm {
            Algorithm::HmacSha256 => {
                Hmac::<Sha256>::new_from_slice(&self.secret).map_or(Hasher::Invalid, Hasher::Sha256)
            }
            Algorithm::HmacSha512 => {
                Hmac::<Sha512>::new_from_slice(&self.secret).map_or(Hasher::Invalid, Hasher::Sha512)
            }
        }
    }
}

/// The keys a server knows, found by name and algorithm.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl KeyRing {
    /// An empty ring.
    pub fn new() -> KeyRing {
        KeyRing::default()
    }

    /// Adds a key, replacing one of the same name.
    pub fn insert(&mut self, key: Key) {
        self.keys.retain(|k| k.name != key.name);
        self.keys.push(key);
    }

    /// The key of this name (any case).
    pub fn get(&self, name: &Name) -> Option<&Key> {
        self.keys.iter().find(|k| k.name == *name)
    }
}

enum Hasher {
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
    /// HMAC takes keys of any length, so this is never made; it verifies nothing.
    Invalid,
}

impl Hasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
            Hasher::Invalid => {}
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().into_bytes().to_vec(),
            Hasher::Sha512(h) => h.finalize().into_bytes().to_vec(),
            Hasher::Invalid => Vec::new(),
        }
    }

    /// Constant-time comparison with a full or left-truncated MAC.
    fn verify(self, mac: &[u8], full_len: usize) -> bool {
        let truncated = mac.len() < full_len;
        match (self, truncated) {
            (Hasher::Sha256(h), false) => h.verify_slice(mac).is_ok(),
            (Hasher::Sha256(h), true) => h.verify_truncated_left(mac).is_ok(),
            (Hasher::Sha512(h), false) => h.verify_slice(mac).is_ok(),
            (Hasher::Sha512(h), true) => h.verify_truncated_left(mac).is_ok(),
            (Hasher::Invalid, _) => false,
        }
    }
}

/// The fields of a TSIG record (RFC 8945 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsigRecord {
    /// The key's name (the record's owner).
    pub key_name: Name,
    /// The algorithm's name.
    pub algorithm: Name,
    /// Seconds since the epoch, 48 bits.
    pub time_signed: u64,
    /// Seconds of error permitted in `time_signed`.
    pub fudge: u16,
    /// The MAC (empty in unsigned error responses).
    pub mac: Vec<u8>,
    /// The message ID before any forwarder changed it.
    pub original_id: u16,
    /// A TSIG error code ([`error`]).
    pub error: u16,
    /// Other data: the server's time in a BADTIME response.
    pub other: Vec<u8>,
}

const TIME_MASK: u64 = 0xFFFF_FFFF_FFFF;

impl TsigRecord {
    /// The variables of §4.3.3: everything but the MAC and the original ID, names lower-cased.
    fn variables(&self, out: &mut Vec<u8>) {
        out.extend(self.key_name.as_wire().iter().map(u8::to_ascii_lowercase));
        out.extend_from_slice(&Class::ANY.0.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend(self.algorithm.as_wire().iter().map(u8::to_ascii_lowercase));
        self.timers(out);
        out.extend_from_slice(&self.error.to_be_bytes());
        out.extend_from_slice(&len16(self.other.len()).to_be_bytes());
        out.extend_from_slice(&self.other);
    }

    fn timers(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.time_signed & TIME_MASK).to_be_bytes()[2..]);
        out.extend_from_slice(&self.fudge.to_be_bytes());
    }

    /// Appends the record in wire form, names uncompressed.
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.key_name.as_wire());
        out.extend_from_slice(&Rtype::TSIG.0.to_be_bytes());
        out.extend_from_slice(&Class::ANY.0.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&len16(self.rdata_len()).to_be_bytes());
        out.extend_from_slice(self.algorithm.as_wire());
        self.timers(out);
        out.extend_from_slice(&len16(self.mac.len()).to_be_bytes());
        out.extend_from_slice(&self.mac);
        out.extend_from_slice(&self.original_id.to_be_bytes());
        out.extend_from_slice(&self.error.to_be_bytes());
        out.extend_from_slice(&len16(self.other.len()).to_be_bytes());
        out.extend_from_slice(&self.other);
    }

    fn rdata_len(&self) -> usize {
        self.algorithm.wire_len() + 6 + 2 + 2 + self.mac.len() + 2 + 2 + 2 + self.other.len()
    }

    /// Size of the whole record in wire form.
    pub fn wire_len(&self) -> usize {
        self.key_name.wire_len() + 10 + self.rdata_len()
    }

    fn decode(r: &mut Reader<'_>, key_name: Name) -> Result<TsigRecord, WireError> {
        let algorithm = r.uncompressed_name()?;
        let time = r.array::<6>()?;
        let time_signed = time.iter().fold(0u64, |t, &b| t << 8 | u64::from(b));
        let fudge = r.u16()?;
        let mac_len = usize::from(r.u16()?);
        let mac = r.bytes(mac_len)?.to_vec();
        let original_id = r.u16()?;
        let error = r.u16()?;
        let other_len = usize::from(r.u16()?);
        let other = r.bytes(other_len)?.to_vec();
        r.finish()?;
        Ok(TsigRecord { key_name, algorithm, time_signed, fudge, mac, original_id, error, other })
    }
}

fn len16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// Why a signed message was not accepted. BADKEY, BADSIG and BADTIME are answered with the matching
/// TSIG error response ([`error_response`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsigError {
    /// The TSIG record is malformed, not the last record, or not alone: FORMERR.
    Format,
    /// Unknown key or algorithm (BADKEY).
    BadKey,
    /// The MAC does not verify (BADSIG).
    BadSig,
    /// The time signed is outside the fudge (BADTIME).
    BadTime,
    /// A response carried a TSIG error from the peer (the code is in the field).
    Peer(u16),
    /// A stream went on too long without a TSIG, or ended unsigned.
    Unsigned,
}

impl TsigError {
    /// The TSIG error code sent back, if any.
    pub fn code(self) -> Option<u16> {
        match self {
            TsigError::BadKey => Some(error::BADKEY),
            TsigError::BadSig => Some(error::BADSIG),
            TsigError::BadTime => Some(error::BADTIME),
            TsigError::Format | TsigError::Peer(_) | TsigError::Unsigned => None,
        }
    }
}

impl fmt::Display for TsigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TsigError::Format => f.write_str("malformed or misplaced TSIG record"),
            TsigError::BadKey => f.write_str("TSIG key or algorithm unknown (BADKEY)"),
            TsigError::BadSig => f.write_str("TSIG MAC does not verify (BADSIG)"),
            TsigError::BadTime => f.write_str("TSIG time outside the fudge (BADTIME)"),
            TsigError::Peer(code) => write!(f, "the peer answered with TSIG error {code}"),
            TsigError::Unsigned => f.write_str("too many unsigned messages in a signed stream"),
        }
    }
}

impl std::error::Error for TsigError {}

/// A message split at its TSIG record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The message as it was signed: TSIG removed, ARCOUNT decremented, ID = original ID.
    pub unsigned: Vec<u8>,
    /// The TSIG record.
    pub tsig: TsigRecord,
}

/// Finds the TSIG record of `message`. `Ok(None)`: the message is not signed. A TSIG record
/// anywhere but last in the additional section is a format error (RFC 8945 §5.1).
pub fn split(message: &[u8]) -> Result<Option<Split>, TsigError> {
    let mut r = Reader::new(message, DecodeOptions::LENIENT);
    let fail = |_| TsigError::Format;
    r.bytes(4).map_err(fail)?;
    let counts = [r.u16(), r.u16(), r.u16(), r.u16()].map(|c| c.map_err(fail));
    let [qd, an, ns, ar] = counts;
    let (qd, an, ns, ar) = (qd?, an?, ns?, ar?);
    for _ in 0..qd {
        r.name().map_err(fail)?;
        r.bytes(4).map_err(fail)?;
    }
    let total = u32::from(an) + u32::from(ns) + u32::from(ar);
    let mut found = None;
    for index in 0..total {
        let start = r.position();
        let owner = r.name().map_err(fail)?;
        let rtype = Rtype(r.u16().map_err(fail)?);
        let class = Class(r.u16().map_err(fail)?);
        r.u32().map_err(fail)?;
        let rdlength = usize::from(r.u16().map_err(fail)?);
        let mut window = r.split_window(rdlength).map_err(fail)?;
        if rtype != Rtype::TSIG {
            continue;
        }
        if index + 1 != total || ar == 0 || class != Class::ANY {
            return Err(TsigError::Format);
        }
        found = Some((start, TsigRecord::decode(&mut window, owner).map_err(fail)?));
    }
    r.finish().map_err(fail)?;
    let Some((start, tsig)) = found else { return Ok(None) };
    let mut unsigned = message.get(..start).ok_or(TsigError::Format)?.to_vec();
    patch(&mut unsigned, 0, tsig.original_id);
    patch(&mut unsigned, 10, ar - 1);
    Ok(Some(Split { unsigned, tsig }))
}

fn patch(message: &mut [u8], at: usize, value: u16) {
    if let Some(slot) = message.get_mut(at..at + 2) {
        slot.copy_from_slice(&value.to_be_bytes());
    }
}

fn read_u16(message: &[u8], at: usize) -> u16 {
    match message.get(at..at + 2) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

/// What a MAC covers besides the message: the full variables or only the timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Covered {
    Variables,
    Timers,
}

fn compute(
    key: &Key,
    prior: Option<&[u8]>,
    messages: &[u8],
    tsig: &TsigRecord,
    covered: Covered,
) -> Hasher {
    let mut h = key.hmac();
    if let Some(prior) = prior {
        h.update(&len16(prior.len()).to_be_bytes());
        h.update(prior);
    }
    h.update(messages);
    let mut vars = Vec::with_capacity(64);
    match covered {
        Covered::Variables => tsig.variables(&mut vars),
        Covered::Timers => tsig.timers(&mut vars),
    }
    h.update(&vars);
    h
}

/// How to sign one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignParams<'a> {
    /// Seconds since the epoch.
    pub now: u64,
    /// Permitted clock error.
    pub fudge: u16,
    /// The request's MAC when signing a response, or the prior MAC in a stream.
    pub prior_mac: Option<&'a [u8]>,
    /// TSIG error code to send.
    pub error: u16,
    /// Other data (the server's time in a BADTIME response).
    pub other: Vec<u8>,
}

impl SignParams<'_> {
    /// Signing a request at `now` with the default fudge.
    pub fn request(now: u64) -> SignParams<'static> {
        SignParams { now, fudge: DEFAULT_FUDGE, prior_mac: None, error: 0, other: Vec::new() }
    }
}

/// Signs `message` in place: appends the TSIG record and counts it in ARCOUNT. Returns the
/// MAC, which the response (or the next message of a stream) is chained to.
pub fn sign(message: &mut Vec<u8>, key: &Key, params: &SignParams<'_>) -> Vec<u8> {
    sign_covering(message, key, params, Covered::Variables)
}

fn sign_covering(
    message: &mut Vec<u8>,
    key: &Key,
    params: &SignParams<'_>,
    covered: Covered,
) -> Vec<u8> {
    let mut tsig = TsigRecord {
        key_name: key.name.clone(),
        algorithm: key.algorithm.name(),
        time_signed: params.now & TIME_MASK,
        fudge: params.fudge,
        mac: Vec::new(),
        original_id: read_u16(message, 0),
        error: params.error,
        other: params.other.clone(),
    };
    tsig.mac = compute(key, params.prior_mac, message, &tsig, covered).finalize();
    append(message, &tsig);
    tsig.mac
}

fn append(message: &mut Vec<u8>, tsig: &TsigRecord) {
    let arcount = read_u16(message, 10);
    patch(message, 10, arcount.saturating_add(1));
    tsig.encode(message);
}

/// A message whose TSIG verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The key that signed it.
    pub key: Key,
    /// Its TSIG record (the MAC to chain a response to is `tsig.mac`).
    pub tsig: TsigRecord,
}

impl Verified {
    /// Signs the one response to this request, its MAC chained to the request's (RFC 8945 §5.3).
    pub fn sign_response(&self, response: &mut Vec<u8>, now: u64, fudge: u16) {
        let params =
            SignParams { now, fudge, prior_mac: Some(&self.tsig.mac), error: 0, other: Vec::new() };
        sign(response, &self.key, &params);
    }
}

/// A signed request that was refused: what [`error_response`] needs to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Why.
    pub error: TsigError,
    /// The request's TSIG record, when there was a readable one.
    pub tsig: Option<TsigRecord>,
    /// The key, when it was known (a BADTIME response is signed with it).
    pub key: Option<Key>,
}

/// Verifies a signed request in the order of RFC 8945 §5.2: key, MAC (with truncation), time.
/// `Ok(None)` when the message carries no TSIG.
pub fn verify_request(
    message: &[u8],
    keys: &KeyRing,
    now: u64,
) -> Result<Option<Verified>, Box<Rejected>> {
    let reject = |error, tsig: Option<&TsigRecord>, key: Option<&Key>| {
        Box::new(Rejected { error, tsig: tsig.cloned(), key: key.cloned() })
    };
    let Some(Split { unsigned, tsig }) = split(message).map_err(|e| reject(e, None, None))? else {
        return Ok(None);
    };
    let key = keys
        .get(&tsig.key_name)
        .filter(|k| Algorithm::from_name(&tsig.algorithm) == Some(k.algorithm));
    let Some(key) = key else { return Err(reject(TsigError::BadKey, Some(&tsig), None)) };
    check_mac(key, None, &unsigned, &tsig, Covered::Variables)
        .map_err(|e| reject(e, Some(&tsig), Some(key)))?;
    check_time(&tsig, now).map_err(|e| reject(e, Some(&tsig), Some(key)))?;
    Ok(Some(Verified { key: key.clone(), tsig }))
}

fn check_mac(
    key: &Key,
    prior: Option<&[u8]>,
    signed: &[u8],
    tsig: &TsigRecord,
    covered: Covered,
) -> Result<(), TsigError> {
    let full = key.algorithm.mac_len();
    if tsig.mac.len() > full {
        return Err(TsigError::Format);
    }
    // Below max(10, half the output) is BADSIG (§5.2.2.1); our policy accepts every truncation
    // above that, so BADTRUNC is never sent.
    if tsig.mac.len() < key.algorithm.min_mac_len() {
        return Err(TsigError::BadSig);
    }
    if !compute(key, prior, signed, tsig, covered).verify(&tsig.mac, full) {
        return Err(TsigError::BadSig);
    }
    Ok(())
}

fn check_time(tsig: &TsigRecord, now: u64) -> Result<(), TsigError> {
    if (now & TIME_MASK).abs_diff(tsig.time_signed) > u64::from(tsig.fudge) {
        return Err(TsigError::BadTime);
    }
    Ok(())
}

/// The TSIG error response to a rejected request (RFC 8945 §5.3.2): `response` is the
/// response already built (typically header and question with RCODE NOTAUTH). BADKEY and
/// BADSIG get an unsigned TSIG carrying the error; BADTIME is signed with the key, chained
/// to the request MAC, keeps the request's time signed and carries our time in other data.
/// A format error gets no TSIG at all.
pub fn error_response(response: &mut Vec<u8>, rejected: &Rejected, now: u64) {
    let Some(request) = &rejected.tsig else { return };
    let Some(code) = rejected.error.code() else { return };
    match (&rejected.key, rejected.error) {
        (Some(key), TsigError::BadTime) => {
            let params = SignParams {
                now: request.time_signed,
                fudge: request.fudge,
                prior_mac: Some(&request.mac),
                error: code,
                other: (now & TIME_MASK).to_be_bytes()[2..].to_vec(),
            };
            sign(response, key, &params);
        }
        _ => {
            let tsig = TsigRecord {
                key_name: request.key_name.clone(),
                algorithm: request.algorithm.clone(),
                time_signed: now & TIME_MASK,
                fudge: request.fudge,
                mac: Vec::new(),
                original_id: read_u16(response, 0),
                error: code,
                other: Vec::new(),
            };
            append(response, &tsig);
        }
    }
}

/// Signs the messages of a multi-message response (RFC 8945 §5.3.1). Every message is signed:
/// the first chained to the request MAC with the full variables, the next ones to the prior
/// MAC with the timers only.
#[derive(Debug, Clone)]
pub struct StreamSigner {
    key: Key,
    prior: Vec<u8>,
    first: bool,
    now: u64,
    fudge: u16,
}

impl StreamSigner {
    /// A signer answering a request verified with `key` whose MAC is `request_mac`.
    pub fn new(key: Key, request_mac: Vec<u8>, now: u64, fudge: u16) -> StreamSigner {
        StreamSigner { key, prior: request_mac, first: true, now, fudge }
    }

    /// Octets the TSIG record adds to each message.
    pub fn overhead(&self) -> usize {
        self.key.name.wire_len()
            + 10
            + self.key.algorithm.name().wire_len()
            + 16
            + self.key.algorithm.mac_len()
    }

    /// Signs the next message in place.
    pub fn sign(&mut self, message: &mut Vec<u8>) {
        let covered = if self.first { Covered::Variables } else { Covered::Timers };
        let params = SignParams {
            now: self.now,
            fudge: self.fudge,
            prior_mac: Some(&self.prior),
            error: 0,
            other: Vec::new(),
        };
        self.prior = sign_covering(message, &self.key, &params, covered);
        self.first = false;
    }
}

/// Verifies the messages of a signed multi-message response, as a secondary does: the first
/// and last must be signed, and at most [`MAX_UNSIGNED_RUN`] unsigned messages may come in a
/// row (RFC 8945 §5.3.1).
#[derive(Debug, Clone)]
pub struct StreamVerifier {
    key: Key,
    prior: Vec<u8>,
    first: bool,
    /// Unsigned messages since the last TSIG, concatenated.
    pending: Vec<u8>,
    pending_count: usize,
    now: u64,
}

impl StreamVerifier {
    /// A verifier for the response to a request signed with `key` whose MAC was `request_mac`.
    pub fn new(key: Key, request_mac: Vec<u8>, now: u64) -> StreamVerifier {
        StreamVerifier {
            key,
            prior: request_mac,
            first: true,
            pending: Vec::new(),
            pending_count: 0,
            now,
        }
    }

    /// Verifies the next message. Returns whether it carried a TSIG.
    pub fn next(&mut self, message: &[u8]) -> Result<bool, TsigError> {
        let Some(Split { unsigned, tsig }) = split(message)? else {
            if self.first || self.pending_count >= MAX_UNSIGNED_RUN {
                return Err(TsigError::Unsigned);
            }
            self.pending.extend_from_slice(message);
            self.pending_count += 1;
            return Ok(false);
        };
        if tsig.key_name != self.key.name
            || Algorithm::from_name(&tsig.algorithm) != Some(self.key.algorithm)
        {
            return Err(TsigError::BadKey);
        }
        if tsig.error != error::NOERROR {
            return Err(TsigError::Peer(tsig.error));
        }
        self.pending.extend_from_slice(&unsigned);
        let covered = if self.first { Covered::Variables } else { Covered::Timers };
        check_mac(&self.key, Some(&self.prior), &self.pending, &tsig, covered)?;
        check_time(&tsig, self.now)?;
        self.prior = tsig.mac;
        self.pending.clear();
        self.pending_count = 0;
        self.first = false;
        Ok(true)
    }

    /// Checks that the stream ended on a signed message.
    pub fn finish(&self) -> Result<(), TsigError> {
        if self.first || self.pending_count > 0 {
            return Err(TsigError::Unsigned);
        }
        Ok(())
    }
}

/// Verifies a single signed response to a request whose MAC was `request_mac` (a NOTIFY
/// acknowledgement, for instance).
pub fn verify_response(
    message: &[u8],
    key: &Key,
    request_mac: &[u8],
    now: u64,
) -> Result<TsigRecord, TsigError> {
    let mut v = StreamVerifier::new(key.clone(), request_mac.to_vec(), now);
    let Some(Split { tsig, .. }) = split(message)? else { return Err(TsigError::Unsigned) };
    v.next(message)?;
    Ok(tsig)
}
