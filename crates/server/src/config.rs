//! Server settings: what `nameward serve` takes on its command line and in its TOML file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Everything the server runs with. Command-line options and the TOML file fill the same struct.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Addresses to answer on, UDP and TCP alike (`127.0.0.1:53`, `[::1]:53`).
    #[serde(default)]
    pub listen: Vec<SocketAddr>,
    /// The zones served.
    #[serde(default, rename = "zone")]
    pub zones: Vec<ZoneConfig>,
    /// UDP worker threads per listening address (one socket each); 0 means one per core.
    #[serde(default)]
    pub workers: usize,
    /// Where `/metrics` is served in the Prometheus text format, if anywhere.
    #[serde(default)]
    pub metrics: Option<SocketAddr>,
    /// The Unix socket that `nameward ctl` talks to.
    #[serde(default)]
    pub control: Option<PathBuf>,
    /// Our EDNS UDP payload size (RFC 6891 §6.2.5).
    #[serde(default = "default_udp_payload")]
    pub udp_payload: u16,
    /// The name server identifier sent to queries that ask for it (RFC 5001), as text: which
    /// server of several (an anycast node, one of the secondaries) answered. Absent: none.
    #[serde(default)]
    pub nsid: Option<String>,
    /// TCP limits (RFC 7766), concurrent zone transfers among them.
    #[serde(default)]
    pub tcp: TcpConfig,
    /// DNS Cookies (RFC 7873, RFC 9018): on unless turned off.
    #[serde(default)]
    pub cookies: CookieConfig,
    /// Response-rate limiting; absent means off.
    #[serde(default)]
    pub rrl: Option<RrlConfig>,
    /// Secondaries: each is sent NOTIFY (signed with its key, if any) when its zones load with
    /// a higher serial, and may transfer them from its address (signed with its key, if any).
    #[serde(default, rename = "secondary")]
    pub secondaries: Vec<SecondaryConfig>,
    /// More clients allowed to transfer (and to send NOTIFY): a network list and/or a key that
    /// must sign; a zone nobody is allowed for answers transfers with REFUSED.
    #[serde(default)]
    pub acl: Vec<AclConfig>,
    /// TSIG keys (RFC 8945).
    #[serde(default, rename = "key")]
    pub keys: Vec<TsigKeyConfig>,
    /// How the zones marked `sign` are signed: the policy table, read by the command that
    /// runs the server, which sets [`Config::signer`] from it.
    #[serde(default)]
    pub dnssec: Option<toml::Table>,
    /// Signs the zones marked `sign` each time they load; set by the command, not the file.
    #[serde(skip)]
    pub signer: Option<std::sync::Arc<dyn ZoneSigner>>,
}

/// Signs a zone read from its file before it is served (see [`ZoneConfig::sign`]).
pub trait ZoneSigner: Send + Sync + std::fmt::Debug {
    /// The zone `origin` read into `zone`, signed: the signer may add records at the apex
    /// (keys published that do not sign yet, CDS) before it finishes and signs it. `max_ttl`
    /// is the largest TTL of the zone's records, which key rollovers wait out. The error says
    /// why it cannot be signed.
    fn sign(
        &self,
        origin: &nameward_dns::Name,
        zone: nameward_dns::store::ZoneBuilder,
        max_ttl: u32,
    ) -> Result<Vec<nameward_dns::Record>, String>;
}

impl Config {
    /// A response buffer for `transport` with this server's EDNS settings (payload size, NSID).
    pub fn response_buffer(&self, transport: crate::Transport) -> crate::ResponseBuffer {
        let nsid = self.nsid.as_deref().unwrap_or_default().as_bytes();
        crate::ResponseBuffer::new(transport).with_udp_payload(self.udp_payload).with_nsid(nsid)
    }
}

fn default_udp_payload() -> u16 {
    crate::DEFAULT_UDP_PAYLOAD
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: Vec::new(),
            zones: Vec::new(),
            workers: 0,
            metrics: None,
            control: None,
            udp_payload: default_udp_payload(),
            nsid: None,
            tcp: TcpConfig::default(),
            cookies: CookieConfig::default(),
            rrl: None,
            secondaries: Vec::new(),
            acl: Vec::new(),
            keys: Vec::new(),
            dnssec: None,
            signer: None,
        }
    }
}

