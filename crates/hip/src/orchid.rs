//! ORCHIDs: the 128-bit Host Identity Tags derived from a Host Identity.
//!
//! - ORCHID v1 (RFC 4843, the HIT of HIPv1, RFC 5201): prefix `2001:10::/28` followed by the middle
//!   100 bits of SHA-1(context ID ‖ HI).
//! - ORCHID v2 (RFC 7343, the HIT of HIPv2, RFC 7401 §3.2): prefix `2001:20::/28`, a 4-bit OGA ID
//!   (the HIT Suite ID), then 96 bits of the suite's hash of (context ID ‖ HOST_ID): the middle 96
//!   bits (`Encode_96`) for the fixed-length hashes, and the first 96 output bits of cSHAKE128 for
//!   EdDSA (RFC 9374 §3.5.2.1).
//!
//! Both versions use the same context ID, and neither hashes the prefix or the OGA ID.

use std::net::Ipv6Addr;

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};
use sha3::CShake128;
use sha3::digest::{ExtendableOutput, Update, XofReader};

use crate::host_id::{HitError, HostId};

/// The ORCHID context ID that HIP registered in the CGA Type Tag namespace (RFC 4843 §2,
/// RFC 7401 §3.2): `F0EF F02F BFF4 3D0F E793 0C3C 6E61 74EA`.
pub const CONTEXT_ID: [u8; 16] = [
    0xF0, 0xEF, 0xF0, 0x2F, 0xBF, 0xF4, 0x3D, 0x0F, 0xE7, 0x93, 0x0C, 0x3C, 0x6E, 0x61, 0x74, 0xEA,
];

/// The first 32 bits of an ORCHID v1: the 28-bit prefix `2001:10::/28` and four zero bits, which
/// the hash bits fill.
const V1_PREFIX: u128 = 0x2001_0010 << 96;
/// The 28-bit ORCHID v2 prefix `2001:20::/28` in the top bits, the OGA ID nibble left zero.
const V2_PREFIX: u128 = 0x2001_0020 << 96;
/// The prefix length of both versions.
const PREFIX_BITS: u32 = 28;

/// The HIT Suite ID of HIPv2, used as the ORCHID v2 OGA ID (RFC 7401 §5.2.10, RFC 9374 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HitSuite {
    /// 1: RSA and DSA Host Identities, SHA-256.
    RsaDsaSha256,
    /// 2: ECDSA (NIST P-256, P-384) Host Identities, SHA-384.
    EcdsaSha384,
    /// 3: ECDSA_LOW (SECP160R1) Host Identities, SHA-1.
    EcdsaLowSha1,
    /// 5: EdDSA Host Identities, cSHAKE128 (RFC 9374). The IPSECKEY algorithm of EdDSA is 4; the
    /// suite ID is 5, since 4 was already unassigned space in the HIT Suite registry.
    EddsaCshake128,
}

impl HitSuite {
    /// The 4-bit OGA ID written after the ORCHID v2 prefix.
    pub fn oga_id(self) -> u8 {
        match self {
            HitSuite::RsaDsaSha256 => 1,
            HitSuite::EcdsaSha384 => 2,
            HitSuite::EcdsaLowSha1 => 3,
            HitSuite::EddsaCshake128 => 5,
        }
    }

    /// The suite's name as the HIT Suite registry writes it.
    pub fn name(self) -> &'static str {
        match self {
            HitSuite::RsaDsaSha256 => "RSA,DSA/SHA-256",
            HitSuite::EcdsaSha384 => "ECDSA/SHA-384",
            HitSuite::EcdsaLowSha1 => "ECDSA_LOW/SHA-1",
            HitSuite::EddsaCshake128 => "EdDSA/cSHAKE128",
        }
    }
}

/// ORCHID v1 of a Host Identity (RFC 4843 §2): `2001:10::/28` ‖ middle 100 bits of
/// SHA-1(context ID ‖ HI).
///
/// `hi` is the algorithm-specific public key; for RSA (RFC 3110) and DSA (RFC 2536) that is exactly
/// the HIP RR public key field. HIPv1 defines no other Host Identity algorithms.
pub fn orchid_v1(hi: &[u8]) -> [u8; 16] {
    let digest = Sha1::new().chain_update(CONTEXT_ID).chain_update(hi).finalize();
    (V1_PREFIX | middle_bits(&digest, 128 - PREFIX_BITS)).to_be_bytes()
}

