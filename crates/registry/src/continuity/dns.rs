//! Continuity DNS: when a failed registrar also hosted a name's DNS, its customers' sites go
//! dark with it (Net4India, 2020). The registry can switch such a name to its own name servers,
//! which then serve the zone the registrar hosted, as its escrow holds it.
//!
//! The switch is a registry-level override, never an edit of the domain: the domain keeps its
//! NS and DS as the registrar left them, and while the override lasts the TLD zone delegates
//! the name to the TLD's own apex name servers, without DS (the escrowed zone is served
//! unsigned: the registry holds no key of it, and a DS left in place would make validating
//! resolvers reject every answer). Served, the zone's apex NS names the registry's servers, so
//! that the child agrees with the delegation; its DNSSEC records are left out.
//!
//! The override ends when the name's NS change (the only registrar that can change them is a
//! new sponsor, after a desk or bulk transfer: the failed one cannot log in) or when the name
//! is purged. It does not end when the name merely changes hands: the gaining registrar may
//! not host the zone yet, and the site should stay up until it points the name elsewhere.

use std::sync::Arc;

use nameward_dns::check::{CheckOptions, Severity, check_zone};
use nameward_dns::rdata::rfc1035::Ns;
use nameward_dns::store::ZoneBuilder;
use nameward_dns::zone::{Entry, NoIncludes, ReaderOptions, Source, ZoneReader};
use nameward_dns::{Class, Name, Record, RecordData, Rtype};

use crate::lifecycle::Refusal;
use crate::model::{Domain, Registrar, RegistrarState};

/// The history action of a switch.
pub const SWITCH: &str = "continuity_dns_switch";
/// The history action of an override's end.
pub const END: &str = "continuity_dns_end";

/// Record types left out of a served zone: its signatures and keys are the old operator's,
/// and the records were rewritten, so they could only be wrong.
const DNSSEC_TYPES: [Rtype; 8] = [
    Rtype::RRSIG,
    Rtype::NSEC,
    Rtype::DNSKEY,
    Rtype::NSEC3,
    Rtype::NSEC3PARAM,
    Rtype::CDS,
    Rtype::CDNSKEY,
    Rtype::ZONEMD,
];

/// Checks that `domain` may be switched: its sponsor (`sponsor`, as the store found it) is
/// FAILED or TERMINATED, and the name is in the zone (not on hold, not being deleted, with
/// name servers): a name the TLD does not delegate has no delegation to switch.
pub fn may_switch(domain: &Domain, sponsor: Option<&Registrar>) -> Result<(), Refusal> {
    let object = format!("domain {}", domain.name);
    let state = sponsor.map(|registrar| registrar.state);
    if !matches!(state, Some(RegistrarState::Failed | RegistrarState::Terminated)) {
        return Err(Refusal::StatusProhibits {
            object,
            reason: format!(
                "its registrar {} is {}; continuity DNS is only for names of a FAILED or \
                 TERMINATED registrar",
                domain.sponsor,
                state.map_or("unknown", RegistrarState::as_str)
            ),
        });
    }
    if !domain.in_zone() {
        let why = if domain.deletion.is_some() {
            "is being deleted"
        } else if domain.on_hold() {
            "is on hold"
        } else {
            "has no name servers"
        };
        return Err(Refusal::StatusProhibits {
            object,
            reason: format!("it {why}, so the TLD zone does not delegate it"),
        });
    }
    Ok(())
}

/// Why a switched name's override ends with this change of the domain by `actor`, if it
/// does: the domain was purged, or its name servers changed.
pub fn ends(before: &Domain, after: Option<&Domain>, actor: &str) -> Option<String> {
    match after {
        None => Some("the domain was deleted".to_owned()),
        Some(after) if after.ns != before.ns => Some(format!("{actor} changed the name servers")),
        Some(_) => None,
    }
}

