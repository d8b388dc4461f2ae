//! The TLD zone as the registry publishes it: apex SOA and NS, one delegation per domain that
//! belongs in the zone (NS, DS), and glue for the name servers that live inside a delegated
//! domain. Pure: the store supplies the delegations, the caller the apex settings and serial.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use nameward_dns::rdata::rfc1035::{A, Ns, Soa};
use nameward_dns::rdata::{Aaaa, Ds};
use nameward_dns::{Class, Name, Record, RecordData};

use crate::model::DsData;
use crate::policy::PolicyError;

/// What the apex of a TLD zone says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZoneApex {
    /// The TLD, without dots (`example`).
    pub tld: String,
    /// The TLD's own name servers (absolute names, without the trailing dot), each with the
    /// addresses published for it when it lies inside the TLD.
    pub nameservers: Vec<ApexNameserver>,
    /// The SOA RNAME, as a mailbox (`hostmaster@nic.example`) or a domain name.
    pub hostmaster: String,
    /// TTL of the apex records and of every delegation.
    pub ttl: u32,
    /// SOA refresh, retry, expire and minimum (the negative-answer TTL of RFC 2308).
    pub refresh: u32,
    /// SOA retry.
    pub retry: u32,
    /// SOA expire.
    pub expire: u32,
    /// SOA minimum.
    pub minimum: u32,
}

impl ZoneApex {
    /// The apex of `tld` served by `nameservers`, with the usual SOA values of a TLD zone:
    /// TTL 3600, refresh 1800, retry 900, expire two weeks, negative answers 900.
    pub fn usual(tld: &str, nameservers: Vec<ApexNameserver>, hostmaster: &str) -> ZoneApex {
        ZoneApex {
            tld: tld.to_owned(),
            nameservers,
            hostmaster: hostmaster.to_owned(),
            ttl: 3600,
            refresh: 1800,
            retry: 900,
            expire: 1_209_600,
            minimum: 900,
        }
    }

    /// Checks that the apex makes a zone secondaries and resolvers can use: at least one name
    /// server, each a valid host name listed once, an address for every one inside the TLD
    /// (its glue: without it the TLD cannot be resolved), a hostmaster that is a mailbox or a
    /// name, and SOA timers that are not zero, with expire longer than refresh plus retry
    /// (RFC 1912 §2.2) and every value within RFC 2181's 2^31 - 1.
    pub fn check(&self) -> Result<(), PolicyError> {
        let invalid = |reason: String| PolicyError { tld: self.tld.clone(), reason };
        if self.nameservers.is_empty() {
            return Err(invalid("the zone needs at least one name server".to_owned()));
        }
        let origin = name("TLD", &self.tld).map_err(|error| invalid(error.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        for server in &self.nameservers {
            let host = crate::lifecycle::names::check_host_name(&server.name)
                .map_err(|refusal| invalid(format!("name server: {refusal}")))?;
            if !seen.insert(host.clone()) {
                return Err(invalid(format!("name server {host} is listed twice")));
            }
            let inside = name("name server", &host)
                .map_err(|error| invalid(error.to_string()))?
                .is_subdomain_of(&origin);
            if inside && server.addrs.is_empty() {
                return Err(invalid(format!(
                    "name server {host} lies inside the TLD and needs an address (its glue)"
                )));
            }
        }
        let timers = [
            ("TTL", self.ttl),
            ("SOA refresh", self.refresh),
            ("SOA retry", self.retry),
            ("SOA expire", self.expire),
            ("SOA minimum", self.minimum),
        ];
        for (what, value) in timers {
            if value == 0 || value > i32::MAX as u32 {
                return Err(invalid(format!("{what} {value} is not within 1 to 2147483647")));
            }
        }
        if u64::from(self.expire) <= u64::from(self.refresh) + u64::from(self.retry) {
            return Err(invalid(format!(
                "SOA expire {} must be longer than refresh {} plus retry {}",
                self.expire, self.refresh, self.retry
            )));
        }
        let mailbox = match self.hostmaster.split_once('@') {
            Some(_) => crate::lifecycle::names::is_email(&self.hostmaster),
            None => crate::lifecycle::names::check_host_name(&self.hostmaster).is_ok(),
        };
        if !mailbox {
            return Err(invalid(format!(
                "hostmaster {:?} is neither a mailbox (hostmaster@nic.{}) nor a domain name",
                self.hostmaster, self.tld
            )));
        }
        apex_records(self, 1).map_err(|error| invalid(error.to_string()))?;
        Ok(())
    }
}

/// One of the TLD's own name servers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApexNameserver {
    /// Its name.
    pub name: String,
    /// Its addresses (published only when the name lies inside the TLD).
    pub addrs: Vec<IpAddr>,
}

/// One delegated domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// The domain.
    pub name: String,
    /// Its name servers.
    pub ns: Vec<String>,
    /// Its DS data.
    pub ds: Vec<DsData>,
}

