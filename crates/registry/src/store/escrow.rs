//! Registrar escrow: each registrar's escrow key, the deposits imported, and the rows of the
//! latest deposits (domains, contacts, customers, resellers, hosted zones), kept per registrar.

use std::collections::BTreeMap;

use nameward_escrow::{Contact, Customer, DepositKind, Domain, HostedZone, Reseller};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::codec::{get, get_instant, get_u64, micros, to_i64};
use super::error::StoreError;
use super::tx::{Tx, conflict};

/// One imported deposit, as the registry recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscrowDepositRecord {
    /// The depositing registrar.
    pub registrar: String,
    /// The deposit's id (unique per registrar).
    pub deposit_id: String,
    /// FULL or INCR.
    pub kind: DepositKind,
    /// The instant the deposit is a snapshot of.
    #[serde(with = "time::serde::rfc3339")]
    pub watermark: OffsetDateTime,
    /// Rows of `domains.csv`.
    pub domains: u64,
    /// Rows of `contacts.csv`.
    pub contacts: u64,
    /// Rows of `customers.csv`.
    pub customers: u64,
    /// Rows of `resellers.csv`.
    pub resellers: u64,
    /// Hosted zone files.
    pub zones: u64,
    /// SHA-256 of the archive as received, lowercase hexadecimal.
    pub sha256: String,
    /// When the registry imported it.
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
}

/// A name the registry has for a registrar whose reseller its escrow shows otherwise.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResellerLink {
    /// The name.
    pub domain: String,
    /// Its reseller in the registry.
    pub registry: Option<String>,
    /// Its reseller in the escrow (the domain's own, else its customer's).
    pub escrow: Option<String>,
    /// Whether the escrow lists that reseller among its resellers (always, when none).
    pub listed: bool,
}

/// A name the registry has for a registrar beside what that registrar's escrow says of its
/// registrant's e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrantEmails {
    /// The domain.
    pub domain: String,
    /// The registrant contact's e-mail in the registry.
    pub registry: String,
    /// The escrowed registrant contact's e-mail (a proxy's, for a privacy/proxy domain).
    pub escrow_contact: Option<String>,
    /// The escrowed customer's e-mail: the name's actual holder.
    pub escrow_customer: Option<String>,
}

/// A column value to bind.
enum Value {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
}

/// Rows per INSERT: a few hundred keeps the statement well below both engines' limits on bound
/// parameters while sparing most round trips.
const CHUNK: usize = 200;

fn opt(value: &Option<String>) -> Value {
    Value::MaybeText(value.clone())
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn count(value: u64, what: &str) -> Result<i64, StoreError> {
    to_i64(value, what)
}

fn deposit_record(row: &AnyRow) -> Result<EscrowDepositRecord, StoreError> {
    let kind: String = get(row, "kind")?;
    Ok(EscrowDepositRecord {
        registrar: get(row, "registrar")?,
        deposit_id: get(row, "deposit_id")?,
        kind: DepositKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            what: "escrow_deposits.kind".to_owned(),
            detail: format!("unknown kind {kind:?}"),
        })?,
        watermark: get_instant(row, "watermark")?,
        domains: get_u64(row, "domains")?,
        contacts: get_u64(row, "contacts")?,
        customers: get_u64(row, "customers")?,
        resellers: get_u64(row, "resellers")?,
        zones: get_u64(row, "zones")?,
        sha256: get(row, "sha256")?,
        imported_at: get_instant(row, "imported_at")?,
    })
}

fn customer_row(row: &AnyRow) -> Result<Customer, StoreError> {
    Ok(Customer {
        id: get(row, "id")?,
        name: get(row, "name")?,
        email: get(row, "email")?,
        balance: get(row, "balance")?,
        currency: get(row, "currency")?,
        reseller: get(row, "reseller")?,
    })
}

fn reseller_row(row: &AnyRow) -> Result<Reseller, StoreError> {
    Ok(Reseller {
        id: get(row, "id")?,
        name: get(row, "name")?,
        email: get(row, "email")?,
        balance: get(row, "balance")?,
        currency: get(row, "currency")?,
    })
}

