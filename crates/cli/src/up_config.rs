//! The configuration file of `nameward up` (`up --config FILE`): the registry's TLDs with
//! their apex name servers and SOA, the EPP server (address, certificate, connection limits),
//! the scheduled backup, and the authoritative DNS server's settings as `nameward serve
//! --config` reads them (listen addresses, TCP limits, rate limiting, NSID, metrics,
//! secondaries, transfer access lists and TSIG keys) under `[dns]`, without zones: `up` serves
//! the registry's TLDs. Flags override the file. A file with an error is refused with
//! `FILE:LINE: what is wrong`, and nothing starts. Relative paths in the file are relative to
//! the file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, anyhow};
use nameward_registry::policy::Policy;
use nameward_registry::publish::ZoneApex;
use serde::Deserialize;
use toml::Spanned;

use crate::commands::registry::apex_nameserver;

/// What the file says.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpConfig {
    /// The EPP server.
    #[serde(default)]
    pub epp: EppConfig,
    /// The TLDs to run. When the file names any, `up` is a production registry: these TLDs
    /// are added (or their apex brought up to date) on start, and nothing of the demo (CA,
    /// registrars, money) is created.
    #[serde(default, rename = "tld")]
    pub tlds: Vec<Spanned<TldConfig>>,
    /// The scheduled backup of the database.
    pub backup: Option<BackupConfig>,
    /// Registry data escrow: deposits made on ICANN's schedule.
    pub escrow: Option<EscrowConfig>,
    /// The DNS server, as `nameward serve --config` reads it, without zones.
    #[serde(default)]
    pub dns: Option<nameward_server::Config>,
    /// DNSSEC: when present, every TLD zone is signed.
    pub dnssec: Option<DnssecConfig>,
    /// RDAP: where it listens, its certificate, its settings file.
    #[serde(default)]
    pub rdap: RdapConfig,
    /// The registrant desk (its pages and API), served when the section is present.
    pub desk: Option<DeskConfig>,
}

/// `[desk]`: the registrant desk, as `nameward desk serve` runs it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    /// Where the desk listens (plain HTTP; put a TLS-terminating proxy in front).
    pub listen: SocketAddr,
    /// The desk's address as registrants reach it; https marks cookies Secure. Required.
    pub public_url: String,
    /// The SMTP relay codes are mailed through (`HOST:PORT`).
    pub smtp: String,
    /// Require STARTTLS with the relay.
    #[serde(default)]
    pub starttls: bool,
    /// The sender of code mails. Required.
    pub from: String,
    /// The registry's name as pages and mails give it.
    pub registry_name: String,
    /// The resolver asked for `_nameward-challenge` TXT records; DNS proof is off without it.
    pub dns_server: Option<SocketAddr>,
    /// Serve every domain, not only those of FAILED registrars.
    #[serde(default)]
    pub all_domains: bool,
    /// Proxies whose `X-Forwarded-For` is believed.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// `[rdap]`: RDAP is always served; this says where and how.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdapConfig {
    /// Where RDAP listens (default 127.0.0.1:8080; `--rdap` overrides it).
    pub listen: Option<SocketAddr>,
    /// The certificate chain (PEM) to serve HTTPS with; plain HTTP without one.
    pub certificate: Option<PathBuf>,
    /// Its private key (PEM).
    pub key: Option<PathBuf>,
    /// The RDAP settings file (`nameward rdap serve --rdap-config`): base URL, terms, desk,
    /// registrars' IANA ids and abuse contacts, redaction.
    pub settings: Option<PathBuf>,
}

