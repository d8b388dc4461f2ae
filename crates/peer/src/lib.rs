//! The one rule for tests that need a peer nameward did not write: BIND, Knot, NSD, ldns,
//! dnspython, PostgreSQL, an SMTP server, OpenSSL, xmllint.
//!
//! `.ci/run` installs every peer and sets `CI=true`, so there a missing peer is a broken run
//! and fails the test. Elsewhere the test says that it did not run and returns: it must not
//! pass in silence. The note is written to the standard error itself rather than through
//! `eprintln!`, which the test harness captures and shows only for a test that fails, so it
//! reaches whoever reads the run.

use std::io::Write;
use std::path::Path;

/// Whether the test `what` may go on: `true` when `found`. Otherwise, under `CI=true`, a
/// panic naming `what` and `missing` (what is absent and where it comes from); elsewhere a
/// note that `what` did not run, and `false`.
#[allow(clippy::panic)] // Failing the test under CI is what it is for.
pub fn available(what: &str, found: bool, missing: &str) -> bool {
    if found {
        return true;
    }
    if under_ci() {
        panic!("{what} cannot run under CI=true: {missing}");
    }
    let _ = writeln!(std::io::stderr(), "\n*** {what} DID NOT RUN: {missing}\n");
    false
}

/// [`available`] for the program `binary` (a path, or a name looked up on `PATH`) from the
/// Debian package `package`.
pub fn program(what: &str, binary: &str, package: &str) -> bool {
    available(what, installed(binary), &format!("{binary} is missing (Debian package {package})"))
}

/// [`available`] for the program `binary` that is not a Debian package: `install` says how
/// to get it (`cargo install …`).
pub fn tool(what: &str, binary: &str, install: &str) -> bool {
    available(what, installed(binary), &format!("{binary} is missing ({install})"))
}

/// Whether this is a CI run, where every peer must be present.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Whether `binary` is an executable file: at its path when it has one, else on `PATH`.
fn installed(binary: &str) -> bool {
    if binary.contains('/') {
        return executable(Path::new(binary));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(binary))))
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_by_path_and_on_path() {
        assert!(installed("/bin/sh"));
        assert!(installed("sh"));
        assert!(!installed("/nonexistent/nameward-peer-test"));
        assert!(!installed("nameward-peer-test-no-such-program"));
        // A file that is not executable is not a program.
        assert!(!installed("/etc/passwd"));
    }

    #[test]
    fn a_found_peer_lets_the_test_go_on() {
        assert!(available("this test", true, "nothing"));
    }
}
