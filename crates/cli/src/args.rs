//! Command-line arguments as the user typed them (clap derive). Commands resolve them into the
//! settings they run with.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// nameward: a domain registry and authoritative DNS server where names outlive their registrar
/// and hosts publish their identity.
#[derive(Debug, Parser)]
#[command(name = "nameward", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check and print zone files (RFC 1035 master files, HIP records included).
    #[command(subcommand)]
    Zone(ZoneCommand),
    /// Host Identity Protocol: host keys, HITs, HIP records and the RFC 5205 lookup.
    #[command(subcommand)]
    Hip(HipCommand),
    /// DNSSEC keys and checks: key generation (BIND's key file format), DS records, and the
    /// verification of a signed zone file. `nameward zone sign` signs one.
    #[command(subcommand)]
    Dnssec(DnssecCommand),
    /// Serve zones over DNS (UDP and TCP) until SIGTERM or SIGINT; SIGHUP reloads them.
    #[command(
        after_help = "Example:\n  nameward serve --listen 127.0.0.1:5353 --listen [::1]:5353 \\\n    \
                      --zone example.com.=examples/example.com.zone --control /tmp/nameward.sock"
    )]
    Serve(ServeArgs),
    /// Talk to a running server over its control socket.
    #[command(subcommand)]
    Ctl(CtlCommand),
    /// Run the registry on its embedded default: EPP on 127.0.0.1:7700, the TLD zone over DNS
    /// on 127.0.0.1:5353 and the lifecycle schedule, with a demo TLD and two demo registrars
    /// created on first start in the data directory.
    #[command(after_help = "Example:\n  nameward up --data ./nameward-data")]
    Up(UpArgs),
    /// Registry operations: TLDs, registrars, money, the lifecycle tick, the TLD zone.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// EPP (RFC 5730): a client for operators and tests.
    #[command(subcommand)]
    Epp(EppCommand),
    /// When a registrar fails: declare it failed, move its names, see where they stand, list
    /// its creditors.
    #[command(subcommand)]
    Continuity(ContinuityCommand),
    /// Registrant notices when a registrar has failed: queue what is due, send it over SMTP.
    #[command(subcommand)]
    Notices(crate::commands::notices::NoticesCommand),
    /// The registrant desk: where registrants of a failed registrar's names get a transfer code.
    #[command(subcommand)]
    Desk(crate::commands::desk::DeskCommand),
    /// Registrar data escrow: import registrars' deposits and reconcile them with the registry.
    #[command(subcommand)]
    Escrow(EscrowCommand),
    /// RDAP (RFC 9082/9083): who holds a name, for everyone, personal data redacted.
    #[command(subcommand)]
    Rdap(crate::commands::rdap::RdapCommand),
}