impl Config {
    /// Reads a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// The number of UDP workers per address: the setting, or the cores available.
    pub fn worker_count(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// One zone: its origin and its file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    /// The apex, such as `example.com.`.
    pub origin: String,
    /// The zone file, read again on every reload.
    pub file: PathBuf,
    /// Sign the zone as it loads, by the `[dnssec]` policy (the file holds it unsigned).
    #[serde(default)]
    pub sign: bool,
    /// Who may change the zone by dynamic update (RFC 2136), as `[[zone.update]]` grant
    /// rules; none: updates are refused.
    #[serde(default)]
    pub update: Vec<crate::update::RuleConfig>,
    /// The journal of accepted updates; `<file>.jnl` when absent.
    #[serde(default)]
    pub journal: Option<PathBuf>,
}

impl ZoneConfig {
    /// Where the zone's update journal lives.
    pub fn journal_path(&self) -> PathBuf {
        self.journal.clone().unwrap_or_else(|| crate::update::journal::default_path(&self.file))
    }
}

/// TCP connection handling (RFC 7766 §6.2.3, §10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TcpConfig {
    /// Seconds a connection may stay idle, or stall in the middle of a message, before it is
    /// closed.
    pub idle_timeout_secs: u64,
    /// Connections open at once, over all clients.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_connections_per_client: usize,
    /// The largest query accepted; a longer length prefix closes the connection.
    pub max_message_size: u16,
    /// Zone transfers (AXFR, and IXFR that sends a difference or the zone) under way at once,
    /// over all clients; one more is answered SERVFAIL.
    #[serde(deserialize_with = "transfer_limit")]
    pub max_transfers: usize,
    /// Zone transfers under way at once to one client address.
    #[serde(deserialize_with = "transfer_limit")]
    pub max_transfers_per_client: usize,
}

fn transfer_limit<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let limit = usize::deserialize(deserializer)?;
    if limit == 0 {
        return Err(serde::de::Error::custom(
            "a transfer limit must be at least 1 (to serve no transfers, allow none in [[acl]])",
        ));
    }
    Ok(limit)
}

impl Default for TcpConfig {
    fn default() -> TcpConfig {
        TcpConfig {
            idle_timeout_secs: 10,
            max_connections: 1024,
            max_connections_per_client: 16,
            max_message_size: 16 * 1024,
            max_transfers: 16,
            max_transfers_per_client: 2,
        }
    }
}

impl TcpConfig {
    /// The idle timeout as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs.max(1))
    }
}

/// DNS Cookies (RFC 7873) with server cookies made as RFC 9018 says, so that the servers of
/// an anycast set, nameward or not, accept each other's when they share the secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "CookieFields")]
pub struct CookieConfig {
    /// Whether COOKIE options are answered (and malformed ones refused with FORMERR).
    pub enabled: bool,
    /// The server secret, shared by the servers of an anycast set; `None`: a random one made
    /// at start, replaced every `lifetime_secs`.
    pub secret: Option<CookieSecret>,
    /// The secret `secret` replaces, still accepted while clients move on (RFC 9018 §5).
    pub previous_secret: Option<CookieSecret>,
    /// How long a random secret is used before the next one; the one before stays valid for
    /// an hour after.
    pub lifetime_secs: u32,
}

/// The longest and shortest lifetimes of a random secret: a secret should change between
/// every day or so and every 36 days (RFC 7873 §7.1), and a cookie lives an hour.
const MIN_COOKIE_LIFETIME: u32 = 3600;
const MAX_COOKIE_LIFETIME: u32 = 36 * 86400;

impl Default for CookieConfig {
    fn default() -> CookieConfig {
        // 26 hours, as Knot's default.
        CookieConfig { enabled: true, secret: None, previous_secret: None, lifetime_secs: 93600 }
    }
}

/// `[cookies]` as written, before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CookieFields {
    #[serde(default = "enabled")]
    enabled: bool,
    #[serde(default)]
    secret: Option<CookieSecret>,
    #[serde(default)]
    previous_secret: Option<CookieSecret>,
    #[serde(default)]
    lifetime_secs: Option<u32>,
}

