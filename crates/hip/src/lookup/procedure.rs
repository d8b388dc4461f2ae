//! The RFC 5205 §3 procedure as a state machine: questions out, responses in, no I/O.

use std::collections::VecDeque;
use std::net::IpAddr;

use nameward_dns::message::rcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::{Class, Message, Name, Question, Record, Rtype};

use super::{Fallback, HipRecord, Lookup, LookupError, Outcome, Rendezvous};
use crate::check::{HitMatch, verify_hit};
use crate::orchid::OrchidVersion;

/// The lookup of one name, driven by its caller:
///
/// ```text
/// let mut procedure = Procedure::new(name, Fallback::Ip);
/// while let Some(question) = procedure.next_query() {
///     let response = /* ask a server */;
///     procedure.receive(&question, &response)?;
/// }
/// let lookup = procedure.finish();
/// ```
///
/// 1. Ask for HIP records at the name.
/// 2. NXDOMAIN: stop, and ask nothing more about the name.
/// 3. NOERROR without HIP records: stop, or with [`Fallback::Ip`] ask for its A and AAAA records.
/// 4. HIP records: check each HIT against its key; find the addresses of each rendezvous server
///    (from the additional section of the HIP response when it has them, else by asking for A
///    and AAAA), and the name's own addresses when a record names no server other than itself.
#[derive(Debug, Clone)]
pub struct Procedure {
    name: Name,
    fallback: Fallback,
    queue: VecDeque<Question>,
    awaiting: Option<Question>,
    outcome: Option<Outcome>,
    records: Vec<(nameward_dns::rdata::hip::Hip, Option<OrchidVersion>)>,
    /// Addresses per name, in the order the names were first wanted, and whether they came
    /// from an additional section.
    addresses: Vec<(Name, Vec<IpAddr>, bool)>,
    queries: usize,
}

impl Procedure {
    /// Starts the lookup of `name`.
    pub fn new(name: Name, fallback: Fallback) -> Procedure {
        let first = question(&name, Rtype::HIP);
        Procedure {
            name,
            fallback,
            queue: VecDeque::from([first]),
            awaiting: None,
            outcome: None,
            records: Vec::new(),
            addresses: Vec::new(),
            queries: 0,
        }
    }

    /// The next question to ask, or `None` when the lookup is complete. A question that has not
    /// been answered yet is given again (and not counted again).
    pub fn next_query(&mut self) -> Option<Question> {
        if let Some(awaiting) = &self.awaiting {
            return Some(awaiting.clone());
        }
        let next = self.queue.pop_front()?;
        self.queries += 1;
        self.awaiting = Some(next.clone());
        Some(next)
    }

    /// Takes the response to `question`, which must be the question last given by
    /// [`Procedure::next_query`]; matching IDs and questions is the transport's job.
    pub fn receive(&mut self, question: &Question, response: &Message) -> Result<(), LookupError> {
        if self.awaiting.as_ref() != Some(question) {
            return Err(LookupError::Unexpected(question.clone()));
        }
        self.awaiting = None;
        let code = response.rcode();
        let nxdomain = code == rcode::NXDOMAIN;
        if code != rcode::NOERROR && !nxdomain {
            return Err(LookupError::Rcode { question: question.clone(), rcode: code });
        }
        if self.outcome.is_none() {
            self.hip_response(response, nxdomain);
        } else {
            let found = addresses_in(&response.answers, &question.name, question.qtype);
            if let Some(entry) = self.addresses.iter_mut().find(|(n, _, _)| *n == question.name) {
                entry.1.extend(found);
            }
        }
        Ok(())
    }

    fn hip_response(&mut self, response: &Message, nxdomain: bool) {
        if nxdomain {
            self.outcome = Some(Outcome::NxDomain);
            return;
        }
        let owner = cname_target(&response.answers, &self.name);
        let records: Vec<_> = response
            .answers
            .iter()
            .filter(|r| r.owner == owner || r.owner == self.name)
            .filter_map(|r| match &r.data {
                RecordData::Hip(hip) => Some(hip.clone()),
                _ => None,
            })
            .collect();
        if records.is_empty() {
            if self.fallback == Fallback::Ip {
                self.outcome = Some(Outcome::NoDataFallback);
                self.want_addresses(&self.name.clone(), response);
            } else {
                self.outcome = Some(Outcome::NoData);
            }
            return;
        }
        self.outcome = Some(Outcome::Hip);
        for hip in records {
            let matches = match verify_hit(&hip) {
                HitMatch::V1 => Some(OrchidVersion::V1),
                HitMatch::V2 => Some(OrchidVersion::V2),
                _ => None,
            };
            let servers = self.servers(&hip);
            if servers.is_empty() {
                self.want_addresses(&self.name.clone(), response);
            }
            for server in servers {
                self.want_addresses(&server, response);
            }
            self.records.push((hip, matches));
        }
    }

