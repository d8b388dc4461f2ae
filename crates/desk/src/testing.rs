//! Test support (feature `testing`): a real SMTP server for tests of notices and desk codes.
//!
//! [`SmtpSink`] runs Python's aiosmtpd (`tests/smtp_sink.py` in this crate) on a free loopback
//! port; it keeps every message it accepts and refuses the recipients it is told to. Without
//! python3 and aiosmtpd it says that the test did not run, and fails under `CI=true`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A received message.
#[derive(Debug, serde::Deserialize)]
pub struct Received {
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// The message as sent, headers and body.
    pub data: String,
}

impl Received {
    /// The Subject header's value (empty without one).
    pub fn subject(&self) -> &str {
        self.data.lines().find_map(|line| line.strip_prefix("Subject: ")).unwrap_or_default()
    }
}

/// aiosmtpd on a free loopback port, writing what it accepts to a directory; stopped and
/// removed on drop.
pub struct SmtpSink {
    child: Child,
    /// The loopback port it listens on.
    pub port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    /// Starts the sink refusing `rejected`; `None` (after saying so) when aiosmtpd is missing,
    /// and a panic under CI=true.
    pub fn start(rejected: &[&str]) -> Option<SmtpSink> {
        let available = Command::new(python())
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        let missing = "python3 with aiosmtpd is missing (Debian package python3-aiosmtpd)";
        if !nameward_peer::available("the SMTP tests", available, missing) {
            return None;
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nameward-smtp-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(&dir)
            .args(rejected)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("SMTP sink did not start: {line:?}"));
        Some(SmtpSink { child, port, dir })
    }

    /// `127.0.0.1:PORT`, as the mailer's relay setting.
    pub fn relay(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut paths: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
            .collect()
    }

    /// The subjects of the messages to `address`, in the order received.
    pub fn subjects_to(&self, address: &str) -> Vec<String> {
        self.received()
            .into_iter()
            .filter(|mail| mail.rcpt_tos.iter().any(|to| to == address))
            .map(|mail| mail.subject().to_owned())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Debian's python3, where `.ci/run` installs python3-aiosmtpd, when there is one: a python3
/// earlier on PATH (pyenv's, a virtualenv's) does not see Debian's packages.
fn python() -> &'static str {
    const DEBIAN: &str = "/usr/bin/python3";
    if std::path::Path::new(DEBIAN).exists() { DEBIAN } else { "python3" }
}
