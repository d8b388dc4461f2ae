//! Counters: each worker owns its own block (written only by that worker, so no cache line is
//! contended on the answer path) and `/metrics` sums the blocks when scraped.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use nameward_dns::Rtype;

/// Query types counted one by one; the rest are summed as `other`.
const QTYPE_SLOTS: usize = 256;
/// Response codes counted one by one (extended ones up to BADCOOKIE); the rest are `other`.
const RCODE_SLOTS: usize = 24;

/// One worker's counters. Relaxed ordering is enough for totals.
#[derive(Debug)]
pub struct WorkerMetrics {
    qtype: Box<[AtomicU64]>,
    qtype_other: AtomicU64,
    rcode: Box<[AtomicU64]>,
    rcode_other: AtomicU64,
    truncated: AtomicU64,
    dropped: AtomicU64,
    rrl_dropped: AtomicU64,
    rrl_slipped: AtomicU64,
}

fn zeros(n: usize) -> Box<[AtomicU64]> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

/// Adds one. A UDP worker is the only writer of its block, so the cache line stays in its
/// core; TCP connections share a few blocks, hence an atomic add rather than load and store.
fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl WorkerMetrics {
    fn new() -> WorkerMetrics {
        WorkerMetrics {
            qtype: zeros(QTYPE_SLOTS),
            qtype_other: AtomicU64::new(0),
            rcode: zeros(RCODE_SLOTS),
            rcode_other: AtomicU64::new(0),
            truncated: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            rrl_dropped: AtomicU64::new(0),
            rrl_slipped: AtomicU64::new(0),
        }
    }

    /// Counts a query of type `qtype` (None when it had no readable question).
    pub fn query(&self, qtype: Option<Rtype>) {
        match qtype.and_then(|t| self.qtype.get(usize::from(t.0))) {
            Some(counter) => bump(counter),
            None => bump(&self.qtype_other),
        }
    }

    /// Counts a response.
    pub fn response(&self, rcode: u16, truncated: bool) {
        match self.rcode.get(usize::from(rcode)) {
            Some(counter) => bump(counter),
            None => bump(&self.rcode_other),
        }
        if truncated {
            bump(&self.truncated);
        }
    }

    /// Counts a query that got no response (not a query, or unreadable).
    pub fn dropped(&self) {
        bump(&self.dropped);
    }

    /// Counts a response that rate limiting dropped, or sent truncated instead (`slipped`).
    pub fn rate_limited(&self, slipped: bool) {
        bump(if slipped { &self.rrl_slipped } else { &self.rrl_dropped });
    }
}

/// Counters updated rarely, from anywhere: one atomic each is fine.
#[derive(Debug, Default)]
pub struct SharedCounters {
    /// TCP connections accepted.
    pub tcp_accepted: AtomicU64,
    /// TCP connections refused by a connection limit.
    pub tcp_refused: AtomicU64,
    /// TCP connections closed after the idle timeout or a stalled transfer.
    pub tcp_timed_out: AtomicU64,
    /// TCP connections open now (accepted minus closed).
    pub tcp_open: AtomicU64,
    /// Reloads in which every zone loaded.
    pub reloads_ok: AtomicU64,
    /// Reloads in which at least one zone failed (and kept its old version).
    pub reloads_failed: AtomicU64,
    /// Outgoing zone transfers (AXFR) served; the transfer code adds to it.
    pub transfers_axfr: AtomicU64,
    /// Outgoing incremental transfers (IXFR) served.
    pub transfers_ixfr: AtomicU64,
    /// Zone transfers answered SERVFAIL because too many were under way.
    pub transfers_refused: AtomicU64,
    /// NOTIFY messages sent and received.
    pub notifies: AtomicU64,
    /// NOTIFYs a secondary acknowledged (NOERROR).
    pub notify_acknowledged: AtomicU64,
    /// NOTIFYs a secondary answered with an error.
    pub notify_rejected: AtomicU64,
    /// NOTIFYs never answered, after every retry.
    pub notify_unanswered: AtomicU64,
}

