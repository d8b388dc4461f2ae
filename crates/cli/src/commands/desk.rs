//! `nameward desk serve`: the registrant desk's JSON API.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use nameward_client::Client as DnsClient;
use nameward_desk::Desk;
use nameward_registry::service::DeskOptions;

use super::notices::SmtpArgs;
use super::registry::open;
use crate::args::StoreArgs;
use crate::data::runtime;

/// `nameward desk …`.
#[derive(Debug, Subcommand)]
pub enum DeskCommand {
    /// Serve the registrant desk (JSON over HTTP) until SIGTERM or SIGINT. It serves the names
    /// of FAILED registrars only, unless `--all-domains`. Put it behind a TLS-terminating proxy:
    /// it speaks plain HTTP.
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
}

/// Runs a `nameward desk` command.
pub fn run(command: DeskCommand) -> Result<ExitCode> {
    let DeskCommand::Serve(args) = command;
    runtime()?.block_on(async move {
        let registry = open(&args.store).await?;
        let desk = Desk {
            registry,
            mailer: Arc::new(args.smtp.mailer()?),
            resolver: args.dns_server.map(DnsClient::new),
            options: DeskOptions { all_domains: args.all_domains },
            registry_name: args.smtp.registry_name.clone(),
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
