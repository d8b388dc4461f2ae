//! Deposit objects back into the registry's model: what each element of RFC 9022 says, and
//! what nameward fills in for what escrow does not carry (auth codes, credentials, money).

use std::collections::BTreeSet;
use std::net::IpAddr;

use nameward_registry::lifecycle::OPERATOR;
use nameward_registry::model::Contact;
use nameward_registry::model::{
    ContactRole, ContactStatus, Deletion, DeletionPhase, Disclose, Domain, DomainContact,
    DomainStatus, DsData, GraceKind, GracePeriod, Host, HostStatus, PostalInfo, PostalKind,
    Registrar, RegistrarState, Stamps, Transfer, TransferStatus,
};
use nameward_registry::policy::Policy;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::RdeError;
use crate::xml::Object;
use crate::xml::read::Node;

/// The key an object is known by: a domain's or host's name, a contact's or registrar's id.
pub fn key(object: Object, node: &Node) -> Option<&str> {
    match object {
        Object::Domain | Object::Host => node.text_of("name"),
        Object::Contact | Object::Registrar => node.text_of("id"),
    }
    .filter(|key| !key.is_empty())
}

/// Where an element sits, for messages: `rdeDomain:domain[example.test]/exDate`.
pub fn path(object: Object, node: &Node, child: &str) -> String {
    let key = key(object, node).unwrap_or("?");
    if child.is_empty() {
        format!("{}[{key}]", object.element())
    } else {
        format!("{}[{key}]/{child}", object.element())
    }
}

/// What a domain refers to: its sponsor and the registrars in its stamps, its contacts, its
/// name servers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct References {
    /// (element, registrar id).
    pub registrars: Vec<(&'static str, String)>,
    /// (element, contact id).
    pub contacts: Vec<(&'static str, String)>,
    /// Host names.
    pub hosts: Vec<String>,
}

/// What `node` (an object of kind `object`) refers to. `crRr` and `upRr` may name the
/// registry operator itself (nameward's `registry`), which is no registrar object.
pub fn references(object: Object, node: &Node) -> References {
    let mut refs = References::default();
    for element in ["clID", "crRr", "upRr"] {
        if let Some(id) = node.text_of(element)
            && (element == "clID" || id != OPERATOR)
        {
            refs.registrars.push((element, id.to_owned()));
        }
    }
    if object == Object::Domain {
        if let Some(id) = node.text_of("registrant") {
            refs.contacts.push(("registrant", id.to_owned()));
        }
        for contact in node.all("contact") {
            refs.contacts.push(("contact", contact.text.clone()));
        }
        if let Some(ns) = node.first("ns") {
            refs.hosts.extend(ns.all("hostObj").map(|host| host.text.clone()));
        }
        if let Some(transfer) = node.first("trnData") {
            for element in ["reRr", "acRr"] {
                if let Some(id) = transfer.text_of(element) {
                    refs.registrars.push((element, id.to_owned()));
                }
            }
        }
    }
    refs
}

struct Ctx<'a> {
    file: &'a str,
    object: Object,
    node: &'a Node,
}

impl Ctx<'_> {
    fn error(&self, child: &str, detail: impl Into<String>) -> RdeError {
        RdeError::Content {
            file: self.file.to_owned(),
            element: path(self.object, self.node, child),
            detail: detail.into(),
        }
    }

    fn required(&self, child: &str) -> Result<String, RdeError> {
        match self.node.text_of(child) {
            Some(text) if !text.is_empty() => Ok(text.to_owned()),
            _ => Err(self.error(child, "missing")),
        }
    }

    fn date_in(&self, node: &Node, child: &str) -> Result<Option<OffsetDateTime>, RdeError> {
        node.text_of(child)
            .map(|text| {
                OffsetDateTime::parse(text, &Rfc3339).map_err(|error| {
                    self.error(child, format!("{text:?} is not a dateTime: {error}"))
                })
            })
            .transpose()
    }

    fn date(&self, child: &str) -> Result<Option<OffsetDateTime>, RdeError> {
        self.date_in(self.node, child)
    }

    fn stamps(
        &self,
        fallback_creator: &str,
        fallback_created: OffsetDateTime,
    ) -> Result<Stamps, RdeError> {
        Ok(Stamps {
            created_by: self.node.text_of("crRr").unwrap_or(fallback_creator).to_owned(),
            created_at: self.date("crDate")?.unwrap_or(fallback_created),
            updated_by: self.node.text_of("upRr").map(str::to_owned),
            updated_at: self.date("upDate")?,
        })
    }
}

