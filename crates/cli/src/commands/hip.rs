//! `nameward hip keygen|rr|hit|resolve`: thin commands over nameward-hip's keys and lookup.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use nameward_dns::dnssec::validate::{Context as Validation, Security, TrustAnchor};
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::hip::Hip;
use nameward_dns::text::Tokens;
use nameward_dns::zone::tokenize_rdata;
use nameward_dns::zone::{ReaderOptions, ZoneReader};
use nameward_dns::{Name, Rtype};
use nameward_hip::OrchidVersion;
use nameward_hip::keys::{KeyAlgorithm, PublicHostKey, generate, read_key};
use nameward_hip::lookup::{Fallback, Lookup, Outcome, ResolverConfig, resolve, resolve_validated};
use serde::Serialize;

use crate::args::{
    AlgorithmArg, FallbackArg, HipCommand, HitArgs, KeygenArgs, OrchidArg, ResolveArgs, RrArgs,
};

/// Exit status of `resolve` when the name has no HIP records.
const EXIT_NO_HIP: u8 = 2;
/// Exit status of `resolve` when a HIT does not match its key.
const EXIT_HIT_MISMATCH: u8 = 3;
/// Exit status of `resolve --dnssec` when an answer is bogus: the lookup is refused.
const EXIT_BOGUS: u8 = 4;

/// Runs one `nameward hip` command.
pub fn run(command: HipCommand) -> Result<ExitCode> {
    match command {
        HipCommand::Keygen(args) => keygen(&args),
        HipCommand::Rr(args) => rr(&args),
        HipCommand::Hit(args) => hit(&args),
        HipCommand::Resolve(args) => resolve_command(&args),
    }
}

fn orchid(arg: OrchidArg) -> OrchidVersion {
    match arg {
        OrchidArg::V1 => OrchidVersion::V1,
        OrchidArg::V2 => OrchidVersion::V2,
    }
}

fn load_key(path: &Path) -> Result<PublicHostKey> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = read_key(&bytes).with_context(|| format!("{}", path.display()))?;
    Ok(file.key)
}

fn keygen(args: &KeygenArgs) -> Result<ExitCode> {
    let algorithm = match args.algorithm {
        AlgorithmArg::Rsa => KeyAlgorithm::Rsa,
        AlgorithmArg::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        AlgorithmArg::EcdsaP384 => KeyAlgorithm::EcdsaP384,
        AlgorithmArg::Ed25519 => KeyAlgorithm::Ed25519,
    };
    let path = &args.out;
    // Checked before the (possibly slow) generation; `create_new` below closes the race.
    if path.exists() {
        bail!("{} already exists; nameward never overwrites a key file", path.display());
    }
    let key = generate(algorithm, args.bits)?;
    let pem = key.to_pkcs8_pem()?;
    let public = key.public()?;
    let mut file = crate::secret_file::create_private(path)?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    let hit = public.hit(OrchidVersion::V2)?;
    println!("{}: {} host key, HIT {}", path.display(), algorithm, Ipv6Addr::from(hit));
    Ok(ExitCode::SUCCESS)
}

