//! DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018: version 1, three
//! reserved octets, a timestamp, and SipHash-2-4 of the client cookie, those eight octets and
//! the client's address under the server secret. Servers of one anycast address that share the
//! secret (nameward, BIND, Knot alike) accept each other's cookies.
//!
//! A server cookie that checks out proves that the client has seen an earlier response at its
//! address, so rate limiting lets its queries through (`net/udp.rs`). Cookies are never
//! required: a query without one, or with one that does not check out, is answered as usual
//! with a fresh server cookie (RFC 7873 §5.2.3, §5.2.4), never BADCOOKIE.

use std::net::IpAddr;

use siphasher::sip::SipHasher24;
use siphasher::sip128::SipHasher24 as SipHasher24x128;

use crate::config::{CookieConfig, CookieSecret};
use crate::response::COOKIE_REPLY_LEN;

/// Octets of a server secret: a SipHash-2-4 key.
pub const SECRET_LEN: usize = 16;
/// The server cookie version of RFC 9018 §4.1.
const VERSION: u8 = 1;
/// A server cookie is accepted up to an hour after its timestamp and five minutes before it
/// (RFC 9018 §4.3: low-volume clients, and clock skew in an anycast set).
const MAX_AGE: u32 = 3600;
const MAX_AHEAD: u32 = 300;
/// A valid server cookie older than this is replaced by a fresh one (RFC 9018 §4.3).
const RENEW_AFTER: u32 = 1800;

/// The secrets in force at one moment: the one new cookies are made with, and the one before
/// it, still accepted while the cookies it made may be in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieSecrets {
    current: [u8; SECRET_LEN],
    previous: Option<[u8; SECRET_LEN]>,
}

/// What a query's COOKIE option earns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CookieReply {
    /// The option to send back: the client cookie, then our server cookie.
    pub(crate) option: [u8; COOKIE_REPLY_LEN],
    /// The query's server cookie checked out: the client's address is proven.
    pub(crate) valid: bool,
}

impl CookieSecrets {
    /// Cookies are made with `current`; those made with `previous` are still accepted.
    pub fn new(current: [u8; SECRET_LEN], previous: Option<[u8; SECRET_LEN]>) -> CookieSecrets {
        CookieSecrets { current, previous }
    }

    /// The server cookie for `client_cookie` from `client` at `now` (seconds since the epoch).
    pub fn server_cookie(&self, client_cookie: &[u8; 8], client: IpAddr, now: u32) -> [u8; 16] {
        let head = head([0; 3], now);
        let hash = hash(&self.current, client_cookie, head, client);
        let mut cookie = [0u8; 16];
        cookie[..8].copy_from_slice(&head);
        cookie[8..].copy_from_slice(&hash);
        cookie
    }

    /// Whether `server_cookie`, sent back with `client_cookie` from `client`, is one of ours
    /// (either secret) whose timestamp is within the window at `now`. Reserved octets are
    /// hashed as received, not required to be zero (RFC 9018 §4.2).
    pub fn verify(
        &self,
        client_cookie: &[u8; 8],
        server_cookie: &[u8],
        client: IpAddr,
        now: u32,
    ) -> bool {
        self.made_with(client_cookie, server_cookie, client, now).is_some()
    }

    /// Which secret made `server_cookie`, if it is valid at `now` (see [`Self::verify`]).
    fn made_with(
        &self,
        client_cookie: &[u8; 8],
        server_cookie: &[u8],
        client: IpAddr,
        now: u32,
    ) -> Option<Made> {
        // Version 1 cookies are 16 octets exactly (RFC 9018 §4.4): anything else is not ours.
        let cookie = <&[u8; 16]>::try_from(server_cookie).ok()?;
        let head = <[u8; 8]>::try_from(&cookie[..8]).ok()?;
        if head[0] != VERSION || !fresh_enough(timestamp(&head), now, MAX_AGE) {
            return None;
        }
        let matches = |secret: &[u8; SECRET_LEN]| {
            hash(secret, client_cookie, head, client)[..] == cookie[8..]
        };
        if matches(&self.current) {
            return Some(Made::Current);
        }
        self.previous.as_ref().filter(|s| matches(s)).map(|_| Made::Previous)
    }

