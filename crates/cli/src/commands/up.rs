//! `nameward up`: the registry on its embedded default. On first start without a
//! configuration file it creates the demo in the data directory (SQLite database, demo TLD,
//! two demo registrars with certificates and passwords, a CA); with a configuration file that
//! lists TLDs it sets those up and nothing of the demo. Then it runs EPP, the authoritative DNS
//! server publishing every TLD zone, the lifecycle schedule and the scheduled backup until
//! Ctrl-C or SIGTERM. Names on continuity DNS (a failed registrar's names switched to the
//! registry's servers) have their escrowed zones served beside the TLD. Several `up`s may share
//! one PostgreSQL registry: each serves EPP and DNS, and one at a time (the holder of an
//! advisory lock, see `nameward_registry::store::Leadership`) ticks, queues notices and backs up.

use std::collections::HashSet;
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, anyhow};
use nameward_epp::pki::{CertificateAuthority, IssuedCert, Validity};
use nameward_epp::server::{EppServer, ServerOptions};
use nameward_epp::session::{Clock, EppSessions};
use nameward_publish::{Publisher, Signing};
use nameward_registry::model::Account;
use nameward_registry::policy::Policy;
use nameward_registry::publish::{ApexNameserver, ZoneApex};
use nameward_registry::service::{NewRegistrar, Registry};
use nameward_server::{Config, Server, Shared};
use time::OffsetDateTime;

use crate::args::UpArgs;
use crate::commands::registry::create_or_open;
use crate::data::{UpInfo, UpRegistrar, runtime, write_private};
use crate::up_config::{self, DnssecSettings, EppConfig, UpConfig};
use crate::zone_keys;

/// The demo registrars created on first start.
const DEMO_REGISTRARS: [(&str, &str); 2] =
    [("alpha", "Alpha Registrar"), ("beta", "Beta Registrar")];

/// The TLD a first start creates when `--tld` does not name one.
const DEMO_TLD: &str = "example";

/// Prepaid money each demo registrar starts with, in minor units.
const DEMO_BALANCE: i64 = 1_000_000;

/// How often the zone publisher looks for a new serial: one indexed read, and the bound on
/// how long a committed change waits before it is published.
const PUBLISH_EVERY: Duration = Duration::from_millis(100);

pub fn run(args: UpArgs) -> Result<ExitCode> {
    crate::data::init_logging();
    let mut file = match &args.config {
        Some(path) => up_config::read(path)?,
        None => UpConfig::default(),
    };
    if let (Some(tld), false) = (&args.tld, file.tlds.is_empty()) {
        return Err(anyhow!(
            "--tld {tld} names the demo TLD; the configuration file lists the TLDs ([[tld]])"
        ));
    }
    let tld = args.tld.as_deref().map(|tld| tld.trim_matches('.').to_ascii_lowercase());
    if let Some(tld) = &tld {
        Policy::default_for(tld).check()?;
    }
    let epp = [&args.epp, &file.epp.listen]
        .into_iter()
        .find(|addrs| !addrs.is_empty())
        .cloned()
        .unwrap_or_else(|| vec![DEFAULT_EPP]);
    let dns_config = dns_config(file.dns.take(), args.dns);
    let first_dns = dns_config.listen.first().copied().unwrap_or(DEFAULT_DNS);
    // The DNS server runs its own threads and runtime; it starts with no zone and the TLD
    // zones are published into it from the database.
    let dns = Server::start(dns_config).context("cannot start the DNS server")?;
    let dns_addr = dns.local_addrs().first().copied().unwrap_or(first_dns);
    let shared = Arc::clone(dns.shared());
    let outcome = runtime()?.block_on(serve(args, file, epp, tld, dns_addr, shared));
    dns.shutdown();
    outcome
}

const DEFAULT_EPP: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 7700);
const DEFAULT_DNS: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5353);

/// The DNS server's settings: the file's `[dns]` (one worker unless it says otherwise), with
/// `--dns` in place of its listen addresses.
fn dns_config(file: Option<Config>, flag: Option<SocketAddr>) -> Config {
    let mut config = file.unwrap_or(Config { workers: 1, ..Config::default() });
    if let Some(addr) = flag {
        config.listen = vec![addr];
    }
    if config.listen.is_empty() {
        config.listen = vec![DEFAULT_DNS];
    }
    config
}

