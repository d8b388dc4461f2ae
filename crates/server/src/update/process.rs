//! RFC 2136 UPDATE as a pure decision: the zone as served, the policy, who signed and the
//! decoded message in; the response code and the difference to serve out. No I/O: the
//! caller journals the difference on disk and publishes it.
//!
//! The order of the checks is RFC 2136 §3 as BIND applies it, so that both answer a bad
//! update with the same code: the zone section (FORMERR, NOTAUTH), an unsigned update
//! (REFUSED), each prerequisite in turn (FORMERR, NOTZONE, NXDOMAIN, YXDOMAIN, NXRRSET,
//! YXRRSET), the value-dependent prerequisites together (NXRRSET), then each update record in
//! turn: out of the zone (NOTZONE), malformed (FORMERR), a DNSSEC type (REFUSED), not granted
//! (REFUSED); and only then the changes, applied one record after the other (§3.4.2), those
//! the RFC says to ignore silently skipped.

use std::collections::HashMap;

use nameward_dns::message::rcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::serial::serial_lt;
use nameward_dns::wire::{WireMode, Writer};
use nameward_dns::{Class, Message, Name, Record, Rtype};

use super::policy::{Policy, Signer};
use crate::transfer::Diff;

/// What an update reads of the zone it changes.
pub trait ZoneView {
    /// The apex.
    fn origin(&self) -> &Name;
    /// The apex SOA.
    fn soa(&self) -> Option<Record>;
    /// The records owned by `name` (its RRSIGs and NSECs included), each with its RRset's TTL.
    fn records_at(&self, name: &Name) -> Vec<Record>;
}

impl ZoneView for crate::Zone {
    fn origin(&self) -> &Name {
        crate::Zone::origin(self)
    }

    fn soa(&self) -> Option<Record> {
        crate::Zone::soa(self)
    }

    fn records_at(&self, name: &Name) -> Vec<Record> {
        crate::Zone::records_at(self, name)
    }
}

/// The class of every zone served.
const ZONE_CLASS: Class = Class::IN;

/// Most RRsets one name may hold after an update, and most records one RRset may hold: a
/// bound on what a granted key can pile up at a name (BIND 9.18.28 and later bound both at
/// 100 by default, `max-types-per-name` and `max-records-per-type`).
pub const MAX_TYPES_PER_NAME: usize = 100;
/// See [`MAX_TYPES_PER_NAME`].
pub const MAX_RECORDS_PER_RRSET: usize = 100;

/// What an update comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The response code.
    pub rcode: u16,
    /// The change to serve, when the update changed anything (then `rcode` is NOERROR).
    pub diff: Option<Diff>,
    /// Why, for the log: which check failed and at which record.
    pub reason: String,
}

impl Decision {
    fn fail(rcode: u16, reason: impl Into<String>) -> Decision {
        Decision { rcode, diff: None, reason: reason.into() }
    }
}

/// A check that failed: the response code and why.
#[derive(Debug)]
struct Refusal {
    rcode: u16,
    reason: String,
}

impl Refusal {
    fn new(rcode: u16, reason: impl Into<String>) -> Refusal {
        Refusal { rcode, reason: reason.into() }
    }
}

impl From<Refusal> for Decision {
    fn from(refusal: Refusal) -> Decision {
        Decision::fail(refusal.rcode, refusal.reason)
    }
}

/// Types an update may not name: the signer keeps them (BIND refuses NSEC and NSEC3 updates
/// alike; RRSIG it takes at the apex only, nameward nowhere).
fn maintained_by_signer(rtype: Rtype) -> bool {
    matches!(rtype, Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3 | Rtype::NSEC3PARAM)
}

/// Whether a record carries no RDATA (RDLENGTH 0), as deletions and the prerequisites of
/// classes ANY and NONE do: the decoder gives most types [`RecordData::Empty`], the types
/// that may be empty (ANY among them) their empty form.
fn no_rdata(data: &RecordData) -> bool {
    matches!(data, RecordData::Empty(_)) || data.to_wire().is_empty()
}

/// The RDATA in canonical form (RFC 4034 §6.2: names in the RDATA of the older types
/// lower-cased): what "the same record" compares.
fn rdata_key(data: &RecordData) -> Vec<u8> {
    let mut w = Writer::with_mode(WireMode::Canonical);
    data.encode(&mut w);
    w.into_bytes()
}

