use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rdata::rfc4034::algorithm::parse_algorithm;
use crate::rdata::rfc4034::{parse_sig_time, write_sig_time};
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy, write_base64};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};
use crate::zone::parse_ttl;

/// A signature over an RRset (RFC 4034 §3).
///
/// Wire format:
///
/// ```text
/// type covered (u16) | algorithm (u8) | labels (u8) | original TTL (u32) |
/// signature expiration (u32) | signature inception (u32) | key tag (u16) |
/// signer's name (uncompressed) | signature
/// ```
///
/// The signer's name is lower-cased in canonical form (RFC 4034 §6.2) and a strict decoder
/// refuses it compressed. The signature may not be empty.
///
/// Presentation form: the algorithm may be a mnemonic (`RSASHA256`) and is printed as a number;
/// the original TTL may use units (`1d`); times may be `YYYYMMDDHHmmSS` or seconds since 1970 and
/// are printed as `YYYYMMDDHHmmSS`; the base64 signature may be split across tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rrsig {
    /// The type of the RRset signed.
    pub type_covered: Rtype,
    /// The DNSSEC algorithm number.
    pub algorithm: u8,
    /// Labels in the original owner name, not counting the root or a leading `*`.
    pub labels: u8,
    /// The TTL of the RRset as it is in the zone.
    pub original_ttl: u32,
    /// End of validity, seconds since 1970 in serial number arithmetic.
    pub expiration: u32,
    /// Start of validity, seconds since 1970 in serial number arithmetic.
    pub inception: u32,
    /// Key tag of the DNSKEY that verifies the signature.
    pub key_tag: u16,
    /// The zone that signed.
    pub signer: Name,
    /// The signature, in the algorithm's format.
    pub signature: Vec<u8>,
}

impl RecordType for Rrsig {
    const RTYPE: Rtype = Rtype::RRSIG;

