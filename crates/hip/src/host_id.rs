//! Host Identities as HIPv2 hashes them, built from a HIP RR's algorithm and public key field.
//!
//! The HIP RR (RFC 5205 §5, RFC 8005) carries the key in its DNS format, which for RSA (RFC 3110)
//! and DSA (RFC 2536) is also the HIPv2 HOST_ID public key. For elliptic curves the two differ:
//! the RR holds the bare key (ECDSA: x ‖ y as in RFC 6605; EdDSA: the RFC 8032 octet string), while
//! the HOST_ID parameter that HIPv2 hashes starts with a 2-octet curve label (RFC 7401 §5.2.9,
//! RFC 9374 §3.4.1.1). The RR names no curve, so it is inferred from the key's length.
//!
//! Readings that were chosen, not spelled out byte by byte in the RFCs:
//! - the ECDSA HOST_ID public key is in "octet-string format" of RFC 6090 (RFC 7401 §5.2.9), the
//!   uncompressed point `04 ‖ x ‖ y`, so the HOST_ID is curve label ‖ `04` ‖ x ‖ y. HIPL's
//!   `ecdsa_to_key_rr` serialises it this way. Since the RR lacks the `04`, a HIT made by hashing
//!   label ‖ x ‖ y is plausible too; [`HostId::without_point_prefix`] gives that form so a checker
//!   can tell the two apart (see [`crate::orchid::V2Variant`]);
//! - the EdDSA HOST_ID is the curve label followed by the key; RFC 9374's Figure 2 draws a "NULL"
//!   half-word beside the label, read here as no field at all;
//! - a 40-octet ECDSA key in a HIP RR is taken as SECP160R1 (ECDSA_LOW), which RFC 8005 does not
//!   define for the RR but RFC 7401 does for HIPv2.

use crate::orchid::HitSuite;

/// Why nameward cannot compute a HIT for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HitError {
    /// The public key algorithm has no HIT Suite (0 is reserved; others are unassigned or not
    /// Host Identity algorithms).
    #[error("public key algorithm {0} has no HIT suite in HIPv2, so no HIT can be derived from it")]
    UnsupportedAlgorithm(u8),
    /// An ECDSA key whose length matches none of the curves HIPv2 defines.
    #[error(
        "an ECDSA key of {0} octets matches no HIPv2 curve (64 octets for P-256, 96 for P-384, \
         40 for SECP160R1), so its curve label and HIT cannot be determined"
    )]
    UnknownEcdsaCurve(usize),
    /// An EdDSA key whose length matches neither Ed25519 nor Ed448.
    #[error(
        "an EdDSA key of {0} octets matches no HIPv2 curve (32 octets for Ed25519, 57 for Ed448), \
         so its curve label and HIT cannot be determined"
    )]
    UnknownEddsaCurve(usize),
    /// ORCHID v1 asked for a key that HIPv1 has no HIT for.
    #[error(
        "ORCHID v1 (HIPv1) defines HITs for RSA and DSA keys only, not for public key algorithm \
         {0}: use ORCHID v2"
    )]
    NoV1Hit(u8),
    /// The key field is empty.
    #[error("the public key is empty")]
    EmptyKey,
}

/// The SEC1 octet that starts an uncompressed elliptic-curve point.
const UNCOMPRESSED_POINT: u8 = 0x04;

/// An elliptic curve of a HIPv2 Host Identity, with the label its HOST_ID carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (ECDSA curve label 1, RFC 7401 §5.2.9).
    P256,
    /// NIST P-384 (ECDSA curve label 2).
    P384,
    /// SECP160R1 (ECDSA_LOW curve label 1: ECDSA_LOW has its own label registry).
    Secp160r1,
    /// Ed25519 (EdDSA curve label 1, RFC 9374 §3.4.1.1).
    Ed25519,
    /// Ed448 (EdDSA curve label 3).
    Ed448,
}

impl Curve {
    /// The 16-bit curve label of the HOST_ID parameter.
    pub fn label(self) -> u16 {
        match self {
            Curve::P256 | Curve::Secp160r1 | Curve::Ed25519 => 1,
            Curve::P384 => 2,
            Curve::Ed448 => 3,
        }
    }

    /// Whether this is an ECDSA or ECDSA_LOW curve, whose keys are points.
    pub fn is_ecdsa(self) -> bool {
        matches!(self, Curve::P256 | Curve::P384 | Curve::Secp160r1)
    }

    /// The curve's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "NIST P-256",
            Curve::P384 => "NIST P-384",
            Curve::Secp160r1 => "SECP160R1",
            Curve::Ed25519 => "Ed25519",
            Curve::Ed448 => "Ed448",
        }
    }
}

/// A Host Identity in the form HIPv2 hashes into its HIT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostId {
    suite: HitSuite,
    curve: Option<Curve>,
    bytes: Vec<u8>,
}

