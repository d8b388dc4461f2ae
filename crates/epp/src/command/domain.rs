//! Domain commands (RFC 5731), with the secDNS (RFC 5910) and RGP (RFC 3915) extensions.

use time::Date;

use super::ext::{self, RgpRestore, SecDnsCreate, SecDnsUpdate};
use super::fields::{
    Fields, Parsed, auth_info, client_id, collapse, date, enum_attr, fail, label, leaf, number,
    password, status, token_with,
};
use super::{Command, Extensions};
use crate::result::ResultCode;
use crate::types::{
    AuthInfo, Change, ContactType, DomainContact, HostsFilter, Namespace, ObjectKind, Period,
    PeriodUnit, Secret, StatusValue, TransferOp,
};
use crate::xml::El;

const NS: Namespace = Namespace::Domain;

/// `<domain:info>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInfo {
    /// The domain name.
    pub name: String,
    /// Which hosts to list (`hosts` attribute, default all).
    pub hosts: HostsFilter,
    /// The transfer code, which lets a registrar other than the sponsor see everything.
    pub auth_info: Option<AuthInfo>,
}

/// `<domain:create>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCreate {
    /// The domain name.
    pub name: String,
    /// The registration period (one year when the client gives none).
    pub period: Period,
    /// Name servers, as host object names (`hostObj`).
    pub ns: Vec<String>,
    /// The registrant's contact id.
    pub registrant: Option<String>,
    /// Other contacts by role.
    pub contacts: Vec<DomainContact>,
    /// The transfer code; empty when the client follows RFC 9154 and sets none.
    pub auth_info: AuthInfo,
    /// DNSSEC data (secDNS extension).
    pub sec_dns: Option<SecDnsCreate>,
}

/// `<domain:update>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainUpdate {
    /// The domain name.
    pub name: String,
    /// Name servers, contacts and statuses to add.
    pub add: DomainAddRem,
    /// Name servers, contacts and statuses to remove.
    pub rem: DomainAddRem,
    /// Registrant and transfer code changes.
    pub chg: DomainChange,
    /// DNSSEC changes (secDNS extension).
    pub sec_dns: Option<SecDnsUpdate>,
    /// A restore request or report (RGP extension).
    pub restore: Option<RgpRestore>,
}

/// The `<domain:add>` or `<domain:rem>` of an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainAddRem {
    /// Name servers (host object names).
    pub ns: Vec<String>,
    /// Contacts by role.
    pub contacts: Vec<DomainContact>,
    /// Statuses.
    pub statuses: Vec<StatusValue>,
}

/// The `<domain:chg>` of an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainChange {
    /// A new registrant, or removal (an empty `<domain:registrant/>`).
    pub registrant: Option<Change<String>>,
    /// A new transfer code, or removal (`<domain:null/>` or an empty `<domain:pw/>`, as RFC
    /// 9154 asks).
    pub auth_info: Option<Change<Secret>>,
}

/// `<domain:renew>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRenew {
    /// The domain name.
    pub name: String,
    /// The expiry date the client believes is current; guards against renewing twice.
    pub cur_exp_date: Date,
    /// How much to add (one year when the client gives none).
    pub period: Period,
}

/// `<transfer op="..."><domain:transfer>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainTransfer {
    /// Request, approve, reject, cancel or query.
    pub op: TransferOp,
    /// The domain name.
    pub name: String,
    /// The period to add on a request.
    pub period: Option<Period>,
    /// The transfer code (required by policy on request; optional for query).
    pub auth_info: Option<AuthInfo>,
}

pub(super) fn command(verb: El<'_>, object: El<'_>, ext: &mut Extensions<'_>) -> Parsed<Command> {
    match object.local() {
        "check" => Ok(Command::DomainCheck(super::host::names(object, NS)?)),
        "info" => info(object).map(Command::DomainInfo),
        "create" => create(object, ext).map(Command::DomainCreate),
        "update" => update(object, ext).map(Command::DomainUpdate),
        "delete" => {
            let mut fields = Fields::of(object, &[])?;
            let name = label(fields.one(NS, "name")?)?;
            fields.finish()?;
            Ok(Command::DomainDelete(name))
        }
        "renew" => renew(object).map(Command::DomainRenew),
        "transfer" => transfer(verb, object).map(Command::DomainTransfer),
        _ => Err(super::fields::unexpected(object)),
    }
}

