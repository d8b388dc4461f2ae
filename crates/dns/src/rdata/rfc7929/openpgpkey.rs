use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, write_base64};
use crate::wire::{Reader, WireError, Writer};

/// An OpenPGP transferable public key (RFC 7929 §2).
///
/// Wire format: the key (the whole RDATA, at least one octet). In text it is base64, which may
/// be split across tokens; it is printed as one token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Openpgpkey {
    /// The key in RFC 4880 §11.1 form, uninterpreted.
    pub key: Vec<u8>,
}

impl RecordType for Openpgpkey {
    const RTYPE: Rtype = Rtype::OPENPGPKEY;

    fn decode(r: &mut Reader<'_>) -> Result<Openpgpkey, WireError> {
        // The caller refuses empty RDATA outside UPDATE, so the key has at least one octet.
        Ok(Openpgpkey { key: r.rest().to_vec() })
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.key);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Openpgpkey, TextError> {
        let key = t.base64_rest("OPENPGPKEY key (base64)")?;
        if key.len() > usize::from(u16::MAX) {
            return Err(TextError::record("OPENPGPKEY key is longer than 65535 octets"));
        }
        Ok(Openpgpkey { key })
    }
}

impl fmt::Display for Openpgpkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_base64(f, &self.key)
    }
}

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(Rtype::OPENPGPKEY, "AQID BAU=", "AQIDBAU=", "0102030405");
        round_trip(Rtype::OPENPGPKEY, "mQ==", "mQ==", "99");
    }

    #[test]
    fn rejects_bad_keys() {
        rejects(Rtype::OPENPGPKEY, "", "missing OPENPGPKEY key");
        rejects(Rtype::OPENPGPKEY, "AQI", "bad OPENPGPKEY key");
        rejects(Rtype::OPENPGPKEY, "\\# 0", "not valid for type OPENPGPKEY");
    }
}
