//! What RDAP reads (`nameward_rdap` builds the responses): an object with everything its
//! response shows — a domain with its name servers, sponsor and contacts; a host with its
//! sponsor; a registrar with the instant it was declared failed — and the searches, each
//! bounded by the page the caller asks for. All reads, each in one snapshot.

use std::collections::HashMap;
use std::net::IpAddr;

use time::OffsetDateTime;

use super::{Registry, ServiceError, with_tx};
use crate::lifecycle::names;
use crate::model::{Contact, ContactRole, Domain, Host, ObjectKind, Registrar, RegistrarState};
use crate::store::Tx;

/// A registrar as RDAP shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarRecord {
    /// The registrar.
    pub registrar: Registrar,
    /// When it was last declared FAILED, if its state is FAILED or TERMINATED.
    pub failed_at: Option<OffsetDateTime>,
}

/// A domain with what its RDAP response shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    /// The domain.
    pub domain: Domain,
    /// Its name servers, in the domain's order (a name server not found as a host is left out).
    pub nameservers: Vec<Host>,
    /// Its sponsor.
    pub sponsor: Option<RegistrarRecord>,
    /// Its registrant.
    pub registrant: Option<Contact>,
    /// Its technical contacts (admin and billing contacts are not published).
    pub tech: Vec<Contact>,
}

/// A host with what its RDAP response shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRecord {
    /// The host.
    pub host: Host,
    /// Whether a domain delegates to it (EPP `linked`).
    pub linked: bool,
    /// Its sponsor.
    pub sponsor: Option<RegistrarRecord>,
}

/// Which domains a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainSearch {
    /// Names from `from` (inclusive) to `to` (exclusive), in `zone` if given.
    Names {
        /// The first name.
        from: String,
        /// The first name after the range.
        to: String,
        /// The zone the names are in.
        zone: Option<String>,
    },
    /// Domains delegated to this host.
    Nameserver(String),
    /// Domains delegated to a host with this address.
    NameserverAddress(IpAddr),
}

/// Which hosts a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSearch {
    /// Names from `from` (inclusive) to `to` (exclusive).
    Names {
        /// The first name.
        from: String,
        /// The first name after the range.
        to: String,
    },
    /// Hosts with this address.
    Address(IpAddr),
}

/// Registrars read once per request: a search shows the same sponsor many times.
#[derive(Default)]
struct Sponsors(HashMap<String, Option<RegistrarRecord>>);

impl Sponsors {
    async fn get(
        &mut self,
        tx: &mut Tx,
        id: &str,
    ) -> Result<Option<RegistrarRecord>, ServiceError> {
        if let Some(known) = self.0.get(id) {
            return Ok(known.clone());
        }
        let record = registrar_record(tx, id).await?;
        self.0.insert(id.to_owned(), record.clone());
        Ok(record)
    }
}

async fn registrar_record(tx: &mut Tx, id: &str) -> Result<Option<RegistrarRecord>, ServiceError> {
    let Some(registrar) = tx.get_registrar(id).await? else { return Ok(None) };
    let failed_at = match registrar.state {
        RegistrarState::Failed | RegistrarState::Terminated => tx
            .history(ObjectKind::Registrar, id)
            .await?
            .iter()
            .rev()
            .find(|entry| entry.action == "declare_failed")
            .map(|entry| entry.at),
        RegistrarState::Active | RegistrarState::Suspended => None,
    };
    Ok(Some(RegistrarRecord { registrar, failed_at }))
}

async fn domain_record(
    tx: &mut Tx,
    sponsors: &mut Sponsors,
    name: &str,
) -> Result<Option<DomainRecord>, ServiceError> {
    let Some(domain) = tx.get_domain(name).await? else { return Ok(None) };
    let mut nameservers = Vec::with_capacity(domain.ns.len());
    for host in &domain.ns {
        if let Some(host) = tx.get_host(host).await? {
            nameservers.push(host);
        }
    }
    let registrant = match &domain.registrant {
        Some(id) => tx.get_contact(id).await?,
        None => None,
    };
    let mut tech = Vec::new();
    for contact in domain.contacts.iter().filter(|contact| contact.role == ContactRole::Tech) {
        if let Some(contact) = tx.get_contact(&contact.id).await? {
            tech.push(contact);
        }
    }
    let sponsor = sponsors.get(tx, &domain.sponsor).await?;
    Ok(Some(DomainRecord { domain, nameservers, sponsor, registrant, tech }))
}