/// Where the registry's database is: a data directory (SQLite inside it) or a PostgreSQL URL.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The data directory: the SQLite database `DIR/registry.sqlite` (unless `--db` names a
    /// PostgreSQL one), and what `up` writes (up.json, the demo's certificates, backups).
    #[arg(long, value_name = "DIR", default_value = "nameward-data")]
    pub data: PathBuf,
    /// A PostgreSQL database instead (`postgres://user:password@host/db`).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// A TOML configuration file: EPP's address, and the DNS server's settings (listen
    /// addresses, limits, secondaries, TSIG keys...). A commented example is written into the
    /// data directory on first start.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Where EPP listens (TLS, RFC 5734); default 127.0.0.1:7700. Give it again to listen on
    /// several addresses (IPv4 and IPv6, say), all answering alike.
    #[arg(long, value_name = "ADDR:PORT")]
    pub epp: Vec<std::net::SocketAddr>,
    /// Where the authoritative DNS server answers (UDP and TCP); default 127.0.0.1:5353.
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns: Option<std::net::SocketAddr>,
    /// Where RDAP answers (HTTP, or HTTPS with `[rdap] certificate`); default 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR:PORT")]
    pub rdap: Option<std::net::SocketAddr>,
    /// The demo TLD created on first start (default `example`). Every TLD of the registry
    /// that has a zone apex is served; on later starts this only checks that the TLD exists.
    #[arg(long)]
    pub tld: Option<String>,
    /// Seconds between lifecycle ticks.
    #[arg(long, default_value_t = 60)]
    pub tick_every: u64,
    /// Start the DNSSEC signer's clock at this instant (`YYYYMMDDHHmmSS` or seconds since
    /// 1970) instead of the system's; it runs on from there. Signatures and key rollovers
    /// follow it, so a test can replay months of rollovers by restarting at later times.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Run all lifecycle work due at `--now` (default: the current time). Idempotent.
    Tick(TickArgs),
    /// Print a TLD's zone as a zone file, from the database.
    Zone(RegistryZoneArgs),
    /// Add a TLD with the usual policy (RFC 3915 periods) and its apex name servers.
    AddTld(AddTldArgs),
    /// Accredit a registrar.
    AddRegistrar(AddRegistrarArgs),
    /// Credit (or with a negative amount debit) a registrar's prepaid account, in minor units.
    Deposit(DepositArgs),
    /// List registrars with their state and prepaid balance.
    Registrars(StoreOnly),
    /// Move a registrar between ACTIVE, SUSPENDED, FAILED and TERMINATED (operator only).
    RegistrarState(RegistrarStateArgs),
    /// Set the Ed25519 public key a registrar's escrow deposits must be signed with.
    EscrowKey(EscrowKeyArgs),
    /// Write a backup of the database while the registry runs: a consistent copy of the SQLite
    /// file, or `pg_dump`'s custom-format archive of a PostgreSQL registry (for `pg_restore`).
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where the backup goes (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct EscrowKeyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The registrar.
    pub registrar: String,
    /// The public key, PEM (`openssl pkey -in escrow.key -pubout`).
    #[arg(long, value_name = "PUBKEY.pem")]
    pub key: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum EscrowCommand {
    /// Deposits registrars make with the registry.
    #[command(subcommand)]
    Registrar(EscrowRegistrarCommand),
    /// Registry data escrow (RFC 8909/9022): deposits the registry makes of itself with an
    /// escrow agent, checked and restored as the agent or an emergency operator would.
    #[command(subcommand)]
    Registry(EscrowRegistryCommand),
}

#[derive(Debug, Subcommand)]
pub enum EscrowRegistryCommand {
    /// Make a deposit of a TLD from one snapshot of the registry: XML, tar, OpenPGP
    /// (ZIP, AES-128, to the agent's key) and a detached signature, named as ICANN names them,
    /// with the deposit report; the deposit is recorded in the registry.
    #[command(
        after_help = "Example:\n  nameward escrow registry deposit --full --tld example --out deposits \\\n    --agent-key agent.asc --signing-key registry.sec.asc --data ./nameward-data"
    )]
    Deposit(RdeDepositArgs),
    /// Check deposits as the escrow agent does: signature, decryption, the XML's counts and
    /// references; every problem is listed with file and element.
    Verify(RdeVerifyArgs),
    /// Rebuild a registry from a verified FULL deposit and the DIFFs after it into a new
    /// database, in one transaction.
    Restore(RdeRestoreArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("kind").required(true).args(["full", "diff"])))]
pub struct RdeDepositArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// A FULL deposit: every object.
    #[arg(long)]
    pub full: bool,
    /// A DIFF deposit: what changed since the latest deposit of the TLD (objects changed, in
    /// full, and the keys of those removed).
    #[arg(long)]
    pub diff: bool,
    /// The TLD.
    #[arg(long)]
    pub tld: String,
    /// The directory the files are written to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The escrow agent's OpenPGP public key (armored or binary).
    #[arg(long, value_name = "AGENT.asc")]
    pub agent_key: PathBuf,
    /// The registry's OpenPGP secret key, without a passphrase (armored or binary).
    #[arg(long, value_name = "REG.asc")]
    pub signing_key: PathBuf,
    /// How many times this deposit was sent before (the file names' `R{rev}`).
    #[arg(long, default_value_t = 0)]
    pub resend: u32,
    /// The deposit's watermark, the instant the snapshot is taken (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Print the deposit's record as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The keys a deposit is checked with, and where it is decrypted.
#[derive(Debug, Clone, Args)]
pub struct RdeKeyArgs {
    /// The escrow agent's OpenPGP secret key, without a passphrase (decrypts).
    #[arg(long, value_name = "KEY")]
    pub agent_secret: PathBuf,
    /// The registry's OpenPGP public key (checks the signatures).
    #[arg(long, value_name = "KEY")]
    pub registry_pub: PathBuf,
    /// Where the deposits are decrypted (default: a directory under the system's temporary
    /// one, removed afterwards). The XML is as large as the registry.
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RdeVerifyArgs {
    /// The deposit files: each `.ryde` with its `.sig` beside it.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub keys: RdeKeyArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RdeRestoreArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The deposit files: a FULL `.ryde` and the DIFF `.ryde`s that follow it, each with its
    /// `.sig` beside it, in any order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub keys: RdeKeyArgs,
}

#[derive(Debug, Subcommand)]
pub enum EscrowRegistrarCommand {
    /// Verify a deposit (tar or tar.gz) with the registrar's escrow key, import it in one
    /// transaction (FULL replaces, INCR adds) and report how it compares with the registry.
    #[command(
        after_help = "Example:\n  nameward escrow registrar import alpha-2026-01-01.tar.gz --data ./nameward-data"
    )]
    Import(EscrowImportArgs),
}

