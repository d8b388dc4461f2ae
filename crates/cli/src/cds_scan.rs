//! The registry as the parent of its TLDs' names: `nameward up` reads each secure child's
//! CDS and CDNSKEY (RFC 7344, RFC 8078) from every one of its name servers and, when
//! [`check_cds`] takes them, replaces the name's DS set in the registry, which publishes it.
//! Refusals (unsigned, signed by a key the DS set does not name, servers that disagree, a DS
//! set that would break the chain) are logged and change nothing. Only secure children are
//! read: bootstrapping an unsigned one is not done.
//!
//! The children are those of the zone the DNS server serves (a delegation with DS); their
//! name servers' addresses come from its glue, or from the system's resolver for names
//! outside the TLD.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use nameward_client::Client;
use nameward_dns::dnssec::validate::cds::{CdsDecision, ChildAnswers, check_cds};
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::rfc4034::Ds;
use nameward_dns::{Class, Message, Name, Question, Rtype};
use nameward_registry::model::DsData;
use nameward_registry::service::Registry;
use nameward_server::{Shared, Zone};

/// One secure delegation of a TLD zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureChild {
    /// The delegated name.
    pub name: Name,
    /// The DS set the TLD zone serves for it.
    pub ds: Vec<Ds>,
    /// Its name servers, with the addresses the zone's glue gives them (none for names
    /// outside the zone).
    pub servers: Vec<(Name, Vec<std::net::IpAddr>)>,
}

