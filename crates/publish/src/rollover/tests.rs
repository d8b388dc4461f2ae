use super::*;

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

fn times() -> RolloverTimes {
    RolloverTimes {
        zsk_lifetime: Some(30 * DAY),
        ksk_lifetime: Some(90 * DAY),
        propagation: HOUR,
        dnskey_ttl: 2 * HOUR,
        max_ttl: 6 * HOUR,
    }
}

const P256: u8 = 13;
const ED25519: u8 = 15;

fn key(role: Role, timing: KeyTiming) -> KeyState {
    KeyState { role, algorithm: P256, timing }
}

fn apply(keys: &mut Vec<KeyState>, steps: &[Step], now: u64) {
    for step in steps {
        match *step {
            Step::Add { role, algorithm, timing } => {
                keys.push(KeyState { role, algorithm, timing });
                // A key of the other kind makes a lone key-signing key a KSK.
                let split = keys.iter().any(|k| k.algorithm == algorithm && k.role == Role::Zsk);
                for k in keys.iter_mut().filter(|k| k.algorithm == algorithm && split) {
                    if k.role == Role::Csk {
                        k.role = Role::Ksk;
                    }
                }
            }
            Step::Retime { index, timing } => {
                let old = keys[index].timing;
                // Nothing that has happened is rewritten.
                assert_eq!((old.published, old.active), (timing.published, timing.active));
                for (was, is) in [(old.retired, timing.retired), (old.removed, timing.removed)] {
                    assert!(was.is_none() || was == is, "a set end moved");
                    assert!(is.is_none_or(|at| at >= now), "an end set in the past");
                }
                keys[index].timing = timing;
            }
        }
    }
}

#[test]
fn a_zsk_is_succeeded_by_pre_publication() {
    let start = 1_000 * DAY;
    let target = Target { algorithm: P256, split: true };
    let no_ksk_rolls = RolloverTimes { ksk_lifetime: None, ..times() };
    let mut keys =
        vec![key(Role::Ksk, KeyTiming::from(start)), key(Role::Zsk, KeyTiming::from(start))];
    // Due Ipub (3 h) before the 30 days end.
    let due = start + 30 * DAY - 3 * HOUR;
    assert_eq!(next_event(&keys, &no_ksk_rolls, start), Some(due));
    assert!(steps(&keys, &no_ksk_rolls, target, due - 1).is_empty());
    let roll = steps(&keys, &no_ksk_rolls, target, due);
    let new = KeyTiming { published: due, active: due + 3 * HOUR, retired: None, removed: None };
    let old = KeyTiming {
        retired: Some(due + 3 * HOUR),
        removed: Some(due + 10 * HOUR),
        ..keys[1].timing
    };
    assert_eq!(
        roll,
        [
            Step::Add { role: Role::Zsk, algorithm: P256, timing: new },
            Step::Retime { index: 1, timing: old }
        ]
    );
    apply(&mut keys, &roll, due);
    assert!(steps(&keys, &no_ksk_rolls, target, due).is_empty());
    assert_eq!(next_event(&keys, &no_ksk_rolls, due), Some(due + 3 * HOUR));
    assert_eq!(next_event(&keys, &no_ksk_rolls, due + 3 * HOUR), Some(due + 10 * HOUR));
    assert_eq!(next_event(&keys, &no_ksk_rolls, due + 10 * HOUR), Some(due + 30 * DAY));
}

#[test]
fn a_rollover_stopped_half_way_is_finished() {
    let start = 1_000 * DAY;
    let target = Target { algorithm: P256, split: true };
    let keys = vec![key(Role::Ksk, KeyTiming::from(start)), key(Role::Zsk, KeyTiming::from(start))];
    let roll = steps(&keys, &times(), target, start + 30 * DAY);
    // The successor was kept, the old key's times were not.
    let mut half = keys.clone();
    apply(&mut half, &roll[..1], start + 30 * DAY);
    assert_eq!(steps(&half, &times(), target, start + 31 * DAY), roll[1..]);
    // Never begun, there is nothing to do; keys never rolled keep the times they have.
    assert!(steps(&keys, &times(), target, start + DAY).is_empty());
    let by_hand = RolloverTimes { zsk_lifetime: None, ksk_lifetime: None, ..times() };
    assert!(steps(&half, &by_hand, target, start + 31 * DAY).is_empty());

    // A first start or an algorithm rollover stopped between its KSK and its ZSK.
    let lone = vec![KeyState { role: Role::Csk, algorithm: P256, timing: KeyTiming::from(start) }];
    let partner = steps(&lone, &times(), target, start + 5);
    let pre_published = KeyTiming {
        published: start + 5,
        active: start + 5 + 3 * HOUR,
        retired: None,
        removed: None,
    };
    assert_eq!(partner, [Step::Add { role: Role::Zsk, algorithm: P256, timing: pre_published }]);
    let unpublished = KeyTiming { published: start + 7 * HOUR, ..KeyTiming::from(start) };
    let lone = vec![KeyState { role: Role::Csk, algorithm: P256, timing: unpublished }];
    let partner = steps(&lone, &times(), target, start + 5);
    assert_eq!(partner, [Step::Add { role: Role::Zsk, algorithm: P256, timing: unpublished }]);
}

