//! EPP statuses in RDAP's words (RFC 8056 §2): `ok` is `active`, `linked` is `associated`,
//! and every other EPP status is its camelCase name split into lower-case words
//! (`clientTransferProhibited` → `client transfer prohibited`), all of them values of the
//! IANA RDAP JSON Values registry.

use nameward_registry::model::{Domain, Host};
use time::OffsetDateTime;

/// The RDAP status for the EPP status `epp`.
pub fn rdap_status(epp: &str) -> String {
    match epp {
        "ok" => "active".to_owned(),
        "linked" => "associated".to_owned(),
        _ => {
            let mut words = String::with_capacity(epp.len() + 4);
            for ch in epp.chars() {
                if ch.is_ascii_uppercase() {
                    words.push(' ');
                    words.push(ch.to_ascii_lowercase());
                } else {
                    words.push(ch);
                }
            }
            words
        }
    }
}

/// A domain's RDAP statuses at `now`: its EPP statuses and RFC 3915 grace and redemption
/// statuses, mapped, each once, in that order.
pub fn domain_statuses(domain: &Domain, now: OffsetDateTime) -> Vec<String> {
    let epp = domain.epp_statuses();
    let rgp = domain.rgp_statuses(now);
    let mut statuses: Vec<String> = Vec::with_capacity(epp.len() + rgp.len());
    for status in epp.into_iter().chain(rgp.iter().map(|status| status.as_str())) {
        let status = rdap_status(status);
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    statuses
}

/// A host's RDAP statuses: its set statuses, `associated` when a domain delegates to it,
/// `active` when it has neither.
pub fn host_statuses(host: &Host, linked: bool) -> Vec<String> {
    let mut statuses: Vec<String> = host
        .statuses
        .iter()
        .filter_map(|status| serde_json::to_value(status).ok())
        .filter_map(|value| value.as_str().map(rdap_status))
        .collect();
    if linked {
        statuses.push("associated".to_owned());
    }
    if statuses.is_empty() {
        statuses.push("active".to_owned());
    }
    statuses
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epp_names_map_as_rfc_8056_lists_them() {
        let table = [
            ("ok", "active"),
            ("linked", "associated"),
            ("inactive", "inactive"),
            ("clientHold", "client hold"),
            ("serverHold", "server hold"),
            ("clientDeleteProhibited", "client delete prohibited"),
            ("serverTransferProhibited", "server transfer prohibited"),
            ("clientRenewProhibited", "client renew prohibited"),
            ("serverUpdateProhibited", "server update prohibited"),
            ("pendingCreate", "pending create"),
            ("pendingDelete", "pending delete"),
            ("pendingRenew", "pending renew"),
            ("pendingRestore", "pending restore"),
            ("pendingTransfer", "pending transfer"),
            ("pendingUpdate", "pending update"),
            ("addPeriod", "add period"),
            ("autoRenewPeriod", "auto renew period"),
            ("renewPeriod", "renew period"),
            ("transferPeriod", "transfer period"),
            ("redemptionPeriod", "redemption period"),
        ];
        for (epp, rdap) in table {
            assert_eq!(rdap_status(epp), rdap, "{epp}");
        }
    }
}