    /// The answer to a COOKIE option of `option` (its data, of a length already checked: 8, or
    /// 16 to 40) from `client` at `now`: a valid server cookie of the current secret, younger
    /// than half an hour, is sent back as it came; any other gets a fresh one.
    pub(crate) fn reply(&self, option: &[u8], client: IpAddr, now: u32) -> Option<CookieReply> {
        let client_cookie = <&[u8; 8]>::try_from(option.get(..8)?).ok()?;
        let server = option.get(8..).unwrap_or_default();
        let made = self.made_with(client_cookie, server, client, now);
        let mut reply = [0u8; COOKIE_REPLY_LEN];
        reply[..8].copy_from_slice(client_cookie);
        // A cookie of the previous secret is replaced, so that clients move to the new one.
        let reuse = made == Some(Made::Current)
            && server.get(1..4) == Some(&[0; 3])
            && server
                .get(..8)
                .and_then(|h| <[u8; 8]>::try_from(h).ok())
                .is_some_and(|head| fresh_enough(timestamp(&head), now, RENEW_AFTER));
        if reuse {
            reply[8..].copy_from_slice(server);
        } else {
            reply[8..].copy_from_slice(&self.server_cookie(client_cookie, client, now));
        }
        Some(CookieReply { option: reply, valid: made.is_some() })
    }
}

/// The secret a valid server cookie was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    Current,
    Previous,
}

/// Version, reserved octets and timestamp: the first half of a server cookie.
fn head(reserved: [u8; 3], now: u32) -> [u8; 8] {
    let mut head = [VERSION, reserved[0], reserved[1], reserved[2], 0, 0, 0, 0];
    head[4..].copy_from_slice(&now.to_be_bytes());
    head
}

fn timestamp(head: &[u8; 8]) -> u32 {
    u32::from_be_bytes([head[4], head[5], head[6], head[7]])
}

/// `stamp` is at most `max_age` seconds before `now` and at most [`MAX_AHEAD`] after, in
/// serial number arithmetic (RFC 1982), as RFC 9018 §4.3 asks.
fn fresh_enough(stamp: u32, now: u32, max_age: u32) -> bool {
    let age = now.wrapping_sub(stamp);
    age <= max_age || age.wrapping_neg() <= MAX_AHEAD
}

/// SipHash-2-4(client cookie | version | reserved | timestamp | client IP, secret), its
/// 64-bit result in the octet order of the SipHash reference code (RFC 9018 §4.4).
fn hash(
    secret: &[u8; SECRET_LEN],
    client_cookie: &[u8; 8],
    head: [u8; 8],
    client: IpAddr,
) -> [u8; 8] {
    let mut input = [0u8; 32];
    input[..8].copy_from_slice(client_cookie);
    input[8..16].copy_from_slice(&head);
    let len = match client {
        IpAddr::V4(a) => {
            input[16..20].copy_from_slice(&a.octets());
            20
        }
        IpAddr::V6(a) => {
            input[16..32].copy_from_slice(&a.octets());
            32
        }
    };
    SipHasher24::new_with_key(secret).hash(&input[..len]).to_le_bytes()
}

/// Where the secrets come from: the configured ones, or a random one made at start that
/// rotates.
#[derive(Debug, Clone)]
pub struct Cookies {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// The operator's secret (shared by an anycast set) and the one it replaces; the operator
    /// rotates them (RFC 9018 §5).
    Fixed(CookieSecrets),
    /// Every `lifetime` seconds a new secret, derived from `master` and the period's number:
    /// every worker of the server computes the same secret for the same moment without
    /// sharing any state, and no secret tells anything about the next.
    Rotating { master: [u8; SECRET_LEN], lifetime: u32 },
}