#[test]
fn keys_that_never_roll_have_no_events() {
    let never = RolloverTimes { zsk_lifetime: None, ksk_lifetime: None, ..times() };
    let keys = [key(Role::Ksk, KeyTiming::ALWAYS), key(Role::Zsk, KeyTiming::ALWAYS)];
    let target = Target { algorithm: P256, split: true };
    assert!(steps(&keys, &never, target, 5 * DAY).is_empty());
    assert_eq!(next_event(&keys, &never, 5 * DAY), None);
    // A CSK is no ZSK or KSK: lifetimes do not roll it.
    let csk = [key(Role::Csk, KeyTiming::ALWAYS)];
    assert!(steps(&csk, &times(), Target { algorithm: P256, split: false }, 500 * DAY).is_empty());
}

/// A zone, its parent and the caches between, over simulated time.
struct World {
    keys: Vec<KeyState>,
    times: RolloverTimes,
    /// The DS TTL at the parent.
    ds_ttl: u64,
    /// How long the parent's operator takes to follow the zone's CDS.
    parent_lag: u64,
    /// The parent's DS set (indexes into `keys`) from each time on.
    parent: Vec<(u64, Vec<usize>)>,
    /// Changes to the parent's DS set the operator has yet to make, in order.
    parent_pending: Vec<(u64, Vec<usize>)>,
}

impl World {
    fn parent_at(&self, at: u64) -> &[usize] {
        self.parent.iter().rev().find(|(from, _)| *from <= at).map_or(&[], |(_, ds)| ds)
    }

    /// The keys that sign the DNSKEY RRset, or every other RRset, at `at`: per algorithm,
    /// the keys of the kind wanted that sign then, or the other kind when none does (as the
    /// whole-zone signer decides).
    fn signers(&self, at: u64, key_signing: bool) -> Vec<usize> {
        let mut out = Vec::new();
        let signing: Vec<usize> =
            (0..self.keys.len()).filter(|&i| self.keys[i].timing.signs_at(at)).collect();
        let mut algorithms: Vec<u8> = signing.iter().map(|&i| self.keys[i].algorithm).collect();
        algorithms.dedup();
        for algorithm in algorithms {
            let of = signing.iter().copied().filter(|&i| self.keys[i].algorithm == algorithm);
            let (sep, other): (Vec<usize>, Vec<usize>) =
                of.partition(|&i| self.keys[i].role.is_key_signing());
            let (wanted, fallback) = if key_signing { (sep, other) } else { (other, sep) };
            out.extend(if wanted.is_empty() { fallback } else { wanted });
        }
        out
    }

    fn published(&self, at: u64) -> Vec<usize> {
        (0..self.keys.len()).filter(|&i| self.keys[i].timing.published_at(at)).collect()
    }

    /// Runs the publisher's decisions from `start` to `end`; returns every time something
    /// changed.
    fn run(&mut self, mut target: impl FnMut(u64) -> Target, start: u64, end: u64) -> Vec<u64> {
        let mut now = start;
        let mut events = vec![start];
        while now < end {
            for _ in 0..4 {
                let steps = steps(&self.keys, &self.times, target(now), now);
                if steps.is_empty() {
                    break;
                }
                apply(&mut self.keys, &steps, now);
                events.push(now);
            }
            if let Some(new) = awaiting_parent(&self.keys, &self.times, now) {
                let algorithm = self.keys[new].algorithm;
                let served = self.parent_at(now);
                let view = ParentView {
                    serves_new: served.contains(&new),
                    serves_other_algorithms: served
                        .iter()
                        .any(|&i| self.keys[i].algorithm != algorithm),
                    ttl: self.ds_ttl,
                };
                let steps = parent_serves(&self.keys, &self.times, new, now, view);
                if !steps.is_empty() {
                    apply(&mut self.keys, &steps, now);
                    events.push(now);
                }
            }
            let mut wanted = wanted_at_parent(&self.keys, &self.times, now);
            wanted.sort_unstable();
            while self.parent_pending.first().is_some_and(|(at, _)| *at <= now) {
                let (at, ds) = self.parent_pending.remove(0);
                self.parent.push((at, ds));
                events.push(at);
            }
            // The parent's operator adds DS records a lag after the CDS asks, and removes
            // those it no longer lists a lag later still.
            let last = self.parent_pending.last().map_or(self.parent_at(now), |(_, ds)| ds);
            if !wanted.is_empty() && last != wanted {
                let mut both: Vec<usize> = self.parent_at(now).to_vec();
                both.extend(&wanted);
                both.sort_unstable();
                both.dedup();
                if both != wanted {
                    self.parent_pending.push((now + self.parent_lag, both));
                }
                self.parent_pending.push((now + 2 * self.parent_lag, wanted));
            }
            let polled = now + 6 * HOUR;
            let mut next = next_event(&self.keys, &self.times, now).unwrap_or(polled).min(polled);
            if let Some((at, _)) = self.parent_pending.first() {
                next = next.min((*at).max(now + 1));
            }
            now = next;
        }
        events
    }