/// ORCHID v2 of a HIPv2 HOST_ID (RFC 7343 §2 with RFC 7401 §3.2 and RFC 9374 §3.5.2.1).
///
/// `host_id` is the Host Identity as HIPv2 hashes it: for ECDSA and EdDSA, the 2-octet curve
/// label followed by the public key (ECDSA points as `04 ‖ x ‖ y`; see [`HostId`]).
pub fn orchid_v2_of(suite: HitSuite, host_id: &[u8]) -> [u8; 16] {
    let hash = match suite {
        HitSuite::RsaDsaSha256 => middle_bits(
            &Sha256::new().chain_update(CONTEXT_ID).chain_update(host_id).finalize(),
            96,
        ),
        HitSuite::EcdsaSha384 => middle_bits(
            &Sha384::new().chain_update(CONTEXT_ID).chain_update(host_id).finalize(),
            96,
        ),
        HitSuite::EcdsaLowSha1 => {
            middle_bits(&Sha1::new().chain_update(CONTEXT_ID).chain_update(host_id).finalize(), 96)
        }
        HitSuite::EddsaCshake128 => {
            // RFC 9374 §3.5.2.1: for HIPv2 the variable-length hash takes the same input as the
            // fixed-length ones (context ID ‖ HOST_ID) and its first 96 output bits are used as
            // they are. No function name or customization string is given, and cSHAKE128 with
            // both empty is SHAKE128 (NIST SP 800-185 §3.3).
            let mut xof = CShake128::from_core(sha3::CShake128Core::new(&[]));
            xof.update(&CONTEXT_ID);
            xof.update(host_id);
            let mut out = [0u8; 12];
            xof.finalize_xof().read(&mut out);
            middle_bits(&out, 96)
        }
    };
    (V2_PREFIX | (u128::from(suite.oga_id()) << 96) | hash).to_be_bytes()
}

/// ORCHID v2 of a HIP RR's key: the HIT a HIPv2 peer computes from `algorithm` (IPSECKEY registry:
/// 1 DSA, 2 RSA, 3 ECDSA, 4 EdDSA) and the public key field.
pub fn orchid_v2(algorithm: u8, key: &[u8]) -> Result<[u8; 16], HitError> {
    let host_id = HostId::from_hip_rr(algorithm, key)?;
    Ok(orchid_v2_of(host_id.suite(), host_id.bytes()))
}

/// Which ORCHID a HIT is made as: v1 for HIPv1 (RFC 4843, RFC 5201), v2 for HIPv2 (RFC 7343,
/// RFC 7401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OrchidVersion {
    /// ORCHID v1: SHA-1, prefix 2001:10::/28; defined for RSA and DSA keys only.
    V1,
    /// ORCHID v2: the HIT Suite's hash, prefix 2001:20::/28; the current HIP.
    #[default]
    V2,
}

/// The HIT of a HIP RR's key under `version`.
pub fn hit_of(version: OrchidVersion, algorithm: u8, key: &[u8]) -> Result<[u8; 16], HitError> {
    match version {
        OrchidVersion::V1 => {
            if key.is_empty() {
                return Err(HitError::EmptyKey);
            }
            orchid_v1_for(algorithm, key).ok_or(HitError::NoV1Hit(algorithm))
        }
        OrchidVersion::V2 => orchid_v2(algorithm, key),
    }
}

/// A way of deriving a HIT from a key that the RFC text can be read to allow but that differs
/// from the HIPv2 reading nameward takes, so that a checker can explain such HITs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V2Variant {
    /// ECDSA: hashing curve label ‖ x ‖ y, the DNS key as it is, without the `04` octet that
    /// starts the uncompressed point in octet-string format (RFC 7401 §5.2.9, RFC 6090).
    EcdsaWithoutPointPrefix,
    /// EdDSA: cSHAKE128(HOST_ID, 96, "", context ID), RFC 9374 §3.5.2's general construction with
    /// the context ID as customization string, instead of §3.5.2.1's HIPv2 form that hashes
    /// context ID ‖ HOST_ID like the fixed-length suites.
    EddsaContextAsCustomization,
}

impl V2Variant {
    /// What the variant does differently, for messages.
    pub fn description(self) -> &'static str {
        match self {
            V2Variant::EcdsaWithoutPointPrefix => {
                "the ECDSA key is hashed as curve label ‖ x ‖ y, but the HIPv2 HOST_ID carries the \
                 point in octet-string format, 04 ‖ x ‖ y (RFC 7401 §5.2.9, RFC 6090)"
            }
            V2Variant::EddsaContextAsCustomization => {
                "the EdDSA key is hashed with cSHAKE128 taking the context ID as customization \
                 string (RFC 9374 §3.5.2, the construction for DETs), but HIPv2 HITs hash context \
                 ID ‖ HOST_ID with no customization (RFC 9374 §3.5.2.1)"
            }
        }
    }
}

