//! Shared fixtures: a registry with a failed registrar and its registrants,
//! a recording mailer, a settable clock.

use std::sync::{Arc, Mutex};

use nameward_registry::continuity::notices::Letterhead;
use nameward_registry::lifecycle::contact::ContactCreate;
use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::model::{Account, PostalInfo, PostalKind, RegistrarState, TransferStatus};
use nameward_registry::policy::Policy;
use nameward_registry::service::{
    Mail, MailFuture, Mailer, Meta, NewRegistrar, Registry, TransferOp,
};
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

/// The active registrar `alpha` asks for `domain` with the transfer code the desk gave, at
/// `at`: the request is taken and pending, alpha gaining.
pub async fn alpha_asks_for(registry: &Registry, domain: &str, code: &str, at: OffsetDateTime) {
    let done = registry
        .domain_transfer(&meta("alpha", at), domain, TransferOp::Request, Some(code), None)
        .await
        .unwrap();
    assert_eq!(done.value.0.status, TransferStatus::Pending);
    assert_eq!(done.value.0.gaining, "alpha");
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

/// A desk for the support registry, mailing with `mailer`, at `clock`'s time.
pub fn desk_for(
    registry: &Registry,
    mailer: Arc<dyn Mailer>,
    clock: &TestClock,
) -> nameward_desk::Desk {
    nameward_desk::Desk {
        registry: registry.clone(),
        mailer,
        resolver: None,
        options: nameward_registry::service::DeskOptions::default(),
        registry_name: "the .example registry".to_owned(),
        public_url: "https://desk.nic.example".to_owned(),
        cookies: nameward_desk::CookiePolicy::default(),
        trusted_proxies: Vec::new(),
        clock: clock.clock(),
    }
}

/// A browser, in-process: the desk's router seen from one client address, keeping the session
/// cookie the desk sets.
pub struct Browser {
    app: axum::Router,
    cookie: Mutex<Option<String>>,
}

impl Browser {
    pub fn new(desk: nameward_desk::Desk, ip: [u8; 4]) -> Browser {
        let peer = std::net::SocketAddr::from((ip, 40000));
        let app =
            nameward_desk::router(desk).layer(axum::extract::connect_info::MockConnectInfo(peer));
        Browser { app, cookie: Mutex::new(None) }
    }

    /// Replaces the cookie the browser sends.
    pub fn set_cookie(&self, pair: &str) {
        *self.cookie.lock().unwrap() = Some(pair.to_owned());
    }

    /// Sends a request; returns the status, the headers and the body.
    pub async fn send(
        &self,
        method: axum::http::Method,
        path: &str,
        content_type: Option<&str>,
        body: String,
    ) -> (axum::http::StatusCode, axum::http::HeaderMap, String) {
        use tower::ServiceExt;
        let mut request = axum::http::Request::builder().method(method).uri(path);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(cookie) = self.cookie.lock().unwrap().clone() {
            request = request.header("cookie", cookie);
        }
        let request = request.body(axum::body::Body::from(body)).unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(set) = headers.get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            *self.cookie.lock().unwrap() = Some(pair);
        }
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// A JSON API call.
    pub async fn call(
        &self,
        method: axum::http::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (axum::http::StatusCode, serde_json::Value) {
        let body = body.map(|body| body.to_string()).unwrap_or_default();
        let (status, _, text) = self.send(method, path, Some("application/json"), body).await;
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (axum::http::StatusCode, serde_json::Value) {
        self.call(axum::http::Method::POST, path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> (axum::http::StatusCode, serde_json::Value) {
        self.call(axum::http::Method::GET, path, None).await
    }

    pub async fn open(&self, domain: &str) -> (axum::http::StatusCode, serde_json::Value) {
        self.post("/v1/cases", serde_json::json!({"domain": domain, "kind": "transfer-code"})).await
    }

    /// Gets a page, returning its status and HTML.
    pub async fn page(&self, path: &str) -> (axum::http::StatusCode, String) {
        let (status, _, text) = self.send(axum::http::Method::GET, path, None, String::new()).await;
        (status, text)
    }

    /// Posts a form (`key=value` pairs, URL-encoded by the caller where needed); returns the
    /// status, the `Location` (for a redirect) and the HTML.
    pub async fn form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (axum::http::StatusCode, Option<String>, String) {
        let body: Vec<String> =
            fields.iter().map(|(key, value)| format!("{key}={}", form_encode(value))).collect();
        let (status, headers, text) = self
            .send(
                axum::http::Method::POST,
                path,
                Some("application/x-www-form-urlencoded"),
                body.join("&"),
            )
            .await;
        let location = headers.get("location").map(|value| value.to_str().unwrap().to_owned());
        (status, location, text)
    }
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The value of the hidden form token in a page.
pub fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("the page has a form") + 19;
    html[at..at + 40].to_owned()
}