/// The secure delegations of `zone`, in name order.
pub fn secure_children(zone: &Zone) -> Vec<SecureChild> {
    let origin = zone.origin().clone();
    let mut ds: BTreeMap<Name, Vec<Ds>> = BTreeMap::new();
    let mut ns: BTreeMap<Name, Vec<Name>> = BTreeMap::new();
    for record in zone.records().filter(|r| r.owner != origin) {
        match record.data {
            RecordData::Ds(d) => ds.entry(record.owner).or_default().push(d),
            RecordData::Ns(n) => ns.entry(record.owner).or_default().push(n.nsdname),
            _ => {}
        }
    }
    ds.into_iter()
        .filter_map(|(name, ds)| {
            let servers = ns.remove(&name)?;
            let servers = servers
                .into_iter()
                .map(|server| {
                    let glue = if server.is_subdomain_of(&origin) {
                        zone.records_at(&server)
                            .into_iter()
                            .filter_map(|r| match r.data {
                                RecordData::A(a) => Some(std::net::IpAddr::V4(a.address)),
                                RecordData::Aaaa(a) => Some(std::net::IpAddr::V6(a.address)),
                                _ => None,
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    (server, glue)
                })
                .collect();
            Some(SecureChild { name, ds, servers })
        })
        .collect()
}

/// Reads the children's CDS for the TLDs `up` serves.
#[derive(Clone)]
pub struct CdsScan {
    /// The registry the DS sets are changed in.
    pub registry: Arc<Registry>,
    /// The DNS server whose TLD zones name the children.
    pub dns: Arc<Shared>,
    /// The TLDs.
    pub tlds: Vec<String>,
    /// The port the children's name servers answer on (53; another only for tests).
    pub port: u16,
}

impl CdsScan {
    /// Scans every `every`, the first time at once.
    pub async fn run(self, every: Duration) {
        loop {
            self.scan().await;
            tokio::time::sleep(every).await;
        }
    }

    /// One scan of every TLD's secure children.
    pub async fn scan(&self) {
        for tld in &self.tlds {
            let Ok(origin) = Name::parse(&format!("{tld}."), None) else { continue };
            let Some(zone) = self.dns.zones.load().get(&origin).cloned() else { continue };
            let children = tokio::task::spawn_blocking(move || secure_children(&zone)).await;
            for child in children.unwrap_or_default() {
                self.scan_child(child).await;
            }
        }
    }

    async fn scan_child(&self, child: SecureChild) {
        let (child_name, name) = (child.name.clone(), child.name.to_string());
        let port = self.port;
        let current = child.ds.clone();
        let asked = tokio::task::spawn_blocking(move || ask_child(&child, port)).await;
        let answers = match asked {
            Ok(Ok(answers)) => answers,
            Ok(Err(error)) => {
                tracing::debug!(child = name, "CDS scan: {error}");
                return;
            }
            Err(_) => return,
        };
        let now = crate::commands::dnssec::clock();
        let ds = match check_cds(&child_name, &current, &answers, now) {
            Ok(CdsDecision::Unchanged) => return,
            Ok(CdsDecision::Replace(ds)) => ds,
            Ok(CdsDecision::Remove) => Vec::new(),
            Err(refusal) => {
                tracing::warn!(child = name, "CDS refused: {refusal}");
                return;
            }
        };
        let data: Vec<DsData> = ds.iter().map(ds_data).collect();
        let domain = name.trim_end_matches('.');
        let now = time::OffsetDateTime::now_utc();
        match self.registry.ds_from_child(domain, data, now).await {
            Ok(done) => tracing::info!(
                child = name,
                records = ds.len(),
                sv_trid = done.sv_trid,
                "DS set changed as the child's CDS asked"
            ),
            Err(error) => tracing::warn!(child = name, "CDS accepted but not applied: {error}"),
        }
    }
}

/// A DS record as the registry keeps it.
fn ds_data(ds: &Ds) -> DsData {
    let digest: String = ds.digest.iter().map(|b| format!("{b:02X}")).collect();
    DsData { key_tag: ds.key_tag, alg: ds.algorithm, digest_type: ds.digest_type, digest }
}

/// Each of `child`'s name servers' DNSKEY, CDS and CDNSKEY responses; an error when one
/// cannot be found or asked (every server must be heard before anything changes).
fn ask_child(child: &SecureChild, port: u16) -> Result<Vec<ChildAnswers>, String> {
    let mut answers = Vec::new();
    for (server, glue) in &child.servers {
        let addresses: Vec<SocketAddr> = if glue.is_empty() {
            let host = server.to_string();
            let host = host.trim_end_matches('.');
            (host, port)
                .to_socket_addrs()
                .map_err(|e| format!("cannot find the address of {server}: {e}"))?
                .collect()
        } else {
            glue.iter().map(|ip| SocketAddr::new(*ip, port)).collect()
        };
        for address in addresses {
            let client = Client {
                timeout: Duration::from_secs(2),
                retries: 1,
                dnssec_ok: true,
                ..Client::new(address)
            };
            let ask = |rtype| -> Result<Message, String> {
                let question =
                    Question { name: child.name.clone(), qtype: rtype, qclass: Class::IN };
                client.exchange(&question).map_err(|e| format!("{server} ({address}): {e}"))
            };
            answers.push(ChildAnswers {
                dnskey: ask(Rtype::DNSKEY)?,
                cds: ask(Rtype::CDS)?,
                cdnskey: ask(Rtype::CDNSKEY)?,
            });
        }
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn secure_children_are_the_delegations_with_ds_and_their_glue() {
        let text = "@ 3600 IN SOA ns1.nic hostmaster.nic 1 1800 900 1209600 900\n\
                    @ 3600 IN NS ns1.nic\nns1.nic 3600 IN A 192.0.2.53\n\
                    plain 3600 IN NS ns.elsewhere.test.\n\
                    secure 3600 IN NS ns1.secure\nsecure 3600 IN NS ns.elsewhere.test.\n\
                    secure 3600 IN DS 12345 13 2 e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766\n\
                    ns1.secure 3600 IN A 192.0.2.7\n";
        let origin = Name::parse("example.", None).unwrap();
        let zone = Zone::from_text(&origin, "test", text).unwrap();
        let children = secure_children(&zone);
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].name.to_string(), "secure.example.");
        assert_eq!(children[0].ds.len(), 1);
        let glue = |server: &str| {
            let servers = &children[0].servers;
            servers.iter().find(|(name, _)| name.to_string() == server).unwrap().1.clone()
        };
        assert!(glue("ns.elsewhere.test.").is_empty());
        assert_eq!(glue("ns1.secure.example."), ["192.0.2.7".parse::<std::net::IpAddr>().unwrap()]);
        assert_eq!(ds_data(&children[0].ds[0]).digest.len(), 64);
    }
}
