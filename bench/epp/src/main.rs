//! nameward-bench-epp: EPP `domain:create`, `domain:info` and `domain:check` per second over
//! TLS with concurrent registrar sessions, beside the raw database's rate for single-row
//! transactions on the same database in the same run (see `docs/benchmarks.md`).
//!
//! One process, two tokio runtimes: the server side (the EPP server, the registry, its sqlx
//! pool, the raw-rate tasks; SQLite runs in sqlx's worker threads, started from this side)
//! and the load generator (the registrars' EPP clients). Unless `--no-pin` is given the
//! server side is pinned to CPU 0 and the load generator to CPU 1; PostgreSQL's own processes
//! are not ours and run where the kernel puts them.
//!
//! Phases: raw write and EPP create, then raw read, EPP info and EPP check. The phases
//! compared with each other alternate in short slices (`--slices`), so that a change in the
//! shared machine's load during the run (another process's disk writes delaying fsync, say)
//! falls on both sides of a ratio alike; each phase's figures are over all its slices.

mod cpu;
mod db;
mod load;
mod pin;
mod raw;
mod serve;
mod setup;
mod stats;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use nameward_registry::service::Registry;
use time::OffsetDateTime;
use tokio::runtime::Runtime;

use crate::cpu::{Sample, Spent, Threads};
use crate::db::{Engine, Scratch};
use crate::load::{Kind, Session};
use crate::raw::Raw;
use crate::stats::{PhaseResult, Slices, Tally, Window};

/// Measures EPP commands per second against the raw database rate.
#[derive(Parser, Debug)]
#[command(name = "nameward-bench-epp")]
struct Args {
    /// The database engine.
    #[arg(long, value_enum)]
    engine: Engine,
    /// Concurrent registrar sessions (and raw-rate tasks).
    #[arg(long, default_value_t = 10)]
    sessions: usize,
    /// Counted seconds per phase (over all its slices).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds run before counting starts, per phase (spread over its slices).
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Slices each phase is cut into, alternating with the phases it is compared with.
    #[arg(long, default_value_t = 5)]
    slices: u32,
    /// PostgreSQL server URL allowed to create databases (a scratch database is created on it
    /// and dropped at the end).
    #[arg(long, env = "NAMEWARD_BENCH_POSTGRES")]
    db: Option<String>,
    /// Let the server side and the load generator share every CPU instead of one each.
    #[arg(long)]
    no_pin: bool,
    /// Worker threads of the server side (default 1 pinned, 2 otherwise).
    #[arg(long)]
    server_threads: Option<usize>,
    /// Worker threads of the load generator (default 1 pinned, 2 otherwise).
    #[arg(long)]
    client_threads: Option<usize>,
    /// Print the report as JSON on stdout (the table goes to stderr either way).
    #[arg(long)]
    json: bool,
    /// Name servers (host objects made beforehand) on each created domain; with any, every
    /// create puts a delegation in the zone and advances the TLD's zone serial.
    #[arg(long, default_value_t = 0)]
    ns: usize,
    /// Measure only the raw database rate (no EPP server, no sessions).
    #[arg(long)]
    raw_only: bool,
}

/// Everything one run measured.
#[derive(Debug, serde::Serialize)]
struct Report {
    engine: Engine,
    sessions: usize,
    seconds: f64,
    warmup: f64,
    slices: u32,
    ns: usize,
    pinned: bool,
    server_threads: usize,
    client_threads: usize,
    load_before: String,
    load_after: String,
    phases: Vec<PhaseResult>,
    /// EPP ops/s over the raw ops/s it is compared with.
    ratios: Vec<Ratio>,
}

#[derive(Debug, serde::Serialize)]
struct Ratio {
    epp: String,
    raw: String,
    ratio: f64,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() -> Result<()> {
    let args = Args::parse();
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let mut pinned = !args.no_pin && cpus >= 2;
    if pinned && let Err(error) = pin::current_thread_to(0) {
        eprintln!("not pinned: {error}");
        pinned = false;
    }
    let default_threads = if pinned { 1 } else { 2 };
    let server_threads = args.server_threads.unwrap_or(default_threads).max(1);
    let client_threads = args.client_threads.unwrap_or(default_threads).max(1);

    // Threads inherit the CPU mask of the thread that starts them: the server side's from
    // the main thread (CPU 0); the load generator's move themselves to CPU 1.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .thread_name("bench-server")
        .enable_all()
        .build()?;
    let client_tids = Threads::default();
    let registering = client_tids.clone();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads)
        .thread_name("bench-client")
        .enable_all()
        .on_thread_start(move || {
            if pinned && let Err(error) = pin::current_thread_to(1) {
                eprintln!("load generator thread not pinned: {error}");
            }
            registering.register_current();
        })
        .build()?;

