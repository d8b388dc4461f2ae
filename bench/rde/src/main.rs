//! nameward-bench-rde: registry data escrow over a registry of `--names` domains (each with a
//! registrant, one contact per 100 domains, and two name servers out of 1,000 external
//! hosts): fills it through the store's bulk inserts when the data directory has none, then
//! runs the `nameward` binary under `/usr/bin/time` for a FULL deposit, its verification, a
//! restore into a new SQLite registry (or PostgreSQL with `--restore-db`), and, after 1% of
//! the domains changed, a DIFF. Prints wall time, peak resident memory and file sizes of each.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use nameward_registry::model::{Contact, Domain, Host, Stamps};
use nameward_registry::policy::Policy;
use nameward_registry::service::{NewRegistrar, Registry};
use nameward_registry::testing::{contact_object, domain_object};
use time::OffsetDateTime;

#[derive(Parser)]
#[command(about = "Registry data escrow deposit, verify, restore and DIFF at scale")]
struct Args {
    /// The work directory (its `source/` is filled when it has no registry).
    #[arg(long, default_value = "bench-rde-data")]
    data: PathBuf,
    /// Domains in the registry.
    #[arg(long, default_value_t = 200_000)]
    names: u64,
    /// The nameward binary (a release build).
    #[arg(long, default_value = "target/release/nameward")]
    nameward: PathBuf,
    /// The directory of the test OpenPGP keys.
    #[arg(long, default_value = "crates/rde/tests/data")]
    keys: PathBuf,
    /// Restore into this PostgreSQL database (an empty one) instead of a new SQLite file.
    #[arg(long)]
    restore_db: Option<String>,
}

const HOSTS: u64 = 1000;
const PER_CONTACT: u64 = 100;

fn domain_name(index: u64) -> String {
    format!("n{index:08}.example")
}

fn host_name(index: u64) -> String {
    format!("ns{index}.dns{}.test", index % 10)
}

fn contact(index: u64, now: OffsetDateTime) -> Contact {
    let id = format!("c{index:07}");
    Contact {
        voice: Some("+91.2012345678".to_owned()),
        ..contact_object(&id, "alpha", &format!("holder{index}@mail.test"), now)
    }
}

async fn fill(registry: &Registry, names: u64) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    registry.add_tld(&Policy::default_for("example"), now).await?;
    let new = NewRegistrar {
        id: "alpha".to_owned(),
        name: "Alpha Registrar".to_owned(),
        password: "alpha-password-long-enough".to_owned(),
        cert_fingerprints: vec!["ab".repeat(32)],
        email: Some("ops@alpha.test".to_owned()),
    };
    registry.add_registrar(&new, now).await?;
    let mut tx = registry.store().begin().await?;
    for index in 0..names.div_ceil(PER_CONTACT) {
        tx.insert_contact(&contact(index, now)).await?;
    }
    let hosts: Vec<Host> = (0..HOSTS)
        .map(|index| Host {
            name: host_name(index),
            roid: format!("H{index}-EXAMPLE"),
            sponsor: "alpha".to_owned(),
            superordinate: None,
            addrs: Vec::new(),
            statuses: Default::default(),
            stamps: Stamps::new("alpha", now),
        })
        .collect();
    tx.insert_hosts(&hosts).await?;
    tx.commit().await?;
    let mut next = 0;
    while next < names {
        let end = (next + 10_000).min(names);
        let rows: Vec<_> = (next..end)
            .map(|index| {
                let domain = Domain {
                    registrant: Some(format!("c{:07}", index / PER_CONTACT)),
                    ns: vec![host_name(index % HOSTS), host_name((index + 1) % HOSTS)],
                    ..domain_object(&domain_name(index), &format!("D{index}-EXAMPLE"), "alpha", now)
                };
                (domain, None)
            })
            .collect();
        let mut tx = registry.store().begin().await?;
        tx.insert_domains(&rows, &[]).await?;
        tx.commit().await?;
        next = end;
    }
    Ok(())
}

/// Changes the expiry of every hundredth domain (1%), as a day of renewals would.
async fn change_one_percent(registry: &Registry, names: u64) -> Result<u64> {
    let mut changed = 0;
    let mut tx = registry.store().begin().await?;
    for index in (0..names).step_by(100) {
        let Some(mut domain) = tx.get_domain(&domain_name(index)).await? else { continue };
        domain.expires_at += time::Duration::days(365);
        tx.update_domain(&domain, None).await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Runs `nameward ARGS` under `/usr/bin/time`; prints and returns (wall s, peak RSS MB).
fn timed(what: &str, nameward: &Path, args: &[String]) -> Result<(f64, f64)> {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(nameward)
        .args(args)
        .output()
        .context("running /usr/bin/time (Debian package time)")?;
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(anyhow!("{what} failed: {stderr}"));
    }
    let last = stderr.lines().last().unwrap_or_default();
    let rss_kb: f64 = last.split_whitespace().nth(1).and_then(|kb| kb.parse().ok()).unwrap_or(0.0);
    let rss = rss_kb / 1024.0;
    println!("{what}: {wall:.1} s wall, peak RSS {rss:.0} MB");
    Ok((wall, rss))
}

fn size_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |meta| meta.len() as f64 / 1e6)
}

