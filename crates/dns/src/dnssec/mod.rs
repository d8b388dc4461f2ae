//! DNSSEC signing and verification, without I/O: canonical RRset form (RFC 4034 §6), key tags,
//! DS/CDS/CDNSKEY from keys, RRSIG generation and verification (algorithms 8, 13, 14, 15), NSEC
//! and NSEC3 chains, and the whole-zone signer and verifier over a [`crate::store::ZoneStore`].
//!
//! Each file does one job, and each job is a function of its inputs, so that signing one
//! changed RRset (incremental signing) is the same call as signing a whole zone's:
//!
//! - [`algorithm`]: the algorithms nameward signs with;
//! - [`time`]: RFC 1982 serial arithmetic on signature times;
//! - [`keytag`]: RFC 4034 Appendix B;
//! - [`canonical`]: the data an RRSIG signs;
//! - [`key`]: private keys and signing (ring);
//! - [`verify`]: checking one signature against one DNSKEY (ring);
//! - [`digest`]: DS, CDS and CDNSKEY from a DNSKEY;
//! - [`keyfile`]: BIND's `K<name>+<alg>+<tag>.key` / `.private` formats;
//! - [`nsec3`]: the RFC 5155 hash;
//! - [`names`]: which names of a zone are authoritative, delegations or glue, and what their
//!   NSEC/NSEC3 type bitmaps hold;
//! - [`sign`]: the whole-zone signer;
//! - [`incremental`]: signing a change to a signed zone, owner by owner;
//! - [`check`]: the whole-zone verifier;
//! - [`validate`]: validating answers from a trust anchor (RFC 4035 §5), with bounded work.

pub mod algorithm;
pub mod canonical;
pub mod check;
pub mod digest;
pub mod incremental;
pub mod key;
pub mod keyfile;
pub mod keytag;
pub mod names;
pub mod nsec3;
pub mod sign;
pub mod time;
pub mod validate;
pub mod verify;

pub use algorithm::Algorithm;
pub use check::{Problem, VerifyOptions, verify_zone};
pub use digest::{DigestType, cdnskey, cds, ds, ds_matches};
pub use incremental::{SignedZone, sign_change};
pub use key::{KeyError, PrivateKey, RsaPrivate, SigningKey};
pub use keytag::key_tag;
pub use sign::{
    Denial, Nsec3Options, SignError, SignOptions, SignSummary, sign_records, sign_zone,
};
pub use validate::{Security, TrustAnchor, Verdict, validate};
pub use verify::{VerifyError, verify_signature};

#[cfg(test)]
pub(crate) mod tests;
