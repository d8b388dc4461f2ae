//! CPU time from `/proc`: the whole process, the load generator's threads, and PostgreSQL's
//! processes, so that a phase can say which side of the benchmark spent the two cores.

use std::fs;
use std::sync::{Arc, Mutex, PoisonError};

/// Linux reports times in USER_HZ ticks, 100 per second on every architecture it runs on.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system) of one `/proc/.../stat` file, or `None` if it cannot be read.
fn stat_seconds(path: &str) -> Option<f64> {
    let text = fs::read_to_string(path).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// The kernel's id of the calling thread.
pub fn current_tid() -> Option<u32> {
    // /proc/thread-self links to "PID/task/TID".
    let link = fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Thread ids registered by a runtime's `on_thread_start`.
#[derive(Clone, Default)]
pub struct Threads(Arc<Mutex<Vec<u32>>>);

impl Threads {
    /// Registers the calling thread.
    pub fn register_current(&self) {
        if let Some(tid) = current_tid() {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push(tid);
        }
    }

    /// CPU seconds spent so far by the registered threads.
    fn seconds(&self) -> f64 {
        let tids = self.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        tids.iter().filter_map(|tid| stat_seconds(&format!("/proc/self/task/{tid}/stat"))).sum()
    }
}

/// CPU seconds of every process named `postgres` (the server and its backends). On a shared
/// machine this includes other people's queries to the same server.
fn postgres_seconds() -> f64 {
    let Ok(entries) = fs::read_dir("/proc") else { return 0.0 };
    let mut total = 0.0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim_end() == "postgres" {
            total += stat_seconds(&format!("/proc/{pid}/stat")).unwrap_or(0.0);
        }
    }
    total
}

/// A reading of the three clocks.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    process: f64,
    client: f64,
    postgres: f64,
}

impl Sample {
    /// Reads them now; `client` are the load generator's threads.
    pub fn take(client: &Threads) -> Sample {
        Sample {
            process: stat_seconds("/proc/self/stat").unwrap_or(0.0),
            client: client.seconds(),
            postgres: postgres_seconds(),
        }
    }
}

/// CPU seconds spent between two samples.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Spent {
    /// This process less the load generator's threads: the EPP server, the registry, sqlx
    /// (and SQLite itself, which runs inside sqlx's worker threads).
    pub server_s: f64,
    /// The load generator's threads (EPP clients: TLS and XML).
    pub client_s: f64,
    /// PostgreSQL's processes.
    pub postgres_s: f64,
}

impl Spent {
    /// From `before` to `after`.
    pub fn between(before: Sample, after: Sample) -> Spent {
        let client = after.client - before.client;
        Spent {
            server_s: after.process - before.process - client,
            client_s: client,
            postgres_s: after.postgres - before.postgres,
        }
    }
}

impl std::ops::AddAssign for Spent {
    fn add_assign(&mut self, other: Spent) {
        self.server_s += other.server_s;
        self.client_s += other.client_s;
        self.postgres_s += other.postgres_s;
    }
}