    fn decode(r: &mut Reader<'_>) -> Result<Rrsig, WireError> {
        let type_covered = Rtype(r.u16()?);
        let algorithm = r.u8()?;
        let labels = r.u8()?;
        let original_ttl = r.u32()?;
        let expiration = r.u32()?;
        let inception = r.u32()?;
        let key_tag = r.u16()?;
        let signer = r.uncompressed_name()?;
        if r.is_empty() {
            return Err(r.error(WireErrorKind::BadLength("RRSIG signature is empty")));
        }
        let signature = r.rest().to_vec();
        Ok(Rrsig {
            type_covered,
            algorithm,
            labels,
            original_ttl,
            expiration,
            inception,
            key_tag,
            signer,
            signature,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.type_covered.0);
        w.u8(self.algorithm);
        w.u8(self.labels);
        w.u32(self.original_ttl);
        w.u32(self.expiration);
        w.u32(self.inception);
        w.u16(self.key_tag);
        w.canonical_name(&self.signer);
        w.bytes(&self.signature);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Rrsig, TextError> {
        let token = t.next("RRSIG type covered")?;
        let type_covered = Rtype::from_text(token.text).ok_or_else(|| {
            t.error_here(format!("bad RRSIG type covered `{}`", lossy(token.text)))
        })?;
        let algorithm = parse_algorithm(t)?;
        let labels = t.int("RRSIG labels (0-255)")?;
        let token = t.next("RRSIG original TTL")?;
        let original_ttl = if token.text.iter().all(u8::is_ascii_digit) {
            crate::text::parse_decimal(token.text).and_then(|v| u32::try_from(v).ok())
        } else {
            parse_ttl(token.text).ok()
        }
        .ok_or_else(|| t.error_here(format!("bad RRSIG original TTL `{}`", lossy(token.text))))?;
        let mut times = [0u32; 2];
        for (slot, what) in times.iter_mut().zip(["RRSIG expiration", "RRSIG inception"]) {
            let token = t.next(what)?;
            *slot = parse_sig_time(token.text)
                .map_err(|m| t.error_here(format!("bad {what} `{}`: {m}", lossy(token.text))))?;
        }
        let [expiration, inception] = times;
        let key_tag = t.int("RRSIG key tag (0-65535)")?;
        let signer = t.name("RRSIG signer's name")?;
        let signature = t.base64_rest("RRSIG signature (base64)")?;
        if signature.is_empty() {
            return Err(TextError::record("RRSIG signature is empty"));
        }
        Ok(Rrsig {
            type_covered,
            algorithm,
            labels,
            original_ttl,
            expiration,
            inception,
            key_tag,
            signer,
            signature,
        })
    }
}

impl fmt::Display for Rrsig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} ",
            self.type_covered, self.algorithm, self.labels, self.original_ttl
        )?;
        write_sig_time(f, self.expiration)?;
        f.write_str(" ")?;
        write_sig_time(f, self.inception)?;
        write!(f, " {} {} ", self.key_tag, self.signer)?;
        write_base64(f, &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::testing::{parse, rejects, round_trip};
    use crate::wire::WireMode;

    const SIG: &str = "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=";

    #[test]
    fn rfc4034_section_3_3_example() {
        // The example of RFC 4034 §3.3, with the signature split as the RFC prints it.
        let split = format!("{} {} {}", &SIG[..36], &SIG[36..72], &SIG[72..]);
        round_trip(
            Rtype::RRSIG,
            &format!("A 5 3 86400 20030322173103 20030220173103 2642 example.com. {split}"),
            &format!("A 5 3 86400 20030322173103 20030220173103 2642 example.com. {SIG}"),
            WIRE_3_3,
        );
    }

    // Checked with dnspython 2.3 (`dns.rdata.from_text(...).to_wire()`).
    const WIRE_3_3: &str = "0001 05 03 00015180 3e7c9dd7 3e5510d7 0a52 076578616d706c6503636f6d00\
        a090755ba58d1affa576f4375831b4310920e481218d18a9f164eb3d81afd3b875d3c75428631e0cf2a28d50875f70c329d7dbfafea807dc1fba1dc34c95d401f23f334ce63bfcf3f1b5b44739e5f0eded18d6b33f040a911376d173d757a9f0c1fa1798941bb0b36b2df9062790fa7f0166f2737eea907378341fb12dc0a77a";

    #[test]
    fn accepts_mnemonics_units_and_plain_times() {
        let data = parse(
            Rtype::RRSIG,
            &format!("a RSASHA1 3 1d 1048354263 1045762263 2642 Example.COM. {SIG}"),
        )
        .unwrap();
        let text = data.to_string();
        assert!(text.starts_with("A 5 3 86400 20030322173103 20030220173103 2642 Example.COM. "));
        let mut w = Writer::with_mode(WireMode::Canonical);
        data.encode(&mut w);
        assert!(w.as_bytes()[18..].starts_with(b"\x07example\x03com\x00"));
    }

    #[test]
    fn rejects_bad_fields() {
        let rest = format!("2642 example.com. {SIG}");
        rejects(Rtype::RRSIG, &format!("BOGUS 5 3 86400 1 0 {rest}"), "bad RRSIG type covered");
        rejects(Rtype::RRSIG, &format!("A RSA 3 86400 1 0 {rest}"), "bad DNSSEC algorithm");
        rejects(Rtype::RRSIG, &format!("A 5 256 86400 1 0 {rest}"), "bad RRSIG labels");
        rejects(Rtype::RRSIG, &format!("A 5 3 1x 1 0 {rest}"), "bad RRSIG original TTL");
        rejects(Rtype::RRSIG, &format!("A 5 3 1 20031301000000 0 {rest}"), "bad RRSIG expiration");
        rejects(Rtype::RRSIG, &format!("A 5 3 1 1 200301010000 {rest}"), "bad RRSIG inception");
        rejects(Rtype::RRSIG, "A 5 3 1 1 0 2642 example.com.", "missing RRSIG signature");
        rejects(Rtype::RRSIG, "A 5 3 1 1 0 2642 example.com. !!!!", "bad RRSIG signature");
        rejects(Rtype::RRSIG, "\\# 19 0001050300000001000000010000000000 0a00", "not valid");
    }
}
