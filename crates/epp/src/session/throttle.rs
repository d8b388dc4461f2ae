//! Failed logins, counted per client address and per (address, client id), so that guessing
//! passwords is slow and cheap to refuse, while nobody elsewhere can lock a registrar out.
//!
//! There is deliberately no count per client id alone: anyone able to fail logins under a
//! registrar's id would then shut that registrar out. Counting per address (an IPv6 /64 as
//! one) means an attacker's failures only ever block the attacker's own addresses. A refused
//! attempt is answered before any password is hashed and writes nothing to the database.
//!
//! Counts run in fixed windows: a key that reached its limit is refused until its window
//! (started by its first failure) ends. Memory is bounded: at most [`MAX_KEYS`] keys per
//! table; when one is full, ended windows are dropped first, then the oldest.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Keys per table kept at most.
pub const MAX_KEYS: usize = 4096;

/// How many failed logins are allowed, and over what time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failed logins from one address within a window, whatever client ids they name.
    pub per_address: u32,
    /// Failed logins from one address for one client id within a window.
    pub per_client_and_address: u32,
    /// The window's length.
    pub window: Duration,
}

impl Default for ThrottleLimits {
    /// 30 failures per address and 5 per (address, client id) in 15 minutes.
    fn default() -> ThrottleLimits {
        ThrottleLimits {
            per_address: 30,
            per_client_and_address: 5,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Failure counts by key.
#[derive(Debug)]
struct Table<K> {
    windows: HashMap<K, Window>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new() -> Table<K> {
        Table { windows: HashMap::new() }
    }

    fn failures(&self, key: &K, now: Instant, window: Duration) -> u32 {
        self.windows
            .get(key)
            .filter(|w| now.saturating_duration_since(w.started) < window)
            .map_or(0, |w| w.failures)
    }

    fn fail(&mut self, key: K, now: Instant, window: Duration) {
        if !self.windows.contains_key(&key) && self.windows.len() >= MAX_KEYS {
            self.windows.retain(|_, w| now.saturating_duration_since(w.started) < window);
            if self.windows.len() >= MAX_KEYS
                && let Some(oldest) =
                    self.windows.iter().min_by_key(|(_, w)| w.started).map(|(k, _)| k.clone())
            {
                self.windows.remove(&oldest);
            }
        }
        let entry = self.windows.entry(key).or_insert(Window { started: now, failures: 0 });
        if now.saturating_duration_since(entry.started) >= window {
            *entry = Window { started: now, failures: 0 };
        }
        entry.failures = entry.failures.saturating_add(1);
    }

    fn forget(&mut self, key: &K) {
        self.windows.remove(key);
    }
}

/// Why a login attempt is refused before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Too many failures from this address.
    Address,
    /// Too many failures from this address for this client id.
    ClientAndAddress,
}

/// The failed-login counts of one server.
#[derive(Debug)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    by_address: Table<IpAddr>,
    by_client: Table<(IpAddr, String)>,
}

impl LoginThrottle {
    /// Counts under `limits`.
    pub fn new(limits: ThrottleLimits) -> LoginThrottle {
        LoginThrottle { limits, by_address: Table::new(), by_client: Table::new() }
    }

    /// Whether a login from `address` (already an address key) for `client_id` may be checked.
    pub fn check(&self, address: IpAddr, client_id: &str, now: Instant) -> Result<(), Throttled> {
        let window = self.limits.window;
        if self.by_address.failures(&address, now, window) >= self.limits.per_address {
            return Err(Throttled::Address);
        }
        let key = (address, client_id.to_owned());
        if self.by_client.failures(&key, now, window) >= self.limits.per_client_and_address {
            return Err(Throttled::ClientAndAddress);
        }
        Ok(())
    }

    /// Counts a failed login.
    pub fn failed(&mut self, address: IpAddr, client_id: &str, now: Instant) {
        let window = self.limits.window;
        self.by_address.fail(address, now, window);
        self.by_client.fail((address, client_id.to_owned()), now, window);
    }

    /// A successful login clears its (address, client id) count; the address count stays, so
    /// one good login cannot be used to reset guessing under other ids.
    pub fn succeeded(&mut self, address: IpAddr, client_id: &str) {
        self.by_client.forget(&(address, client_id.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    fn limits() -> ThrottleLimits {
        ThrottleLimits {
            per_address: 4,
            per_client_and_address: 2,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn per_client_and_address_then_per_address() {
        let mut throttle = LoginThrottle::new(limits());
        let now = Instant::now();
        throttle.failed(ip(1), "r1", now);
        assert!(throttle.check(ip(1), "r1", now).is_ok());
        throttle.failed(ip(1), "r1", now);
        assert_eq!(throttle.check(ip(1), "r1", now), Err(Throttled::ClientAndAddress));
        // The same registrar from elsewhere is not affected: no lock-out by others.
        assert!(throttle.check(ip(2), "r1", now).is_ok());
        throttle.failed(ip(1), "r2", now);
        throttle.failed(ip(1), "r3", now);
        assert_eq!(throttle.check(ip(1), "r4", now), Err(Throttled::Address));
        assert!(throttle.check(ip(2), "r4", now).is_ok());
    }

    #[test]
    fn windows_end_and_success_clears_the_pair() {
        let mut throttle = LoginThrottle::new(limits());
        let now = Instant::now();
        throttle.failed(ip(1), "r1", now);
        throttle.failed(ip(1), "r1", now);
        assert!(throttle.check(ip(1), "r1", now).is_err());
        assert!(throttle.check(ip(1), "r1", now + Duration::from_secs(60)).is_ok());
        throttle.succeeded(ip(1), "r1");
        assert!(throttle.check(ip(1), "r1", now).is_ok());
        // A new window starts counting from zero.
        let later = now + Duration::from_secs(61);
        throttle.failed(ip(1), "r1", later);
        assert!(throttle.check(ip(1), "r1", later).is_ok());
    }

    #[test]
    fn tables_stay_bounded() {
        let mut throttle = LoginThrottle::new(limits());
        let now = Instant::now();
        for n in 0..(MAX_KEYS + 100) {
            throttle.failed(ip(1), &format!("id{n}"), now);
        }
        assert!(throttle.by_client.windows.len() <= MAX_KEYS);
        assert!(throttle.by_address.windows.len() <= MAX_KEYS);
    }
}
