//! The `nameward hip` commands that need no DNS server: key files, records, HITs, and the
//! errors a user meets.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn nameward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nameward")).args(args).output().expect("nameward runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("nameward-hip-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn keygen_writes_a_private_file_once_and_rr_passes_the_strict_check() {
    let dir = TempDir::new("keygen");
    let mut zone =
        String::from("$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
    for algorithm in ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa"] {
        let key = dir.file(algorithm);
        let mut args = vec!["hip", "keygen", "--algorithm", algorithm, "--out", &key];
        if algorithm == "rsa" {
            args.extend(["--bits", "2048"]);
        }
        let out = nameward(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let pem = std::fs::read_to_string(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{algorithm}");
        }
        // Never overwritten.
        let again = nameward(&args);
        assert_eq!(again.status.code(), Some(1));
        assert!(text(&again.stderr).contains("already exists"), "{}", text(&again.stderr));
        assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);

        let owner = format!("{algorithm}.example.");
        let out =
            nameward(&["hip", "rr", "--key", &key, "--owner", &owner, "--rvs", "rvs.example"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let line = text(&out.stdout);
        assert!(line.starts_with(&format!("{owner} 3600 IN HIP ")), "{line}");
        assert!(line.trim_end().ends_with(" rvs.example."), "{line}");
        zone.push_str(&line);

        // `hip hit` of the key and of the record agree.
        let hit = text(&nameward(&["hip", "hit", "--key", &key]).stdout);
        let rdata: Vec<&str> = line.split_whitespace().skip(4).collect();
        let from_rdata = nameward(&["hip", "hit", "--rdata", &rdata.join(" ")]);
        assert_eq!(text(&from_rdata.stdout), hit);
        assert!(from_rdata.stderr.is_empty(), "{}", text(&from_rdata.stderr));
    }
    let rsa_v1 =
        nameward(&["hip", "rr", "--key", &dir.file("rsa"), "--orchid", "v1", "--owner", "v1"]);
    zone.push_str(&text(&rsa_v1.stdout));
    std::fs::write(dir.0.join("zone"), &zone).unwrap();
    let check =
        nameward(&["zone", "check", "--strict-hit", "--origin", "example.", &dir.file("zone")]);
    assert!(check.status.success(), "{}\n{zone}", text(&check.stderr));
    assert!(check.stderr.is_empty(), "{}", text(&check.stderr));
}

#[test]
fn hit_of_the_rfc_example_record() {
    let rdata = "( 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs.example.com. )";
    let out = nameward(&["hip", "hit", "--orchid", "v1", "--rdata", rdata]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "2001:10:cac8:cec2:171c:4ab0:7dee:440a\n");
    assert!(text(&out.stderr).contains("record's own HIT is not this one"));
}

#[test]
fn errors_say_what_and_where() {
    let dir = TempDir::new("errors");
    std::fs::write(dir.0.join("junk"), "not a key").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["hip", "hit", "--key", "/nonexistent/key.pem"], "cannot read /nonexistent/key.pem"),
        (&["hip", "hit", "--key", &dir.file("junk")], "junk: not a PEM file"),
        (&["hip", "hit", "--rdata", "2 zz AAAA"], "bad --rdata"),
        (&["hip", "rr", "--key", &dir.file("junk")], "not a PEM file"),
        (&["hip", "resolve", "host.example.", "--server", "dns.example"], "bad --server"),
        (
            &["hip", "resolve", "host.example.", "--server", "127.0.0.1", "--timeout", "soon"],
            "bad --timeout",
        ),
        (
            &["hip", "keygen", "--algorithm", "rsa", "--bits", "1024", "--out", &dir.file("k")],
            "1024 bits",
        ),
        (
            &["hip", "keygen", "--algorithm", "ed25519", "--bits", "2048", "--out", &dir.file("k")],
            "RSA keys only",
        ),
    ];
    for (args, needle) in cases {
        let out = nameward(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    assert!(!dir.0.join("k").exists());
    // Usage errors exit 1 too, since `hip resolve` gives 2 and 3 meanings of their own.
    for args in [
        &["hip", "hit"][..],
        &["hip", "resolve", "host.example."],
        &["hip", "hit", "--key", "k", "--rdata", "r"],
    ] {
        let out = nameward(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(text(&out.stderr).contains("Usage"), "{}", text(&out.stderr));
    }
    let help = nameward(&["hip", "resolve", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("Exit status"));
}