/// The statuses an object's `status` elements name, less those the registry derives from
/// its state (`ok`, `linked`, `inactive`, the `pending*` ones) rather than keeps.
fn statuses<S: Ord>(ctx: &Ctx<'_>, parse: fn(&str) -> Option<S>) -> Result<BTreeSet<S>, RdeError> {
    let mut kept = BTreeSet::new();
    for status in ctx.node.all("status") {
        let text = status.attr("s").unwrap_or_default();
        if matches!(text, "ok" | "linked" | "inactive") || text.starts_with("pending") {
            continue;
        }
        let known =
            parse(text).ok_or_else(|| ctx.error("status", format!("unknown status {text:?}")))?;
        kept.insert(known);
    }
    Ok(kept)
}

/// A registrar. Escrow carries no credentials: `password_hash` is given (a hash of a
/// password nobody knows, so the registrar is locked out until the operator sets one), and
/// the certificate fingerprints are empty. `ok` is ACTIVE, `readonly` SUSPENDED (a FAILED
/// registrar is deposited as `readonly` too: RFC 9022 has no finer state), `terminated`
/// TERMINATED.
pub fn registrar(
    file: &str,
    node: &Node,
    password_hash: String,
    watermark: OffsetDateTime,
) -> Result<Registrar, RdeError> {
    let ctx = Ctx { file, object: Object::Registrar, node };
    let state = match node.text_of("status").unwrap_or("ok") {
        "ok" => RegistrarState::Active,
        "readonly" => RegistrarState::Suspended,
        "terminated" => RegistrarState::Terminated,
        other => {
            return Err(ctx.error("status", format!("{other:?} is not ok, readonly or terminated")));
        }
    };
    Ok(Registrar {
        id: ctx.required("id")?,
        name: ctx.required("name")?,
        state,
        password_hash,
        cert_fingerprints: Vec::new(),
        email: node.text_of("email").map(str::to_owned),
        successor: None,
        created_at: ctx.date("crDate")?.unwrap_or(watermark),
    })
}

/// A contact (its auth code is not escrowed: the sponsor sets a new one).
pub fn contact(file: &str, node: &Node, watermark: OffsetDateTime) -> Result<Contact, RdeError> {
    let ctx = Ctx { file, object: Object::Contact, node };
    let statuses = statuses(&ctx, ContactStatus::parse)?;
    let mut postal = Vec::new();
    for info in node.all("postalInfo") {
        let kind = match info.attr("type") {
            Some("int") => PostalKind::Int,
            Some("loc") => PostalKind::Loc,
            other => {
                return Err(ctx.error("postalInfo", format!("type {other:?} is not int or loc")));
            }
        };
        let addr = info.first("addr").ok_or_else(|| ctx.error("postalInfo/addr", "missing"))?;
        postal.push(PostalInfo {
            kind,
            name: info
                .text_of("name")
                .ok_or_else(|| ctx.error("postalInfo/name", "missing"))?
                .to_owned(),
            org: info.text_of("org").map(str::to_owned),
            street: addr.all("street").map(|street| street.text.clone()).collect(),
            city: addr
                .text_of("city")
                .ok_or_else(|| ctx.error("postalInfo/addr/city", "missing"))?
                .to_owned(),
            sp: addr.text_of("sp").map(str::to_owned),
            pc: addr.text_of("pc").map(str::to_owned),
            cc: addr
                .text_of("cc")
                .ok_or_else(|| ctx.error("postalInfo/addr/cc", "missing"))?
                .to_owned(),
        });
    }
    let phone = |name: &str| {
        node.first(name)
            .map(|phone| (Some(phone.text.clone()), phone.attr("x").map(str::to_owned)))
            .unwrap_or((None, None))
    };
    let (voice, voice_ext) = phone("voice");
    let (fax, fax_ext) = phone("fax");
    let disclose = node.first("disclose").map(|disclose| Disclose {
        flag: matches!(disclose.attr("flag"), Some("1" | "true")),
        fields: disclose
            .children
            .iter()
            .map(|field| match field.attr("type") {
                Some(kind) => format!("{}_{kind}", field.local),
                None => field.local.clone(),
            })
            .collect(),
    });
    let sponsor = ctx.required("clID")?;
    Ok(Contact {
        id: ctx.required("id")?,
        roid: ctx.required("roid")?,
        stamps: ctx.stamps(&sponsor, watermark)?,
        sponsor,
        postal,
        voice,
        voice_ext,
        fax,
        fax_ext,
        email: ctx.required("email")?,
        auth: None,
        statuses,
        disclose,
    })
}

