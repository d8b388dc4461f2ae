//! HIT vectors for every HIP RR key algorithm, from real keys made with OpenSSL and converted to
//! the DNS key formats (`data/*.key`, base64 as in a zone file), cross-checked at run time against
//! an independent Python implementation (`orchid_crosscheck.py`).
//!
//! Without `python3` the cross-check is skipped with a note, unless `CI=true`, where it fails.

// The helpers below run only in tests, where a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::net::Ipv6Addr;
use std::process::{Command, Stdio};

use nameward_dns::check::Severity;
use nameward_dns::rdata::hip::Hip;
use nameward_hip::orchid::orchid_v2_variants;
use nameward_hip::{HitMatch, HostId, V2Variant, check_hip, orchid_v1, orchid_v2, verify_hit};

/// A test key: its data file, HIP RR algorithm, and expected ORCHID v1 and v2.
struct Vector {
    file: &'static str,
    algorithm: u8,
    v1: Option<&'static str>,
    v2: &'static str,
}

fn key(file: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{file}.key", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    nameward_dns::text::decode_base64(text.trim().as_bytes()).unwrap()
}

fn ip(text: &str) -> [u8; 16] {
    text.parse::<Ipv6Addr>().unwrap().octets()
}

fn record(algorithm: u8, hit: [u8; 16], public_key: Vec<u8>) -> Hip {
    Hip { algorithm, hit: hit.to_vec(), public_key, rendezvous_servers: Vec::new() }
}

/// Checks one vector: the computed HITs, the independent implementation's, and that records
/// carrying either HIT pass the check while one with a foreign HIT does not.
fn check(vector: &Vector) {
    let key = key(vector.file);
    let v1 = (vector.algorithm <= 2).then(|| orchid_v1(&key));
    let v2 = orchid_v2(vector.algorithm, &key).unwrap();
    assert_eq!(v1, vector.v1.map(ip), "{} v1", vector.file);
    assert_eq!(v2, ip(vector.v2), "{} v2", vector.file);
    cross_check(vector.file, vector.algorithm, &key, v1, v2);

    assert_eq!(verify_hit(&record(vector.algorithm, v2, key.clone())), HitMatch::V2);
    assert!(check_hip(&record(vector.algorithm, v2, key.clone()), true).is_empty());
    if let Some(v1) = v1 {
        assert_eq!(verify_hit(&record(vector.algorithm, v1, key.clone())), HitMatch::V1);
        assert!(check_hip(&record(vector.algorithm, v1, key.clone()), true).is_empty());
    }
    let mut foreign = v2;
    foreign[15] ^= 1;
    let findings = check_hip(&record(vector.algorithm, foreign, key), false);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].0, Severity::Warning);
    assert!(findings[0].1.contains(vector.v2), "{}", findings[0].1);
}

/// Runs the Python implementation on the same input and compares.
fn cross_check(name: &str, algorithm: u8, key: &[u8], v1: Option<[u8; 16]>, v2: [u8; 16]) {
    let script = format!("{}/tests/orchid_crosscheck.py", env!("CARGO_MANIFEST_DIR"));
    let child =
        Command::new("python3").arg(&script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            let what = format!("the ORCHID cross-check for {name}");
            nameward_peer::available(&what, false, &format!("python3 does not run ({e})"));
            return;
        }
    };
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{name} {algorithm} {hex}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "cross-check script failed for {name}");
    let text = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<&str> = text.split_whitespace().collect();
    let show =
        |hit: Option<[u8; 16]>| hit.map_or("-".to_owned(), |h| Ipv6Addr::from(h).to_string());
    let mut expected = vec![name.to_owned(), show(v1), show(Some(v2))];
    let host_id = HostId::from_hip_rr(algorithm, key).unwrap();
    for (variant, hit) in orchid_v2_variants(&host_id) {
        let label = match variant {
            V2Variant::EcdsaWithoutPointPrefix => "ecdsa-bare-point",
            V2Variant::EddsaContextAsCustomization => "eddsa-cshake-custom",
        };
        expected.push(format!("{label}={}", show(Some(hit))));
    }
    assert_eq!(fields, expected, "Python disagrees for {name}");
}

#[test]
fn rsa() {
    check(&Vector {
        file: "rsa",
        algorithm: 2,
        v1: Some("2001:13:b5cf:3da:c282:af42:2170:70a1"),
        v2: "2001:21:e4fe:3a54:f06e:7d7d:3e31:4129",
    });
}

#[test]
fn dsa() {
    check(&Vector {
        file: "dsa",
        algorithm: 1,
        v1: Some("2001:19:b67a:a1a7:e8cd:ee25:eb90:6ad"),
        v2: "2001:21:f5ed:52cd:17cb:d0c0:8212:5d5e",
    });
}

