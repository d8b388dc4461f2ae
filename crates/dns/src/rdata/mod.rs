//! Record data: one file per type, grouped by the RFC that defined it, and one list that makes
//! the [`RecordData`] enum and its dispatch. A new type costs one file and one line below.

use std::fmt;

use crate::rtype::Rtype;
use crate::text::{TextError, Token, Tokens, write_hex};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

pub mod hip;
#[cfg(test)]
mod props;
pub mod rfc1035;
pub mod rfc1183;
pub mod rfc1876;
pub mod rfc2230;
pub mod rfc2782;
pub mod rfc3403;
pub mod rfc3596;
pub mod rfc4025;
pub mod rfc4034;
pub mod rfc4255;
pub mod rfc4398;
pub mod rfc4701;
pub mod rfc5155;
pub mod rfc6672;
pub mod rfc6698;
pub mod rfc6891;
pub mod rfc7043;
pub mod rfc7208;
pub mod rfc7553;
pub mod rfc7929;
pub mod rfc8659;
pub mod rfc8976;
pub mod rfc9460;

pub use hip::Hip;
pub use rfc1183::{Afsdb, Rp};
pub use rfc1876::Loc;
pub use rfc2230::Kx;
pub use rfc2782::Srv;
pub use rfc3403::Naptr;
pub use rfc3596::Aaaa;
pub use rfc4025::Ipseckey;
pub use rfc4034::{Cdnskey, Cds, Dnskey, Ds};
pub use rfc4255::Sshfp;
pub use rfc4398::Cert;
pub use rfc4701::Dhcid;
pub use rfc6672::Dname;
pub use rfc6698::{Smimea, Tlsa};
pub use rfc7043::{Eui48, Eui64};
pub use rfc7208::Spf;
pub use rfc7553::Uri;
pub use rfc7929::Openpgpkey;
pub use rfc8659::Caa;
pub use rfc8976::Zonemd;

/// What every record type provides: wire decoding and encoding, presentation parsing and
/// printing (through [`fmt::Display`]).
pub trait RecordType: Sized + Clone + PartialEq + Eq + fmt::Debug + fmt::Display {
    /// The type code.
    const RTYPE: Rtype;

    /// Decodes RDATA from `r`, a window exactly as long as RDLENGTH. Reading must use the
    /// whole window; the caller checks that it did.
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError>;

    /// Encodes RDATA, names as the writer's mode requires.
    fn encode(&self, w: &mut Writer);

    /// Parses presentation form from the RDATA tokens of one record; must use them all.
    fn parse_text(t: &mut Tokens<'_>) -> Result<Self, TextError>;
}

/// RDATA of a type nameward has no structure for, kept as opaque octets (RFC 3597).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The record type.
    pub rtype: Rtype,
    /// The RDATA octets.
    pub data: Vec<u8>,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_generic(f, &self.data)
    }
}

/// Writes RDATA in the RFC 3597 generic form, `\# len hex`.
pub fn write_generic(f: &mut impl fmt::Write, data: &[u8]) -> fmt::Result {
    write!(f, "\\# {}", data.len())?;
    if !data.is_empty() {
        f.write_char(' ')?;
        write_hex(f, data)?;
    }
    Ok(())
}

/// Parses the RFC 3597 generic form after its `\#` token: a length and hex octets.
fn parse_generic(t: &mut Tokens<'_>) -> Result<Vec<u8>, TextError> {
    let len: u16 = t.int("RDATA length after \\#")?;
    if len == 0 {
        t.finish()?;
        return Ok(Vec::new());
    }
    let at = t.position();
    let data = t.hex_rest("RDATA hex after \\# length")?;
    if data.len() != usize::from(len) {
        return Err(TextError::at(
            at,
            format!("\\# says {len} octets but the hex holds {}", data.len()),
        ));
    }
    Ok(data)
}

fn is_generic_marker(token: Option<Token<'_>>) -> bool {
    matches!(token, Some(Token { text: b"\\#", quoted: false }))
}

