//! DNSSEC for the published TLD zones: the policy, each TLD's keys and signature times, and
//! the signing of a change by the served zone's neighbours (see
//! [`nameward_dns::dnssec::sign_change`]).
//!
//! A zone built whole is signed whole. A change is signed owner by owner against the served
//! zone: its names, their NSEC or NSEC3 neighbours and the SOA. Signatures are made again
//! before the earliest of them comes within [`SigningPolicy::refresh`] of its expiry: the
//! publisher then moves the zone's serial in the registry without a name (an apex change),
//! which builds and signs the zone whole at that new serial, so secondaries follow by IXFR.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use nameward_dns::dnssec::{Algorithm, Denial, SignError, SignOptions, SigningKey, sign_change};
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::rfc4034::{Dnskey, Ds};
use nameward_dns::{Name, Record};
use nameward_server::Zone;

use crate::rollover::{self, KeyState, KeyTiming, Role, RolloverTimes, Step, Target};

/// One key of a zone: its name where it is kept, the key, and its times.
#[derive(Debug, Clone)]
pub struct ZoneKey {
    /// The key's name in its store (BIND's file stem, say).
    pub id: String,
    /// The key.
    pub key: SigningKey,
    /// When it is published and signs.
    pub timing: KeyTiming,
}

/// Where a TLD's keys are kept (the data directory is the command's business, not the
/// publisher's). Everything a rollover decides is kept before the zone changes, so a process
/// killed at any point resumes at the right step.
pub trait KeyStore: Send + Sync {
    /// The zone's keys; none before its first.
    fn keys(&self, zone: &Name) -> Result<Vec<ZoneKey>, String>;
    /// A new key of `algorithm`, key-signing (the SEP flag) or not, with `timing`, kept
    /// before it is returned.
    fn add(
        &self,
        zone: &Name,
        algorithm: Algorithm,
        key_signing: bool,
        timing: &KeyTiming,
    ) -> Result<ZoneKey, String>;
    /// Keeps `timing` as the times of the key `id`.
    fn set_timing(&self, zone: &Name, id: &str, timing: &KeyTiming) -> Result<(), String>;
}

/// The parent of a signed zone, as a KSK or algorithm rollover waits for it: the DS RRset
/// each of its servers serves. It is asked off the async workers.
pub trait Parent: Send + Sync {
    /// Each server's DS RRset for `zone` (empty when it has none), with its TTL.
    fn ds_sets(&self, zone: &Name) -> Result<Vec<(Vec<Ds>, u32)>, String>;
}

/// Seconds since 1970 as signatures count them (a test's `--now` can stand in).
pub type Clock = dyn Fn() -> u32 + Send + Sync;

/// How the TLD zones are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningPolicy {
    /// NSEC, NSEC3 or NSEC3 opt-out.
    pub denial: Denial,
    /// How long a signature made now is valid, in seconds.
    pub validity: u32,
    /// Signatures are made again once the earliest of them expires within this, in seconds.
    pub refresh: u32,
    /// Up to this much is taken off each run's validity at random, so that the zones of one
    /// registry (and the caches that hold them) do not all come due at once.
    pub jitter: u32,
    /// Inception is set this far in the past, for validators whose clocks are behind.
    pub backdate: u32,
    /// The algorithm of the zones' keys; keys of another are rolled to it.
    pub algorithm: Algorithm,
    /// A key-signing and a zone-signing key (`true`), or one combined key.
    pub split: bool,
    /// How long a zone-signing key signs before it is rolled; `None`: never.
    pub zsk_lifetime: Option<u32>,
    /// How long a key-signing key signs before it is rolled; `None`: never.
    pub ksk_lifetime: Option<u32>,
    /// How often the parent is asked whether it serves a new key's DS, in seconds.
    pub parent_check: u32,
    /// How long a change takes to reach every secondary (Dprp of RFC 7583).
    pub propagation: u32,
}