#[derive(Debug, Args)]
pub struct EscrowImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The deposit archive.
    pub file: PathBuf,
    /// The registrar it must be from (default: the one its manifest names).
    #[arg(long)]
    pub registrar: Option<String>,
    /// The instant of the import (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClaimsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The registrar.
    pub registrar: String,
    /// Print RFC 4180 CSV instead of a table.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Args)]
pub struct StoreOnly {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct TickArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The instant to run as (RFC 3339, e.g. 2027-01-01T00:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct RegistryZoneArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The TLD.
    #[arg(long)]
    pub tld: String,
}

#[derive(Debug, Args)]
pub struct AddTldArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The TLD, without dots.
    pub tld: String,
    /// An apex name server as NAME or NAME=ADDR[,ADDR] (addresses published when NAME is inside
    /// the TLD); repeat for more.
    #[arg(long = "ns", value_name = "NAME[=ADDR,…]", required = true)]
    pub nameservers: Vec<String>,
    /// The SOA mailbox.
    #[arg(long, default_value = "hostmaster@nic.invalid")]
    pub hostmaster: String,
    /// A Unicode script (`Latin`, `Devanagari`) whose letters IDN labels may use; repeat for
    /// more. Without it, every script is allowed (one script per label).
    #[arg(long = "idn-script", value_name = "SCRIPT")]
    pub idn_scripts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AddRegistrarArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The EPP client id (3–16 characters).
    pub id: String,
    /// The registrar's name.
    #[arg(long)]
    pub name: String,
    /// The EPP password (read from the environment variable NAMEWARD_PASSWORD if absent).
    #[arg(long, env = "NAMEWARD_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// A client certificate (PEM) the registrar logs in with; repeat for more.
    #[arg(long = "cert", value_name = "PEM", required = true)]
    pub certs: Vec<PathBuf>,
    /// Where the registry writes to the registrar.
    #[arg(long)]
    pub email: Option<String>,
    /// Security deposit lodged at accreditation, in minor units (booked on its Deposit account).
    #[arg(long, value_name = "AMOUNT", default_value_t = 0)]
    pub security_deposit: i64,
    /// The ACTIVE registrar designated to take over the portfolio should this one fail.
    #[arg(long, value_name = "ID")]
    pub successor: Option<String>,
}

#[derive(Debug, Args)]
pub struct DepositArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The registrar.
    pub registrar: String,
    /// Minor units (cents); negative to debit.
    #[arg(allow_hyphen_values = true)]
    pub amount: i64,
}

#[derive(Debug, Subcommand)]
pub enum EppCommand {
    /// Log in, send commands (XML files or built-in verbs), print each response, log out.
    /// Exits 1 when any command's result code is 2000 or above.
    #[command(after_help = "Examples:\n  \
        nameward epp client --up ./nameward-data --registrar alpha domain-check a.example b.example\n  \
        nameward epp client --up ./nameward-data --registrar alpha domain-create a.example --years 2\n  \
        nameward epp client --server 127.0.0.1:700 --ca ca.pem --cert me.pem --key me.key \\\n    \
        --client-id me --password secret xml command.xml")]
    Client(Box<EppClientArgs>),
}

#[derive(Debug, Args)]
pub struct EppClientArgs {
    /// Take the server, CA and the registrar's credentials from `DIR/up.json`, as written by
    /// `nameward up`.
    #[arg(long, value_name = "DIR", requires = "registrar")]
    pub up: Option<PathBuf>,
    /// With --up: which registrar to act as.
    #[arg(long)]
    pub registrar: Option<String>,
    /// The EPP server.
    #[arg(long, value_name = "ADDR:PORT")]
    pub server: Option<String>,
    /// The TLS server name to verify (default: the server's host part).
    #[arg(long)]
    pub server_name: Option<String>,
    /// The CA certificate (PEM) the server's certificate must chain to.
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
    /// The client certificate (PEM).
    #[arg(long, value_name = "PEM")]
    pub cert: Option<PathBuf>,
    /// The client certificate's key (PEM).
    #[arg(long, value_name = "PEM")]
    pub key: Option<PathBuf>,
    /// The EPP client id.
    #[arg(long)]
    pub client_id: Option<String>,
    /// The EPP password (or NAMEWARD_PASSWORD).
    #[arg(long, env = "NAMEWARD_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Send the command without logging in first (for `hello` or a hand-written login).
    #[arg(long)]
    pub no_login: bool,
    /// What to send: `xml FILE` (or `-` for standard input), or a verb with its arguments.
    #[command(subcommand)]
    pub verb: EppVerb,
}

