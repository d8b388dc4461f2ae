//! `nameward escrow registrar import` and `nameward registry escrow-key`: registrars' escrow
//! deposits into the registry, and the keys they are verified with.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use nameward_escrow::{Limits, claimed_registrar};
use nameward_registry::service::{EscrowImport, Reconciliation};
use time::format_description::well_known::Rfc3339;

use crate::args::{EscrowCommand, EscrowImportArgs, EscrowKeyArgs, EscrowRegistrarCommand};
use crate::commands::registry::open;
use crate::data::{now_or, runtime};

/// Runs one `nameward escrow` command.
pub fn run(command: EscrowCommand) -> Result<ExitCode> {
    match command {
        EscrowCommand::Registrar(EscrowRegistrarCommand::Import(args)) => {
            runtime()?.block_on(import(args))
        }
        EscrowCommand::Registry(command) => crate::commands::rde::run(command),
    }
}

/// `nameward registry escrow-key REGISTRAR --key PUBKEY.pem`.
pub async fn set_key(args: EscrowKeyArgs) -> Result<ExitCode> {
    let pem = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read {}", args.key.display()))?;
    let registry = open(&args.store).await?;
    registry
        .set_escrow_key(&args.registrar, &pem, now_or(None)?)
        .await
        .with_context(|| format!("{}", args.key.display()))?;
    println!("registrar {}: escrow key set", args.registrar);
    Ok(ExitCode::SUCCESS)
}

async fn import(args: EscrowImportArgs) -> Result<ExitCode> {
    let now = now_or(args.now.as_deref())?;
    let limits = Limits::default();
    let bytes = read_bounded(&args.file, limits.max_archive_bytes)?;
    let named = claimed_registrar(&bytes, &limits)
        .with_context(|| format!("{}: refused", args.file.display()))?;
    let registrar = match args.registrar {
        Some(expected) if expected != named => {
            bail!("{}: the deposit names registrar {named}, not {expected}", args.file.display())
        }
        _ => named,
    };
    let registry = open(&args.store).await?;
    let done = registry
        .import_escrow(&registrar, &bytes, &limits, now)
        .await
        .with_context(|| format!("{}: refused; nothing was imported", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&done.value)?);
    } else {
        print!("{}", report(&done.value));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a file of at most `limit` octets.
fn read_bounded(path: &std::path::Path, limit: u64) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        bail!("{}: larger than the deposit limit of {limit} octets", path.display());
    }
    Ok(bytes)
}

/// The import as an operator reads it.
pub fn report(import: &EscrowImport) -> String {
    let deposit = &import.deposit;
    let watermark = deposit.watermark.format(&Rfc3339).unwrap_or_default();
    let mut out = format!(
        "imported {} deposit {} of {} (watermark {watermark}): {} domains, {} contacts, \
         {} customers, {} resellers, {} hosted zones\n",
        deposit.kind.as_str(),
        deposit.deposit_id,
        deposit.registrar,
        deposit.domains,
        deposit.contacts,
        deposit.customers,
        deposit.resellers,
        deposit.zones,
    );
    out.push_str(&reconciliation(&import.reconciliation));
    out
}

fn reconciliation(report: &Reconciliation) -> String {
    let registrar = &report.registrar;
    let linked = resellers_linked(report);
    if report.is_clean() {
        return format!("reconciliation: the escrow of {registrar} matches the registry\n{linked}");
    }
    let mut out = String::from("reconciliation:\n");
    let missing = &report.missing_from_escrow;
    out.push_str(&format!(
        "  names the registry has {registrar} sponsor that the escrow lacks ({}):\n",
        missing.len()
    ));
    for name in missing {
        out.push_str(&format!("    {name}\n"));
    }
    out.push_str(&format!(
        "  names in the escrow that the registry does not have {registrar} sponsor ({}):\n",
        report.not_sponsored.len()
    ));
    for name in &report.not_sponsored {
        let whose = match &name.sponsor {
            Some(sponsor) => format!("sponsored by {sponsor}"),
            None => "not registered".to_owned(),
        };
        out.push_str(&format!("    {} ({whose})\n", name.name));
    }
    out.push_str(&format!(
        "  registrant e-mail differences ({}):\n",
        report.email_differences.len()
    ));
    for difference in &report.email_differences {
        out.push_str(&format!(
            "    {}: registry {}, escrow {}\n",
            difference.domain,
            difference.registry,
            difference.escrow.as_deref().unwrap_or("(none)")
        ));
    }
    out.push_str(&linked);
    out
}

/// The names linked to (or unlinked from) a reseller as the escrow says, flagging resellers
/// the escrow does not list.
fn resellers_linked(report: &Reconciliation) -> String {
    let links = &report.resellers_linked;
    if links.is_empty() {
        return String::new();
    }
    let mut out = format!("  resellers linked from the escrow ({}):\n", links.len());
    for link in links {
        out.push_str(&format!(
            "    {}: {} -> {}{}\n",
            link.domain,
            link.registry.as_deref().unwrap_or("(direct)"),
            link.escrow.as_deref().unwrap_or("(direct)"),
            if link.listed { "" } else { " (a reseller the escrow does not list)" }
        ));
    }
    out
}
