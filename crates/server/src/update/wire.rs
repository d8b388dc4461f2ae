//! An UPDATE message in and its response out: the TSIG checked (RFC 8945 §5.2, before
//! anything else is read), the message decoded, and the response made with the zone section
//! echoed and signed with the request's key.

use nameward_dns::message::{opcode, rcode};
use nameward_dns::tsig::{self, KeyRing, TsigError, Verified};
use nameward_dns::wire::{DecodeOptions, Writer};
use nameward_dns::{Message, Question};

use super::policy::Signer;

/// An UPDATE read and authenticated, ready for the decision.
#[derive(Debug)]
pub struct Request {
    /// The message, TSIG taken off.
    pub message: Message,
    /// Who signed it.
    pub signer: Signer,
    /// The TSIG that verified, to sign the response with.
    pub verified: Option<Verified>,
}

/// What to do with an UPDATE message before the zone is looked at.
#[derive(Debug)]
pub enum Read {
    /// Decide it.
    Request(Box<Request>),
    /// Answer at once with this message.
    Answer(Vec<u8>),
    /// A response, or shorter than a header: no answer.
    Drop,
}

/// Reads `bytes`, an UPDATE (opcode 5) message, with `keys` at `now` (seconds since the
/// epoch).
pub fn read(bytes: &[u8], keys: &KeyRing, now: u64) -> Read {
    let Some(header) = bytes.get(..12) else { return Read::Drop };
    let id = u16::from_be_bytes([header[0], header[1]]);
    if header[2] & 0x80 != 0 {
        return Read::Drop;
    }
    let (unsigned, verified) = match tsig::verify_request(bytes, keys, now) {
        Ok(Some(verified)) => match tsig::split(bytes) {
            Ok(Some(split)) => (split.unsigned, Some(verified)),
            _ => return Read::Answer(response(id, None, rcode::FORMERR, None, now)),
        },
        Ok(None) => (bytes.to_vec(), None),
        Err(rejected) => {
            let code =
                if rejected.error == TsigError::Format { rcode::FORMERR } else { rcode::NOTAUTH };
            let question = Message::decode(bytes, DecodeOptions::LENIENT)
                .ok()
                .and_then(|m| m.questions.into_iter().next());
            let mut answer = response(id, question.as_ref(), code, None, now);
            tsig::error_response(&mut answer, &rejected, now);
            return Read::Answer(answer);
        }
    };
    let options = DecodeOptions { update: true, ..DecodeOptions::STRICT };
    let message = match Message::decode(&unsigned, options) {
        Ok(message) => message,
        Err(_) => return Read::Answer(response(id, None, rcode::FORMERR, verified.as_ref(), now)),
    };
    let signer = match &verified {
        Some(v) => Signer::Tsig(v.key.name().clone()),
        None => Signer::Unsigned,
    };
    Read::Request(Box::new(Request { message, signer, verified }))
}

/// The response to an UPDATE: the zone section echoed, nothing else, signed when the
/// request was.
pub fn response(
    id: u16,
    zone: Option<&Question>,
    code: u16,
    verified: Option<&Verified>,
    now: u64,
) -> Vec<u8> {
    let mut w = Writer::new();
    w.u16(id);
    w.u16(0x8000 | u16::from(opcode::UPDATE) << 11 | (code & 0xF));
    w.u16(u16::from(zone.is_some()));
    w.u16(0);
    w.u16(0);
    w.u16(0);
    if let Some(zone) = zone {
        zone.encode(&mut w);
    }
    let mut bytes = w.into_bytes();
    if let Some(verified) = verified {
        verified.sign_response(&mut bytes, now, tsig::DEFAULT_FUDGE);
    }
    bytes
}