    let scratch = server_rt.block_on(Scratch::create(args.engine, args.db.as_deref()))?;
    let load_before = load_average();
    let outcome = run(&args, &scratch.url(), &server_rt, &client_rt, &client_tids);
    let load_after = load_average();
    let removed = server_rt.block_on(scratch.remove());
    let phases = outcome?;
    removed?;

    let report = Report {
        engine: args.engine,
        sessions: args.sessions,
        seconds: args.seconds,
        warmup: args.warmup,
        slices: args.slices,
        ns: args.ns,
        pinned,
        server_threads,
        client_threads,
        load_before,
        load_after,
        ratios: ratios(&phases),
        phases,
    };
    print_table(&report);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
}

fn ratios(phases: &[PhaseResult]) -> Vec<Ratio> {
    let rate = |name: &str| phases.iter().find(|p| p.name == name).map(|p| p.ops_per_s);
    [("epp create", "raw write"), ("epp info", "raw read"), ("epp check", "raw read")]
        .into_iter()
        .filter_map(|(epp, raw)| {
            let (e, r) = (rate(epp)?, rate(raw)?);
            (r > 0.0).then(|| Ratio { epp: epp.to_owned(), raw: raw.to_owned(), ratio: e / r })
        })
        .collect()
}

fn print_table(report: &Report) {
    eprintln!(
        "engine {:?}, {} sessions, {} name servers per create, {} s per phase after {} s \
         warm-up in {} slices, pinned: {}, load {} -> {}",
        report.engine,
        report.sessions,
        report.ns,
        report.seconds,
        report.warmup,
        report.slices,
        report.pinned,
        report.load_before,
        report.load_after
    );
    eprintln!(
        "{:<11} {:>9} {:>7} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9} {:>11}",
        "phase",
        "ops/s",
        "errors",
        "ops",
        "p50 ms",
        "p99 ms",
        "server s",
        "client s",
        "pg s",
        "µs/op srv"
    );
    for p in &report.phases {
        eprintln!(
            "{:<11} {:>9.0} {:>7} {:>9} {:>8.2} {:>8.2} {:>9.2} {:>9.2} {:>9.2} {:>11.0}",
            p.name,
            p.ops_per_s,
            p.errors,
            p.ops,
            p.p50_ms,
            p.p99_ms,
            p.cpu.server_s,
            p.cpu.client_s,
            p.cpu.postgres_s,
            p.server_cpu_us_per_op
        );
        if let Some(error) = &p.first_error {
            eprintln!("    first error: {error}");
        }
    }
    for r in &report.ratios {
        eprintln!("{} / {}: {:.2}", r.epp, r.raw, r.ratio);
    }
}

