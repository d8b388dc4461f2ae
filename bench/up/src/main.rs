//! nameward-bench-up: publication end to end, at a TLD's size. `prepare` makes a registry with
//! `nameward up` (its demo TLD `example` and registrars) and fills the TLD with delegated names
//! in bulk; `measure` serves it with `nameward up` and a Knot secondary following it, and
//! measures:
//!
//! - cold start: `up` started until it answers the SOA with the filled serial, against Knot
//!   loading the same zone (`nameward registry zone`) from a file, alternately, `--starts`
//!   times each; the resident (RSS) and proportional (PSS) memory of each once serving;
//! - single changes: `--changes` EPP `<domain:create>`s with two name servers, one after the
//!   other; from each successful response, the time until `up` answers the new delegation
//!   (polled over UDP every `--poll-ms`), then until the Knot secondary does; `up`'s CPU
//!   (user + system, from `/proc`) over the run, per change;
//! - sustained load: creates at `--rate` per second from `--sessions` EPP sessions for
//!   `--seconds`, the same two times for every create, the rate achieved and `up`'s CPU.
//!
//! It prints each figure as it goes and a JSON summary at the end.

mod epp;
mod fill;
mod knot;
mod probe;
mod procs;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use nameward_dns::{Name, Rtype};
use nameward_registry::service::Registry;

use crate::epp::{Credentials, Session, UpInfo};
use crate::probe::{Probe, delegates};
use crate::procs::{Daemon, Memory, cpu_seconds, free_port, load_average, memory};

/// Queries that measure what one poll costs `up`.
const CALIBRATION_QUERIES: u32 = 20_000;

/// The TLD: the demo TLD of `nameward up`.
pub const TLD: &str = "example";

#[derive(Parser)]
#[command(about = "End-to-end publication of `nameward up` at a TLD's size, against Knot")]
struct Cli {
    #[command(subcommand)]
    command: Step,
}

#[derive(Subcommand)]
enum Step {
    /// Makes the registry with a first `nameward up` and fills its TLD with delegated names.
    Prepare(PrepareArgs),
    /// Serves the filled registry with `nameward up` and a Knot secondary, and measures.
    Measure(MeasureArgs),
}

/// Where the registry is.
#[derive(Args, Clone)]
struct Store {
    /// The `nameward` binary (a release build).
    #[arg(long, default_value = "target/release/nameward")]
    nameward: PathBuf,
    /// `up`'s data directory (the SQLite database unless `--db`, up.json, certificates).
    #[arg(long)]
    data: PathBuf,
    /// A PostgreSQL database instead of SQLite (an empty one for `prepare`).
    #[arg(long)]
    db: Option<String>,
}

impl Store {
    fn url(&self) -> String {
        match &self.db {
            Some(url) => url.clone(),
            None => format!("sqlite:{}", self.data.join("registry.sqlite").display()),
        }
    }

    /// `--data DIR` and `--db URL` as `nameward` takes them.
    fn args(&self) -> Vec<String> {
        let mut args = vec!["--data".to_owned(), self.data.display().to_string()];
        if let Some(url) = &self.db {
            args.extend(["--db".to_owned(), url.clone()]);
        }
        args
    }
}

#[derive(Args)]
struct PrepareArgs {
    #[command(flatten)]
    store: Store,
    /// Delegated names to fill the TLD with.
    #[arg(long)]
    names: u64,
}

