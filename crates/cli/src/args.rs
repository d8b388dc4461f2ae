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
    /// Most diagnostics to print (the first ones by file and line); the others are counted in a
    /// final line, and errors among them still make the command fail.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_diagnostics: usize,
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
