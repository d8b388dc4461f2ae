//! Names held through resellers. The registry learns a name's reseller only from its
//! registrar's escrow, which names each domain's reseller (directly, or through the customer
//! it belongs to): with Net4India, names held through resellers were the ones a bulk transfer
//! left behind, so the registry must know them to count them, claim for them and move them.
//! A deposit is the registrar's own record, so the latest one decides: a name it links to a
//! reseller is linked, one it shows held directly is unlinked.

use time::OffsetDateTime;

use crate::lifecycle::{Decision, OPERATOR};
use crate::model::Domain;

/// The history action of a reseller link (or unlink) from escrow.
pub const ACTION: &str = "reseller_link";

/// `domain` linked to `reseller` (`None`: held directly) as escrow deposit `deposit_id` says;
/// `None` when the registry already agrees.
pub fn link(
    domain: &Domain,
    reseller: Option<&str>,
    deposit_id: &str,
    now: OffsetDateTime,
) -> Option<Decision<Domain>> {
    if domain.reseller.as_deref() == reseller {
        return None;
    }
    let mut linked = domain.clone();
    linked.reseller = reseller.map(str::to_owned);
    linked.stamps.touch(OPERATOR, now);
    let mut decision = Decision::new(linked, ACTION);
    decision.note = Some(match reseller {
        Some(reseller) => format!("held through reseller {reseller}, says escrow {deposit_id}"),
        None => format!("held directly, says escrow {deposit_id}"),
    });
    Some(decision)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeSet;

    use time::macros::datetime;

    use super::*;
    use crate::model::Stamps;

    #[test]
    fn the_escrow_decides_the_reseller() {
        let now = datetime!(2026-06-01 0:00 UTC);
        let domain = Domain {
            name: "shop.example".to_owned(),
            roid: "D1-EXAMPLE".to_owned(),
            sponsor: "alpha".to_owned(),
            reseller: None,
            registrant: None,
            contacts: Vec::new(),
            ns: Vec::new(),
            ds: Vec::new(),
            max_sig_life: None,
            statuses: BTreeSet::new(),
            stamps: Stamps::new("alpha", now),
            expires_at: now,
            transferred_at: None,
            auth: None,
            grace: Vec::new(),
            deletion: None,
            transfer: None,
        };
        let linked = link(&domain, Some("res1"), "full-1", now).unwrap();
        assert_eq!(linked.state.reseller.as_deref(), Some("res1"));
        assert_eq!(linked.action, ACTION);
        assert!(linked.note.unwrap().contains("res1"));
        assert!(link(&linked.state, Some("res1"), "full-2", now).is_none());
        let unlinked = link(&linked.state, None, "full-2", now).unwrap();
        assert_eq!(unlinked.state.reseller, None);
        assert!(link(&domain, None, "full-1", now).is_none());
    }
}
