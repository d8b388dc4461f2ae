//! Differences between successive versions of a zone, kept in a bounded in-memory journal
//! (RFC 1995 §5): from them an IXFR is answered with one condensed difference.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use nameward_dns::check::CheckOptions;
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::{WireMode, Writer};
use nameward_dns::{Name, Record, Rtype};

use super::serial::serial_gt;
use crate::zone::Zone;

/// How much history a journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalLimits {
    /// Most versions (differences) kept.
    pub max_versions: usize,
    /// Most octets of records kept (wire size, uncompressed).
    pub max_bytes: usize,
}

impl Default for JournalLimits {
    /// A thousand versions in at most 64 MiB per zone: a registry's TLD changes every few
    /// seconds, and a secondary that falls a few minutes behind should still get IXFR, not a
    /// transfer of millions of delegations.
    fn default() -> JournalLimits {
        JournalLimits { max_versions: 1000, max_bytes: 64 << 20 }
    }
}

/// The change from one version of a zone to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// The SOA of the old version.
    pub from: Record,
    /// The SOA of the new version.
    pub to: Record,
    /// Records removed (the SOA aside), in canonical order.
    pub deleted: Vec<Record>,
    /// Records added (the SOA aside), in canonical order.
    pub added: Vec<Record>,
}

impl Diff {
    /// Serial of the old version.
    pub fn from_serial(&self) -> u32 {
        soa_serial(&self.from).unwrap_or(0)
    }

    /// Serial of the new version.
    pub fn to_serial(&self) -> u32 {
        soa_serial(&self.to).unwrap_or(0)
    }

    fn wire_size(&self) -> usize {
        [&self.from, &self.to]
            .into_iter()
            .chain(&self.deleted)
            .chain(&self.added)
            .map(|r| r.owner.wire_len() + 10 + r.data.to_wire().len())
            .sum()
    }
}

/// Why a [`Diff`] cannot be applied to a zone: it was not taken from that version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The zone serves another version than the one the difference starts from.
    #[error("the difference starts at serial {from}, the zone is at {served:?}")]
    NotFrom {
        /// The serial the difference starts from.
        from: u32,
        /// The serial served.
        served: Option<u32>,
    },
    /// A record to delete is not in the zone.
    #[error("cannot delete `{0}`: not in the zone")]
    Missing(String),
    /// A record to add is in the zone already.
    #[error("cannot add `{0}`: already in the zone")]
    Present(String),
    /// The new version does not pass the zone checks.
    #[error("{0}")]
    Load(#[from] crate::zone::LoadError),
}

impl Diff {
    /// The version that `zone` becomes with this difference: its records less the deleted,
    /// plus the added, under the new SOA, checked as any zone is. The zone gets a layered
    /// version (see [`Zone::layered`]): only the delegations (and, in a signed zone, the NSEC3
    /// owners) the difference touches are compiled anew, over the older version's base. A
    /// difference that signs the zone, unsigns it or changes its kind of denial chain is
    /// compiled whole. Refused unless
    /// `zone` is the version the difference was taken from and every record deleted is there
    /// and every record added is not, so that a publisher's view and the served zone can never
    /// silently part.
    /// The new version passes the zone checks set by `options`.
    pub fn apply_to(&self, zone: &Arc<Zone>, options: &CheckOptions) -> Result<Zone, ApplyError> {
        let served = zone.serial();
        if served != Some(self.from_serial()) {
            return Err(ApplyError::NotFrom { from: self.from_serial(), served });
        }
        let owners = self.deleted.iter().chain(&self.added).map(|record| &record.owner);
        match zone.plan_layer(owners, self.to_serial()) {
            Some(mut layer) => {
                let records = self.applied(zone.origin(), std::mem::take(&mut layer.records))?;
                Ok(layer.compile(zone.origin(), records, options)?)
            }
            None => {
                let records = self.applied(zone.origin(), zone.records())?;
                Ok(Zone::from_records(zone.origin(), records, "published difference", options)?)
            }
        }
    }

    /// `records` (a version's, or the part of it the difference touches) changed by this
    /// difference: the apex SOA replaced by the new one, the deleted records out, the added
    /// ones in. Refused when a record to delete is not there or one to add already is.
    fn applied(
        &self,
        origin: &Name,
        records: impl IntoIterator<Item = Record>,
    ) -> Result<Vec<Record>, ApplyError> {
        let mut deleted: BTreeMap<Key, &Record> =
            self.deleted.iter().map(|r| (key(r), r)).collect();
        let added: BTreeMap<Key, &Record> = self.added.iter().map(|r| (key(r), r)).collect();
        let mut applied = vec![self.to.clone()];
        for record in records {
            if record.rtype() == Rtype::SOA && record.owner == *origin {
                continue;
            }
            let k = key(&record);
            if added.contains_key(&k) {
                return Err(ApplyError::Present(record.to_string()));
            }
            if deleted.remove(&k).is_none() {
                applied.push(record);
            }
        }
        if let Some(record) = deleted.into_values().next() {
            return Err(ApplyError::Missing(record.to_string()));
        }
        applied.extend(added.into_values().cloned());
        Ok(applied)
    }
}

/// What [`Journal::update`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalUpdate {
    /// A difference was recorded.
    Recorded {
        /// Records removed.
        deleted: usize,
        /// Records added.
        added: usize,
    },
    /// Same serial, same records: nothing to do.
    Unchanged,
    /// The history was dropped, for the reason given; clients fall back to full transfers.
    Reset(&'static str),
}

/// The differences between the last versions of one zone, oldest first. Cloning is cheap (the
/// differences are shared), so a reload can build the next journal while the current one is
/// still being read.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    limits: JournalLimits,
    diffs: VecDeque<Arc<Diff>>,
    bytes: usize,
}

