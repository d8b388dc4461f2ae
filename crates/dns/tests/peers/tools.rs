//! Running the peers: each gives, per case, a verdict and where it can its RDATA octets and
//! the presentation text it prints.
//!
//! Zone checkers run once on one zone holding every case expected to pass; if that zone is
//! refused, and for every case expected to fail, each case is tried alone in its own zone, since
//! one bad record makes a checker refuse the whole zone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::zone::{self, Line};

/// What one program made of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted, with the RDATA octets and the printed texts when the peer shows them.
    Accept {
        /// RDATA in wire form.
        wire: Option<Vec<u8>>,
        /// RDATA as the peer prints it (a peer may have several printers).
        texts: Vec<String>,
    },
    /// Refused, with the peer's message.
    Reject(String),
    /// The peer could not be asked (missing, or lacks the type and no RFC 3597 form exists).
    NotRun(String),
}

impl Verdict {
    /// `Some(true)` when accepted, `Some(false)` when refused, `None` when not asked.
    pub fn accepts(&self) -> Option<bool> {
        match self {
            Verdict::Accept { .. } => Some(true),
            Verdict::Reject(_) => Some(false),
            Verdict::NotRun(_) => None,
        }
    }

    /// The RDATA octets, if accepted and shown.
    pub fn wire(&self) -> Option<&[u8]> {
        match self {
            Verdict::Accept { wire: Some(w), .. } => Some(w),
            _ => None,
        }
    }
}

/// A program the comparison needs, with the argument that prints its version.
pub struct Tool {
    /// The command.
    pub program: &'static str,
    /// Arguments that make it print its version and exit.
    pub version_args: &'static [&'static str],
    /// The Debian package that installs it.
    pub package: &'static str,
}

/// Every program used, in the order the report names them.
pub const TOOLS: &[Tool] = &[
    Tool { program: "named-checkzone", version_args: &["-v"], package: "bind9-utils" },
    Tool { program: "named-rrchecker", version_args: &["-h"], package: "bind9" },
    Tool { program: "named-compilezone", version_args: &["-v"], package: "bind9-utils" },
    Tool { program: "kzonecheck", version_args: &["-V"], package: "knot-dnssecutils" },
    Tool { program: "ldns-read-zone", version_args: &["-v"], package: "ldnsutils" },
    Tool {
        program: PYTHON,
        version_args: &["-c", "import dns.version"],
        package: "python3-dnspython",
    },
];

/// The Python that has dnspython (the distribution's, not a virtualenv's).
pub const PYTHON: &str = "/usr/bin/python3";

/// True when `tool` runs.
pub fn present(tool: &Tool) -> bool {
    Command::new(tool.program)
        .args(tool.version_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success() || tool.program == "named-rrchecker")
}

/// Output of one run.
pub struct Run {
    /// The exit status was 0.
    pub success: bool,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Run {
    run_in(None, program, args, stdin)
}

/// Runs `program` in directory `dir` (the test's own when `None`), feeding it `stdin`.
pub fn run_in(dir: Option<&Path>, program: &str, args: &[&str], stdin: Option<&str>) -> Run {
    use std::io::Write;
    let mut command = Command::new(program);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let child = command
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            return Run {
                success: false,
                stdout: String::new(),
                stderr: format!("{program}: {e}"),
            };
        }
    };
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A peer that stops reading early shows up in its exit status and output.
        let _ = pipe.write_all(input.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) => Run {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        Err(e) => Run { success: false, stdout: String::new(), stderr: format!("{program}: {e}") },
    }
}

fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("peers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Removes the zone files written for this run.
pub fn clean_up() {
    let _ = std::fs::remove_dir_all(scratch_dir());
}

fn write_zone(text: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = scratch_dir().join(format!("z{}.zone", NEXT.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, text).unwrap();
    path
}

/// Maps `f` over `items` on a few threads, keeping the order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|r| r.unwrap()).collect()
}

/// The first lines of a peer's complaint, on one line.
fn message(run: &Run) -> String {
    let dir = format!("{}/", scratch_dir().display());
    let text = format!("{} {}", run.stderr.trim(), run.stdout.trim()).replace(&dir, "");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 300 {
        text.chars().take(300).collect::<String>() + "…"
    } else {
        text
    }
}

/// A zone checker: how to run it on a zone file, and what it shows of accepted records.
pub trait ZonePeer: Sync {
    /// Checks one zone; on success, returns per (owner, type code) what it shows of each record.
    fn check(&self, zone: &Path) -> Result<HashMap<(String, u16), Shown>, String>;
}

/// What a peer shows of an accepted record.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    /// RDATA octets.
    pub wire: Option<Vec<u8>>,
    /// Printed RDATA.
    pub text: Option<String>,
}

fn type_code(rtype: &str) -> u16 {
    nameward_dns::Rtype::from_text(rtype.as_bytes()).map_or(0, |t| t.0)
}

/// Verdicts of a zone checker for `lines` (in the same order). `expect_ok[i]` says whether line
/// `i` goes into the shared zone first.
pub fn zone_verdicts(peer: &dyn ZonePeer, lines: &[Line], expect_ok: &[bool]) -> Vec<Verdict> {
    let verdict = |line: &Line, shown: &HashMap<(String, u16), Shown>| {
        let s =
            shown.get(&(line.owner.clone(), type_code(&line.rtype))).cloned().unwrap_or_default();
        Verdict::Accept { wire: s.wire, texts: s.text.into_iter().collect() }
    };
    let batch: Vec<&Line> =
        lines.iter().zip(expect_ok).filter(|(l, ok)| **ok && !l.is_soa()).map(|(l, _)| l).collect();
    let mut batch_shown = None;
    if !batch.is_empty()
        && let Ok(shown) = peer.check(&write_zone(&zone::zone(&batch)))
    {
        batch_shown = Some(shown);
    }
    par_map(lines, |line| {
        if let Some(shown) = &batch_shown
            && batch.iter().any(|b| b.case == line.case)
        {
            return verdict(line, shown);
        }
        match peer.check(&write_zone(&zone::zone(&[line]))) {
            Ok(shown) => verdict(line, &shown),
            Err(e) => Verdict::Reject(e),
        }
    })
}

/// `named-checkzone -i local`; RDATA and text come from `named-rrchecker -u` and `-p`.
pub struct Bind;

impl ZonePeer for Bind {
    fn check(&self, zone: &Path) -> Result<HashMap<(String, u16), Shown>, String> {
        let path = zone.to_string_lossy();
        let r = run("named-checkzone", &["-i", "local", zone::ORIGIN, &path], None);
        if r.success { Ok(HashMap::new()) } else { Err(message(&r)) }
    }
}

/// What `named-rrchecker` shows of one record BIND accepted.
pub fn bind_shown(line: &Line) -> Shown {
    let input = format!("IN {} {}\n", line.rtype, line.text);
    let after_type = |out: &str| {
        let mut rest = out.trim();
        for _ in 0..2 {
            rest = rest.split_once(char::is_whitespace).map_or("", |(_, t)| t.trim_start());
        }
        zone::flatten(rest)
    };
    let generic = run("named-rrchecker", &["-o", zone::ORIGIN, "-u"], Some(&input));
    let text = run("named-rrchecker", &["-o", zone::ORIGIN, "-p"], Some(&input));
    Shown {
        wire: generic.success.then(|| zone::parse_generic(&after_type(&generic.stdout))).flatten(),
        text: text.success.then(|| after_type(&text.stdout)),
    }
}

