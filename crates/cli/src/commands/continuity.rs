//! `nameward continuity …`: the operator's commands for a failed registrar.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use nameward_registry::continuity::portfolio::WEEKS;
use nameward_registry::model::RegistrarState;
use nameward_registry::service::{BulkReport, BulkTransfer, ContinuityStatus};
use nameward_registry::store::LookBackRow;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::args::{
    ContinuityCommand, ContinuityStatusArgs, ContinuityTransferArgs, DeclareFailedArgs, EndDnsArgs,
    StateArg, SwitchDnsArgs,
};
use crate::commands::registry::open;
use crate::data::{now_or, runtime};

pub fn run(command: ContinuityCommand) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        match command {
            ContinuityCommand::DeclareFailed(args) => declare_failed(args).await,
            ContinuityCommand::Transfer(args) => transfer(args).await,
            ContinuityCommand::Status(args) => status(args).await,
            ContinuityCommand::Claims(args) => super::claims::run(args).await,
            ContinuityCommand::SwitchDns(args) => switch_dns(args).await,
            ContinuityCommand::EndDns(args) => end_dns(args).await,
        }
    })
}

/// The registry's state for the command-line one.
pub fn state(arg: StateArg) -> RegistrarState {
    match arg {
        StateArg::Active => RegistrarState::Active,
        StateArg::Suspended => RegistrarState::Suspended,
        StateArg::Failed => RegistrarState::Failed,
        StateArg::Terminated => RegistrarState::Terminated,
    }
}

async fn declare_failed(args: DeclareFailedArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let now = now_or(args.now.as_deref())?;
    let declared = registry
        .declare_failed_looking_back(&args.registrar, &args.reason, args.look_back_days, now)
        .await?
        .value;
    println!(
        "registrar {} declared FAILED at {}: its names are kept (no deletion, renewals on \
         credit) and it can no longer log in",
        args.registrar,
        now.format(&Rfc3339)?
    );
    print!("{}", look_back_text(args.look_back_days, &declared.look_back)?);
    Ok(ExitCode::SUCCESS)
}

async fn switch_dns(args: SwitchDnsArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let now = now_or(args.now.as_deref())?;
    let done = registry.switch_to_continuity_dns(&args.domain, now).await?;
    let switched = done.value;
    println!(
        "{} {}on continuity DNS: delegated to {} (no DS), serving the zone from {}'s escrow          (deposit {}); its own NS and DS are kept and return when its NS change or with          `nameward continuity end-dns`",
        switched.record.domain,
        if switched.refreshed { "again " } else { "" },
        switched.nameservers.join(", "),
        switched.record.escrow_registrar,
        switched.record.deposit_id,
    );
    Ok(ExitCode::SUCCESS)
}

async fn end_dns(args: EndDnsArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let now = now_or(args.now.as_deref())?;
    if registry.end_continuity_dns(&args.domain, &args.reason, now).await?.value {
        println!("{}: continuity DNS ended; its own NS and DS are published again", args.domain);
    } else {
        println!("{} was not on continuity DNS; nothing changed", args.domain);
    }
    Ok(ExitCode::SUCCESS)
}

async fn transfer(args: ContinuityTransferArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let now = now_or(args.now.as_deref())?;
    let gaining = match args.to {
        Some(to) => to,
        None => match registry.registrar(&args.registrar).await? {
            Some(found) => found.successor.with_context(|| {
                format!("registrar {} has no designated successor: name one with --to", found.id)
            })?,
            None => bail!("registrar {} does not exist", args.registrar),
        },
    };
    let req = BulkTransfer {
        losing: args.registrar.clone(),
        gaining: gaining.clone(),
        include_resellers: args.include_resellers,
        dry_run: args.dry_run,
        batch: args.batch,
        max_batches: args.max_batches,
    };
    let mut progress = Progress::new(args.dry_run);
    let report = registry.bulk_transfer(&req, now, |report| progress.show(report)).await;
    progress.finish();
    let report = report?;
    print!("{}", transfer_summary(&req, &report));
    Ok(ExitCode::SUCCESS)
}

/// What a run did, in words; the effect of `--include-resellers` is always spelled out.
fn transfer_summary(req: &BulkTransfer, report: &BulkReport) -> String {
    let verb = if req.dry_run { "would move" } else { "moved" };
    let moved = &report.moved;
    let mut text = format!(
        "{}{} {verb} {} of {} names to {} ({} normal, {} in grace, {} in redemption, {} in \
         pendingDelete)\n",
        if req.dry_run { "dry run: " } else { "" },
        req.losing,
        moved.total(),
        report.total,
        req.gaining,
        moved.normal,
        moved.in_grace,
        moved.redemption,
        moved.pending_delete,
    );
    if req.include_resellers {
        text.push_str(&format!(
            "resellers: included — {} names held through resellers {verb} with the rest\n",
            report.moved_via_reseller
        ));
    } else {
        text.push_str(&format!(
            "resellers: NOT included — {} names held through resellers stay with {} \
             (run again with --include-resellers to move them)\n",
            report.kept_via_reseller, req.losing
        ));
    }
    text.push_str(&format!(
        "pending transfers cancelled first: {}; subordinate hosts following their domain: {}\n",
        report.transfers_cancelled, report.hosts_moved
    ));
    text.push_str(&format!(
        "no extra year, expiry dates unchanged, nothing charged; {} batches{}\n",
        report.batches,
        if report.complete {
            ""
        } else {
            " — stopped before the end of the portfolio: run the same command again to go on"
        }
    ));
    text
}

