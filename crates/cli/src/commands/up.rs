//! `nameward up`: the registry on its embedded default. On first start it creates the data
//! directory (SQLite database, demo TLD, two demo registrars with certificates and passwords,
//! a CA); then it runs EPP, the authoritative DNS server publishing the TLD zone, and the
//! lifecycle schedule until Ctrl-C or SIGTERM. Names on continuity DNS (a failed registrar's
//! names switched to the registry's servers) have their escrowed zones served beside the TLD.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, anyhow};
use nameward_epp::pki::{CertificateAuthority, IssuedCert, Validity};
use nameward_epp::server::{EppServer, ServerOptions};
use nameward_epp::session::{Clock, EppSessions};
use nameward_publish::Publisher;
use nameward_registry::model::Account;
use nameward_registry::policy::Policy;
use nameward_registry::publish::ApexNameserver;
use nameward_registry::service::{NewRegistrar, Registry};
use nameward_server::{Config, Server, Shared};
use time::OffsetDateTime;

use crate::args::UpArgs;
use crate::commands::registry::{default_apex, open};
use crate::data::{UpInfo, UpRegistrar, runtime, write_private};
use crate::up_config::{self, UpConfig};

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
    let tld = args.tld.as_deref().map(|tld| tld.trim_matches('.').to_ascii_lowercase());
    let file = match &args.config {
        Some(path) => up_config::read(path)?,
        None => UpConfig::default(),
    };
    let epp = args.epp.or(file.epp.listen).unwrap_or(DEFAULT_EPP);
    let dns_config = dns_config(file.dns, args.dns);
    let first_dns = dns_config.listen.first().copied().unwrap_or(DEFAULT_DNS);
    // The DNS server runs its own threads and runtime; it starts with no zone and the TLD
    // zones are published into it from the database.
    let dns = Server::start(dns_config).context("cannot start the DNS server")?;
    let dns_addr = dns.local_addrs().first().copied().unwrap_or(first_dns);
    let shared = Arc::clone(dns.shared());
    let outcome = runtime()?.block_on(serve(args, epp, tld, dns_addr, shared));
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

