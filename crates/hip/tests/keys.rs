//! Host keys: every algorithm and container, PEM and DER, public and private, read into the HIP
//! RR key field; cross-checked against OpenSSL where it is installed (under `CI=true` a missing
//! `openssl` is a failure).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use nameward_hip::OrchidVersion;
use nameward_hip::keys::{KeyAlgorithm, KeyError, KeyFormat, generate, read_key};
use pkcs8::{EncodePrivateKey, EncodePublicKey};

/// RFC 8032 §7.1 test 1: secret and public key.
const ED25519_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const ED25519_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn ed25519_known_answer() {
    // PKCS#8 (RFC 8410) around the RFC 8032 secret key.
    let der = [hex("302e020100300506032b657004220420"), hex(ED25519_SECRET)].concat();
    let file = read_key(&der).unwrap();
    assert_eq!(file.format, KeyFormat::Pkcs8);
    assert!(!file.pem);
    assert_eq!(file.key.algorithm(), KeyAlgorithm::Ed25519);
    assert_eq!(file.key.hip_algorithm(), 4);
    assert_eq!(file.key.rr_key(), hex(ED25519_PUBLIC));
    let pem = pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &der).unwrap();
    assert_eq!(read_key(pem.as_bytes()).unwrap().key, file.key);
    // SPKI of the same public key.
    let spki = [hex("302a300506032b6570032100"), hex(ED25519_PUBLIC)].concat();
    assert_eq!(read_key(&spki).unwrap().key, file.key);
    assert!(matches!(file.key.hit(OrchidVersion::V1), Err(nameward_hip::HitError::NoV1Hit(4))));
    assert_eq!(file.key.hit(OrchidVersion::V2).unwrap()[..4], [0x20, 0x01, 0x00, 0x25]);
}

#[test]
fn generated_keys_read_back_in_every_container() {
    for algorithm in
        [KeyAlgorithm::Rsa, KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384, KeyAlgorithm::Ed25519]
    {
        let bits = (algorithm == KeyAlgorithm::Rsa).then_some(2048);
        let key = generate(algorithm, bits).unwrap();
        let public = key.public().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let file = read_key(pem.as_bytes()).unwrap();
        assert_eq!((file.format, file.pem), (KeyFormat::Pkcs8, true));
        assert_eq!(file.key, public);
        let expected_len = match algorithm {
            KeyAlgorithm::Rsa => 1 + 3 + 256,
            KeyAlgorithm::EcdsaP256 => 64,
            KeyAlgorithm::EcdsaP384 => 96,
            _ => 32,
        };
        assert_eq!(public.rr_key().len(), expected_len, "{algorithm}");
        let (private_der, public_der) = match &key {
            nameward_hip::keys::PrivateHostKey::Rsa(k) => {
                use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
                let pkcs1 = k.to_pkcs1_der().unwrap();
                assert_eq!(read_key(pkcs1.as_bytes()).unwrap().format, KeyFormat::Pkcs1Private);
                assert_eq!(read_key(pkcs1.as_bytes()).unwrap().key, public);
                let pkcs1_pub = k.to_public_key().to_pkcs1_der().unwrap();
                let read = read_key(pkcs1_pub.as_bytes()).unwrap();
                assert_eq!((read.format, &read.key), (KeyFormat::Pkcs1Public, &public));
                assert_eq!(&public.rr_key()[..4], &[3, 1, 0, 1]);
                (k.to_pkcs8_der().unwrap(), k.to_public_key().to_public_key_der().unwrap())
            }
            nameward_hip::keys::PrivateHostKey::P256(k) => {
                let sec1 = k.to_sec1_der().unwrap();
                assert_eq!(read_key(&sec1).unwrap().format, KeyFormat::Sec1);
                assert_eq!(read_key(&sec1).unwrap().key, public);
                (k.to_pkcs8_der().unwrap(), k.public_key().to_public_key_der().unwrap())
            }
            nameward_hip::keys::PrivateHostKey::P384(k) => {
                let sec1 = k.to_sec1_der().unwrap();
                assert_eq!(read_key(&sec1).unwrap().key, public);
                (k.to_pkcs8_der().unwrap(), k.public_key().to_public_key_der().unwrap())
            }
            nameward_hip::keys::PrivateHostKey::Ed25519(k) => {
                (k.to_pkcs8_der().unwrap(), k.verifying_key().to_public_key_der().unwrap())
            }
        };
        assert_eq!(read_key(private_der.as_bytes()).unwrap().key, public);
        let read = read_key(public_der.as_bytes()).unwrap();
        assert_eq!((read.format, &read.key), (KeyFormat::Spki, &public));
    }
}