impl Cookies {
    /// The cookies `config` asks for: `None` when they are turned off.
    pub fn from_config(config: &CookieConfig) -> Option<Cookies> {
        if !config.enabled {
            return None;
        }
        let source = match &config.secret {
            Some(CookieSecret(current)) => Source::Fixed(CookieSecrets::new(
                *current,
                config.previous_secret.as_ref().map(|s| s.0),
            )),
            None => Source::Rotating { master: random_secret(), lifetime: config.lifetime_secs },
        };
        Some(Cookies { source })
    }

    /// Cookies made from the fixed `secrets`.
    pub fn fixed(secrets: CookieSecrets) -> Cookies {
        Cookies { source: Source::Fixed(secrets) }
    }

    /// The secrets in force at `now` (seconds since the epoch). A rotated-out secret stays
    /// valid for an hour, as long as any cookie it made can be (RFC 9018 §5, stage 3).
    pub fn secrets(&self, now: u32) -> CookieSecrets {
        match &self.source {
            Source::Fixed(secrets) => *secrets,
            Source::Rotating { master, lifetime } => {
                let lifetime = (*lifetime).max(1);
                let period = now / lifetime;
                let since_rotation = now % lifetime;
                let previous = (period > 0 && since_rotation <= MAX_AGE + MAX_AHEAD)
                    .then(|| derive(master, period - 1));
                CookieSecrets::new(derive(master, period), previous)
            }
        }
    }
}

/// The secrets of [`Cookies`] as a worker keeps them: worked out again only when the second
/// changes, not for every query.
#[derive(Debug, Clone, Default)]
pub struct SecretsCache {
    at: Option<(u32, CookieSecrets)>,
}

impl SecretsCache {
    /// The secrets of `cookies` in force at `now`.
    pub fn get(&mut self, cookies: &Cookies, now: u32) -> CookieSecrets {
        match self.at {
            Some((second, secrets)) if second == now => secrets,
            _ => {
                let secrets = cookies.secrets(now);
                self.at = Some((now, secrets));
                secrets
            }
        }
    }
}

fn derive(master: &[u8; SECRET_LEN], period: u32) -> [u8; SECRET_LEN] {
    SipHasher24x128::new_with_key(master).hash(&period.to_be_bytes()).as_bytes()
}

