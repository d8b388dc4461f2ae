//! What publication does, per TLD, for a Prometheus endpoint: the serial served, publications
//! by kind, failures, the lag from a change's commit to its being served (a histogram, in
//! seconds), and the size of the IXFR journal the differences feed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nameward_server::Shared;

use crate::Published;

/// Upper bounds of the lag histogram's buckets, in seconds: the target is well under a second,
/// the tail shows a slow database or a rebuild.
const LAG_BUCKETS: [f64; 10] = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0];

/// The figures of every TLD a publisher publishes.
#[derive(Debug)]
pub struct PublishMetrics {
    dns: Arc<Shared>,
    zones: Mutex<BTreeMap<String, Figures>>,
}

/// One TLD's figures.
#[derive(Debug, Default, Clone)]
struct Figures {
    serial: Option<u32>,
    differences: u64,
    whole: u64,
    failures: u64,
    /// Per bucket of [`LAG_BUCKETS`], the publications at or under it (not cumulative).
    lag_buckets: [u64; LAG_BUCKETS.len()],
    lag_count: u64,
    lag_sum: f64,
}

impl PublishMetrics {
    pub(crate) fn new(dns: Arc<Shared>) -> PublishMetrics {
        PublishMetrics { dns, zones: Mutex::default() }
    }

    /// Counts a publication of `tld`; `lag` is the time from its serial's commit to now.
    pub(crate) fn published(&self, tld: &str, published: &Published, lag: Option<Duration>) {
        let mut zones = self.zones.lock().unwrap_or_else(PoisonError::into_inner);
        let figures = zones.entry(tld.to_owned()).or_default();
        match published {
            Published::Unchanged => return,
            Published::Whole { serial, .. } => {
                figures.whole += 1;
                figures.serial = Some(*serial);
            }
            Published::Difference { serial, .. } => {
                figures.differences += 1;
                figures.serial = Some(*serial);
            }
        }
        if let Some(lag) = lag {
            let seconds = lag.as_secs_f64();
            let bucket = LAG_BUCKETS.iter().position(|bound| seconds <= *bound);
            if let Some(count) = bucket.and_then(|bucket| figures.lag_buckets.get_mut(bucket)) {
                *count += 1;
            }
            figures.lag_count += 1;
            figures.lag_sum += seconds;
        }
    }

    /// Counts a publication of `tld` that failed (the previous version kept serving).
    pub(crate) fn failed(&self, tld: &str) {
        let mut zones = self.zones.lock().unwrap_or_else(PoisonError::into_inner);
        zones.entry(tld.to_owned()).or_default().failures += 1;
    }

    /// The Prometheus text exposition, appended to `out`.
    pub fn render(&self, out: &mut String) {
        let zones = self.zones.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let journals = self.dns.journals.load();
        let family = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(out, "nameward_zone_serial", "gauge", "The serial each TLD zone is served at.");
        for (tld, figures) in &zones {
            if let Some(serial) = figures.serial {
                let _ = writeln!(out, "nameward_zone_serial{{zone=\"{tld}\"}} {serial}");
            }
        }
        family(
            out,
            "nameward_publications_total",
            "counter",
            "Publications of a TLD zone, as a difference or built whole.",
        );
        for (tld, figures) in &zones {
            let _ = writeln!(
                out,
                "nameward_publications_total{{zone=\"{tld}\",kind=\"difference\"}} {}\n\
                 nameward_publications_total{{zone=\"{tld}\",kind=\"whole\"}} {}",
                figures.differences, figures.whole
            );
        }
        family(
            out,
            "nameward_publication_failures_total",
            "counter",
            "Publications refused (the version served before kept serving).",
        );
        for (tld, figures) in &zones {
            let _ = writeln!(
                out,
                "nameward_publication_failures_total{{zone=\"{tld}\"}} {}",
                figures.failures
            );
        }
        family(
            out,
            "nameward_publication_lag_seconds",
            "histogram",
            "From the commit of a change to the zone serving it.",
        );
        for (tld, figures) in &zones {
            let mut cumulative = 0;
            for (bound, count) in LAG_BUCKETS.iter().zip(figures.lag_buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "nameward_publication_lag_seconds_bucket{{zone=\"{tld}\",le=\"{bound}\"}} \
                     {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "nameward_publication_lag_seconds_bucket{{zone=\"{tld}\",le=\"+Inf\"}} {}\n\
                 nameward_publication_lag_seconds_sum{{zone=\"{tld}\"}} {}\n\
                 nameward_publication_lag_seconds_count{{zone=\"{tld}\"}} {}",
                figures.lag_count, figures.lag_sum, figures.lag_count
            );
        }
        family(
            out,
            "nameward_journal_differences",
            "gauge",
            "Differences kept for IXFR, per zone.",
        );
        let mut sizes = Vec::new();
        for tld in zones.keys() {
            let origin = nameward_dns::Name::parse(tld, Some(&nameward_dns::Name::root()));
            if let Some(journal) = origin.ok().and_then(|origin| journals.get(&origin)) {
                sizes.push((tld, journal.len(), journal.bytes()));
            }
        }
        for (tld, differences, _) in &sizes {
            let _ = writeln!(out, "nameward_journal_differences{{zone=\"{tld}\"}} {differences}");
        }
        family(
            out,
            "nameward_journal_bytes",
            "gauge",
            "Approximate size of the differences kept for IXFR, per zone.",
        );
        for (tld, _, bytes) in &sizes {
            let _ = writeln!(out, "nameward_journal_bytes{{zone=\"{tld}\"}} {bytes}");
        }
    }
}
