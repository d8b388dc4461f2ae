//! Shared fixtures: a registry with a failed registrar and its registrants,
//! a recording mailer, a settable clock.

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