#[derive(Debug, Subcommand)]
pub enum EppVerb {
    /// Send an XML command from a file (`-`: standard input).
    Xml { file: PathBuf },
    /// `<hello/>`.
    Hello,
    /// `<poll op="req"/>`.
    Poll,
    /// `<poll op="ack" msgID=ID/>`.
    PollAck { id: String },
    /// `<domain:check>`.
    DomainCheck {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// `<domain:info>`.
    DomainInfo {
        name: String,
        #[arg(long)]
        auth: Option<String>,
    },
    /// `<domain:create>`.
    DomainCreate {
        name: String,
        #[arg(long, default_value_t = 1)]
        years: u8,
        /// A name server (host object); repeat for more.
        #[arg(long = "ns")]
        ns: Vec<String>,
        #[arg(long)]
        registrant: Option<String>,
        /// The transfer code; empty sets none (RFC 9154).
        #[arg(long, default_value = "")]
        auth: String,
        /// A DS record for the parent, as `KEYTAG ALGORITHM DIGESTTYPE HEX` (secDNS, RFC 5910);
        /// repeat for more.
        #[arg(long = "ds", value_name = "DS")]
        ds: Vec<String>,
    },
    /// `<domain:renew>`.
    DomainRenew {
        name: String,
        /// The current expiry date (YYYY-MM-DD).
        #[arg(long)]
        exp: String,
        #[arg(long, default_value_t = 1)]
        years: u8,
    },
    /// `<domain:update>` setting or clearing the transfer code and name servers.
    DomainUpdate {
        name: String,
        #[arg(long = "add-ns")]
        add_ns: Vec<String>,
        #[arg(long = "rem-ns")]
        rem_ns: Vec<String>,
        #[arg(long = "add-status")]
        add_status: Vec<String>,
        #[arg(long = "rem-status")]
        rem_status: Vec<String>,
        /// A DS record to add, as `KEYTAG ALGORITHM DIGESTTYPE HEX`; repeat for more.
        #[arg(long = "add-ds", value_name = "DS")]
        add_ds: Vec<String>,
        /// A DS record to remove, as `KEYTAG ALGORITHM DIGESTTYPE HEX`; repeat for more.
        #[arg(long = "rem-ds", value_name = "DS")]
        rem_ds: Vec<String>,
        /// A new transfer code (empty clears it).
        #[arg(long)]
        auth: Option<String>,
    },
    /// `<domain:delete>`.
    DomainDelete { name: String },
    /// `<domain:transfer op=…>`: request, approve, reject, cancel or query.
    DomainTransfer {
        op: String,
        name: String,
        #[arg(long)]
        auth: Option<String>,
    },
    /// `<host:create>`.
    HostCreate { name: String, addrs: Vec<std::net::IpAddr> },
    /// `<host:info>`.
    HostInfo { name: String },
    /// `<host:delete>`.
    HostDelete { name: String },
    /// `<contact:create>`.
    ContactCreate {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Unknown")]
        city: String,
        /// Two-letter country code.
        #[arg(long)]
        cc: String,
        #[arg(long, default_value = "")]
        auth: String,
    },
    /// `<contact:info>`.
    ContactInfo { id: String },
    /// `<contact:delete>`.
    ContactDelete { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ZoneCommand {
    /// Read a zone file and check it: exit 0 when it is valid (warnings allowed), 1 on errors.
    ///
    /// Diagnostics go to standard error as `FILE:LINE: error|warning: message`.
    #[command(
        after_help = "Example:\n  nameward zone check --origin example.com. examples/example.com.zone"
    )]
    Check(CheckArgs),
    /// Print a zone in canonical form: one record per line, absolute names, canonical order.
    #[command(
        after_help = "Examples:\n  nameward zone fmt --origin example.com. examples/example.com.zone\n  \
                            nameward zone fmt --generic --origin example.com. examples/example.com.zone"
    )]
    Fmt(FmtArgs),
    /// Sign a zone file with DNSSEC keys from files; write the signed zone.
    ///
    /// Every authoritative RRset is signed (apex NS and DS included, never delegation NS or
    /// glue); the DNSKEY RRset by the key-signing keys, the rest by the zone-signing keys (a key
    /// of an algorithm with no other kind signs both). Records the signer makes (RRSIG, NSEC,
    /// NSEC3, NSEC3PARAM) are made anew, so a signed zone can be signed again.
    #[command(after_help = "Examples:\n  \
        nameward zone sign --origin example.com. example.com.zone \\\n    \
        --key Kexample.com.+013+12345 --key Kexample.com.+013+54321 --out example.com.zone.signed\n  \
        nameward zone sign --origin tld. tld.zone --key Ktld.+013+11111 --nsec3 --opt-out \\\n    \
        --inception 20261201000000 --expiration 20261231000000 --out tld.zone.signed")]
    Sign(SignArgs),
}