/// A host, with no superordinate domain yet (the restore links it once domains are in).
pub fn host(file: &str, node: &Node, watermark: OffsetDateTime) -> Result<Host, RdeError> {
    let ctx = Ctx { file, object: Object::Host, node };
    let statuses = statuses(&ctx, HostStatus::parse)?;
    let mut addrs = Vec::new();
    for addr in node.all("addr") {
        let ip: IpAddr = addr
            .text
            .parse()
            .map_err(|_| ctx.error("addr", format!("{:?} is not an IP address", addr.text)))?;
        addrs.push(ip);
    }
    let sponsor = ctx.required("clID")?;
    Ok(Host {
        name: ctx.required("name")?,
        roid: ctx.required("roid")?,
        stamps: ctx.stamps(&sponsor, watermark)?,
        sponsor,
        superordinate: None,
        addrs,
        statuses,
    })
}

/// The instants nameward writes in an `rgpStatus` text: `ends T` and, for a deletion,
/// `ends T requested T`. Other text (a deposit made elsewhere) gives neither.
fn rgp_times(
    ctx: &Ctx<'_>,
    node: &Node,
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), RdeError> {
    let Some(text) = node.text.strip_prefix("ends ") else { return Ok((None, None)) };
    let (ends, requested) = match text.split_once(" requested ") {
        Some((ends, requested)) => (ends, Some(requested)),
        None => (text, None),
    };
    let parse = |text: &str| {
        OffsetDateTime::parse(text.trim(), &Rfc3339)
            .map_err(|error| ctx.error("rgpStatus", format!("{text:?} is not a dateTime: {error}")))
    };
    Ok((Some(parse(ends)?), requested.map(parse).transpose()?))
}

fn number<T: std::str::FromStr>(ctx: &Ctx<'_>, node: &Node, child: &str) -> Result<T, RdeError> {
    let text = node.text_of(child).ok_or_else(|| ctx.error(child, "missing"))?;
    text.parse().map_err(|_| ctx.error(child, format!("{text:?} is not a number in range")))
}

