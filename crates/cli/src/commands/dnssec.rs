//! `nameward dnssec keygen|ds|verify` and `nameward zone sign`: the file-system edge of the DNS
//! library's `dnssec` module (keys from and to BIND's key files, zones from and to zone files).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use nameward_dns::dnssec::{
    Algorithm, Denial, DigestType, Nsec3Options, SignOptions, VerifyOptions, cdnskey, cds, ds,
    keyfile, sign_zone, verify_zone,
};
use nameward_dns::rdata::rfc4034::{SECURE_ENTRY_POINT, ZONE_KEY, parse_sig_time};
use nameward_dns::text::decode_hex;
use nameward_dns::zone::parse_ttl;
use nameward_dns::{Name, Record};

use super::zone::{load, load_checked, report};
use crate::args::{DnssecCommand, DnssecKeygenArgs, DsArgs, KeyRole, SignArgs, VerifyArgs};
use crate::zone_keys;

/// Runs one `nameward dnssec` command.
pub fn run(command: DnssecCommand) -> Result<ExitCode> {
    match command {
        DnssecCommand::Keygen(args) => keygen(&args),
        DnssecCommand::Ds(args) => ds_records(&args),
        DnssecCommand::Verify(args) => verify(&args),
    }
}

fn keygen(args: &DnssecKeygenArgs) -> Result<ExitCode> {
    let zone = parse_zone(&args.zone)?;
    let algorithm = Algorithm::from_text(&args.algorithm).ok_or_else(|| {
        anyhow!(
            "unknown algorithm `{}`: choose ECDSAP256SHA256 (13), ECDSAP384SHA384 (14), ED25519 \
             (15) or RSASHA256 (8)",
            args.algorithm
        )
    })?;
    let flags = match args.role {
        KeyRole::Zsk => ZONE_KEY,
        KeyRole::Ksk | KeyRole::Csk => ZONE_KEY | SECURE_ENTRY_POINT,
    };
    let key = zone_keys::make(algorithm, args.bits, flags)?;
    let stem = zone_keys::write(&args.dir, &zone, &key, args.ttl)?;
    println!("{stem}");
    Ok(ExitCode::SUCCESS)
}

