//! The four CSV files: their columns, how a record becomes a row and back, and the checks on
//! every field. Files are RFC 4180: a header line naming the columns in order, CRLF line ends,
//! fields quoted when they hold a comma, quote or line break, empty fields for absent values.

use std::collections::HashSet;

use csv::{ReaderBuilder, StringRecord, Terminator, WriterBuilder};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::EscrowError;
use crate::limits::Limits;
use crate::model::{Contact, Customer, Domain, Reseller, normalize_name};

/// One CSV file's record type.
pub(crate) trait Row: Sized {
    /// The file's name in the archive.
    const FILE: &'static str;
    /// The header, in column order.
    const COLUMNS: &'static [&'static str];
    /// The key no two rows of the file may share.
    fn key(&self) -> &str;
    /// Decodes one record whose field count has been checked.
    fn decode(fields: &Fields<'_>) -> Result<Self, EscrowError>;
    /// The record's fields, in column order.
    fn encode(&self) -> Vec<String>;
}

/// One record being decoded: its fields and where it is, for errors.
pub(crate) struct Fields<'a> {
    file: &'static str,
    line: u64,
    columns: &'static [&'static str],
    record: &'a StringRecord,
}

impl Fields<'_> {
    fn error(&self, column: &str, detail: impl Into<String>) -> EscrowError {
        EscrowError::csv(self.file, self.line, Some(column), detail)
    }

    fn raw(&self, column: &str) -> Result<&str, EscrowError> {
        self.columns
            .iter()
            .position(|known| *known == column)
            .and_then(|index| self.record.get(index))
            .ok_or_else(|| self.error(column, "missing"))
    }

    /// Free text: required, no control characters.
    fn text(&self, column: &str) -> Result<String, EscrowError> {
        self.opt_text(column)?.ok_or_else(|| self.error(column, "empty, but required"))
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>, EscrowError> {
        let value = self.raw(column)?;
        if value.chars().any(char::is_control) {
            return Err(self.error(column, "holds a control character"));
        }
        Ok((!value.is_empty()).then(|| value.to_owned()))
    }

    /// An identifier: 1 to 64 printable characters, no spaces.
    fn id(&self, column: &str) -> Result<String, EscrowError> {
        self.opt_id(column)?.ok_or_else(|| self.error(column, "empty, but required"))
    }

    fn opt_id(&self, column: &str) -> Result<Option<String>, EscrowError> {
        let value = self.raw(column)?;
        if value.is_empty() {
            return Ok(None);
        }
        check_id(value).map_err(|detail| self.error(column, detail))?;
        Ok(Some(value.to_owned()))
    }

    fn email(&self, column: &str) -> Result<String, EscrowError> {
        let value = self.raw(column)?;
        check_email(value).map_err(|detail| self.error(column, detail))?;
        Ok(value.to_owned())
    }

    fn letters(&self, column: &str, count: usize, what: &str) -> Result<String, EscrowError> {
        let value = self.raw(column)?;
        if value.len() != count || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(self.error(column, format!("{value:?} is not {what}")));
        }
        Ok(value.to_owned())
    }

    fn money(&self, column: &str) -> Result<i64, EscrowError> {
        let value = self.raw(column)?;
        value.parse().map_err(|_| {
            self.error(column, format!("{value:?} is not a whole number of minor units"))
        })
    }

    fn flag(&self, column: &str) -> Result<bool, EscrowError> {
        match self.raw(column)? {
            "0" => Ok(false),
            "1" => Ok(true),
            other => Err(self.error(column, format!("{other:?} is neither 0 nor 1"))),
        }
    }

    fn instant(&self, column: &str) -> Result<OffsetDateTime, EscrowError> {
        let value = self.raw(column)?;
        OffsetDateTime::parse(value, &Rfc3339)
            .map_err(|_| self.error(column, format!("{value:?} is not an RFC 3339 instant")))
    }

    fn name(&self, column: &str) -> Result<String, EscrowError> {
        normalize_name(self.raw(column)?).map_err(|detail| self.error(column, detail))
    }

    /// Names separated by spaces.
    fn names(&self, column: &str) -> Result<Vec<String>, EscrowError> {
        let mut names = Vec::new();
        for name in self.raw(column)?.split(' ').filter(|name| !name.is_empty()) {
            let name = normalize_name(name).map_err(|detail| self.error(column, detail))?;
            if names.contains(&name) {
                return Err(self.error(column, format!("{name} listed twice")));
            }
            names.push(name);
        }
        if names.len() > 13 {
            return Err(self.error(column, "more than 13 name servers"));
        }
        Ok(names)
    }

    /// Street lines, separated by line feeds.
    fn street(&self, column: &str) -> Result<Vec<String>, EscrowError> {
        let value = self.raw(column)?;
        if value.is_empty() {
            return Ok(Vec::new());
        }
        let lines: Vec<String> = value.split('\n').map(str::to_owned).collect();
        if lines.len() > 3 {
            return Err(self.error(column, "more than three street lines"));
        }
        for line in &lines {
            if line.is_empty() || line.chars().any(char::is_control) {
                return Err(self.error(column, "an empty street line or a control character"));
            }
        }
        Ok(lines)
    }

    fn voice(&self, column: &str) -> Result<Option<String>, EscrowError> {
        let value = self.raw(column)?;
        if value.is_empty() {
            return Ok(None);
        }
        let ok = value.strip_prefix('+').and_then(|rest| rest.split_once('.')).is_some_and(
            |(country, number)| {
                (1..=3).contains(&country.len())
                    && (1..=14).contains(&number.len())
                    && country.bytes().chain(number.bytes()).all(|b| b.is_ascii_digit())
            },
        );
        if !ok {
            return Err(self.error(column, format!("{value:?} is not +CC.NUMBER (E.164a)")));
        }
        Ok(Some(value.to_owned()))
    }
}

