//! `nameward escrow registry deposit|verify|restore`: registry data escrow (RFC 8909/9022).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use nameward_rde::deposit::{DepositOptions, deposit};
use nameward_rde::names::Kind;
use nameward_rde::restore::restore;
use nameward_rde::verify::{Keys, Verified, verify};
use nameward_rde::{Problem, RdeError};
use time::format_description::well_known::Rfc3339;

use crate::args::{
    EscrowRegistryCommand, RdeDepositArgs, RdeKeyArgs, RdeRestoreArgs, RdeVerifyArgs,
};
use crate::commands::registry::{create_or_open, open};
use crate::data::{now_or, runtime};

/// Runs one `nameward escrow registry` command.
pub fn run(command: EscrowRegistryCommand) -> Result<ExitCode> {
    match command {
        EscrowRegistryCommand::Deposit(args) => runtime()?.block_on(make(args)),
        EscrowRegistryCommand::Verify(args) => check(args),
        EscrowRegistryCommand::Restore(args) => runtime()?.block_on(rebuild(args)),
    }
}

async fn make(args: RdeDepositArgs) -> Result<ExitCode> {
    let now = now_or(args.now.as_deref())?;
    let registry = open(&args.store).await?;
    let options = DepositOptions {
        tld: args.tld.clone(),
        kind: if args.diff { Kind::Diff } else { Kind::Full },
        out: args.out.clone(),
        agent_key: args.agent_key.clone(),
        signing_key: args.signing_key.clone(),
        watermark: now,
        resend: args.resend,
        now,
    };
    let made = deposit(registry.store(), &options)
        .await
        .with_context(|| format!("deposit of {} refused", args.tld))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&made.record)?);
    } else {
        let record = &made.record;
        println!(
            "{} deposit {} of {} at {}: {} domains, {} hosts, {} contacts, {} registrars{}",
            record.kind,
            record.deposit_id,
            record.tld,
            record.watermark.format(&Rfc3339).unwrap_or_default(),
            record.domains,
            record.hosts,
            record.contacts,
            record.registrars,
            match &record.prev_id {
                Some(prev) => format!(", {} deleted; follows {prev}", record.deletes),
                None => String::new(),
            }
        );
        for path in [&made.ryde, &made.sig, &made.report] {
            println!("  {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The work directory: the one given, or a fresh one under the temporary directory that
/// is removed when dropped.
struct Work {
    path: PathBuf,
    remove: bool,
}

impl Work {
    fn of(keys: &RdeKeyArgs) -> Work {
        match &keys.work {
            Some(path) => Work { path: path.clone(), remove: false },
            None => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|since| since.subsec_nanos())
                    .unwrap_or(0);
                let name = format!("nameward-rde-{}-{nanos}", std::process::id());
                Work { path: std::env::temp_dir().join(name), remove: true }
            }
        }
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if self.remove {
            std::fs::remove_dir_all(&self.path).ok();
        }
    }
}

fn keys(args: &RdeKeyArgs) -> Keys {
    Keys { agent_secret: args.agent_secret.clone(), registry_public: args.registry_pub.clone() }
}

/// Verifies, printing each problem; `Ok(None)` when there were problems.
fn verified(
    files: &[PathBuf],
    args: &RdeKeyArgs,
    work: &Work,
) -> Result<Result<Vec<Verified>, Vec<Problem>>> {
    match verify(files, &keys(args), &work.path) {
        Ok(deposits) => Ok(Ok(deposits)),
        Err(RdeError::Problems(problems)) => Ok(Err(problems)),
        Err(other) => Err(other).context("the deposit cannot be verified"),
    }
}

fn check(args: RdeVerifyArgs) -> Result<ExitCode> {
    let work = Work::of(&args.keys);
    match verified(&args.files, &args.keys, &work)? {
        Ok(deposits) => {
            for deposit in &deposits {
                if args.json {
                    let counts: serde_json::Map<String, serde_json::Value> = deposit
                        .counts
                        .iter()
                        .map(|(object, count)| (object.uri().to_owned(), (*count).into()))
                        .collect();
                    let line = serde_json::json!({
                        "file": deposit.ryde.display().to_string(),
                        "id": deposit.id,
                        "kind": deposit.kind.as_str(),
                        "tld": deposit.tld,
                        "watermark": deposit.watermark.format(&Rfc3339).unwrap_or_default(),
                        "counts": counts,
                    });
                    println!("{line}");
                } else {
                    let counts: Vec<String> = deposit
                        .counts
                        .iter()
                        .map(|(object, count)| format!("{count} {}", object.local()))
                        .collect();
                    println!(
                        "{}: good: {} deposit {} of {} at {}: {}{}",
                        deposit.ryde.display(),
                        deposit.kind.as_str(),
                        deposit.id,
                        deposit.tld,
                        deposit.watermark.format(&Rfc3339).unwrap_or_default(),
                        counts.join(", "),
                        if deposit.references_checked {
                            ""
                        } else {
                            " (references not checked: give the FULL and every DIFF before it too)"
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("{} problem(s): the deposit is refused", problems.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn rebuild(args: RdeRestoreArgs) -> Result<ExitCode> {
    let work = Work::of(&args.keys);
    let deposits = match verified(&args.files, &args.keys, &work)? {
        Ok(deposits) => deposits,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("{} problem(s): nothing was restored", problems.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let registry = create_or_open(&args.store).await?;
    let restored = restore(registry.store(), &deposits)
        .await
        .context("restore refused; nothing was written")?;
    println!(
        "restored {} registrars, {} contacts, {} hosts ({} subordinate), {} domains",
        restored.registrars,
        restored.contacts,
        restored.hosts,
        restored.subordinate_hosts,
        restored.domains
    );
    println!(
        "registrars cannot log in until the operator sets their passwords and certificates \
         (escrow carries no credentials); sponsors set new transfer codes"
    );
    Ok(ExitCode::SUCCESS)
}