/// What this start sets up.
enum Setup {
    /// The configuration file lists the TLDs: a production registry, no demo parts.
    Configured,
    /// An empty registry and no TLDs configured: the demo, with this TLD.
    Demo(String),
    /// A registry that exists already (made by an earlier `up` or by `registry add-tld`).
    Existing,
}

async fn serve(
    args: UpArgs,
    file: UpConfig,
    epp_listen: Vec<SocketAddr>,
    tld: Option<String>,
    dns_addr: SocketAddr,
    dns: Arc<Shared>,
) -> Result<ExitCode> {
    let dir = args.store.data.clone();
    let first_start = FirstStart::watch(&dir, args.store.db.is_none())?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let registry = create_or_open(&args.store).await?;
    let registry = Arc::new(match file.epp.password_workers {
        Some(workers) => registry.with_password_workers(workers),
        None => registry,
    });
    let now = OffsetDateTime::now_utc();
    let tlds = registry.tlds().await?;
    let setup = match (file.tlds.is_empty(), tlds.is_empty(), tld) {
        (false, _, _) => Setup::Configured,
        (true, true, tld) => Setup::Demo(tld.unwrap_or_else(|| DEMO_TLD.to_owned())),
        (true, false, Some(tld)) if !tlds.iter().any(|policy| policy.tld == tld) => {
            return Err(anyhow!(
                "TLD {tld} is not in this registry (it has {}); add it with `nameward registry \
                 add-tld {tld} --ns NAME[=ADDR]`, and every TLD with name servers is served",
                tlds.iter().map(|policy| policy.tld.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        (true, false, _) => Setup::Existing,
    };

    // Everything that can fail without writing to the database comes first: the demo's
    // certificates, the EPP certificate, the EPP listener.
    let demo = match &setup {
        Setup::Demo(_) => Some(DemoPki::generate(&dir)?),
        _ => None,
    };
    let epp = bind_epp(&file.epp, &dir, &epp_listen).await?;
    let rdap = bind_rdap(&file.rdap, args.rdap).await?;
    let desk = match &file.desk {
        Some(config) => {
            let desk = super::desk::desk_for_up(Registry::clone(&registry), config)?;
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("[desk] cannot listen on {}", config.listen))?;
            Some((desk, listener))
        }
        None => None,
    };

    let mut up = match setup {
        Setup::Configured => {
            configure_tlds(&registry, &file, now).await?;
            UpInfo::read_if_present(&dir)?
        }
        Setup::Demo(tld) => {
            let pki = demo.ok_or_else(|| anyhow!("the demo certificates were not made"))?;
            provision_demo(&registry, &dir, &tld, pki, dns_addr, now).await?
        }
        Setup::Existing => UpInfo::read_if_present(&dir)?,
    };
    up.tlds = registry.tlds().await?.into_iter().map(|policy| policy.tld).collect();

    // The zones are served before anyone is told where to find them.
    let mut publisher = Publisher::every_tld(Arc::clone(&registry), Arc::clone(&dns));
    let dnssec = match &file.dnssec {
        Some(dnssec) => Some(dnssec.resolve().map_err(|message| anyhow!("[dnssec] {message}"))?),
        None => None,
    };
    if let Some(settings) = &dnssec {
        let clock = super::dnssec::signing_clock(args.now.as_deref())?;
        publisher = publisher.with_signing(signing(&dir, settings.clone(), clock));
    }
    let publication = publisher.metrics();
    dns.metrics.add_source(Arc::new(move |out| publication.render(out)));
    for (_, outcome) in publisher.publish().await {
        outcome?;
    }

    let epp_addrs: Vec<String> = epp.local_addrs().iter().map(SocketAddr::to_string).collect();
    up.epp = epp_addrs.first().cloned().unwrap_or_default();
    up.epp_all = epp_addrs;
    up.dns = dns_addr.to_string();
    up.rdap = rdap.config.base_url.clone();
    up.write(&dir)?;
    first_start.keep();

    let publisher = tokio::spawn(publisher.run(PUBLISH_EVERY));
    let cds_scan = dnssec.as_ref().and_then(|settings| {
        let scan = crate::cds_scan::CdsScan {
            registry: Arc::clone(&registry),
            dns: Arc::clone(&dns),
            tlds: up.tlds.clone(),
            port: settings.child_port,
        };
        Some((scan, settings.cds_scan?))
    });
    let escrow = match &file.escrow {
        Some(config) => Some(escrow_schedule(config, &dir)?),
        None => None,
    };
    let leading = tokio::spawn(lead(LeaderWork {
        registry: Arc::clone(&registry),
        tick_every: Duration::from_secs(args.tick_every.max(1)),
        backups: file.backup.map(|backup| crate::backup::Schedule::new(&backup, &dir)),
        db: args.store.db.clone(),
        cds_scan,
        escrow,
    }));
    let clock: Clock = Arc::new(OffsetDateTime::now_utc);
    let sessions = EppSessions::with_limits(
        Arc::clone(&registry),
        clock,
        "nameward",
        file.epp.session_limits(),
    );
    let counts = sessions.counts();
    dns.metrics.add_source(Arc::new(move |out| counts.render(out)));
    print_welcome(&up, &dir);
    let service = nameward_rdap::Rdap::new(
        Registry::clone(&registry),
        rdap.config,
        nameward_rdap::RateLimit::default(),
    );
    let rdap = tokio::spawn(nameward_rdap::serve(
        rdap.listener,
        service,
        rdap.tls,
        std::future::pending(),
    ));
    let desk = desk.map(|(desk, listener)| {
        let addr = listener.local_addr().map(|addr| addr.to_string()).unwrap_or_default();
        println!("  Registrant desk      http://{addr}/   (public at {})", desk.public_url);
        tokio::spawn(nameward_desk::serve(listener, desk, std::future::pending()))
    });
    epp.run(sessions, shutdown_signal()).await;
    if let Some(desk) = desk {
        desk.abort();
    }
    rdap.abort();
    publisher.abort();
    leading.abort();
    tracing::info!("nameward up stopped");
    Ok(ExitCode::SUCCESS)
}

/// The escrow deposits `[escrow]` asks for, its keys read once now so that a wrong path or
/// key stops `up` at start rather than failing every night.
fn escrow_schedule(
    config: &crate::up_config::EscrowConfig,
    dir: &Path,
) -> Result<crate::escrow_schedule::EscrowSchedule> {
    nameward_rde::openpgp::public_key(&config.agent_key).context("[escrow] agent_key")?;
    nameward_rde::openpgp::secret_key(&config.signing_key).context("[escrow] signing_key")?;
    crate::escrow_schedule::EscrowSchedule::new(config, dir)
        .map_err(|message| anyhow!("[escrow] {message}"))
}

/// Signing by `settings`, with each TLD's keys in `DIR/dnssec/TLD/`.
fn signing(dir: &Path, settings: DnssecSettings, clock: Arc<nameward_publish::Clock>) -> Signing {
    let DnssecSettings { policy, parent, .. } = settings;
    let keys = zone_keys::KeyDir { dir: dir.join("dnssec") };
    let parent: Option<Arc<dyn nameward_publish::Parent>> = match parent.is_empty() {
        true => None,
        false => Some(Arc::new(crate::parent_ds::ParentServers { servers: parent })),
    };
    Signing { policy, keys: Arc::new(keys), clock, parent }
}

/// The work that runs in exactly one `nameward up` among those sharing a database: lifecycle
/// ticks, notice queueing, backups, escrow deposits and CDS scans. Every `up` serves EPP and follows the registry's
/// changes into its own DNS server.
struct LeaderWork {
    registry: Arc<Registry>,
    tick_every: Duration,
    backups: Option<crate::backup::Schedule>,
    db: Option<String>,
    /// The secure children's CDS, read this often.
    cds_scan: Option<(crate::cds_scan::CdsScan, Duration)>,
    /// Registry data escrow deposits.
    escrow: Option<crate::escrow_schedule::EscrowSchedule>,
}

/// How often a standby asks for leadership, and a leader checks that it still holds it.
const LEAD_CHECK_EVERY: Duration = Duration::from_secs(1);

/// Takes leadership when no other process holds it, does the leader's work while it holds,
/// and stands by again when it is lost.
async fn lead(work: LeaderWork) {
    let mut said_standby = false;
    loop {
        match work.registry.store().try_lead().await {
            Ok(Some(mut leadership)) => {
                tracing::info!(
                    "leading: lifecycle ticks, notices, backups, escrow deposits and CDS scans \
                     run in this process"
                );
                said_standby = false;
                let mut tasks = tokio::task::JoinSet::new();
                tasks.spawn(tick(Arc::clone(&work.registry), work.tick_every));
                if let Some(schedule) = &work.backups {
                    tasks.spawn(schedule.clone().run(Arc::clone(&work.registry), work.db.clone()));
                }
                if let Some((scan, every)) = &work.cds_scan {
                    tasks.spawn(scan.clone().run(*every));
                }
                if let Some(escrow) = &work.escrow {
                    tasks.spawn(escrow.clone().run(Arc::clone(&work.registry)));
                }
                while leadership.still_held().await {
                    tokio::time::sleep(LEAD_CHECK_EVERY).await;
                }
                tasks.abort_all();
                tracing::warn!("leadership lost (its database session ended); standing by");
            }
            Ok(None) if !said_standby => {
                tracing::info!("standing by: another process leads (ticks, notices, backups)");
                said_standby = true;
            }
            Ok(None) => {}
            Err(error) => tracing::error!("cannot ask for leadership: {error}"),
        }
        tokio::time::sleep(LEAD_CHECK_EVERY).await;
    }
}

/// The EPP server listening on every address of `listen`, with the certificate the
/// configuration file names or else the demo's, and the file's connection limits.
async fn bind_epp(config: &EppConfig, dir: &Path, listen: &[SocketAddr]) -> Result<EppServer> {
    let (certificate, key) = match (&config.certificate, &config.key) {
        (Some(certificate), Some(key)) => (certificate.clone(), key.clone()),
        _ => (dir.join("pki/epp.pem"), dir.join("pki/epp.key")),
    };
    if !certificate.exists() {
        return Err(anyhow!(
            "no EPP server certificate at {}: set [epp] certificate and key in the \
             configuration file (the demo makes its own on first start)",
            certificate.display()
        ));
    }
    let tls =
        nameward_epp::tls::server_config_from_pem_files(&certificate, &key).with_context(|| {
            format!("cannot load the EPP server certificate {}", certificate.display())
        })?;
    let mut options = ServerOptions::new(tls);
    config.apply(&mut options);
    // The error names the address that could not be bound.
    Ok(EppServer::bind_all(listen, options).await?)
}

const DEFAULT_RDAP: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// RDAP's listener, settings and TLS, ready to serve.
struct BoundRdap {
    listener: tokio::net::TcpListener,
    config: nameward_rdap::Config,
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// Binds RDAP where `--rdap` or `[rdap] listen` says, with `[rdap]`'s settings file and
/// certificate; the base URL defaults to the address bound.
async fn bind_rdap(config: &up_config::RdapConfig, flag: Option<SocketAddr>) -> Result<BoundRdap> {
    let listen = flag.or(config.listen).unwrap_or(DEFAULT_RDAP);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for RDAP on {listen}"))?;
    let bound = listener.local_addr().unwrap_or(listen);
    // The file's check refuses a certificate without a key, and a key without one.
    let tls = match (&config.certificate, &config.key) {
        (Some(cert), Some(key)) => Some(super::rdap::tls(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let rdap = match &config.settings {
        Some(path) => super::rdap::read_config(path)?,
        None => nameward_rdap::Config::new(""),
    }
    .or_base_url(&format!("{scheme}://{bound}/"));
    rdap.check().map_err(|message| anyhow!("RDAP settings: {message}"))?;
    Ok(BoundRdap { listener, config: rdap, tls })
}

/// Adds the configuration file's TLDs the registry lacks and brings every configured apex up
/// to date. Every TLD is checked before the first is written.
async fn configure_tlds(registry: &Registry, file: &UpConfig, now: OffsetDateTime) -> Result<()> {
    let wanted = file
        .tlds
        .iter()
        .map(|tld| tld.get_ref().resolve().map_err(|message| anyhow!(message)))
        .collect::<Result<Vec<_>>>()?;
    let existing = registry.tlds().await?;
    for (policy, apex) in wanted {
        match existing.iter().find(|have| have.tld == policy.tld) {
            None => {
                registry.add_tld(&policy, now).await?;
                tracing::info!(tld = policy.tld, "TLD added from the configuration file");
            }
            Some(have) if have.idn_scripts != policy.idn_scripts => {
                registry.set_idn_scripts(&policy.tld, &policy.idn_scripts, now).await?;
                tracing::info!(tld = policy.tld, "IDN scripts set from the configuration file");
            }
            Some(_) => {}
        }
        if registry.zone_apex(&policy.tld).await?.as_ref() != Some(&apex) {
            registry.set_zone_apex(&apex, now).await?;
            tracing::info!(tld = policy.tld, "zone apex set from the configuration file");
        }
    }
    Ok(())
}

/// What a first start creates in the data directory, removed again when the start fails
/// before it serves, so that a failed first start leaves nothing behind and the next one
/// starts afresh. Only a start that found no SQLite registry is a first start; a PostgreSQL
/// registry keeps what a failed first start wrote to it (the checks and the EPP listener come
/// before the first write, so what remains is complete in itself).
struct FirstStart {
    dir: PathBuf,
    /// The directory's entries before the start; `None` when it did not exist.
    before: Option<HashSet<OsString>>,
    armed: bool,
}

impl FirstStart {
    fn watch(dir: &Path, sqlite: bool) -> Result<FirstStart> {
        let armed = sqlite && !crate::data::sqlite_file(dir).exists();
        let before = match std::fs::read_dir(dir) {
            Ok(entries) => Some(
                entries
                    .map(|entry| entry.map(|entry| entry.file_name()))
                    .collect::<std::io::Result<_>>()
                    .with_context(|| format!("cannot read {}", dir.display()))?,
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(anyhow!("cannot read {}: {error}", dir.display())),
        };
        Ok(FirstStart { dir: dir.to_owned(), before, armed })
    }

    /// The start succeeded: keep everything.
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for FirstStart {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Some(before) = &self.before else {
            let _ = std::fs::remove_dir_all(&self.dir);
            return;
        };
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            if !before.contains(&entry.file_name()) {
                let path = entry.path();
                let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
            }
        }
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

fn print_welcome(up: &UpInfo, dir: &Path) {
    let tlds = up.tlds.iter().map(|tld| format!(".{tld}")).collect::<Vec<_>>().join(" ");
    println!("nameward up: registry for {tlds} running");
    match &up.ca_cert {
        Some(ca) => println!("  EPP (TLS, RFC 5734)  {}   CA certificate {}", up.epp, ca.display()),
        None => println!("  EPP (TLS, RFC 5734)  {}", up.epp),
    }
    let first_tld = up.tlds.first().map_or(DEMO_TLD, String::as_str);
    println!(
        "  DNS (UDP and TCP)    {}   try: dig @{} -p {} {first_tld} SOA",
        up.dns,
        host(&up.dns),
        port(&up.dns),
    );
    println!("  RDAP (RFC 9083)      {}   try: curl {}domain/hello.{first_tld}", up.rdap, up.rdap);
    for registrar in &up.registrars {
        println!(
            "  registrar {:<8} password {}  cert {}",
            registrar.id,
            registrar.password,
            registrar.cert.display()
        );
    }
    println!("  connection details for scripts: {}", dir.join(crate::data::UP_FILE).display());
    match up.registrars.first() {
        Some(first) => println!(
            "  try: nameward epp client --up {} --registrar {} domain-create hello.{first_tld}",
            dir.display(),
            first.id
        ),
        None => println!(
            "  no demo registrars; accredit one with: nameward registry add-registrar ID --name \
             NAME --password PASSWORD --cert CLIENT.pem --data {}",
            dir.display()
        ),
    }
    println!("Ctrl-C stops it; running it again keeps the data.");
}

fn host(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(host, _)| host).trim_matches(['[', ']'])
}

fn port(addr: &str) -> &str {
    addr.rsplit_once(':').map_or("53", |(_, port)| port)
}

/// The demo's certificates, made before anything is written to the database: a CA, the EPP
/// server's certificate and one client certificate per demo registrar, in `DIR/pki`.
struct DemoPki {
    /// The CA certificate.
    ca_cert: PathBuf,
    /// Per demo registrar: its client certificate.
    clients: Vec<IssuedCert>,
}

impl DemoPki {
    fn generate(dir: &Path) -> Result<DemoPki> {
        let pki = dir.join("pki");
        std::fs::create_dir_all(&pki)
            .with_context(|| format!("cannot create {}", pki.display()))?;
        let validity = Validity::days_from(SystemTime::now(), 3650);
        let ca = CertificateAuthority::generate("nameward demo CA", validity)?;
        write_cert(&pki, "ca", ca.cert())?;
        let server = ca.issue_server(&["localhost", "127.0.0.1", "::1"], validity)?;
        write_cert(&pki, "epp", &server)?;
        let mut clients = Vec::new();
        for (id, _) in DEMO_REGISTRARS {
            let cert = ca.issue_client(id, validity)?;
            write_cert(&pki, id, &cert)?;
            clients.push(cert);
        }
        Ok(DemoPki { ca_cert: pki.join("ca.pem"), clients })
    }
}

/// First start of the demo: TLD, zone apex, demo registrars with money, the example
/// configuration file.
async fn provision_demo(
    registry: &Registry,
    dir: &Path,
    tld: &str,
    pki: DemoPki,
    dns: SocketAddr,
    now: OffsetDateTime,
) -> Result<UpInfo> {
    tracing::info!(data = %dir.display(), tld, "first start: creating the demo registry");
    let ns_addr = match dns.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let apex = ZoneApex::usual(
        tld,
        vec![ApexNameserver { name: format!("ns1.nic.{tld}"), addrs: vec![ns_addr] }],
        &format!("hostmaster@nic.{tld}"),
    );
    apex.check()?;
    registry.add_tld(&Policy::default_for(tld), now).await?;
    registry.set_zone_apex(&apex, now).await?;

    let mut registrars = Vec::new();
    for ((id, name), cert) in DEMO_REGISTRARS.into_iter().zip(pki.clients) {
        // EPP passwords are 6 to 16 characters (RFC 5730 pwType): 16 of the code's letters and
        // digits carry about 95 bits.
        let password: String = nameward_registry::secret::generate_code(&mut rand_core::OsRng)
            .chars()
            .take(16)
            .collect();
        let new = NewRegistrar {
            id: id.to_owned(),
            name: name.to_owned(),
            password: password.clone(),
            cert_fingerprints: vec![cert.fingerprint.to_string()],
            email: Some(format!("epp@{id}.invalid")),
        };
        registry.add_registrar(&new, now).await?;
        registry.deposit(id, Account::Prepaid, DEMO_BALANCE, now).await?;
        registrars.push(UpRegistrar {
            id: id.to_owned(),
            password,
            cert: dir.join(format!("pki/{id}.pem")),
            key: dir.join(format!("pki/{id}.key")),
        });
    }
    let example = dir.join(up_config::EXAMPLE_FILE);
    if !example.exists() {
        std::fs::write(&example, up_config::EXAMPLE)
            .with_context(|| format!("cannot write {}", example.display()))?;
    }
    Ok(UpInfo { ca_cert: Some(pki.ca_cert), registrars, ..UpInfo::default() })
}

/// Writes `NAME.pem` (and `NAME.key`, private) into `dir`.
fn write_cert(dir: &Path, name: &str, cert: &IssuedCert) -> Result<()> {
    let pem = dir.join(format!("{name}.pem"));
    std::fs::write(&pem, &cert.cert_pem)
        .with_context(|| format!("cannot write {}", pem.display()))?;
    write_private(&dir.join(format!("{name}.key")), cert.key_pem.as_bytes())
}

/// How often `up` queues registrant notices. Reminder windows are days wide, and a queue run
/// re-reads every name of every failed registrar (seconds for millions of names), so once an
/// hour is both soon enough and cheap; `nameward registry tick` queues on every run.
const QUEUE_NOTICES_EVERY: Duration = Duration::from_secs(3600);

/// Runs the lifecycle every `every`, and queues the registrant notices that fall due every
/// [`QUEUE_NOTICES_EVERY`], as of the wall clock.
async fn tick(registry: Arc<Registry>, every: Duration) {
    let mut last_queued: Option<tokio::time::Instant> = None;
    loop {
        let now = OffsetDateTime::now_utc();
        match registry.tick(now).await {
            Ok(report) if report.total() > 0 => tracing::info!(?report.actions, "lifecycle tick"),
            Ok(_) => {}
            Err(error) => tracing::error!("lifecycle tick failed: {error}"),
        }
        if last_queued.is_none_or(|at| at.elapsed() >= QUEUE_NOTICES_EVERY) {
            last_queued = Some(tokio::time::Instant::now());
            match registry.queue_notices(now).await {
                Ok(report) if report.notices > 0 => tracing::info!(
                    notices = report.notices,
                    names = report.items,
                    "registrant notices queued"
                ),
                Ok(_) => {}
                Err(error) => tracing::error!("queueing registrant notices failed: {error}"),
            }
        }
        tokio::time::sleep(every).await;
    }
}