fn ds_records(args: &DsArgs) -> Result<ExitCode> {
    let digests = args
        .digests
        .iter()
        .map(|d| {
            DigestType::from_text(d).ok_or_else(|| {
                anyhow!("unknown digest type `{d}`: choose 2 (SHA-256) or 4 (SHA-384)")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut sources: Vec<(String, String)> = Vec::new();
    if let Some(text) = &args.dnskey {
        sources.push(("--dnskey".into(), text.clone()));
    }
    for path in &args.files {
        let text = if path.as_os_str() == "-" {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).context("reading standard input")?;
            text
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?
        };
        sources.push((path.display().to_string(), text));
    }
    let mut out = io::stdout().lock();
    for (source, text) in &sources {
        let mut found = 0;
        for (number, line) in text.lines().enumerate() {
            let content = line.split(';').next().unwrap_or("");
            if !content.split_whitespace().any(|w| w.eq_ignore_ascii_case("DNSKEY")) {
                continue;
            }
            let (owner, key) =
                keyfile::parse_public(line).map_err(|e| anyhow!("{source}:{}: {e}", number + 1))?;
            found += 1;
            if args.cdnskey {
                writeln!(out, "{owner} IN CDNSKEY {}", cdnskey(&key))?;
                continue;
            }
            for &digest in &digests {
                if args.cds {
                    writeln!(out, "{owner} IN CDS {}", cds(&owner, &key, digest))?;
                } else {
                    writeln!(out, "{owner} IN DS {}", ds(&owner, &key, digest))?;
                }
            }
        }
        if found == 0 {
            bail!("{source}: no DNSKEY record");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sign(args: SignArgs) -> Result<ExitCode> {
    let zone = parse_zone(&args.input.origin)?;
    let keys =
        args.keys.iter().map(|path| zone_keys::read(path, &zone)).collect::<Result<Vec<_>>>()?;
    let now = match &args.now {
        Some(text) => parse_time(text, None).context("bad --now")?,
        None => clock(),
    };
    let inception = match &args.inception {
        Some(text) => parse_time(text, Some(now)).context("bad --inception")?,
        None => now.wrapping_sub(3600),
    };
    let expiration = match &args.expiration {
        Some(text) => parse_time(text, Some(now)).context("bad --expiration")?,
        None => {
            let validity = parse_ttl(args.validity.as_bytes())
                .map_err(|e| anyhow!("bad --validity `{}`: {e}", args.validity))?;
            now.wrapping_add(validity)
        }
    };
    let denial = if args.nsec3 {
        let salt = if args.salt == "-" {
            Vec::new()
        } else {
            decode_hex(args.salt.as_bytes()).map_err(|e| anyhow!("bad --salt: {e}"))?
        };
        if salt.len() > 255 {
            bail!("bad --salt: at most 255 octets");
        }
        Denial::Nsec3(Nsec3Options { iterations: args.iterations, salt, opt_out: args.opt_out })
    } else {
        Denial::Nsec
    };
    let loaded = load_checked(&args.input, false)?;
    let errors = report(loaded.diagnostics)?;
    if errors > 0 {
        bail!(
            "the zone has {errors} error(s) (`nameward zone check` lists them); nothing was signed"
        );
    }
    let options = SignOptions { inception, expiration, denial, threads: args.threads };
    let sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(256 * 1024, sink);
    let mut written: io::Result<()> = Ok(());
    let mut emit = |record: Record| match writeln!(out, "{record}") {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            written = Err(e);
            ControlFlow::Break(())
        }
    };
    let result = sign_zone(&loaded.store, &keys, &options, &mut emit);
    let target = args.out.as_ref().map_or("standard output".into(), |p| p.display().to_string());
    written.with_context(|| format!("writing {target}"))?;
    let summary = result?;
    out.flush().with_context(|| format!("writing {target}"))?;
    eprintln!(
        "{}: {} records written, {} signatures, {} {} records",
        zone,
        summary.records,
        summary.signatures,
        summary.denial,
        if args.nsec3 { "NSEC3" } else { "NSEC" }
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let now = match &args.now {
        Some(text) => parse_time(text, None).context("bad --now")?,
        None => clock(),
    };
    let loaded = load(&args.input)?;
    let errors = report(loaded.diagnostics)?;
    let mut out = io::stdout().lock();
    let mut written = Ok(());
    let summary = verify_zone(&loaded.store, &VerifyOptions { now }, &mut |problem| {
        if written.is_ok() {
            written = writeln!(out, "{problem}");
        }
    });
    written.context("writing to standard output")?;
    eprintln!(
        "{}: {} RRsets, {} signatures checked, {} verified, {} problem(s)",
        loaded.store.origin(),
        summary.rrsets,
        summary.signatures,
        summary.valid,
        summary.problems
    );
    Ok(if errors == 0 && summary.problems == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn parse_zone(text: &str) -> Result<Name> {
    Name::parse(text, Some(&Name::root())).map_err(|e| anyhow!("bad zone name `{text}`: {e}"))
}

/// Seconds since 1970, as RRSIG times count them (wrapping after 2106, RFC 4034 §3.1.5).
pub(crate) fn clock() -> u32 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as u32)
}

/// The signer's clock: the system's, or one that starts at `--now` and runs on.
pub(crate) fn signing_clock(now: Option<&str>) -> Result<std::sync::Arc<nameward_publish::Clock>> {
    let Some(text) = now else { return Ok(std::sync::Arc::new(clock)) };
    let start = parse_time(text, None).context("--now")?;
    let began = std::time::Instant::now();
    Ok(std::sync::Arc::new(move || start.wrapping_add(began.elapsed().as_secs() as u32)))
}

/// `YYYYMMDDHHmmSS`, seconds since 1970, `now`, `now+DURATION` or `now-DURATION` (the last
/// three only when `now` is given).
pub(crate) fn parse_time(text: &str, now: Option<u32>) -> Result<u32> {
    if let (Some(now), Some(rest)) = (now, text.strip_prefix("now")) {
        if rest.is_empty() {
            return Ok(now);
        }
        let Some((sign, duration)) = rest.split_at_checked(1) else {
            bail!("`{text}`: expected now+DURATION or now-DURATION");
        };
        let seconds = parse_ttl(duration.as_bytes())
            .map_err(|e| anyhow!("`{text}`: bad duration `{duration}`: {e}"))?;
        return match sign {
            "+" => Ok(now.wrapping_add(seconds)),
            "-" => Ok(now.wrapping_sub(seconds)),
            _ => bail!("`{text}`: expected now+DURATION or now-DURATION"),
        };
    }
    parse_sig_time(text.as_bytes()).map_err(|e| anyhow!("`{text}`: {e}"))
}