macro_rules! rdata_types {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) ),* $(,)?) => {
        /// The RDATA of one record, typed where nameward knows the type.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum RecordData {
            $( $(#[$doc])* $variant($ty), )*
            /// A type without a structure here, as opaque octets.
            Unknown(Unknown),
            /// Empty RDATA, which only RFC 2136 UPDATE messages carry (to delete RRsets).
            Empty(Rtype),
        }

        impl RecordData {
            /// The record type.
            pub fn rtype(&self) -> Rtype {
                match self {
                    $( RecordData::$variant(_) => <$ty as RecordType>::RTYPE, )*
                    RecordData::Unknown(u) => u.rtype,
                    RecordData::Empty(rtype) => *rtype,
                }
            }

            /// True when nameward parses and prints this type's presentation form.
            pub fn is_known_type(rtype: Rtype) -> bool {
                $( rtype == <$ty as RecordType>::RTYPE || )* false
            }

            /// Encodes the RDATA (without RDLENGTH).
            pub fn encode(&self, w: &mut Writer) {
                match self {
                    $( RecordData::$variant(data) => data.encode(w), )*
                    RecordData::Unknown(u) => w.bytes(&u.data),
                    RecordData::Empty(_) => {}
                }
            }

            fn decode_typed(rtype: Rtype, r: &mut Reader<'_>) -> Result<RecordData, WireError> {
                $( if rtype == <$ty as RecordType>::RTYPE {
                    return <$ty as RecordType>::decode(r).map(RecordData::$variant);
                } )*
                Ok(RecordData::Unknown(Unknown { rtype, data: r.rest().to_vec() }))
            }

            fn parse_typed(rtype: Rtype, t: &mut Tokens<'_>) -> Result<RecordData, TextError> {
                $( if rtype == <$ty as RecordType>::RTYPE {
                    return <$ty as RecordType>::parse_text(t).map(RecordData::$variant);
                } )*
                Err(TextError::record(format!(
                    "no presentation format is known here for type {rtype}; write its RDATA in \
                     RFC 3597 form (\\# length hex)"
                )))
            }
        }

        impl fmt::Display for RecordData {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( RecordData::$variant(data) => data.fmt(f), )*
                    RecordData::Unknown(u) => u.fmt(f),
                    RecordData::Empty(_) => f.write_str("\\# 0"),
                }
            }
        }
    };
}

rdata_types! {
    /// IPv4 address (RFC 1035).
    A(rfc1035::A),
    /// Authoritative name server (RFC 1035).
    Ns(rfc1035::Ns),
    /// Canonical name (RFC 1035).
    Cname(rfc1035::Cname),
    /// Start of authority (RFC 1035).
    Soa(rfc1035::Soa),
    /// Domain name pointer (RFC 1035).
    Ptr(rfc1035::Ptr),
    /// Mail exchange (RFC 1035).
    Mx(rfc1035::Mx),
    /// Text strings (RFC 1035).
    Txt(rfc1035::Txt),
    /// Host Identity Protocol (RFC 5205, RFC 8005).
    Hip(Hip),
    /// IPv6 address (RFC 3596).
    Aaaa(Aaaa),
    /// Redirection of a subtree (RFC 6672).
    Dname(Dname),
    /// Service location (RFC 2782).
    Srv(Srv),
    /// Naming authority pointer (RFC 3403).
    Naptr(Naptr),
    /// Certification authority authorization (RFC 8659).
    Caa(Caa),
    /// SSH host key fingerprint (RFC 4255).
    Sshfp(Sshfp),
    /// TLS certificate association (RFC 6698).
    Tlsa(Tlsa),
    /// S/MIME certificate association (RFC 8162).
    Smimea(Smimea),
    /// Delegation signer (RFC 4034).
    Ds(Ds),
    /// Child delegation signer (RFC 7344).
    Cds(Cds),
    /// DNSSEC public key (RFC 4034).
    Dnskey(Dnskey),
    /// Child DNSSEC public key (RFC 7344).
    Cdnskey(Cdnskey),
    /// Host information (RFC 1035).
    Hinfo(rfc1035::Hinfo),
    /// Responsible person (RFC 1183).
    Rp(Rp),
    /// AFS database server (RFC 1183).
    Afsdb(Afsdb),
    /// DNSSEC signature (RFC 4034).
    Rrsig(rfc4034::Rrsig),
    /// Next secure record (RFC 4034).
    Nsec(rfc4034::Nsec),
    /// Hashed next secure record (RFC 5155).
    Nsec3(rfc5155::Nsec3),
    /// NSEC3 parameters (RFC 5155).
    Nsec3param(rfc5155::Nsec3param),
    /// EDNS options, the RDATA of the OPT pseudo-record (RFC 6891).
    Opt(rfc6891::Opt),
    /// General service binding (RFC 9460).
    Svcb(rfc9460::Svcb),
    /// Service binding for HTTP (RFC 9460).
    Https(rfc9460::Https),
    /// Sender Policy Framework, TXT's layout (RFC 7208).
    Spf(Spf),
    /// Service URI (RFC 7553).
    Uri(Uri),
    /// Geographical location (RFC 1876).
    Loc(Loc),
    /// IPsec keying material (RFC 4025).
    Ipseckey(Ipseckey),
    /// OpenPGP public key (RFC 7929).
    Openpgpkey(Openpgpkey),
    /// Message digest of a zone (RFC 8976).
    Zonemd(Zonemd),
    /// Certificate or revocation list (RFC 4398).
    Cert(Cert),
    /// DHCP client identity (RFC 4701).
    Dhcid(Dhcid),
    /// Key exchanger (RFC 2230).
    Kx(Kx),
    /// 48-bit extended unique identifier (RFC 7043).
    Eui48(Eui48),
    /// 64-bit extended unique identifier (RFC 7043).
    Eui64(Eui64),
}