/// Sets up, runs the five phases and tears down; returns the phases.
fn run(
    args: &Args,
    url: &str,
    server_rt: &Runtime,
    client_rt: &Runtime,
    client_tids: &Threads,
) -> Result<Vec<PhaseResult>> {
    let slices = args.slices.max(1);
    let warmup = Duration::from_secs_f64(args.warmup / f64::from(slices));
    let measure = Duration::from_secs_f64(args.seconds / f64::from(slices));
    let window = || Window::starting_now(warmup, measure);
    let creds = setup::credentials(args.sessions)?;
    let now = OffsetDateTime::now_utc();
    let registry = server_rt.block_on(async {
        let registry = Registry::open(url).await.context("opening the registry")?;
        setup::populate(&registry, &creds.logins, args.ns, now).await?;
        anyhow::Ok(registry)
    })?;
    let raw = Arc::new(server_rt.block_on(Raw::open(args.engine, url))?);
    let tasks = args.sessions;
    let (mut raw_write, mut raw_read) = (Slices::default(), Slices::default());
    let mut written = Vec::new();
    if args.raw_only {
        for _ in 0..slices {
            written.extend(server_rt.block_on(raw_writes(
                &raw,
                tasks,
                window(),
                client_tids,
                &mut raw_write,
            ))?);
        }
        let written = Arc::new(written);
        for _ in 0..slices {
            server_rt.block_on(raw_reads(
                &raw,
                &written,
                tasks,
                window(),
                client_tids,
                &mut raw_read,
            ))?;
        }
        server_rt.block_on(async {
            raw.close().await;
            registry.store().close().await;
        });
        return Ok(vec![raw_write.merge("raw write"), raw_read.merge("raw read")]);
    }
    let server =
        server_rt.block_on(serve::start(registry.clone(), &creds.server, args.sessions))?;

    let addr = server.addr;
    let fingerprint = creds.server.fingerprint;
    let mut sessions = client_rt.block_on(async {
        let mut opening = Vec::new();
        for (index, login) in creds.logins.iter().enumerate() {
            let login = login.clone();
            let ns = args.ns;
            opening.push(tokio::spawn(async move {
                Session::open(index, addr, fingerprint, &login, ns).await
            }));
        }
        let mut sessions = Vec::new();
        for handle in opening {
            sessions.push(handle.await??);
        }
        anyhow::Ok(sessions)
    })?;

    let (mut create, mut info, mut check) =
        (Slices::default(), Slices::default(), Slices::default());
    for _ in 0..slices {
        written.extend(server_rt.block_on(raw_writes(
            &raw,
            tasks,
            window(),
            client_tids,
            &mut raw_write,
        ))?);
        sessions = client_rt.block_on(epp_phase(
            sessions,
            Kind::Create,
            window(),
            client_tids,
            &mut create,
        ))?;
    }
    let written = Arc::new(written);
    for _ in 0..slices {
        server_rt.block_on(raw_reads(
            &raw,
            &written,
            tasks,
            window(),
            client_tids,
            &mut raw_read,
        ))?;
        sessions = client_rt.block_on(epp_phase(
            sessions,
            Kind::Info,
            window(),
            client_tids,
            &mut info,
        ))?;
        sessions = client_rt.block_on(epp_phase(
            sessions,
            Kind::Check,
            window(),
            client_tids,
            &mut check,
        ))?;
    }

    client_rt.block_on(async {
        for session in sessions {
            session.close().await?;
        }
        anyhow::Ok(())
    })?;
    server_rt.block_on(async {
        server.stop().await;
        raw.close().await;
        registry.store().close().await;
    });
    Ok(vec![
        raw_write.merge("raw write"),
        create.merge("epp create"),
        raw_read.merge("raw read"),
        info.merge("epp info"),
        check.merge("epp check"),
    ])
}

/// Waits until counting starts and samples the CPU clocks.
async fn counting_starts(window: &Window, client_tids: &Threads) -> Sample {
    tokio::time::sleep_until(window.counting.into()).await;
    Sample::take(client_tids)
}

async fn raw_writes(
    raw: &Arc<Raw>,
    tasks: usize,
    window: Window,
    client_tids: &Threads,
    into: &mut Slices,
) -> Result<Vec<String>> {
    let handles: Vec<_> =
        (0..tasks).map(|task| tokio::spawn(Arc::clone(raw).writes(task, window))).collect();
    let before = counting_starts(&window, client_tids).await;
    let mut tallies = Vec::new();
    let mut names = Vec::new();
    for handle in handles {
        let (tally, written) = handle.await?;
        tallies.push(tally);
        names.extend(written);
    }
    into.add(&window, tallies, Spent::between(before, Sample::take(client_tids)));
    Ok(names)
}

async fn raw_reads(
    raw: &Arc<Raw>,
    names: &Arc<Vec<String>>,
    tasks: usize,
    window: Window,
    client_tids: &Threads,
    into: &mut Slices,
) -> Result<()> {
    let handles: Vec<_> = (0..tasks)
        .map(|task| tokio::spawn(Arc::clone(raw).reads(Arc::clone(names), task, window)))
        .collect();
    let before = counting_starts(&window, client_tids).await;
    let mut tallies: Vec<Tally> = Vec::new();
    for handle in handles {
        tallies.push(handle.await?);
    }
    into.add(&window, tallies, Spent::between(before, Sample::take(client_tids)));
    Ok(())
}

async fn epp_phase(
    sessions: Vec<Session>,
    kind: Kind,
    window: Window,
    client_tids: &Threads,
    into: &mut Slices,
) -> Result<Vec<Session>> {
    let handles: Vec<_> = sessions
        .into_iter()
        .map(|mut session| {
            tokio::spawn(async move {
                let tally = session.run(kind, window).await;
                (session, tally)
            })
        })
        .collect();
    let before = counting_starts(&window, client_tids).await;
    let mut back = Vec::new();
    let mut tallies = Vec::new();
    for handle in handles {
        let (session, tally) = handle.await?;
        tallies.push(tally?);
        back.push(session);
    }
    into.add(&window, tallies, Spent::between(before, Sample::take(client_tids)));
    Ok(back)
}