/// Applies `message`, an UPDATE decoded with its TSIG or SIG(0) taken off, to `zone` as
/// `signer` may under `policy`. The zone section must name `zone` (the caller found the
/// zone by it).
pub fn process(
    zone: &impl ZoneView,
    policy: &Policy,
    signer: &Signer,
    message: &Message,
) -> Decision {
    let origin = zone.origin();
    let [question] = message.questions.as_slice() else {
        return Decision::fail(rcode::FORMERR, "the zone section must hold one zone");
    };
    if question.qtype != Rtype::SOA {
        return Decision::fail(rcode::FORMERR, "the zone section's type must be SOA");
    }
    if question.name != *origin || question.qclass != ZONE_CLASS {
        return Decision::fail(rcode::NOTAUTH, format!("not authoritative for {}", question.name));
    }
    let Some(soa) = zone.soa() else {
        return Decision::fail(rcode::SERVFAIL, "the zone has no SOA");
    };
    if policy.is_empty() || *signer == Signer::Unsigned {
        return Decision::fail(rcode::REFUSED, "updates must be signed with a granted key");
    }
    if let Err(refusal) = check_prerequisites(zone, &message.answers) {
        return refusal.into();
    }
    if let Err(refusal) = prescan(zone, policy, signer, &message.authority) {
        return refusal.into();
    }
    let mut work = Working::new(zone, soa);
    for record in &message.authority {
        work.apply(record);
    }
    work.finish()
}

/// RFC 2136 §3.2.
fn check_prerequisites(zone: &impl ZoneView, prerequisites: &[Record]) -> Result<(), Refusal> {
    let origin = zone.origin();
    // Value-dependent prerequisites by (name, type): the RRset the requester expects.
    let mut expected: Vec<(Name, Rtype, Vec<Vec<u8>>)> = Vec::new();
    for (at, record) in prerequisites.iter().enumerate() {
        let at = at + 1;
        let empty = no_rdata(&record.data);
        let rtype = record.rtype();
        if record.ttl != 0 {
            return Err(Refusal::new(rcode::FORMERR, format!("prerequisite {at}: TTL not 0")));
        }
        if !record.owner.is_subdomain_of(origin) {
            let why = format!("prerequisite {at}: {} is not in the zone", record.owner);
            return Err(Refusal::new(rcode::NOTZONE, why));
        }
        let records = || zone.records_at(&record.owner);
        match record.class {
            Class::ANY | Class::NONE if !empty => {
                let why = format!("prerequisite {at}: class {} with RDATA", record.class);
                return Err(Refusal::new(rcode::FORMERR, why));
            }
            Class::ANY if rtype == Rtype::ANY => {
                if records().is_empty() {
                    let why = format!("prerequisite {at}: {} is not in use", record.owner);
                    return Err(Refusal::new(rcode::NXDOMAIN, why));
                }
            }
            Class::ANY => {
                if !records().iter().any(|r| r.rtype() == rtype) {
                    let why = format!("prerequisite {at}: no {rtype} RRset at {}", record.owner);
                    return Err(Refusal::new(rcode::NXRRSET, why));
                }
            }
            Class::NONE if rtype == Rtype::ANY => {
                if !records().is_empty() {
                    let why = format!("prerequisite {at}: {} is in use", record.owner);
                    return Err(Refusal::new(rcode::YXDOMAIN, why));
                }
            }
            Class::NONE => {
                if records().iter().any(|r| r.rtype() == rtype) {
                    let why = format!("prerequisite {at}: a {rtype} RRset is at {}", record.owner);
                    return Err(Refusal::new(rcode::YXRRSET, why));
                }
            }
            ZONE_CLASS => {
                let key = rdata_key(&record.data);
                match expected.iter_mut().find(|(n, t, _)| *n == record.owner && *t == rtype) {
                    Some((_, _, set)) => set.push(key),
                    None => expected.push((record.owner.clone(), rtype, vec![key])),
                }
            }
            other => {
                let why = format!("prerequisite {at}: class {other}");
                return Err(Refusal::new(rcode::FORMERR, why));
            }
        }
    }
    for (name, rtype, mut wanted) in expected {
        let mut served: Vec<Vec<u8>> = zone
            .records_at(&name)
            .iter()
            .filter(|r| r.rtype() == rtype)
            .map(|r| rdata_key(&r.data))
            .collect();
        wanted.sort();
        wanted.dedup();
        served.sort();
        if wanted != served {
            let why = format!("the {rtype} RRset at {name} is not the one the update expects");
            return Err(Refusal::new(rcode::NXRRSET, why));
        }
    }
    Ok(())
}

