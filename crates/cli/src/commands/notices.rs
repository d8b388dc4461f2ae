//! `nameward notices …`: queue the registrant notices that are due, send them over SMTP, list
//! them.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use nameward_desk::{SmtpConfig, SmtpMailer, SmtpSecurity};
use nameward_registry::continuity::notices::Letterhead;
use nameward_registry::service::SendOptions;

use super::registry::open;
use crate::args::StoreArgs;
use crate::data::{now_or, runtime};

/// `nameward notices …`.
#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// Queue every notice due at `--now` for names of FAILED registrars: one per registrant
    /// address and kind (failure, reminders 30 and 7 days before expiry, after expiry).
    /// Idempotent: run it as often as you like.
    Queue(QueueArgs),
    /// Send the queued notices due at `--now` through an SMTP relay, rate-limited; each is
    /// marked sent right after the relay accepts it, so a run cut short resumes without
    /// sending anything twice (a crash between acceptance and marking may repeat one).
    Send(SendArgs),
    /// List notices with their delivery state.
    List(ListArgs),
}

/// `nameward notices queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The instant to run as (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

/// The SMTP relay and sender, shared with `nameward desk serve`.
#[derive(Debug, Clone, Args)]
pub struct SmtpArgs {
    /// The SMTP relay.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:25")]
    pub smtp: String,
    /// Require STARTTLS (rustls, web PKI roots); without it the relay is spoken to in plain,
    /// which suits a relay on this host or a trusted network only.
    #[arg(long)]
    pub starttls: bool,
    /// The sender address (required: registrants must be able to tell the registry's mail
    /// from anyone else's, so there is no made-up default).
    #[arg(long, value_name = "ADDR")]
    pub from: String,
    /// The registry's name as mails give it.
    #[arg(long, default_value = "the registry")]
    pub registry_name: String,
    /// Sign every mail with DKIM using this key file (RSA in PKCS#1 PEM, or an Ed25519 secret
    /// key as base64), for the sender's domain.
    #[arg(long, value_name = "FILE", requires = "dkim_selector")]
    pub dkim_key: Option<std::path::PathBuf>,
    /// The DKIM selector the key is published under (`SELECTOR._domainkey.DOMAIN`).
    #[arg(long, value_name = "SELECTOR")]
    pub dkim_selector: Option<String>,
}

impl SmtpArgs {
    /// The mailer these arguments describe.
    pub fn mailer(&self) -> Result<SmtpMailer> {
        let mut config = SmtpConfig::parse(&self.smtp, &self.from)?;
        if self.starttls {
            config.security = SmtpSecurity::StartTls;
        }
        if let (Some(path), Some(selector)) = (&self.dkim_key, &self.dkim_selector) {
            let key = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the DKIM key {}", path.display()))?;
            config.dkim = Some(
                nameward_desk::smtp::Dkim::new(selector, &key)
                    .with_context(|| format!("DKIM key {}", path.display()))?,
            );
        }
        SmtpMailer::new(&config).context("cannot set up the SMTP mailer")
    }
}

/// `nameward notices send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub smtp: SmtpArgs,
    /// Most notices per second.
    #[arg(long, value_name = "PER_SECOND", default_value_t = 10.0)]
    pub rate: f64,
    /// Most notices to try in this run.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Attempts before a notice that keeps failing is marked failed.
    #[arg(long, default_value_t = 5)]
    pub max_attempts: u32,
    /// The registrant desk's public address (`https://desk.nic.example`): every notice links
    /// straight to its page for each name. Required.
    #[arg(long, value_name = "URL")]
    pub desk_url: String,
    /// The instant to run as (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

/// `nameward notices list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only notices to this address.
    #[arg(long)]
    pub address: Option<String>,
}

/// Runs a `nameward notices` command.
pub fn run(command: NoticesCommand) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        match command {
            NoticesCommand::Queue(args) => {
                let now = now_or(args.now.as_deref())?;
                let registry = open(&args.store).await?;
                let report = registry.queue_notices(now).await?;
                println!(
                    "queued {} notice(s) about {} name(s) of {} failed registrar(s) ({} name(s) \
                     looked at)",
                    report.notices, report.items, report.registrars, report.names
                );
                if report.unreachable_count > 0 {
                    println!(
                        "{} name(s) have no registrant address on record: {}{}",
                        report.unreachable_count,
                        report.unreachable.join(" "),
                        if report.unreachable_count > report.unreachable.len() as u64 {
                            " …"
                        } else {
                            ""
                        }
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            NoticesCommand::Send(args) => {
                let now = now_or(args.now.as_deref())?;
                anyhow::ensure!(args.rate > 0.0, "--rate must be above zero");
                super::desk::check_public_url(&args.desk_url)?;
                let registry = open(&args.store).await?;
                let mailer = args.smtp.mailer()?;
                let mut options = SendOptions::new(Letterhead {
                    registry: args.smtp.registry_name.clone(),
                    desk_url: args.desk_url.clone(),
                });
                options.rate_per_second = args.rate;
                options.limit = args.limit;
                options.max_attempts = args.max_attempts.max(1);
                let report = registry.send_notices(&mailer, &options, now).await?;
                println!(
                    "sent {}, bounced {}, failed {}, to retry {}",
                    report.sent, report.bounced, report.failed, report.deferred
                );
                Ok(ExitCode::SUCCESS)
            }
            NoticesCommand::List(args) => {
                let registry = open(&args.store).await?;
                let mut after = 0;
                loop {
                    let page = registry.notices(args.address.as_deref(), after, 500).await?;
                    let Some(last) = page.last() else { break };
                    after = last.id;
                    for notice in &page {
                        let names: Vec<&str> =
                            notice.domains.iter().map(|domain| domain.name.as_str()).collect();
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}{}",
                            notice.id,
                            notice.state.as_str(),
                            notice.kind.as_str(),
                            notice.address,
                            notice.attempts,
                            names.join(","),
                            notice
                                .last_error
                                .as_ref()
                                .map(|error| format!("\t{error}"))
                                .unwrap_or_default()
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}