#[derive(Args)]
struct MeasureArgs {
    #[command(flatten)]
    store: Store,
    /// Where Knot's files, the zone file and the logs go.
    #[arg(long)]
    work: PathBuf,
    /// Cold starts of each server.
    #[arg(long, default_value_t = 3)]
    starts: usize,
    /// Single changes, one after the other.
    #[arg(long, default_value_t = 1000)]
    changes: usize,
    /// Creates per second under sustained load (0: no sustained phase).
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of sustained load.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// EPP sessions sharing the sustained load.
    #[arg(long, default_value_t = 8)]
    sessions: usize,
    /// Milliseconds between two polls of one name.
    #[arg(long, default_value_t = 1)]
    poll_ms: u64,
    /// Milliseconds to wait after each single change has reached both servers.
    #[arg(long, default_value_t = 0)]
    pause_ms: u64,
    /// Seconds a server may take to answer one change before it counts as missed.
    #[arg(long, default_value_t = 30)]
    give_up: u64,
    /// Sign the TLD zone (`[dnssec]` in up's configuration) with this denial: `nsec`, `nsec3`
    /// or `nsec3-opt-out`. Knot's cold start still loads the zone unsigned.
    #[arg(long, value_name = "DENIAL")]
    dnssec: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Step::Prepare(args) => prepare(&args),
        Step::Measure(args) => measure(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("nameward-bench-up: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

fn origin() -> Name {
    Name::parse(TLD, Some(&Name::root())).unwrap_or_else(|_| Name::root())
}

/// Starts `nameward up` on `store` with `extra` arguments, answering DNS on `dns`.
fn start_up(store: &Store, dns: SocketAddr, extra: &[String], log: PathBuf) -> Result<Daemon> {
    let mut args = vec!["up".to_owned()];
    args.extend(store.args());
    args.extend(["--epp".to_owned(), "127.0.0.1:0".to_owned()]);
    args.extend(["--dns".to_owned(), dns.to_string()]);
    args.extend(["--rdap".to_owned(), "127.0.0.1:0".to_owned()]);
    args.extend(extra.iter().cloned());
    Daemon::spawn("nameward up", &store.nameward, &args, log)
}

fn prepare(args: &PrepareArgs) -> Result<()> {
    if args.store.data.join("up.json").exists() {
        bail!("{} holds a registry already; prepare makes a new one", args.store.data.display());
    }
    std::fs::create_dir_all(&args.store.data)?;
    // The first start makes the demo: TLD, zone apex, registrars with certificates, up.json.
    let dns: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
    let log = args.store.data.join("first-start.log");
    let mut up = start_up(&args.store, dns, &[], log)?;
    let mut probe = Probe::new(dns)?;
    let give_up = Instant::now() + Duration::from_secs(120);
    while !(args.store.data.join("up.json").exists()
        && probe
            .until_serial(&origin(), 1, Duration::from_millis(50), Duration::from_millis(100))?
            .is_some())
    {
        up.check_running()?;
        if Instant::now() > give_up {
            bail!("the first start of nameward up did not serve {TLD} within 120 s");
        }
    }
    up.stop()?;
    runtime()?.block_on(fill::fill(&args.store.url(), args.names))
}

/// The latencies of one phase, milliseconds.
#[derive(Debug, Default, serde::Serialize)]
struct Latencies {
    count: usize,
    missed: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// How many took longer than half a second.
    over_500_ms: usize,
}

impl Latencies {
    fn of(mut samples: Vec<Duration>, missed: usize) -> Latencies {
        samples.sort_unstable();
        let at = |p: f64| -> f64 {
            if samples.is_empty() {
                return 0.0;
            }
            let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
            samples.get(rank.saturating_sub(1).min(samples.len() - 1)).map_or(0.0, ms)
        };
        Latencies {
            count: samples.len(),
            missed,
            p50_ms: at(50.0),
            p99_ms: at(99.0),
            max_ms: samples.last().map_or(0.0, ms),
            over_500_ms: samples.iter().filter(|took| took.as_millis() > 500).count(),
        }
    }
}

fn ms(duration: &Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    names_serial: u32,
    load_before: String,
    zone_file_seconds: f64,
    zone_file_mib: f64,
    knot_starts: Vec<f64>,
    up_starts: Vec<f64>,
    knot_memory: Vec<Memory>,
    up_memory: Vec<Memory>,
    secondary_transfer_seconds: f64,
    secondary_memory: Memory,
    up_idle_cpu_per_s_ms: f64,
    up_cpu_per_query_us: f64,
    single_up: Latencies,
    single_knot: Latencies,
    single_up_cpu_per_change_ms: f64,
    single_up_cpu_per_change_net_ms: f64,
    single_queries_to_up: u64,
    single_seconds: f64,
    sustained_rate: f64,
    sustained_creates: usize,
    sustained_epp: Latencies,
    sustained_up: Latencies,
    sustained_knot: Latencies,
    sustained_up_cpu_per_change_ms: f64,
    sustained_up_cpu_per_change_net_ms: f64,
    sustained_queries_to_up: u64,
    up_memory_after: Memory,
    secondary_memory_after: Memory,
    load_after: String,
    metrics: Vec<String>,
}

/// Waits until `server` answers `TLD`'s SOA with `serial`; seconds since `daemon` started.
fn served(daemon: &mut Daemon, server: SocketAddr, serial: u32, timeout: Duration) -> Result<f64> {
    let mut probe = Probe::new(server)?;
    let give_up = Instant::now() + timeout;
    loop {
        if let Some(at) = probe.until_serial(
            &origin(),
            serial,
            Duration::from_millis(5),
            Duration::from_millis(500),
        )? {
            return Ok(at.duration_since(daemon.started).as_secs_f64());
        }
        daemon.check_running()?;
        if Instant::now() > give_up {
            bail!("{} did not serve serial {serial} within {timeout:?}", daemon.name);
        }
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

fn measure(args: &MeasureArgs) -> Result<()> {
    let work = &args.work;
    std::fs::create_dir_all(work)?;
    let url = args.store.url();
    let runtime = runtime()?;
    let serial = runtime.block_on(async {
        let registry = Registry::open(&url).await?;
        let serial = registry.zone_serial(TLD).await?;
        registry.store().close().await;
        anyhow::Ok(serial)
    })?;
    let mut summary =
        Summary { names_serial: serial, load_before: load_average(), ..Summary::default() };
    eprintln!("serial {serial}, load average {}", summary.load_before);

    // The same zone as a file, for Knot.
    let zone_file = work.join("example.zone");
    let started = Instant::now();
    let mut command = std::process::Command::new(&args.store.nameward);
    command.args(["registry", "zone", "--tld", TLD]).args(args.store.args());
    command.stdout(std::fs::File::create(&zone_file)?);
    let status = command.status().context("running nameward registry zone")?;
    if !status.success() {
        bail!("nameward registry zone failed ({status})");
    }
    summary.zone_file_seconds = started.elapsed().as_secs_f64();
    summary.zone_file_mib = std::fs::metadata(&zone_file)?.len() as f64 / 1048576.0;
    eprintln!("zone file: {:.1} s, {:.0} MiB", summary.zone_file_seconds, summary.zone_file_mib);

    // up's configuration: DNS, metrics, the Knot secondary and its key.
    let up_dns: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
    let knot_port = free_port()?;
    let knot_addr: SocketAddr = format!("127.0.0.1:{knot_port}").parse()?;
    let mut secret = [0_u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret);
    let key =
        knot::Key { name: "bench-key".to_owned(), secret: data_encoding::BASE64.encode(&secret) };
    let config = work.join("up.toml");
    std::fs::write(
        &config,
        format!(
            "[dns]\nlisten = [\"{up_dns}\"]\nworkers = 1\nmetrics = \"{metrics}\"\n\n\
             [[dns.secondary]]\naddress = \"{knot_addr}\"\nzones = [\"{TLD}.\"]\nkey = \"{}\"\n\n\
             [[dns.key]]\nname = \"{}\"\nalgorithm = \"hmac-sha256\"\nsecret = \"{}\"\n\n\
             # Every session of the bench comes from 127.0.0.1.\n\
             [epp]\nmax_connections_per_address = 64\nmax_unauthenticated_per_address = 16\n\
             {}",
            key.name,
            key.name,
            key.secret,
            args.dnssec
                .as_ref()
                .map_or(String::new(), |denial| format!("\n[dnssec]\ndenial = \"{denial}\"\n")),
        ),
    )?;
    let up_args = vec!["--config".to_owned(), config.display().to_string()];

    // Cold starts, alternately; the last `up` stays for the changes.
    let mut up = None;
    for round in 0..args.starts.max(1) {
        let knot_dir = knot::dir(work, "primary");
        let _ = std::fs::remove_dir_all(&knot_dir);
        let knot_primary_port = free_port()?;
        let knot_primary_addr: SocketAddr = format!("127.0.0.1:{knot_primary_port}").parse()?;
        let mut primary =
            knot::primary(&knot_dir, knot_primary_port, &format!("{TLD}."), &zone_file)?;
        let seconds = served(&mut primary, knot_primary_addr, serial, Duration::from_secs(600))?;
        let used = memory(primary.pid())?;
        eprintln!("start {round}: knot {seconds:.2} s, {used:?}");
        summary.knot_starts.push(seconds);
        summary.knot_memory.push(used);
        primary.stop()?;

        let mut started_up =
            start_up(&args.store, up_dns, &up_args, work.join(format!("up-{round}.log")))?;
        let seconds = served(&mut started_up, up_dns, serial, Duration::from_secs(600))?;
        let used = memory(started_up.pid())?;
        eprintln!("start {round}: up {seconds:.2} s, {used:?}");
        summary.up_starts.push(seconds);
        summary.up_memory.push(used);
        if round + 1 < args.starts.max(1) {
            started_up.stop()?;
        } else {
            up = Some(started_up);
        }
    }
    let mut up = up.context("no up running")?;
    // up.json names the EPP port of this start once the zones are served.
    let give_up = Instant::now() + Duration::from_secs(10);
    let info = loop {
        let info = UpInfo::read(&args.store.data)?;
        if info.epp.parse::<SocketAddr>().is_ok_and(|addr| addr.port() != 0)
            && std::fs::metadata(args.store.data.join("up.json"))?.modified()?
                >= std::time::SystemTime::now() - up.started.elapsed()
        {
            break info;
        }
        if Instant::now() > give_up {
            bail!("up.json was not rewritten by this start of nameward up");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let credentials = Credentials::of(&args.store.data, &info, fill::CHANGER)?;

    // The secondary: a full transfer first.
    let secondary_dir = knot::dir(work, "secondary");
    let _ = std::fs::remove_dir_all(&secondary_dir);
    let mut secondary =
        knot::secondary(&secondary_dir, knot_port, &format!("{TLD}."), up_dns, &key)?;
    summary.secondary_transfer_seconds =
        served(&mut secondary, knot_addr, serial, Duration::from_secs(900))?;
    summary.secondary_memory = memory(secondary.pid())?;
    eprintln!(
        "secondary transferred the zone in {:.2} s, {:?}",
        summary.secondary_transfer_seconds, summary.secondary_memory
    );

    // up idle, for scale.
    let before = cpu_seconds(up.pid())?;
    std::thread::sleep(Duration::from_secs(5));
    summary.up_idle_cpu_per_s_ms = (cpu_seconds(up.pid())? - before) * 1000.0 / 5.0;
    // What one poll costs up: the change runs below send many.
    let mut probe = Probe::new(up_dns)?;
    let absent = Name::parse(&format!("absent.{TLD}"), Some(&Name::root()))?;
    let (before, started) = (cpu_seconds(up.pid())?, Instant::now());
    for _ in 0..CALIBRATION_QUERIES {
        probe.ask(&absent, Rtype::NS, Duration::from_millis(100))?;
    }
    let (cpu, seconds) = (cpu_seconds(up.pid())? - before, started.elapsed().as_secs_f64());
    let idle = summary.up_idle_cpu_per_s_ms / 1000.0 * seconds;
    summary.up_cpu_per_query_us = (cpu - idle).max(0.0) * 1e6 / CALIBRATION_QUERIES as f64;
    eprintln!(
        "up idle: {:.2} ms CPU per second; {:.1} µs CPU per poll",
        summary.up_idle_cpu_per_s_ms, summary.up_cpu_per_query_us
    );

    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let target = Target { run, up_pid: up.pid(), up_dns, knot: knot_addr };
    single_changes(args, &runtime, &credentials, &target, &mut summary)?;
    up.check_running()?;
    if args.rate > 0.0 {
        sustained(args, &runtime, &credentials, &target, &mut summary)?;
    }
    summary.up_memory_after = memory(up.pid())?;
    summary.secondary_memory_after = memory(secondary.pid())?;
    summary.metrics = scrape(metrics).unwrap_or_else(|error| vec![format!("no metrics: {error}")]);
    summary.load_after = load_average();
    up.check_running()?;
    secondary.check_running()?;
    secondary.stop()?;
    up.stop()?;

    eprintln!(
        "cold start: up median {:.2} s, knot median {:.2} s",
        median(&summary.up_starts),
        median(&summary.knot_starts)
    );
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

/// What the change runs talk to.
#[derive(Clone, Copy)]
struct Target {
    /// Marks this run's names, so runs can follow each other on one registry.
    run: u64,
    /// `up`'s process.
    up_pid: u32,
    /// `up`'s DNS address.
    up_dns: SocketAddr,
    /// The Knot secondary's address.
    knot: SocketAddr,
}

/// One create after the other, each followed until both servers answer it.
fn single_changes(
    args: &MeasureArgs,
    runtime: &tokio::runtime::Runtime,
    credentials: &Credentials,
    target: &Target,
    summary: &mut Summary,
) -> Result<()> {
    let Target { run, up_pid, up_dns, knot } = *target;
    let mut session = runtime.block_on(Session::open(credentials, &format!("single-{run}")))?;
    let mut to_up = Probe::new(up_dns)?;
    let mut to_knot = Probe::new(knot)?;
    let every = Duration::from_millis(args.poll_ms.max(1));
    let give_up = Duration::from_secs(args.give_up);
    let (mut up_times, mut knot_times) = (Vec::new(), Vec::new());
    let (mut up_missed, mut knot_missed) = (0, 0);
    let cpu_before = cpu_seconds(up_pid)?;
    let started = Instant::now();
    for n in 0..args.changes {
        let text = format!("u{run}-{n}.{TLD}");
        let name = Name::parse(&text, Some(&Name::root()))?;
        runtime.block_on(session.create(&text))?;
        let created = Instant::now();
        match to_up.until_delegated(&name, every, give_up)? {
            Some(at) => up_times.push(at - created),
            None => up_missed += 1,
        }
        match to_knot.until_delegated(&name, every, give_up)? {
            Some(at) => knot_times.push(at - created),
            None => knot_missed += 1,
        }
        if (n + 1) % 100 == 0 {
            eprintln!("{} single changes", n + 1);
        }
        std::thread::sleep(Duration::from_millis(args.pause_ms));
    }
    summary.single_seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(up_pid)? - cpu_before;
    runtime.block_on(session.close())?;
    summary.single_up_cpu_per_change_ms = cpu * 1000.0 / args.changes.max(1) as f64;
    summary.single_queries_to_up = to_up.sent;
    summary.single_up_cpu_per_change_net_ms =
        net(cpu, to_up.sent, summary.single_seconds, summary) * 1000.0 / args.changes.max(1) as f64;
    summary.single_up = Latencies::of(up_times, up_missed);
    summary.single_knot = Latencies::of(knot_times, knot_missed);
    eprintln!(
        "single: up {:?}, knot {:?}, up CPU per change {:.2} ms",
        summary.single_up, summary.single_knot, summary.single_up_cpu_per_change_ms
    );
    Ok(())
}

/// CPU seconds of `up` less what `queries` polls and `seconds` of idling cost it.
fn net(cpu: f64, queries: u64, seconds: f64, summary: &Summary) -> f64 {
    cpu - queries as f64 * summary.up_cpu_per_query_us / 1e6
        - seconds * summary.up_idle_cpu_per_s_ms / 1000.0
}

/// A create waiting to be answered.
struct Pending {
    name: Name,
    created: Instant,
    up: Option<Duration>,
    knot: Option<Duration>,
}

/// Creates at `--rate` from several sessions while one thread polls both servers.
fn sustained(
    args: &MeasureArgs,
    runtime: &tokio::runtime::Runtime,
    credentials: &Credentials,
    target: &Target,
    summary: &mut Summary,
) -> Result<()> {
    let Target { run, up_pid, up_dns, knot } = *target;
    let sessions = args.sessions.max(1);
    let incoming: Arc<Mutex<Vec<Pending>>> = Arc::default();
    let loading = Arc::new(AtomicBool::new(true));
    let every = Duration::from_millis(args.poll_ms.max(1));
    let give_up = Duration::from_secs(args.give_up);
    let poller = {
        let (incoming, loading) = (Arc::clone(&incoming), Arc::clone(&loading));
        std::thread::spawn(move || poll_all(&incoming, &loading, up_dns, knot, every, give_up))
    };
    let cpu_before = cpu_seconds(up_pid)?;
    let started = Instant::now();
    let epp_times = runtime.block_on(async {
        let mut tasks = Vec::new();
        let interval = Duration::from_secs_f64(sessions as f64 / args.rate);
        let per_session = (args.rate * args.seconds / sessions as f64).round() as usize;
        for s in 0..sessions {
            let credentials = credentials.clone();
            let incoming = Arc::clone(&incoming);
            let mut session = Session::open(&credentials, &format!("load-{run}-{s}")).await?;
            tasks.push(tokio::spawn(async move {
                // Sessions start spread over one interval, each on its own schedule.
                let first =
                    tokio::time::Instant::now() + interval.mul_f64(s as f64 / sessions as f64);
                let mut times = Vec::with_capacity(per_session);
                for n in 0..per_session {
                    tokio::time::sleep_until(first + interval * n as u32).await;
                    let text = format!("l{run}-{s}-{n}.{TLD}");
                    let sent = Instant::now();
                    session.create(&text).await?;
                    let created = Instant::now();
                    times.push(created - sent);
                    let name = Name::parse(&text, Some(&Name::root()))?;
                    incoming.lock().unwrap_or_else(PoisonError::into_inner).push(Pending {
                        name,
                        created,
                        up: None,
                        knot: None,
                    });
                }
                session.close().await?;
                anyhow::Ok(times)
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await??);
        }
        anyhow::Ok(all)
    });
    let elapsed = started.elapsed().as_secs_f64();
    loading.store(false, Ordering::SeqCst);
    let polled = poller.join().map_err(|_| anyhow::anyhow!("the poller panicked"))??;
    let cpu = cpu_seconds(up_pid)? - cpu_before;
    let epp_times = epp_times?;
    let creates = epp_times.len();
    summary.sustained_creates = creates;
    summary.sustained_rate = creates as f64 / elapsed;
    summary.sustained_epp = Latencies::of(epp_times, 0);
    summary.sustained_up_cpu_per_change_ms = cpu * 1000.0 / creates.max(1) as f64;
    summary.sustained_queries_to_up = polled.queries_to_up;
    summary.sustained_up_cpu_per_change_net_ms =
        net(cpu, polled.queries_to_up, polled.seconds, summary) * 1000.0 / creates.max(1) as f64;
    let up_times: Vec<Duration> = polled.done.iter().filter_map(|p| p.up).collect();
    let knot_times: Vec<Duration> = polled.done.iter().filter_map(|p| p.knot).collect();
    summary.sustained_up = Latencies::of(up_times.clone(), polled.done.len() - up_times.len());
    summary.sustained_knot =
        Latencies::of(knot_times.clone(), polled.done.len() - knot_times.len());
    eprintln!(
        "sustained: {creates} creates at {:.1}/s; up {:?}, knot {:?}, up CPU per change {:.2} ms",
        summary.sustained_rate,
        summary.sustained_up,
        summary.sustained_knot,
        summary.sustained_up_cpu_per_change_ms
    );
    Ok(())
}

/// What the poller saw.
struct Polled {
    done: Vec<Pending>,
    seconds: f64,
    queries_to_up: u64,
}

/// Most names asked of one server in one round of [`poll_all`].
const MAX_ASKED: usize = 64;

/// Polls every pending create every `every`: `up` until it delegates the name, then Knot.
fn poll_all(
    incoming: &Mutex<Vec<Pending>>,
    loading: &AtomicBool,
    up_dns: SocketAddr,
    knot: SocketAddr,
    every: Duration,
    give_up: Duration,
) -> Result<Polled> {
    let mut to_up = Probe::new(up_dns)?;
    let mut to_knot = Probe::new(knot)?;
    let mut pending: Vec<Pending> = Vec::new();
    let mut done = Vec::new();
    let mut ended: Option<Instant> = None;
    let started = Instant::now();
    loop {
        let tick = Instant::now() + every;
        pending.append(&mut incoming.lock().unwrap_or_else(PoisonError::into_inner));
        if !loading.load(Ordering::SeqCst) && ended.is_none() {
            ended = Some(Instant::now());
        }
        // Answered by both, or given up on: done.
        let (finished, waiting): (Vec<Pending>, Vec<Pending>) =
            pending.into_iter().partition(|p| p.knot.is_some() || p.created.elapsed() > give_up);
        done.extend(finished);
        pending = waiting;
        if pending.is_empty() && ended.is_some() {
            break;
        }
        // The oldest names first, and a bounded number per round: should a server fall far
        // behind, the newer names are asked later (their times come out longer, never
        // shorter) rather than the poller flooding it.
        let mut asked_up = std::collections::HashMap::new();
        let mut asked_knot = std::collections::HashMap::new();
        for (index, p) in pending.iter().enumerate() {
            if p.up.is_none() {
                if asked_up.len() < MAX_ASKED {
                    asked_up.insert(to_up.send(&p.name, Rtype::NS)?, index);
                }
            } else if asked_knot.len() < MAX_ASKED {
                asked_knot.insert(to_knot.send(&p.name, Rtype::NS)?, index);
            }
        }
        let deadline = tick;
        for (probe, asked, up_side) in
            [(&mut to_up, &asked_up, true), (&mut to_knot, &asked_knot, false)]
        {
            let mut left = asked.len();
            while left > 0 {
                let Some(response) = probe.receive(deadline)? else { break };
                let Some(&index) = asked.get(&response.header.id) else { continue };
                left -= 1;
                let Some(p) = pending.get_mut(index) else { continue };
                if delegates(&response, &p.name) {
                    let took = p.created.elapsed();
                    if up_side {
                        p.up = Some(took);
                    } else {
                        p.knot = Some(took);
                    }
                }
            }
        }
        std::thread::sleep(tick.saturating_duration_since(Instant::now()));
    }
    Ok(Polled { done, seconds: started.elapsed().as_secs_f64(), queries_to_up: to_up.sent })
}

/// The publication lines of `up`'s `/metrics`.
fn scrape(addr: SocketAddr) -> Result<Vec<String>> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text
        .lines()
        .filter(|line| {
            line.starts_with("nameward_publication") || line.starts_with("nameward_notify")
        })
        .map(str::to_owned)
        .collect())
}