/// An identifier: 1 to 64 characters, none of them spaces or control characters.
pub(crate) fn check_id(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 {
        return Err(format!("{value:?} is not an id of 1 to 64 octets"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{value:?} holds a space or control character"));
    }
    Ok(())
}

fn check_email(value: &str) -> Result<(), String> {
    let shaped = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    });
    if !shaped || value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{value:?} is not an e-mail address"));
    }
    Ok(())
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn instant_text(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl Row for Domain {
    const FILE: &'static str = "domains.csv";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "registrant",
        "customer",
        "admin",
        "tech",
        "reseller",
        "privacy",
        "expires",
        "nameservers",
    ];

    fn key(&self) -> &str {
        &self.name
    }

    fn decode(fields: &Fields<'_>) -> Result<Domain, EscrowError> {
        let domain = Domain {
            name: fields.name("name")?,
            registrant: fields.opt_id("registrant")?,
            customer: fields.opt_id("customer")?,
            admin: fields.opt_id("admin")?,
            tech: fields.opt_id("tech")?,
            reseller: fields.opt_id("reseller")?,
            privacy: fields.flag("privacy")?,
            expires: fields.instant("expires")?,
            nameservers: fields.names("nameservers")?,
        };
        if domain.registrant.is_none() && domain.customer.is_none() {
            return Err(fields.error("registrant", "neither a registrant nor a customer"));
        }
        Ok(domain)
    }

    fn encode(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            opt(&self.registrant),
            opt(&self.customer),
            opt(&self.admin),
            opt(&self.tech),
            opt(&self.reseller),
            if self.privacy { "1" } else { "0" }.to_owned(),
            instant_text(self.expires),
            self.nameservers.join(" "),
        ]
    }
}

impl Row for Contact {
    const FILE: &'static str = "contacts.csv";
    const COLUMNS: &'static [&'static str] =
        &["id", "name", "org", "street", "city", "sp", "pc", "cc", "voice", "email", "customer"];

    fn key(&self) -> &str {
        &self.id
    }

    fn decode(fields: &Fields<'_>) -> Result<Contact, EscrowError> {
        Ok(Contact {
            id: fields.id("id")?,
            name: fields.text("name")?,
            org: fields.opt_text("org")?,
            street: fields.street("street")?,
            city: fields.text("city")?,
            sp: fields.opt_text("sp")?,
            pc: fields.opt_text("pc")?,
            cc: fields.letters("cc", 2, "an ISO 3166 country code")?,
            voice: fields.voice("voice")?,
            email: fields.email("email")?,
            customer: fields.opt_id("customer")?,
        })
    }

    fn encode(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            opt(&self.org),
            self.street.join("\n"),
            self.city.clone(),
            opt(&self.sp),
            opt(&self.pc),
            self.cc.clone(),
            opt(&self.voice),
            self.email.clone(),
            opt(&self.customer),
        ]
    }
}

impl Row for Customer {
    const FILE: &'static str = "customers.csv";
    const COLUMNS: &'static [&'static str] =
        &["id", "name", "email", "balance", "currency", "reseller"];

    fn key(&self) -> &str {
        &self.id
    }

    fn decode(fields: &Fields<'_>) -> Result<Customer, EscrowError> {
        Ok(Customer {
            id: fields.id("id")?,
            name: fields.text("name")?,
            email: fields.email("email")?,
            balance: fields.money("balance")?,
            currency: fields.letters("currency", 3, "an ISO 4217 currency code")?,
            reseller: fields.opt_id("reseller")?,
        })
    }

    fn encode(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.email.clone(),
            self.balance.to_string(),
            self.currency.clone(),
            opt(&self.reseller),
        ]
    }
}

