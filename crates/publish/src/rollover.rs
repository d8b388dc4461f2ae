//! Key rollovers as pure decisions over the keys' times and the time now (RFC 6781 §4.1,
//! timings of RFC 7583): ZSK pre-publication, KSK double-KSK, and the conservative algorithm
//! rollover. Nothing here reads a clock, a file or the parent: the publisher gives the time,
//! keeps the keys, and says when the parent serves a new key's DS.
//!
//! - **ZSK** (RFC 7583 §3.2.1): the successor is published `Ipub` = Dprp + TTLkey before the
//!   current key's lifetime ends, then signs (the zone is signed whole with it at once); the
//!   old key stays published for `Iret` = Dprp + TTLsig, until no cached signature of it
//!   remains.
//! - **KSK** (RFC 7583 §3.3.1, double-KSK): the successor is published and signs the DNSKEY
//!   RRset at once; after `Ipub` its DS is wanted at the parent (the zone's CDS says so); once
//!   every parent server serves that DS, the old KSK goes after DprpP + TTLds, when no cache
//!   holds a DS set without the new one.
//! - **Algorithm** (RFC 6781 §4.1.4, conservative): the new algorithm's keys sign everything
//!   unpublished for Dprp + TTLsig, so that every cached RRset carries their signatures before
//!   any resolver sees their DNSKEYs; then they are published; after `Ipub` the new KSK's DS is
//!   wanted; once the parent serves it, the old keys leave the DNSKEY RRset after DprpP +
//!   TTLds and stop signing Dprp + TTLkey later.
//!
//! One rollover of a kind runs at a time, and nothing else while the algorithm changes.

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

    /// Whether the key has no end yet: it is current, or the successor of a rollover.
    fn stays(&self) -> bool {
        self.retired.is_none() && self.removed.is_none()
    }

    /// Every time at which this key's part changes.
    fn times(&self) -> impl Iterator<Item = u64> {
        [Some(self.published), Some(self.active), self.retired, self.removed].into_iter().flatten()
    }
}

/// What a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The DNSKEY RRset; its DS is at the parent.
    Ksk,
    /// Everything else.
    Zsk,
    /// Both: the algorithm's only kind of key.
    Csk,
}

impl Role {
    /// Whether the parent's DS points at keys of this role.
    pub fn is_key_signing(self) -> bool {
        self != Role::Zsk
    }
}

/// One key of a zone as the decisions see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyState {
    /// What it signs.
    pub role: Role,
    /// Its DNSSEC algorithm number.
    pub algorithm: u8,
    /// When it is published and signs.
    pub timing: KeyTiming,
}

/// The keys a zone is to have: the algorithm, and one key or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The algorithm of the zone's keys; keys of another start an algorithm rollover.
    pub algorithm: u8,
    /// A KSK and a ZSK (`true`), or a CSK.
    pub split: bool,
}

impl Target {
    fn roles(&self) -> &'static [Role] {
        if self.split { &[Role::Ksk, Role::Zsk] } else { &[Role::Csk] }
    }
}

/// The intervals a rollover waits, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloverTimes {
    /// How long a ZSK signs; `None`: it is never rolled.
    pub zsk_lifetime: Option<u64>,
    /// How long a KSK signs; `None`: it is never rolled.
    pub ksk_lifetime: Option<u64>,
    /// Dprp (and DprpP at the parent): how long a change takes to reach every secondary.
    pub propagation: u64,
    /// TTLkey: the DNSKEY RRset's TTL.
    pub dnskey_ttl: u64,
    /// TTLsig: the largest TTL of a signed RRset.
    pub max_ttl: u64,
}

impl RolloverTimes {
    /// Ipub: from publishing a key to relying on it (signing with a ZSK, a KSK's DS).
    pub fn prepublication(&self) -> u64 {
        self.propagation + self.dnskey_ttl
    }

    /// Iret: from a key's last signature to its removal. Dsgn is nothing here: the zone is
    /// signed whole with the new key the moment it becomes active.
    pub fn retirement(&self) -> u64 {
        self.propagation + self.max_ttl
    }

    /// When a key-signing key published at `published` is ready: its DNSKEY is in every
    /// cache, so the parent may point at it.
    fn ready(&self, published: u64) -> u64 {
        published + self.prepublication()
    }
}

/// A change to the keys that a rollover step decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A new key with these times.
    Add {
        /// What it signs.
        role: Role,
        /// Its algorithm.
        algorithm: u8,
        /// Its times.
        timing: KeyTiming,
    },
    /// New times for the key at `index`.
    Retime {
        /// Which of the keys given.
        index: usize,
        /// Its times from now on.
        timing: KeyTiming,
    },
}

/// The keys without an end yet, with their indexes.
fn staying(keys: &[KeyState]) -> impl Iterator<Item = (usize, &KeyState)> {
    keys.iter().enumerate().filter(|(_, key)| key.timing.stays())
}