fn info(el: El<'_>) -> Parsed<DomainInfo> {
    let mut fields = Fields::of(el, &[])?;
    let name_el = fields.one(NS, "name")?;
    let hosts = enum_attr(
        name_el,
        "hosts",
        Some(HostsFilter::All),
        HostsFilter::from_token,
        "all, del, sub, none",
    )?;
    let name = token_with(name_el, &["hosts"], 1, 255)?;
    let auth_info = fields.opt(NS, "authInfo")?.map(|el| auth_info(el, NS)).transpose()?;
    fields.finish()?;
    Ok(DomainInfo { name, hosts, auth_info })
}

fn create(el: El<'_>, ext: &mut Extensions<'_>) -> Parsed<DomainCreate> {
    let mut fields = Fields::of(el, &[])?;
    let name = label(fields.one(NS, "name")?)?;
    let period = fields.opt(NS, "period")?.map(period).transpose()?.unwrap_or(Period::ONE_YEAR);
    let ns = fields.opt(NS, "ns")?.map(name_servers).transpose()?.unwrap_or_default();
    let registrant = fields.opt(NS, "registrant")?.map(client_id).transpose()?;
    let contacts = contacts(&mut fields)?;
    let auth = auth_info(fields.one(NS, "authInfo")?, NS)?;
    fields.finish()?;
    let sec_dns = match ext.take(Namespace::SecDns, "create")? {
        Some(el) => Some(ext::sec_dns_create(el)?),
        None => None,
    };
    Ok(DomainCreate { name, period, ns, registrant, contacts, auth_info: auth, sec_dns })
}

fn update(el: El<'_>, ext: &mut Extensions<'_>) -> Parsed<DomainUpdate> {
    let mut fields = Fields::of(el, &[])?;
    let name = label(fields.one(NS, "name")?)?;
    let add = fields.opt(NS, "add")?.map(add_rem).transpose()?.unwrap_or_default();
    let rem = fields.opt(NS, "rem")?.map(add_rem).transpose()?.unwrap_or_default();
    let chg = fields.opt(NS, "chg")?.map(change).transpose()?.unwrap_or_default();
    fields.finish()?;
    let sec_dns = match ext.take(Namespace::SecDns, "update")? {
        Some(el) => Some(ext::sec_dns_update(el)?),
        None => None,
    };
    let restore = match ext.take(Namespace::Rgp, "update")? {
        Some(el) => Some(ext::rgp_update(el)?),
        None => None,
    };
    Ok(DomainUpdate { name, add, rem, chg, sec_dns, restore })
}

fn add_rem(el: El<'_>) -> Parsed<DomainAddRem> {
    let mut fields = Fields::of(el, &[])?;
    let ns = fields.opt(NS, "ns")?.map(name_servers).transpose()?.unwrap_or_default();
    let contacts = contacts(&mut fields)?;
    let statuses = fields
        .at_most(NS, "status", 11)?
        .into_iter()
        .map(|el| status(el, ObjectKind::Domain))
        .collect::<Parsed<Vec<_>>>()?;
    fields.finish()?;
    Ok(DomainAddRem { ns, contacts, statuses })
}

fn change(el: El<'_>) -> Parsed<DomainChange> {
    let mut fields = Fields::of(el, &[])?;
    let registrant = match fields.opt(NS, "registrant")? {
        Some(el) => {
            let id = collapse(leaf(el, &[])?);
            if id.is_empty() { Some(Change::Clear) } else { Some(Change::Set(client_id(el)?)) }
        }
        None => None,
    };
    let auth_info = fields.opt(NS, "authInfo")?.map(auth_change).transpose()?;
    fields.finish()?;
    Ok(DomainChange { registrant, auth_info })
}