/// How `up` signs the TLD zones. Keys are made on first use and kept in the data directory
/// (`dnssec/TLD/`, BIND's key files, the private ones mode 0600).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnssecConfig {
    /// ECDSAP256SHA256 (13, default), ECDSAP384SHA384 (14), ED25519 (15) or RSASHA256 (8).
    pub algorithm: Option<String>,
    /// `csk` (one key signs everything, default) or `ksk-zsk`.
    pub keys: Option<String>,
    /// `nsec3-opt-out` (default: only secure delegations in the chain), `nsec3` or `nsec`.
    pub denial: Option<String>,
    /// How long signatures are valid (default 14).
    pub validity_days: Option<u32>,
    /// Signatures are made again this long before the earliest expires (default 7).
    pub refresh_days: Option<u32>,
    /// Up to this much is taken off each signing's validity at random (default 12).
    pub jitter_hours: Option<u32>,
    /// With `ksk-zsk`: days a zone-signing key signs before it is rolled by pre-publication
    /// (default: never rolled).
    pub zsk_lifetime_days: Option<u32>,
    /// With `ksk-zsk` and `parent`: days a key-signing key signs before it is rolled by
    /// double-KSK (default: never rolled).
    pub ksk_lifetime_days: Option<u32>,
    /// The parent's name servers (`ADDR:PORT`), asked whether they serve a new KSK's DS
    /// during KSK and algorithm rollovers; without them those rollovers wait at that step.
    pub parent: Option<Vec<std::net::SocketAddr>>,
    /// Seconds between two questions to the parent (default 3600).
    pub parent_check_seconds: Option<u32>,
    /// Seconds between two readings of the secure children's CDS and CDNSKEY (default 86400;
    /// 0: never).
    pub cds_scan_seconds: Option<u64>,
    /// The port the children's name servers are asked on (default 53; another is for tests).
    pub child_port: Option<u16>,
}

/// The signing settings, checked.
#[derive(Debug, Clone)]
pub struct DnssecSettings {
    /// The publisher's policy.
    pub policy: nameward_publish::SigningPolicy,
    /// The parent's name servers.
    pub parent: Vec<std::net::SocketAddr>,
    /// How often the children's CDS is read; `None`: never.
    pub cds_scan: Option<std::time::Duration>,
    /// The port the children's name servers are asked on.
    pub child_port: u16,
}

impl DnssecConfig {
    /// The settings, or what is wrong with them.
    pub fn resolve(&self) -> Result<DnssecSettings, String> {
        use nameward_dns::dnssec::{Algorithm, Denial, Nsec3Options};
        let algorithm = match &self.algorithm {
            None => Algorithm::EcdsaP256Sha256,
            Some(text) => Algorithm::from_text(text).ok_or_else(|| {
                format!(
                    "unknown algorithm `{text}`: choose ECDSAP256SHA256, ECDSAP384SHA384, \
                     ED25519 or RSASHA256"
                )
            })?,
        };
        let split = match self.keys.as_deref() {
            None | Some("csk") => false,
            Some("ksk-zsk") => true,
            Some(other) => return Err(format!("keys = `{other}`: choose `csk` or `ksk-zsk`")),
        };
        let mut policy = nameward_publish::SigningPolicy { algorithm, split, ..Default::default() };
        policy.denial = match self.denial.as_deref() {
            None | Some("nsec3-opt-out") => policy.denial,
            Some("nsec3") => Denial::Nsec3(Nsec3Options::default()),
            Some("nsec") => Denial::Nsec,
            Some(other) => {
                return Err(format!(
                    "denial = `{other}`: choose `nsec3-opt-out`, `nsec3` or `nsec`"
                ));
            }
        };
        let days =
            |days: Option<u32>, default: u32| days.map_or(default, |d| d.saturating_mul(86_400));
        policy.validity = days(self.validity_days, policy.validity);
        policy.refresh = days(self.refresh_days, policy.refresh);
        policy.jitter = self.jitter_hours.map_or(policy.jitter, |h| h.saturating_mul(3600));
        if policy.refresh == 0 || policy.refresh.saturating_add(policy.jitter) >= policy.validity {
            return Err(format!(
                "refresh_days and jitter_hours together must be more than nothing and less than \
                 validity_days ({} days)",
                policy.validity / 86_400
            ));
        }
        let parent = self.parent.clone().unwrap_or_default();
        let lifetimes = [
            ("zsk_lifetime_days", self.zsk_lifetime_days, &mut policy.zsk_lifetime),
            ("ksk_lifetime_days", self.ksk_lifetime_days, &mut policy.ksk_lifetime),
        ];
        for (what, days, lifetime) in lifetimes {
            let Some(days) = days else { continue };
            if !split {
                return Err(format!("{what} needs keys = \"ksk-zsk\""));
            }
            // A key must sign longer than its signatures stay valid, or rollovers overlap.
            if days.saturating_mul(86_400) <= policy.validity {
                return Err(format!("{what} must be longer than validity_days"));
            }
            *lifetime = Some(days.saturating_mul(86_400));
        }
        if policy.ksk_lifetime.is_some() && parent.is_empty() {
            return Err("ksk_lifetime_days needs the parent's servers (parent = [...])".to_owned());
        }
        policy.parent_check = self.parent_check_seconds.unwrap_or(policy.parent_check).max(1);
        // RRSIG times wrap after 68 years (RFC 4034 §3.1.5): far beyond any sane validity.
        if policy.validity > 365 * 86_400 {
            return Err("validity_days may be at most 365".to_owned());
        }
        let cds_scan = match self.cds_scan_seconds.unwrap_or(86_400) {
            0 => None,
            seconds => Some(std::time::Duration::from_secs(seconds)),
        };
        Ok(DnssecSettings { policy, parent, cds_scan, child_port: self.child_port.unwrap_or(53) })
    }
}

