//! DS, CDS and CDNSKEY records from a DNSKEY (RFC 4034 §5.1.4, RFC 7344 §3): the digest of the
//! owner name in canonical form followed by the DNSKEY RDATA.

use ring::digest::{SHA256, SHA384, digest};

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rdata::rfc4034::{Cdnskey, Cds, Dnskey, Ds};
use crate::wire::{WireMode, Writer};

/// A DS digest type nameward makes (RFC 8624 §3.3: SHA-256 MUST, SHA-384 MAY, SHA-1 never).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestType {
    /// 2: SHA-256 (RFC 4509).
    Sha256,
    /// 4: SHA-384 (RFC 6605).
    Sha384,
}

impl DigestType {
    /// The IANA number.
    pub fn number(self) -> u8 {
        match self {
            DigestType::Sha256 => 2,
            DigestType::Sha384 => 4,
        }
    }

    /// The digest type of IANA number `number`, if nameward computes it.
    pub fn from_number(number: u8) -> Option<DigestType> {
        match number {
            2 => Some(DigestType::Sha256),
            4 => Some(DigestType::Sha384),
            _ => None,
        }
    }

    /// Reads `2`, `4`, `SHA-256`, `SHA256`, `SHA-384` or `SHA384` in any case.
    pub fn from_text(text: &str) -> Option<DigestType> {
        match text.to_ascii_uppercase().as_str() {
            "2" | "SHA-256" | "SHA256" => Some(DigestType::Sha256),
            "4" | "SHA-384" | "SHA384" => Some(DigestType::Sha384),
            _ => None,
        }
    }
}

fn key_digest(owner: &Name, key: &Dnskey, digest_type: DigestType) -> Vec<u8> {
    let mut w = Writer::with_mode(WireMode::Canonical);
    w.bytes(&owner.as_wire().to_ascii_lowercase());
    key.encode(&mut w);
    let algorithm = match digest_type {
        DigestType::Sha256 => &SHA256,
        DigestType::Sha384 => &SHA384,
    };
    digest(algorithm, w.as_bytes()).as_ref().to_vec()
}

/// Whether `given` is a DS of `key` at `owner` (by a digest type nameward computes).
pub fn ds_matches(given: &Ds, owner: &Name, key: &Dnskey) -> bool {
    DigestType::from_number(given.digest_type).is_some_and(|d| *given == ds(owner, key, d))
}

/// The DS record for `key`, published at `owner`.
pub fn ds(owner: &Name, key: &Dnskey, digest_type: DigestType) -> Ds {
    Ds {
        key_tag: key.key_tag(),
        algorithm: key.algorithm,
        digest_type: digest_type.number(),
        digest: key_digest(owner, key, digest_type),
    }
}

/// The CDS record a child publishes to ask for [`ds`] in its parent (RFC 7344 §3.1).
pub fn cds(owner: &Name, key: &Dnskey, digest_type: DigestType) -> Cds {
    let d = ds(owner, key, digest_type);
    Cds { key_tag: d.key_tag, algorithm: d.algorithm, digest_type: d.digest_type, digest: d.digest }
}

/// The CDNSKEY copy of `key` (RFC 7344 §3.2).
pub fn cdnskey(key: &Dnskey) -> Cdnskey {
    Cdnskey {
        flags: key.flags,
        protocol: key.protocol,
        algorithm: key.algorithm,
        public_key: key.public_key.clone(),
    }
}
