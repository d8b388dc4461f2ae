//! The zones served for names on continuity DNS (a failed registrar's names switched to the
//! registry's own name servers), each from the escrowed text it was switched with.

use std::collections::HashMap;
use std::sync::Arc;

use nameward_dns::{Name, Record};
use nameward_registry::service::{Registry, ServiceError};
use nameward_server::{Shared, Zone};

/// The continuity zones served, each with the records it was built from.
#[derive(Debug, Default)]
pub(crate) struct Continuity {
    served: HashMap<String, Vec<Record>>,
    ended: Vec<String>,
}

impl Continuity {
    /// Serves the zone of every name of `tld` now on continuity DNS that is new or changed, and
    /// notes the ones no longer on it for [`Continuity::withdraw_ended`]. A zone that does not
    /// load is logged and left out; the others are served.
    pub(crate) async fn publish(
        &mut self,
        registry: &Registry,
        tld: &str,
        dns: &Arc<Shared>,
    ) -> Result<(), ServiceError> {
        let (_, zones) = registry.continuity_dns_zones(tld).await?;
        let mut current = HashMap::with_capacity(zones.len());
        for zone in zones {
            let domain = zone.record.domain;
            let entries = match zone.served {
                Ok(entries) => entries,
                Err(error) => {
                    tracing::error!(domain, "cannot serve the continuity DNS zone: {error}");
                    continue;
                }
            };
            let records: Vec<Record> = entries.iter().map(|entry| entry.record.clone()).collect();
            if self.served.get(&domain) != Some(&records) {
                let Ok(origin) = Name::parse(&domain, Some(&Name::root())) else {
                    tracing::error!(domain, "continuity DNS name is not a domain name");
                    continue;
                };
                let loaded = tokio::task::spawn_blocking(move || Zone::load(&origin, entries));
                match loaded.await {
                    Ok(Ok(compiled)) => {
                        let dns = Arc::clone(dns);
                        if tokio::task::spawn_blocking(move || dns.publish(compiled)).await.is_err()
                        {
                            continue;
                        }
                        tracing::info!(domain, "serving the escrowed zone (continuity DNS)");
                    }
                    Ok(Err(error)) => {
                        tracing::error!(domain, "the continuity DNS zone does not load: {error}");
                        continue;
                    }
                    Err(_) => continue,
                }
            }
            current.insert(domain, records);
        }
        let old = std::mem::replace(&mut self.served, current);
        self.ended.extend(old.into_keys().filter(|domain| !self.served.contains_key(domain)));
        Ok(())
    }

    /// Whether the zone of `domain` is served now.
    pub(crate) fn serves(&self, domain: &Name) -> bool {
        let text = domain.to_string();
        self.served.contains_key(text.trim_end_matches('.'))
    }

    /// Stops serving the zones of names no longer on continuity DNS.
    pub(crate) async fn withdraw_ended(&mut self, dns: &Arc<Shared>) {
        for domain in std::mem::take(&mut self.ended) {
            let Ok(origin) = Name::parse(&domain, Some(&Name::root())) else { continue };
            let dns = Arc::clone(dns);
            if tokio::task::spawn_blocking(move || dns.withdraw(&origin)).await.is_ok() {
                tracing::info!(domain, "no longer serving the escrowed zone (continuity DNS)");
            }
        }
    }
}
