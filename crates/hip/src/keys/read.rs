//! Reading keys: PEM armour and DER containers, dispatched on PEM label and algorithm OID.

use pkcs8::der::asn1::ObjectIdentifier;
use pkcs8::{DecodePrivateKey, DecodePublicKey, PrivateKeyInfo};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use spki::SubjectPublicKeyInfoRef;

use super::{KeyError, KeyFile, KeyFormat, PublicHostKey, rr};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

const BEGIN: &[u8] = b"-----BEGIN ";

/// Algorithms and curves met in key files that HIP cannot use or nameward does not handle, with
/// what to say about them.
const REFUSED: &[(&str, &str, &str)] = &[
    (
        "1.2.840.113549.1.1.10",
        "RSASSA-PSS",
        "HIP RSA keys are plain rsaEncryption keys; write one with `openssl genpkey -algorithm RSA`",
    ),
    (
        "1.2.840.113549.1.1.7",
        "RSAES-OAEP",
        "HIP RSA keys are plain rsaEncryption keys; write one with `openssl genpkey -algorithm RSA`",
    ),
    ("1.3.101.110", "X25519", "X25519 is a key-agreement key; HIP host keys sign, use Ed25519"),
    ("1.3.101.111", "X448", "X448 is a key-agreement key; HIP host keys sign, use Ed25519"),
    ("1.3.101.113", "Ed448", "nameward handles Ed25519 but not Ed448 keys"),
    ("1.3.132.0.35", "ECDSA P-521", "HIP defines ECDSA for P-256 and P-384 only (RFC 7401)"),
    ("1.3.132.0.10", "ECDSA secp256k1", "HIP defines ECDSA for P-256 and P-384 only (RFC 7401)"),
    ("1.2.840.10045.3.1.1", "ECDSA P-192", "HIP defines ECDSA for P-256 and P-384 only (RFC 7401)"),
    ("1.3.132.0.33", "ECDSA P-224", "HIP defines ECDSA for P-256 and P-384 only (RFC 7401)"),
];

/// Reads a public or private key in PEM or DER and returns its public half in HIP RR form.
///
/// PEM text may hold other blocks (such as OpenSSL's `EC PARAMETERS`) and text around them; the
/// first key block is used.
pub fn read_key(input: &[u8]) -> Result<KeyFile, KeyError> {
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(KeyError::Empty);
    }
    if let Some(start) = find(trimmed, BEGIN) {
        let (format, der) = pem_key(trimmed.get(start..).unwrap_or_default())?;
        let key = decode(format, &der)?;
        return Ok(KeyFile { key, format, pem: true });
    }
    let format = sniff_der(input)?;
    let key = decode(format, input)?;
    Ok(KeyFile { key, format, pem: false })
}

/// The first key block of PEM text: its format and DER content.
fn pem_key(mut text: &[u8]) -> Result<(KeyFormat, Vec<u8>), KeyError> {
    let mut labels = Vec::new();
    while let Some(start) = find(text, BEGIN) {
        text = text.get(start..).unwrap_or_default();
        // The label is found here, not by `pem_rfc7468`, which reads a whole text as one block.
        let after = text.get(BEGIN.len()..).unwrap_or_default();
        let label = find(after, b"-----")
            .and_then(|end| after.get(..end))
            .and_then(|label| std::str::from_utf8(label).ok())
            .filter(|label| !label.contains('\n'))
            .ok_or_else(|| KeyError::Pem {
                label: "?".into(),
                message: "a `-----BEGIN` line without its closing `-----`".into(),
            })?;
        let end_marker = format!("-----END {label}-----");
        let Some(end) = find(text, end_marker.as_bytes()) else {
            return Err(KeyError::Pem {
                label: label.into(),
                message: format!("no `{end_marker}` line"),
            });
        };
        let block_len = end + end_marker.len();
        let block = text.get(..block_len).unwrap_or_default();
        let format = match label {
            "PUBLIC KEY" => Some(KeyFormat::Spki),
            "PRIVATE KEY" => Some(KeyFormat::Pkcs8),
            "RSA PUBLIC KEY" => Some(KeyFormat::Pkcs1Public),
            "RSA PRIVATE KEY" => Some(KeyFormat::Pkcs1Private),
            "EC PRIVATE KEY" => Some(KeyFormat::Sec1),
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
            "DSA PRIVATE KEY" => {
                return Err(KeyError::UnsupportedFormat(
                    "OpenSSL's own `DSA PRIVATE KEY` format is not read: convert it to PKCS#8 \
                     with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.p8`, or give the public \
                     key",
                ));
            }
            _ => None,
        };
        if let Some(format) = format {
            // RFC 1421 encryption headers (`Proc-Type: 4,ENCRYPTED`) in legacy private keys.
            if find(block, b"Proc-Type:").is_some() {
                return Err(KeyError::Encrypted);
            }
            let (_, der) = pem_rfc7468::decode_vec(block)
                .map_err(|e| KeyError::Pem { label: label.into(), message: e.to_string() })?;
            return Ok((format, der));
        }
        labels.push(label.to_owned());
        text = text.get(block_len..).unwrap_or_default();
    }
    Err(KeyError::NoKeyBlock(labels))
}

/// Which container DER input is, by trying each structure without interpreting the key.
fn sniff_der(der: &[u8]) -> Result<KeyFormat, KeyError> {
    if SubjectPublicKeyInfoRef::try_from(der).is_ok() {
        Ok(KeyFormat::Spki)
    } else if PrivateKeyInfo::try_from(der).is_ok() {
        Ok(KeyFormat::Pkcs8)
    } else if pkcs1::RsaPrivateKey::try_from(der).is_ok() {
        Ok(KeyFormat::Pkcs1Private)
    } else if sec1::EcPrivateKey::try_from(der).is_ok() {
        Ok(KeyFormat::Sec1)
    } else if pkcs1::RsaPublicKey::try_from(der).is_ok() {
        Ok(KeyFormat::Pkcs1Public)
    } else {
        Err(KeyError::NotAKey)
    }
}