/// The escrow tables a registrar's rows live in, cleared by a full deposit.
const ROW_TABLES: [&str; 5] =
    ["escrow_domains", "escrow_contacts", "escrow_customers", "escrow_resellers", "escrow_zones"];

/// The part of a contact's document the reconciliation reads.
#[derive(serde::Deserialize)]
struct ContactEmail {
    email: String,
}

impl Tx {
    /// Sets (or replaces) the registrar's escrow verifying key (Ed25519, SubjectPublicKeyInfo
    /// PEM).
    pub async fn set_escrow_key(
        &mut self,
        registrar: &str,
        public_key_pem: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.writing("set_escrow_key")?;
        let query = sqlx::query(
            "INSERT INTO escrow_keys (registrar, public_key, set_at) VALUES ($1, $2, $3) \
             ON CONFLICT (registrar) DO UPDATE SET public_key = excluded.public_key, \
             set_at = excluded.set_at",
        )
        .bind(registrar)
        .bind(public_key_pem)
        .bind(micros(at)?);
        self.run("setting an escrow key", query)
            .await
            .map_err(|error| conflict(error, "escrow key", registrar))?;
        Ok(())
    }

    /// The registrar's escrow verifying key (PEM), if one was set.
    pub async fn escrow_key(&mut self, registrar: &str) -> Result<Option<String>, StoreError> {
        let query =
            sqlx::query("SELECT public_key FROM escrow_keys WHERE registrar = $1").bind(registrar);
        match self.row("reading an escrow key", query).await? {
            Some(row) => Ok(Some(get(&row, "public_key")?)),
            None => Ok(None),
        }
    }

    /// The deposits imported from `registrar`, oldest watermark first.
    pub async fn escrow_deposits(
        &mut self,
        registrar: &str,
    ) -> Result<Vec<EscrowDepositRecord>, StoreError> {
        let query = sqlx::query(
            "SELECT registrar, deposit_id, kind, watermark, domains, contacts, customers, \
             resellers, zones, sha256, imported_at FROM escrow_deposits WHERE registrar = $1 \
             ORDER BY watermark, imported_at",
        )
        .bind(registrar);
        self.rows("listing escrow deposits", query).await?.iter().map(deposit_record).collect()
    }

    /// Records an imported deposit; [`StoreError::Exists`] if the registrar's deposit id was
    /// seen before.
    pub async fn record_escrow_deposit(
        &mut self,
        record: &EscrowDepositRecord,
    ) -> Result<(), StoreError> {
        self.writing("record_escrow_deposit")?;
        let query = sqlx::query(
            "INSERT INTO escrow_deposits (registrar, deposit_id, kind, watermark, domains, \
             contacts, customers, resellers, zones, sha256, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(record.registrar.as_str())
        .bind(record.deposit_id.as_str())
        .bind(record.kind.as_str())
        .bind(micros(record.watermark)?)
        .bind(count(record.domains, "domain count")?)
        .bind(count(record.contacts, "contact count")?)
        .bind(count(record.customers, "customer count")?)
        .bind(count(record.resellers, "reseller count")?)
        .bind(count(record.zones, "zone count")?)
        .bind(record.sha256.as_str())
        .bind(micros(record.imported_at)?);
        self.run("recording an escrow deposit", query)
            .await
            .map_err(|error| conflict(error, "escrow deposit", &record.deposit_id))?;
        Ok(())
    }

    /// Removes every escrowed row of `registrar` (the deposit records stay), before a full
    /// deposit replaces them.
    pub async fn clear_escrow(&mut self, registrar: &str) -> Result<(), StoreError> {
        self.writing("clear_escrow")?;
        for table in ROW_TABLES {
            let sql = format!("DELETE FROM {table} WHERE registrar = $1");
            self.run("clearing escrow rows", sqlx::query(&sql).bind(registrar)).await?;
        }
        Ok(())
    }

    /// Adds or replaces escrowed domains of `registrar`.
    pub async fn put_escrow_domains(
        &mut self,
        registrar: &str,
        deposit_id: &str,
        domains: &[Domain],
    ) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(domains.len());
        for domain in domains {
            rows.push(vec![
                text(&domain.name),
                opt(&domain.registrant),
                opt(&domain.customer),
                opt(&domain.admin),
                opt(&domain.tech),
                opt(&domain.reseller),
                Value::Int(i64::from(domain.privacy)),
                Value::Int(micros(domain.expires)?),
                text(&domain.nameservers.join(" ")),
            ]);
        }
        let columns = [
            "name",
            "registrant",
            "customer",
            "admin",
            "tech",
            "reseller",
            "privacy",
            "expires_at",
            "nameservers",
        ];
        self.upsert("escrow_domains", &columns, registrar, deposit_id, rows).await
    }

