//! `nameward zone check` and `nameward zone fmt`: read a zone file into the compact store, then
//! check it or print it in canonical order.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use nameward_dns::check::{
    CheckOptions, Diagnostic, FirstDiagnostics, RecordCheck, Severity, check_zone_each,
};
use nameward_dns::rdata::RecordData;
use nameward_dns::store::{ZoneBuilder, ZoneStore};
use nameward_dns::zone::{ReaderOptions, ZoneReader};
use nameward_dns::{Name, Rtype};

use crate::args::{CheckArgs, FmtArgs, ZoneCommand, ZoneInput};
use crate::fs_loader::FsLoader;

/// Runs one `nameward zone` command.
pub fn run(command: ZoneCommand) -> Result<ExitCode> {
    match command {
        ZoneCommand::Check(args) => check(args),
        ZoneCommand::Fmt(args) => fmt(args),
        ZoneCommand::Sign(args) => super::dnssec::sign(args),
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let loaded = load_checked(&args.input, args.strict_hit)?;
    let errors = report(loaded.diagnostics)?;
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Reads the zone and runs the zone checks on it (`zone check`'s), their findings added to the
/// reading's diagnostics.
pub(crate) fn load_checked(input: &ZoneInput, strict_hit: bool) -> Result<Loaded> {
    let mut loaded = load(input)?;
    let options = CheckOptions {
        record_checks: vec![RecordCheck::for_type(Rtype::HIP, move |record| match &record.data {
            RecordData::Hip(hip) => nameward_hip::check::check_hip(hip, strict_hit),
            _ => Vec::new(),
        })],
        ..CheckOptions::default()
    };
    let diagnostics = &mut loaded.diagnostics;
    check_zone_each(loaded.store.origin(), &loaded.store, &options, |d| push(diagnostics, d));
    Ok(loaded)
}

fn fmt(args: FmtArgs) -> Result<ExitCode> {
    let loaded = load(&args.input)?;
    let errors = report(loaded.diagnostics)?;
    if errors > 0 {
        return Ok(ExitCode::FAILURE);
    }
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout);
    let written = loaded.store.iter().try_for_each(|record| {
        if args.generic { writeln!(out, "{}", record.generic()) } else { writeln!(out, "{record}") }
    });
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`nameward zone fmt … | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("writing to standard output"),
    }
}

/// Diagnostics in the order they are printed: zone-wide ones first, then by file and line.
pub(crate) type Diagnostics = FirstDiagnostics<Option<(Arc<str>, u32)>>;

fn push(diagnostics: &mut Diagnostics, diagnostic: Diagnostic) {
    let key = diagnostic.source.as_ref().map(|s| (Arc::clone(&s.file), s.line));
    diagnostics.push(key, diagnostic);
}

/// A zone read into the store, with what reading it found wrong.
pub(crate) struct Loaded {
    pub(crate) store: ZoneStore,
    pub(crate) diagnostics: Diagnostics,
}

/// Reads the zone file (or standard input) record by record into the compact store; reading
/// errors become diagnostics so that every bad line is reported, not just the first.
pub(crate) fn load(input: &ZoneInput) -> Result<Loaded> {
    let origin = Name::parse(&input.origin, Some(&Name::root()))
        .map_err(|e| anyhow::anyhow!("bad --origin `{}`: {e}", input.origin))?;
    let file_name = input.file.to_string_lossy().into_owned();
    let reader: Box<dyn BufRead> = if file_name == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(&input.file).with_context(|| format!("cannot open {file_name}"))?;
        Box::new(BufReader::with_capacity(256 * 1024, file))
    };
    let options = ReaderOptions {
        allow_include_outside: input.allow_include_outside,
        ..ReaderOptions::default()
    };
    let mut zone = ZoneReader::new(reader, &file_name, Some(origin.clone()), options, &FsLoader);
    let mut builder = ZoneBuilder::new(&origin);
    let mut diagnostics = Diagnostics::new(input.max_diagnostics);
    for item in zone.by_ref() {
        match item {
            Ok(entry) => {
                if let Err(e) = builder.push_entry(&entry) {
                    push(
                        &mut diagnostics,
                        Diagnostic {
                            severity: Severity::Error,
                            source: Some(entry.source.clone()),
                            message: e.to_string(),
                        },
                    );
                }
            }
            Err(e) => push(
                &mut diagnostics,
                Diagnostic {
                    severity: Severity::Error,
                    source: Some(e.location()),
                    message: e.message,
                },
            ),
        }
    }
    for warning in zone.take_warnings() {
        push(&mut diagnostics, warning);
    }
    Ok(Loaded { store: builder.finish(), diagnostics })
}

/// Prints diagnostics to standard error, `FILE:LINE: error|warning: message`, zone-wide ones
/// first and the rest in file and line order (then a count of those not kept), and counts the
/// errors, those not kept included.
pub(crate) fn report(diagnostics: Diagnostics) -> Result<u64> {
    let errors = diagnostics.errors();
    let mut err = io::stderr().lock();
    for diagnostic in diagnostics.into_sorted() {
        writeln!(err, "{diagnostic}")?;
    }
    Ok(errors)
}
