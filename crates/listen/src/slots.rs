//! Counted slots: how many connections (or sessions not yet logged in) are open in total and
//! per client address, with a guard that gives its slots back when dropped.
//!
//! Addresses are counted by [`address_key`]: an IPv6 client is counted by its /64, because one
//! host is routinely given a whole /64 and could otherwise open its connections from as many
//! addresses as it likes.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

/// The address a client is counted under: IPv4 as it is (IPv4-mapped IPv6 too), IPv6 by its
/// /64 prefix.
pub fn address_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

/// Why a slot was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Every slot is taken.
    Total,
    /// This address has all the slots one address may have.
    Address,
}

/// Slots counted in total and per address.
#[derive(Debug)]
pub struct Slots {
    total: usize,
    per_address: usize,
    taken: Mutex<Taken>,
}

#[derive(Debug, Default)]
struct Taken {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

impl Slots {
    /// At most `total` slots, and at most `per_address` for one address key.
    pub fn new(total: usize, per_address: usize) -> Arc<Slots> {
        Arc::new(Slots { total, per_address, taken: Mutex::default() })
    }

    /// A slot for `addr`, or why not. The map holds one entry per address that has a slot, so
    /// it is never larger than `total`.
    pub fn take(self: &Arc<Slots>, addr: IpAddr) -> Result<Slot, Full> {
        let key = address_key(addr);
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        if taken.total >= self.total {
            return Err(Full::Total);
        }
        let count = taken.by_address.entry(key).or_insert(0);
        if *count >= self.per_address {
            if *count == 0 {
                taken.by_address.remove(&key);
            }
            return Err(Full::Address);
        }
        *count += 1;
        taken.total += 1;
        Ok(Slot { slots: Arc::clone(self), key })
    }

    /// Slots taken now, in total and by `addr`'s key.
    pub fn in_use(&self, addr: IpAddr) -> (usize, usize) {
        let taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        let by = taken.by_address.get(&address_key(addr)).copied().unwrap_or(0);
        (taken.total, by)
    }

    fn give_back(&self, key: IpAddr) {
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        taken.total = taken.total.saturating_sub(1);
        if let Some(count) = taken.by_address.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                taken.by_address.remove(&key);
            }
        }
    }
}

/// One slot, given back on drop.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.give_back(self.key);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(address_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), ip("2001:db8:1:2::"));
        assert_ne!(address_key(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(address_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(address_key(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn limits_per_address_and_in_total_and_gives_back_on_drop() {
        let slots = Slots::new(3, 2);
        let a = ip("192.0.2.1");
        let b = ip("192.0.2.2");
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert_eq!(slots.take(a).unwrap_err(), Full::Address);
        let _third = slots.take(b).unwrap();
        assert_eq!(slots.take(ip("192.0.2.3")).unwrap_err(), Full::Total);
        drop(first);
        assert_eq!(slots.in_use(a), (2, 1));
        let _again = slots.take(a).unwrap();
        assert_eq!(slots.take(b).unwrap_err(), Full::Total);
    }

    #[test]
    fn zero_per_address_refuses_and_leaves_no_entry() {
        let slots = Slots::new(10, 0);
        assert_eq!(slots.take(ip("192.0.2.1")).unwrap_err(), Full::Address);
        assert!(slots.taken.lock().unwrap().by_address.is_empty());
    }
}
