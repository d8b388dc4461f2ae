//! The parent of a TLD as `nameward up` asks it during KSK and algorithm rollovers: each of
//! its name servers, over UDP (TCP when truncated), for the TLD's DS RRset. A rollover goes
//! on only when every server serves what it waits for, so no resolver can be sent to a
//! server that lacks it. The servers are the operator's to name; their answers are taken as
//! given, as a rollover tool asking its own parent does (Knot's `parent` servers).

use std::net::SocketAddr;

use nameward_client::Client;
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::rfc4034::Ds;
use nameward_dns::{Class, Name, Question, Rtype};
use nameward_publish::Parent;

/// The parent's name servers.
pub struct ParentServers {
    /// Each one asked.
    pub servers: Vec<SocketAddr>,
}

impl Parent for ParentServers {
    fn ds_sets(&self, zone: &Name) -> Result<Vec<(Vec<Ds>, u32)>, String> {
        let question = Question { name: zone.clone(), qtype: Rtype::DS, qclass: Class::IN };
        let mut sets = Vec::with_capacity(self.servers.len());
        for server in &self.servers {
            let answer = Client::new(*server).exchange(&question).map_err(|e| e.to_string())?;
            if answer.rcode() != 0 {
                return Err(format!("{server} answers rcode {} for {zone} DS", answer.rcode()));
            }
            let mut set = Vec::new();
            let mut ttl = 0;
            for record in answer.answers.iter().filter(|r| r.owner == *zone) {
                if let RecordData::Ds(ds) = &record.data {
                    set.push(ds.clone());
                    ttl = ttl.max(record.ttl);
                }
            }
            sets.push((set, ttl));
        }
        Ok(sets)
    }
}