/// What every zone command reads.
#[derive(Debug, Args)]
pub struct ZoneInput {
    /// The zone's origin (apex), such as `example.com.`; relative names in the file are completed
    /// with it.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,
    /// Allow `$INCLUDE` of files outside the zone file's directory.
    #[arg(long)]
    pub allow_include_outside: bool,
    /// The zone file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Most diagnostics to print (the first ones by file and line); the others are counted in a
    /// final line, and errors among them still make the command fail.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_diagnostics: usize,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: ZoneInput,
    /// Treat a HIP record whose HIT is not derived from its key (ORCHID v1 or v2) as an error,
    /// not a warning.
    #[arg(long)]
    pub strict_hit: bool,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub input: ZoneInput,
    /// Print every record in RFC 3597 generic form (`TYPEnnn \# len hex`), which servers without
    /// the record's type (such as Knot DNS or PowerDNS for HIP) can load.
    #[arg(long)]
    pub generic: bool,
}

#[derive(Debug, Subcommand)]
pub enum HipCommand {
    /// Generate a host key, written as unencrypted PKCS#8 PEM readable only by its owner (0600).
    #[command(
        after_help = "Examples:\n  nameward hip keygen --algorithm ed25519 --out host.key\n  \
                            nameward hip keygen --algorithm rsa --bits 4096 --out host.key"
    )]
    Keygen(KeygenArgs),
    /// Print the HIP record for a host key, as a zone file line.
    ///
    /// The line passes `nameward zone check --strict-hit`: its HIT is the key's ORCHID.
    #[command(after_help = "Example:\n  nameward hip rr --key host.key --owner www.example.com. \
                            --rvs rvs.example.com.")]
    Rr(RrArgs),
    /// Print the HIT of a key, or of the key in a HIP record, as an IPv6 address.
    #[command(after_help = "Examples:\n  nameward hip hit --key host.key\n  \
                            nameward hip hit --orchid v1 --rdata \"2 200100107B1A74DF365639CC39F1D578 AwEAAbdx…\"")]
    Hit(HitArgs),
    /// Look up a host's HIP records as a HIP initiator does (RFC 5205 §3) and print where its I1
    /// packet would go.
    ///
    /// Asks for HIP records; on NXDOMAIN stops; on no HIP records asks for A and AAAA unless
    /// `--fallback none`; on HIP records recomputes every HIT from its key and finds the addresses
    /// of the rendezvous servers (or of the host itself when a record names none).
    ///
    /// Exit status: 0 HIP records found and every HIT matches its key; 2 no HIP records
    /// (NXDOMAIN or none at the name); 3 a HIT does not match its key; 1 any other error.
    #[command(
        after_help = "Example:\n  nameward hip resolve www.example.com. --server 192.0.2.53 --json"
    )]
    Resolve(ResolveArgs),
}

/// The ORCHID a HIT is made as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrchidArg {
    /// ORCHID v1 (RFC 4843), the HIT of HIPv1 (RFC 5201); RSA and DSA keys only.
    V1,
    /// ORCHID v2 (RFC 7343), the HIT of HIPv2 (RFC 7401).
    V2,
}

