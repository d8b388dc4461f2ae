//! Pinning threads to one CPU, so the server side and the load generator each have a core.

use nix::sched::{CpuSet, sched_setaffinity};
use nix::unistd::Pid;

/// Pins the calling thread (and the threads it starts later, which inherit the mask) to
/// `cpu`. Failure is reported, not fatal: the figures are then unpinned, and say so.
pub fn current_thread_to(cpu: usize) -> Result<(), String> {
    let mut set = CpuSet::new();
    set.set(cpu).map_err(|e| format!("CPU {cpu}: {e}"))?;
    sched_setaffinity(Pid::from_raw(0), &set).map_err(|e| format!("pinning to CPU {cpu}: {e}"))
}
