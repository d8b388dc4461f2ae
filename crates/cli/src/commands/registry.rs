//! `nameward registry …`: the operator's commands over the registry database.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use nameward_registry::lifecycle::names;
use nameward_registry::model::Account;
use nameward_registry::policy::Policy;
use nameward_registry::publish::{self, ApexNameserver, ZoneApex};
use nameward_registry::service::{Accreditation, NewRegistrar, Registry};

use crate::args::{AddRegistrarArgs, AddTldArgs, RegistryCommand, StoreArgs};
use crate::data::{now_or, runtime, sqlite_file, store_url};

pub fn run(command: RegistryCommand) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        match command {
            RegistryCommand::Tick(args) => {
                let now = now_or(args.now.as_deref())?;
                let registry = open(&args.store).await?;
                let report = registry.tick_all(now).await?;
                let lifecycle = &report.lifecycle;
                let actions: Vec<String> =
                    lifecycle.actions.iter().map(|(action, n)| format!("{action} {n}")).collect();
                let at = now.format(&time::format_description::well_known::Rfc3339)?;
                println!(
                    "tick at {at}: {} domains due, {} transitions{}",
                    lifecycle.domains,
                    lifecycle.total(),
                    if actions.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", actions.join(", "))
                    }
                );
                let notices = &report.notices;
                if notices.notices > 0 || notices.unreachable_count > 0 {
                    println!(
                        "notices queued: {} covering {} names ({} names without a registrant \
                         address)",
                        notices.notices, notices.items, notices.unreachable_count
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            RegistryCommand::Zone(args) => {
                let registry = open(&args.store).await?;
                let (_, records) = registry.tld_zone(&args.tld.to_ascii_lowercase()).await?;
                print!("{}", publish::zone_text(&records));
                Ok(ExitCode::SUCCESS)
            }
            RegistryCommand::AddTld(args) => add_tld(args).await,
            RegistryCommand::AddRegistrar(args) => add_registrar(args).await,
            RegistryCommand::Deposit(args) => {
                let registry = open(&args.store).await?;
                let now = now_or(None)?;
                let done =
                    registry.deposit(&args.registrar, Account::Prepaid, args.amount, now).await?;
                println!("{}: prepaid balance {}", args.registrar, done.value);
                Ok(ExitCode::SUCCESS)
            }
            RegistryCommand::RegistrarState(args) => {
                let registry = open(&args.store).await?;
                let now = now_or(args.now.as_deref())?;
                let to = crate::commands::continuity::state(args.state);
                let done = registry.set_registrar_state(&args.id, to, &args.reason, now).await?;
                println!("registrar {}: {}", args.id, done.value.state.as_str());
                Ok(ExitCode::SUCCESS)
            }
            RegistryCommand::EscrowKey(args) => super::escrow::set_key(args).await,
            RegistryCommand::Backup(args) => {
                let registry = open(&args.store).await?;
                crate::backup::backup(&registry, args.store.db.as_deref(), &args.to).await?;
                println!("registry backed up to {}", args.to.display());
                Ok(ExitCode::SUCCESS)
            }
            RegistryCommand::Registrars(args) => {
                let registry = open(&args.store).await?;
                for registrar in registry.registrars().await? {
                    let balance = registry.balance(&registrar.id, Account::Prepaid).await?;
                    println!(
                        "{}\t{}\t{}\t{balance}",
                        registrar.id,
                        registrar.state.as_str(),
                        registrar.name
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// Opens the registry the arguments name, which must exist: a command that reads or changes
/// a registry does not create an empty one in a mistyped directory.
pub async fn open(store: &StoreArgs) -> Result<Registry> {
    if store.db.is_none() {
        let file = sqlite_file(&store.data);
        if !file.exists() {
            return Err(anyhow!(
                "no registry at {}: `nameward up --data {dir}` or `nameward registry add-tld \
                 --data {dir}` creates one",
                file.display(),
                dir = store.data.display()
            ));
        }
    }
    create_or_open(store).await
}

/// Opens the registry the arguments name, creating it (an empty SQLite database in the data
/// directory) when there is none: for `nameward up` and `registry add-tld`, which start one.
pub async fn create_or_open(store: &StoreArgs) -> Result<Registry> {
    let url = store_url(store)?;
    Registry::open(&url).await.with_context(|| {
        format!("cannot open the registry database {}", nameward_registry::store::redact(&url))
    })
}

/// Parses `NAME` or `NAME=ADDR[,ADDR…]`.
pub fn apex_nameserver(text: &str) -> Result<ApexNameserver> {
    let (name, addrs) = text.split_once('=').unwrap_or((text, ""));
    let addrs = addrs
        .split(',')
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().with_context(|| format!("--ns {text}: `{a}` is not an IP address")))
        .collect::<Result<Vec<_>>>()?;
    Ok(ApexNameserver { name: name.trim_end_matches('.').to_ascii_lowercase(), addrs })
}

/// Adds a TLD and its apex, both checked before the registry is opened (or created), so a
/// refused TLD leaves nothing behind.
async fn add_tld(args: AddTldArgs) -> Result<ExitCode> {
    let now = now_or(None)?;
    let tld = args.tld.trim_matches('.').to_ascii_lowercase();
    let mut policy = Policy::default_for(&tld);
    policy.idn_scripts = args.idn_scripts;
    policy.check()?;
    let nameservers =
        args.nameservers.iter().map(|ns| apex_nameserver(ns)).collect::<Result<Vec<_>>>()?;
    let apex = ZoneApex::usual(&tld, nameservers, &args.hostmaster);
    apex.check()?;
    let registry = create_or_open(&args.store).await?;
    registry.add_tld(&policy, now).await?;
    registry.set_zone_apex(&apex, now).await?;
    println!("TLD {tld} added (repository {})", policy.repository);
    Ok(ExitCode::SUCCESS)
}

async fn add_registrar(args: AddRegistrarArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let mut fingerprints = Vec::new();
    for path in &args.certs {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let fingerprint = nameward_epp::Fingerprint::of_pem(&pem)
            .with_context(|| format!("{}", path.display()))?;
        fingerprints.push(fingerprint.to_string());
    }
    let new = NewRegistrar {
        id: args.id.clone(),
        name: args.name,
        password: args.password,
        cert_fingerprints: fingerprints,
        email: args.email,
    };
    let terms =
        Accreditation { security_deposit: args.security_deposit, successor: args.successor };
    registry.accredit(&new, &terms, now_or(None)?).await?;
    println!("registrar {} accredited", args.id);
    if new.password.chars().count() > names::MAX_PLAIN_PASSWORD_LENGTH {
        println!(
            "its password is longer than {} characters: it logs in with RFC 8807 loginSec",
            names::MAX_PLAIN_PASSWORD_LENGTH
        );
    }
    Ok(ExitCode::SUCCESS)
}
