//! Per-zone access lists: which clients (by address prefix and/or TSIG key) may transfer a
//! zone or send it NOTIFY, and which secondaries are notified.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use nameward_dns::Name;

/// An address prefix, such as `192.0.2.0/24` or `2001:db8::/32`; a bare address is a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The prefix of `prefix` bits of `address` (bits past the prefix are ignored).
    pub fn new(address: IpAddr, prefix: u8) -> Result<Cidr, String> {
        let max = if address.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(format!("prefix length {prefix} is longer than {max} bits"));
        }
        Ok(Cidr { network: address, prefix })
    }

    /// Whether `address` is inside. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, as a
    /// dual-stack socket reports IPv4 clients) match IPv4 prefixes.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(n), IpAddr::V4(a)) => same_prefix(&n.octets(), &a.octets(), self.prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => same_prefix(&n.octets(), &a.octets(), self.prefix),
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits);
    let (whole, rest) = (bits / 8, bits % 8);
    if a.get(..whole) != b.get(..whole) {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xFFu8 << (8 - rest);
    match (a.get(whole), b.get(whole)) {
        (Some(x), Some(y)) => x & mask == y & mask,
        _ => false,
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: IpAddr =
            address.parse().map_err(|e| format!("{text:?} is not an address prefix ({e})"))?;
        let prefix = match prefix {
            Some(p) => p.parse().map_err(|_| format!("{text:?}: bad prefix length {p:?}"))?,
            None if address.is_ipv4() => 32,
            None => 128,
        };
        Cidr::new(address, prefix).map_err(|e| format!("{text:?}: {e}"))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// One entry of an access list: a client matches when its address is inside `network` (any
/// address when `None`) and its request was signed with `key` (signed or not when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The addresses allowed.
    pub network: Option<Cidr>,
    /// The TSIG key required.
    pub key: Option<Name>,
}

/// An access list: a client is allowed when any rule matches. Empty denies everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    /// The rules.
    pub rules: Vec<Rule>,
}

impl Acl {
    /// Allows everyone (for tests and closed networks).
    pub fn any() -> Acl {
        Acl { rules: vec![Rule { network: None, key: None }] }
    }

    /// Whether a client at `address` whose request verified with `key` (if signed) is allowed.
    pub fn allows(&self, address: IpAddr, key: Option<&Name>) -> bool {
        self.rules.iter().any(|rule| {
            rule.network.is_none_or(|n| n.contains(address))
                && rule.key.as_ref().is_none_or(|required| key == Some(required))
        })
    }
}

/// A secondary told of new versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    /// Where to send NOTIFY.
    pub address: SocketAddr,
    /// The TSIG key to sign it with.
    pub key: Option<Name>,
}

/// The access settings of one zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZonePolicy {
    /// Who may transfer the zone (AXFR and IXFR).
    pub transfer: Acl,
    /// Who may send us NOTIFY for it.
    pub notify_from: Acl,
    /// The secondaries to notify after a reload with a new serial.
    pub notify: Vec<NotifyTarget>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn prefixes_match_by_bits() {
        let net: Cidr = "192.0.2.128/25".parse().unwrap();
        assert!(net.contains(ip("192.0.2.200")));
        assert!(!net.contains(ip("192.0.2.127")));
        assert!(net.contains(ip("::ffff:192.0.2.129")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("192.0.2.1")));
        let host: Cidr = "127.0.0.1".parse().unwrap();
        assert!(host.contains(ip("127.0.0.1")) && !host.contains(ip("127.0.0.2")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert!("10.0.0.0/33".parse::<Cidr>().unwrap_err().contains("longer than 32"));
        assert!("ten/8".parse::<Cidr>().is_err());
    }

    #[test]
    fn rules_need_address_and_key() {
        let key = Name::parse("xfr.key.", None).unwrap();
        let other = Name::parse("other.key.", None).unwrap();
        let acl = Acl {
            rules: vec![
                Rule { network: Some("127.0.0.0/8".parse().unwrap()), key: None },
                Rule { network: None, key: Some(key.clone()) },
            ],
        };
        assert!(acl.allows(ip("127.0.0.5"), None));
        assert!(acl.allows(ip("198.51.100.1"), Some(&key)));
        assert!(!acl.allows(ip("198.51.100.1"), Some(&other)));
        assert!(!acl.allows(ip("198.51.100.1"), None));
        assert!(!Acl::default().allows(ip("127.0.0.1"), Some(&key)));
    }
}