/// Key algorithms `keygen` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// RSA, 3072 bits unless `--bits` says otherwise (HIP algorithm 2).
    Rsa,
    /// ECDSA on NIST P-256 (HIP algorithm 3).
    EcdsaP256,
    /// ECDSA on NIST P-384 (HIP algorithm 3).
    EcdsaP384,
    /// Ed25519 (HIP algorithm 4).
    Ed25519,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The key algorithm.
    #[arg(long, value_enum)]
    pub algorithm: AlgorithmArg,
    /// RSA modulus size in bits, 2048 to 4096 (default 3072).
    #[arg(long, value_name = "BITS")]
    pub bits: Option<usize>,
    /// The file to write; an existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RrArgs {
    /// The host key: public or private, PEM or DER (SPKI, PKCS#8, PKCS#1, SEC1).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Which ORCHID the record's HIT is.
    #[arg(long, value_enum, default_value = "v2")]
    pub orchid: OrchidArg,
    /// The record's owner name, as written in the zone file (`@` is the zone's origin).
    #[arg(long, value_name = "NAME", default_value = "@")]
    pub owner: String,
    /// The record's TTL in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub ttl: u32,
    /// A rendezvous server's name; repeat in order of preference.
    #[arg(long = "rvs", value_name = "NAME")]
    pub rvs: Vec<String>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["key", "rdata"])))]
pub struct HitArgs {
    /// Which ORCHID to compute.
    #[arg(long, value_enum, default_value = "v2")]
    pub orchid: OrchidArg,
    /// A host key file: public or private, PEM or DER.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// A HIP record's data as in a zone file: `ALG HIT BASE64KEY [RVS …]`.
    #[arg(long, value_name = "RDATA")]
    pub rdata: Option<String>,
}

/// What to do when the name has no HIP records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FallbackArg {
    /// Ask for A and AAAA records, for opportunistic HIP or plain IP.
    Ip,
    /// Stop.
    None,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The responder's domain name; a name without a final dot is taken as absolute.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The DNS server to ask: an IP address, with `:PORT` (`[ADDR]:PORT` for IPv6) when not 53.
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub server: String,
    /// What to do when the name has no HIP records.
    #[arg(long, value_enum, default_value = "ip")]
    pub fallback: FallbackArg,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// How long to wait for each answer: seconds, or a number with `ms` or `s`.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub timeout: String,
    /// How many times to resend an unanswered UDP query.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// Validate every answer the lookup uses with DNSSEC (RFC 4035 §5, RFC 5205 §8) and report
    /// secure, insecure or bogus; a bogus answer is refused (exit status 4).
    #[arg(long)]
    pub dnssec: bool,
    /// The trust anchor for `--dnssec`: a file of DS or DNSKEY records of one zone, in zone-file
    /// form (as `nameward dnssec ds` prints them); default: the root zone's KSK-2017 DS. Implies
    /// `--dnssec`.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,
    /// With `--dnssec`: require each RRset to be signed with every algorithm its zone's DS set
    /// names (refusing an algorithm downgrade); by default one valid algorithm suffices, as
    /// RFC 6840 §5.11 and BIND have it.
    #[arg(long)]
    pub strict_algorithms: bool,
    /// The time signatures must be valid at for `--dnssec` (`YYYYMMDDHHmmSS` or seconds since
    /// 1970); now when not given.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// `nameward serve`: every option can also be set in the `--config` file; options given here
/// are added to (lists) or override (single values) the file's.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// An address to answer on, UDP and TCP, such as `127.0.0.1:53` or `[::1]:53`; repeatable.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Vec<std::net::SocketAddr>,
    /// A zone to serve, as its origin and file; repeatable.
    #[arg(long, value_name = "ORIGIN=FILE")]
    pub zone: Vec<String>,
    /// UDP worker threads (and sockets) per address; default: one per core.
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// A TOML configuration file with the same settings, plus TCP limits, rate limiting,
    /// secondaries, access lists and TSIG keys.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serve Prometheus metrics at `http://ADDR/metrics`.
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics: Option<std::net::SocketAddr>,
    /// The Unix socket for `nameward ctl` (which looks at /run/nameward/control.sock unless
    /// told otherwise); none unless given.
    #[arg(long, value_name = "PATH")]
    pub control: Option<PathBuf>,
    /// Seconds before an idle or stalled TCP connection is closed.
    #[arg(long, value_name = "SECONDS")]
    pub tcp_idle_timeout: Option<u64>,
    /// Limit identical responses to one client network to N per second (response-rate
    /// limiting; off by default).
    #[arg(long, value_name = "N")]
    pub rrl_responses_per_second: Option<u32>,
    /// The name server identifier sent to clients that ask for it (RFC 5001, `dig +nsid`).
    #[arg(long, value_name = "TEXT")]
    pub nsid: Option<String>,
    /// Start the DNSSEC signer's clock at this instant (`YYYYMMDDHHmmSS` or seconds since
    /// 1970) instead of the system's; it runs on from there (for replaying key rollovers).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    /// Reload every zone file; exit 1 when a zone failed to load (it keeps serving the old
    /// version) and say why.
    Reload(CtlArgs),
    /// List the zones served with their serials.
    Status(CtlArgs),
    /// Write every zone changed by dynamic update back to its file (atomically: a new file
    /// renamed over the old) and empty its update journal.
    Flush(CtlArgs),
}

