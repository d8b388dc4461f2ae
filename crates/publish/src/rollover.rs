//! Zone-signing key rollovers by pre-publication (RFC 6781 §4.1.1.1, timings of RFC 7583
//! §3.2.1), as pure decisions over the keys' times and the time now.
//!
//! A ZSK signs for its lifetime. Its successor is published `Ipub` = Dprp + TTLkey before
//! that ends, so that every resolver holding the DNSKEY RRset has the new key before any
//! signature made with it; then the successor signs (the zone is signed whole with it at
//! once) and the old key only stays published for `Iret` = Dprp + TTLsig, until no cached
//! signature of it remains. Nothing here reads a clock or a file: the publisher gives the
//! time and keeps the keys.

/// When a key enters and leaves the zone, in seconds since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTiming {
    /// In the DNSKEY RRset from then.
    pub published: u64,
    /// Signs from then.
    pub active: u64,
    /// Signs no more from then.
    pub retired: Option<u64>,
    /// Out of the DNSKEY RRset from then.
    pub removed: Option<u64>,
}

impl KeyTiming {
    /// A key that has been published and signing since ever, and stays.
    pub const ALWAYS: KeyTiming =
        KeyTiming { published: 0, active: 0, retired: None, removed: None };

    /// A key published and signing from `now` on.
    pub fn from(now: u64) -> KeyTiming {
        KeyTiming { published: now, active: now, retired: None, removed: None }
    }

    /// Whether the key is in the DNSKEY RRset at `now`.
    pub fn published_at(&self, now: u64) -> bool {
        self.published <= now && self.removed.is_none_or(|removed| now < removed)
    }

    /// Whether the key signs at `now`.
    pub fn signs_at(&self, now: u64) -> bool {
        self.active <= now && self.retired.is_none_or(|retired| now < retired)
    }

    /// Every time at which this key's part changes.
    fn times(&self) -> impl Iterator<Item = u64> {
        [Some(self.published), Some(self.active), self.retired, self.removed].into_iter().flatten()
    }
}

/// The intervals a rollover waits, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloverTimes {
    /// How long a ZSK signs; `None`: it is never rolled.
    pub zsk_lifetime: Option<u64>,
    /// Dprp: how long a change takes to reach every secondary.
    pub propagation: u64,
    /// TTLkey: the DNSKEY RRset's TTL.
    pub dnskey_ttl: u64,
    /// TTLsig: the largest TTL of a signed RRset.
    pub max_ttl: u64,
}

impl RolloverTimes {
    /// Ipub: from publishing a key to signing with it.
    pub fn prepublication(&self) -> u64 {
        self.propagation + self.dnskey_ttl
    }

    /// Iret: from a key's last signature to its removal. Dsgn is nothing here: the zone is
    /// signed whole with the new key the moment it becomes active.
    pub fn retirement(&self) -> u64 {
        self.propagation + self.max_ttl
    }
}

/// A ZSK rollover starting now: the new key's times and the old key's new times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZskRollover {
    /// The successor's times.
    pub new: KeyTiming,
    /// Which of the keys given is succeeded.
    pub old: usize,
    /// Its times, retirement and removal set.
    pub old_timing: KeyTiming,
}

/// The ZSK that signs with no successor yet: the zone-signing key (`zsk`) without a
/// retirement, the newest active of them.
fn current_zsk(keys: &[(bool, KeyTiming)]) -> Option<(usize, KeyTiming)> {
    keys.iter()
        .enumerate()
        .filter(|(_, (zsk, timing))| *zsk && timing.retired.is_none())
        .max_by_key(|(_, (_, timing))| timing.active)
        .map(|(i, (_, timing))| (i, *timing))
}

/// When the current ZSK's successor is to be published.
fn rollover_due(keys: &[(bool, KeyTiming)], times: &RolloverTimes) -> Option<u64> {
    let (_, current) = current_zsk(keys)?;
    let lifetime = times.zsk_lifetime?;
    Some((current.active + lifetime).saturating_sub(times.prepublication()))
}

/// The rollover to start at `now` among `keys` (whether each is a ZSK, and its times), if one
/// is due: the ZSK signing without a successor has come within `Ipub` of its lifetime's end.
pub fn zsk_rollover(
    keys: &[(bool, KeyTiming)],
    times: &RolloverTimes,
    now: u64,
) -> Option<ZskRollover> {
    if rollover_due(keys, times)? > now {
        return None;
    }
    let (old, timing) = current_zsk(keys)?;
    let active = now + times.prepublication();
    let new = KeyTiming { published: now, active, retired: None, removed: None };
    let old_timing =
        KeyTiming { retired: Some(active), removed: Some(active + times.retirement()), ..timing };
    Some(ZskRollover { new, old, old_timing })
}