/// A host inside the TLD with its addresses, a candidate for glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glue {
    /// The host.
    pub name: String,
    /// Its addresses.
    pub addrs: Vec<IpAddr>,
}

/// Why the zone could not be built: a stored name or digest that is not valid DNS data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot publish {what} `{value}`: {why}")]
pub struct PublishError {
    /// What kind of value.
    pub what: &'static str,
    /// The value.
    pub value: String,
    /// Why it is not valid.
    pub why: String,
}

fn name(what: &'static str, text: &str) -> Result<Name, PublishError> {
    Name::parse(text, Some(&Name::root())).map_err(|error| PublishError {
        what,
        value: text.to_owned(),
        why: error.to_string(),
    })
}

fn record(owner: &Name, ttl: u32, data: RecordData) -> Record {
    Record { owner: owner.clone(), class: Class::IN, ttl, data }
}

fn address(owner: &Name, ttl: u32, addr: IpAddr) -> Record {
    let data = match addr {
        IpAddr::V4(address) => RecordData::A(A { address }),
        IpAddr::V6(address) => RecordData::Aaaa(Aaaa { address }),
    };
    record(owner, ttl, data)
}

fn ds(data: &DsData) -> Result<RecordData, PublishError> {
    let digest =
        data_encoding::HEXUPPER_PERMISSIVE.decode(data.digest.as_bytes()).map_err(|e| {
            PublishError { what: "DS digest", value: data.digest.clone(), why: e.to_string() }
        })?;
    Ok(RecordData::Ds(Ds {
        key_tag: data.key_tag,
        algorithm: data.alg,
        digest_type: data.digest_type,
        digest,
    }))
}

/// The delegation of a name on continuity DNS (see [`crate::continuity::dns`]): to the TLD's
/// own apex name servers, which serve the name's escrowed zone, and without DS, as that zone
/// is served unsigned.
pub fn continuity_delegation(apex: &ZoneApex, name: String) -> Delegation {
    let ns = apex.nameservers.iter().map(|server| server.name.clone()).collect();
    Delegation { name, ns, ds: Vec::new() }
}

/// The zone's origin, its SOA and apex NS records, and the addresses of the apex name servers
/// that lie inside the TLD.
fn apex_records(apex: &ZoneApex, serial: u32) -> Result<(Name, Vec<Record>), PublishError> {
    let origin = name("TLD", &apex.tld)?;
    let ttl = apex.ttl;
    let Some(primary) = apex.nameservers.first() else {
        return Err(PublishError {
            what: "TLD",
            value: apex.tld.clone(),
            why: "no apex name servers configured".to_owned(),
        });
    };
    let rname = match apex.hostmaster.split_once('@') {
        Some((local, domain)) => format!("{}.{domain}", local.replace('.', "\\.")),
        None => apex.hostmaster.clone(),
    };
    let soa = Soa {
        mname: name("name server", &primary.name)?,
        rname: name("hostmaster", &rname)?,
        serial,
        refresh: apex.refresh,
        retry: apex.retry,
        expire: apex.expire,
        minimum: apex.minimum,
    };
    let mut records = vec![record(&origin, ttl, RecordData::Soa(soa))];
    for server in &apex.nameservers {
        let nsdname = name("name server", &server.name)?;
        records.push(record(&origin, ttl, RecordData::Ns(Ns { nsdname })));
    }
    for server in &apex.nameservers {
        let owner = name("name server", &server.name)?;
        if owner.is_subdomain_of(&origin) {
            records.extend(server.addrs.iter().map(|addr| address(&owner, ttl, *addr)));
        }
    }
    Ok((origin, records))
}

/// A delegation's owner and the records it publishes there: NS in order, then DS.
pub fn delegation_records(
    delegation: &Delegation,
    ttl: u32,
) -> Result<(Name, Vec<Record>), PublishError> {
    let owner = name("domain", &delegation.name)?;
    let mut records = Vec::with_capacity(delegation.ns.len() + delegation.ds.len());
    for server in &delegation.ns {
        let nsdname = name("name server", server)?;
        records.push(record(&owner, ttl, RecordData::Ns(Ns { nsdname })));
    }
    for data in &delegation.ds {
        records.push(record(&owner, ttl, ds(data)?));
    }
    Ok((owner, records))
}

