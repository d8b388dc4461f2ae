//! `nameward`: the one binary of nameward, `nameward <area> <verb>`.

mod args;
mod backup;
mod cds_scan;
mod commands;
mod data;
mod error_text;
mod escrow_schedule;
mod fs_loader;
mod parent_ds;
mod secret_file;
mod up_config;
mod zone_keys;
mod zone_signer;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    // Usage errors exit 1 like every other error: exit 2 and 3 have meanings of their own
    // (`hip resolve`: no HIP records, a HIT that does not match its key).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    let outcome = match cli.command {
        Command::Zone(zone) => commands::zone::run(zone),
        Command::Hip(hip) => commands::hip::run(hip),
        Command::Dnssec(dnssec) => commands::dnssec::run(dnssec),
        Command::Serve(serve) => commands::serve::run(serve),
        Command::Ctl(ctl) => commands::ctl::run(ctl),
        Command::Up(up) => commands::up::run(up),
        Command::Registry(registry) => commands::registry::run(registry),
        Command::Epp(epp) => commands::epp::run(epp),
        Command::Continuity(continuity) => commands::continuity::run(continuity),
        Command::Notices(notices) => commands::notices::run(notices),
        Command::Desk(desk) => commands::desk::run(desk),
        Command::Rdap(rdap) => commands::rdap::run(rdap),
        Command::Escrow(escrow) => commands::escrow::run(escrow),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("nameward: {}", error_text::error_text(&error));
            ExitCode::FAILURE
        }
    }
}