    /// Adds or replaces escrowed contacts of `registrar`.
    pub async fn put_escrow_contacts(
        &mut self,
        registrar: &str,
        deposit_id: &str,
        contacts: &[Contact],
    ) -> Result<(), StoreError> {
        let rows = contacts
            .iter()
            .map(|contact| {
                vec![
                    text(&contact.id),
                    text(&contact.name),
                    opt(&contact.org),
                    text(&contact.street.join("\n")),
                    text(&contact.city),
                    opt(&contact.sp),
                    opt(&contact.pc),
                    text(&contact.cc),
                    opt(&contact.voice),
                    text(&contact.email),
                    opt(&contact.customer),
                ]
            })
            .collect();
        let columns =
            ["id", "name", "org", "street", "city", "sp", "pc", "cc", "voice", "email", "customer"];
        self.upsert("escrow_contacts", &columns, registrar, deposit_id, rows).await
    }

    /// Adds or replaces escrowed customers of `registrar`.
    pub async fn put_escrow_customers(
        &mut self,
        registrar: &str,
        deposit_id: &str,
        customers: &[Customer],
    ) -> Result<(), StoreError> {
        let rows = customers
            .iter()
            .map(|customer| {
                vec![
                    text(&customer.id),
                    text(&customer.name),
                    text(&customer.email),
                    Value::Int(customer.balance),
                    text(&customer.currency),
                    opt(&customer.reseller),
                ]
            })
            .collect();
        let columns = ["id", "name", "email", "balance", "currency", "reseller"];
        self.upsert("escrow_customers", &columns, registrar, deposit_id, rows).await
    }

    /// Adds or replaces escrowed resellers of `registrar`.
    pub async fn put_escrow_resellers(
        &mut self,
        registrar: &str,
        deposit_id: &str,
        resellers: &[Reseller],
    ) -> Result<(), StoreError> {
        let rows = resellers
            .iter()
            .map(|reseller| {
                vec![
                    text(&reseller.id),
                    text(&reseller.name),
                    text(&reseller.email),
                    Value::Int(reseller.balance),
                    text(&reseller.currency),
                ]
            })
            .collect();
        let columns = ["id", "name", "email", "balance", "currency"];
        self.upsert("escrow_resellers", &columns, registrar, deposit_id, rows).await
    }