/// The EPP server's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EppConfig {
    /// Where EPP listens (TLS, RFC 5734): one address, or a list of them (a registry answers
    /// on every address its EPP name has, IPv4 and IPv6, each alike: RST epp-17).
    #[serde(default, deserialize_with = "one_or_many")]
    pub listen: Vec<SocketAddr>,
    /// The server's certificate chain (PEM); with `key`. Without them `up` uses the demo
    /// certificate it made on first start.
    pub certificate: Option<PathBuf>,
    /// The certificate's private key (PEM).
    pub key: Option<PathBuf>,
    /// Connections open at once, handshakes included.
    pub max_connections: Option<usize>,
    /// Connections open at once from one address (an IPv6 /64 counts as one).
    pub max_connections_per_address: Option<usize>,
    /// Connections open at once that have not logged in.
    pub max_unauthenticated: Option<usize>,
    /// Connections open at once from one address that have not logged in.
    pub max_unauthenticated_per_address: Option<usize>,
    /// Seconds allowed for the TLS handshake.
    pub handshake_timeout_secs: Option<u64>,
    /// Seconds from connecting to a successful login, whatever is sent meanwhile.
    pub login_timeout_secs: Option<u64>,
    /// Seconds a session may stay silent between commands.
    pub idle_timeout_secs: Option<u64>,
    /// Seconds allowed to answer one command.
    pub command_timeout_secs: Option<u64>,
    /// Failed logins in one session before it is closed.
    pub max_failed_logins_per_session: Option<u32>,
    /// Failed logins from one address within the window.
    pub max_failed_logins_per_address: Option<u32>,
    /// Failed logins from one address for one client id within the window.
    pub max_failed_logins_per_client_and_address: Option<u32>,
    /// The window failed logins are counted over, in seconds.
    pub failed_login_window_secs: Option<u64>,
    /// Password hashes run at once (each takes 19 MiB while it runs).
    pub password_workers: Option<usize>,
}

/// `"ADDR:PORT"` or `["ADDR:PORT", ...]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(input: D) -> Result<Vec<SocketAddr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "an address \"ADDR:PORT\" or a list of them")]
    enum OneOrMany {
        One(SocketAddr),
        Many(Vec<SocketAddr>),
    }
    Ok(match OneOrMany::deserialize(input)? {
        OneOrMany::One(addr) => vec![addr],
        OneOrMany::Many(addrs) => addrs,
    })
}

impl EppConfig {
    /// The session limits with what the file sets.
    pub fn session_limits(&self) -> nameward_epp::session::SessionLimits {
        let mut limits = nameward_epp::session::SessionLimits::default();
        if let Some(max) = self.max_failed_logins_per_session {
            limits.max_failed_logins = max;
        }
        if let Some(max) = self.max_failed_logins_per_address {
            limits.throttle.per_address = max;
        }
        if let Some(max) = self.max_failed_logins_per_client_and_address {
            limits.throttle.per_client_and_address = max;
        }
        if let Some(secs) = self.failed_login_window_secs {
            limits.throttle.window = Duration::from_secs(secs);
        }
        limits
    }