/// The zone the registry serves for `domain` from the escrowed zone file `text`: read with the
/// zone reader (no `$INCLUDE`), every record inside the zone, DNSSEC records left out, the
/// apex NS replaced by `nameservers` (the TLD's own, absolute names without the final dot),
/// and the result passing the zone checks the DNS server applies before serving. Refused with
/// the file and line of the first problem.
pub fn served_zone(
    domain: &str,
    text: &str,
    nameservers: &[String],
) -> Result<Vec<Entry>, Refusal> {
    let file = format!("escrowed zone {domain}");
    let refuse = |reason: String| Refusal::ParameterPolicy {
        object: format!("domain {domain}"),
        reason: format!("its escrowed zone cannot be served: {reason}"),
    };
    let origin = Name::parse(domain, Some(&Name::root()))
        .map_err(|error| refuse(format!("{domain} is not a DNS name: {error}")))?;
    if nameservers.is_empty() {
        return Err(refuse("the TLD has no apex name servers to serve it from".to_owned()));
    }
    let reader = ZoneReader::new(
        text.as_bytes(),
        &file,
        Some(origin.clone()),
        ReaderOptions::default(),
        &NoIncludes,
    );
    let mut entries = Vec::new();
    let mut ns_ttl = None;
    let mut soa_ttl = None;
    for entry in reader {
        let entry = entry.map_err(|error| refuse(error.to_string()))?;
        let record = &entry.record;
        if !record.owner.is_subdomain_of(&origin) {
            return Err(refuse(format!(
                "{}: {} lies outside the zone {domain}",
                entry.source, record.owner
            )));
        }
        let rtype = record.rtype();
        if DNSSEC_TYPES.contains(&rtype) {
            continue;
        }
        if record.owner == origin && rtype == Rtype::NS {
            ns_ttl.get_or_insert(record.ttl);
            continue;
        }
        if record.owner == origin && rtype == Rtype::SOA {
            soa_ttl.get_or_insert(record.ttl);
        }
        entries.push(entry);
    }
    let ttl = ns_ttl.or(soa_ttl).unwrap_or(3600);
    let source = Source { file: Arc::from("registry name servers"), line: 1 };
    for server in nameservers {
        let nsdname = Name::parse(server, Some(&Name::root()))
            .map_err(|error| refuse(format!("apex name server {server}: {error}")))?;
        let record = Record {
            owner: origin.clone(),
            class: Class::IN,
            ttl,
            data: RecordData::Ns(Ns { nsdname }),
        };
        entries.push(Entry { record, source: source.clone() });
    }
    let mut builder = ZoneBuilder::new(&origin);
    for entry in &entries {
        builder.push_entry(entry).map_err(|error| refuse(format!("{}: {error}", entry.source)))?;
    }
    let store = builder.finish();
    if let Some(error) = check_zone(&origin, &store, &CheckOptions::default())
        .into_iter()
        .find(|diagnostic| diagnostic.severity == Severity::Error)
    {
        return Err(refuse(error.to_string()));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const ZONE: &str = "$TTL 300\n\
        @ IN SOA ns1.oldhost.test. admin.shop.example. 7 3600 600 86400 300\n\
        @ IN NS ns1.oldhost.test.\n\
        @ IN NS ns2.oldhost.test.\n\
        @ IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n\
        www IN A 192.0.2.80\n";

    fn servers() -> Vec<String> {
        vec!["ns1.nic.example".to_owned(), "ns2.nic.example".to_owned()]
    }

    #[test]
    fn the_served_zone_names_the_registry_servers_and_drops_dnssec() {
        let entries = served_zone("shop.example", ZONE, &servers()).unwrap();
        let lines: Vec<String> = entries.iter().map(|entry| entry.record.to_string()).collect();
        assert_eq!(
            lines,
            [
                "shop.example. 300 IN SOA ns1.oldhost.test. admin.shop.example. 7 3600 600 86400 300",
                "www.shop.example. 300 IN A 192.0.2.80",
                "shop.example. 300 IN NS ns1.nic.example.",
                "shop.example. 300 IN NS ns2.nic.example.",
            ]
        );
        // The line of each escrowed record is kept for the server's messages.
        assert_eq!(entries.first().unwrap().source.line, 2);
    }

    #[test]
    fn a_zone_that_cannot_be_served_is_refused_with_its_line() {
        let broken = "$TTL 300\n@ IN SOA ns1 admin 1 2 3 4 5\nwww IN A 300.1.1.1\n";
        let error = served_zone("shop.example", broken, &servers()).unwrap_err().to_string();
        assert!(error.contains("escrowed zone shop.example:3"), "{error}");
        let no_soa = "$TTL 300\nwww IN A 192.0.2.1\n";
        let error = served_zone("shop.example", no_soa, &servers()).unwrap_err().to_string();
        assert!(error.contains("SOA"), "{error}");
        let outside = "$TTL 300\nelsewhere.example. IN A 192.0.2.1\n";
        let error = served_zone("shop.example", outside, &servers()).unwrap_err().to_string();
        assert!(error.contains("outside the zone"), "{error}");
        assert!(served_zone("shop.example", ZONE, &[]).is_err());
    }
}
