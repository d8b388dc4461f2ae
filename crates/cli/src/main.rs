//! `nameward`: the one binary of nameward, `nameward <area> <verb>`.

mod args;
mod commands;
mod fs_loader;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Zone(zone) => commands::zone::run(zone),
        Command::Serve(serve) => commands::serve::run(serve),
        Command::Ctl(ctl) => commands::ctl::run(ctl),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("nameward: {error:#}");
            ExitCode::FAILURE
        }
    }
}