    /// Every combination a validating resolver can hold at `now` — a DS set the parent
    /// served within DprpP + TTLds, a DNSKEY RRset served within Dprp + TTLkey, an RRset
    /// signed within Dprp + TTLsig — proves the RRset, and (RFC 4035 §2.2, for strict
    /// validators) every algorithm in that DNSKEY RRset signed it.
    fn check(&self, now: u64) {
        let window = |length: u64| {
            let from = now.saturating_sub(length);
            let mut at: Vec<u64> = vec![from, now];
            for key in &self.keys {
                for t in key.timing.times().chain([self.times.ready(key.timing.published)]) {
                    for t in [t.saturating_sub(1), t] {
                        if (from..=now).contains(&t) {
                            at.push(t);
                        }
                    }
                }
            }
            for (t, _) in &self.parent {
                for t in [t.saturating_sub(1), *t] {
                    if (from..=now).contains(&t) {
                        at.push(t);
                    }
                }
            }
            at.sort_unstable();
            at.dedup();
            at
        };
        let t = &self.times;
        for p in window(t.propagation + self.ds_ttl) {
            let ds = self.parent_at(p);
            for k in window(t.propagation + t.dnskey_ttl) {
                let dnskeys = self.published(k);
                let key_signers = self.signers(k, true);
                let trusted = ds.iter().any(|i| dnskeys.contains(i) && key_signers.contains(i));
                // Strict validators: each algorithm of the DS set signs the DNSKEY RRset.
                for i in ds {
                    let algorithm = self.keys[*i].algorithm;
                    let signed = key_signers
                        .iter()
                        .any(|j| dnskeys.contains(j) && self.keys[*j].algorithm == algorithm);
                    assert!(
                        signed,
                        "at {now}: DS of {p} {ds:?} has algorithm {algorithm}, DNSKEY of {k} signed by {key_signers:?}"
                    );
                }
                assert!(
                    trusted,
                    "at {now}: DS of {p} {ds:?}, DNSKEY of {k} {dnskeys:?} signed by {key_signers:?}"
                );
                for s in window(t.propagation + t.max_ttl) {
                    let signers = self.signers(s, false);
                    let proven = signers.iter().any(|i| dnskeys.contains(i));
                    assert!(
                        proven,
                        "at {now}: RRset of {s} signed by {signers:?}, DNSKEY of {k} {dnskeys:?}"
                    );
                    for i in &dnskeys {
                        let algorithm = self.keys[*i].algorithm;
                        let signed = signers.iter().any(|j| self.keys[*j].algorithm == algorithm);
                        assert!(
                            signed,
                            "at {now}: DNSKEY of {k} has algorithm {algorithm}, RRset of {s} signed by {signers:?}"
                        );
                    }
                }
            }
        }
    }
}

/// A year of ZSK and KSK rollovers and a change of algorithm, with a parent that follows the
/// zone's CDS a day late: at every moment around every change, every cache a resolver can
/// hold validates, strictly.
#[test]
fn a_year_of_rollovers_never_leaves_a_resolver_without_a_proof() {
    for split in [true, false] {
        let start = 20_000 * DAY;
        let first = Target { algorithm: P256, split };
        let mut world = World {
            keys: Vec::new(),
            times: if split {
                times()
            } else {
                RolloverTimes { zsk_lifetime: None, ksk_lifetime: None, ..times() }
            },
            ds_ttl: DAY,
            parent_lag: DAY,
            parent: Vec::new(),
            parent_pending: Vec::new(),
        };
        let roles: &[Role] = if split { &[Role::Ksk, Role::Zsk] } else { &[Role::Csk] };
        for role in roles {
            world.keys.push(KeyState {
                role: *role,
                algorithm: P256,
                timing: KeyTiming::from(start),
            });
        }
        // The zone was signed and its DS in the parent long before the replay.
        world.parent.push((0, vec![0]));
        for key in &mut world.keys {
            key.timing = KeyTiming::ALWAYS;
        }
        let change = start + 200 * DAY;
        let end = start + 365 * DAY;
        let target =
            |now: u64| if now < change { first } else { Target { algorithm: ED25519, ..first } };
        let events = world.run(target, start, end);
        let mut checked = 0;
        for event in &events {
            for at in [
                event.saturating_sub(1),
                *event,
                event + 1,
                event + HOUR,
                event + 7 * HOUR,
                event + DAY + HOUR,
            ] {
                world.check(at);
                checked += 1;
            }
        }
        let algorithms = |at: u64| {
            let mut of: Vec<u8> =
                world.published(at).iter().map(|&i| world.keys[i].algorithm).collect();
            of.dedup();
            of
        };
        assert_eq!(algorithms(end), [ED25519], "split {split}");
        let rolled = |role: Role| {
            world.keys.iter().filter(|k| k.role == role && k.algorithm == P256).count()
        };
        if split {
            assert!(rolled(Role::Zsk) >= 6, "ZSKs made: {}", rolled(Role::Zsk));
            assert!(rolled(Role::Ksk) >= 3, "KSKs made: {}", rolled(Role::Ksk));
        }
        assert!(checked >= 24, "{checked}");
    }
}