/// The name servers a delegation's records name.
fn nameservers(records: &[Record]) -> impl Iterator<Item = &Name> {
    records.iter().filter_map(|record| match &record.data {
        RecordData::Ns(ns) => Some(&ns.nsdname),
        _ => None,
    })
}

/// Builds the TLD zone: apex first, then every delegation with its DS, then the glue that some
/// delegation needs (a host under a delegated domain that serves as a name server). Hosts under
/// domains that are not delegated are left out: their addresses would otherwise be published
/// as if the TLD were authoritative for them.
pub fn tld_zone(
    apex: &ZoneApex,
    serial: u32,
    delegations: impl IntoIterator<Item = Delegation>,
    glue: impl IntoIterator<Item = Glue>,
) -> Result<Vec<Record>, PublishError> {
    let (mut assembly, mut records) = ZoneAssembly::new(apex, serial, glue)?;
    for delegation in delegations {
        records.extend(assembly.delegation(&delegation)?);
    }
    records.extend(assembly.finish());
    Ok(records)
}

/// The TLD zone of [`tld_zone`] built piece by piece, so that a whole zone can go from the
/// database to the server a page at a time without ever being held as records: the glue
/// candidates first (hosts with addresses, few), then each delegation, turned into its records
/// at once, then the glue that some delegation turned out to need.
#[derive(Debug)]
pub struct ZoneAssembly {
    ttl: u32,
    /// The glue candidates inside the zone, by owner: their addresses.
    candidates: HashMap<Name, Vec<IpAddr>>,
    /// The candidates and their ancestors: the owners whose delegation puts a candidate at or
    /// below a cut.
    above_candidates: HashSet<Name>,
    /// Those of them delegated so far.
    cuts: HashSet<Name>,
    /// The candidates some delegation so far names as a name server.
    named: HashSet<Name>,
}

impl ZoneAssembly {
    /// Starts the zone of `apex` at `serial` with the glue candidates `glue`; gives the apex
    /// records.
    pub fn new(
        apex: &ZoneApex,
        serial: u32,
        glue: impl IntoIterator<Item = Glue>,
    ) -> Result<(ZoneAssembly, Vec<Record>), PublishError> {
        let (origin, records) = apex_records(apex, serial)?;
        let mut candidates = HashMap::new();
        let mut above_candidates = HashSet::new();
        for host in glue {
            let owner = name("host", &host.name)?;
            if !owner.is_subdomain_of(&origin) {
                continue;
            }
            let mut ancestor = Some(owner.clone());
            while let Some(at) = ancestor.filter(|at| at.is_subdomain_of(&origin)) {
                ancestor = at.parent();
                above_candidates.insert(at);
            }
            candidates.insert(owner, host.addrs);
        }
        let assembly = ZoneAssembly {
            ttl: apex.ttl,
            candidates,
            above_candidates,
            cuts: HashSet::new(),
            named: HashSet::new(),
        };
        Ok((assembly, records))
    }

    /// The records of one delegation.
    pub fn delegation(&mut self, delegation: &Delegation) -> Result<Vec<Record>, PublishError> {
        let (owner, records) = delegation_records(delegation, self.ttl)?;
        for server in nameservers(&records) {
            if self.candidates.contains_key(server) && !self.named.contains(server) {
                self.named.insert(server.clone());
            }
        }
        if self.above_candidates.contains(&owner) {
            self.cuts.insert(owner);
        }
        Ok(records)
    }

    /// The glue: the addresses of every candidate that some delegation names and that lies at
    /// or below a delegated name, in name order.
    pub fn finish(self) -> Vec<Record> {
        let ZoneAssembly { ttl, candidates, cuts, named, .. } = self;
        let glue: BTreeMap<Name, Vec<IpAddr>> = candidates
            .into_iter()
            .filter(|(owner, _)| named.contains(owner) && at_or_below_cut(owner, &cuts))
            .collect();
        glue.into_iter()
            .flat_map(|(owner, addrs)| {
                addrs.into_iter().map(move |addr| address(&owner, ttl, addr)).collect::<Vec<_>>()
            })
            .collect()
    }
}

