//! `nameward ctl`: commands to a running server over its control socket.

use std::process::ExitCode;

use anyhow::{Context, Result};
use nameward_server::net::control;

use crate::args::CtlCommand;

/// Sends one command and prints the server's reply; exit 1 when the server reports a failure.
pub fn run(command: CtlCommand) -> Result<ExitCode> {
    let (args, verb) = match &command {
        CtlCommand::Reload(args) => (args, "reload"),
        CtlCommand::Status(args) => (args, "status"),
        CtlCommand::Flush(args) => (args, "flush"),
    };
    let (ok, details) = control::request(&args.socket, verb)
        .with_context(|| format!("control socket {}", args.socket.display()))?;
    if ok {
        println!("{details}");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{details}");
        Ok(ExitCode::FAILURE)
    }
}
