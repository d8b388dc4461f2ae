//! The session test harness: a registry on SQLite or PostgreSQL behind a real `EppServer` on
//! loopback, registrar clients with `pki` certificates, and every response kept for schema
//! validation when the environment finishes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use nameward_epp::client::{
    ClientError, ClientOptions, ClientTls, EppClient, ServerTrust, TlsVersions,
};
use nameward_epp::command::{
    Command, ContactCreate, DomainAddRem, DomainChange, DomainCreate, DomainInfo, DomainRenew,
    DomainTransfer, DomainUpdate, HostCreate, Login, Request,
};
use nameward_epp::pki::{CertificateAuthority, IssuedCert, Validity, self_signed};
use nameward_epp::server::{EppServer, ServerOptions};
use nameward_epp::session::EppSessions;
use nameward_epp::tls;
use nameward_epp::types::{
    Address, AuthInfo, HostsFilter, Namespace, Period, Phone, PostalInfo, PostalType, Secret,
    TransferOp,
};
use nameward_registry::model::{Account, Money};
use nameward_registry::policy::Policy;
use nameward_registry::service::{NewRegistrar, Registry};
use nameward_registry::store::Store;
use time::macros::datetime;
use time::{Date, OffsetDateTime};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::xsd;

/// When every test starts.
pub const START: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);
pub const R1: &str = "registrar1";
pub const R2: &str = "registrar2";
/// A transfer code strong enough for RFC 9154.
pub const CODE: &str = "Xk3vQ9mT2pL8wR5nB7cZ4hJd";
/// Another strong code.
pub const CODE2: &str = "Pq7Lm2Vx9Rt4Wz6Ks3Hb8Nf5";
/// What each registrar starts with.
pub const BALANCE: Money = 1_000_000;

pub fn password(registrar: &str) -> String {
    format!("{registrar}-Pw")
}

pub struct Pki {
    pub ca: CertificateAuthority,
    pub server: IssuedCert,
    pub r1: IssuedCert,
    pub r2: IssuedCert,
    /// A certificate no registrar registered.
    pub stranger: IssuedCert,
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let validity = Validity::days_from(SystemTime::now(), 30);
        let ca = CertificateAuthority::generate("nameward session tests", validity).unwrap();
        let server = ca.issue_server(&["localhost", "127.0.0.1"], validity).unwrap();
        let r1 = ca.issue_client(R1, validity).unwrap();
        let r2 = ca.issue_client(R2, validity).unwrap();
        let stranger = self_signed("stranger", &[], validity).unwrap();
        Pki { ca, server, r1, r2, stranger }
    })
}

impl Pki {
    pub fn cert(&self, registrar: &str) -> &IssuedCert {
        match registrar {
            R1 => &self.r1,
            R2 => &self.r2,
            _ => &self.stranger,
        }
    }

    pub fn client_tls(&self, cert: &IssuedCert, versions: TlsVersions) -> ClientTls {
        ClientTls {
            trust: ServerTrust::CaPem(self.ca.cert().cert_pem.clone()),
            cert_pem: cert.cert_pem.clone(),
            key_pem: cert.key_pem.clone(),
            server_name: "localhost".into(),
            versions,
        }
    }
}

type Collected = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A running server over a fresh registry with the TLD `example` and two registrars.
pub struct Env {
    pub registry: Arc<Registry>,
    pub addr: SocketAddr,
    /// Every address the server listens on, `addr` first.
    pub addrs: Vec<SocketAddr>,
    clock: Arc<Mutex<OffsetDateTime>>,
    responses: Collected,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Runs `body` against a fresh environment on SQLite, then on PostgreSQL; every response is
/// validated against the EPP schemas afterwards.
pub async fn on_both(body: impl AsyncFn(&Env)) {
    on_both_with(BALANCE, body).await;
}

/// [`on_both`] with another starting balance.
pub async fn on_both_with(balance: Money, body: impl AsyncFn(&Env)) {
    on_both_listening(balance, &["127.0.0.1:0"], body).await;
}

/// [`on_both_with`], the server listening on every one of `addrs` ([`Env::addrs`]).
pub async fn on_both_listening(balance: Money, addrs: &[&str], body: impl AsyncFn(&Env)) {
    let body = &body;
    let addrs: Vec<SocketAddr> = addrs.iter().map(|addr| addr.parse().unwrap()).collect();
    let addrs = &addrs;
    nameward_registry::testing::both(|store| async move {
        let env = Env::start_at(store, balance, addrs).await;
        body(&env).await;
        env.finish().await;
    })
    .await;
}

impl Env {
    pub async fn start(store: Store, balance: Money) -> Env {
        Env::start_at(store, balance, &["127.0.0.1:0".parse().unwrap()]).await
    }