impl Default for SigningPolicy {
    /// One ECDSA P-256 key, NSEC3 with opt-out (RFC 9276: no extra iteration, no salt),
    /// signatures valid 14 days made again 7 days before they expire, 12 hours of jitter,
    /// inception an hour back, keys never rolled.
    fn default() -> SigningPolicy {
        SigningPolicy {
            denial: Denial::Nsec3(nameward_dns::dnssec::Nsec3Options {
                opt_out: true,
                ..Default::default()
            }),
            validity: 14 * 86_400,
            refresh: 7 * 86_400,
            jitter: 12 * 3600,
            backdate: 3600,
            algorithm: Algorithm::EcdsaP256Sha256,
            split: false,
            zsk_lifetime: None,
            ksk_lifetime: None,
            parent_check: 3600,
            propagation: 3600,
        }
    }
}

/// Signing for a publisher: the policy, the keys' source and the clock.
#[derive(Clone)]
pub struct Signing {
    /// The policy every TLD is signed by.
    pub policy: SigningPolicy,
    /// Each TLD's keys.
    pub keys: Arc<dyn KeyStore>,
    /// The time now.
    pub clock: Arc<Clock>,
    /// The zones' parent, asked during KSK and algorithm rollovers; `None`: those wait.
    pub parent: Option<Arc<dyn Parent>>,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// One TLD's signing state.
#[derive(Debug)]
pub(crate) struct TldSigning {
    /// The zone's keys, with their times.
    pub(crate) keys: Vec<ZoneKey>,
    /// The keys the served zone is signed with, which sign its changes.
    pub(crate) signers: Option<Arc<Vec<SigningKey>>>,
    /// The TTL of the zone's apex when it was last signed whole (TTLkey and TTLsig: the
    /// registry gives the apex's TTL to the DNSKEY RRset and every delegation).
    pub(crate) ttl: u32,
    /// The earliest expiration among the signatures served; `None` before the first.
    pub(crate) earliest: Option<u32>,
    /// When the keys published or signing change next, or a rollover is due.
    pub(crate) next_event: Option<u64>,
    /// A new serial was asked of the registry and the zone has not been signed whole since.
    pub(crate) refresh_asked: bool,
    /// When the parent was last asked for a new key's DS.
    pub(crate) parent_asked: Option<std::time::Instant>,
}

impl TldSigning {
    /// Each key as the rollover decisions take it: a key-signing key is a CSK when its
    /// algorithm has no other kind of key.
    pub(crate) fn roles(&self) -> Vec<KeyState> {
        let split = |algorithm| {
            self.keys.iter().any(|k| k.key.algorithm() == algorithm && !k.key.is_key_signing())
        };
        let role = |key: &SigningKey| match (key.is_key_signing(), split(key.algorithm())) {
            (false, _) => Role::Zsk,
            (true, true) => Role::Ksk,
            (true, false) => Role::Csk,
        };
        let state = |k: &ZoneKey| KeyState {
            role: role(&k.key),
            algorithm: k.key.algorithm().number(),
            timing: k.timing,
        };
        self.keys.iter().map(state).collect()
    }

    /// The keys that sign at `now` (those not published yet marked so), the DNSKEYs
    /// published then that do not sign, and the keys whose DS the parent is to serve.
    pub(crate) fn at(&self, now: u64, times: &RolloverTimes) -> KeysAt {
        let signing = self.keys.iter().filter(|k| k.timing.signs_at(now));
        let signers = signing
            .map(|k| match k.timing.published_at(now) {
                true => k.key.clone(),
                false => k.key.clone().unpublished(),
            })
            .collect();
        let waiting =
            self.keys.iter().filter(|k| k.timing.published_at(now) && !k.timing.signs_at(now));
        let wanted = rollover::wanted_at_parent(&self.roles(), times, now);
        KeysAt {
            signers,
            waiting: waiting.map(|k| k.key.dnskey().clone()).collect(),
            at_parent: wanted
                .iter()
                .filter_map(|&i| self.keys.get(i))
                .map(|k| k.key.dnskey().clone())
                .collect(),
        }
    }