impl RecordData {
    /// Decodes RDATA of `rtype` from `r`, a window of exactly RDLENGTH octets.
    ///
    /// Empty RDATA is refused unless the reader decodes an UPDATE message; types that are
    /// empty by nature (such as OPT without options, or unknown types) are always accepted.
    pub fn decode(rtype: Rtype, r: &mut Reader<'_>) -> Result<RecordData, WireError> {
        if r.is_empty() && !Self::may_be_empty(rtype) {
            if r.options().update {
                return Ok(RecordData::Empty(rtype));
            }
            return Err(r.error(WireErrorKind::EmptyRdata));
        }
        let data = Self::decode_typed(rtype, r)?;
        r.finish()?;
        Ok(data)
    }

    /// Decodes standalone RDATA (not inside a message, so no compression pointer can resolve).
    pub fn from_wire(rtype: Rtype, rdata: &[u8]) -> Result<RecordData, WireError> {
        let mut r = Reader::new(rdata, crate::wire::DecodeOptions::STANDALONE);
        Self::decode(rtype, &mut r)
    }

    /// The RDATA in wire form, nothing compressed.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut w = Writer::with_mode(crate::wire::WireMode::Uncompressed);
        self.encode(&mut w);
        w.into_bytes()
    }

    /// Parses presentation-form RDATA of `rtype`, in the type's own form or the RFC 3597
    /// generic form (`\# len hex`), which is then validated exactly as wire data would be.
    pub fn parse_text(rtype: Rtype, t: &mut Tokens<'_>) -> Result<RecordData, TextError> {
        if is_generic_marker(t.peek()) {
            let at = t.position();
            t.next("\\#")?;
            let data = parse_generic(t)?;
            return Self::from_wire(rtype, &data).map_err(|e| {
                TextError::at(at, format!("RDATA in \\# form is not valid for type {rtype}: {e}"))
            });
        }
        if !Self::is_known_type(rtype) && t.is_empty() {
            return Err(TextError::record(format!("missing RDATA for type {rtype}")));
        }
        let data = Self::parse_typed(rtype, t)?;
        t.finish()?;
        Ok(data)
    }

    /// Types whose RDATA may be empty outside UPDATE.
    fn may_be_empty(rtype: Rtype) -> bool {
        rtype == Rtype::OPT || rtype == Rtype::APL || !Self::is_known_type(rtype)
    }

    /// Prints the RDATA in RFC 3597 generic form, whatever the type.
    pub fn generic(&self) -> GenericRdata<'_> {
        GenericRdata(self)
    }
}

/// Displays RDATA as `\# len hex`; made by [`RecordData::generic`].
pub struct GenericRdata<'a>(&'a RecordData);

impl fmt::Display for GenericRdata<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_generic(f, &self.0.to_wire())
    }
}

/// Helpers shared by the per-type tests: wire and text round trips.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::name::Name;

    /// Splits simple presentation text into tokens (no quotes with spaces inside).
    pub fn parse(rtype: Rtype, text: &str) -> Result<RecordData, TextError> {
        let origin = Name::parse("example.", None).map_err(|e| TextError::record(e.to_string()))?;
        let tokens = crate::zone::tokenize_rdata(text.as_bytes());
        let mut t = Tokens::new(&tokens, Some(&origin));
        RecordData::parse_text(rtype, &mut t)
    }

    /// Checks text → data → text and → wire → data, and that the wire form equals `wire_hex`.
    pub fn round_trip(rtype: Rtype, text: &str, canonical_text: &str, wire_hex: &str) {
        let data = parse(rtype, text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(data.to_string(), canonical_text);
        let wire = data.to_wire();
        assert_eq!(data_encoding::HEXLOWER.encode(&wire), wire_hex.replace(' ', ""));
        assert_eq!(RecordData::from_wire(rtype, &wire).as_ref(), Ok(&data));
        assert_eq!(parse(rtype, canonical_text).as_ref(), Ok(&data));
        let generic = data.generic().to_string();
        assert_eq!(parse(rtype, &generic).as_ref(), Ok(&data), "generic form {generic}");
    }

    /// When `wire` decodes as `rtype`, it is the only wire form of that data (it encodes back
    /// to the same octets) and the printed text reads back to the same data.
    pub fn wire_is_canonical(rtype: Rtype, wire: &[u8]) {
        if let Ok(data) = RecordData::from_wire(rtype, wire) {
            assert_eq!(data.to_wire(), wire, "{data}");
            let text = data.to_string();
            assert_eq!(parse(rtype, &text).as_ref(), Ok(&data), "{text}");
        }
    }

    /// The text must be refused, with a message containing `needle`.
    pub fn rejects(rtype: Rtype, text: &str, needle: &str) {
        match parse(rtype, text) {
            Ok(data) => panic!("{text} was accepted as {data}"),
            Err(e) => {
                assert!(e.message.contains(needle), "{text}: `{}` lacks `{needle}`", e.message)
            }
        }
    }
}
