//! Shared fixtures: a registry with a failed registrar and its registrants, an aiosmtpd sink,
//! a recording mailer, a settable clock.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use nameward_registry::continuity::notices::Letterhead;
use nameward_registry::lifecycle::contact::ContactCreate;
use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::model::{Account, PostalInfo, PostalKind, RegistrarState};
use nameward_registry::policy::Policy;
use nameward_registry::service::{Mail, MailFuture, Mailer, Meta, NewRegistrar, Registry};
use nameward_registry::store::Store;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
/// When `gone` fails.
pub const FAILED_AT: OffsetDateTime = datetime!(2026-03-31 12:00 UTC);
/// When the one-year names expire.
pub const EXPIRY: OffsetDateTime = datetime!(2027-03-01 12:00 UTC);
pub const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";

pub fn meta(actor: &str, now: OffsetDateTime) -> Meta<'_> {
    Meta { actor, cl_trid: Some("test"), now }
}

pub fn letterhead() -> Letterhead {
    Letterhead {
        registry: "the .example registry".to_owned(),
        desk_url: "https://desk.nic.example".to_owned(),
    }
}

/// The registry: TLD `example`; registrars `gone` (to fail), `alpha` and `beta` (active);
/// registrants jane (a, b), bob (c), bounce (d); e.example without a registrant; f.example
/// of alpha.
pub async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    for id in ["gone", "alpha", "beta"] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: format!("{} Registrar", capitalize(id)),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: None,
        };
        registry.add_registrar(&new, START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 100_000, START).await.unwrap();
    }
    for (id, email) in
        [("jane", "jane@example.net"), ("bob", "bob@example.org"), ("bounce", "bounce@example.com")]
    {
        let contact = ContactCreate {
            id: id.to_owned(),
            postal: vec![PostalInfo {
                kind: PostalKind::Int,
                name: capitalize(id),
                org: None,
                street: vec!["1 Main Street".to_owned()],
                city: "Springfield".to_owned(),
                sp: None,
                pc: None,
                cc: "US".to_owned(),
            }],
            email: email.to_owned(),
            auth_code: String::new(),
            ..ContactCreate::default()
        };
        registry.contact_create(&meta("gone", START), &contact).await.unwrap();
    }
    for (name, registrant, years, sponsor) in [
        ("a.example", Some("jane"), 1, "gone"),
        ("b.example", Some("jane"), 2, "gone"),
        ("c.example", Some("bob"), 1, "gone"),
        ("d.example", Some("bounce"), 1, "gone"),
        ("e.example", None, 1, "gone"),
        ("f.example", Some("bob"), 1, "alpha"),
    ] {
        let req = DomainCreate {
            name: name.to_owned(),
            years,
            registrant: registrant.map(str::to_owned),
            auth_code: CODE.to_owned(),
            ..DomainCreate::default()
        };
        registry.domain_create(&meta(sponsor, START), &req).await.unwrap();
    }
    registry
}

/// Declares `gone` FAILED (the continuity team's command will do this; the state is what
/// notices and the desk read).
pub async fn fail(registry: &Registry, id: &str) {
    let mut tx = registry.store().begin().await.unwrap();
    tx.set_registrar_state(id, RegistrarState::Failed).await.unwrap();
    tx.commit().await.unwrap();
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

pub fn add_days(at: OffsetDateTime, days: i64) -> OffsetDateTime {
    at + Duration::days(days)
}

/// Mail kept in memory.
#[derive(Default, Clone)]
pub struct Recorder {
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

impl Mailer for Recorder {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            self.mails.lock().unwrap().push(mail.clone());
            Ok(())
        })
    }
}

impl Recorder {
    pub fn last_code(&self) -> String {
        let mails = self.mails.lock().unwrap();
        code_in(&mails.last().expect("a mail was sent").body)
    }
}

/// The 8-digit code in a desk mail.
pub fn code_in(text: &str) -> String {
    let at = text.find("Your code: ").expect("the mail has a code") + "Your code: ".len();
    text[at..at + 8].to_owned()
}

/// A clock the test moves.
#[derive(Clone)]
pub struct TestClock(pub Arc<Mutex<OffsetDateTime>>);

impl TestClock {
    pub fn new(at: OffsetDateTime) -> TestClock {
        TestClock(Arc::new(Mutex::new(at)))
    }
    pub fn set(&self, at: OffsetDateTime) {
        *self.0.lock().unwrap() = at;
    }
    pub fn get(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
    pub fn clock(&self) -> nameward_desk::Clock {
        let inner = Arc::clone(&self.0);
        Arc::new(move || *inner.lock().unwrap())
    }
}

/// A received message.
#[derive(Debug, serde::Deserialize)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub data: String,
}

/// aiosmtpd on a free loopback port, writing what it accepts to a directory; stopped and
/// removed on drop.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    /// Starts the sink refusing `rejected`; `None` (after saying so) when aiosmtpd is missing,
    /// and a panic under CI=true.
    pub fn start(rejected: &[&str]) -> Option<SmtpSink> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !available {
            if std::env::var("CI").is_ok_and(|value| value == "true") {
                panic!("SMTP tests did not run: python3 with aiosmtpd is required under CI");
            }
            eprintln!("SMTP tests did not run: install python3-aiosmtpd (or pip install aiosmtpd)");
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
        let mut child = Command::new("python3")
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
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