    /// `options` with what the file sets.
    pub fn apply(&self, options: &mut nameward_epp::server::ServerOptions) {
        let counts = [
            (&mut options.max_connections, self.max_connections),
            (&mut options.max_connections_per_address, self.max_connections_per_address),
            (&mut options.max_unauthenticated, self.max_unauthenticated),
            (&mut options.max_unauthenticated_per_address, self.max_unauthenticated_per_address),
        ];
        for (field, value) in counts {
            if let Some(value) = value {
                *field = value;
            }
        }
        let timeouts = [
            (&mut options.login_timeout, self.login_timeout_secs),
            (&mut options.command_timeout, self.command_timeout_secs),
        ];
        for (field, secs) in timeouts {
            if let Some(secs) = secs {
                *field = Duration::from_secs(secs);
            }
        }
        if let Some(secs) = self.handshake_timeout_secs {
            options.handshake_timeout = Duration::from_secs(secs);
        }
        if let Some(secs) = self.idle_timeout_secs {
            options.idle_timeout = Duration::from_secs(secs);
        }
    }
}

/// One TLD the registry runs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TldConfig {
    /// The TLD, without dots.
    pub name: String,
    /// Its name servers, as `NAME` or `NAME=ADDR,ADDR` (the addresses are the glue published
    /// for a name server inside the TLD), as `registry add-tld --ns` takes them.
    pub nameservers: Vec<String>,
    /// The SOA mailbox; default `hostmaster@nic.TLD`.
    pub hostmaster: Option<String>,
    /// TTL of the apex and of every delegation (default 3600).
    pub ttl: Option<u32>,
    /// SOA refresh (default 1800).
    pub refresh: Option<u32>,
    /// SOA retry (default 900).
    pub retry: Option<u32>,
    /// SOA expire (default 1209600).
    pub expire: Option<u32>,
    /// SOA minimum, the negative-answer TTL (default 900).
    pub minimum: Option<u32>,
    /// Unicode scripts whose letters IDN labels may use (`["Latin", "Devanagari"]`); every
    /// script when absent (one script per label).
    #[serde(default)]
    pub idn_scripts: Vec<String>,
}

impl TldConfig {
    /// The TLD's policy and apex, checked as `registry add-tld` checks them.
    pub fn resolve(&self) -> Result<(Policy, ZoneApex), String> {
        let mut policy = Policy::default_for(&self.name);
        policy.idn_scripts = self.idn_scripts.clone();
        policy.check().map_err(|error| error.to_string())?;
        let nameservers = self
            .nameservers
            .iter()
            .map(|ns| apex_nameserver(ns))
            .collect::<Result<Vec<_>>>()
            .map_err(|error| error.to_string())?;
        let hostmaster =
            self.hostmaster.clone().unwrap_or_else(|| format!("hostmaster@nic.{}", policy.tld));
        let mut apex = ZoneApex::usual(&policy.tld, nameservers, &hostmaster);
        let timers = [
            (&mut apex.ttl, self.ttl),
            (&mut apex.refresh, self.refresh),
            (&mut apex.retry, self.retry),
            (&mut apex.expire, self.expire),
            (&mut apex.minimum, self.minimum),
        ];
        for (field, value) in timers {
            if let Some(value) = value {
                *field = value;
            }
        }
        apex.check().map_err(|error| error.to_string())?;
        Ok((policy, apex))
    }
}

/// The scheduled backup.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// Hours between backups (the first one runs an interval after start).
    pub every_hours: u64,
    /// Where backups go (default: `backups` in the data directory).
    pub dir: Option<PathBuf>,
    /// How many backups to keep; older ones are removed (default 7).
    #[serde(default = "default_keep")]
    pub keep: usize,
}

fn default_keep() -> usize {
    7
}

