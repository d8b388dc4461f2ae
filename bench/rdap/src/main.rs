//! nameward-bench-rdap: RDAP domain lookups (and a name search) against a registry of
//! `--names` delegation-less names on SQLite, in one process: the RDAP server on its own
//! thread and runtime pinned to CPU 1 (the database's threads inherit it), the load generator
//! on CPU 0, `--connections` keep-alive HTTP/1.1 connections each asking for random names one
//! after the other for `--seconds`. Prints requests per second, p50 and p99 latency, and the
//! server's CPU per request (the process's CPU time less the generator thread's).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use nameward_rdap::{Config, RateLimit, Rdap};
use nameward_registry::policy::Policy;
use nameward_registry::service::{NewRegistrar, Registry};
use nameward_registry::testing::domain_object;
use nix::sched::{CpuSet, sched_setaffinity};
use nix::sys::resource::{UsageWho, getrusage};
use nix::unistd::Pid;
use time::OffsetDateTime;

#[derive(Parser)]
#[command(about = "RDAP lookup throughput and latency over a filled SQLite registry")]
struct Args {
    /// The data directory (made and filled when it has no registry).
    #[arg(long, default_value = "bench-rdap-data")]
    data: PathBuf,
    /// Names in the registry.
    #[arg(long, default_value_t = 200_000)]
    names: u64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds of load for each phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn pin(cpu: usize) -> String {
    let mut set = CpuSet::new();
    match set.set(cpu).and_then(|()| sched_setaffinity(Pid::from_raw(0), &set)) {
        Ok(()) => format!("pinned to CPU {cpu}"),
        Err(error) => format!("NOT pinned ({error})"),
    }
}

fn cpu_seconds(who: UsageWho) -> f64 {
    getrusage(who).map_or(0.0, |usage| {
        let time = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        time(usage.user_time()) + time(usage.system_time())
    })
}

fn name(index: u64) -> String {
    format!("n{index:08}.example")
}

async fn fill(registry: &Registry, names: u64) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let policy = Policy::default_for("example");
    registry.add_tld(&policy, now).await?;
    let new = NewRegistrar {
        id: "alpha".to_owned(),
        name: "Alpha Registrar".to_owned(),
        password: "alpha-password-long-enough".to_owned(),
        cert_fingerprints: vec!["ab".repeat(32)],
        email: None,
    };
    registry.add_registrar(&new, now).await?;
    let mut next = 0;
    while next < names {
        let end = (next + 10_000).min(names);
        let rows: Vec<_> = (next..end)
            .map(|index| {
                let domain =
                    domain_object(&name(index), &format!("D{index}-EXAMPLE"), "alpha", now);
                (domain, None)
            })
            .collect();
        let mut tx = registry.store().begin().await?;
        tx.insert_unlinked_domains(&rows).await?;
        tx.commit().await?;
        next = end;
    }
    Ok(())
}

/// Starts the server on its own pinned thread; its address.
fn start_server(url: String, names: u64) -> Result<SocketAddr> {
    let (ready, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pinned = pin(1);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let Ok(runtime) = runtime else { return };
        runtime.block_on(async move {
            let opened = Registry::open(&url).await;
            let Ok(registry) = opened else {
                let _ = ready.send(Err(anyhow!("opening {url}: {:?}", opened.err())));
                return;
            };
            let empty = registry.rdap_domain(&name(0)).await.ok().flatten().is_none();
            if empty && let Err(error) = fill(&registry, names).await {
                let _ = ready.send(Err(error));
                return;
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
            let Ok(listener) = listener else { return };
            let addr = listener.local_addr().ok();
            let mut config = Config::new(&format!(
                "http://{}/",
                addr.map(|a| a.to_string()).unwrap_or_default()
            ));
            config.max_results = 50;
            // The generator is one client: the rate limit would measure itself.
            let rate = RateLimit { per_second: u32::MAX, burst: u32::MAX, max_clients: 16 };
            let rdap = Rdap::new(registry, config, rate);
            eprintln!("server: {pinned}");
            if let Some(addr) = addr {
                let _ = ready.send(Ok(addr));
            }
            nameward_rdap::serve(listener, rdap, None, std::future::pending()).await;
        });
    });
    address.recv_timeout(Duration::from_secs(3600)).context("the server did not start")?
}

struct Phase {
    requests: u64,
    errors: u64,
    latencies: Vec<Duration>,
    seconds: f64,
    server_cpu: f64,
}

async fn load(
    addr: SocketAddr,
    args: &Args,
    path: Arc<dyn Fn(u64) -> String + Send + Sync>,
) -> Result<Phase> {
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let cpu_before = cpu_seconds(UsageWho::RUSAGE_SELF) - cpu_seconds(UsageWho::RUSAGE_THREAD);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for connection in 0..args.connections {
        let path = Arc::clone(&path);
        let names = args.names;
        tasks.spawn_local(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
            tokio::task::spawn_local(conn);
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (connection as u64 + 1);
            while Instant::now() < deadline {
                // xorshift: a different name each time, without a shared generator.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let request = hyper::Request::get(path(state % names.max(1)))
                    .header("host", "bench")
                    .body(Empty::<Bytes>::new())?;
                let sent = Instant::now();
                let response = sender.send_request(request).await?;
                let ok = response.status().is_success();
                response.into_body().collect().await?;
                latencies.push(sent.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            anyhow::Ok((latencies, errors))
        });
    }
    let mut phase =
        Phase { requests: 0, errors: 0, latencies: Vec::new(), seconds: 0.0, server_cpu: 0.0 };
    while let Some(done) = tasks.join_next().await {
        let (latencies, errors) = done??;
        phase.requests += latencies.len() as u64;
        phase.errors += errors;
        phase.latencies.extend(latencies);
    }
    phase.seconds = started.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds(UsageWho::RUSAGE_SELF) - cpu_seconds(UsageWho::RUSAGE_THREAD);
    phase.server_cpu = cpu_after - cpu_before;
    Ok(phase)
}

fn report(what: &str, mut phase: Phase) {
    phase.latencies.sort();
    let at = |q: f64| {
        let index = ((phase.latencies.len() as f64 - 1.0) * q).round() as usize;
        phase.latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{what}: {} requests in {:.1} s = {:.0}/s, {} not 200; latency p50 {:.2} ms, p99 {:.2} ms; server CPU {:.1} µs a request",
        phase.requests,
        phase.seconds,
        phase.requests as f64 / phase.seconds,
        phase.errors,
        at(0.5),
        at(0.99),
        phase.server_cpu / phase.requests.max(1) as f64 * 1e6,
    );
}

fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.data)?;
    let url = format!("sqlite:{}", args.data.join("registry.sqlite").display());
    let filling = Instant::now();
    let addr = start_server(url, args.names)?;
    println!(
        "registry of {} names ready in {:.1} s; server on {addr}",
        args.names,
        filling.elapsed().as_secs_f64()
    );
    println!(
        "load generator: {}, {} connections, {} s a phase",
        pin(0),
        args.connections,
        args.seconds
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let lookups =
            load(addr, &args, Arc::new(|index| format!("/domain/{}", name(index)))).await?;
        report("domain lookups", lookups);
        let missing =
            load(addr, &args, Arc::new(|index| format!("/domain/x{index}.example"))).await?;
        report("lookups of absent names (404)", missing);
        let searches =
            load(addr, &args, Arc::new(|index| format!("/domains?name=n{:06}*", index / 100)))
                .await?;
        report("name searches (prefix of 100 names, first 50 returned)", searches);
        anyhow::Ok(())
    })
}