/// RFC 2136 §3.4.1 and §3.3: every update record in the zone, well formed and granted.
fn prescan(
    zone: &impl ZoneView,
    policy: &Policy,
    signer: &Signer,
    updates: &[Record],
) -> Result<(), Refusal> {
    let origin = zone.origin();
    for (at, record) in updates.iter().enumerate() {
        let at = at + 1;
        let rtype = record.rtype();
        let empty = no_rdata(&record.data);
        if !record.owner.is_subdomain_of(origin) {
            let why = format!("update {at}: {} is not in the zone", record.owner);
            return Err(Refusal::new(rcode::NOTZONE, why));
        }
        let malformed = match record.class {
            ZONE_CLASS => rtype.is_meta() || empty,
            Class::ANY => record.ttl != 0 || !empty || (rtype.is_meta() && rtype != Rtype::ANY),
            Class::NONE => record.ttl != 0 || rtype.is_meta() || empty,
            _ => true,
        };
        if malformed {
            let why =
                format!("update {at}: malformed ({} {rtype}, TTL {})", record.class, record.ttl);
            return Err(Refusal::new(rcode::FORMERR, why));
        }
        if maintained_by_signer(rtype) {
            let why = format!("update {at}: {rtype} records are the signer's to make");
            return Err(Refusal::new(rcode::REFUSED, why));
        }
        let granted = if rtype == Rtype::ANY {
            // Deleting every RRset at a name takes a grant for each type there.
            let present = zone.records_at(&record.owner);
            let deletable = present.iter().map(Record::rtype).filter(|&t| {
                !(maintained_by_signer(t)
                    || (record.owner == *origin && matches!(t, Rtype::SOA | Rtype::NS)))
            });
            policy.allows(signer, &record.owner, None)
                && deletable.into_iter().all(|t| policy.allows(signer, &record.owner, Some(t)))
        } else {
            policy.allows(signer, &record.owner, Some(rtype))
        };
        if !granted {
            let why = format!("update {at}: {rtype} at {} is not granted", record.owner);
            return Err(Refusal::new(rcode::REFUSED, why));
        }
    }
    Ok(())
}

/// One record at a name as the update sees it.
#[derive(Debug, Clone)]
struct Entry {
    record: Record,
    key: Vec<u8>,
}

impl Entry {
    fn new(record: Record) -> Entry {
        let key = rdata_key(&record.data);
        Entry { record, key }
    }

    fn rtype(&self) -> Rtype {
        self.record.rtype()
    }
}

/// The names an update touches, as they were and as they become.
struct Working<'z, Z> {
    zone: &'z Z,
    soa: Record,
    new_soa: Record,
    /// Touched names with their records before and now (the apex SOA kept apart).
    names: HashMap<Name, (Vec<Entry>, Vec<Entry>)>,
    /// Set when an addition was refused for the bounds; the update then fails whole.
    too_many: Option<String>,
}

