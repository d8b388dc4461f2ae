//! `nameward rdap serve`: the registry's RDAP service on its own (`nameward up` serves it too).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use nameward_rdap::{Config, RateLimit, Rdap};

use super::registry::open;
use crate::args::StoreArgs;
use crate::data::runtime;

/// `nameward rdap …`.
#[derive(Debug, Subcommand)]
pub enum RdapCommand {
    /// Serve RDAP (RFC 9082/9083) until SIGTERM or SIGINT: lookups and searches of domains,
    /// name servers and registrars, with contacts redacted for the public; over HTTPS when
    /// given a certificate, plain HTTP otherwise (for a TLS-terminating proxy).
    Serve(ServeArgs),
}

/// What RDAP is served with, shared by `nameward rdap serve` and `nameward up`.
#[derive(Debug, Clone, Args)]
pub struct RdapArgs {
    /// An RDAP settings file (TOML): `base_url`, `terms_url`, `desk_url`, `max_results`,
    /// `[redaction]`, and `[registrars.<id>]` with `iana_id`, `abuse_email`, `abuse_phone`,
    /// `rdap_base_url`.
    #[arg(long = "rdap-config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The service's public base URL (overrides the file's); default `http://<listen>/`.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The registrant desk's URL, shown on the names of a failed registrar (overrides the
    /// file's).
    #[arg(long, value_name = "URL")]
    pub desk_url: Option<String>,
    /// The certificate chain (PEM) to serve HTTPS with; needs `--rdap-key`.
    #[arg(long = "rdap-cert", value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// The private key (PEM) of `--rdap-cert`.
    #[arg(long = "rdap-key", value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Requests one client (an address, an IPv6 /64) may make per second, sustained.
    #[arg(long, value_name = "N", default_value_t = RateLimit::default().per_second)]
    pub rate: u32,
    /// Requests one client may make at once.
    #[arg(long, value_name = "N", default_value_t = RateLimit::default().burst)]
    pub burst: u32,
}

/// `nameward rdap serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where to listen.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub rdap: RdapArgs,
}

impl RdapArgs {
    /// The settings: the file's, with the command line's overrides; `listen` gives the
    /// default base URL.
    pub fn config(&self, listen: SocketAddr) -> Result<Config> {
        let scheme = if self.cert.is_some() { "https" } else { "http" };
        let mut config = match &self.config {
            Some(path) => read_config(path)?,
            None => Config::new(""),
        }
        .or_base_url(&format!("{scheme}://{listen}/"));
        if let Some(base) = &self.base_url {
            config.base_url = nameward_rdap::config::with_slash(base);
        }
        if let Some(desk) = &self.desk_url {
            config.desk_url = Some(desk.clone());
        }
        config.check().map_err(|error| anyhow::anyhow!("RDAP settings: {error}"))?;
        Ok(config)
    }

    /// The per-client rate.
    pub fn rate(&self) -> RateLimit {
        RateLimit { per_second: self.rate, burst: self.burst, ..RateLimit::default() }
    }

    /// The TLS configuration when a certificate is given.
    pub fn tls(&self) -> Result<Option<Arc<rustls::ServerConfig>>> {
        let (Some(cert), Some(key)) = (&self.cert, &self.key) else { return Ok(None) };
        tls(cert, key).map(Some)
    }
}

/// A TLS 1.2/1.3 server configuration for HTTPS (no client certificate) from PEM files.
pub fn tls(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let chain = nameward_epp::tls::certs_from_pem_file(cert)?;
    let key = nameward_epp::tls::key_from_pem_file(key)?;
    let mut config = rustls::ServerConfig::builder_with_provider(nameward_epp::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .context("RDAP TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| format!("RDAP certificate {} and key", cert.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Reads an RDAP settings file; errors name the file and line.
pub fn read_config(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the RDAP settings {}", path.display()))?;
    match toml::from_str::<Config>(&text) {
        Ok(config) => Ok(config),
        Err(error) => {
            let line = error
                .span()
                .map(|span| text.get(..span.start).unwrap_or("").lines().count().max(1));
            match line {
                Some(line) => bail!("{}:{line}: {}", path.display(), error.message()),
                None => bail!("{}: {}", path.display(), error.message()),
            }
        }
    }
}

/// Runs a `nameward rdap` command.
pub fn run(command: RdapCommand) -> Result<ExitCode> {
    let RdapCommand::Serve(args) = command;
    let tls = args.rdap.tls()?;
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        // The default base URL names the address bound (a port 0 made concrete).
        let bound = listener.local_addr().unwrap_or(args.listen);
        let config = args.rdap.config(bound)?;
        let registry = open(&args.store).await?;
        eprintln!(
            "nameward rdap: serving {} on {bound} ({})",
            config.base_url,
            if tls.is_some() { "HTTPS" } else { "plain HTTP" }
        );
        let rdap = Rdap::new(registry, config, args.rdap.rate());
        nameward_rdap::serve(listener, rdap, tls, super::up::shutdown_signal()).await;
        Ok(ExitCode::SUCCESS)
    })
}
