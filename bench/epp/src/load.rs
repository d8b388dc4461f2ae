//! The registrars' side: one TLS connection and one login per session, then a closed loop of
//! one command type per phase, each command sent when the previous response has arrived.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use nameward_epp::Fingerprint;
use nameward_epp::client::{ClientTls, EppClient, ServerTrust, TlsVersions};
use nameward_epp::command::{Command, DomainCreate, DomainInfo, Login, Request};
use nameward_epp::types::{AuthInfo, HostsFilter, Namespace, Period, Secret};

use crate::setup::{self, TLD};
use crate::stats::{Tally, Window};

/// Which command a phase sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `<domain:create>` of a new name (one year, no contacts, no transfer code; name servers
    /// only with `--ns`), charged to the registrar's prepaid account.
    Create,
    /// `<domain:info>` of a name this session created.
    Info,
    /// `<domain:check>` of five names: three this session created, two free.
    Check,
}

/// One logged-in registrar session and the names it created.
pub struct Session {
    index: usize,
    client: EppClient,
    created: Vec<String>,
    sent: u64,
    ns: Vec<String>,
}

/// The result code of a response (`<result code="NNNN">`), read without a full parse.
fn result_code(response: &[u8]) -> Option<u16> {
    let marker = b"<result code=\"";
    let at = response.windows(marker.len()).position(|w| w == marker)? + marker.len();
    let digits = response.get(at..at + 4)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn expect_success(response: &[u8]) -> Result<(), String> {
    match result_code(response) {
        Some(code) if (1000..2000).contains(&code) => Ok(()),
        Some(code) => {
            let text = String::from_utf8_lossy(response);
            let message = text
                .split_once("<msg")
                .and_then(|(_, rest)| rest.split_once('>'))
                .and_then(|(_, rest)| rest.split_once('<'))
                .map_or("", |(msg, _)| msg);
            Err(format!("result {code}: {message}"))
        }
        None => Err("response without a result code".to_owned()),
    }
}

impl Session {
    /// Connects as `login` to `addr`, pinning the server's certificate, and logs in.
    pub async fn open(
        index: usize,
        addr: SocketAddr,
        server: Fingerprint,
        login: &setup::Login,
        ns: usize,
    ) -> Result<Session> {
        let tls = ClientTls {
            trust: ServerTrust::Pinned(server),
            cert_pem: login.cert.cert_pem.clone(),
            key_pem: login.cert.key_pem.clone(),
            server_name: "localhost".to_owned(),
            versions: TlsVersions::Both,
        };
        let (mut client, _greeting) =
            EppClient::connect(addr, &tls).await.context("connecting to the EPP server")?;
        let request = Request {
            cl_trid: Some(format!("bench-{index}-login")),
            command: Command::Login(Login {
                client_id: login.client_id.clone(),
                password: Secret::new(login.password.clone()),
                new_password: None,
                version: "1.0".to_owned(),
                lang: "en".to_owned(),
                obj_uris: vec![
                    Namespace::Domain.uri().to_owned(),
                    Namespace::Contact.uri().to_owned(),
                    Namespace::Host.uri().to_owned(),
                ],
                ext_uris: Vec::new(),
                user_agent: None,
                used_login_sec: false,
            }),
        };
        let response = client.request(&request.to_xml()).await.context("logging in")?;
        if let Err(error) = expect_success(&response) {
            bail!("login of {} refused: {error}", login.client_id);
        }
        let ns = setup::name_servers(&login.client_id, ns);
        Ok(Session { index, client, created: Vec::new(), sent: 0, ns })
    }

    fn next_request(&mut self, kind: Kind) -> (Request, Option<String>) {
        self.sent += 1;
        let n = self.sent;
        let cl_trid = Some(format!("bench-{}-{n}", self.index));
        let pick = |k: u64| -> String {
            let len = self.created.len().max(1) as u64;
            self.created.get(((n * 3 + k) % len) as usize).cloned().unwrap_or_default()
        };
        match kind {
            Kind::Create => {
                let name = format!("s{:02}-{n}.{TLD}", self.index);
                let command = Command::DomainCreate(DomainCreate {
                    name: name.clone(),
                    period: Period::ONE_YEAR,
                    ns: self.ns.clone(),
                    registrant: None,
                    contacts: Vec::new(),
                    auth_info: AuthInfo::password(""),
                    sec_dns: None,
                });
                (Request { cl_trid, command }, Some(name))
            }
            Kind::Info => {
                let command = Command::DomainInfo(DomainInfo {
                    name: pick(0),
                    hosts: HostsFilter::All,
                    auth_info: None,
                });
                (Request { cl_trid, command }, None)
            }
            Kind::Check => {
                let free = |k: u64| format!("free-s{:02}-{n}-{k}.{TLD}", self.index);
                let names = vec![pick(0), free(1), pick(1), free(2), pick(2)];
                (Request { cl_trid, command: Command::DomainCheck(names) }, None)
            }
        }
    }

    /// Runs `kind` until the window ends.
    pub async fn run(&mut self, kind: Kind, window: Window) -> Result<Tally> {
        if kind != Kind::Create && self.created.is_empty() {
            bail!("session {} has no names to ask about: run the create phase first", self.index);
        }
        let mut tally = Tally::default();
        while Instant::now() < window.end {
            let (request, created) = self.next_request(kind);
            let xml = request.to_xml();
            let started = Instant::now();
            let response = self.client.request(&xml).await.context("EPP request")?;
            let took = started.elapsed();
            let outcome = expect_success(&response);
            if let (Ok(()), Some(name)) = (&outcome, created) {
                self.created.push(name);
            }
            tally.record(&window, started, took, outcome);
        }
        Ok(tally)
    }

    /// Logs out and closes the connection.
    pub async fn close(mut self) -> Result<()> {
        let logout = Request { cl_trid: None, command: Command::Logout };
        self.client.request(&logout.to_xml()).await?;
        self.client.close().await?;
        Ok(())
    }
}