    pub async fn start_at(store: Store, balance: Money, addrs: &[SocketAddr]) -> Env {
        let registry = Arc::new(Registry::new(store));
        registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
        for (id, cert) in [(R1, &pki().r1), (R2, &pki().r2)] {
            let new = NewRegistrar {
                id: id.to_owned(),
                name: format!("{id} Inc."),
                password: password(id),
                cert_fingerprints: vec![cert.fingerprint.to_string()],
                email: None,
            };
            registry.add_registrar(&new, START).await.unwrap();
            registry.deposit(id, Account::Prepaid, balance, START).await.unwrap();
        }
        let clock = Arc::new(Mutex::new(START));
        let read = Arc::clone(&clock);
        let sessions = EppSessions::new(
            Arc::clone(&registry),
            Arc::new(move || *read.lock().unwrap()),
            "nameward-test",
        );
        let config =
            tls::server_config_from_pem(&pki().server.cert_pem, &pki().server.key_pem).unwrap();
        let server = EppServer::bind_all(addrs, ServerOptions::new(config)).await.unwrap();
        let all = server.local_addrs();
        let addr = all[0];
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(sessions, async {
            let _ = stopped.await;
        }));
        Env {
            registry,
            addr,
            addrs: all,
            clock,
            responses: Collected::default(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        *self.clock.lock().unwrap()
    }

    pub fn advance_days(&self, days: i64) {
        let mut clock = self.clock.lock().unwrap();
        *clock += time::Duration::days(days);
    }

    pub async fn balance(&self, registrar: &str) -> Money {
        self.registry.balance(registrar, Account::Prepaid).await.unwrap()
    }

    /// A connection with `cert`, past the greeting (which is kept for validation).
    pub async fn connect_as(&self, cert: &IssuedCert, versions: TlsVersions) -> Conn {
        self.connect_to(self.addr, cert, versions).await
    }

    /// [`Env::connect_as`] to one of [`Env::addrs`].
    pub async fn connect_to(
        &self,
        addr: SocketAddr,
        cert: &IssuedCert,
        versions: TlsVersions,
    ) -> Conn {
        let tls = pki().client_tls(cert, versions);
        let (client, greeting) = EppClient::connect(addr, &tls).await.unwrap();
        self.responses.lock().unwrap().push(("greeting".to_owned(), greeting.clone()));
        Conn {
            client,
            responses: Arc::clone(&self.responses),
            counter: 0,
            greeting: Resp::new(greeting),
        }
    }

    /// A connection with `cert` from the loopback address `source` (every 127.0.0.0/8
    /// address is on the loopback interface, so tests can play several clients), or why none
    /// was made.
    pub async fn try_connect_from(
        &self,
        cert: &IssuedCert,
        source: &str,
    ) -> Result<Conn, ClientError> {
        let (config, name) = pki().client_tls(cert, TlsVersions::Both).config().unwrap();
        let options = ClientOptions { source: Some(source.parse().unwrap()), ..Default::default() };
        let (client, greeting) = EppClient::connect_with(self.addr, config, name, options).await?;
        self.responses.lock().unwrap().push(("greeting".to_owned(), greeting.clone()));
        Ok(Conn {
            client,
            responses: Arc::clone(&self.responses),
            counter: 0,
            greeting: Resp::new(greeting),
        })
    }

    /// A connection with the registrar's own certificate, not logged in.
    pub async fn connect(&self, registrar: &str) -> Conn {
        self.connect_as(pki().cert(registrar), TlsVersions::Both).await
    }

    /// A connection logged in as `registrar` with every service.
    pub async fn login(&self, registrar: &str) -> Conn {
        let mut conn = self.connect(registrar).await;
        conn.expect(login(registrar, &password(registrar)), 1000).await;
        conn
    }

    /// Stops the server and validates every response it sent.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("server stops")
                .unwrap();
        }
        let responses = std::mem::take(&mut *self.responses.lock().unwrap());
        assert!(!responses.is_empty());
        if xsd::xmllint_present() {
            xsd::validate_all(&responses).unwrap();
        }
    }
}