/// A progress bar on a terminal, a line per tenth of the portfolio otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    dry_run: bool,
    last_tenth: u64,
}

impl Progress {
    fn new(dry_run: bool) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{spinner} {bar:40} {pos}/{len} names examined ({per_sec}, {eta} left) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress { bar, dry_run, last_tenth: 0 }
    }

    fn show(&mut self, report: &BulkReport) {
        let verb = if self.dry_run { "would move" } else { "moved" };
        match &self.bar {
            Some(bar) => {
                bar.set_length(report.total);
                bar.set_position(report.examined);
                bar.set_message(format!("{} {verb}", report.moved.total()));
            }
            None => {
                let tenth = (report.examined * 10).checked_div(report.total).unwrap_or(10);
                if tenth > self.last_tenth || report.complete {
                    self.last_tenth = tenth;
                    eprintln!(
                        "{}/{} names examined, {} {verb}",
                        report.examined,
                        report.total,
                        report.moved.total()
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

async fn status(args: ContinuityStatusArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let now = now_or(args.now.as_deref())?;
    let status = registry.continuity_status(&args.registrar, now).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", status_text(&status)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn status_text(status: &ContinuityStatus) -> Result<String> {
    let portfolio = &status.portfolio;
    let mut text = format!(
        "registrar {} ({}): {}{}\n",
        status.registrar,
        status.name,
        status.state.as_str(),
        status.successor.as_ref().map(|s| format!(", successor {s}")).unwrap_or_default()
    );
    text.push_str(&format!(
        "names sponsored: {} — {} active, {} in grace, {} in redemption, {} pendingDelete \
         ({} through resellers)\n",
        portfolio.domains,
        portfolio.active,
        portfolio.in_grace,
        portfolio.redemption,
        portfolio.pending_delete,
        portfolio.via_reseller
    ));
    text.push_str(&format!(
        "transferred away: {}; renewed on credit: {} (owed {}); security deposit {}\n",
        status.transferred_away,
        status.renewed_on_credit,
        status.owed_on_credit,
        status.security_deposit
    ));
    let registrants = &status.registrants;
    text.push_str(&format!(
        "failure notice: {} names notified, {} unreached (bounced or given up), {} waiting; \
         desk cases: {}; transfer codes issued: {}\n",
        registrants.names_notified,
        registrants.names_unreached,
        registrants.names_notice_queued,
        registrants.desk_cases,
        registrants.codes_issued
    ));
    text.push_str(&look_back_text(0, &status.look_back)?);
    text.push_str(&cliff_chart(portfolio.at, &portfolio.cliff)?);
    Ok(text)
}

/// What the look-back found: the names brought back, and each name someone else registered
/// after the registrar deleted it, for the operator to settle. `days` is named when known.
fn look_back_text(days: u32, rows: &[LookBackRow]) -> Result<String> {
    let back = rows.iter().filter(|row| row.outcome == "reinstated").count();
    let taken: Vec<&LookBackRow> = rows.iter().filter(|row| row.outcome == "taken").collect();
    let window =
        if days > 0 { format!(" in the {days} days before the failure") } else { String::new() };
    let mut text = format!(
        "look-back: {} names it deleted{window}, {back} brought back, {} registered by others \
         meanwhile\n",
        rows.len(),
        taken.len()
    );
    for row in taken {
        text.push_str(&format!(
            "  {} deleted {}, now held by {}\n",
            row.domain,
            row.deleted_at.format(&Rfc3339)?,
            row.holder.as_deref().unwrap_or("?")
        ));
    }
    Ok(text)
}

/// The expiry cliff in 80 columns: a sparkline of the 52 weeks, then one bar per four weeks.
fn cliff_chart(from: OffsetDateTime, weeks: &[u64]) -> Result<String> {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    const WIDTH: u64 = 50;
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let total: u64 = weeks.iter().sum();
    let mut text = format!(
        "expiry cliff from {}: {total} names expire in the next {WEEKS} weeks\n",
        from.format(&date)?
    );
    let peak = weeks.iter().copied().max().unwrap_or(0);
    let spark: String = weeks
        .iter()
        .map(|count| match (count * 7).checked_div(peak) {
            Some(_) if *count == 0 => ' ',
            Some(level) => BLOCKS.get(usize::try_from(level).unwrap_or(7)).copied().unwrap_or('█'),
            None => ' ',
        })
        .collect();
    text.push_str(&format!("weekly  |{spark}| peak {peak}/week\n"));
    let months: Vec<u64> = weeks.chunks(4).map(|chunk| chunk.iter().sum()).collect();
    let peak = months.iter().copied().max().unwrap_or(0);
    for (index, count) in months.iter().enumerate() {
        let start = from + Duration::weeks(i64::try_from(index * 4).unwrap_or(0));
        let length = (count * WIDTH).checked_div(peak).unwrap_or(0);
        let length = if *count > 0 { length.max(1) } else { 0 };
        text.push_str(&format!(
            "{} {:<50} {count}\n",
            start.format(&date)?,
            "█".repeat(usize::try_from(length).unwrap_or(0))
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_chart_fits_80_columns() {
        let mut weeks = vec![0; WEEKS];
        weeks[0] = 5;
        weeks[10] = 1000;
        weeks[51] = 1;
        let chart = cliff_chart(OffsetDateTime::UNIX_EPOCH, &weeks).unwrap();
        for line in chart.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(chart.contains("1006 names expire"), "{chart}");
        assert!(chart.contains("peak 1000/week"), "{chart}");
    }
}
