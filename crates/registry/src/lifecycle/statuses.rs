//! The status rules every object's `<update>` shares (RFC 5731 §2.3, RFC 5732 §2.3, RFC 5733
//! §2.2): who may update at all, and how statuses are added and removed.

use std::collections::BTreeSet;

use super::{Ctx, Refusal, refuse};
use crate::model::{ContactStatus, DomainStatus, HostStatus};

/// A status an `<update>` can add or remove.
pub(crate) trait UpdateStatus: Copy + Ord {
    /// `serverUpdateProhibited`.
    const SERVER_UPDATE_PROHIBITED: Self;
    /// `clientUpdateProhibited`.
    const CLIENT_UPDATE_PROHIBITED: Self;
    /// Its EPP name.
    fn name(self) -> &'static str;
    /// Whether only the registry may set or clear it.
    fn is_server(self) -> bool {
        self.name().starts_with("server")
    }
}

/// Refuses (2304) an update a status forbids: `serverUpdateProhibited` any registrar's,
/// `clientUpdateProhibited` all but one that removes it and changes nothing but statuses.
/// The registry operator is never stopped.
pub(crate) fn may_update<S: UpdateStatus>(
    ctx: &Ctx<'_>,
    object: &str,
    statuses: &BTreeSet<S>,
    removing: &[S],
    only_statuses: bool,
) -> Result<(), Refusal> {
    if ctx.is_operator() {
        return Ok(());
    }
    if statuses.contains(&S::SERVER_UPDATE_PROHIBITED) {
        return Err(refuse::status(object, "status serverUpdateProhibited forbids update".into()));
    }
    if statuses.contains(&S::CLIENT_UPDATE_PROHIBITED)
        && !(removing.contains(&S::CLIENT_UPDATE_PROHIBITED) && only_statuses)
    {
        return Err(refuse::status(
            object,
            "status clientUpdateProhibited forbids update other than removing it".to_owned(),
        ));
    }
    Ok(())
}

/// Removes `remove` from `statuses`, then adds `add`. Refuses (2306) a `server*` status from
/// a registrar, a status removed that is not set and one added that is.
pub(crate) fn change<S: UpdateStatus>(
    ctx: &Ctx<'_>,
    object: &str,
    statuses: &mut BTreeSet<S>,
    add: &[S],
    remove: &[S],
) -> Result<(), Refusal> {
    if let Some(status) =
        add.iter().chain(remove).find(|status| status.is_server() && !ctx.is_operator())
    {
        let reason = format!("status {} is set by the registry only", status.name());
        return Err(refuse::policy(object, reason));
    }
    for status in remove {
        if !statuses.remove(status) {
            return Err(refuse::policy(object, format!("status {} is not set", status.name())));
        }
    }
    for status in add {
        if !statuses.insert(*status) {
            let reason = format!("status {} is already set", status.name());
            return Err(refuse::policy(object, reason));
        }
    }
    Ok(())
}

impl UpdateStatus for DomainStatus {
    const SERVER_UPDATE_PROHIBITED: Self = DomainStatus::ServerUpdateProhibited;
    const CLIENT_UPDATE_PROHIBITED: Self = DomainStatus::ClientUpdateProhibited;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl UpdateStatus for HostStatus {
    const SERVER_UPDATE_PROHIBITED: Self = HostStatus::ServerUpdateProhibited;
    const CLIENT_UPDATE_PROHIBITED: Self = HostStatus::ClientUpdateProhibited;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl UpdateStatus for ContactStatus {
    const SERVER_UPDATE_PROHIBITED: Self = ContactStatus::ServerUpdateProhibited;
    const CLIENT_UPDATE_PROHIBITED: Self = ContactStatus::ClientUpdateProhibited;
    fn name(self) -> &'static str {
        self.as_str()
    }
}