async fn serve(
    args: UpArgs,
    epp_listen: SocketAddr,
    tld: Option<String>,
    dns_addr: SocketAddr,
    dns: Arc<Shared>,
) -> Result<ExitCode> {
    let dir = args.store.data.clone();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let registry = Arc::new(open(&args.store).await?);
    let now = OffsetDateTime::now_utc();
    let tlds = registry.tlds().await?;
    let mut up = match (tlds.is_empty(), &tld) {
        (true, tld) => {
            let tld = tld.as_deref().unwrap_or(DEMO_TLD);
            provision(&registry, &dir, tld, dns_addr, now).await?
        }
        (false, Some(tld)) if !tlds.iter().any(|policy| &policy.tld == tld) => {
            return Err(anyhow!(
                "TLD {tld} is not in this registry (it has {}); add it with `nameward registry \
                 add-tld {tld} --ns NAME[=ADDR]`, and every TLD with name servers is served",
                tlds.iter().map(|policy| policy.tld.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        (false, _) => UpInfo::read(&dir)?,
    };

    // The zones are served before anyone is told where to find them.
    let mut publisher = Publisher::every_tld(Arc::clone(&registry), dns);
    for (_, outcome) in publisher.publish().await {
        outcome?;
    }

    let tls = nameward_epp::tls::server_config_from_pem_files(
        &dir.join("pki/epp.pem"),
        &dir.join("pki/epp.key"),
    )
    .context("cannot load the EPP server certificate")?;
    let epp = EppServer::bind(epp_listen, ServerOptions::new(tls))
        .await
        .with_context(|| format!("cannot listen for EPP on {epp_listen}"))?;
    let epp_addr = epp.local_addrs().first().copied().unwrap_or(epp_listen);
    up.epp = epp_addr.to_string();
    up.dns = dns_addr.to_string();
    up.write(&dir)?;

    let publisher = tokio::spawn(publisher.run(PUBLISH_EVERY));
    let ticker =
        tokio::spawn(tick(Arc::clone(&registry), Duration::from_secs(args.tick_every.max(1))));
    let clock: Clock = Arc::new(OffsetDateTime::now_utc);
    let sessions = EppSessions::new(Arc::clone(&registry), clock, "nameward");
    print_welcome(&up, &dir);
    epp.run(sessions, shutdown_signal()).await;
    publisher.abort();
    ticker.abort();
    tracing::info!("nameward up stopped");
    Ok(ExitCode::SUCCESS)
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
    let first = up.registrars.first().map_or("alpha", |r| r.id.as_str());
    println!("nameward up: registry for .{} running", up.tld);
    println!("  EPP (TLS, RFC 5734)  {}   CA certificate {}", up.epp, up.ca_cert.display());
    println!(
        "  DNS (UDP and TCP)    {}   try: dig @{} -p {} {} SOA",
        up.dns,
        host(&up.dns),
        port(&up.dns),
        up.tld
    );
    for registrar in &up.registrars {
        println!(
            "  registrar {:<8} password {}  cert {}",
            registrar.id,
            registrar.password,
            registrar.cert.display()
        );
    }
    println!("  connection details for scripts: {}", dir.join(crate::data::UP_FILE).display());
    println!(
        "  try: nameward epp client --up {} --registrar {first} domain-create hello.{}",
        dir.display(),
        up.tld
    );
    println!("Ctrl-C stops it; running it again keeps the data.");
}

fn host(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(host, _)| host).trim_matches(['[', ']'])
}

fn port(addr: &str) -> &str {
    addr.rsplit_once(':').map_or("53", |(_, port)| port)
}

/// First start: TLD, zone apex, CA and certificates, demo registrars with money, up.json.
async fn provision(
    registry: &Registry,
    dir: &Path,
    tld: &str,
    dns: SocketAddr,
    now: OffsetDateTime,
) -> Result<UpInfo> {
    tracing::info!(data = %dir.display(), tld, "first start: creating the demo registry");
    let policy = Policy::default_for(tld);
    registry.add_tld(&policy, now).await?;
    let ns_addr = match dns.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let apex = default_apex(
        tld,
        vec![ApexNameserver { name: format!("ns1.nic.{tld}"), addrs: vec![ns_addr] }],
        &format!("hostmaster@nic.{tld}"),
    );
    registry.set_zone_apex(&apex, now).await?;

    let pki = dir.join("pki");
    std::fs::create_dir_all(&pki).with_context(|| format!("cannot create {}", pki.display()))?;
    let validity = Validity::days_from(SystemTime::now(), 3650);
    let ca = CertificateAuthority::generate("nameward demo CA", validity)?;
    let ca_cert = write_cert(&pki, "ca", ca.cert())?;
    let server = ca.issue_server(&["localhost", "127.0.0.1", "::1"], validity)?;
    write_cert(&pki, "epp", &server)?;

    let mut registrars = Vec::new();
    for (id, name) in DEMO_REGISTRARS {
        let cert = ca.issue_client(id, validity)?;
        let cert_path = write_cert(&pki, id, &cert)?;
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
            cert: cert_path,
            key: pki.join(format!("{id}.key")),
        });
    }
    let example = dir.join(up_config::EXAMPLE_FILE);
    if !example.exists() {
        std::fs::write(&example, up_config::EXAMPLE)
            .with_context(|| format!("cannot write {}", example.display()))?;
    }
    let up = UpInfo {
        tld: tld.to_owned(),
        epp: String::new(),
        dns: dns.to_string(),
        ca_cert,
        registrars,
    };
    up.write(dir)?;
    Ok(up)
}

/// Writes `NAME.pem` (and `NAME.key`, private) into `dir`; returns the certificate's path.
fn write_cert(dir: &Path, name: &str, cert: &IssuedCert) -> Result<PathBuf> {
    let pem = dir.join(format!("{name}.pem"));
    std::fs::write(&pem, &cert.cert_pem)
        .with_context(|| format!("cannot write {}", pem.display()))?;
    write_private(&dir.join(format!("{name}.key")), cert.key_pem.as_bytes())?;
    std::fs::canonicalize(&pem).with_context(|| format!("cannot resolve {}", pem.display()))
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
