//! Signing test zones with BIND's `dnssec-signzone` (Debian package bind9-utils) at test time:
//! fresh ECDSA P-256 keys (a KSK and a ZSK) in a scratch directory for every zone.
//!
//! The tools are peers, like Knot and NSD in the differential test: under `CI=true` a missing
//! one fails the test; elsewhere the test says loudly that it did not run.

#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// How the signed zone denies existence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// NSEC (RFC 4034 §4).
    Nsec,
    /// NSEC3 with salt AB and 0 extra iterations (RFC 5155, RFC 9276 §3.1).
    Nsec3,
    /// NSEC3 with opt-out: unsigned delegations get no NSEC3 of their own (RFC 5155 §6).
    Nsec3OptOut,
}

/// True when `dnssec-signzone` and `dnssec-keygen` are installed (see [`nameward_peer`]).
pub fn tools_present(what: &str) -> bool {
    ["dnssec-signzone", "dnssec-keygen"]
        .iter()
        .all(|tool| nameward_peer::program(what, tool, "bind9-utils"))
}

/// Signs `text`, the zone `origin` (absolute, with the trailing dot), and returns the signed
/// zone file's text.
pub fn sign(origin: &str, text: &str, chain: Chain) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir: PathBuf =
        std::env::temp_dir().join(format!("nameward-sign-{origin}{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for ksk in [false, true] {
        let mut keygen = Command::new("dnssec-keygen");
        keygen.current_dir(&dir).args(["-q", "-K", ".", "-a", "ECDSAP256SHA256", "-n", "ZONE"]);
        if ksk {
            keygen.args(["-f", "KSK"]);
        }
        run(keygen.arg(origin));
    }
    std::fs::write(dir.join("zone"), text).unwrap();
    let mut signzone = Command::new("dnssec-signzone");
    signzone.current_dir(&dir).args(["-q", "-S", "-K", ".", "-o", origin, "-f", "signed"]);
    match chain {
        Chain::Nsec => {}
        Chain::Nsec3 => {
            signzone.args(["-3", "ab", "-H", "0"]);
        }
        Chain::Nsec3OptOut => {
            signzone.args(["-3", "ab", "-H", "0", "-A"]);
        }
    }
    run(signzone.arg("zone"));
    let signed = std::fs::read_to_string(dir.join("signed")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    signed
}

fn run(command: &mut Command) {
    let output = command.stdin(Stdio::null()).output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