/// `[escrow]`: registry data escrow deposits of every TLD, a FULL one weekly and a DIFF the
/// other days, each shortly after 00:00 UTC (the first one, a FULL, at start).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscrowConfig {
    /// The escrow agent's OpenPGP public key (deposits are encrypted to it).
    pub agent_key: PathBuf,
    /// The registry's OpenPGP secret key, without a passphrase (deposits are signed with it).
    pub signing_key: PathBuf,
    /// Where deposits are written (default: `escrow` in the data directory).
    pub dir: Option<PathBuf>,
    /// The day of the weekly FULL deposit (default `sunday`).
    pub full_on: Option<String>,
}

impl EscrowConfig {
    /// The weekly rhythm, or what is wrong with `full_on`.
    pub fn schedule(&self) -> Result<nameward_rde::schedule::Schedule, String> {
        use time::Weekday::*;
        let Some(day) = &self.full_on else { return Ok(Default::default()) };
        let full_on = [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
            .into_iter()
            .find(|weekday| weekday.to_string().eq_ignore_ascii_case(day))
            .ok_or_else(|| format!("full_on = {day:?} is not a day of the week"))?;
        Ok(nameward_rde::schedule::Schedule { full_on })
    }
}

/// The name of the commented example `up` writes into a new data directory.
pub const EXAMPLE_FILE: &str = "up.example.toml";

/// A commented example of every setting, written on first start.
pub const EXAMPLE: &str = r#"# nameward up --config FILE: one registry, its EPP server and its authoritative DNS server.
# Flags given on the command line override what is here.

[epp]
listen = "127.0.0.1:7700"           # or a list: ["192.0.2.1:700", "[2001:db8::1]:700"]
# The server certificate chain and key (PEM). Without them `up` uses the demo certificate
# it made on first start; a production registry names its own.
# certificate = "/etc/nameward/epp.pem"
# key = "/etc/nameward/epp.key"
# max_connections = 256              # connections at once, TLS handshakes included
# max_connections_per_address = 32   # from one address (an IPv6 /64 counts as one)
# max_unauthenticated = 128          # connections not logged in yet, handshakes included
# max_unauthenticated_per_address = 4
# handshake_timeout_secs = 10
# login_timeout_secs = 30            # from connecting to login; <hello/> does not extend it
# idle_timeout_secs = 600
# command_timeout_secs = 60          # a command not answered by then: 2500, session closed
# A client certificate that no active registrar registered is disconnected right after the
# TLS handshake. Failed logins are counted per address and per (address, client id), never
# per client id alone, so that nobody can lock a registrar out from elsewhere:
# max_failed_logins_per_session = 3  # then 2501 and the session closes
# max_failed_logins_per_address = 30
# max_failed_logins_per_client_and_address = 5
# failed_login_window_secs = 900     # over either limit: 2501 at once, nothing checked
# password_workers = 2               # argon2 hashes at once, 19 MiB each, off the async threads

# The TLDs this registry runs. When any is listed, `up` sets them up (and applies changed
# name servers or SOA values on every start) and creates nothing of the demo: no demo CA,
# registrars or money. Accredit registrars with `nameward registry add-registrar`.
# [[tld]]
# name = "example"
# nameservers = ["ns1.nic.example=192.0.2.53,2001:db8::53", "ns2.dns-provider.net"]
# hostmaster = "hostmaster@nic.example"
# ttl = 3600                         # apex and delegations
# refresh = 1800
# retry = 900
# expire = 1209600
# minimum = 900                      # negative-answer TTL
# idn_scripts = ["Latin"]            # scripts IDN labels may use; every script when absent

# A backup of the database every few hours, the newest `keep` kept: SQLite copied online,
# PostgreSQL dumped with pg_dump (which must be on PATH).
# [backup]
# every_hours = 24
# dir = "/var/backups/nameward"      # default: backups/ in the data directory
# keep = 7

# Registry data escrow (RFC 8909/9022): a FULL deposit of every TLD weekly and a DIFF the other
# days, shortly after 00:00 UTC, encrypted to the escrow agent and signed by the registry; the
# first one, a FULL, at start. Each deposit is recorded (`nameward escrow registry verify`
# checks one as the agent does).
# [escrow]
# agent_key = "/etc/nameward/escrow-agent.asc"
# signing_key = "/etc/nameward/registry.sec.asc"
# dir = "/var/lib/nameward/escrow"   # default: escrow/ in the data directory
# full_on = "sunday"

# RDAP (RFC 9082/9083): always served; plain HTTP unless a certificate is given. The settings
# file (as `nameward rdap serve --rdap-config` reads it) has the base URL, the desk's URL and
# each registrar's IANA id and abuse contact.
# [rdap]
# listen = "127.0.0.1:8080"          # --rdap overrides it
# certificate = "/etc/nameward/rdap.pem"
# key = "/etc/nameward/rdap.key"
# settings = "/etc/nameward/rdap.toml"

# The registrant desk: the pages where registrants of a failed registrar's names prove control
# and get a transfer code (plain HTTP; a TLS-terminating proxy in front). Served when present.
# [desk]
# listen = "127.0.0.1:8780"
# public_url = "https://desk.nic.example"   # code mails link here; https marks cookies Secure
# smtp = "127.0.0.1:25"
# starttls = false
# from = "desk@nic.example"
# registry_name = "the .example registry"
# dns_server = "127.0.0.1:53"              # a resolver for the TXT proof; off without it
# trusted_proxies = ["127.0.0.1"]          # their X-Forwarded-For is believed

# DNSSEC: every TLD zone signed, each change by difference. Keys are made on first start in
# dnssec/TLD/ of the data directory (BIND's key files); the DS for the parent is logged.
# [dnssec]
# algorithm = "ECDSAP256SHA256"      # or ECDSAP384SHA384, ED25519, RSASHA256
# keys = "csk"                       # or "ksk-zsk"
# denial = "nsec3-opt-out"           # or "nsec3", "nsec"
# validity_days = 14
# refresh_days = 7                   # sign again once the earliest signature is this close
# jitter_hours = 12
# zsk_lifetime_days = 90             # with keys = "ksk-zsk": roll the ZSK by pre-publication
# ksk_lifetime_days = 365            # with keys = "ksk-zsk" and parent: roll the KSK (double-KSK)
# parent = ["198.41.0.4:53"]         # the parent's servers, asked for a new KSK's DS during KSK
#                                    # and algorithm rollovers (a new algorithm above rolls to it)
# parent_check_seconds = 3600
# cds_scan_seconds = 86400           # read the secure children's CDS/CDNSKEY (0: never)

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

/// Reads `path`; the error names the file, the line and what is wrong. Relative paths in it
/// come back joined to the file's directory.
pub fn read(path: &Path) -> Result<UpConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| anyhow!("cannot read {}: {error}", path.display()))?;
    let mut config =
        parse(&text).map_err(|(line, message)| anyhow!("{}:{line}: {message}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let (agent_key, signing_key, escrow_dir) = match config.escrow.as_mut() {
        Some(escrow) => {
            (Some(&mut escrow.agent_key), Some(&mut escrow.signing_key), escrow.dir.as_mut())
        }
        None => (None, None, None),
    };
    let paths = [
        config.epp.certificate.as_mut(),
        config.epp.key.as_mut(),
        config.backup.as_mut().and_then(|backup| backup.dir.as_mut()),
        agent_key,
        signing_key,
        escrow_dir,
        config.rdap.certificate.as_mut(),
        config.rdap.key.as_mut(),
        config.rdap.settings.as_mut(),
    ];
    for path in paths.into_iter().flatten() {
        if path.is_relative() {
            *path = base.join(&*path);
        }
    }
    Ok(config)
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
    if let Some(escrow) = &config.escrow
        && let Err(message) = escrow.schedule()
    {
        let at = text.find("full_on").map_or(1, |at| line_of(text, at));
        return Err((at, format!("[escrow] {message}")));
    }
    if let Some(dnssec) = &config.dnssec
        && let Err(message) = dnssec.resolve()
    {
        let at = text.find("[dnssec]").map_or(1, |at| line_of(text, at));
        return Err((at, format!("[dnssec] {message}")));
    }
    if config.epp.certificate.is_some() != config.epp.key.is_some() {
        let at = text.find("[epp]").map_or(1, |at| line_of(text, at));
        return Err((at, "[epp] needs both certificate and key, or neither".to_owned()));
    }
    if config.rdap.certificate.is_some() != config.rdap.key.is_some() {
        let at = text.find("[rdap]").map_or(1, |at| line_of(text, at));
        return Err((at, "[rdap] needs both certificate and key, or neither".to_owned()));
    }
    if config.backup.as_ref().is_some_and(|backup| backup.every_hours == 0 || backup.keep == 0) {
        let at = text.find("[backup]").map_or(1, |at| line_of(text, at));
        return Err((at, "[backup] every_hours and keep must be at least 1".to_owned()));
    }
    let mut names = std::collections::HashSet::new();
    for tld in &config.tlds {
        let line = line_of(text, tld.span().start);
        let (policy, _) = tld.get_ref().resolve().map_err(|message| (line, message))?;
        if !names.insert(policy.tld.clone()) {
            return Err((line, format!("TLD {} is listed twice", policy.tld)));
        }
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
        assert_eq!(config.epp.listen, ["127.0.0.1:7700".parse().unwrap()]);
        let dns = config.dns.unwrap();
        assert_eq!(dns.listen, ["127.0.0.1:5353".parse().unwrap()]);
        assert_eq!(dns.tcp.max_connections_per_client, 16);
    }

    #[test]
    fn the_example_epp_limits_read_and_apply() {
        let block = EXAMPLE.split("[[tld]]").next().unwrap_or_default();
        let uncommented: String = block
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(setting)
                    if setting.contains(" = ")
                        && !setting.contains(".pem\"")
                        && !setting.contains(".key\"") =>
                {
                    setting.split(" #").next().unwrap_or_default().to_owned() + "\n"
                }
                _ if line.starts_with('#') => String::new(),
                _ => line.to_owned() + "\n",
            })
            .collect();
        let config = parse(&uncommented).unwrap();
        let pair = nameward_epp::pki::self_signed("epp.test", &["localhost"], validity()).unwrap();
        let tls = nameward_epp::tls::server_config_from_pem(&pair.cert_pem, &pair.key_pem).unwrap();
        let mut options = nameward_epp::server::ServerOptions::new(tls);
        config.epp.apply(&mut options);
        assert_eq!(options.max_unauthenticated_per_address, 4);
        assert_eq!(options.login_timeout, Duration::from_secs(30));
        assert_eq!(options.command_timeout, Duration::from_secs(60));
        let limits = config.epp.session_limits();
        assert_eq!(limits.throttle.per_client_and_address, 5);
        assert_eq!(limits.throttle.window, Duration::from_secs(900));
        assert_eq!(config.epp.password_workers, Some(2));
    }

    fn validity() -> nameward_epp::pki::Validity {
        nameward_epp::pki::Validity::days_from(std::time::SystemTime::now(), 1)
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
        assert_eq!(config.tlds.len(), 1);
        assert_eq!(config.backup.as_ref().map(|backup| backup.keep), Some(7));
        assert_eq!(config.epp.listen.len(), 2);
        let dns = config.dns.unwrap();
        assert_eq!(dns.listen.len(), 2);
        assert_eq!(dns.secondaries.len(), 1);
        assert_eq!(dns.keys.len(), 1);
    }

    #[test]
    fn tlds_are_checked_where_they_are_written() {
        let text = "[[tld]]\nname = \"example\"\nnameservers = [\"ns1.nic.example=192.0.2.1\"]\n\n\
                    [[tld]]\nname = \"bad.tld\"\nnameservers = [\"ns1.example.net\"]\n";
        let (line, message) = parse(text).unwrap_err();
        assert_eq!(line, 5);
        assert!(message.contains("one label"), "{message}");
        let glueless = "[[tld]]\nname = \"example\"\nnameservers = [\"ns1.nic.example\"]\n";
        let (line, message) = parse(glueless).unwrap_err();
        assert_eq!(line, 1);
        assert!(message.contains("needs an address"), "{message}");
        let twice = "[[tld]]\nname = \"net\"\nnameservers = [\"a.example\"]\n\
                     [[tld]]\nname = \"NET\"\nnameservers = [\"a.example\"]\n";
        assert!(parse(twice).unwrap_err().1.contains("twice"));
        let (line, message) = parse("\n[epp]\ncertificate = \"a.pem\"\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("both certificate and key"), "{message}");
        let config = parse(
            &EXAMPLE
                .replace("# [[tld]]\n# name", "[[tld]]\nname")
                .replace("# nameservers = [\"ns1", "nameservers = [\"ns1"),
        )
        .unwrap();
        let (policy, apex) = config.tlds[0].get_ref().resolve().unwrap();
        assert_eq!(policy.tld, "example");
        assert_eq!(apex.nameservers.len(), 2);
        assert_eq!(apex.expire, 1_209_600);
    }

    #[test]
    fn the_dnssec_section_reads_and_bad_values_are_refused() {
        use nameward_dns::dnssec::{Algorithm, Denial};
        let readme = include_str!("../../../README.md");
        let block = readme
            .split("```toml\n")
            .skip(1)
            .map(|block| block.split("```").next().unwrap_or_default())
            .find(|block| block.contains("[dnssec]"))
            .unwrap();
        let settings = parse(block).unwrap().dnssec.unwrap().resolve().unwrap();
        let defaults = DnssecConfig::default().resolve().unwrap();
        assert_eq!(settings.policy.algorithm, Algorithm::EcdsaP256Sha256);
        assert!(!settings.policy.split);
        assert_eq!(settings.policy, defaults.policy, "the README shows the defaults");
        let example = EXAMPLE.replace("# [dnssec]", "[dnssec]").replace("# denial", "denial");
        let config = parse(&example).unwrap().dnssec.unwrap().resolve().unwrap();
        assert!(matches!(config.policy.denial, Denial::Nsec3(ref p) if p.opt_out));
        let nsec = parse("[dnssec]\ndenial = \"nsec\"\nkeys = \"ksk-zsk\"\n").unwrap();
        let nsec = nsec.dnssec.unwrap().resolve().unwrap();
        assert_eq!((nsec.policy.denial, nsec.policy.split), (Denial::Nsec, true));
        assert_eq!(nsec.policy.zsk_lifetime, None);
        let rolled = parse("[dnssec]\nkeys = \"ksk-zsk\"\nzsk_lifetime_days = 90\n").unwrap();
        let rolled = rolled.dnssec.unwrap().resolve().unwrap();
        assert_eq!(rolled.policy.zsk_lifetime, Some(90 * 86_400));
        let ksk =
            "[dnssec]\nkeys = \"ksk-zsk\"\nksk_lifetime_days = 365\nparent = [\"192.0.2.1:53\"]\n";
        let ksk = parse(ksk).unwrap().dnssec.unwrap().resolve().unwrap();
        assert_eq!((ksk.policy.ksk_lifetime, ksk.parent.len()), (Some(365 * 86_400), 1));
        for (text, wanted) in [
            ("[dnssec]\nalgorithm = \"DSA\"\n", "unknown algorithm"),
            ("[dnssec]\nkeys = \"three\"\n", "csk"),
            ("[dnssec]\ndenial = \"nsec5\"\n", "nsec3-opt-out"),
            ("[dnssec]\nvalidity_days = 7\nrefresh_days = 7\n", "less than validity_days"),
            ("[dnssec]\nvalidity_days = 1000\n", "at most 365"),
            ("[dnssec]\nzsk_lifetime_days = 90\n", "ksk-zsk"),
            ("[dnssec]\nkeys = \"ksk-zsk\"\nzsk_lifetime_days = 10\n", "longer than validity"),
            ("[dnssec]\nkeys = \"ksk-zsk\"\nksk_lifetime_days = 90\n", "parent's servers"),
            ("[dnssec]\nksk_lifetime_days = 90\nparent = [\"192.0.2.1:53\"]\n", "ksk-zsk"),
        ] {
            let (line, message) = parse(&format!("\n{text}")).unwrap_err();
            assert_eq!(line, 2, "{text}");
            assert!(message.contains(wanted), "{text}: {message}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        let (line, message) = parse("[epp]\nlisten = \"127.0.0.1:7700\"\nport = 7\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(message.contains("port"), "{message}");
        let (line, message) = parse("[epp]\nlisten = [\"127.0.0.1:700\", 7]\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("an address \"ADDR:PORT\" or a list"), "{message}");
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