fn decode(format: KeyFormat, der: &[u8]) -> Result<PublicHostKey, KeyError> {
    match format {
        KeyFormat::Spki => spki_key(der),
        KeyFormat::Pkcs8 => pkcs8_key(der),
        KeyFormat::Pkcs1Public => {
            let key = rsa::RsaPublicKey::from_pkcs1_der(der).map_err(malformed("PKCS#1 RSA"))?;
            rr::rsa(&key)
        }
        KeyFormat::Pkcs1Private => {
            let key = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(malformed("PKCS#1 RSA"))?;
            rr::rsa(&key.to_public_key())
        }
        KeyFormat::Sec1 => sec1_key(der),
    }
}

fn spki_key(der: &[u8]) -> Result<PublicHostKey, KeyError> {
    let info = SubjectPublicKeyInfoRef::try_from(der).map_err(malformed("SubjectPublicKeyInfo"))?;
    let oid = info.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        let key = rsa::RsaPublicKey::try_from(info).map_err(malformed("RSA public"))?;
        rr::rsa(&key)
    } else if oid == ID_DSA {
        let key = dsa::VerifyingKey::try_from(info).map_err(malformed("DSA public"))?;
        rr::dsa(&key)
    } else if oid == ID_EC_PUBLIC_KEY {
        match curve(info.algorithm.parameters_oid().ok())? {
            Curve::P256 => Ok(rr::p256(
                &p256::PublicKey::from_public_key_der(der).map_err(malformed("P-256"))?,
            )),
            Curve::P384 => Ok(rr::p384(
                &p384::PublicKey::from_public_key_der(der).map_err(malformed("P-384"))?,
            )),
        }
    } else if oid == ID_ED25519 {
        let key = ed25519_dalek::VerifyingKey::from_public_key_der(der)
            .map_err(malformed("Ed25519 public"))?;
        Ok(rr::ed25519(&key))
    } else {
        Err(refused(oid))
    }
}

fn pkcs8_key(der: &[u8]) -> Result<PublicHostKey, KeyError> {
    let info = PrivateKeyInfo::try_from(der).map_err(malformed("PKCS#8"))?;
    let oid = info.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        let key = rsa::RsaPrivateKey::try_from(info).map_err(malformed("RSA private"))?;
        rr::rsa(&key.to_public_key())
    } else if oid == ID_DSA {
        let key = dsa::SigningKey::try_from(info).map_err(malformed("DSA private"))?;
        rr::dsa(key.verifying_key())
    } else if oid == ID_EC_PUBLIC_KEY {
        match curve(info.algorithm.parameters_oid().ok())? {
            Curve::P256 => {
                let key = p256::SecretKey::from_pkcs8_der(der).map_err(malformed("P-256"))?;
                Ok(rr::p256(&key.public_key()))
            }
            Curve::P384 => {
                let key = p384::SecretKey::from_pkcs8_der(der).map_err(malformed("P-384"))?;
                Ok(rr::p384(&key.public_key()))
            }
        }
    } else if oid == ID_ED25519 {
        let key =
            ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(malformed("Ed25519 private"))?;
        Ok(rr::ed25519(&key.verifying_key()))
    } else {
        Err(refused(oid))
    }
}

fn sec1_key(der: &[u8]) -> Result<PublicHostKey, KeyError> {
    let info = sec1::EcPrivateKey::try_from(der).map_err(malformed("SEC1"))?;
    // RFC 5915 makes the curve optional; keys written without it (RustCrypto does so) are told
    // apart by the private scalar's length, which differs between the two curves read.
    let named = match info.parameters {
        Some(parameters) => parameters.named_curve(),
        None => match info.private_key.len() {
            32 => Some(SECP256R1),
            48 => Some(SECP384R1),
            _ => None,
        },
    };
    match curve(named)? {
        Curve::P256 => {
            let key = p256::SecretKey::from_sec1_der(der).map_err(malformed("P-256 SEC1"))?;
            Ok(rr::p256(&key.public_key()))
        }
        Curve::P384 => {
            let key = p384::SecretKey::from_sec1_der(der).map_err(malformed("P-384 SEC1"))?;
            Ok(rr::p384(&key.public_key()))
        }
    }
}

enum Curve {
    P256,
    P384,
}

fn curve(named: Option<ObjectIdentifier>) -> Result<Curve, KeyError> {
    match named {
        Some(oid) if oid == SECP256R1 => Ok(Curve::P256),
        Some(oid) if oid == SECP384R1 => Ok(Curve::P384),
        Some(oid) => Err(refused(oid)),
        None => Err(KeyError::Malformed {
            format: "EC",
            message: "the key names no curve: only named curves (P-256, P-384) are read".into(),
        }),
    }
}

fn refused(oid: ObjectIdentifier) -> KeyError {
    let text = oid.to_string();
    let (what, hint) = REFUSED
        .iter()
        .find(|(known, _, _)| *known == text)
        .map(|(_, what, hint)| (*what, *hint))
        .unwrap_or(("unknown", "HIP host keys are RSA, DSA, ECDSA P-256 or P-384, or Ed25519"));
    KeyError::UnsupportedAlgorithm { what, oid: text, hint }
}

fn malformed<E: std::fmt::Display>(format: &'static str) -> impl Fn(E) -> KeyError {
    move |e| KeyError::Malformed { format, message: e.to_string() }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