/// What the registry holds, now, for some owners of a TLD zone: the delegations among them
/// (continuity DNS already applied), the glue candidates among them with whether a delegation
/// that is not on continuity DNS names them, and whether any delegation of the zone is on
/// continuity DNS (it names the apex name servers).
#[derive(Debug, Clone, Default)]
pub struct OwnerFacts {
    /// The delegations among the owners.
    pub delegations: Vec<Delegation>,
    /// Hosts among the owners with addresses, whose superordinate domain is delegated, and
    /// whether a delegation not on continuity DNS names them as name servers.
    pub glue: Vec<(Glue, bool)>,
    /// Whether some delegation of the zone is on continuity DNS.
    pub any_switched: bool,
}

/// The records the TLD zone publishes at each of `owners`, by the rules of [`tld_zone`]
/// (which builds the whole zone), from the facts the registry holds for those owners alone:
/// what incremental publication compares with the zone served. Every owner is in the result,
/// an owner that publishes nothing with no records.
pub fn records_at(
    apex: &ZoneApex,
    owners: &BTreeSet<Name>,
    facts: &OwnerFacts,
) -> Result<BTreeMap<Name, Vec<Record>>, PublishError> {
    // The serial does not matter here: the apex's SOA is not among the owners' records.
    let (origin, apex_rrs) = apex_records(apex, 0)?;
    let ttl = apex.ttl;
    let mut published: BTreeMap<Name, Vec<Record>> =
        owners.iter().map(|owner| (owner.clone(), Vec::new())).collect();
    let mut put = |record: Record| {
        if let Some(rrs) = published.get_mut(&record.owner) {
            rrs.push(record);
        }
    };
    apex_rrs.into_iter().filter(|r| r.owner != origin).for_each(&mut put);
    let apex_servers: BTreeSet<Name> = apex
        .nameservers
        .iter()
        .map(|server| name("name server", &server.name))
        .collect::<Result<_, _>>()?;
    for delegation in &facts.delegations {
        delegation_records(delegation, ttl)?.1.into_iter().for_each(&mut put);
    }
    for (host, named) in &facts.glue {
        let owner = name("host", &host.name)?;
        let named = *named || (facts.any_switched && apex_servers.contains(&owner));
        if named && owner.is_subdomain_of(&origin) {
            host.addrs.iter().map(|addr| address(&owner, ttl, *addr)).for_each(&mut put);
        }
    }
    Ok(published)
}

/// The name servers that the records of a delegation name inside the zone at `origin`: the
/// owners whose glue a change of that delegation can add or remove.
pub fn glue_owners<'r>(origin: &'r Name, records: &'r [Record]) -> impl Iterator<Item = &'r Name> {
    nameservers(records).filter(move |ns| ns.is_subdomain_of(origin) && *ns != origin)
}

/// Whether `owner` is a delegated domain or lies below one.
fn at_or_below_cut(owner: &Name, delegated: &HashSet<Name>) -> bool {
    let mut current = Some(owner.clone());
    while let Some(name) = current {
        if delegated.contains(&name) {
            return true;
        }
        current = name.parent();
    }
    false
}

