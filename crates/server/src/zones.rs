//! The set of zones served, finding the most specific zone for a name.

use std::sync::Arc;

use hashbrown::HashMap;

use nameward_dns::Name;

use crate::lower::{MAX_NAME, lower, suffixes};
use crate::zone::Zone;

/// Every zone served. Immutable once built: network code shares it as `ArcSwap<Zones>` and
/// swaps in a new set on reload; zones themselves are `Arc`s so a new set reuses them.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    zones: Vec<Arc<Zone>>,
    /// Lower-cased wire apex → position in `zones`. hashbrown's default hasher (foldhash), not
    /// SipHash: every query hashes each suffix of its name here, and the keys inserted are the
    /// configured apexes, not query data, so there is nothing to flood.
    index: HashMap<Box<[u8]>, usize>,
}

impl Zones {
    /// An empty set.
    pub fn new() -> Zones {
        Zones::default()
    }

    /// Adds `zone`, returning the zone it replaces (same apex), if any.
    pub fn insert(&mut self, zone: Arc<Zone>) -> Option<Arc<Zone>> {
        let mut buf = [0u8; MAX_NAME];
        let key: Box<[u8]> = lower(zone.origin(), &mut buf).into();
        match self.index.get(&key) {
            Some(&at) => self.zones.get_mut(at).map(|slot| std::mem::replace(slot, zone)),
            None => {
                self.index.insert(key, self.zones.len());
                self.zones.push(zone);
                None
            }
        }
    }

    /// Removes the zone at `apex`.
    pub fn remove(&mut self, apex: &Name) -> Option<Arc<Zone>> {
        let mut buf = [0u8; MAX_NAME];
        let at = self.index.remove(lower(apex, &mut buf))?;
        let zone = self.zones.remove(at);
        for slot in self.index.values_mut() {
            if *slot > at {
                *slot -= 1;
            }
        }
        Some(zone)
    }

    /// The zone whose apex is exactly `apex`.
    pub fn get(&self, apex: &Name) -> Option<&Arc<Zone>> {
        let mut buf = [0u8; MAX_NAME];
        self.index.get(lower(apex, &mut buf)).and_then(|&at| self.zones.get(at))
    }

    /// The most specific zone containing `name`.
    pub fn find(&self, name: &Name) -> Option<&Arc<Zone>> {
        let mut buf = [0u8; MAX_NAME];
        self.find_lower(lower(name, &mut buf), false)
    }

    /// The most specific zone containing `key` (lower-cased wire); with `parent_side`, a zone
    /// whose apex is `key` itself is skipped, as DS is answered by the parent (RFC 4035 §3.1.4.1).
    pub(crate) fn find_lower(&self, key: &[u8], parent_side: bool) -> Option<&Arc<Zone>> {
        let skip = usize::from(parent_side);
        let found = suffixes(key).skip(skip).find_map(|s| self.index.get(s));
        match found {
            Some(&at) => self.zones.get(at),
            // No parent here: the child's apex answers (a NODATA from the child, as Knot does).
            None if parent_side => self.find_lower(key, false),
            None => None,
        }
    }

    /// The zones, in the order added.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Arc<Zone>> {
        self.zones.iter()
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// True when no zone is served.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }
}