    /// The record's rendezvous servers other than the owner itself.
    fn servers(&self, hip: &nameward_dns::rdata::hip::Hip) -> Vec<Name> {
        hip.rendezvous_servers.iter().filter(|s| **s != self.name).cloned().collect()
    }

    /// Arranges for the addresses of `name`: from the response's additional section when it
    /// has any, else by asking for A and AAAA. Each name is looked up once.
    fn want_addresses(&mut self, name: &Name, response: &Message) {
        if self.addresses.iter().any(|(n, _, _)| n == name) {
            return;
        }
        let mut found = addresses_in(&response.additional, name, Rtype::A);
        found.extend(addresses_in(&response.additional, name, Rtype::AAAA));
        let from_additional = !found.is_empty();
        if !from_additional {
            self.queue.push_back(question(name, Rtype::A));
            self.queue.push_back(question(name, Rtype::AAAA));
        }
        self.addresses.push((name.clone(), found, from_additional));
    }

    /// The result; call it once [`Procedure::next_query`] has returned `None`.
    pub fn finish(self) -> Lookup {
        let lookup_addresses = |name: &Name| {
            self.addresses.iter().find(|(n, _, _)| n == name).map(|(_, a, f)| (a.clone(), *f))
        };
        let mut records = Vec::with_capacity(self.records.len());
        let mut addresses: Vec<IpAddr> = Vec::new();
        let mut add = |found: &[IpAddr]| {
            for address in found {
                if !addresses.contains(address) {
                    addresses.push(*address);
                }
            }
        };
        for (hip, hit_matches) in &self.records {
            let rvs: Vec<Rendezvous> = self
                .servers(hip)
                .into_iter()
                .map(|name| {
                    let (found, from_additional) = lookup_addresses(&name).unwrap_or_default();
                    Rendezvous { name, addresses: found, from_additional }
                })
                .collect();
            if rvs.is_empty() {
                add(&lookup_addresses(&self.name).unwrap_or_default().0);
            }
            for server in &rvs {
                add(&server.addresses);
            }
            records.push(HipRecord { hip: hip.clone(), hit_matches: *hit_matches, rvs });
        }
        let outcome = self.outcome.unwrap_or(Outcome::NoData);
        if outcome == Outcome::NoDataFallback {
            add(&lookup_addresses(&self.name).unwrap_or_default().0);
        }
        Lookup { name: self.name, outcome, records, addresses, queries: self.queries }
    }
}

fn question(name: &Name, qtype: Rtype) -> Question {
    Question { name: name.clone(), qtype, qclass: Class::IN }
}

/// Where a CNAME chain from `name` in `answers` ends (bounded by the number of records, so a
/// loop ends too).
fn cname_target(answers: &[Record], name: &Name) -> Name {
    let mut target = name.clone();
    for _ in 0..answers.len() {
        let next = answers.iter().find_map(|r| match &r.data {
            RecordData::Cname(c) if r.owner == target => Some(c.cname.clone()),
            _ => None,
        });
        match next {
            Some(next) => target = next,
            None => break,
        }
    }
    target
}

/// The A or AAAA addresses of `name` (or of its CNAME target) in `records`.
fn addresses_in(records: &[Record], name: &Name, qtype: Rtype) -> Vec<IpAddr> {
    let target = cname_target(records, name);
    records
        .iter()
        .filter(|r| r.owner == target || r.owner == *name)
        .filter_map(|r| match (&r.data, qtype) {
            (RecordData::A(a), Rtype::A) => Some(IpAddr::V4(a.address)),
            (RecordData::Aaaa(a), Rtype::AAAA) => Some(IpAddr::V6(a.address)),
            _ => None,
        })
        .collect()
}