/// Whether keys of more than one algorithm stay: an algorithm rollover runs.
fn algorithm_changing(keys: &[KeyState]) -> bool {
    let mut algorithms = staying(keys).map(|(_, key)| key.algorithm);
    let first = algorithms.next();
    algorithms.any(|algorithm| Some(algorithm) != first)
}

/// The key of `role` and `algorithm` that signs without a successor: the newest active of
/// those without an end.
fn current(keys: &[KeyState], role: Role, algorithm: u8) -> Option<(usize, KeyTiming)> {
    staying(keys)
        .filter(|(_, key)| key.role == role && key.algorithm == algorithm)
        .max_by_key(|(_, key)| key.timing.active)
        .map(|(i, key)| (i, key.timing))
}

/// When the current ZSK of `algorithm`'s successor is to be published.
fn zsk_rollover_due(keys: &[KeyState], times: &RolloverTimes, algorithm: u8) -> Option<u64> {
    let (_, current) = current(keys, Role::Zsk, algorithm)?;
    Some((current.active + times.zsk_lifetime?).saturating_sub(times.prepublication()))
}

/// When the current KSK of `algorithm`'s successor is to be published.
fn ksk_rollover_due(keys: &[KeyState], times: &RolloverTimes, algorithm: u8) -> Option<u64> {
    let (_, current) = current(keys, Role::Ksk, algorithm)?;
    Some(current.active + times.ksk_lifetime?)
}

/// The steps to take at `now` for the keys to become what `target` asks, one rollover step
/// at a time; nothing when nothing is due. Steps that add keys come before those that retime
/// the keys they succeed, so a process killed between the two leaves a state that
/// [`steps`] finishes the next time.
pub fn steps(keys: &[KeyState], times: &RolloverTimes, target: Target, now: u64) -> Vec<Step> {
    let of_target: Vec<&KeyState> =
        staying(keys).map(|(_, key)| key).filter(|key| key.algorithm == target.algorithm).collect();
    // Keys the target's roles lack: none at all starts an algorithm rollover; a KSK without
    // its ZSK is an algorithm rollover (or a first start) stopped between two keys.
    if let Some(model) = of_target.iter().max_by_key(|key| key.timing.active) {
        let has = |role: Role| of_target.iter().any(|key| key.role == role);
        if target.split && has(Role::Csk) && !has(Role::Zsk) {
            // Before the key is published, its partner joins it as it is; after, the partner
            // is pre-published while the key alone signs everything, as a CSK does.
            let timing = if model.timing.published > now {
                model.timing
            } else {
                let active = now + times.prepublication();
                KeyTiming { published: now, active, retired: None, removed: None }
            };
            return vec![Step::Add { role: Role::Zsk, algorithm: target.algorithm, timing }];
        }
    } else {
        // A zone's first keys publish and sign at once; an algorithm's first keys sign
        // unpublished until every cached RRset carries their signatures.
        let timing = match keys.is_empty() {
            true => KeyTiming::from(now),
            false => KeyTiming { published: now + times.retirement(), ..KeyTiming::from(now) },
        };
        return (target.roles().iter())
            .map(|&role| Step::Add { role, algorithm: target.algorithm, timing })
            .collect();
    }
    if algorithm_changing(keys) {
        return Vec::new();
    }
    let mut steps = unfinished_zsk_rollovers(keys, times, target.algorithm);
    if !steps.is_empty() {
        return steps;
    }
    if zsk_rollover_due(keys, times, target.algorithm).is_some_and(|due| due <= now)
        && let Some((old, timing)) = current(keys, Role::Zsk, target.algorithm)
    {
        let active = now + times.prepublication();
        let new = KeyTiming { published: now, active, retired: None, removed: None };
        let old_timing = KeyTiming {
            retired: Some(active),
            removed: Some(active + times.retirement()),
            ..timing
        };
        steps.push(Step::Add { role: Role::Zsk, algorithm: target.algorithm, timing: new });
        steps.push(Step::Retime { index: old, timing: old_timing });
    }
    let one_ksk = staying(keys).filter(|(_, key)| key.role == Role::Ksk).count() == 1;
    if one_ksk && ksk_rollover_due(keys, times, target.algorithm).is_some_and(|due| due <= now) {
        let timing = KeyTiming::from(now);
        steps.push(Step::Add { role: Role::Ksk, algorithm: target.algorithm, timing });
    }
    steps
}

/// The ZSK rollovers left half done: a process stopped after it kept a successor and before
/// it kept the old key's new times leaves two ZSKs of one algorithm without an end. Each but
/// the newest is given the times the rollover would have given it, counted from when the
/// newest signs. Nothing when ZSKs are not rolled (keys placed by hand keep their times).
fn unfinished_zsk_rollovers(keys: &[KeyState], times: &RolloverTimes, algorithm: u8) -> Vec<Step> {
    let (Some((newest, successor)), Some(_)) =
        (current(keys, Role::Zsk, algorithm), times.zsk_lifetime)
    else {
        return Vec::new();
    };
    staying(keys)
        .filter(|(i, key)| key.role == Role::Zsk && key.algorithm == algorithm && *i != newest)
        .map(|(index, key)| {
            let retired = successor.active;
            let removed = retired + times.retirement();
            let timing = KeyTiming { retired: Some(retired), removed: Some(removed), ..key.timing };
            Step::Retime { index, timing }
        })
        .collect()
}