fn enabled() -> bool {
    true
}

impl TryFrom<CookieFields> for CookieConfig {
    type Error = String;

    fn try_from(fields: CookieFields) -> Result<CookieConfig, String> {
        if fields.previous_secret.is_some() && fields.secret.is_none() {
            return Err("cookies: previous_secret needs the secret that replaces it".to_owned());
        }
        if fields.secret.is_some() && fields.lifetime_secs.is_some() {
            return Err("cookies: lifetime_secs is for the random secret; a configured secret \
                        is rotated by hand (secret = the new one, previous_secret = the old)"
                .to_owned());
        }
        let lifetime_secs = fields.lifetime_secs.unwrap_or(CookieConfig::default().lifetime_secs);
        if !(MIN_COOKIE_LIFETIME..=MAX_COOKIE_LIFETIME).contains(&lifetime_secs) {
            return Err(format!(
                "cookies: lifetime_secs must be between {MIN_COOKIE_LIFETIME} (an hour) and \
                 {MAX_COOKIE_LIFETIME} (36 days), not {lifetime_secs}"
            ));
        }
        Ok(CookieConfig {
            enabled: fields.enabled,
            secret: fields.secret,
            previous_secret: fields.previous_secret,
            lifetime_secs,
        })
    }
}

/// A cookie server secret: 16 octets, written as 32 hexadecimal digits (the SipHash-2-4 key of
/// RFC 9018 §4.4, as BIND's and Knot's `cookie-secret`).
#[derive(Clone, PartialEq, Eq)]
pub struct CookieSecret(pub [u8; crate::cookie::SECRET_LEN]);

impl std::fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Kept out of logs.
        f.write_str("CookieSecret(..)")
    }
}

impl std::str::FromStr for CookieSecret {
    type Err = String;

    fn from_str(text: &str) -> Result<CookieSecret, String> {
        let wanted = 2 * crate::cookie::SECRET_LEN;
        if text.len() != wanted {
            return Err(format!(
                "a cookie secret is {wanted} hexadecimal digits (16 octets), not {} characters \
                 (make one with: openssl rand -hex 16)",
                text.len()
            ));
        }
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.as_bytes())
            .map_err(|_| format!("a cookie secret is hexadecimal digits only: `{text}` is not"))?;
        let secret = bytes.try_into().map_err(|_| "a cookie secret is 16 octets".to_owned())?;
        Ok(CookieSecret(secret))
    }
}

impl<'de> Deserialize<'de> for CookieSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CookieSecret, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Response-rate limiting against reflection (the BIND/Knot "RRL" scheme).
///
/// Each UDP worker keeps its own table, so that limiting takes no lock. The kernel spreads a
/// client's queries over the workers by source port; one client using many ports can therefore
/// get up to `responses_per_second` from each worker. A reflection flood aimed at one victim
/// reaches each worker as a stream of its own and is cut in each.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RrlConfig {
    /// Identical responses per second allowed to one client network (/24 or /56).
    pub responses_per_second: u32,
    /// Every `slip`-th response over the limit is sent truncated (TC=1, empty) instead of
    /// dropped, so a real client can retry over TCP; 0 drops them all.
    #[serde(default = "default_slip")]
    pub slip: u32,
    /// Entries in each worker's fixed-size table.
    #[serde(default = "default_rrl_table")]
    pub table_size: usize,
}

fn default_slip() -> u32 {
    2
}

fn default_rrl_table() -> usize {
    16 * 1024
}

impl RrlConfig {
    /// Limiting at `responses_per_second` with the default slip and table.
    pub fn new(responses_per_second: u32) -> RrlConfig {
        RrlConfig { responses_per_second, slip: default_slip(), table_size: default_rrl_table() }
    }
}

/// A secondary server of some zones: sent NOTIFY and allowed to transfer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondaryConfig {
    /// Its address.
    pub address: SocketAddr,
    /// The zones it copies (origins); empty means all.
    #[serde(default)]
    pub zones: Vec<String>,
    /// The TSIG key it signs with, by name.
    #[serde(default)]
    pub key: Option<String>,
}

