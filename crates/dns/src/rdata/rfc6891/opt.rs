use std::fmt;

use crate::rdata::{RecordType, write_generic};
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, WireErrorKind, WireMode, Writer};

/// One EDNS option (RFC 6891 §6.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EdnsOption {
    /// Option code.
    pub code: u16,
    /// Option data, at most 65535 octets.
    pub data: Vec<u8>,
}

/// The RDATA of the OPT pseudo-record (RFC 6891 §6.1.2): EDNS options in the order sent.
///
/// Wire format: zero or more `option code (u16) | option length (u16) | option data`.
///
/// OPT has no presentation form of its own: it lives only in messages, where
/// [`crate::message::Edns`] carries it. Its text is the RFC 3597 generic form, which is all
/// that is read and printed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Opt {
    /// The options, in order, repeats allowed.
    pub options: Vec<EdnsOption>,
}

/// Writes EDNS options in wire form; callers keep each option's data within 65535 octets.
pub fn encode_options(options: &[EdnsOption], w: &mut Writer) {
    for option in options {
        w.u16(option.code);
        w.u16(option.data.len() as u16);
        w.bytes(&option.data);
    }
}

impl RecordType for Opt {
    const RTYPE: Rtype = Rtype::OPT;

    fn decode(r: &mut Reader<'_>) -> Result<Opt, WireError> {
        let mut options = Vec::new();
        while !r.is_empty() {
            let at = r.position();
            let code = r.u16()?;
            let len = usize::from(r.u16()?);
            if len > r.remaining() {
                return Err(WireError::new(
                    at,
                    WireErrorKind::BadLength("EDNS option overruns the OPT RDATA"),
                ));
            }
            options.push(EdnsOption { code, data: r.bytes(len)?.to_vec() });
        }
        Ok(Opt { options })
    }

    fn encode(&self, w: &mut Writer) {
        encode_options(&self.options, w);
    }

    fn parse_text(_: &mut Tokens<'_>) -> Result<Opt, TextError> {
        Err(TextError::record(
            "OPT is a pseudo-record that carries EDNS in messages (RFC 6891 §6.1.1) and does not \
             belong in zone files; only its RFC 3597 form (\\# length hex) is read",
        ))
    }
}

impl fmt::Display for Opt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut w = Writer::with_mode(WireMode::Uncompressed);
        self.encode(&mut w);
        write_generic(f, w.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::RecordData;
    use crate::rdata::testing::{rejects, round_trip};

    #[test]
    fn generic_form_round_trips() {
        // An 8-octet client cookie (RFC 7873, option 10) and an empty NSID request (option 3).
        round_trip(
            Rtype::OPT,
            "\\# 16 000A0008 0102030405060708 00030000",
            "\\# 16 000a0008010203040506070800030000",
            "000a0008 0102030405060708 0003 0000",
        );
        round_trip(Rtype::OPT, "\\# 0", "\\# 0", "");
    }

    #[test]
    fn refuses_presentation_form() {
        rejects(Rtype::OPT, "10 0102030405060708", "does not belong in zone files");
        rejects(Rtype::OPT, "", "does not belong in zone files");
    }

    #[test]
    fn refuses_options_that_overrun() {
        for bad in ["000a", "000a00", "000a0001", "000a000201"] {
            let bytes = data_encoding::HEXLOWER.decode(bad.as_bytes()).unwrap();
            assert!(RecordData::from_wire(Rtype::OPT, &bytes).is_err(), "{bad}");
        }
    }
}