    /// Takes `steps` (kept in `store` first, then here), logging each.
    pub(crate) fn take(
        &mut self,
        store: &dyn KeyStore,
        zone: &Name,
        steps: &[Step],
    ) -> Result<(), String> {
        for step in steps {
            match *step {
                Step::Add { role, algorithm, timing } => {
                    let algorithm = Algorithm::from_number(algorithm)
                        .ok_or_else(|| format!("no signer for algorithm {algorithm}"))?;
                    let key = store.add(zone, algorithm, role.is_key_signing(), &timing)?;
                    tracing::info!(
                        zone = %zone,
                        key = key.id,
                        ?role,
                        published = timing.published,
                        active = timing.active,
                        "DNSSEC key added"
                    );
                    self.keys.push(key);
                }
                Step::Retime { index, timing } => {
                    let key = self.keys.get_mut(index).ok_or("no such key")?;
                    store.set_timing(zone, &key.id, &timing)?;
                    key.timing = timing;
                    tracing::info!(
                        zone = %zone,
                        key = key.id,
                        retired = timing.retired,
                        removed = timing.removed,
                        "DNSSEC key to leave"
                    );
                }
            }
        }
        Ok(())
    }
}

/// What a zone signed whole at some time is signed with.
#[derive(Debug)]
pub(crate) struct KeysAt {
    /// The keys that sign.
    pub(crate) signers: Vec<SigningKey>,
    /// DNSKEYs published that do not sign (a successor not active yet, a key retired).
    pub(crate) waiting: Vec<Dnskey>,
    /// The key-signing keys whose DS the parent is to serve: the zone's CDS and CDNSKEY.
    pub(crate) at_parent: Vec<Dnskey>,
}

impl Signing {
    /// The time now, as key times count it.
    pub(crate) fn now(&self) -> u64 {
        u64::from((self.clock)())
    }

    /// The rollover intervals of a zone whose records have at most `ttl`.
    pub(crate) fn times(&self, ttl: u32) -> RolloverTimes {
        RolloverTimes {
            zsk_lifetime: self.policy.zsk_lifetime.map(u64::from),
            ksk_lifetime: self.policy.ksk_lifetime.map(u64::from),
            propagation: u64::from(self.policy.propagation),
            dnskey_ttl: u64::from(ttl),
            max_ttl: u64::from(ttl),
        }
    }

    /// The keys the policy asks for.
    pub(crate) fn target(&self) -> Target {
        Target { algorithm: self.policy.algorithm.number(), split: self.policy.split }
    }

    /// The times and denial of signatures made now.
    pub(crate) fn options(&self) -> SignOptions {
        let now = (self.clock)();
        let jitter = match self.policy.jitter {
            0 => 0,
            most => (RandomState::new().hash_one(now) % u64::from(most)) as u32,
        };
        SignOptions {
            inception: now.wrapping_sub(self.policy.backdate),
            expiration: now.wrapping_add(self.policy.validity.saturating_sub(jitter)),
            denial: self.policy.denial.clone(),
            threads: 0,
        }
    }

    /// Whether the signatures of a zone whose earliest one expires at `earliest` are due to
    /// be made again (RFC 1982 arithmetic: a clock that jumped past them counts as due).
    pub(crate) fn due(&self, earliest: u32) -> bool {
        let horizon = (self.clock)().wrapping_add(self.policy.refresh);
        !nameward_server::transfer::serial_gt(earliest, horizon)
    }
}

/// The change `owners` (records at each touched owner, unsigned) of the served `zone`, signed,
/// at `serial`: every owner whose records change, the apex with its new SOA included.
pub(crate) fn sign_difference(
    zone: &Zone,
    serial: u32,
    owners: &BTreeMap<Name, Vec<Record>>,
    keys: &[SigningKey],
    options: &SignOptions,
) -> Result<BTreeMap<Name, Vec<Record>>, SignError> {
    let mut soa = zone.soa().ok_or_else(|| SignError::NoSoa(zone.origin().clone()))?;
    if let RecordData::Soa(data) = &mut soa.data {
        data.serial = serial;
    }
    sign_change(zone, &soa, owners, keys, options)
}

#[cfg(test)]
mod tests {
    use nameward_dns::dnssec::{Nsec3Options, PrivateKey, sign_records};
    use nameward_server::transfer::Diff;
    use proptest::prelude::*;