/// A client connection whose responses are kept for validation.
pub struct Conn {
    client: EppClient,
    responses: Collected,
    counter: u32,
    pub greeting: Resp,
}

impl Conn {
    /// Sends a command and returns its answer, or the error when the connection failed.
    pub async fn try_cmd(&mut self, command: Command) -> Result<Resp, ClientError> {
        self.counter += 1;
        let request = Request { cl_trid: Some(format!("TRY-{}", self.counter)), command };
        let bytes = self.client.request(&request.to_xml()).await?;
        self.responses.lock().unwrap().push(("try".to_owned(), bytes.clone()));
        Ok(Resp::new(bytes))
    }

    /// Sends any bytes as a frame; the response.
    pub async fn raw(&mut self, label: &str, xml: &[u8]) -> Resp {
        let bytes = self.client.request(xml).await.unwrap();
        self.responses.lock().unwrap().push((label.to_owned(), bytes.clone()));
        Resp::new(bytes)
    }

    /// Sends a command with a fresh clTRID and checks the transaction ids of the answer.
    pub async fn cmd(&mut self, command: Command) -> Resp {
        self.counter += 1;
        let cl_trid = format!("TEST-{}", self.counter);
        let label = command.name().replace(':', "-");
        let request = Request { cl_trid: Some(cl_trid.clone()), command };
        let response = self.raw(&label, &request.to_xml()).await;
        assert_eq!(response.text("clTRID").as_deref(), Some(cl_trid.as_str()), "{}", response.xml);
        assert!(response.text("svTRID").is_some_and(|s| !s.is_empty()), "{}", response.xml);
        response
    }

    /// [`Conn::cmd`] that must answer `code`.
    pub async fn expect(&mut self, command: Command, code: u16) -> Resp {
        let name = command.name();
        let response = self.cmd(command).await;
        assert_eq!(response.code(), code, "{name}: {}", response.xml);
        response
    }

    /// The TLS version negotiated.
    pub fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        self.client.tls_version()
    }

    /// Waits for the server to close the connection.
    pub async fn expect_closed(mut self) {
        let hello = Request { cl_trid: None, command: Command::Hello }.to_xml();
        let next = self.client.request(&hello);
        let result = tokio::time::timeout(std::time::Duration::from_secs(5), next).await;
        assert!(matches!(result, Ok(Err(_))), "connection should be closed: {result:?}");
    }
}

/// A response document with small accessors (the server writes a predictable form).
pub struct Resp {
    pub xml: String,
}

impl Resp {
    pub fn new(bytes: Vec<u8>) -> Resp {
        Resp { xml: String::from_utf8(bytes).expect("UTF-8 response") }
    }

    pub fn code(&self) -> u16 {
        self.attr("result", "code").and_then(|c| c.parse().ok()).expect("a result code")
    }

    /// Every `<tag ...>text</tag>` as (attributes, text); self-closed ones have empty text.
    pub fn elements(&self, tag: &str) -> Vec<(String, String)> {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        let mut found = Vec::new();
        let mut rest = self.xml.as_str();
        while let Some(start) = rest.find(&open) {
            rest = &rest[start + open.len()..];
            if !rest.starts_with([' ', '>', '/']) {
                continue;
            }
            let Some(end) = rest.find('>') else { break };
            let attrs = &rest[..end];
            rest = &rest[end + 1..];
            if let Some(attrs) = attrs.strip_suffix('/') {
                found.push((attrs.trim().to_owned(), String::new()));
            } else if let Some(stop) = rest.find(&close) {
                found.push((attrs.trim().to_owned(), rest[..stop].to_owned()));
            }
        }
        found
    }

    pub fn text(&self, tag: &str) -> Option<String> {
        self.elements(tag).into_iter().next().map(|(_, text)| text)
    }

    pub fn texts(&self, tag: &str) -> Vec<String> {
        self.elements(tag).into_iter().map(|(_, text)| text).collect()
    }

    pub fn attr(&self, tag: &str, name: &str) -> Option<String> {
        self.attrs(tag, name).into_iter().next()
    }