/// The rollovers left half done: a process stopped after it kept a successor and before it
/// kept the old key's new times leaves two ZSKs without a retirement. Each but the newest is
/// given the times the rollover would have given it, counted from when the newest signs.
/// Nothing when ZSKs are not rolled (keys placed by hand keep their times).
pub fn unfinished_rollovers(
    keys: &[(bool, KeyTiming)],
    times: &RolloverTimes,
) -> Vec<(usize, KeyTiming)> {
    let (Some((newest, successor)), Some(_)) = (current_zsk(keys), times.zsk_lifetime) else {
        return Vec::new();
    };
    keys.iter()
        .enumerate()
        .filter(|(i, (zsk, timing))| *zsk && timing.retired.is_none() && *i != newest)
        .map(|(i, (_, timing))| {
            let retired = successor.active;
            let removed = retired + times.retirement();
            (i, KeyTiming { retired: Some(retired), removed: Some(removed), ..*timing })
        })
        .collect()
}

/// The first time after `now` at which the keys published or signing change, or a rollover
/// is due; `None` when nothing is to come.
pub fn next_event(keys: &[(bool, KeyTiming)], times: &RolloverTimes, now: u64) -> Option<u64> {
    let changes = keys.iter().flat_map(|(_, timing)| timing.times());
    changes.chain(rollover_due(keys, times)).filter(|&at| at > now).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;

    fn times() -> RolloverTimes {
        RolloverTimes {
            zsk_lifetime: Some(30 * DAY),
            propagation: HOUR,
            dnskey_ttl: 2 * HOUR,
            max_ttl: 6 * HOUR,
        }
    }

    #[test]
    fn a_zsk_is_succeeded_by_pre_publication() {
        let start = 1_000 * DAY;
        let ksk = (false, KeyTiming::from(start));
        let zsk = (true, KeyTiming::from(start));
        let keys = [ksk, zsk];
        // Due Ipub (3 h) before the 30 days end.
        let due = start + 30 * DAY - 3 * HOUR;
        assert_eq!(next_event(&keys, &times(), start), Some(due));
        assert_eq!(zsk_rollover(&keys, &times(), due - 1), None);
        let roll = zsk_rollover(&keys, &times(), due).unwrap();
        assert_eq!(roll.old, 1);
        assert_eq!(
            roll.new,
            KeyTiming { published: due, active: due + 3 * HOUR, retired: None, removed: None }
        );
        assert_eq!(roll.old_timing.retired, Some(due + 3 * HOUR));
        assert_eq!(roll.old_timing.removed, Some(due + 3 * HOUR + 7 * HOUR));

        // After it: the next events are the swap, the removal, then the successor's own turn.
        let keys = [ksk, (true, roll.old_timing), (true, roll.new)];
        assert_eq!(zsk_rollover(&keys, &times(), due), None);
        assert_eq!(next_event(&keys, &times(), due), Some(due + 3 * HOUR));
        assert_eq!(next_event(&keys, &times(), due + 3 * HOUR), Some(due + 10 * HOUR));
        assert_eq!(
            next_event(&keys, &times(), due + 10 * HOUR),
            Some(due + 3 * HOUR + 30 * DAY - 3 * HOUR)
        );
        // At every moment some ZSK signs, and it is published.
        for now in (due - DAY..due + 2 * DAY).step_by(600) {
            let signing: Vec<_> = keys.iter().filter(|(zsk, t)| *zsk && t.signs_at(now)).collect();
            assert_eq!(signing.len(), 1, "at {now}");
            assert!(signing[0].1.published_at(now));
        }
    }

    #[test]
    fn a_rollover_stopped_half_way_is_finished() {
        let start = 1_000 * DAY;
        let roll = zsk_rollover(
            &[(false, KeyTiming::from(start)), (true, KeyTiming::from(start))],
            &times(),
            start + 30 * DAY,
        )
        .unwrap();
        // The successor was kept, the old key's times were not.
        let keys =
            [(false, KeyTiming::from(start)), (true, KeyTiming::from(start)), (true, roll.new)];
        assert_eq!(unfinished_rollovers(&keys, &times()), [(1, roll.old_timing)]);
        // Finished, or never begun, there is nothing to do.
        let done = [(false, KeyTiming::from(start)), (true, roll.old_timing), (true, roll.new)];
        assert!(unfinished_rollovers(&done, &times()).is_empty());
        assert!(unfinished_rollovers(&keys[..2], &times()).is_empty());
        let by_hand = RolloverTimes { zsk_lifetime: None, ..times() };
        assert!(unfinished_rollovers(&keys, &by_hand).is_empty());
    }

    #[test]
    fn keys_that_never_roll_have_no_events() {
        let keys = [(false, KeyTiming::ALWAYS), (true, KeyTiming::ALWAYS)];
        let never = RolloverTimes { zsk_lifetime: None, ..times() };
        assert_eq!(zsk_rollover(&keys, &never, 5 * DAY), None);
        assert_eq!(next_event(&keys, &never, 5 * DAY), None);
        // A CSK alone is no ZSK: nothing to roll.
        assert_eq!(zsk_rollover(&[(false, KeyTiming::ALWAYS)], &times(), 500 * DAY), None);
    }
}