/// The key-signing key whose DS the parent is waited for: the newest of two or more without
/// an end, once it is ready. The publisher asks the parent, and gives [`parent_serves`] the
/// answer.
pub fn awaiting_parent(keys: &[KeyState], times: &RolloverTimes, now: u64) -> Option<usize> {
    let signing_keys = || staying(keys).filter(|(_, key)| key.role.is_key_signing());
    if signing_keys().count() < 2 {
        return None;
    }
    let (newest, key) = signing_keys().max_by_key(|(_, key)| key.timing.published)?;
    (times.ready(key.timing.published) <= now).then_some(newest)
}

/// What the parent's servers serve, as [`parent_serves`] takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentView {
    /// Every server serves a DS of the new key.
    pub serves_new: bool,
    /// Some server serves a DS of an algorithm other than the new key's.
    pub serves_other_algorithms: bool,
    /// The DS RRset's TTL (the largest served), in seconds.
    pub ttl: u64,
}

/// The steps once the parent serves what the rollover waits for (see [`awaiting_parent`]):
/// the keys `new` succeeds get their ends, counted from `now`. A KSK of the same algorithm
/// leaves once every server serves the new DS, when no cache holds the DS set without it.
/// The keys of an old algorithm wait until no server serves a DS of theirs either (a
/// validator strict about algorithms wants every algorithm of the DS set to sign, RFC 6840
/// §5.11); they leave the DNSKEY RRset when no cache holds that DS set, and sign until no
/// cache holds the DNSKEY RRset with them.
pub fn parent_serves(
    keys: &[KeyState],
    times: &RolloverTimes,
    new: usize,
    now: u64,
    parent: ParentView,
) -> Vec<Step> {
    let Some(successor) = keys.get(new) else { return Vec::new() };
    let changing = algorithm_changing(keys);
    if !parent.serves_new || (changing && parent.serves_other_algorithms) {
        return Vec::new();
    }
    let removed = now + times.propagation + parent.ttl;
    staying(keys)
        .filter(|(index, _)| *index != new)
        .filter_map(|(index, key)| {
            let retired = if key.algorithm != successor.algorithm {
                removed + times.prepublication()
            } else if key.role.is_key_signing() {
                removed
            } else {
                return None;
            };
            let timing = KeyTiming { retired: Some(retired), removed: Some(removed), ..key.timing };
            Some(Step::Retime { index, timing })
        })
        .collect()
}

/// The key-signing keys whose DS the parent is to serve at `now`, as the zone's CDS and
/// CDNSKEY say (RFC 7344), while more than one key-signing key is published:
/// - a KSK rollover: those without an end that are ready — the old and the new while the
///   parent is to add the new one, the new one alone once the old one is leaving;
/// - an algorithm rollover: the new algorithm's, once ready — the parent replaces the DS set
///   (RFC 6781 §4.1.4), while the old keys still sign for caches holding the old one.
///
/// Nothing otherwise: there is nothing for the parent to change (as Knot's default).
pub fn wanted_at_parent(keys: &[KeyState], times: &RolloverTimes, now: u64) -> Vec<usize> {
    let signing_keys = || keys.iter().enumerate().filter(|(_, key)| key.role.is_key_signing());
    if signing_keys().filter(|(_, key)| key.timing.published_at(now)).count() < 2 {
        return Vec::new();
    }
    let newest =
        signing_keys().max_by_key(|(_, key)| key.timing.published).map(|(_, k)| k.algorithm);
    let changing = algorithm_changing(keys);
    let ready = signing_keys()
        .filter(|(_, key)| key.timing.stays() && times.ready(key.timing.published) <= now)
        .filter(|(_, key)| !changing || Some(key.algorithm) == newest);
    ready.map(|(index, _)| index).collect()
}

/// The first time after `now` at which the keys published or signing change, a key becomes
/// ready, or a rollover is due; `None` when nothing is to come.
pub fn next_event(keys: &[KeyState], times: &RolloverTimes, now: u64) -> Option<u64> {
    let changes = keys.iter().flat_map(|key| key.timing.times());
    // A key-signing key's readiness matters when it succeeds another.
    let signing_keys = || keys.iter().filter(|key| key.role.is_key_signing() && key.timing.stays());
    let succession = signing_keys().count() > 1;
    let ready = signing_keys().filter(|_| succession).map(|key| times.ready(key.timing.published));
    let algorithms = keys.iter().map(|key| key.algorithm);
    let due = algorithms.flat_map(|algorithm| {
        [zsk_rollover_due(keys, times, algorithm), ksk_rollover_due(keys, times, algorithm)]
    });
    changes.chain(ready).chain(due.flatten()).filter(|&at| at > now).min()
}

#[cfg(test)]
mod tests;