fn rr(args: &RrArgs) -> Result<ExitCode> {
    let key = load_key(&args.key)?;
    let hit = key.hit(orchid(args.orchid)).with_context(|| format!("{}", args.key.display()))?;
    check_owner(&args.owner)?;
    let rendezvous_servers = args
        .rvs
        .iter()
        .map(|text| {
            Name::parse(text, Some(&Name::root()))
                .map_err(|e| anyhow!("bad --rvs name `{text}`: {e}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let hip = Hip {
        algorithm: key.hip_algorithm(),
        hit: hit.to_vec(),
        public_key: key.rr_key().to_vec(),
        rendezvous_servers,
    };
    println!("{} {} IN HIP {hip}", args.owner, args.ttl);
    Ok(ExitCode::SUCCESS)
}

/// The owner is printed as given (so relative names stay relative to the zone), but must be a
/// name a zone file can hold.
fn check_owner(owner: &str) -> Result<()> {
    if owner == "@" {
        return Ok(());
    }
    let origin = Name::root();
    Name::parse(owner, Some(&origin)).map_err(|e| anyhow!("bad --owner `{owner}`: {e}"))?;
    if owner.chars().any(|c| c.is_whitespace() || c == ';' || c == '(' || c == ')') {
        bail!("bad --owner `{owner}`: it would not read back as one name in a zone file");
    }
    Ok(())
}

fn hit(args: &HitArgs) -> Result<ExitCode> {
    let version = orchid(args.orchid);
    let (algorithm, key, published) = match (&args.key, &args.rdata) {
        (Some(path), _) => {
            let key = load_key(path)?;
            (key.hip_algorithm(), key.rr_key().to_vec(), None)
        }
        (None, Some(text)) => {
            let hip = parse_rdata(text)?;
            (hip.algorithm, hip.public_key, Some(hip.hit))
        }
        (None, None) => bail!("give a key with --key FILE or a HIP record with --rdata"),
    };
    let hit = nameward_hip::hit_of(version, algorithm, &key)?;
    println!("{}", Ipv6Addr::from(hit));
    if let Some(published) = published
        && published != hit
    {
        eprintln!(
            "nameward: note: the record's own HIT is not this one; peers use the HIT computed \
             from the key (RFC 5205 §4.1)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// HIP RDATA in presentation form; parentheses, as copied from a multi-line record, are dropped.
fn parse_rdata(text: &str) -> Result<Hip> {
    let cleaned: String =
        text.chars().map(|c| if c == '(' || c == ')' { ' ' } else { c }).collect();
    let tokens = tokenize_rdata(cleaned.as_bytes());
    let root = Name::root();
    let mut cursor = Tokens::new(&tokens, Some(&root));
    match RecordData::parse_text(Rtype::HIP, &mut cursor) {
        Ok(RecordData::Hip(hip)) => Ok(hip),
        Ok(_) => bail!("--rdata did not read as a HIP record"),
        Err(e) => {
            let at = e
                .token
                .and_then(|i| tokens.get(i))
                .map(|t| format!(" (at `{}`)", String::from_utf8_lossy(t.text)))
                .unwrap_or_default();
            bail!("bad --rdata, expected `ALG HIT BASE64KEY [RVS …]`: {e}{at}")
        }
    }
}

fn resolve_command(args: &ResolveArgs) -> Result<ExitCode> {
    let name = Name::parse(&args.name, Some(&Name::root()))
        .map_err(|e| anyhow!("bad name `{}`: {e}", args.name))?;
    let server = parse_server(&args.server)?;
    let config = ResolverConfig {
        server,
        timeout: parse_duration(&args.timeout)?,
        retries: args.retries,
        fallback: match args.fallback {
            FallbackArg::Ip => Fallback::Ip,
            FallbackArg::None => Fallback::None,
        },
    };
    if args.dnssec || args.trust_anchor.is_some() || args.strict_algorithms {
        return resolve_dnssec(args, &name, &config);
    }
    let lookup =
        resolve(&name, &config).with_context(|| format!("looking up {name} at {server}"))?;
    if args.json {
        let json = serde_json::to_string(&JsonLookup::from(&lookup))?;
        println!("{json}");
    } else {
        print_lookup(&lookup)?;
    }
    Ok(ExitCode::from(lookup_status(&lookup)))
}

fn lookup_status(lookup: &Lookup) -> u8 {
    match lookup.outcome {
        Outcome::Hip if lookup.all_hits_match() => 0,
        Outcome::Hip => EXIT_HIT_MISMATCH,
        Outcome::NxDomain | Outcome::NoData | Outcome::NoDataFallback => EXIT_NO_HIP,
    }
}

/// The root zone's trust anchors (IANA's root-anchors.xml): KSK-2017 and KSK-2024.
const ROOT_ANCHOR: &str = "\
. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
";

/// `--dnssec`: the lookup with every answer validated; a bogus one is refused.
fn resolve_dnssec(args: &ResolveArgs, name: &Name, config: &ResolverConfig) -> Result<ExitCode> {
    let anchor = match &args.trust_anchor {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the trust anchor {}", path.display()))?;
            read_anchor(&text, &path.display().to_string())?
        }
        None => read_anchor(ROOT_ANCHOR, "the built-in root anchor")?,
    };
    let now = match &args.now {
        Some(text) => crate::commands::dnssec::parse_time(text, None).context("bad --now")?,
        None => crate::commands::dnssec::clock(),
    };
    let mut cx = Validation::new(anchor, now);
    cx.strict_algorithms = args.strict_algorithms;
    let server = config.server;
    let validated = resolve_validated(name, config, &cx)
        .with_context(|| format!("looking up {name} at {server} with DNSSEC"))?;
    let reason = validated.worst().map(|c| {
        let finding = c.finding.as_ref().map(ToString::to_string).unwrap_or_default();
        format!("{} {}: {finding}", c.question.name, c.question.qtype)
    });
    let bogus = validated.security == Security::Bogus;
    if args.json {
        let mut json = serde_json::to_value(JsonLookup::from(&validated.lookup))?;
        json["dnssec"] = serde_json::json!({
            "security": validated.security.as_str(),
            "reason": reason,
            "refused": bogus,
            "answers": validated.checked.iter().map(|c| serde_json::json!({
                "name": c.question.name.to_string(),
                "type": c.question.qtype.to_string(),
                "security": c.security.as_str(),
                "reason": c.finding.as_ref().map(ToString::to_string),
                "queries": c.work.queries,
                "signatures": c.work.signatures,
                "nsec3_hashes": c.work.hashes,
            })).collect::<Vec<_>>(),
        });
        println!("{json}");
    } else if !bogus {
        print_lookup(&validated.lookup)?;
        let mut out = io::stdout().lock();
        match &reason {
            Some(reason) => writeln!(out, "dnssec: {} ({reason})", validated.security)?,
            None => writeln!(out, "dnssec: {}", validated.security)?,
        }
    }
    if bogus {
        eprintln!(
            "nameward: refusing the lookup of {name}: DNSSEC validation failed (bogus): {}",
            reason.unwrap_or_default()
        );
        return Ok(ExitCode::from(EXIT_BOGUS));
    }
    Ok(ExitCode::from(lookup_status(&validated.lookup)))
}

/// DS and DNSKEY records of one zone, in zone-file form.
fn read_anchor(text: &str, file: &str) -> Result<TrustAnchor> {
    let reader = ZoneReader::new(
        text.as_bytes(),
        file,
        Some(Name::root()),
        // A trust anchor's TTL means nothing: `dnssec-dsfromkey` and delv's anchors give none.
        ReaderOptions { default_ttl: Some(0), ..ReaderOptions::default() },
        &crate::fs_loader::FsLoader,
    );
    let mut records = Vec::new();
    for item in reader {
        match item {
            Ok(entry) => records.push(entry.record),
            Err(e) => bail!("{e}"),
        }
    }
    TrustAnchor::from_records(&records).with_context(|| format!("{file}: not a trust anchor"))
}

fn parse_server(text: &str) -> Result<SocketAddr> {
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => Ok(SocketAddr::new(ip, 53)),
        Err(_) => bail!(
            "bad --server `{text}`: give an IP address, optionally with a port (192.0.2.53, \
             192.0.2.53:5353, [2001:db8::53]:5353)"
        ),
    }
}

fn parse_duration(text: &str) -> Result<Duration> {
    let bad = || {
        anyhow!("bad --timeout `{text}`: give seconds (`2`, `1.5`, `2s`) or milliseconds (`500ms`)")
    };
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else {
        (text.strip_suffix('s').unwrap_or(text), 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 3600.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn hit_text(hit: &[u8]) -> String {
    match <[u8; 16]>::try_from(hit) {
        Ok(octets) => Ipv6Addr::from(octets).to_string(),
        Err(_) => hit.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

fn version_text(version: Option<OrchidVersion>) -> Option<&'static str> {
    version.map(|v| match v {
        OrchidVersion::V1 => "v1",
        OrchidVersion::V2 => "v2",
    })
}

fn print_lookup(lookup: &Lookup) -> Result<()> {
    let mut out = io::stdout().lock();
    let outcome = match lookup.outcome {
        Outcome::Hip => "HIP records found",
        Outcome::NxDomain => "the name does not exist (NXDOMAIN)",
        Outcome::NoData => "no HIP records at the name",
        Outcome::NoDataFallback => "no HIP records at the name; its addresses instead",
    };
    writeln!(out, "{}: {outcome}", lookup.name)?;
    for record in &lookup.records {
        let matches = match version_text(record.hit_matches) {
            Some(v) => format!("matches the key's ORCHID {v}"),
            None => "DOES NOT MATCH its key: do not use this record".to_owned(),
        };
        let algorithm = nameward_dns::rdata::hip::algorithm_name(record.hip.algorithm)
            .unwrap_or("unknown algorithm");
        writeln!(
            out,
            "  HIT {} ({algorithm} {}), {matches}",
            hit_text(&record.hip.hit),
            record.hip.algorithm
        )?;
        for rvs in &record.rvs {
            let addresses = join(&rvs.addresses);
            let addresses =
                if addresses.is_empty() { "no addresses".to_owned() } else { addresses };
            writeln!(out, "    rendezvous server {}: {addresses}", rvs.name)?;
        }
    }
    if !lookup.addresses.is_empty() {
        writeln!(out, "I1 to: {}", join(&lookup.addresses))?;
    } else if lookup.outcome == Outcome::Hip || lookup.outcome == Outcome::NoDataFallback {
        writeln!(out, "I1 to: no addresses found")?;
    }
    writeln!(out, "queries: {}", lookup.queries)?;
    Ok(())
}

fn join(addresses: &[IpAddr]) -> String {
    addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// `--json`: `{"name","outcome","records":[{"hit","hit_matches","algorithm","rvs":[{"name",
/// "addresses"}]}],"addresses","queries"}`.
#[derive(Serialize)]
struct JsonLookup {
    name: String,
    outcome: &'static str,
    records: Vec<JsonRecord>,
    addresses: Vec<IpAddr>,
    queries: usize,
}

#[derive(Serialize)]
struct JsonRecord {
    hit: String,
    hit_matches: Option<&'static str>,
    algorithm: u8,
    rvs: Vec<JsonRvs>,
}

#[derive(Serialize)]
struct JsonRvs {
    name: String,
    addresses: Vec<IpAddr>,
}

impl From<&Lookup> for JsonLookup {
    fn from(lookup: &Lookup) -> JsonLookup {
        JsonLookup {
            name: lookup.name.to_string(),
            outcome: lookup.outcome.as_str(),
            records: lookup
                .records
                .iter()
                .map(|r| JsonRecord {
                    hit: hit_text(&r.hip.hit),
                    hit_matches: version_text(r.hit_matches),
                    algorithm: r.hip.algorithm,
                    rvs: r
                        .rvs
                        .iter()
                        .map(|s| JsonRvs {
                            name: s.name.to_string(),
                            addresses: s.addresses.clone(),
                        })
                        .collect(),
                })
                .collect(),
            addresses: lookup.addresses.clone(),
            queries: lookup.queries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers() {
        assert_eq!(parse_server("192.0.2.53").unwrap(), "192.0.2.53:53".parse().unwrap());
        assert_eq!(parse_server("192.0.2.53:5353").unwrap(), "192.0.2.53:5353".parse().unwrap());
        assert_eq!(parse_server("2001:db8::53").unwrap(), "[2001:db8::53]:53".parse().unwrap());
        assert_eq!(parse_server("[2001:db8::53]").unwrap(), "[2001:db8::53]:53".parse().unwrap());
        assert_eq!(
            parse_server("[2001:db8::53]:5353").unwrap(),
            "[2001:db8::53]:5353".parse().unwrap()
        );
        assert!(parse_server("ns.example").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["", "0", "-1", "soon", "NaNs", "inf", "5000"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trust_anchors_read_and_refuse_clearly() {
        let root = read_anchor(ROOT_ANCHOR, "root").unwrap();
        assert!(root.zone().is_root());
        let text = "example. DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=\n";
        assert_eq!(read_anchor(text, "a").unwrap().zone().to_string(), "example.");
        let digest = "ab".repeat(32);
        let two = format!("a. DS 1 13 2 {digest}\nb. DS 1 13 2 {digest}\n");
        assert!(format!("{:#}", read_anchor(&two, "f").unwrap_err()).contains("both a. and b."));
        let a = "a. A 192.0.2.1\n";
        assert!(format!("{:#}", read_anchor(a, "f").unwrap_err()).contains("DS or DNSKEY only"));
        assert!(format!("{:#}", read_anchor("", "f").unwrap_err()).contains("no DS or DNSKEY"));
        assert!(read_anchor("a. DS 1 13\n", "f").unwrap_err().to_string().starts_with("f:1"));
    }
}