async fn host_record(
    tx: &mut Tx,
    sponsors: &mut Sponsors,
    name: &str,
) -> Result<Option<HostRecord>, ServiceError> {
    let Some(host) = tx.get_host(name).await? else { return Ok(None) };
    let linked = tx.host_is_linked(name).await?;
    let sponsor = sponsors.get(tx, &host.sponsor).await?;
    Ok(Some(HostRecord { host, linked, sponsor }))
}

impl Registry {
    /// The domain `name` (any case; U-labels are converted) with what RDAP shows of it.
    pub async fn rdap_domain(&self, name: &str) -> Result<Option<DomainRecord>, ServiceError> {
        let name = names::lookup_name(name);
        self.read(|tx| async move {
            with_tx!(tx, domain_record(&mut tx, &mut Sponsors::default(), &name).await)
        })
        .await
    }

    /// The domains `search` finds, in name order, at most `page`.
    pub async fn rdap_domain_search(
        &self,
        search: &DomainSearch,
        page: u32,
    ) -> Result<Vec<DomainRecord>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let found = match search {
                    DomainSearch::Names { from, to, zone } => {
                        tx.domain_names_between(from, to, zone.as_deref(), page).await?
                    }
                    DomainSearch::Nameserver(host) => {
                        tx.domain_names_using_host(&names::lookup_name(host), page).await?
                    }
                    DomainSearch::NameserverAddress(addr) => {
                        tx.domain_names_using_addr(*addr, page).await?
                    }
                };
                let mut sponsors = Sponsors::default();
                let mut records = Vec::with_capacity(found.len());
                for name in &found {
                    if let Some(record) = domain_record(&mut tx, &mut sponsors, name).await? {
                        records.push(record);
                    }
                }
                Ok(records)
            })
        })
        .await
    }

    /// The host `name` (any case) with what RDAP shows of it.
    pub async fn rdap_host(&self, name: &str) -> Result<Option<HostRecord>, ServiceError> {
        let name = names::lookup_name(name);
        self.read(|tx| async move {
            with_tx!(tx, host_record(&mut tx, &mut Sponsors::default(), &name).await)
        })
        .await
    }

    /// The hosts `search` finds, in name order, at most `page`.
    pub async fn rdap_host_search(
        &self,
        search: &HostSearch,
        page: u32,
    ) -> Result<Vec<HostRecord>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let found = match search {
                    HostSearch::Names { from, to } => tx.host_names_between(from, to, page).await?,
                    HostSearch::Address(addr) => tx.host_names_with_addr(*addr, page).await?,
                };
                let mut sponsors = Sponsors::default();
                let mut records = Vec::with_capacity(found.len());
                for name in &found {
                    if let Some(record) = host_record(&mut tx, &mut sponsors, name).await? {
                        records.push(record);
                    }
                }
                Ok(records)
            })
        })
        .await
    }

    /// The registrar `id` with the instant it was declared failed.
    pub async fn rdap_registrar(&self, id: &str) -> Result<Option<RegistrarRecord>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, registrar_record(&mut tx, id).await) }).await
    }

    /// Every registrar with the instant it was declared failed, by id (registrars number in
    /// the hundreds).
    pub async fn rdap_registrars(&self) -> Result<Vec<RegistrarRecord>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let mut records = Vec::new();
                for registrar in tx.registrars().await? {
                    if let Some(record) = registrar_record(&mut tx, &registrar.id).await? {
                        records.push(record);
                    }
                }
                Ok(records)
            })
        })
        .await
    }

    /// The contact whose handle (repository object id, or else contact id) is `handle`.
    pub async fn rdap_contact(&self, handle: &str) -> Result<Option<Contact>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let id = tx.contact_id_of_roid(handle).await?;
                Ok(tx.get_contact(id.as_deref().unwrap_or(handle)).await?)
            })
        })
        .await
    }
}
