//! Public keys in the HIP RR key format of each algorithm.

use nameward_dns::dnssec::key::rsa_public_key;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rsa::traits::PublicKeyParts;

use super::{KeyAlgorithm, KeyError, PublicHostKey};

/// RFC 3110 §2, as DNSKEY holds it too ([`rsa_public_key`]).
pub(super) fn rsa(key: &rsa::RsaPublicKey) -> Result<PublicHostKey, KeyError> {
    let e = key.e().to_bytes_be();
    if u16::try_from(e.len()).is_err() {
        return Err(KeyError::NotRepresentable("the RSA exponent is too long for RFC 3110".into()));
    }
    fits(KeyAlgorithm::Rsa, rsa_public_key(&e, &key.n().to_bytes_be()))
}

/// RFC 2536 §2: T, Q (20 octets), P, G, Y (64 + 8·T octets each), with T at most 8.
pub(super) fn dsa(key: &dsa::VerifyingKey) -> Result<PublicHostKey, KeyError> {
    let c = key.components();
    let p = c.p().to_bytes_be();
    let q = c.q().to_bytes_be();
    let t = match p.len() {
        len @ 64..=128 if len.is_multiple_of(8) => (len - 64) / 8,
        len => {
            return Err(KeyError::NotRepresentable(format!(
                "this DSA key has a {}-bit prime P; the DNS and HIP DSA key format (RFC 2536) \
                 holds only 512- to 1024-bit primes in steps of 64 bits, so it cannot go in a HIP \
                 record: use an ECDSA or Ed25519 key",
                len * 8
            )));
        }
    };
    if q.len() > 20 {
        return Err(KeyError::NotRepresentable(format!(
            "this DSA key has a {}-bit subprime Q; the DNS and HIP DSA key format (RFC 2536) \
             holds only 160-bit ones: use an ECDSA or Ed25519 key",
            q.len() * 8
        )));
    }
    let width = p.len();
    let mut out = Vec::with_capacity(1 + 20 + 3 * width);
    out.push(u8::try_from(t).unwrap_or(u8::MAX));
    padded(&mut out, &q, 20);
    padded(&mut out, &p, width);
    padded(&mut out, &c.g().to_bytes_be(), width);
    padded(&mut out, &key.y().to_bytes_be(), width);
    fits(KeyAlgorithm::Dsa, out)
}

/// RFC 6605 §4: x ‖ y, without the SEC1 `04` octet.
pub(super) fn p256(key: &p256::PublicKey) -> PublicHostKey {
    point(KeyAlgorithm::EcdsaP256, key.to_encoded_point(false).as_bytes())
}

/// RFC 6605 §4: x ‖ y, without the SEC1 `04` octet.
pub(super) fn p384(key: &p384::PublicKey) -> PublicHostKey {
    point(KeyAlgorithm::EcdsaP384, key.to_encoded_point(false).as_bytes())
}

/// RFC 8080 §3: the 32-octet public key as RFC 8032 encodes it.
pub(super) fn ed25519(key: &ed25519_dalek::VerifyingKey) -> PublicHostKey {
    PublicHostKey { algorithm: KeyAlgorithm::Ed25519, rr_key: key.to_bytes().to_vec() }
}

fn point(algorithm: KeyAlgorithm, uncompressed: &[u8]) -> PublicHostKey {
    let xy = uncompressed.get(1..).unwrap_or_default();
    PublicHostKey { algorithm, rr_key: xy.to_vec() }
}

fn padded(out: &mut Vec<u8>, value: &[u8], width: usize) {
    out.extend(std::iter::repeat_n(0, width.saturating_sub(value.len())));
    out.extend_from_slice(value);
}

/// The HIP RR key length field is 16 bits.
fn fits(algorithm: KeyAlgorithm, rr_key: Vec<u8>) -> Result<PublicHostKey, KeyError> {
    if rr_key.len() > usize::from(u16::MAX) {
        return Err(KeyError::NotRepresentable(format!(
            "the {algorithm} key is {} octets in DNS form, more than a HIP record holds",
            rr_key.len()
        )));
    }
    Ok(PublicHostKey { algorithm, rr_key })
}