/// Who may transfer which zones.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclConfig {
    /// The zones it covers (origins); empty means all.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Addresses or networks (`192.0.2.0/24`) allowed to transfer.
    #[serde(default)]
    pub allow_transfer: Vec<String>,
    /// A TSIG key name that must sign the request.
    #[serde(default)]
    pub key: Option<String>,
}

/// A TSIG key (RFC 8945).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsigKeyConfig {
    /// The key's name, a domain name.
    pub name: String,
    /// The algorithm, such as `hmac-sha256`.
    pub algorithm: String,
    /// The secret in base64.
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_section() {
        let config = Config::from_toml(
            r#"
            listen = ["127.0.0.1:5353", "[::1]:5353"]
            workers = 2
            metrics = "127.0.0.1:9153"
            control = "/run/nameward.sock"
            [[zone]]
            origin = "example.com."
            file = "examples/example.com.zone"
            [tcp]
            idle_timeout_secs = 5
            [rrl]
            responses_per_second = 10
            [[secondary]]
            address = "192.0.2.53:53"
            key = "k"
            [[key]]
            name = "k."
            algorithm = "hmac-sha256"
            secret = "AAAA"
            "#,
        )
        .unwrap();
        assert_eq!(config.listen.len(), 2);
        assert_eq!(config.zones[0].origin, "example.com.");
        assert_eq!(config.tcp.idle_timeout_secs, 5);
        assert_eq!(config.tcp.max_connections, 1024);
        assert_eq!(config.rrl.unwrap().slip, 2);
        assert_eq!(config.secondaries.len(), 1);
        assert_eq!(config.keys[0].algorithm, "hmac-sha256");
    }

    #[test]
    fn reads_cookie_and_transfer_settings() {
        let config = Config::from_toml(
            r#"
            [tcp]
            max_transfers = 4
            max_transfers_per_client = 1
            [cookies]
            secret = "e5e973e5a6b2a43f48e7dc849e37bfcf"
            previous_secret = "DD3BDF9344B678B185A6F5CB60FCA715"
            "#,
        )
        .unwrap();
        assert_eq!((config.tcp.max_transfers, config.tcp.max_transfers_per_client), (4, 1));
        let secret = config.cookies.secret.as_ref().unwrap();
        assert_eq!(secret.0[..2], [0xe5, 0xe9]);
        assert_eq!(config.cookies.previous_secret.as_ref().unwrap().0[0], 0xdd);
        assert!(!format!("{config:?}").contains("e5e9"), "secrets stay out of logs");
        let defaults = Config::default();
        assert_eq!((defaults.tcp.max_transfers, defaults.tcp.max_transfers_per_client), (16, 2));
        assert!(defaults.cookies.enabled && defaults.cookies.secret.is_none());
    }

    #[test]
    fn bad_cookie_and_transfer_settings_say_what_is_wrong() {
        let cases = [
            ("[cookies]\nsecret = \"e5e9\"", "32 hexadecimal digits"),
            ("[cookies]\nsecret = \"g5e973e5a6b2a43f48e7dc849e37bfcf\"", "hexadecimal digits only"),
            (
                "[cookies]\nprevious_secret = \"e5e973e5a6b2a43f48e7dc849e37bfcf\"",
                "needs the secret",
            ),
            ("[cookies]\nlifetime_secs = 60", "between 3600"),
            ("[cookies]\nsecrets = \"\"", "secrets"),
            ("[tcp]\nmax_transfers = 0", "at least 1"),
            ("[tcp]\nmax_transfers_per_client = 0", "at least 1"),
        ];
        for (text, expected) in cases {
            let error = Config::from_toml(text).unwrap_err();
            assert!(error.to_string().contains(expected), "{text}: {error}");
            // The error points at the line.
            assert!(error.span().is_some(), "{text}: {error}");
        }
    }

    #[test]
    fn refuses_unknown_settings() {
        let error = Config::from_toml("listn = []").unwrap_err();
        assert!(error.to_string().contains("listn"), "{error}");
    }
}