/// The zone as master-file text, one record per line.
pub fn zone_text(records: &[Record]) -> String {
    let mut text = String::new();
    for record in records {
        text.push_str(&record.to_string());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nameward_dns::check::{CheckOptions, check_zone};
    use nameward_dns::store::ZoneBuilder;
    use nameward_dns::zone::Source;

    use super::*;

    fn apex() -> ZoneApex {
        ZoneApex {
            tld: "example".to_owned(),
            nameservers: vec![
                ApexNameserver {
                    name: "ns1.nic.example".to_owned(),
                    addrs: vec!["192.0.2.53".parse().unwrap(), "2001:db8::53".parse().unwrap()],
                },
                ApexNameserver { name: "ns.registry.test".to_owned(), addrs: vec![] },
            ],
            hostmaster: "hostmaster@nic.example".to_owned(),
            ttl: 3600,
            refresh: 1800,
            retry: 900,
            expire: 604_800,
            minimum: 900,
        }
    }

    fn delegation(name: &str, ns: &[&str]) -> Delegation {
        Delegation {
            name: name.to_owned(),
            ns: ns.iter().map(|s| (*s).to_owned()).collect(),
            ds: vec![],
        }
    }

    fn glue(name: &str, addr: &str) -> Glue {
        Glue { name: name.to_owned(), addrs: vec![addr.parse().unwrap()] }
    }

    fn lines(records: &[Record]) -> Vec<String> {
        records.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn apex_check_refuses_what_cannot_be_served() {
        assert_eq!(apex().check(), Ok(()));
        let refused = |change: &dyn Fn(&mut ZoneApex), expect: &str| {
            let mut bad = apex();
            change(&mut bad);
            let error = bad.check().unwrap_err().to_string();
            assert!(error.contains(expect), "{error} lacks {expect}");
        };
        refused(&|apex| apex.nameservers.clear(), "at least one");
        refused(&|apex| apex.nameservers[0].addrs.clear(), "needs an address");
        refused(&|apex| apex.nameservers[1].name = "ns1.NIC.example".to_owned(), "twice");
        refused(&|apex| apex.nameservers[1].name = "bad_name.test".to_owned(), "name server");
        refused(&|apex| apex.retry = 0, "SOA retry 0");
        refused(&|apex| apex.expire = 2000, "longer than refresh");
        refused(&|apex| apex.ttl = u32::MAX, "TTL");
        refused(&|apex| apex.hostmaster = "a@@b".to_owned(), "hostmaster");
    }

    #[test]
    fn apex_delegations_ds_and_only_needed_glue() {
        let mut signed = delegation("signed.example", &["ns.elsewhere.test"]);
        signed.ds.push(DsData {
            key_tag: 12345,
            alg: 13,
            digest_type: 2,
            digest: "2BB183AF5F22588179A53B0A98631FAD1A292118E0A1E2C6AE1E1AE1E1A2B3C4".to_owned(),
        });
        let records = tld_zone(
            &apex(),
            7,
            [
                delegation("a.example", &["ns1.a.example", "ns1.b.example"]),
                delegation("b.example", &["ns1.b.example"]),
                signed,
            ],
            [
                glue("ns1.a.example", "192.0.2.1"),
                glue("ns1.b.example", "2001:db8::2"),
                // Under a domain that is not delegated (on hold): never published.
                glue("ns1.held.example", "192.0.2.9"),
                // Under a delegated domain but no delegation uses it: not needed.
                glue("spare.a.example", "192.0.2.3"),
            ],
        )
        .unwrap();
        let text = lines(&records);
        assert_eq!(
            text,
            [
                "example. 3600 IN SOA ns1.nic.example. hostmaster.nic.example. 7 1800 900 604800 900",
                "example. 3600 IN NS ns1.nic.example.",
                "example. 3600 IN NS ns.registry.test.",
                "ns1.nic.example. 3600 IN A 192.0.2.53",
                "ns1.nic.example. 3600 IN AAAA 2001:db8::53",
                "a.example. 3600 IN NS ns1.a.example.",
                "a.example. 3600 IN NS ns1.b.example.",
                "b.example. 3600 IN NS ns1.b.example.",
                "signed.example. 3600 IN NS ns.elsewhere.test.",
                "signed.example. 3600 IN DS 12345 13 2 2bb183af5f22588179a53b0a98631fad1a292118e0a1e2c6ae1e1ae1e1a2b3c4",
                "ns1.a.example. 3600 IN A 192.0.2.1",
                "ns1.b.example. 3600 IN AAAA 2001:db8::2",
            ]
        );
    }

    #[test]
    fn published_zone_passes_the_zone_checks() {
        let records = tld_zone(
            &apex(),
            2026112101,
            [delegation("a.example", &["ns1.a.example"]), delegation("c.example", &["ns.c.test"])],
            [glue("ns1.a.example", "192.0.2.1")],
        )
        .unwrap();
        let origin = Name::parse("example.", None).unwrap();
        let mut builder = ZoneBuilder::new(&origin);
        let source = Source { file: Arc::from("published"), line: 1 };
        for record in &records {
            builder.push(record, &source).unwrap();
        }
        let store = builder.finish();
        let diagnostics = check_zone(&origin, &store, &CheckOptions::default());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn bad_stored_data_is_an_error_naming_the_value() {
        let mut bad = delegation("a.example", &["ns1.a.example"]);
        bad.ds.push(DsData { key_tag: 1, alg: 8, digest_type: 2, digest: "XYZ".to_owned() });
        let error = tld_zone(&apex(), 1, [bad], []).unwrap_err();
        assert_eq!(error.what, "DS digest");
        assert_eq!(error.value, "XYZ");
        let mut no_servers = apex();
        no_servers.nameservers.clear();
        assert!(tld_zone(&no_servers, 1, [], []).unwrap_err().to_string().contains("no apex"));
    }

    #[test]
    fn zone_text_is_one_record_per_line() {
        let records = tld_zone(&apex(), 1, [], []).unwrap();
        assert_eq!(zone_text(&records).lines().count(), records.len());
    }
}