#[derive(Debug, Args)]
pub struct CtlArgs {
    /// The server's control socket, as given to `nameward serve --control`.
    #[arg(long, value_name = "PATH", default_value = "/run/nameward/control.sock")]
    pub socket: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum StateArg {
    Active,
    Suspended,
    Failed,
    Terminated,
}

#[derive(Debug, Args)]
pub struct RegistrarStateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The registrar.
    pub id: String,
    /// The new state.
    #[arg(value_enum, ignore_case = true)]
    pub state: StateArg,
    /// Why, for the record (required).
    #[arg(long)]
    pub reason: String,
    /// The instant it takes effect (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ContinuityCommand {
    /// Declare a registrar FAILED (from ACTIVE or SUSPENDED): its names are kept — no
    /// deletion, renewals on credit — and it can no longer log in.
    DeclareFailed(DeclareFailedArgs),
    /// Move a failed registrar's names to another registrar in bulk: no extra year, expiry
    /// unchanged, no charge; batched, resumable.
    Transfer(ContinuityTransferArgs),
    /// A registrar's portfolio by state, what moved away, renewals on credit, and the expiry
    /// cliff of the next 52 weeks.
    Status(ContinuityStatusArgs),
    /// The creditor inventory of a registrar: every customer and reseller with the prepaid
    /// balance its latest escrow shows, and what it owes the registry.
    Claims(ClaimsArgs),
    /// Switch a failed registrar's name to the registry's own name servers, which serve the
    /// zone the registrar hosted for it (from escrow); the TLD zone delegates it there without
    /// DS until its NS change. `nameward up` serves the zone.
    SwitchDns(SwitchDnsArgs),
    /// End a name's continuity DNS: the TLD zone publishes its own NS and DS again.
    EndDns(EndDnsArgs),
}

