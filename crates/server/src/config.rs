//! Server settings: what `nameward serve` takes on its command line and in its TOML file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

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
    /// TCP limits (RFC 7766).
    #[serde(default)]
    pub tcp: TcpConfig,
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
            rrl: None,
            secondaries: Vec::new(),
            acl: Vec::new(),
            keys: Vec::new(),
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
}

impl Default for TcpConfig {
    fn default() -> TcpConfig {
        TcpConfig {
            idle_timeout_secs: 10,
            max_connections: 1024,
            max_connections_per_client: 16,
            max_message_size: 16 * 1024,
        }
    }
}

impl TcpConfig {
    /// The idle timeout as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs.max(1))
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
    fn refuses_unknown_settings() {
        let error = Config::from_toml("listn = []").unwrap_err();
        assert!(error.to_string().contains("listn"), "{error}");
    }
}
