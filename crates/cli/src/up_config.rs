//! The configuration file of `nameward up` (`up --config FILE`): where EPP listens, and the
//! authoritative DNS server's settings as `nameward serve --config` reads them (listen
//! addresses, TCP limits, rate limiting, NSID, metrics, secondaries, transfer access lists and
//! TSIG keys) under `[dns]`, without zones: `up` serves the registry's TLDs. Flags override
//! the file. A file with an error is refused with `FILE:LINE: what is wrong`, and nothing
//! starts.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Result, anyhow};
use serde::Deserialize;

/// What the file says.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpConfig {
    /// The EPP server.
    #[serde(default)]
    pub epp: EppConfig,
    /// The DNS server, as `nameward serve --config` reads it, without zones.
    #[serde(default)]
    pub dns: Option<nameward_server::Config>,
}

/// The EPP server's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EppConfig {
    /// Where EPP listens (TLS, RFC 5734).
    pub listen: Option<SocketAddr>,
}

/// The name of the commented example `up` writes into a new data directory.
pub const EXAMPLE_FILE: &str = "up.example.toml";

/// A commented example of every setting, written on first start.
pub const EXAMPLE: &str = r#"# nameward up --config FILE: one registry, its EPP server and its authoritative DNS server.
# Flags given on the command line override what is here.

[epp]
listen = "127.0.0.1:7700"

# The DNS server that publishes the registry's TLD zones (every TLD with name servers).
# The same settings as `nameward serve --config`, without [[zone]].
[dns]
listen = ["127.0.0.1:5353"]
workers = 1                        # UDP worker threads per address; 0: one per core
# metrics = "127.0.0.1:9153"       # Prometheus text at http://ADDR/metrics
# nsid = "ns1-ams"                 # sent to clients that ask (RFC 5001, dig +nsid)

[dns.tcp]
idle_timeout_secs = 10
max_connections = 1024
max_connections_per_client = 16
max_transfers = 16                 # zone transfers under way at once (SERVFAIL beyond)
max_transfers_per_client = 2

# [dns.cookies]                    # DNS Cookies (RFC 7873, RFC 9018), on by default
# secret = "32 hex digits"         # openssl rand -hex 16; shared by an anycast set; absent: random
# previous_secret = "32 hex digits" # the one being replaced, still accepted

# [dns.rrl]                        # response-rate limiting, off unless present
# responses_per_second = 20
# slip = 2

# A secondary (Knot, NSD, BIND...) of the TLD zones: sent NOTIFY on every change and allowed
# to transfer them (IXFR from the published differences, AXFR otherwise), signed with its key.
# [[dns.secondary]]
# address = "192.0.2.53:53"
# zones = ["example."]             # empty: every zone
# key = "xfr-key"

# [[dns.key]]                      # TSIG (RFC 8945); make a secret with: openssl rand -base64 32
# name = "xfr-key"
# algorithm = "hmac-sha256"
# secret = "base64 secret"

# [[dns.acl]]                      # more clients allowed to transfer
# zones = ["example."]
# allow_transfer = ["198.51.100.0/24"]
# key = "xfr-key"
"#;

/// Reads `path`; the error names the file, the line and what is wrong.
pub fn read(path: &Path) -> Result<UpConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| anyhow!("cannot read {}: {error}", path.display()))?;
    parse(&text).map_err(|(line, message)| anyhow!("{}:{line}: {message}", path.display()))
}

/// Parses the file's text; an error is its line (1-based) and what is wrong.
fn parse(text: &str) -> Result<UpConfig, (usize, String)> {
    let config: UpConfig = toml::from_str(text).map_err(|error| {
        let line = error.span().map_or(1, |span| line_of(text, span.start));
        (line, error.message().to_owned())
    })?;
    if config.dns.as_ref().is_some_and(|dns| !dns.zones.is_empty()) {
        let at = text.find("[[dns.zone]]").map_or(1, |at| line_of(text, at));
        return Err((
            at,
            "[[dns.zone]] is for `nameward serve`: `up` serves the registry's TLDs (add one with \
             `nameward registry add-tld`)"
                .to_owned(),
        ));
    }
    Ok(config)
}

/// The 1-based line of byte `at` of `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map_or(1, |before| before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_example_reads() {
        let config = parse(EXAMPLE).unwrap();
        assert_eq!(config.epp.listen, Some("127.0.0.1:7700".parse().unwrap()));
        let dns = config.dns.unwrap();
        assert_eq!(dns.listen, ["127.0.0.1:5353".parse().unwrap()]);
        assert_eq!(dns.tcp.max_connections_per_client, 16);
    }

    #[test]
    fn the_readme_configuration_reads() {
        let readme = include_str!("../../../README.md");
        let block = readme
            .split("```toml\n")
            .skip(1)
            .map(|block| block.split("```").next().unwrap_or_default())
            .find(|block| block.contains("[epp]"))
            .unwrap();
        let config = parse(block).unwrap();
        let dns = config.dns.unwrap();
        assert_eq!(dns.listen.len(), 2);
        assert_eq!(dns.secondaries.len(), 1);
        assert_eq!(dns.keys.len(), 1);
    }

    #[test]
    fn errors_name_the_line() {
        let (line, message) = parse("[epp]\nlisten = \"127.0.0.1:7700\"\nport = 7\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(message.contains("port"), "{message}");
        let (line, message) = parse("[dns]\nlisten = [\"not an address\"]\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("address"), "{message}");
        let text = "[dns]\nlisten = []\n\n[[dns.zone]]\norigin = \"a.\"\nfile = \"a.zone\"\n";
        let (line, message) = parse(text).unwrap_err();
        assert_eq!(line, 4);
        assert!(message.contains("nameward serve"), "{message}");
        let (line, _) =
            parse("[dns]\n[[dns.secondary]]\naddress = \"192.0.2.1:53\"\nkey = 7\n").unwrap_err();
        assert_eq!(line, 4);
    }
}