#[derive(Debug, Args)]
pub struct SwitchDnsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The domain.
    pub domain: String,
    /// The instant it takes effect (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct EndDnsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The domain.
    pub domain: String,
    /// Why, for the record (required).
    #[arg(long)]
    pub reason: String,
    /// The instant it takes effect (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeclareFailedArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The registrar.
    pub registrar: String,
    /// Why, for the record (the court order, the breach notice ...).
    #[arg(long)]
    pub reason: String,
    /// Bring back the names it deleted in this many days before the failure (0: none).
    #[arg(long, value_name = "DAYS", default_value_t = nameward_registry::continuity::lookback::DEFAULT_DAYS)]
    pub look_back_days: u32,
    /// The instant it takes effect (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct ContinuityTransferArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The failed (or terminated) registrar.
    pub registrar: String,
    /// The ACTIVE registrar that takes the names (default: the designated successor).
    #[arg(long, value_name = "GAINING")]
    pub to: Option<String>,
    /// Move names held through resellers too (without it they stay with the failed registrar).
    #[arg(long)]
    pub include_resellers: bool,
    /// Count what would move, by state, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Names per transaction.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch: u32,
    /// Stop after this many batches (run again to go on).
    #[arg(long, value_name = "N")]
    pub max_batches: Option<u64>,
    /// The instant it takes effect (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct ContinuityStatusArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The registrar.
    pub registrar: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The instant to look from (RFC 3339; default: now); week 0 of the cliff starts here.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub input: ZoneInput,
    /// A key: BIND's `K<name>+<alg>+<tag>` with or without `.key` / `.private`; repeatable.
    /// The private file must be readable by its owner only.
    #[arg(long = "key", value_name = "KEY", required = true)]
    pub keys: Vec<PathBuf>,
    /// Where to write the signed zone; standard output when left out.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Start of the signatures' validity: `YYYYMMDDHHmmSS` (UTC), seconds since 1970, or
    /// `now-DURATION` / `now`. Default: one hour ago, for clocks that lag.
    #[arg(long, value_name = "TIME")]
    pub inception: Option<String>,
    /// End of the signatures' validity, as `--inception`, or `now+DURATION`. Default: the
    /// inception plus `--validity`.
    #[arg(long, value_name = "TIME", conflicts_with = "validity")]
    pub expiration: Option<String>,
    /// How long signatures are valid from now (`30d`, `2w`, seconds).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub validity: String,
    /// Deny existence with NSEC3 (RFC 5155) instead of NSEC; RFC 9276 parameters by default.
    #[arg(long)]
    pub nsec3: bool,
    /// NSEC3 opt-out: leave insecure delegations out of the chain (for delegation-heavy zones).
    #[arg(long, requires = "nsec3")]
    pub opt_out: bool,
    /// NSEC3 extra iterations (RFC 9276: 0).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "nsec3")]
    pub iterations: u16,
    /// NSEC3 salt in hexadecimal, or `-` for none (RFC 9276: none).
    #[arg(long, value_name = "HEX", default_value = "-", requires = "nsec3")]
    pub salt: String,
    /// Threads to sign on (default: every core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// The current time, for the default inception (`YYYYMMDDHHmmSS` or seconds since 1970).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DnssecCommand {
    /// Generate a DNSSEC key as BIND's `K<zone>+<alg>+<tag>.key` and `.private` (0600) files;
    /// prints the file name stem.
    #[command(after_help = "Examples:\n  \
        nameward dnssec keygen --zone example.com. --role ksk\n  \
        nameward dnssec keygen --zone example.com. --algorithm RSASHA256 --bits 2048 --dir keys")]
    Keygen(DnssecKeygenArgs),
    /// Print the DS records (or CDS, CDNSKEY) of DNSKEYs: from `.key` files or zone file lines.
    #[command(after_help = "Examples:\n  \
        nameward dnssec ds Kexample.com.+013+12345.key\n  \
        nameward dnssec ds --digest 2 --digest 4 --dnskey 'example.com. IN DNSKEY 257 3 13 …'")]
    Ds(DsArgs),
    /// Verify a signed zone file: every RRset signed for each DNSKEY algorithm, signatures
    /// valid now and verifying, the NSEC or NSEC3 chain complete. Prints each problem as
    /// `owner TYPE: message`; exit 1 when there is any.
    #[command(
        after_help = "Example:\n  nameward dnssec verify --origin example.com. example.com.zone.signed"
    )]
    Verify(VerifyArgs),
}

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyRole {
    /// Key-signing key (flags 257): signs the DNSKEY RRset; its DS goes to the parent.
    Ksk,
    /// Zone-signing key (flags 256): signs the rest.
    Zsk,
    /// Combined signing key (flags 257), alone for its algorithm: signs everything.
    Csk,
}

#[derive(Debug, Args)]
pub struct DnssecKeygenArgs {
    /// The zone the key is for.
    #[arg(long, value_name = "ZONE")]
    pub zone: String,
    /// The algorithm: ECDSAP256SHA256 (13), ECDSAP384SHA384 (14), ED25519 (15) or RSASHA256 (8).
    #[arg(long, value_name = "ALG", default_value = "ECDSAP256SHA256")]
    pub algorithm: String,
    /// What the key signs.
    #[arg(long, value_enum, default_value = "zsk")]
    pub role: KeyRole,
    /// RSA modulus size in bits, 2048 to 4096 (default 3072).
    #[arg(long, value_name = "BITS")]
    pub bits: Option<usize>,
    /// The directory to write the key files in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// A TTL to write in the `.key` file's DNSKEY record.
    #[arg(long, value_name = "TTL")]
    pub ttl: Option<u32>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["files", "dnskey"])))]
pub struct DsArgs {
    /// `.key` files (or zone files) holding DNSKEY records; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A DNSKEY record as a zone file line (`owner [TTL] [IN] DNSKEY flags 3 alg key`).
    #[arg(long, value_name = "RECORD")]
    pub dnskey: Option<String>,
    /// Digest types: 2 (SHA-256) or 4 (SHA-384); repeatable.
    #[arg(long = "digest", value_name = "TYPE", default_value = "2")]
    pub digests: Vec<String>,
    /// Print CDS records (RFC 7344) instead of DS.
    #[arg(long, conflicts_with = "cdnskey")]
    pub cds: bool,
    /// Print CDNSKEY records (RFC 7344) instead of DS.
    #[arg(long)]
    pub cdnskey: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub input: ZoneInput,
    /// The time signatures must be valid at (`YYYYMMDDHHmmSS` or seconds since 1970); now when
    /// left out.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}
