//! The registrar's side: EPP sessions of a demo registrar of `nameward up`, with the
//! credentials `up` wrote to `DIR/up.json`, creating delegated names.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nameward_epp::client::{ClientTls, EppClient, ServerTrust, TlsVersions};
use nameward_epp::command::{Command, DomainCreate, Login, Request};
use nameward_epp::types::{AuthInfo, Namespace, Period, Secret};

use crate::fill::CHANGE_NS;

/// What `DIR/up.json` says (the parts used here).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct UpInfo {
    /// The EPP server, `ADDR:PORT`.
    pub epp: String,
    /// The demo CA's certificate, relative to the data directory.
    pub ca_cert: Option<PathBuf>,
    /// The demo registrars.
    pub registrars: Vec<Registrar>,
}

/// One demo registrar's credentials.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Registrar {
    /// Client id.
    pub id: String,
    /// Password.
    pub password: String,
    /// Certificate, relative to the data directory.
    pub cert: PathBuf,
    /// Key, relative to the data directory.
    pub key: PathBuf,
}

impl UpInfo {
    /// Reads `DIR/up.json`.
    pub fn read(dir: &Path) -> Result<UpInfo> {
        let path = dir.join("up.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// How to log in as one registrar.
#[derive(Clone)]
pub struct Credentials {
    addr: SocketAddr,
    tls: ClientTls,
    id: String,
    password: String,
}

impl Credentials {
    /// Registrar `id`'s credentials from the `up.json` of data directory `dir`.
    pub fn of(dir: &Path, info: &UpInfo, id: &str) -> Result<Credentials> {
        let registrar = info
            .registrars
            .iter()
            .find(|registrar| registrar.id == id)
            .with_context(|| format!("up.json has no registrar {id}"))?;
        let read = |path: &Path| {
            std::fs::read_to_string(dir.join(path))
                .with_context(|| format!("reading {}", dir.join(path).display()))
        };
        let ca = info.ca_cert.as_deref().context("up.json names no demo CA certificate")?;
        let tls = ClientTls {
            trust: ServerTrust::CaPem(read(ca)?),
            cert_pem: read(&registrar.cert)?,
            key_pem: read(&registrar.key)?,
            server_name: "localhost".to_owned(),
            versions: TlsVersions::Both,
        };
        Ok(Credentials {
            addr: info.epp.parse().with_context(|| format!("EPP address {}", info.epp))?,
            tls,
            id: registrar.id.clone(),
            password: registrar.password.clone(),
        })
    }
}

/// The result code of a response (`<result code="NNNN">`), read without a full parse.
fn result_code(response: &[u8]) -> Option<u16> {
    let marker = b"<result code=\"";
    let at = response.windows(marker.len()).position(|w| w == marker)? + marker.len();
    std::str::from_utf8(response.get(at..at + 4)?).ok()?.parse().ok()
}

fn expect_success(response: &[u8], what: &str) -> Result<()> {
    match result_code(response) {
        Some(code) if (1000..2000).contains(&code) => Ok(()),
        _ => bail!("{what} failed: {}", String::from_utf8_lossy(response)),
    }
}

/// One logged-in session.
pub struct Session {
    client: EppClient,
    sent: u64,
    tag: String,
}

impl Session {
    /// Connects and logs in; `tag` marks its client transaction ids.
    pub async fn open(credentials: &Credentials, tag: &str) -> Result<Session> {
        let (mut client, _greeting) = EppClient::connect(credentials.addr, &credentials.tls)
            .await
            .context("connecting to the EPP server")?;
        let login = Request {
            cl_trid: Some(format!("{tag}-login")),
            command: Command::Login(Login {
                client_id: credentials.id.clone(),
                password: Secret::new(credentials.password.clone()),
                new_password: None,
                version: "1.0".to_owned(),
                lang: "en".to_owned(),
                obj_uris: vec![
                    Namespace::Domain.uri().to_owned(),
                    Namespace::Host.uri().to_owned(),
                ],
                ext_uris: Vec::new(),
                user_agent: None,
                used_login_sec: false,
            }),
        };
        let response = client.request(&login.to_xml()).await.context("logging in")?;
        expect_success(&response, "login")?;
        Ok(Session { client, sent: 0, tag: tag.to_owned() })
    }

    /// `<domain:create>` of `name` for a year, delegated to [`CHANGE_NS`]; returns when the
    /// successful response has arrived.
    pub async fn create(&mut self, name: &str) -> Result<()> {
        self.sent += 1;
        let request = Request {
            cl_trid: Some(format!("{}-{}", self.tag, self.sent)),
            command: Command::DomainCreate(DomainCreate {
                name: name.to_owned(),
                period: Period::ONE_YEAR,
                ns: CHANGE_NS.iter().map(|ns| (*ns).to_owned()).collect(),
                registrant: None,
                contacts: Vec::new(),
                auth_info: AuthInfo::password(""),
                sec_dns: None,
            }),
        };
        let response = self.client.request(&request.to_xml()).await.context("domain:create")?;
        expect_success(&response, &format!("domain:create {name}"))
    }

    /// Logs out and closes the connection.
    pub async fn close(mut self) -> Result<()> {
        let logout = Request { cl_trid: None, command: Command::Logout };
        self.client.request(&logout.to_xml()).await?;
        self.client.close().await?;
        Ok(())
    }
}
