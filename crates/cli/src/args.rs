//! Command-line arguments as the user typed them (clap derive). Commands resolve them into the
//! settings they run with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// nameward: a domain registry and authoritative DNS server where names outlive their registrar
/// and hosts publish their identity.
#[derive(Debug, Parser)]
#[command(name = "nameward", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check and print zone files (RFC 1035 master files, HIP records included).
    #[command(subcommand)]
    Zone(ZoneCommand),
    /// Serve zones over DNS (UDP and TCP) until SIGTERM or SIGINT; SIGHUP reloads them.
    #[command(
        after_help = "Example:\n  nameward serve --listen 127.0.0.1:5353 --listen [::1]:5353 \\\n    \
                      --zone example.com.=examples/example.com.zone --control /tmp/nameward.sock"
    )]
    Serve(ServeArgs),
    /// Talk to a running server over its control socket.
    #[command(subcommand)]
    Ctl(CtlCommand),
}

#[derive(Debug, Subcommand)]
pub enum ZoneCommand {
    /// Read a zone file and check it: exit 0 when it is valid (warnings allowed), 1 on errors.
    ///
    /// Diagnostics go to standard error as `FILE:LINE: error|warning: message`.
    #[command(
        after_help = "Example:\n  nameward zone check --origin example.com. examples/example.com.zone"
    )]
    Check(CheckArgs),
    /// Print a zone in canonical form: one record per line, absolute names, canonical order.
    #[command(
        after_help = "Examples:\n  nameward zone fmt --origin example.com. examples/example.com.zone\n  \
                            nameward zone fmt --generic --origin example.com. examples/example.com.zone"
    )]
    Fmt(FmtArgs),
}

/// What every zone command reads.
#[derive(Debug, Args)]
pub struct ZoneInput {
    /// The zone's origin (apex), such as `example.com.`; relative names in the file are completed
    /// with it.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,
    /// Allow `$INCLUDE` of files outside the zone file's directory.
    #[arg(long)]
    pub allow_include_outside: bool,
    /// The zone file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: ZoneInput,
    /// Treat a HIP record whose HIT is not derived from its key (ORCHID v1 or v2) as an error,
    /// not a warning.
    #[arg(long)]
    pub strict_hit: bool,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub input: ZoneInput,
    /// Print every record in RFC 3597 generic form (`TYPEnnn \# len hex`), which servers without
    /// the record's type (such as Knot DNS or PowerDNS for HIP) can load.
    #[arg(long)]
    pub generic: bool,
}

/// `nameward serve`: every option can also be set in the `--config` file; options given here
/// are added to (lists) or override (single values) the file's.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// An address to answer on, UDP and TCP, such as `127.0.0.1:53` or `[::1]:53`; repeatable.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Vec<std::net::SocketAddr>,
    /// A zone to serve, as its origin and file; repeatable.
    #[arg(long, value_name = "ORIGIN=FILE")]
    pub zone: Vec<String>,
    /// UDP worker threads (and sockets) per address; default: one per core.
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// A TOML configuration file with the same settings, plus TCP limits, rate limiting,
    /// secondaries, access lists and TSIG keys.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serve Prometheus metrics at `http://ADDR/metrics`.
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics: Option<std::net::SocketAddr>,
    /// The Unix socket for `nameward ctl` (which looks at /run/nameward/control.sock unless
    /// told otherwise); none unless given.
    #[arg(long, value_name = "PATH")]
    pub control: Option<PathBuf>,
    /// Seconds before an idle or stalled TCP connection is closed.
    #[arg(long, value_name = "SECONDS")]
    pub tcp_idle_timeout: Option<u64>,
    /// Limit identical responses to one client network to N per second (response-rate
    /// limiting; off by default).
    #[arg(long, value_name = "N")]
    pub rrl_responses_per_second: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    /// Reload every zone file; exit 1 when a zone failed to load (it keeps serving the old
    /// version) and say why.
    Reload(CtlArgs),
    /// List the zones served with their serials.
    Status(CtlArgs),
}

#[derive(Debug, Args)]
pub struct CtlArgs {
    /// The server's control socket, as given to `nameward serve --control`.
    #[arg(long, value_name = "PATH", default_value = "/run/nameward/control.sock")]
    pub socket: PathBuf,
}