    /// Adds or replaces hosted zones of `registrar`.
    pub async fn put_escrow_zones(
        &mut self,
        registrar: &str,
        deposit_id: &str,
        zones: &[HostedZone],
    ) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(zones.len());
        for zone in zones {
            rows.push(vec![
                text(&zone.domain),
                text(&zone.text),
                Value::Int(count(zone.records, "record count")?),
            ]);
        }
        let columns = ["domain", "zone_text", "records"];
        self.upsert("escrow_zones", &columns, registrar, deposit_id, rows).await
    }

    /// Inserts rows keyed by (registrar, first column), replacing rows with the same key.
    async fn upsert(
        &mut self,
        table: &'static str,
        columns: &[&str],
        registrar: &str,
        deposit_id: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), StoreError> {
        self.writing("writing escrow rows")?;
        let Some(key) = columns.first() else { return Ok(()) };
        let width = columns.len() + 2;
        let updates: Vec<String> = columns
            .iter()
            .skip(1)
            .chain(["deposit_id"].iter())
            .map(|column| format!("{column} = excluded.{column}"))
            .collect();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Value>> = rows.by_ref().take(CHUNK).collect();
            let tuples: Vec<String> = (0..chunk.len())
                .map(|index| {
                    let marks: Vec<String> =
                        (1..=width).map(|column| format!("${}", index * width + column)).collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            // Table and column names are constants of this module, never input.
            let sql = format!(
                "INSERT INTO {table} (registrar, deposit_id, {}) VALUES {} \
                 ON CONFLICT (registrar, {key}) DO UPDATE SET {}",
                columns.join(", "),
                tuples.join(", "),
                updates.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query.bind(registrar.to_owned()).bind(deposit_id.to_owned());
                for value in row {
                    query = match value {
                        Value::Text(value) => query.bind(value),
                        Value::MaybeText(value) => query.bind(value),
                        Value::Int(value) => query.bind(value),
                    };
                }
            }
            self.run("writing escrow rows", query)
                .await
                .map_err(|error| conflict(error, table, registrar))?;
        }
        Ok(())
    }

    /// Every escrowed customer of `registrar`, by id.
    pub async fn escrow_customers(&mut self, registrar: &str) -> Result<Vec<Customer>, StoreError> {
        let query = sqlx::query(
            "SELECT id, name, email, balance, currency, reseller FROM escrow_customers \
             WHERE registrar = $1 ORDER BY id",
        )
        .bind(registrar);
        self.rows("listing escrowed customers", query).await?.iter().map(customer_row).collect()
    }

    /// Every escrowed reseller of `registrar`, by id.
    pub async fn escrow_resellers(&mut self, registrar: &str) -> Result<Vec<Reseller>, StoreError> {
        let query = sqlx::query(
            "SELECT id, name, email, balance, currency FROM escrow_resellers \
             WHERE registrar = $1 ORDER BY id",
        )
        .bind(registrar);
        self.rows("listing escrowed resellers", query).await?.iter().map(reseller_row).collect()
    }

    /// Every registrar's hosted zone for `domain`, as (registrar, zone text).
    pub async fn escrow_zones_named(
        &mut self,
        domain: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let query = sqlx::query(
            "SELECT registrar, zone_text FROM escrow_zones WHERE domain = $1 ORDER BY registrar",
        )
        .bind(domain);
        let rows = self.rows("reading hosted zones", query).await?;
        rows.iter().map(|row| Ok((get(row, "registrar")?, get(row, "zone_text")?))).collect()
    }

    /// Names the registry has sponsored by `registrar` that its escrow lacks, by name.
    pub async fn names_missing_from_escrow(
        &mut self,
        registrar: &str,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT d.name AS name FROM domains d WHERE d.sponsor = $1 AND NOT EXISTS \
             (SELECT 1 FROM escrow_domains e WHERE e.registrar = $1 AND e.name = d.name) \
             ORDER BY d.name",
        )
        .bind(registrar);
        let rows = self.rows("reconciling escrow", query).await?;
        rows.iter().map(|row| get(row, "name")).collect()
    }

    /// The names the registry has `registrar` sponsor whose reseller its escrow shows
    /// otherwise (the domain's own reseller, else its customer's): the name, the registry's
    /// reseller, the escrow's, and whether the escrow lists that reseller.
    pub async fn reseller_differences(
        &mut self,
        registrar: &str,
    ) -> Result<Vec<ResellerLink>, StoreError> {
        let query = sqlx::query(
            "SELECT name, registry, escrow, \
                    CAST(CASE WHEN escrow IS NULL OR EXISTS (SELECT 1 FROM escrow_resellers r \
                         WHERE r.registrar = $1 AND r.id = escrow) THEN 1 ELSE 0 END AS BIGINT) \
                      AS listed \
             FROM (SELECT d.name AS name, d.reseller AS registry, \
                          COALESCE(e.reseller, cu.reseller) AS escrow \
                   FROM domains d \
                   JOIN escrow_domains e ON e.registrar = d.sponsor AND e.name = d.name \
                   LEFT JOIN escrow_customers cu \
                     ON cu.registrar = e.registrar AND cu.id = e.customer \
                   WHERE d.sponsor = $1) AS links \
             WHERE (registry IS NULL AND escrow IS NOT NULL) \
                OR (registry IS NOT NULL AND escrow IS NULL) OR registry <> escrow \
             ORDER BY name",
        )
        .bind(registrar);
        let rows = self.rows("reconciling resellers", query).await?;
        rows.iter()
            .map(|row| {
                Ok(ResellerLink {
                    domain: get(row, "name")?,
                    registry: get(row, "registry")?,
                    escrow: get(row, "escrow")?,
                    listed: get::<i64>(row, "listed")? == 1,
                })
            })
            .collect()
    }

    /// How many names `registrar`'s escrow shows each reseller holding (directly or through
    /// its customers) and each customer holding, by id.
    pub async fn escrow_name_counts(
        &mut self,
        registrar: &str,
    ) -> Result<(BTreeMap<String, u64>, BTreeMap<String, u64>), StoreError> {
        let query = sqlx::query(
            "SELECT e.customer AS customer, COALESCE(e.reseller, cu.reseller) AS reseller              FROM escrow_domains e              LEFT JOIN escrow_customers cu ON cu.registrar = e.registrar AND cu.id = e.customer              WHERE e.registrar = $1",
        )
        .bind(registrar);
        let mut resellers = BTreeMap::new();
        let mut customers = BTreeMap::new();
        for row in self.rows("counting escrowed names", query).await? {
            if let Some(reseller) = get::<Option<String>>(&row, "reseller")? {
                *resellers.entry(reseller).or_default() += 1;
            }
            if let Some(customer) = get::<Option<String>>(&row, "customer")? {
                *customers.entry(customer).or_default() += 1;
            }
        }
        Ok((resellers, customers))
    }

    /// Names in `registrar`'s escrow that the registry does not have it sponsor, with the
    /// sponsor the registry has (none when the name is not registered).
    pub async fn escrow_names_not_sponsored(
        &mut self,
        registrar: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let query = sqlx::query(
            "SELECT e.name AS name, d.sponsor AS sponsor FROM escrow_domains e \
             LEFT JOIN domains d ON d.name = e.name \
             WHERE e.registrar = $1 AND (d.sponsor IS NULL OR d.sponsor <> $1) ORDER BY e.name",
        )
        .bind(registrar);
        let rows = self.rows("reconciling escrow", query).await?;
        rows.iter().map(|row| Ok((get(row, "name")?, get(row, "sponsor")?))).collect()
    }

    /// For each name the registry has `registrar` sponsor and its escrow holds: the registrant
    /// e-mail the registry has beside the escrow's contact and customer e-mails.
    pub async fn registrant_emails(
        &mut self,
        registrar: &str,
    ) -> Result<Vec<RegistrantEmails>, StoreError> {
        let query = sqlx::query(
            "SELECT d.name AS name, c.doc AS doc, ec.email AS contact_email, \
                    cu.email AS customer_email \
             FROM domains d \
             JOIN escrow_domains e ON e.registrar = d.sponsor AND e.name = d.name \
             JOIN domain_contacts dc ON dc.domain = d.name AND dc.role = 'registrant' \
             JOIN contacts c ON c.id = dc.contact \
             LEFT JOIN escrow_contacts ec ON ec.registrar = e.registrar AND ec.id = e.registrant \
             LEFT JOIN escrow_customers cu ON cu.registrar = e.registrar AND cu.id = e.customer \
             WHERE d.sponsor = $1 ORDER BY d.name",
        )
        .bind(registrar);
        let rows = self.rows("reconciling registrant e-mails", query).await?;
        let mut pairs = Vec::with_capacity(rows.len());
        for row in &rows {
            let doc: String = get(row, "doc")?;
            let contact: ContactEmail = serde_json::from_str(&doc).map_err(|error| {
                StoreError::Corrupt { what: "contacts.doc".to_owned(), detail: error.to_string() }
            })?;
            pairs.push(RegistrantEmails {
                domain: get(row, "name")?,
                registry: contact.email,
                escrow_contact: get(row, "contact_email")?,
                escrow_customer: get(row, "customer_email")?,
            });
        }
        Ok(pairs)
    }
}
