//! Dynamic update (RFC 2136) of the zones configured with update rules.
//!
//! - [`wire`] reads an UPDATE message (TSIG first, RFC 8945 §5.2) and makes its response;
//! - [`process`] decides it: a pure function of the zone served, the zone's [`Policy`], who
//!   signed and the message, giving the response code and the [`crate::transfer::Diff`] to
//!   serve;
//! - [`journal`] keeps every accepted difference on disk (fsynced before the answer) and
//!   gives them back when the zone loads.
//!
//! The network layer hands UPDATE messages to one updater thread
//! (`net::update_hook`), which runs them one at a time: the decision, the journal, then
//! `Shared::apply_update`, which serves the new version, journals it for IXFR and sends
//! NOTIFY.

pub mod journal;
pub mod policy;
mod process;
pub mod wire;

pub use policy::{Match, Policy, RuleConfig, Signer};
pub use process::{Decision, MAX_RECORDS_PER_RRSET, MAX_TYPES_PER_NAME, ZoneView, process};

use std::path::Path;
use std::sync::Arc;

use nameward_dns::check::CheckOptions;
use nameward_dns::serial::serial_gt;

use crate::Zone;

/// `zone`, read from its file, with the differences of the journal at `path` that follow
/// its serial laid over it. Differences the file already holds (their new serial is not
/// above the file's, as after a flush that the crash cut short before the journal was
/// emptied) are skipped; a journal that does not chain up from the file is an error.
pub fn replay(zone: Zone, path: &Path) -> Result<Zone, String> {
    let contents = journal::read(path)?;
    if contents.torn > 0 {
        tracing::warn!(
            journal = %path.display(),
            octets = contents.torn,
            "the journal's last entry is incomplete (never acknowledged); it is ignored"
        );
    }
    let mut zone = Arc::new(zone);
    let mut replayed = 0usize;
    for diff in contents.diffs {
        let serial = zone.serial().unwrap_or(0);
        if diff.from_serial() == serial {
            let next = diff.apply_to(&zone, &CheckOptions::default()).map_err(|e| {
                format!(
                    "{}: the update to serial {} does not apply: {e}",
                    path.display(),
                    diff.to_serial()
                )
            })?;
            zone = Arc::new(next);
            replayed += 1;
        } else if !serial_gt(diff.to_serial(), serial) {
            continue;
        } else {
            return Err(format!(
                "{}: the journal goes on from serial {} and the zone file is at {serial}: the \
                 file was changed while updates were pending (flush with `nameward ctl flush` \
                 before editing it, or move the journal away to drop them)",
                path.display(),
                diff.from_serial()
            ));
        }
    }
    if replayed > 0 {
        tracing::info!(zone = %zone.origin(), replayed, "updates replayed from the journal");
    }
    Ok(Arc::try_unwrap(zone).unwrap_or_else(|zone| (*zone).clone()))
}

#[cfg(test)]
mod tests;