fn auth_change(el: El<'_>) -> Parsed<Change<Secret>> {
    let mut fields = Fields::of(el, &[])?;
    let null = fields.opt(NS, "null")?;
    let pw = fields.opt(NS, "pw")?;
    if let Some(ext) = fields.opt(NS, "ext")? {
        return Err(fail(
            ResultCode::UnimplementedOption,
            ext,
            "extended authorization information is not implemented; use <domain:pw>",
        ));
    }
    fields.finish()?;
    match (null, pw) {
        (Some(null), None) => {
            Fields::of(null, &[])?.finish()?;
            Ok(Change::Clear)
        }
        (None, Some(pw)) => {
            let auth = password(pw, NS)?;
            Ok(if auth.pw.is_empty() { Change::Clear } else { Change::Set(auth.pw) })
        }
        (Some(_), Some(pw)) => Err(fail(
            ResultCode::CommandSyntaxError,
            pw,
            "<domain:pw> and <domain:null> exclude each other",
        )),
        (None, None) => Err(fail(
            ResultCode::RequiredParameterMissing,
            el,
            "<domain:authInfo> needs <domain:pw> or <domain:null>",
        )),
    }
}

fn renew(el: El<'_>) -> Parsed<DomainRenew> {
    let mut fields = Fields::of(el, &[])?;
    let name = label(fields.one(NS, "name")?)?;
    let cur_exp_date = date(fields.one(NS, "curExpDate")?)?;
    let period = fields.opt(NS, "period")?.map(period).transpose()?.unwrap_or(Period::ONE_YEAR);
    fields.finish()?;
    Ok(DomainRenew { name, cur_exp_date, period })
}

fn transfer(verb: El<'_>, el: El<'_>) -> Parsed<DomainTransfer> {
    let op = transfer_op(verb)?;
    let mut fields = Fields::of(el, &[])?;
    let name = label(fields.one(NS, "name")?)?;
    let period = fields.opt(NS, "period")?.map(period).transpose()?;
    let auth_info = fields.opt(NS, "authInfo")?.map(|el| auth_info(el, NS)).transpose()?;
    fields.finish()?;
    Ok(DomainTransfer { op, name, period, auth_info })
}

pub(super) fn transfer_op(verb: El<'_>) -> Parsed<TransferOp> {
    enum_attr(verb, "op", None, TransferOp::from_token, "request, approve, reject, cancel, query")
}

fn period(el: El<'_>) -> Parsed<Period> {
    let unit = enum_attr(
        el,
        "unit",
        None,
        |unit| match unit {
            "y" => Some(PeriodUnit::Year),
            "m" => Some(PeriodUnit::Month),
            _ => None,
        },
        "y, m",
    )?;
    let value = number(el, leaf(el, &["unit"])?, 1u8, 99)?;
    Ok(Period { value, unit })
}

/// `<domain:ns>`: host objects only; nameward does not store host attributes.
fn name_servers(el: El<'_>) -> Parsed<Vec<String>> {
    let mut fields = Fields::of(el, &[])?;
    if let Some(attr) = fields.many(NS, "hostAttr").first() {
        return Err(fail(
            ResultCode::UnimplementedOption,
            *attr,
            "host attributes are not implemented: create host objects and use <domain:hostObj>",
        ));
    }
    let names =
        fields.at_least_one(NS, "hostObj")?.into_iter().map(label).collect::<Parsed<Vec<_>>>()?;
    fields.finish()?;
    Ok(names)
}

fn contacts(fields: &mut Fields<'_>) -> Parsed<Vec<DomainContact>> {
    fields
        .many(NS, "contact")
        .into_iter()
        .map(|el| {
            let kind =
                enum_attr(el, "type", None, ContactType::from_token, "admin, billing, tech")?;
            let id = token_with(el, &["type"], 3, 16)?;
            Ok(DomainContact { kind, id })
        })
        .collect()
}