/// Prometheus text that another part of the process adds to `/metrics` (the registry's
/// publication and EPP counters when `nameward up` runs the server).
pub type MetricsSource = Arc<dyn Fn(&mut String) + Send + Sync>;

/// Every worker's counters and the shared ones.
#[derive(Default)]
pub struct Metrics {
    workers: Mutex<Vec<(&'static str, Arc<WorkerMetrics>)>>,
    /// Rare events.
    pub shared: SharedCounters,
    /// More families, rendered after the server's own.
    sources: Mutex<Vec<MetricsSource>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Metrics").field("shared", &self.shared).finish_non_exhaustive()
    }
}

impl Metrics {
    /// A new counter block for a worker of `transport` (`udp` or `tcp`). Called at start-up,
    /// never per query.
    pub fn worker(&self, transport: &'static str) -> Arc<WorkerMetrics> {
        let block = Arc::new(WorkerMetrics::new());
        if let Ok(mut workers) = self.workers.lock() {
            workers.push((transport, Arc::clone(&block)));
        }
        block
    }

    /// Adds `source`'s families to every scrape.
    pub fn add_source(&self, source: MetricsSource) {
        if let Ok(mut sources) = self.sources.lock() {
            sources.push(source);
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let workers = match self.workers.lock() {
            Ok(w) => w.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::with_capacity(4096);
        let mut family = |name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family("nameward_queries_total", "counter", "Queries received, by transport and type.");
        for transport in ["udp", "tcp"] {
            let mine = || workers.iter().filter(move |(t, _)| *t == transport);
            for slot in 0..QTYPE_SLOTS {
                let n: u64 = mine().filter_map(|(_, w)| w.qtype.get(slot)).map(get).sum();
                if n > 0 {
                    let name = Rtype(slot as u16).to_string();
                    let _ = writeln!(
                        out,
                        "nameward_queries_total{{transport=\"{transport}\",qtype=\"{name}\"}} {n}"
                    );
                }
            }
            let other: u64 = mine().map(|(_, w)| get(&w.qtype_other)).sum();
            let _ = writeln!(
                out,
                "nameward_queries_total{{transport=\"{transport}\",qtype=\"other\"}} {other}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP nameward_responses_total Responses sent, by response code.\n\
             # TYPE nameward_responses_total counter"
        );
        for slot in 0..RCODE_SLOTS {
            let n: u64 = workers.iter().filter_map(|(_, w)| w.rcode.get(slot)).map(get).sum();
            if n > 0 || slot <= 5 {
                let name = rcode_name(slot);
                let _ = writeln!(out, "nameward_responses_total{{rcode=\"{name}\"}} {n}");
            }
        }
        let other: u64 = workers.iter().map(|(_, w)| get(&w.rcode_other)).sum();
        let _ = writeln!(out, "nameward_responses_total{{rcode=\"other\"}} {other}");
        let sum = |f: fn(&WorkerMetrics) -> &AtomicU64| -> u64 {
            workers.iter().map(|(_, w)| get(f(w))).sum()
        };
        let s = &self.shared;
        let simple: [(&str, &str, &str, u64); 12] = [
            (
                "nameward_responses_truncated_total",
                "counter",
                "Responses sent with TC set.",
                sum(|w| &w.truncated),
            ),
            (
                "nameward_queries_dropped_total",
                "counter",
                "Messages that got no response.",
                sum(|w| &w.dropped),
            ),
            (
                "nameward_rrl_dropped_total",
                "counter",
                "Responses dropped by rate limiting.",
                sum(|w| &w.rrl_dropped),
            ),
            (
                "nameward_rrl_slipped_total",
                "counter",
                "Responses sent truncated by rate limiting.",
                sum(|w| &w.rrl_slipped),
            ),
            (
                "nameward_tcp_connections_total",
                "counter",
                "TCP connections accepted.",
                get(&s.tcp_accepted),
            ),
            (
                "nameward_tcp_connections_refused_total",
                "counter",
                "TCP connections refused by a connection limit.",
                get(&s.tcp_refused),
            ),
            (
                "nameward_tcp_connections_timed_out_total",
                "counter",
                "TCP connections closed after the idle timeout.",
                get(&s.tcp_timed_out),
            ),
            (
                "nameward_tcp_connections_open",
                "gauge",
                "TCP connections open now.",
                get(&s.tcp_open),
            ),
            (
                "nameward_reloads_total",
                "counter",
                "Reloads in which every zone loaded.",
                get(&s.reloads_ok),
            ),
            (
                "nameward_reloads_failed_total",
                "counter",
                "Reloads in which a zone failed to load and kept its old version.",
                get(&s.reloads_failed),
            ),
            (
                "nameward_transfers_refused_total",
                "counter",
                "Zone transfers answered SERVFAIL because too many were under way.",
                get(&s.transfers_refused),
            ),
            (
                "nameward_notify_total",
                "counter",
                "NOTIFY messages sent and received.",
                get(&s.notifies),
            ),
        ];
        for (name, kind, help, value) in simple {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP nameward_transfers_total Outgoing zone transfers, by type.\n\
             # TYPE nameward_transfers_total counter\n\
             nameward_transfers_total{{type=\"AXFR\"}} {}\n\
             nameward_transfers_total{{type=\"IXFR\"}} {}",
            get(&s.transfers_axfr),
            get(&s.transfers_ixfr)
        );
        let _ = writeln!(
            out,
            "# HELP nameward_notify_results_total What secondaries made of the NOTIFYs sent.\n\
             # TYPE nameward_notify_results_total counter\n\
             nameward_notify_results_total{{result=\"acknowledged\"}} {}\n\
             nameward_notify_results_total{{result=\"rejected\"}} {}\n\
             nameward_notify_results_total{{result=\"unanswered\"}} {}",
            get(&s.notify_acknowledged),
            get(&s.notify_rejected),
            get(&s.notify_unanswered)
        );
        let sources = match self.sources.lock() {
            Ok(sources) => sources.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for source in sources {
            source(&mut out);
        }
        out
    }
}

fn rcode_name(code: usize) -> &'static str {
    const NAMES: [&str; RCODE_SLOTS] = [
        "NOERROR",
        "FORMERR",
        "SERVFAIL",
        "NXDOMAIN",
        "NOTIMP",
        "REFUSED",
        "YXDOMAIN",
        "YXRRSET",
        "NXRRSET",
        "NOTAUTH",
        "NOTZONE",
        "DSOTYPENI",
        "RCODE12",
        "RCODE13",
        "RCODE14",
        "RCODE15",
        "BADVERS",
        "BADKEY",
        "BADTIME",
        "BADMODE",
        "BADNAME",
        "BADALG",
        "BADTRUNC",
        "BADCOOKIE",
    ];
    NAMES.get(code).copied().unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_workers_at_scrape_time() {
        let metrics = Metrics::default();
        let a = metrics.worker("udp");
        let b = metrics.worker("udp");
        a.query(Some(Rtype::HIP));
        b.query(Some(Rtype::HIP));
        a.response(3, true);
        let text = metrics.render();
        assert!(
            text.contains("nameward_queries_total{transport=\"udp\",qtype=\"HIP\"} 2"),
            "{text}"
        );
        assert!(text.contains("nameward_responses_total{rcode=\"NXDOMAIN\"} 1"));
        assert!(text.contains("nameward_responses_truncated_total 1"));
        assert!(text.contains("nameward_transfers_total{type=\"AXFR\"} 0"));
        assert!(text.contains("nameward_notify_results_total{result=\"unanswered\"} 0"));
        metrics.add_source(Arc::new(|out: &mut String| out.push_str("other_family 7\n")));
        assert!(metrics.render().ends_with("other_family 7\n"));
    }
}