/// The HITs the [`V2Variant`]s that apply to `host_id` would give.
pub fn orchid_v2_variants(host_id: &HostId) -> Vec<(V2Variant, [u8; 16])> {
    let mut variants = Vec::new();
    if let Some(bare) = host_id.without_point_prefix() {
        variants
            .push((V2Variant::EcdsaWithoutPointPrefix, orchid_v2_of(bare.suite(), bare.bytes())));
    }
    if host_id.suite() == HitSuite::EddsaCshake128 {
        let mut xof = CShake128::from_core(sha3::CShake128Core::new(&CONTEXT_ID));
        xof.update(host_id.bytes());
        let mut out = [0u8; 12];
        xof.finalize_xof().read(&mut out);
        let hit = V2_PREFIX | (u128::from(host_id.suite().oga_id()) << 96) | middle_bits(&out, 96);
        variants.push((V2Variant::EddsaContextAsCustomization, hit.to_be_bytes()));
    }
    variants
}

/// ORCHID v1 of a HIP RR's key, when HIPv1 defines the algorithm (RSA and DSA only).
pub fn orchid_v1_for(algorithm: u8, key: &[u8]) -> Option<[u8; 16]> {
    matches!(algorithm, 1 | 2).then(|| orchid_v1(key))
}

/// A HIT as an IPv6 address, the way HIP writes HITs for people.
pub fn as_ipv6(hit: [u8; 16]) -> Ipv6Addr {
    Ipv6Addr::from(hit)
}

/// The middle `n` bits (`n` ≤ 128) of `hash` as an integer. When the number of bits left over is
/// odd, the extra bit is dropped from the front (RFC 9374 §3.5.2 states this; RFC 4843 and
/// RFC 7343 only ever use even differences).
fn middle_bits(hash: &[u8], n: u32) -> u128 {
    let total = hash.len().saturating_mul(8);
    let n = usize::try_from(n.min(128)).unwrap_or(128).min(total);
    let start = (total - n).div_ceil(2);
    (start..start + n).fold(0u128, |acc, bit| {
        let byte = hash.get(bit / 8).copied().unwrap_or(0);
        (acc << 1) | u128::from((byte >> (7 - bit % 8)) & 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_bits_drops_equal_ends() {
        // 160 bits, middle 100: drop 30 from each end.
        let mut hash = [0u8; 20];
        hash[3] = 0b0000_0011; // bits 30 and 31: the first two kept bits
        assert_eq!(middle_bits(&hash, 100), 0b11 << 98);
        let mut hash = [0u8; 20];
        hash[16] = 0b0010_0000; // bit 130: the first dropped bit at the end
        assert_eq!(middle_bits(&hash, 100), 0);
        hash[16] = 0b0100_0000; // bit 129: the last kept bit
        assert_eq!(middle_bits(&hash, 100), 1);
        // SHA-256 and Encode_96: octets 10 to 21.
        let hash: Vec<u8> = (0..32).collect();
        let expected =
            u128::from_be_bytes([0, 0, 0, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
        assert_eq!(middle_bits(&hash, 96), expected);
        // An odd difference drops the extra bit at the front.
        assert_eq!(middle_bits(&[0b0000_1000], 1), 1);
        assert_eq!(middle_bits(&[0b1111_0111], 1), 0);
    }

    #[test]
    fn oga_ids() {
        let ids: Vec<u8> = [
            HitSuite::RsaDsaSha256,
            HitSuite::EcdsaSha384,
            HitSuite::EcdsaLowSha1,
            HitSuite::EddsaCshake128,
        ]
        .iter()
        .map(|s| s.oga_id())
        .collect();
        assert_eq!(ids, [1, 2, 3, 5]);
    }

    #[test]
    fn prefixes() {
        let v1 = orchid_v1(b"");
        assert_eq!(&v1[..3], &[0x20, 0x01, 0x00]);
        assert_eq!(v1[3] & 0xF0, 0x10);
        let v2 = orchid_v2_of(HitSuite::EcdsaSha384, b"");
        assert_eq!(&v2[..4], &[0x20, 0x01, 0x00, 0x22]);
        let v2 = orchid_v2_of(HitSuite::EddsaCshake128, b"");
        assert_eq!(&v2[..4], &[0x20, 0x01, 0x00, 0x25]);
    }
}