/// The `.ryde` of `kind` (`full`, `diff`) in `dir`.
fn ryde(dir: &Path, kind: &str) -> Result<PathBuf> {
    std::fs::read_dir(dir)?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.contains(&format!("_{kind}_")) && name.ends_with(".ryde"))
        })
        .ok_or_else(|| anyhow!("no {kind} deposit in {}", dir.display()))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let source = args.data.join("source");
    std::fs::create_dir_all(&source)?;
    let url = format!("sqlite:{}", source.join("registry.sqlite").display());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let registry = runtime.block_on(Registry::open(&url))?;
    let empty = runtime.block_on(registry.tlds())?.is_empty();
    if empty {
        let filling = Instant::now();
        runtime.block_on(fill(&registry, args.names))?;
        println!(
            "filled {} domains, {} contacts, {HOSTS} hosts in {:.1} s",
            args.names,
            args.names.div_ceil(PER_CONTACT),
            filling.elapsed().as_secs_f64()
        );
    }
    runtime.block_on(registry.store().close());
    let key = |name: &str| args.keys.join(name).display().to_string();
    let out = args.data.join("deposits");
    std::fs::remove_dir_all(&out).ok();
    let data_arg = source.display().to_string();
    let out_arg = out.display().to_string();
    let deposit = |kind: &str, at: &str| -> Vec<String> {
        [
            "escrow",
            "registry",
            "deposit",
            kind,
            "--tld",
            "example",
            "--out",
            &out_arg,
            "--agent-key",
            &key("agent.pub.asc"),
            "--signing-key",
            &key("registry.sec.asc"),
            "--data",
            &data_arg,
            "--now",
            at,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let now = OffsetDateTime::now_utc().replace_nanosecond(0)?;
    let stamp = |at: OffsetDateTime| {
        at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    };
    timed("FULL deposit", &args.nameward, &deposit("--full", &stamp(now)))?;
    let full = ryde(&out, "full")?;
    println!(
        "FULL deposit files: {:.1} MB encrypted (.ryde), {:.3} MB signature",
        size_mb(&full),
        size_mb(&full.with_extension("sig"))
    );
    let work = args.data.join("work");
    std::fs::remove_dir_all(&work).ok();
    let keys = [
        "--agent-secret".to_owned(),
        key("agent.sec.asc"),
        "--registry-pub".to_owned(),
        key("registry.pub.asc"),
        "--work".to_owned(),
        work.display().to_string(),
    ];
    let mut verify = vec!["escrow".to_owned(), "registry".to_owned(), "verify".to_owned()];
    verify.push(full.display().to_string());
    verify.extend(keys.iter().cloned());
    timed("verify FULL", &args.nameward, &verify)?;
    let xml_mb: f64 = std::fs::read_dir(&work)?
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".xml"))
        .map(|entry| size_mb(&entry.path()))
        .sum();
    println!("FULL deposit XML: {xml_mb:.1} MB before compression and encryption");

    let restored = args.data.join("restored");
    std::fs::remove_dir_all(&restored).ok();
    let mut restore = vec!["escrow".to_owned(), "registry".to_owned(), "restore".to_owned()];
    restore.push(full.display().to_string());
    restore.extend(keys.iter().cloned());
    match &args.restore_db {
        Some(db) => restore.extend(["--db".to_owned(), db.clone()]),
        None => restore.extend(["--data".to_owned(), restored.display().to_string()]),
    }
    timed("restore FULL", &args.nameward, &restore)?;

    let registry = runtime.block_on(Registry::open(&url))?;
    let changing = Instant::now();
    let changed = runtime.block_on(change_one_percent(&registry, args.names))?;
    runtime.block_on(registry.store().close());
    println!("changed {changed} domains in {:.1} s", changing.elapsed().as_secs_f64());
    timed(
        "DIFF deposit (1% changed)",
        &args.nameward,
        &deposit("--diff", &stamp(now + time::Duration::days(1))),
    )?;
    let diff = ryde(&out, "diff")?;
    println!("DIFF deposit files: {:.2} MB encrypted", size_mb(&diff));
    Ok(())
}