impl<'z, Z: ZoneView> Working<'z, Z> {
    fn new(zone: &'z Z, soa: Record) -> Working<'z, Z> {
        Working { zone, new_soa: soa.clone(), soa, names: HashMap::new(), too_many: None }
    }

    /// The records now at `name`, read from the zone the first time.
    fn at(&mut self, name: &Name) -> &mut Vec<Entry> {
        let zone = self.zone;
        let (_, now) = self.names.entry(name.clone()).or_insert_with(|| {
            let origin = zone.origin();
            let records: Vec<Entry> = zone
                .records_at(name)
                .into_iter()
                .filter(|r| !(r.rtype() == Rtype::SOA && r.owner == *origin))
                .map(Entry::new)
                .collect();
            (records.clone(), records)
        });
        now
    }

    /// RFC 2136 §3.4.2, one update record.
    fn apply(&mut self, record: &Record) {
        let origin = self.zone.origin().clone();
        let at_apex = record.owner == origin;
        let rtype = record.rtype();
        match record.class {
            ZONE_CLASS if rtype == Rtype::SOA => {
                // The SOA is replaced, never added; an older serial is ignored.
                let (Some(old), Some(new)) = (soa_serial(&self.new_soa), soa_serial(record)) else {
                    return;
                };
                if at_apex && !serial_lt(new, old) {
                    self.new_soa = Record { owner: origin, ..record.clone() };
                }
            }
            ZONE_CLASS => self.add(record),
            Class::ANY if rtype == Rtype::ANY => {
                self.at(&record.owner).retain(|e| {
                    maintained_by_signer(e.rtype()) || (at_apex && e.rtype() == Rtype::NS)
                });
            }
            Class::ANY => {
                if at_apex && rtype == Rtype::NS {
                    return;
                }
                self.at(&record.owner).retain(|e| e.rtype() != rtype);
            }
            Class::NONE => {
                if rtype == Rtype::SOA {
                    return;
                }
                let key = rdata_key(&record.data);
                let now = self.at(&record.owner);
                let is_it = |e: &Entry| e.rtype() == rtype && e.key == key;
                if at_apex && rtype == Rtype::NS {
                    let others = now.iter().filter(|e| e.rtype() == Rtype::NS && !is_it(e));
                    if others.count() == 0 {
                        // The last NS of the apex stays.
                        return;
                    }
                }
                now.retain(|e| !is_it(e));
            }
            _ => {}
        }
    }

    fn add(&mut self, record: &Record) {
        let rtype = record.rtype();
        let entry = Entry::new(record.clone());
        let now = self.at(&record.owner);
        let dnssec = |t: Rtype| maintained_by_signer(t) || t == Rtype::KEY;
        if rtype == Rtype::CNAME {
            if now.iter().any(|e| e.rtype() != Rtype::CNAME && !dnssec(e.rtype())) {
                return;
            }
            now.retain(|e| e.rtype() != Rtype::CNAME);
        } else if !dnssec(rtype) && now.iter().any(|e| e.rtype() == Rtype::CNAME) {
            return;
        }
        // The RRset takes the TTL of the record added (RFC 2181 §5.2: one TTL per RRset).
        for e in now.iter_mut().filter(|e| e.rtype() == rtype) {
            e.record.ttl = record.ttl;
        }
        if now.iter().any(|e| e.rtype() == rtype && e.key == entry.key) {
            return;
        }
        let in_set = now.iter().filter(|e| e.rtype() == rtype).count();
        let mut types: Vec<Rtype> = now.iter().map(Entry::rtype).collect();
        types.sort();
        types.dedup();
        let new_type = !types.contains(&rtype);
        if in_set >= MAX_RECORDS_PER_RRSET || (new_type && types.len() >= MAX_TYPES_PER_NAME) {
            self.too_many = Some(format!(
                "{} would hold more than {MAX_TYPES_PER_NAME} RRsets or {MAX_RECORDS_PER_RRSET} \
                 {rtype} records",
                record.owner
            ));
            return;
        }
        now.push(entry);
    }

    /// The decision: the difference between the names as they were and as they are now,
    /// under a new serial.
    fn finish(self) -> Decision {
        if let Some(reason) = self.too_many {
            return Decision::fail(rcode::REFUSED, reason);
        }
        let mut deleted = Vec::new();
        let mut added = Vec::new();
        for (before, now) in self.names.values() {
            let same = |a: &Entry, b: &Entry| {
                a.rtype() == b.rtype() && a.key == b.key && a.record.ttl == b.record.ttl
            };
            deleted.extend(
                before.iter().filter(|b| !now.iter().any(|n| same(b, n))).map(|e| e.record.clone()),
            );
            added.extend(
                now.iter().filter(|n| !before.iter().any(|b| same(b, n))).map(|e| e.record.clone()),
            );
        }
        let soa_changed = rdata_key(&self.soa.data) != rdata_key(&self.new_soa.data)
            || self.soa.ttl != self.new_soa.ttl;
        if deleted.is_empty() && added.is_empty() && !soa_changed {
            return Decision {
                rcode: rcode::NOERROR,
                diff: None,
                reason: "nothing to change".into(),
            };
        }
        let mut to = self.new_soa;
        if soa_serial(&to) == soa_serial(&self.soa) {
            bump_serial(&mut to);
        }
        canonical_sort(&mut deleted);
        canonical_sort(&mut added);
        let reason = format!("{} deleted, {} added", deleted.len(), added.len());
        let diff = Diff { from: self.soa, to, deleted, added };
        Decision { rcode: rcode::NOERROR, diff: Some(diff), reason }
    }
}

fn soa_serial(record: &Record) -> Option<u32> {
    match &record.data {
        RecordData::Soa(soa) => Some(soa.serial),
        _ => None,
    }
}

/// The next serial: one more, skipping 0 as BIND's `increment` method does (some
/// secondaries take serial 0 for "no zone").
fn bump_serial(soa: &mut Record) {
    if let RecordData::Soa(data) = &mut soa.data {
        data.serial = match data.serial.wrapping_add(1) {
            0 => 1,
            next => next,
        };
    }
}

/// Canonical order (RFC 4034 §6): by owner, then type, then RDATA.
fn canonical_sort(records: &mut [Record]) {
    records.sort_by(|a, b| {
        a.owner
            .canonical_cmp(&b.owner)
            .then(a.rtype().cmp(&b.rtype()))
            .then_with(|| rdata_key(&a.data).cmp(&rdata_key(&b.data)))
    });
}
