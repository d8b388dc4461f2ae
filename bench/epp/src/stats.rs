//! What one task counts during a phase, and the phase's figures once the tasks are merged.

use std::time::{Duration, Instant};

use crate::cpu::Spent;

/// When a phase counts: operations started before `counting` are warm-up, and no operation
/// starts at or after `end`.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// End of the warm-up.
    pub counting: Instant,
    /// End of the phase.
    pub end: Instant,
}

impl Window {
    /// A window starting now: `warmup`, then `measure`.
    pub fn starting_now(warmup: Duration, measure: Duration) -> Window {
        let counting = Instant::now() + warmup;
        Window { counting, end: counting + measure }
    }

    /// The counted part's length.
    pub fn measured(&self) -> Duration {
        self.end.saturating_duration_since(self.counting)
    }
}

/// One task's counts.
#[derive(Debug, Default)]
pub struct Tally {
    /// Latency of each counted operation that succeeded, microseconds.
    pub latencies_us: Vec<u32>,
    /// Counted operations that failed.
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
}

impl Tally {
    /// Records an operation that started at `started` and took `took`.
    pub fn record(
        &mut self,
        window: &Window,
        started: Instant,
        took: Duration,
        ok: Result<(), String>,
    ) {
        if started < window.counting {
            return;
        }
        match ok {
            Ok(()) => self.latencies_us.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX)),
            Err(error) => {
                self.errors += 1;
                self.first_error.get_or_insert(error);
            }
        }
    }
}

/// One phase's figures.
#[derive(Debug, serde::Serialize)]
pub struct PhaseResult {
    /// `epp create`, `raw write`, ...
    pub name: String,
    /// Concurrent sessions or tasks.
    pub concurrency: usize,
    /// Counted seconds.
    pub seconds: f64,
    /// Operations that succeeded.
    pub ops: u64,
    /// Operations that failed.
    pub errors: u64,
    /// The first failure's text.
    pub first_error: Option<String>,
    /// Successful operations per second.
    pub ops_per_s: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// CPU spent during the counted part (and the tail of the operations in flight at its end).
    pub cpu: Spent,
    /// Server-side CPU (this process less the load generator, plus PostgreSQL's) per
    /// successful operation, microseconds.
    pub server_cpu_us_per_op: f64,
}

/// A phase's slices, gathered until they are merged.
#[derive(Debug, Default)]
pub struct Slices {
    tallies: Vec<Tally>,
    cpu: Spent,
    seconds: f64,
    concurrency: usize,
}

impl Slices {
    /// Adds one slice: each task's tally, the CPU spent and the window.
    pub fn add(&mut self, window: &Window, tallies: Vec<Tally>, cpu: Spent) {
        self.concurrency = self.concurrency.max(tallies.len());
        self.tallies.extend(tallies);
        self.cpu += cpu;
        self.seconds += window.measured().as_secs_f64();
    }

    /// The phase's figures over every slice.
    pub fn merge(self, name: &str) -> PhaseResult {
        let mut latencies = Vec::new();
        let mut errors = 0;
        let mut first_error = None;
        for tally in self.tallies {
            latencies.extend(tally.latencies_us);
            errors += tally.errors;
            if first_error.is_none() {
                first_error = tally.first_error;
            }
        }
        latencies.sort_unstable();
        let ops = latencies.len() as u64;
        let seconds = self.seconds;
        let cpu = self.cpu;
        let server_cpu = cpu.server_s + cpu.postgres_s;
        PhaseResult {
            name: name.to_owned(),
            concurrency: self.concurrency,
            seconds,
            ops,
            errors,
            first_error,
            ops_per_s: if seconds > 0.0 { ops as f64 / seconds } else { 0.0 },
            p50_ms: percentile(&latencies, 50.0),
            p99_ms: percentile(&latencies, 99.0),
            cpu,
            server_cpu_us_per_op: if ops > 0 { server_cpu * 1e6 / ops as f64 } else { 0.0 },
        }
    }
}

/// The `p`th percentile of sorted microsecond latencies, in milliseconds (nearest rank).
fn percentile(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    let index = rank.saturating_sub(1).min(sorted_us.len() - 1);
    sorted_us.get(index).map_or(0.0, |&us| f64::from(us) / 1000.0)
}