#[test]
fn ecdsa() {
    check(&Vector {
        file: "ecdsa-p256",
        algorithm: 3,
        v1: None,
        v2: "2001:22:3741:8e4f:24a0:a120:5c79:608d",
    });
    check(&Vector {
        file: "ecdsa-p384",
        algorithm: 3,
        v1: None,
        v2: "2001:22:50ca:ae28:836:b694:1c87:4c8f",
    });
}

/// A HIT made by hashing the DNS x ‖ y without the `04` point octet is recognised and explained.
#[test]
fn ecdsa_hit_without_point_prefix() {
    // Computed independently by hashing curve label ‖ x ‖ y (SHA-384, middle 96 bits).
    let bare_p256 = "2001:22:6024:d4c5:71dd:cf82:5d55:716a";
    let record = record(3, ip(bare_p256), key("ecdsa-p256"));
    let expected = "2001:22:3741:8e4f:24a0:a120:5c79:608d";
    assert_eq!(
        verify_hit(&record),
        HitMatch::V2Variant {
            variant: V2Variant::EcdsaWithoutPointPrefix,
            v2: expected.parse().unwrap()
        }
    );
    let findings = check_hip(&record, false);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, Severity::Warning);
    for needle in [bare_p256, expected, "04 ‖ x ‖ y", "RFC 7401 §5.2.9", "RFC 5205 §4.1"] {
        assert!(findings[0].1.contains(needle), "missing {needle:?} in: {}", findings[0].1);
    }
    assert_eq!(check_hip(&record, true)[0].0, Severity::Error);
}

/// A HIT made with RFC 9374's DET-style cSHAKE (context ID as customization) is explained.
#[test]
fn eddsa_hit_with_context_as_customization() {
    // Computed independently with cSHAKE128(curve label ‖ key, 96, "", context ID).
    let det_style = "2001:25:e9ac:570a:d381:8dd0:7fde:441a";
    let record = record(4, ip(det_style), key("ed25519"));
    let expected = "2001:25:20a2:e867:ad7a:692d:b435:9a99";
    assert_eq!(
        verify_hit(&record),
        HitMatch::V2Variant {
            variant: V2Variant::EddsaContextAsCustomization,
            v2: expected.parse().unwrap()
        }
    );
    let findings = check_hip(&record, false);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, Severity::Warning);
    for needle in [det_style, expected, "customization", "RFC 9374 §3.5.2.1", "RFC 5205 §4.1"] {
        assert!(findings[0].1.contains(needle), "missing {needle:?} in: {}", findings[0].1);
    }
}

#[test]
fn ecdsa_low() {
    check(&Vector {
        file: "ecdsa-secp160r1",
        algorithm: 3,
        v1: None,
        v2: "2001:23:75cc:5cc9:cb2a:a9ba:eebc:47c7",
    });
}

#[test]
fn eddsa() {
    check(&Vector {
        file: "ed25519",
        algorithm: 4,
        v1: None,
        v2: "2001:25:20a2:e867:ad7a:692d:b435:9a99",
    });
    check(&Vector {
        file: "ed448",
        algorithm: 4,
        v1: None,
        v2: "2001:25:3840:3741:89f3:ec56:34ba:1005",
    });
}

/// RFC 5205 §7: the printed HIT is not its key's ORCHID. The record is kept (a warning, an
/// error only when strict), and the message says why and what the key's HITs are.
#[test]
fn rfc5205_section7_example_warns() {
    check(&Vector {
        file: "rfc5205-section7-rsa",
        algorithm: 2,
        v1: Some("2001:10:cac8:cec2:171c:4ab0:7dee:440a"),
        v2: "2001:21:731f:db71:2bf5:bf3b:f642:72a4",
    });
    let example =
        record(2, ip("2001:10:7b1a:74df:3656:39cc:39f1:d578"), key("rfc5205-section7-rsa"));
    assert_eq!(
        verify_hit(&example),
        HitMatch::Mismatch {
            v1: Some("2001:10:cac8:cec2:171c:4ab0:7dee:440a".parse().unwrap()),
            v2: Ok("2001:21:731f:db71:2bf5:bf3b:f642:72a4".parse().unwrap()),
        }
    );
    let findings = check_hip(&example, false);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let (severity, message) = &findings[0];
    assert_eq!(*severity, Severity::Warning);
    for needle in [
        "2001:10:7b1a:74df:3656:39cc:39f1:d578 is not the ORCHID",
        "RSA public key",
        "ORCHID v1",
        "ORCHID v2",
        "2001:10:cac8:cec2:171c:4ab0:7dee:440a",
        "2001:21:731f:db71:2bf5:bf3b:f642:72a4",
        "RFC 5205 §4.1",
        "will not let a peer match the host",
        "RFC 5205 §7",
    ] {
        assert!(message.contains(needle), "missing {needle:?} in: {message}");
    }
    assert_eq!(check_hip(&example, true)[0].0, Severity::Error);
}
