//! `nameward serve`: resolve the options and the config file into one `Config`, start the
//! server, and run until SIGTERM or SIGINT.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use nameward_server::config::{RrlConfig, ZoneConfig, ZoneSigner};
use nameward_server::{Config, Server};

use crate::args::ServeArgs;

/// Runs the server in the foreground.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let clock = super::dnssec::signing_clock(args.now.as_deref())?;
    let mut config = resolve(args)?;
    crate::data::init_logging();
    let signer = crate::zone_signer::from_config(config.dnssec.as_ref(), clock)?;
    config.signer = signer.clone().map(|s| s as Arc<dyn ZoneSigner>);
    let server = Server::start(config).context("cannot start")?;
    if let Some(signer) = signer {
        crate::zone_signer::refresh(signer, Arc::clone(server.shared()), REFRESH_CHECK_EVERY);
    }
    server.run_until_signal().context("waiting for signals")?;
    Ok(ExitCode::SUCCESS)
}

/// How often the signed zones' signatures are looked at.
const REFRESH_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The file's settings, with the command line's added or put over them.
fn resolve(args: ServeArgs) -> Result<Config> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Config::from_toml(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => Config::default(),
    };
    config.listen.extend(args.listen);
    for zone in &args.zone {
        let Some((origin, file)) = zone.split_once('=') else {
            bail!("--zone `{zone}`: expected ORIGIN=FILE, such as example.com.=example.com.zone");
        };
        let (origin, file) = (origin.to_string(), file.into());
        config.zones.push(ZoneConfig {
            origin,
            file,
            sign: false,
            update: Vec::new(),
            journal: None,
        });
    }
    if let Some(workers) = args.workers {
        config.workers = workers;
    }
    if args.metrics.is_some() {
        config.metrics = args.metrics;
    }
    if args.control.is_some() {
        config.control = args.control;
    }
    if let Some(secs) = args.tcp_idle_timeout {
        config.tcp.idle_timeout_secs = secs;
    }
    if let Some(rate) = args.rrl_responses_per_second {
        config.rrl = Some(RrlConfig::new(rate));
    }
    if args.nsid.is_some() {
        config.nsid = args.nsid;
    }
    if config.zones.is_empty() {
        bail!("no zone to serve: give --zone ORIGIN=FILE");
    }
    Ok(config)
}