/// A domain. Its grace periods and deletion phase come from its `rgpStatus` elements: the
/// end nameward writes into their text, or (from a deposit made elsewhere) the TLD policy's
/// length counted from the watermark; the money a grace period would refund is the policy's
/// price, since escrow holds no ledger. A pending transfer's price is the policy's too.
pub fn domain(
    file: &str,
    node: &Node,
    policy: &Policy,
    watermark: OffsetDateTime,
) -> Result<Domain, RdeError> {
    let ctx = Ctx { file, object: Object::Domain, node };
    let sponsor = ctx.required("clID")?;
    let expires_at = ctx.date("exDate")?.ok_or_else(|| ctx.error("exDate", "missing"))?;
    let statuses = statuses(&ctx, DomainStatus::parse)?;
    let mut grace = Vec::new();
    let mut deletion = None;
    for rgp in node.all("rgpStatus") {
        let (ends, requested) = rgp_times(&ctx, rgp)?;
        let days = |count: u32| watermark + Policy::days(count);
        let grace_of = |kind, default_days, amount| GracePeriod {
            kind,
            ends: ends.unwrap_or_else(|| days(default_days)),
            registrar: sponsor.clone(),
            amount,
            years: 1,
        };
        match rgp.attr("s").unwrap_or_default() {
            "addPeriod" => {
                grace.push(grace_of(GraceKind::Add, policy.add_grace_days, policy.create_price))
            }
            "autoRenewPeriod" => grace.push(grace_of(
                GraceKind::AutoRenew,
                policy.auto_renew_grace_days,
                policy.renew_price,
            )),
            "renewPeriod" => {
                grace.push(grace_of(GraceKind::Renew, policy.renew_grace_days, policy.renew_price))
            }
            "transferPeriod" => grace.push(grace_of(
                GraceKind::Transfer,
                policy.transfer_grace_days,
                policy.transfer_price,
            )),
            phase @ ("redemptionPeriod" | "pendingRestore" | "pendingDelete") => {
                let (phase, length) = match phase {
                    "redemptionPeriod" => (DeletionPhase::Redemption, policy.redemption_days),
                    "pendingRestore" => {
                        (DeletionPhase::PendingRestore, policy.pending_restore_days)
                    }
                    _ => (DeletionPhase::PendingDelete, policy.pending_delete_days),
                };
                deletion = Some(Deletion {
                    phase,
                    phase_ends: ends.unwrap_or_else(|| days(length)),
                    requested_at: match requested {
                        Some(at) => at,
                        None => ctx.date("upDate")?.unwrap_or(watermark),
                    },
                });
            }
            other => return Err(ctx.error("rgpStatus", format!("unknown RGP status {other:?}"))),
        }
    }
    let mut contacts = Vec::new();
    for contact in node.all("contact") {
        let role = match contact.attr("type") {
            Some("admin") => ContactRole::Admin,
            Some("billing") => ContactRole::Billing,
            Some("tech") => ContactRole::Tech,
            other => {
                return Err(
                    ctx.error("contact", format!("type {other:?} is not admin, billing or tech"))
                );
            }
        };
        contacts.push(DomainContact { role, id: contact.text.clone() });
    }
    let ns = node
        .first("ns")
        .map(|ns| {
            if ns.first("hostAttr").is_some() {
                return Err(ctx.error(
                    "ns/hostAttr",
                    "host attributes are not supported: nameward links host objects",
                ));
            }
            Ok(ns.all("hostObj").map(|host| host.text.clone()).collect())
        })
        .transpose()?
        .unwrap_or_default();
    let mut ds = Vec::new();
    let mut max_sig_life = None;
    if let Some(sec) = node.first("secDNS") {
        if sec.first("maxSigLife").is_some() {
            max_sig_life = Some(number(&ctx, sec, "maxSigLife")?);
        }
        if sec.first("keyData").is_some() {
            return Err(
                ctx.error("secDNS/keyData", "key data is not supported: nameward keeps DS data")
            );
        }
        for data in sec.all("dsData") {
            ds.push(DsData {
                key_tag: number(&ctx, data, "keyTag")?,
                alg: number(&ctx, data, "alg")?,
                digest_type: number(&ctx, data, "digestType")?,
                digest: data
                    .text_of("digest")
                    .ok_or_else(|| ctx.error("secDNS/dsData/digest", "missing"))?
                    .to_owned(),
            });
        }
    }
    let transfer = node
        .first("trnData")
        .map(|data| -> Result<Transfer, RdeError> {
            let status = match data.text_of("trStatus").unwrap_or_default() {
                "pending" => TransferStatus::Pending,
                "clientApproved" => TransferStatus::ClientApproved,
                "clientCancelled" => TransferStatus::ClientCancelled,
                "clientRejected" => TransferStatus::ClientRejected,
                "serverApproved" => TransferStatus::ServerApproved,
                "serverCancelled" => TransferStatus::ServerCancelled,
                other => return Err(ctx.error("trnData/trStatus", format!("unknown {other:?}"))),
            };
            let requested_at = ctx
                .date_in(data, "reDate")?
                .ok_or_else(|| ctx.error("trnData/reDate", "missing"))?;
            let action_at = ctx
                .date_in(data, "acDate")?
                .ok_or_else(|| ctx.error("trnData/acDate", "missing"))?;
            // The years the transfer adds, from the expiry it would bring.
            let years = match ctx.date_in(data, "exDate")? {
                Some(extended) => {
                    let year = extended.year() - expires_at.year();
                    u8::try_from(year.clamp(0, 10)).unwrap_or(1)
                }
                None => 1,
            };
            Ok(Transfer {
                status,
                gaining: data
                    .text_of("reRr")
                    .ok_or_else(|| ctx.error("trnData/reRr", "missing"))?
                    .to_owned(),
                losing: data
                    .text_of("acRr")
                    .ok_or_else(|| ctx.error("trnData/acRr", "missing"))?
                    .to_owned(),
                requested_at,
                action_at,
                years,
                amount: policy.transfer_price * i64::from(years),
            })
        })
        .transpose()?;
    Ok(Domain {
        name: ctx.required("name")?,
        roid: ctx.required("roid")?,
        stamps: ctx.stamps(&sponsor, watermark)?,
        sponsor,
        reseller: None,
        registrant: node.text_of("registrant").map(str::to_owned),
        contacts,
        ns,
        ds,
        max_sig_life,
        statuses,
        expires_at,
        transferred_at: ctx.date("trDate")?,
        auth: None,
        grace,
        deletion,
        transfer,
    })
}
