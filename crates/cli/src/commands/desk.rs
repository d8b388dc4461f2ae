//! `nameward desk serve`: the registrant desk's pages and JSON API.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use nameward_client::Client as DnsClient;
use nameward_desk::{CookiePolicy, Desk};
use nameward_registry::service::DeskOptions;

use super::notices::SmtpArgs;
use super::registry::open;
use crate::args::StoreArgs;
use crate::data::runtime;

/// `nameward desk …`.
#[derive(Debug, Subcommand)]
pub enum DeskCommand {
    /// Serve the registrant desk (its pages, and the same steps as JSON under /v1) until
    /// SIGTERM or SIGINT. It serves the names of FAILED registrars only, unless
    /// `--all-domains`. Put it behind a TLS-terminating proxy: it speaks plain HTTP, and marks
    /// its cookies Secure when `--public-url` is https.
    Serve(ServeArgs),
}

/// `nameward desk serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub smtp: SmtpArgs,
    /// Where to listen.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8780")]
    pub listen: SocketAddr,
    /// The DNS server asked for `_nameward-challenge` TXT records (a recursive resolver);
    /// without it DNS verification is off.
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns_server: Option<SocketAddr>,
    /// Serve every domain, not only those of FAILED registrars.
    #[arg(long)]
    pub all_domains: bool,
    /// The desk's address as registrants reach it (`https://desk.nic.example`): code mails
    /// link to it, pages tell registrants to check it, and an https URL marks cookies Secure.
    #[arg(long, value_name = "URL")]
    pub public_url: String,
    /// A proxy in front of the desk whose `X-Forwarded-For` is believed, so that limits count
    /// the registrants behind it, not the proxy (repeatable).
    #[arg(long, value_name = "ADDR")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
}

/// Checks a desk public URL: an absolute http or https URL with a host.
pub fn check_public_url(url: &str) -> Result<()> {
    let rest =
        url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| {
            anyhow::anyhow!("desk public URL `{url}` must start with https:// or http://")
        })?;
    anyhow::ensure!(
        !rest.is_empty() && !rest.starts_with('/'),
        "desk public URL `{url}` has no host"
    );
    Ok(())
}

/// The desk `nameward up` serves for its `[desk]` section.
pub fn desk_for_up(
    registry: nameward_registry::service::Registry,
    config: &crate::up_config::DeskConfig,
) -> Result<Desk> {
    check_public_url(&config.public_url)?;
    let smtp = SmtpArgs {
        smtp: config.smtp.clone(),
        starttls: config.starttls,
        from: config.from.clone(),
        registry_name: config.registry_name.clone(),
        dkim_key: None,
        dkim_selector: None,
    };
    Ok(Desk {
        registry,
        mailer: Arc::new(smtp.mailer().context("[desk]")?),
        resolver: config.dns_server.map(DnsClient::new),
        options: DeskOptions { all_domains: config.all_domains },
        registry_name: config.registry_name.clone(),
        cookies: CookiePolicy::for_desk(&config.public_url, false),
        public_url: config.public_url.trim_end_matches('/').to_owned(),
        trusted_proxies: config.trusted_proxies.clone(),
        clock: Arc::new(time::OffsetDateTime::now_utc),
    })
}

/// Runs a `nameward desk` command.
pub fn run(command: DeskCommand) -> Result<ExitCode> {
    let DeskCommand::Serve(args) = command;
    runtime()?.block_on(async move {
        check_public_url(&args.public_url)?;
        let registry = open(&args.store).await?;
        let desk = Desk {
            registry,
            mailer: Arc::new(args.smtp.mailer()?),
            resolver: args.dns_server.map(DnsClient::new),
            options: DeskOptions { all_domains: args.all_domains },
            registry_name: args.smtp.registry_name.clone(),
            cookies: CookiePolicy::for_desk(&args.public_url, false),
            public_url: args.public_url.trim_end_matches('/').to_owned(),
            trusted_proxies: args.trusted_proxy.clone(),
            clock: Arc::new(time::OffsetDateTime::now_utc),
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        eprintln!(
            "nameward desk: serving on http://{} ({})",
            listener.local_addr().unwrap_or(args.listen),
            if args.all_domains { "all domains" } else { "names of FAILED registrars" }
        );
        nameward_desk::serve(listener, desk, super::up::shutdown_signal()).await;
        Ok(ExitCode::SUCCESS)
    })
}
