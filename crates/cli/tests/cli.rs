//! The `nameward zone` commands as a user runs them: exit codes, diagnostics on standard error,
//! canonical text on standard output, standard input, includes.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn nameward(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nameward runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("nameward finishes")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const EXAMPLE: &str = "examples/example.com.zone";

#[test]
fn example_zone_checks_with_one_warning_for_the_rfc_example() {
    let out = nameward(&["zone", "check", "--origin", "example.com.", EXAMPLE], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("examples/example.com.zone:37: warning: www.example.com. HIP:"));
    assert!(lines[0].contains("2001:10:cac8:cec2:171c:4ab0:7dee:440a"), "{stderr}");
    assert!(lines[0].contains("RFC 5205 §7"), "{stderr}");
}

#[test]
fn strict_hit_turns_the_mismatch_into_an_error() {
    let out =
        nameward(&["zone", "check", "--strict-hit", "--origin", "example.com.", EXAMPLE], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(":37: error: www.example.com. HIP:"));
}

#[test]
fn fmt_prints_canonical_text_that_reads_back_the_same() {
    let out = nameward(&["zone", "fmt", "--origin", "example.com.", EXAMPLE], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let first: Vec<&str> = printed.lines().take(3).collect();
    assert_eq!(
        first,
        [
            "example.com. 3600 IN NS ns1.example.com.",
            "example.com. 3600 IN NS ns2.example.net.",
            "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112101 7200 900 1209600 300",
        ]
    );
    assert!(
        printed
            .contains("host.example.com. 3600 IN HIP 2 20010010cac8cec2171c4ab07dee440a AwEAAbdx")
    );
    // Its own output, read from standard input, prints identically: a fixed point.
    let again = nameward(&["zone", "fmt", "--origin", "example.com.", "-"], Some(&printed));
    assert_eq!(text(&again.stdout), printed);
}

#[test]
fn generic_output_reads_back_to_the_same_zone() {
    let generic =
        nameward(&["zone", "fmt", "--generic", "--origin", "example.com.", EXAMPLE], None);
    let generic = text(&generic.stdout);
    assert!(generic.lines().all(|l| l.contains(" IN TYPE") && l.contains(" \\# ")), "{generic}");
    assert!(generic.contains(" IN TYPE55 \\# 170 10020084200100107b1a74df"), "{generic}");
    let plain = nameward(&["zone", "fmt", "--origin", "example.com.", EXAMPLE], None);
    let from_generic = nameward(&["zone", "fmt", "--origin", "example.com.", "-"], Some(&generic));
    assert_eq!(text(&from_generic.stdout), text(&plain.stdout));
}

#[test]
fn errors_name_file_and_line_and_exit_1() {
    let zone = "$ORIGIN example.\n$TTL 1h\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nbad A 300.1.1.1\nwww CNAME x\nwww A 192.0.2.2\n";
    let out = nameward(&["zone", "check", "--origin", "example.", "-"], Some(zone));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("-:6: error: A record: bad IPv4 address `300.1.1.1`"), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("-:8: error:") && l.contains("CNAME (line 7)")),
        "{stderr}"
    );
    // fmt refuses to print a zone it could not read.
    let out = nameward(&["zone", "fmt", "--origin", "example.", "-"], Some(zone));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn includes_stay_in_the_zone_directory_unless_allowed() {
    let dir = std::env::temp_dir().join(format!("nameward-cli-include-{}", std::process::id()));
    let zones = dir.join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::write(zones.join("hosts"), "www A 192.0.2.80\n").unwrap();
    std::fs::write(dir.join("outside"), "out A 192.0.2.81\n").unwrap();
    let apex = "$TTL 1h\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n";
    std::fs::write(zones.join("inside.zone"), format!("{apex}$INCLUDE hosts\n")).unwrap();
    std::fs::write(zones.join("outside.zone"), format!("{apex}$INCLUDE ../outside\n")).unwrap();
    let path = |name: &str| zones.join(name).to_string_lossy().into_owned();

    let inside = nameward(&["zone", "fmt", "--origin", "example.", &path("inside.zone")], None);
    assert!(
        text(&inside.stdout).contains("www.example. 3600 IN A 192.0.2.80"),
        "{}",
        text(&inside.stderr)
    );
    let refused = nameward(&["zone", "check", "--origin", "example.", &path("outside.zone")], None);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("outside"), "{}", text(&refused.stderr));
    let allowed = nameward(
        &[
            "zone",
            "check",
            "--allow-include-outside",
            "--origin",
            "example.",
            &path("outside.zone"),
        ],
        None,
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_explain_themselves() {
    let out = nameward(&["zone", "check", "--origin", "a..b", EXAMPLE], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("bad --origin `a..b`"), "{}", text(&out.stderr));
    let out = nameward(&["zone", "check", "--origin", "example.", "no/such/file"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot open no/such/file"), "{}", text(&out.stderr));
    let help = nameward(&["zone", "check", "--help"], None);
    assert!(text(&help.stdout).contains("--strict-hit"));
}

#[test]
fn diagnostics_past_the_limit_are_counted_and_still_fail_the_check() {
    let zone = "$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n\
                a A 300.0.0.1\nb A 300.0.0.2\nc A 300.0.0.3\n";
    let out = nameward(
        &["zone", "check", "--max-diagnostics", "1", "--origin", "example.", "-"],
        Some(zone),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("-:5: error: "), "{stderr}");
    assert!(
        lines[1].starts_with("error: … and 2 more not listed (2 errors, 0 warnings)"),
        "{stderr}"
    );
}