impl HostId {
    /// Builds the HOST_ID from a HIP RR's public key algorithm (IPSECKEY registry: 1 DSA, 2 RSA,
    /// 3 ECDSA, 4 EdDSA) and public key field.
    ///
    /// ECDSA keys are told apart by length: 64 octets are P-256 and 96 are P-384 (RFC 6605), and
    /// 40 octets are taken as SECP160R1, which HIPv2 calls ECDSA_LOW and which has no algorithm
    /// number of its own in the HIP RR. EdDSA keys of 32 octets are Ed25519, of 57 Ed448.
    pub fn from_hip_rr(algorithm: u8, key: &[u8]) -> Result<HostId, HitError> {
        if key.is_empty() {
            return Err(HitError::EmptyKey);
        }
        let (suite, curve) = match algorithm {
            1 | 2 => (HitSuite::RsaDsaSha256, None),
            3 => match key.len() {
                64 => (HitSuite::EcdsaSha384, Some(Curve::P256)),
                96 => (HitSuite::EcdsaSha384, Some(Curve::P384)),
                40 => (HitSuite::EcdsaLowSha1, Some(Curve::Secp160r1)),
                other => return Err(HitError::UnknownEcdsaCurve(other)),
            },
            4 => match key.len() {
                32 => (HitSuite::EddsaCshake128, Some(Curve::Ed25519)),
                57 => (HitSuite::EddsaCshake128, Some(Curve::Ed448)),
                other => return Err(HitError::UnknownEddsaCurve(other)),
            },
            other => return Err(HitError::UnsupportedAlgorithm(other)),
        };
        let mut bytes = Vec::with_capacity(key.len() + 3);
        if let Some(curve) = curve {
            bytes.extend_from_slice(&curve.label().to_be_bytes());
            if curve.is_ecdsa() {
                bytes.push(UNCOMPRESSED_POINT);
            }
        }
        bytes.extend_from_slice(key);
        Ok(HostId { suite, curve, bytes })
    }

    /// For ECDSA keys, the HOST_ID without the `04` uncompressed-point octet (curve label ‖ x ‖ y):
    /// what a HIT generator hashes if it copies the DNS key as it is.
    pub fn without_point_prefix(&self) -> Option<HostId> {
        let curve = self.curve.filter(|c| c.is_ecdsa())?;
        let mut bytes = self.bytes.clone();
        bytes.remove(2);
        Some(HostId { suite: self.suite, curve: Some(curve), bytes })
    }

    /// The HIT Suite whose hash makes the ORCHID v2.
    pub fn suite(&self) -> HitSuite {
        self.suite
    }

    /// The curve, for elliptic-curve keys.
    pub fn curve(&self) -> Option<Curve> {
        self.curve
    }

    /// The octets that are hashed: curve label (if any), `04` for ECDSA points, then the key.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_from_key_lengths() {
        let cases = [
            (3, 64, HitSuite::EcdsaSha384, [0, 1]),
            (3, 96, HitSuite::EcdsaSha384, [0, 2]),
            (3, 40, HitSuite::EcdsaLowSha1, [0, 1]),
            (4, 32, HitSuite::EddsaCshake128, [0, 1]),
            (4, 57, HitSuite::EddsaCshake128, [0, 3]),
        ];
        for (algorithm, len, suite, label) in cases {
            let key = vec![0xAB; len];
            let id = HostId::from_hip_rr(algorithm, &key).unwrap();
            assert_eq!(id.suite(), suite);
            assert_eq!(&id.bytes()[..2], &label);
            let point = if algorithm == 3 { 3 } else { 2 };
            assert_eq!(&id.bytes()[2..point], &[4][..point - 2]);
            assert_eq!(&id.bytes()[point..], &key[..]);
            let bare = id.without_point_prefix();
            assert_eq!(bare.is_some(), algorithm == 3);
            if let Some(bare) = bare {
                assert_eq!(bare.bytes(), [&label[..], &key[..]].concat());
            }
        }
        let rsa = HostId::from_hip_rr(2, &[3, 1, 0, 1, 0xFF]).unwrap();
        assert_eq!(rsa.bytes(), &[3, 1, 0, 1, 0xFF]);
        assert_eq!(rsa.curve(), None);
    }

    #[test]
    fn refusals() {
        assert_eq!(HostId::from_hip_rr(3, &[0; 65]), Err(HitError::UnknownEcdsaCurve(65)));
        assert_eq!(HostId::from_hip_rr(4, &[0; 33]), Err(HitError::UnknownEddsaCurve(33)));
        assert_eq!(HostId::from_hip_rr(0, &[0; 8]), Err(HitError::UnsupportedAlgorithm(0)));
        assert_eq!(HostId::from_hip_rr(200, &[0; 8]), Err(HitError::UnsupportedAlgorithm(200)));
        assert_eq!(HostId::from_hip_rr(2, &[]), Err(HitError::EmptyKey));
    }
}
