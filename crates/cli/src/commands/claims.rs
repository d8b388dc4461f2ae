//! `nameward continuity claims REGISTRAR`: the creditor inventory of a (failed) registrar —
//! every customer and reseller with the prepaid balance its latest escrow shows and the number
//! of names it holds there, and what it owes the registry — as a table or as RFC 4180 CSV.

use std::process::ExitCode;

use anyhow::{Context, Result};
use nameward_registry::service::Claims;
use time::format_description::well_known::Rfc3339;

use crate::args::ClaimsArgs;
use crate::commands::registry::open;

/// The CSV columns, one row per creditor (and one for the registry).
const COLUMNS: [&str; 8] =
    ["kind", "id", "name", "email", "balance", "currency", "reseller", "names"];

/// Runs `nameward continuity claims`.
pub async fn run(args: ClaimsArgs) -> Result<ExitCode> {
    let registry = open(&args.store).await?;
    let claims = registry
        .claims(&args.registrar)
        .await
        .with_context(|| format!("claims on registrar {}", args.registrar))?;
    let text = if args.csv { csv(&claims)? } else { table(&claims) };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Every row: customers, resellers, then the registry's receivable.
fn rows(claims: &Claims) -> Vec<[String; 8]> {
    let names = |counts: &std::collections::BTreeMap<String, u64>, id: &str| {
        counts.get(id).copied().unwrap_or(0).to_string()
    };
    let mut rows = Vec::new();
    for customer in &claims.customers {
        rows.push([
            "customer".to_owned(),
            customer.id.clone(),
            customer.name.clone(),
            customer.email.clone(),
            customer.balance.to_string(),
            customer.currency.clone(),
            customer.reseller.clone().unwrap_or_default(),
            names(&claims.customer_names, &customer.id),
        ]);
    }
    for reseller in &claims.resellers {
        rows.push([
            "reseller".to_owned(),
            reseller.id.clone(),
            reseller.name.clone(),
            reseller.email.clone(),
            reseller.balance.to_string(),
            reseller.currency.clone(),
            String::new(),
            names(&claims.reseller_names, &reseller.id),
        ]);
    }
    rows.push([
        "registry".to_owned(),
        String::new(),
        "renewals granted on credit (receivable)".to_owned(),
        String::new(),
        claims.registry_receivable.to_string(),
        claims.registry_currency.clone().unwrap_or_default(),
        String::new(),
        String::new(),
    ]);
    rows
}

fn csv(claims: &Claims) -> Result<String> {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for row in rows(claims) {
        writer.write_record(&row)?;
    }
    let bytes = writer.into_inner().context("writing CSV")?;
    Ok(String::from_utf8(bytes)?)
}

fn table(claims: &Claims) -> String {
    let source = match &claims.deposit {
        Some(deposit) => format!(
            "escrow deposit {} ({}, watermark {})",
            deposit.deposit_id,
            deposit.kind.as_str(),
            deposit.watermark.format(&Rfc3339).unwrap_or_default()
        ),
        None => "no escrow deposit imported".to_owned(),
    };
    let mut out = format!(
        "claims on registrar {} — balances from {source}, in minor units\n",
        claims.registrar
    );
    let rows = rows(claims);
    let header = COLUMNS.map(str::to_owned);
    let mut widths = header.clone().map(|column| column.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(rows.iter()) {
        let cells: Vec<String> =
            row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let owed = claims.owed_by_currency();
    let owed: Vec<String> =
        owed.iter().map(|(currency, total)| format!("{total} {currency}")).collect();
    out.push_str(&format!(
        "owed to customers and resellers (positive balances): {}\n",
        if owed.is_empty() { "nothing".to_owned() } else { owed.join(", ") }
    ));
    out.push_str(&format!(
        "owed to the registry: {} {}\n",
        claims.registry_receivable,
        claims.registry_currency.as_deref().unwrap_or("")
    ));
    out
}
