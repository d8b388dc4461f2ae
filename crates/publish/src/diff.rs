//! From the records a change left at some owners to the difference of the served zone. Pure.

use std::collections::{BTreeMap, BTreeSet};

use nameward_dns::rdata::RecordData;
use nameward_dns::{Name, Record, Rtype};
use nameward_server::Zone;
use nameward_server::transfer::Diff;

/// The owners of `zone` that a change at `touched` names can alter besides those names: every
/// owner at or below them, and the name servers inside the zone that the delegations there
/// name (their glue may go). What [`nameward_registry::service::Registry::zone_delta`] cannot
/// know from the database, which holds only the version after the change.
pub fn served_owners(zone: &Zone, touched: &BTreeSet<Name>) -> BTreeSet<Name> {
    let origin = zone.origin();
    let mut owners = BTreeSet::new();
    for name in touched {
        for record in zone.subtree(name) {
            if let RecordData::Ns(ns) = &record.data
                && &record.owner == name
                && ns.nsdname.is_subdomain_of(origin)
            {
                owners.insert(ns.nsdname.clone());
            }
            owners.insert(record.owner);
        }
    }
    owners
}

/// The difference that takes `zone` to `serial` when `owners` hold the records given and every
/// other owner keeps its own: for each owner, the served records it no longer has and the
/// records it gains. The SOA is the difference's two ends, with every field but the serial
/// kept (an apex change is published whole); an SOA among the records given (the apex a
/// signed change re-signs) is that one, so it is left out of both lists. `None` when the zone
/// has no SOA.
pub fn difference(zone: &Zone, serial: u32, owners: &BTreeMap<Name, Vec<Record>>) -> Option<Diff> {
    let from = zone.soa()?;
    let mut to = from.clone();
    if let RecordData::Soa(soa) = &mut to.data {
        soa.serial = serial;
    }
    let mut deleted = Vec::new();
    let mut added = Vec::new();
    for (owner, now) in owners {
        let before = zone.records_at(owner);
        let soa = |r: &&Record| r.rtype() == Rtype::SOA;
        deleted.extend(before.iter().filter(|r| !soa(r) && !now.contains(r)).cloned());
        added.extend(now.iter().filter(|r| !soa(r) && !before.contains(r)).cloned());
    }
    Some(Diff { from, to, deleted, added })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    fn zone() -> Zone {
        let text = "@ 3600 IN SOA ns1.nic hostmaster.nic 7 1800 900 604800 900\n\
                    @ 3600 IN NS ns1.nic\n\
                    ns1.nic 3600 IN A 192.0.2.53\n\
                    a 3600 IN NS ns1.a\n\
                    a 3600 IN NS ns1.b\n\
                    ns1.a 3600 IN A 192.0.2.1\n\
                    b 3600 IN NS ns1.b\n\
                    ns1.b 3600 IN A 192.0.2.2\n\
                    c 3600 IN NS ns.elsewhere.test.\n";
        Zone::from_text(&name("example."), "test", text).unwrap()
    }

    fn ns(owner: &str, target: &str) -> Record {
        let nsdname = name(target);
        let data = RecordData::Ns(nameward_dns::rdata::rfc1035::Ns { nsdname });
        Record { owner: name(owner), class: nameward_dns::Class::IN, ttl: 3600, data }
    }

    #[test]
    fn served_owners_are_the_subtree_and_the_name_servers_it_names() {
        let touched = BTreeSet::from([name("a.example."), name("c.example."), name("d.example.")]);
        let owners: Vec<String> =
            served_owners(&zone(), &touched).iter().map(ToString::to_string).collect();
        assert_eq!(owners, ["a.example.", "ns1.a.example.", "ns1.b.example.", "c.example."]);
    }

    #[test]
    fn difference_per_owner_and_a_new_serial() {
        let zone = std::sync::Arc::new(zone());
        let owners = BTreeMap::from([
            // a loses ns1.b; b goes; d comes.
            (name("a.example."), vec![ns("a.example.", "ns1.a.example.")]),
            (name("b.example."), vec![]),
            (name("d.example."), vec![ns("d.example.", "ns.elsewhere.test.")]),
        ]);
        let diff = difference(&zone, 8, &owners).unwrap();
        let text = |records: &[Record]| records.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(diff.from_serial(), 7);
        assert_eq!(diff.to_serial(), 8);
        assert_eq!(
            text(&diff.deleted),
            ["a.example. 3600 IN NS ns1.b.example.", "b.example. 3600 IN NS ns1.b.example."]
        );
        assert_eq!(text(&diff.added), ["d.example. 3600 IN NS ns.elsewhere.test."]);
        let checks = nameward_dns::check::CheckOptions::default();
        let next = diff.apply_to(&zone, &checks).unwrap();
        assert_eq!(next.serial(), Some(8));
        // Owners the change does not name keep their records.
        assert_eq!(next.subtree(&name("b.example.")).len(), 1);
        // The same difference does not apply twice.
        assert!(diff.apply_to(&std::sync::Arc::new(next), &checks).is_err());
    }
}
