//! How many commands each session answered, by command and result code, for the Prometheus
//! endpoint of the process that runs the sessions. EPP carries a few commands a second at
//! most, so one lock around a small map costs nothing measurable.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Commands answered, by command name and result code.
#[derive(Debug, Default)]
pub struct CommandCounts {
    counts: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl CommandCounts {
    /// Counts one answer.
    pub fn record(&self, command: &'static str, code: u16) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry((command, code)).or_default() += 1;
    }

    /// How many `command`s were answered with `code`.
    pub fn get(&self, command: &str, code: u16) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.iter().find(|((c, k), _)| *c == command && *k == code).map_or(0, |(_, n)| *n)
    }

    /// The Prometheus text exposition of the counts, appended to `out`.
    pub fn render(&self, out: &mut String) {
        let counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(
            out,
            "# HELP nameward_epp_commands_total EPP commands answered, by command and result \
             code.\n# TYPE nameward_epp_commands_total counter"
        );
        for ((command, code), n) in counts.iter() {
            let _ = writeln!(
                out,
                "nameward_epp_commands_total{{command=\"{command}\",code=\"{code}\"}} {n}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_command_and_code() {
        let counts = CommandCounts::default();
        counts.record("domain:create", 1000);
        counts.record("domain:create", 1000);
        counts.record("login", 2200);
        let mut text = String::new();
        counts.render(&mut text);
        assert!(
            text.contains("nameward_epp_commands_total{command=\"domain:create\",code=\"1000\"} 2")
        );
        assert!(text.contains("{command=\"login\",code=\"2200\"} 1"), "{text}");
        assert_eq!(counts.get("login", 2200), 1);
    }
}
