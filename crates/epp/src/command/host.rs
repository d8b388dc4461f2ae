//! Host commands (RFC 5732).

use std::net::IpAddr;

use super::Command;
use super::fields::{Fields, Parsed, collapse, fail, label, leaf, status, unexpected};
use crate::result::ResultCode;
use crate::types::{Namespace, ObjectKind, StatusValue};
use crate::xml::El;
use crate::xml::read::truncate;

const NS: Namespace = Namespace::Host;

/// `<host:create>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCreate {
    /// The host name.
    pub name: String,
    /// Its addresses (needed when the host is under a domain of this registry).
    pub addrs: Vec<IpAddr>,
}

/// `<host:update>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUpdate {
    /// The host name.
    pub name: String,
    /// Addresses and statuses to add.
    pub add: HostAddRem,
    /// Addresses and statuses to remove.
    pub rem: HostAddRem,
    /// The new name, for a rename (`<host:chg><host:name>`).
    pub new_name: Option<String>,
}

/// The `<host:add>` or `<host:rem>` of an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostAddRem {
    /// Addresses.
    pub addrs: Vec<IpAddr>,
    /// Statuses.
    pub statuses: Vec<StatusValue>,
}

pub(super) fn command(verb: El<'_>, object: El<'_>) -> Parsed<Command> {
    match object.local() {
        "check" => Ok(Command::HostCheck(names(object, NS)?)),
        "info" => Ok(Command::HostInfo(single_name(object)?)),
        "delete" => Ok(Command::HostDelete(single_name(object)?)),
        "create" => {
            let mut fields = Fields::of(object, &[])?;
            let name = label(fields.one(NS, "name")?)?;
            let addrs = addresses(&mut fields)?;
            fields.finish()?;
            Ok(Command::HostCreate(HostCreate { name, addrs }))
        }
        "update" => {
            let mut fields = Fields::of(object, &[])?;
            let name = label(fields.one(NS, "name")?)?;
            let add = fields.opt(NS, "add")?.map(add_rem).transpose()?.unwrap_or_default();
            let rem = fields.opt(NS, "rem")?.map(add_rem).transpose()?.unwrap_or_default();
            let new_name = fields.opt(NS, "chg")?.map(single_name).transpose()?;
            fields.finish()?;
            Ok(Command::HostUpdate(HostUpdate { name, add, rem, new_name }))
        }
        "renew" | "transfer" => Err(fail(
            ResultCode::UnimplementedCommand,
            verb,
            format!("hosts have no {} command (RFC 5732)", verb.local()),
        )),
        _ => Err(unexpected(object)),
    }
}

/// The names of a check (`<X:name>` one or more times).
pub(super) fn names(el: El<'_>, ns: Namespace) -> Parsed<Vec<String>> {
    let mut fields = Fields::of(el, &[])?;
    let names = fields.at_least_one(ns, "name")?.into_iter().map(label).collect();
    fields.finish()?;
    names
}

fn single_name(el: El<'_>) -> Parsed<String> {
    let mut fields = Fields::of(el, &[])?;
    let name = label(fields.one(NS, "name")?)?;
    fields.finish()?;
    Ok(name)
}

fn add_rem(el: El<'_>) -> Parsed<HostAddRem> {
    let mut fields = Fields::of(el, &[])?;
    let addrs = addresses(&mut fields)?;
    let statuses = fields
        .at_most(NS, "status", 7)?
        .into_iter()
        .map(|el| status(el, ObjectKind::Host))
        .collect::<Parsed<Vec<_>>>()?;
    fields.finish()?;
    Ok(HostAddRem { addrs, statuses })
}

fn addresses(fields: &mut Fields<'_>) -> Parsed<Vec<IpAddr>> {
    fields.many(NS, "addr").into_iter().map(address).collect()
}

/// `<host:addr ip="v4|v6">`: the attribute (default v4) must match the address.
fn address(el: El<'_>) -> Parsed<IpAddr> {
    let text = collapse(leaf(el, &["ip"])?);
    let want_v6 = match el.attr("ip").map(collapse).as_deref() {
        None | Some("v4") => false,
        Some("v6") => true,
        Some(other) => {
            return Err(fail(
                ResultCode::ParameterValueSyntaxError,
                el,
                format!("ip={:?} is not v4 or v6", truncate(other)),
            ));
        }
    };
    let addr: IpAddr = text.parse().map_err(|_| {
        fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{:?} is not an IP address", truncate(&text)),
        )
    })?;
    if addr.is_ipv6() != want_v6 {
        return Err(fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{addr} does not match ip=\"{}\"", if want_v6 { "v6" } else { "v4" }),
        ));
    }
    Ok(addr)
}