fn random_secret() -> [u8; SECRET_LEN] {
    use rand_core::RngCore;
    let mut secret = [0u8; SECRET_LEN];
    rand_core::OsRng.fill_bytes(&mut secret);
    secret
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(text: &str) -> [u8; N] {
        let bytes = data_encoding::HEXLOWER.decode(text.as_bytes()).unwrap();
        bytes.try_into().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    // RFC 9018 Appendix A, byte for byte.

    #[test]
    fn a1_learning_a_new_server_cookie() {
        let secrets = CookieSecrets::new(hex("e5e973e5a6b2a43f48e7dc849e37bfcf"), None);
        let client = hex("2464c4abcf10c957");
        let cookie = secrets.server_cookie(&client, ip("198.51.100.100"), 1559731985);
        assert_eq!(cookie, hex::<16>("010000005cf79f111f8130c3eee29480"));
        let reply = secrets.reply(&client, ip("198.51.100.100"), 1559731985).unwrap();
        assert_eq!(reply.option, hex::<24>("2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
        assert!(!reply.valid, "a client cookie alone proves nothing");
    }

    #[test]
    fn a2_a_valid_cookie_older_than_half_an_hour_is_renewed() {
        let secrets = CookieSecrets::new(hex("e5e973e5a6b2a43f48e7dc849e37bfcf"), None);
        let sent: [u8; 24] = hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
        let reply = secrets.reply(&sent, ip("198.51.100.100"), 1559734385).unwrap();
        assert!(reply.valid);
        assert_eq!(reply.option, hex::<24>("2464c4abcf10c957010000005cf7a871d4a564a1442aca77"));
        // Younger than half an hour, it comes back as it was.
        let reply = secrets.reply(&sent, ip("198.51.100.100"), 1559731985 + 600).unwrap();
        assert!(reply.valid);
        assert_eq!(reply.option, sent);
    }

    #[test]
    fn a3_reserved_octets_are_hashed_as_received() {
        let secrets = CookieSecrets::new(hex("e5e973e5a6b2a43f48e7dc849e37bfcf"), None);
        let sent: [u8; 24] = hex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
        let client: [u8; 8] = hex("fc93fc62807ddb86");
        // Valid within its hour (the RFC's example arrives later, and is renewed either way).
        assert!(secrets.verify(&client, &sent[8..], ip("203.0.113.203"), 1559727985 + 60));
        let reply = secrets.reply(&sent, ip("203.0.113.203"), 1559734700).unwrap();
        assert_eq!(reply.option, hex::<24>("fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e"));
    }

    #[test]
    fn a4_ipv6_with_a_rolled_over_secret() {
        let old = hex("dd3bdf9344b678b185a6f5cb60fca715");
        let new = hex("445536bcd2513298075a5d379663c962");
        let client_ip = ip("2001:db8:220:1:59de:d0f4:8769:82b8");
        let sent: [u8; 24] = hex("22681ab97d52c298010000005cf7c57926556bd0934c72f8");
        let reply = CookieSecrets::new(new, Some(old)).reply(&sent, client_ip, 1559741961).unwrap();
        assert!(reply.valid, "the previous secret still verifies");
        assert_eq!(reply.option, hex::<24>("22681ab97d52c298010000005cf7c609a6bb79d16625507a"));
        // Once the old secret is gone, the cookie no longer checks out.
        assert!(!CookieSecrets::new(new, None).reply(&sent, client_ip, 1559741961).unwrap().valid);
    }

    #[test]
    fn timestamps_outside_the_window_or_other_addresses_do_not_verify() {
        let secrets = CookieSecrets::new([7; 16], None);
        let client = [1u8; 8];
        let at = 1_700_000_000;
        let cookie = secrets.server_cookie(&client, ip("192.0.2.1"), at);
        assert!(secrets.verify(&client, &cookie, ip("192.0.2.1"), at + 3600));
        assert!(!secrets.verify(&client, &cookie, ip("192.0.2.1"), at + 3601));
        assert!(secrets.verify(&client, &cookie, ip("192.0.2.1"), at - 300));
        assert!(!secrets.verify(&client, &cookie, ip("192.0.2.1"), at - 301));
        assert!(!secrets.verify(&client, &cookie, ip("192.0.2.2"), at));
        assert!(!secrets.verify(&[2; 8], &cookie, ip("192.0.2.1"), at));
        let mut forged = cookie;
        forged[15] ^= 1;
        assert!(!secrets.verify(&client, &forged, ip("192.0.2.1"), at));
        assert!(!secrets.verify(&client, &cookie[..15], ip("192.0.2.1"), at));
        // Serial number arithmetic: a cookie made just before the 32-bit wrap verifies after.
        let late = secrets.server_cookie(&client, ip("192.0.2.1"), u32::MAX - 10);
        assert!(secrets.verify(&client, &late, ip("192.0.2.1"), 20));
    }

    #[test]
    fn a_rotating_secret_keeps_the_previous_one_for_an_hour() {
        let config = CookieConfig { lifetime_secs: 86400, ..CookieConfig::default() };
        let cookies = Cookies::from_config(&config).unwrap();
        let client = [9u8; 8];
        let addr = ip("2001:db8::9");
        let made = 86400 * 20_000 - 10;
        let cookie = cookies.secrets(made).server_cookie(&client, addr, made);
        // Every worker computes the same secrets for the same moment.
        assert_eq!(cookies.secrets(made), cookies.secrets(made + 1));
        let after = made + 20;
        assert_ne!(cookies.secrets(after), cookies.secrets(made), "rotated");
        assert!(cookies.secrets(after).verify(&client, &cookie, addr, after));
        assert!(cookies.secrets(made + 3000).verify(&client, &cookie, addr, made + 3000));
        // Two rotations on, the old secret is gone.
        let much_later = made + 86400 + 20;
        assert!(!cookies.secrets(much_later).verify(&client, &cookie, addr, made + 60));
        assert!(Cookies::from_config(&CookieConfig { enabled: false, ..config }).is_none());
    }
}