impl Journal {
    /// An empty journal.
    pub fn new(limits: JournalLimits) -> Journal {
        Journal { limits, diffs: VecDeque::new(), bytes: 0 }
    }

    /// Number of differences kept.
    pub fn len(&self) -> usize {
        self.diffs.len()
    }

    /// True when no difference is kept.
    pub fn is_empty(&self) -> bool {
        self.diffs.is_empty()
    }

    /// Octets of records kept.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The differences, oldest first.
    pub fn diffs(&self) -> impl Iterator<Item = &Diff> {
        self.diffs.iter().map(|d| &**d)
    }

    fn reset(&mut self, why: &'static str) -> JournalUpdate {
        self.diffs.clear();
        self.bytes = 0;
        JournalUpdate::Reset(why)
    }

    /// Records the change from `old` to `new`, two versions of the same zone, found by
    /// comparing them record by record. A new version must carry a higher serial (RFC 1982);
    /// otherwise the history no longer describes what secondaries hold and is dropped.
    pub fn update(&mut self, old: &Zone, new: &Zone) -> JournalUpdate {
        let (Some(from), Some(to)) = (old.soa(), new.soa()) else {
            return self.reset("a version has no SOA");
        };
        let (deleted, added) = difference(old, new);
        self.record(Diff { from, to, deleted, added })
    }

    /// Records `diff`, a change already known (a publisher that knows what it changed need
    /// not compare whole versions), with the same serial rules as [`Journal::update`].
    pub fn record(&mut self, diff: Diff) -> JournalUpdate {
        let (Some(old_serial), Some(new_serial)) = (soa_serial(&diff.from), soa_serial(&diff.to))
        else {
            return self.reset("a version has no SOA");
        };
        if old_serial == new_serial {
            if diff.deleted.is_empty() && diff.added.is_empty() && diff.from == diff.to {
                return JournalUpdate::Unchanged;
            }
            return self.reset("the zone changed but its serial did not");
        }
        if !serial_gt(new_serial, old_serial) {
            return self.reset("the serial went backwards");
        }
        if self.diffs.back().is_some_and(|d| d.to_serial() != old_serial) {
            self.reset("the journal did not end at the old version");
        }
        let size = diff.wire_size();
        if size > self.limits.max_bytes {
            return self.reset("the difference is larger than the journal");
        }
        let counts =
            JournalUpdate::Recorded { deleted: diff.deleted.len(), added: diff.added.len() };
        self.bytes += size;
        self.diffs.push_back(Arc::new(diff));
        while self.diffs.len() > self.limits.max_versions.max(1)
            || self.bytes > self.limits.max_bytes
        {
            let Some(oldest) = self.diffs.pop_front() else { break };
            self.bytes = self.bytes.saturating_sub(oldest.wire_size());
        }
        counts
    }

    /// The condensed difference from version `serial` to the newest one: each record deleted
    /// and re-added on the way appears in neither list (RFC 1995 §5). `None` when the journal
    /// does not reach back to `serial`.
    pub fn since(&self, serial: u32) -> Option<Diff> {
        let start = self.diffs.iter().position(|d| d.from_serial() == serial)?;
        let chain: Vec<&Diff> = self.diffs.iter().skip(start).map(|d| &**d).collect();
        let first = chain.first()?;
        let last = chain.last()?;
        let mut deleted: BTreeMap<Key, Record> = BTreeMap::new();
        let mut added: BTreeMap<Key, Record> = BTreeMap::new();
        for diff in &chain {
            for r in &diff.deleted {
                let k = key(r);
                if added.remove(&k).is_none() {
                    deleted.insert(k, r.clone());
                }
            }
            for r in &diff.added {
                let k = key(r);
                if deleted.remove(&k).is_none() {
                    added.insert(k, r.clone());
                }
            }
        }
        Some(Diff {
            from: first.from.clone(),
            to: last.to.clone(),
            deleted: deleted.into_values().collect(),
            added: added.into_values().collect(),
        })
    }
}

fn soa_serial(record: &Record) -> Option<u32> {
    match &record.data {
        RecordData::Soa(soa) => Some(soa.serial),
        _ => None,
    }
}

/// A record's identity in canonical order: owner, type, class, canonical RDATA, then TTL (a
/// changed TTL is a deletion and an addition).
type Key = (Name, u16, u16, Vec<u8>, u32);

fn key(r: &Record) -> Key {
    let mut w = Writer::with_mode(WireMode::Canonical);
    r.data.encode(&mut w);
    (r.owner.clone(), r.rtype().0, r.class.0, w.into_bytes(), r.ttl)
}

/// Records of `old` not in `new`, and of `new` not in `old`, the apex SOA aside.
fn difference(old: &Zone, new: &Zone) -> (Vec<Record>, Vec<Record>) {
    let keyed = |zone: &Zone| -> Vec<(Key, Record)> {
        let apex = zone.origin().clone();
        let mut v: Vec<(Key, Record)> = zone
            .records()
            .filter(|r| !(r.rtype() == Rtype::SOA && r.owner == apex))
            .map(|r| (key(&r), r))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (old, new) = (keyed(old), keyed(new));
    let (mut deleted, mut added) = (Vec::new(), Vec::new());
    let (mut a, mut b) = (old.into_iter().peekable(), new.into_iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                std::cmp::Ordering::Less => deleted.extend(a.next().map(|p| p.1)),
                std::cmp::Ordering::Greater => added.extend(b.next().map(|p| p.1)),
                std::cmp::Ordering::Equal => {
                    a.next();
                    b.next();
                }
            },
            (Some(_), None) => deleted.extend(a.next().map(|p| p.1)),
            (None, Some(_)) => added.extend(b.next().map(|p| p.1)),
            (None, None) => break,
        }
    }
    (deleted, added)
}