    /// The value of attribute `name` on every `<tag>`.
    pub fn attrs(&self, tag: &str, name: &str) -> Vec<String> {
        let key = format!("{name}=\"");
        self.elements(tag)
            .into_iter()
            .filter_map(|(attrs, _)| {
                let start = attrs.find(&key)? + key.len();
                let len = attrs[start..].find('"')?;
                Some(attrs[start..start + len].to_owned())
            })
            .collect()
    }

    pub fn has(&self, needle: &str) -> bool {
        self.xml.contains(needle)
    }

    /// The statuses of the object in an info answer.
    pub fn statuses(&self, prefix: &str) -> Vec<String> {
        self.attrs(&format!("{prefix}:status"), "s")
    }
}

// Commands.

pub fn login(registrar: &str, pw: &str) -> Command {
    Command::Login(Login {
        client_id: registrar.to_owned(),
        password: Secret::new(pw),
        new_password: None,
        version: "1.0".to_owned(),
        lang: "en".to_owned(),
        obj_uris: [Namespace::Domain, Namespace::Host, Namespace::Contact]
            .iter()
            .map(|ns| ns.uri().to_owned())
            .collect(),
        ext_uris: [Namespace::SecDns, Namespace::Rgp]
            .iter()
            .map(|ns| ns.uri().to_owned())
            .collect(),
        user_agent: None,
        used_login_sec: false,
    })
}

pub fn login_struct(command: Command) -> Login {
    match command {
        Command::Login(login) => login,
        _ => unreachable!(),
    }
}

pub fn create(name: &str) -> DomainCreate {
    DomainCreate {
        name: name.to_owned(),
        period: Period::ONE_YEAR,
        ns: Vec::new(),
        registrant: None,
        contacts: Vec::new(),
        auth_info: AuthInfo::password(CODE),
        sec_dns: None,
    }
}

pub fn update(name: &str) -> DomainUpdate {
    DomainUpdate {
        name: name.to_owned(),
        add: DomainAddRem::default(),
        rem: DomainAddRem::default(),
        chg: DomainChange::default(),
        sec_dns: None,
        restore: None,
    }
}

pub fn domain_info(name: &str) -> Command {
    Command::DomainInfo(DomainInfo {
        name: name.to_owned(),
        hosts: HostsFilter::All,
        auth_info: None,
    })
}

pub fn info_with_code(name: &str, code: &str) -> Command {
    Command::DomainInfo(DomainInfo {
        name: name.to_owned(),
        hosts: HostsFilter::All,
        auth_info: Some(AuthInfo::password(code)),
    })
}

pub fn renew(name: &str, cur_exp_date: Date, years: u8) -> Command {
    Command::DomainRenew(DomainRenew {
        name: name.to_owned(),
        cur_exp_date,
        period: Period::years(years),
    })
}

pub fn transfer(op: TransferOp, name: &str, code: Option<&str>) -> Command {
    Command::DomainTransfer(DomainTransfer {
        op,
        name: name.to_owned(),
        period: None,
        auth_info: code.map(AuthInfo::password),
    })
}

pub fn host(name: &str, addrs: &[&str]) -> Command {
    Command::HostCreate(HostCreate {
        name: name.to_owned(),
        addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(),
    })
}

pub fn contact(id: &str) -> ContactCreate {
    ContactCreate {
        id: id.to_owned(),
        postal_info: vec![PostalInfo {
            kind: PostalType::Int,
            name: "John Doe".to_owned(),
            org: Some("Example Inc.".to_owned()),
            addr: Address {
                street: vec!["123 Example Dr.".to_owned()],
                city: "Dulles".to_owned(),
                sp: Some("VA".to_owned()),
                pc: Some("20166-6503".to_owned()),
                cc: "US".to_owned(),
            },
        }],
        voice: Some(Phone { number: "+1.7035555555".to_owned(), ext: None }),
        fax: None,
        email: "jdoe@example.net".to_owned(),
        auth_info: AuthInfo::password(CODE),
        disclose: None,
    }
}

/// The date part of an `exDate`.
pub fn date_of(text: &str) -> Date {
    let format = time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(text, &format).unwrap_or_else(|e| panic!("{text}: {e}")).date()
}

/// The resident memory of this process, in KiB (Linux), for checks that an attack does not
/// make the server grow without bound.
pub fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}