impl Row for Reseller {
    const FILE: &'static str = "resellers.csv";
    const COLUMNS: &'static [&'static str] = &["id", "name", "email", "balance", "currency"];

    fn key(&self) -> &str {
        &self.id
    }

    fn decode(fields: &Fields<'_>) -> Result<Reseller, EscrowError> {
        Ok(Reseller {
            id: fields.id("id")?,
            name: fields.text("name")?,
            email: fields.email("email")?,
            balance: fields.money("balance")?,
            currency: fields.letters("currency", 3, "an ISO 4217 currency code")?,
        })
    }

    fn encode(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.email.clone(),
            self.balance.to_string(),
            self.currency.clone(),
        ]
    }
}

/// Reads one CSV file whole: the header must name `R::COLUMNS` in order, every record must
/// decode, no key may repeat. The first error refuses the file.
/// Each row comes with the line it starts on.
pub(crate) fn decode<R: Row>(bytes: &[u8], limits: &Limits) -> Result<Vec<(u64, R)>, EscrowError> {
    let file = R::FILE;
    let mut reader = ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = StringRecord::new();
    // csv's own line numbers miss CRLF line ends, so lines are counted here from byte offsets.
    let mut lines = LineCounter { bytes, offset: 0, line: 1 };
    let failed = |error: csv::Error| {
        let offset = error.position().map_or(0, csv::Position::byte);
        let line = LineCounter { bytes, offset: 0, line: 1 }.at(offset);
        let detail = match error.kind() {
            csv::ErrorKind::Utf8 { .. } => "not UTF-8".to_owned(),
            _ => error.to_string(),
        };
        EscrowError::csv(file, line, None, detail)
    };
    if !reader.read_record(&mut record).map_err(failed)? {
        return Err(EscrowError::csv(file, 1, None, "empty: the header line is missing"));
    }
    if record.iter().ne(R::COLUMNS.iter().copied()) {
        return Err(EscrowError::csv(
            file,
            1,
            None,
            format!("the header must be {}", R::COLUMNS.join(",")),
        ));
    }
    let mut rows = Vec::new();
    let mut keys = HashSet::new();
    while reader.read_record(&mut record).map_err(failed)? {
        let line = lines.at(record.position().map_or(0, csv::Position::byte));
        if record.as_slice().len() > limits.max_row_bytes {
            return Err(EscrowError::Limit {
                what: format!("{file}:{line}: the record"),
                limit: u64::try_from(limits.max_row_bytes).unwrap_or(u64::MAX),
            });
        }
        if record.len() != R::COLUMNS.len() {
            return Err(EscrowError::csv(
                file,
                line,
                None,
                format!("{} fields, but the header has {}", record.len(), R::COLUMNS.len()),
            ));
        }
        for (column, value) in R::COLUMNS.iter().zip(record.iter()) {
            if value.len() > limits.max_field_bytes {
                return Err(EscrowError::csv(
                    file,
                    line,
                    Some(column),
                    format!(
                        "{} octets, more than the limit of {}",
                        value.len(),
                        limits.max_field_bytes
                    ),
                ));
            }
        }
        let row = R::decode(&Fields { file, line, columns: R::COLUMNS, record: &record })?;
        if !keys.insert(row.key().to_owned()) {
            let column = R::COLUMNS.first().copied();
            return Err(EscrowError::csv(
                file,
                line,
                column,
                format!("{} appears twice", row.key()),
            ));
        }
        rows.push((line, row));
    }
    Ok(rows)
}

/// Line numbers by byte offset, for offsets that only grow.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line (from 1) the octet at `offset` is on.
    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        // After a CRLF record the reader stops at the CR, so the next record's offset is the
        // LF before it.
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        if offset > self.offset {
            let passed = self.bytes.get(self.offset..offset).unwrap_or_default();
            let newlines = passed.iter().filter(|b| **b == b'\n').count();
            self.line = self.line.saturating_add(u64::try_from(newlines).unwrap_or(u64::MAX));
            self.offset = offset;
        }
        self.line
    }
}

/// Writes rows as one CSV file, header first.
pub(crate) fn encode<R: Row>(rows: &[R]) -> Result<Vec<u8>, EscrowError> {
    let failed = |error: csv::Error| EscrowError::Write { detail: format!("{}: {error}", R::FILE) };
    let mut writer = WriterBuilder::new().terminator(Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(R::COLUMNS).map_err(failed)?;
    for row in rows {
        writer.write_record(row.encode()).map_err(failed)?;
    }
    writer.into_inner().map_err(|error| EscrowError::Write { detail: error.to_string() })
}