    use super::*;
    use crate::diff::difference;
    use crate::publisher::zone_checks;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    /// An Ed25519 key from a fixed seed: it signs deterministically, so zones compare byte
    /// for byte.
    fn key() -> SigningKey {
        SigningKey::new(&PrivateKey::ed25519_from_seed([7; 32]).unwrap(), 257).unwrap()
    }

    fn options(denial: Denial) -> SignOptions {
        SignOptions { inception: 1_800_000_000, expiration: 1_801_000_000, denial, threads: 1 }
    }

    /// A TLD of names `n<i>`: 0 absent, 1 an insecure delegation, 2 a secure one, 3 a secure
    /// one with glue below it; with an in-zone name server at the apex (an empty non-terminal
    /// above it).
    fn unsigned(kinds: &[u8], serial: u32) -> Vec<Record> {
        let mut text = format!(
            "@ 3600 IN SOA ns1.nic hostmaster.nic {serial} 1800 900 1209600 900\n\
             @ 3600 IN NS ns1.nic\nns1.nic 3600 IN A 127.0.0.1\n"
        );
        let ds = "e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766";
        for (i, kind) in kinds.iter().enumerate() {
            text.push_str(&match kind {
                1 => format!("n{i} 3600 IN NS ns.other.\n"),
                2 => format!("n{i} 3600 IN NS ns.other.\nn{i} 3600 IN DS {i} 13 2 {ds}\n"),
                3 => format!(
                    "n{i} 3600 IN NS ns.n{i}\nn{i} 3600 IN DS {i} 13 2 {ds}\n\
                     ns.n{i} 3600 IN A 192.0.2.{i}\n"
                ),
                _ => String::new(),
            });
        }
        let zone = Zone::from_text(&name("example."), "test", &text).unwrap();
        zone.records().collect()
    }

    fn signed(records: &[Record], denial: &Denial) -> Zone {
        let origin = name("example.");
        let out = sign_records(&origin, records, &[key()], &options(denial.clone())).unwrap();
        Zone::from_records(&origin, out, "signed", &zone_checks()).unwrap()
    }

    fn texts(zone: &Zone) -> Vec<String> {
        let mut texts: Vec<String> = zone.records().map(|r| r.to_string()).collect();
        texts.sort();
        texts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// A change signed against the zone the server serves, turned into a difference and
        /// applied, gives the zone signed whole: the server's records_at, nsec_before and
        /// nsec3_before read what the signer needs.
        #[test]
        fn a_signed_difference_applied_is_the_zone_signed_whole(
            before in proptest::collection::vec(0u8..4, 10),
            after in proptest::collection::vec(0u8..4, 10),
            denial in 0usize..3,
        ) {
            let denial = [
                Denial::Nsec,
                Denial::Nsec3(Nsec3Options::default()),
                Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() }),
            ][denial].clone();
            let served = Arc::new(signed(&unsigned(&before, 1), &denial));
            let now = unsigned(&after, 2);
            let mut owners = BTreeMap::new();
            for (i, (b, a)) in before.iter().zip(&after).enumerate() {
                if b == a {
                    continue;
                }
                for owner in [format!("n{i}.example."), format!("ns.n{i}.example.")] {
                    let owner = name(&owner);
                    let records = now.iter().filter(|r| r.owner == owner).cloned().collect();
                    owners.insert(owner, records);
                }
            }
            let change = sign_difference(&served, 2, &owners, &[key()], &options(denial.clone()));
            let change = change.unwrap();
            let diff: Diff = difference(&served, 2, &change).unwrap();
            let next = diff.apply_to(&served, &zone_checks()).unwrap();
            prop_assert_eq!(texts(&next), texts(&signed(&now, &denial)));
        }
    }
}
