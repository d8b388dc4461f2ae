//! The daemons a run starts (`nameward up`, `knotd`), and what `/proc` says of them: CPU time,
//! resident and proportional memory, the load average.

use std::fs::File;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Linux reports CPU times in USER_HZ ticks, 100 per second.
const TICKS_PER_SECOND: f64 = 100.0;

/// A daemon this run started, stopped (SIGTERM, then SIGKILL after 30 s) when dropped.
pub struct Daemon {
    child: Child,
    /// What it is, for messages.
    pub name: String,
    /// Its output.
    pub log: PathBuf,
    /// When it was started.
    pub started: Instant,
}

impl Daemon {
    /// Starts `program` with `args`, its output in `log`.
    pub fn spawn(name: &str, program: &Path, args: &[String], log: PathBuf) -> Result<Daemon> {
        let file = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let started = Instant::now();
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        Ok(Daemon { child, name: name.to_owned(), log, started })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if it has exited.
    pub fn check_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("{} exited ({status}); see {}", self.name, self.log.display());
        }
        Ok(())
    }

    /// Sends SIGTERM and waits for the exit (SIGKILL after 30 s).
    pub fn stop(mut self) -> Result<()> {
        self.terminate()
    }

    fn terminate(&mut self) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap_or(i32::MAX));
        let _ = kill(pid, Signal::SIGTERM);
        let give_up = Instant::now() + Duration::from_secs(30);
        while Instant::now() < give_up {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// User plus system CPU seconds of process `pid`, all its threads.
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let (_, rest) = text.rsplit_once(')').context("an odd /proc/PID/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    let field = |n: usize| -> Result<f64> {
        Ok(fields.get(n).context("a short /proc/PID/stat")?.parse::<f64>()?)
    };
    Ok((field(11)? + field(12)?) / TICKS_PER_SECOND)
}

/// Resident and proportional set size of process `pid`, MiB.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Memory {
    /// Resident set size.
    pub rss_mib: f64,
    /// Proportional set size (shared pages divided among their users).
    pub pss_mib: f64,
}

/// [`Memory`] of `pid` from `/proc/PID/smaps_rollup`.
pub fn memory(pid: u32) -> Result<Memory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    let field = |key: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    Ok(Memory { rss_mib: field("Rss:"), pss_mib: field("Pss:") })
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` writes them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A loopback port free for UDP and TCP alike.
pub fn free_port() -> Result<u16> {
    for _ in 0..50 {
        let Ok(udp) = UdpSocket::bind("127.0.0.1:0") else { continue };
        let Ok(addr) = udp.local_addr() else { continue };
        if TcpListener::bind(("127.0.0.1", addr.port())).is_ok() {
            return Ok(addr.port());
        }
    }
    bail!("no free loopback port")
}