/// What `named-compilezone -F text` prints for each record of a zone BIND accepts: the form
/// BIND writes zone files and transfers in, keyed by owner and type code.
pub fn bind_zone_texts(lines: &[&Line]) -> HashMap<(String, u16), String> {
    let zone = write_zone(&zone::zone(lines));
    let path = zone.to_string_lossy();
    let r = run(
        "named-compilezone",
        &["-i", "local", "-f", "text", "-F", "text", "-s", "full", "-o", "-", zone::ORIGIN, &path],
        None,
    );
    r.stdout
        .lines()
        .filter_map(zone::split_record)
        .map(|(owner, rtype, text)| ((owner, type_code(&rtype)), text))
        .collect()
}

/// `kzonecheck` (Knot's zone scanner and semantic checks, DNSSEC checks off: they concern
/// signing, not RDATA syntax). It prints nothing of the records.
pub struct Knot;

impl ZonePeer for Knot {
    fn check(&self, zone: &Path) -> Result<HashMap<(String, u16), Shown>, String> {
        let path = zone.to_string_lossy();
        let r = run("kzonecheck", &["-v", "-d", "off", "-o", zone::ORIGIN, &path], None);
        if r.success { Ok(HashMap::new()) } else { Err(message(&r)) }
    }
}

/// Types Knot DNS 3.2 has no presentation form for: it gets them as `TYPEnnn \# len hex`.
pub const KNOT_LACKS: &[&str] = &["HIP"];

/// `ldns-read-zone`: its printed zone gives the text, and `-U SOA` (every type but SOA in RFC
/// 3597 form) gives the octets.
pub struct Ldns;

impl ZonePeer for Ldns {
    fn check(&self, zone: &Path) -> Result<HashMap<(String, u16), Shown>, String> {
        let path = zone.to_string_lossy();
        let text = run("ldns-read-zone", &[&path], None);
        if !text.success {
            return Err(message(&text));
        }
        let generic = run("ldns-read-zone", &["-U", "SOA", &path], None);
        let mut shown: HashMap<(String, u16), Shown> = HashMap::new();
        for (owner, rtype, rdata) in text.stdout.lines().filter_map(zone::split_record) {
            shown.entry((owner, type_code(&rtype))).or_default().text = Some(rdata);
        }
        for (owner, rtype, rdata) in generic.stdout.lines().filter_map(zone::split_record) {
            let entry = shown.entry((owner, type_code(&rtype))).or_default();
            entry.wire = if rtype == "SOA" { None } else { zone::parse_generic(&rdata) };
        }
        Ok(shown)
    }
}

const DNSPYTHON: &str = r#"
import sys
import dns.name, dns.rdata, dns.rdataclass, dns.rdatatype
origin = dns.name.from_text('example.')
for line in sys.stdin:
    rtype, _, text = line.rstrip('\n').partition('\t')
    try:
        rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), text,
                                 origin=origin, relativize=False)
        out = 'ok\t' + rd.to_wire().hex() + '\t' + rd.to_text()
    except Exception as e:
        out = 'err\t' + type(e).__name__ + ': ' + str(e)
    print(out.replace('\n', ' '))
"#;

/// dnspython's `dns.rdata.from_text`, one process for all cases.
pub fn dnspython(lines: &[Line]) -> Vec<Verdict> {
    let input: String = lines.iter().map(|l| format!("{}\t{}\n", l.rtype, l.text)).collect();
    let r = run(PYTHON, &["-c", DNSPYTHON], Some(&input));
    let out: Vec<&str> = r.stdout.lines().collect();
    if !r.success || out.len() != lines.len() {
        let why = format!("dnspython run failed: {}", message(&r));
        return lines.iter().map(|_| Verdict::NotRun(why.clone())).collect();
    }
    out.iter()
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some("ok"), Some(hex), Some(text)) => Verdict::Accept {
                    wire: data_encoding::HEXLOWER.decode(hex.as_bytes()).ok(),
                    texts: vec![text.to_string()],
                },
                (Some("err"), Some(e), rest) => {
                    Verdict::Reject(rest.map_or_else(|| e.to_string(), |r| format!("{e} {r}")))
                }
                _ => Verdict::NotRun(format!("unreadable dnspython output: {line}")),
            }
        })
        .collect()
}
