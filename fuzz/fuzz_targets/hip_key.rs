//! The HIP host key reader on arbitrary bytes: PEM or DER public and private keys
//! (SubjectPublicKeyInfo, PKCS#8, PKCS#1, SEC1) turned into the HIP RR public key field, and
//! that field read back as a Host Identity.
//!
//! Asserted besides "no panic": a key that reads has the RR key field its algorithm defines
//! (RFC 3110, 2536, 6605, 8080 layouts), which the Host Identity reader takes and hashes into
//! a HIT (ORCHID v1 for RSA and DSA only); a key read from DER reads the same from PEM armour
//! around the same DER; every refusal says something. The bytes are also read directly as a
//! HIP RR algorithm (octet 0) and key field (the rest).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_hip::keys::{KeyAlgorithm, KeyFormat, PublicHostKey, read_key};
use nameward_hip::{HostId, OrchidVersion};

fn label(format: KeyFormat) -> &'static str {
    match format {
        KeyFormat::Spki => "PUBLIC KEY",
        KeyFormat::Pkcs8 => "PRIVATE KEY",
        KeyFormat::Pkcs1Public => "RSA PUBLIC KEY",
        KeyFormat::Pkcs1Private => "RSA PRIVATE KEY",
        KeyFormat::Sec1 => "EC PRIVATE KEY",
    }
}

/// The layout of the RR key field for the key's algorithm.
fn check_rr_layout(key: &PublicHostKey) {
    let field = key.rr_key();
    match key.algorithm() {
        KeyAlgorithm::EcdsaP256 => assert_eq!(field.len(), 64),
        KeyAlgorithm::EcdsaP384 => assert_eq!(field.len(), 96),
        KeyAlgorithm::Ed25519 => assert_eq!(field.len(), 32),
        // RFC 3110 §2: exponent length in one octet, or 0 and two octets; then exponent and a
        // modulus that is not empty.
        KeyAlgorithm::Rsa => {
            let (exponent_len, rest) = match field {
                [0, hi, lo, rest @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), rest),
                [len, rest @ ..] => (usize::from(*len), rest),
                [] => panic!("empty RSA key field"),
            };
            assert!(exponent_len > 0 && rest.len() > exponent_len, "RSA field {field:02x?}");
        }
        // RFC 2536 §2: T, Q (20), P, G and Y (64 + 8T each).
        KeyAlgorithm::Dsa => {
            let t = usize::from(*field.first().expect("DSA field has T"));
            assert!(t <= 8, "DSA T = {t}");
            assert_eq!(field.len(), 1 + 20 + 3 * (64 + 8 * t));
        }
    }
    let host_id = HostId::from_hip_rr(key.hip_algorithm(), field)
        .unwrap_or_else(|e| panic!("the RR key field of a {} key: {e}", key.algorithm()));
    assert!(host_id.bytes().ends_with(field));
    key.hit(OrchidVersion::V2).unwrap_or_else(|e| panic!("no ORCHID v2: {e}"));
    let v1 = key.hit(OrchidVersion::V1);
    assert_eq!(v1.is_ok(), matches!(key.algorithm(), KeyAlgorithm::Rsa | KeyAlgorithm::Dsa));
}

fuzz_target!(|data: &[u8]| {
    match read_key(data) {
        Ok(file) => {
            check_rr_layout(&file.key);
            if !file.pem {
                let armoured = pem_rfc7468::encode_string(
                    label(file.format),
                    pem_rfc7468::LineEnding::LF,
                    data,
                )
                .expect("DER armours");
                let again = read_key(armoured.as_bytes())
                    .unwrap_or_else(|e| panic!("the same DER in PEM armour: {e}"));
                assert_eq!((again.key, again.format, again.pem), (file.key, file.format, true));
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
    if let [algorithm, field @ ..] = data
        && let Ok(host_id) = HostId::from_hip_rr(*algorithm, field)
    {
        assert!(host_id.bytes().ends_with(field) && host_id.bytes().len() <= field.len() + 3);
        let _ = nameward_hip::hit_of(OrchidVersion::V1, *algorithm, field);
        let _ = nameward_hip::hit_of(OrchidVersion::V2, *algorithm, field);
    }
});
