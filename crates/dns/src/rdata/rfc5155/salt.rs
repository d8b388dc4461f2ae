//! The salt field of NSEC3 and NSEC3PARAM: a length octet and up to 255 octets, written as
//! hexadecimal or `-` when empty (RFC 5155 §3.3).

use std::fmt;

use crate::text::{TextError, Tokens, decode_hex, write_hex};
use crate::wire::{Reader, WireError, Writer};

pub(super) fn decode(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let len = r.u8()?;
    Ok(r.bytes(usize::from(len))?.to_vec())
}

pub(super) fn encode(salt: &[u8], w: &mut Writer) {
    w.u8(salt.len() as u8);
    w.bytes(salt);
}

pub(super) fn parse(t: &mut Tokens<'_>) -> Result<Vec<u8>, TextError> {
    let token = t.next("NSEC3 salt (hexadecimal or -)")?;
    if token.text == b"-" {
        return Ok(Vec::new());
    }
    let salt = decode_hex(token.text)
        .map_err(|m| t.error_here(format!("bad NSEC3 salt: {m}; write `-` for no salt")))?;
    if salt.is_empty() || salt.len() > 255 {
        return Err(t.error_here("NSEC3 salt must be 1 to 255 octets, or `-` for none"));
    }
    Ok(salt)
}

pub(super) fn write(f: &mut fmt::Formatter<'_>, salt: &[u8]) -> fmt::Result {
    if salt.is_empty() { f.write_str("-") } else { write_hex(f, salt) }
}