#[test]
fn generation_refusals() {
    assert!(matches!(generate(KeyAlgorithm::Dsa, None), Err(KeyError::BadRequest(_))));
    assert!(matches!(generate(KeyAlgorithm::Rsa, Some(1024)), Err(KeyError::BadRequest(_))));
    assert!(matches!(generate(KeyAlgorithm::Ed25519, Some(2048)), Err(KeyError::BadRequest(_))));
}

#[test]
fn malformed_input_is_refused_with_reasons() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"hello", "not a PEM file"),
        (&[0x30, 0x03, 0x02, 0x01], "not a PEM file"),
        (b"-----BEGIN PRIVATE KEY-----\nMIIB\n", "no `-----END PRIVATE KEY-----` line"),
        (b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n", "bad PEM"),
        (b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", "malformed PKCS#8"),
        (b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", "found: CERTIFICATE"),
        (b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"),
        (
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n-----END RSA PRIVATE KEY-----\n",
            "encrypted",
        ),
        (b"-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n", "PKCS#8"),
        (b"-----BEGIN", "not a PEM file"),
        (b"-----BEGIN PUBLIC KEY\n", "without its closing"),
    ];
    for (input, needle) in cases {
        let error = read_key(input).unwrap_err().to_string();
        assert!(error.contains(needle), "{:?}: {error}", String::from_utf8_lossy(input));
    }
    // Truncated DER of a real key, at every length.
    let der = [hex("302e020100300506032b657004220420"), hex(ED25519_SECRET)].concat();
    for len in 0..der.len() {
        assert!(read_key(&der[..len]).is_err());
    }
}

#[test]
fn unsupported_algorithms_are_named() {
    // SPKI of X25519 (RFC 8410 §10.1) and a PKCS#8 RSASSA-PSS header with a junk key.
    let x25519 = hex(
        "302a300506032b656e032100de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
    );
    let error = read_key(&x25519).unwrap_err().to_string();
    assert!(error.contains("X25519") && error.contains("1.3.101.110"), "{error}");
    let pss = hex("3016020100300b06092a864886f70d01010a04040302 0100".replace(' ', "").as_str());
    let error = read_key(&pss).unwrap_err().to_string();
    assert!(error.contains("RSASSA-PSS"), "{error}");
}

/// OpenSSL as a peer: `None` (and a note) when it is missing outside CI.
fn openssl() -> Option<()> {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => Some(()),
        _ => {
            let missing = "openssl does not run (Debian package openssl)";
            nameward_peer::available("the OpenSSL key cross-checks", false, missing);
            None
        }
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("nameward-keys-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &Path, args: &str) -> Vec<u8> {
    let out =
        Command::new("openssl").args(args.split_whitespace()).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn read(dir: &Path, file: &str) -> nameward_hip::keys::KeyFile {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    read_key(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Writes the key `k.pem` in every container OpenSSL makes for it and checks that all read to
/// `expected` (or to the same key when `expected` is `None`).
fn every_form(dir: &Path, tool: &str, extra: &[&str], expected: Option<Vec<u8>>) -> Vec<u8> {
    run(dir, "pkcs8 -topk8 -nocrypt -in k.pem -outform DER -out k.der");
    run(dir, "pkey -in k.pem -pubout -out pub.pem");
    run(dir, "pkey -in k.pem -pubout -outform DER -out pub.der");
    let mut files = vec!["k.pem", "k.der", "pub.pem", "pub.der"];
    for (i, args) in extra.iter().enumerate() {
        run(dir, &format!("{tool} -in k.pem {args}"));
        files.push(["x0", "x1", "x2", "x3"][i]);
    }
    let first = read(dir, "k.pem").key;
    for file in files {
        let got = read(dir, file);
        assert_eq!(got.key, first, "{file}");
    }
    if let Some(expected) = expected {
        assert_eq!(first.rr_key(), expected);
    }
    first.rr_key().to_vec()
}

#[test]
fn openssl_keys_give_the_expected_dns_key() {
    if openssl().is_none() {
        return;
    }
    let dir = TempDir::new("openssl");
    let d = &dir.0;

    // RSA: RFC 3110 is exponent length, exponent, modulus.
    run(d, "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.pem");
    let modulus = String::from_utf8(run(d, "rsa -in k.pem -modulus -noout")).unwrap();
    let modulus = hex(modulus.trim().trim_start_matches("Modulus="));
    let expected = [vec![3, 1, 0, 1], modulus].concat();
    every_form(
        d,
        "rsa",
        &[
            "-traditional -out x0",
            "-traditional -outform DER -out x1",
            "-RSAPublicKey_out -out x2",
            "-RSAPublicKey_out -outform DER -out x3",
        ],
        Some(expected),
    );
    assert_eq!(read(d, "x0").format, KeyFormat::Pkcs1Private);
    assert_eq!(read(d, "x3").format, KeyFormat::Pkcs1Public);

    // ECDSA: RFC 6605 is x ‖ y, the SPKI point without its 04.
    for (curve, len) in [("P-256", 64), ("P-384", 96)] {
        run(d, &format!("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:{curve} -out k.pem"));
        let spki = run(d, "pkey -in k.pem -pubout -outform DER");
        let expected = spki[spki.len() - len..].to_vec();
        assert_eq!(spki[spki.len() - len - 1], 4);
        every_form(d, "ec", &["-out x0", "-outform DER -out x1"], Some(expected));
        assert_eq!(read(d, "x0").format, KeyFormat::Sec1);
        assert_eq!(read(d, "x1").format, KeyFormat::Sec1);
        assert_eq!(read(d, "x0").key.hip_algorithm(), 3);
    }
    // A SEC1 key after an EC PARAMETERS block, as `openssl ecparam -genkey` writes it.
    run(d, "ecparam -name prime256v1 -genkey -out k.pem");
    let file = read(d, "k.pem");
    assert_eq!((file.format, file.key.algorithm()), (KeyFormat::Sec1, KeyAlgorithm::EcdsaP256));

    // Ed25519: RFC 8080 is the raw 32 octets.
    run(d, "genpkey -algorithm ED25519 -out k.pem");
    let spki = run(d, "pkey -in k.pem -pubout -outform DER");
    every_form(d, "pkey", &[], Some(spki[spki.len() - 32..].to_vec()));

    // DSA: RFC 2536 is T, Q, P, G, Y; 1024-bit keys only.
    run(
        d,
        "genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -pkeyopt dsa_paramgen_q_bits:160 -out params.pem",
    );
    run(d, "genpkey -paramfile params.pem -out k.pem");
    let key = every_form(d, "pkey", &[], None);
    assert_eq!((key[0], key.len()), (8, 1 + 20 + 3 * 128));
    assert_eq!(read(d, "k.pem").key.hip_algorithm(), 1);
    assert!(read(d, "k.pem").key.hit(OrchidVersion::V1).is_ok());

    // Refused: keys HIP cannot carry.
    let refused = [
        ("genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out r.pem", "RSASSA-PSS"),
        ("genpkey -algorithm X25519 -out r.pem", "X25519"),
        ("genpkey -algorithm ED448 -out r.pem", "Ed448"),
        ("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out r.pem", "P-521"),
    ];
    for (args, needle) in refused {
        run(d, args);
        run(d, "pkey -in r.pem -pubout -out rpub.pem");
        for file in ["r.pem", "rpub.pem"] {
            let bytes = std::fs::read(d.join(file)).unwrap();
            let error = read_key(&bytes).unwrap_err().to_string();
            assert!(error.contains(needle), "{args} {file}: {error}");
        }
    }
    run(d, "genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out params.pem");
    run(d, "genpkey -paramfile params.pem -out r.pem");
    let bytes = std::fs::read(d.join("r.pem")).unwrap();
    let error = read_key(&bytes).unwrap_err().to_string();
    assert!(error.contains("2048-bit prime P"), "{error}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// A valid PKCS#8 Ed25519 key, to mutate.
    fn valid() -> Vec<u8> {
        [hex("302e020100300506032b657004220420"), hex(ED25519_SECRET)].concat()
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = read_key(&bytes);
        }

        #[test]
        fn mutated_keys_never_panic(at in 0usize..48, byte in any::<u8>(), cut in 0usize..49) {
            let mut der = valid();
            der[at] = byte;
            der.truncate(cut.max(1));
            let _ = read_key(&der);
            let pem = pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &der)
                .unwrap();
            let _ = read_key(pem.as_bytes());
        }

        #[test]
        fn arbitrary_pem_text_never_panics(label in "[A-Z ]{0,20}", body in "[A-Za-z0-9+/=\n-]{0,200}") {
            let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            let _ = read_key(text.as_bytes());
        }
    }
}
