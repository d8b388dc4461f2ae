//! Host commands (RFC 5732).
//!
//! A host under our TLD is subordinate to the registered domain of its last two labels: that
//! domain must exist and not be in deletion, only its sponsor creates or renames hosts into
//! it, and the host needs at least one address (it becomes glue). Any other host is external:
//! it takes no addresses (the registry publishes no glue for names it does not serve).

use std::collections::BTreeSet;
use std::net::IpAddr;

use time::OffsetDateTime;

use super::statuses::{self, UpdateStatus as _};
use super::{Ctx, Decision, Refusal, names, refuse};
use crate::model::{Domain, Host, HostStatus, Stamps};

/// Most addresses a host may carry.
pub const MAX_ADDRS: usize = 16;

fn label(name: &str) -> String {
    format!("host {name}")
}

/// A host create as the registrar asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostCreate {
    /// The host name.
    pub name: String,
    /// Its addresses (subordinate hosts only).
    pub addrs: Vec<IpAddr>,
}

/// A host update as the registrar asked for it; removals apply before additions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostUpdate {
    /// Addresses to add.
    pub add_addrs: Vec<IpAddr>,
    /// Addresses to remove.
    pub rem_addrs: Vec<IpAddr>,
    /// Statuses to set.
    pub add_statuses: Vec<HostStatus>,
    /// Statuses to clear.
    pub rem_statuses: Vec<HostStatus>,
    /// New name (`<host:chg><host:name>`).
    pub new_name: Option<String>,
}

impl HostUpdate {
    fn only_statuses(&self) -> bool {
        self.add_addrs.is_empty() && self.rem_addrs.is_empty() && self.new_name.is_none()
    }
}

/// Creates a host.
///
/// Facts from the service: `taken` (a host of that name exists); `superordinate`, the
/// registered domain named by [`names::superordinate`] of the host name, if it exists (the
/// service passes `None` for external hosts); `sequence` for the ROID.
///
/// Refusals: 2005 the name; 2302 taken; 2306 a name under our TLD that is not below a
/// registered domain, addresses on an external host, unusable or repeated addresses; 2303
/// the superordinate domain does not exist; 2304 it is in deletion; 2201 the actor does not
/// sponsor it; 2003 a subordinate host without addresses.
pub fn create(
    ctx: &Ctx<'_>,
    req: &HostCreate,
    taken: bool,
    superordinate: Option<&Domain>,
    sequence: u64,
) -> Result<Decision<Host>, Refusal> {
    let name = names::check_host_name(&req.name)?;
    let object = label(&name);
    if taken {
        return Err(refuse::exists(&object));
    }
    let addrs = check_addrs(&object, &req.addrs)?;
    let (sponsor, superordinate) = placement(ctx, &name, superordinate, &addrs, ctx.actor)?;
    let roid = names::roid("H", sequence, &ctx.policy.repository)?;
    let host = Host {
        name,
        roid,
        sponsor,
        superordinate,
        addrs,
        statuses: BTreeSet::new(),
        stamps: Stamps::new(ctx.actor, ctx.now),
    };
    Ok(Decision::new(host, "create"))
}

/// Where a host named `name` with `addrs` may live: its sponsor and superordinate domain.
/// `sponsor` is who sponsors it if it is external.
fn placement(
    ctx: &Ctx<'_>,
    name: &str,
    superordinate: Option<&Domain>,
    addrs: &[IpAddr],
    sponsor: &str,
) -> Result<(String, Option<String>), Refusal> {
    let object = label(name);
    let Some(parent) = names::superordinate(ctx.policy, name) else {
        if names::is_in_tld(ctx.policy, name) {
            return Err(refuse::policy(
                &object,
                format!("a host under .{} must lie below a registered domain", ctx.policy.tld),
            ));
        }
        if !addrs.is_empty() {
            return Err(refuse::policy(
                &object,
                "an external host takes no addresses (the registry publishes no glue for it)"
                    .to_owned(),
            ));
        }
        return Ok((sponsor.to_owned(), None));
    };
    let Some(domain) = superordinate.filter(|domain| domain.name == parent) else {
        return Err(refuse::missing(
            format!("domain {parent}"),
            &format!(", the superordinate domain of host {name}"),
        ));
    };
    if domain.deletion.is_some() {
        return Err(refuse::status(
            &object,
            format!("its superordinate domain {parent} is pending deletion"),
        ));
    }
    if !ctx.is_operator() && ctx.actor != domain.sponsor {
        return Err(refuse::authorization(
            &object,
            format!("registrar {} does not sponsor the superordinate domain {parent}", ctx.actor),
        ));
    }
    if addrs.is_empty() {
        return Err(refuse::required(&object, "a subordinate host needs at least one address"));
    }
    Ok((domain.sponsor.clone(), Some(parent)))
}

fn check_addrs(object: &str, addrs: &[IpAddr]) -> Result<Vec<IpAddr>, Refusal> {
    if addrs.len() > MAX_ADDRS {
        return Err(refuse::policy(object, format!("more than {MAX_ADDRS} addresses")));
    }
    let mut seen = BTreeSet::new();
    for addr in addrs {
        check_addr(object, addr)?;
        if !seen.insert(*addr) {
            return Err(refuse::policy(object, format!("address {addr} is listed twice")));
        }
    }
    Ok(addrs.to_vec())
}

/// Refuses addresses that can never be a name server's: unspecified, loopback, multicast
/// and the IPv4 broadcast address.
fn check_addr(object: &str, addr: &IpAddr) -> Result<(), Refusal> {
    let unusable = addr.is_unspecified()
        || addr.is_loopback()
        || addr.is_multicast()
        || matches!(addr, IpAddr::V4(v4) if v4.is_broadcast());
    if unusable {
        return Err(refuse::policy(object, format!("address {addr} cannot be a name server's")));
    }
    Ok(())
}

fn require_sponsor(ctx: &Ctx<'_>, host: &Host) -> Result<(), Refusal> {
    if ctx.is_operator() || ctx.actor == host.sponsor {
        Ok(())
    } else {
        Err(refuse::authorization(
            &label(&host.name),
            format!("registrar {} is not the sponsor", ctx.actor),
        ))
    }
}

fn require_not_prohibited(
    ctx: &Ctx<'_>,
    host: &Host,
    client: HostStatus,
    server: HostStatus,
    what: &str,
) -> Result<(), Refusal> {
    if ctx.is_operator() {
        return Ok(());
    }
    for (status, name) in [(server, server.name()), (client, client.name())] {
        if host.statuses.contains(&status) {
            return Err(refuse::status(
                &label(&host.name),
                format!("status {name} forbids {what}"),
            ));
        }
    }
    Ok(())
}

/// Updates a host: statuses, addresses, and a rename under the same rules as a create.
///
/// Facts for a rename (ignored otherwise): `new_name_taken` (a host of the new name exists)
/// and `new_superordinate` (the registered domain the new name lies under, if it exists).
/// Domains refer to hosts by name, so on a rename the service rewrites the name-server lists
/// of the domains that use the host (RFC 5732 §3.2.5: a rename changes every delegation).
///
/// `clientUpdateProhibited` lets through only an update that removes it and changes nothing
/// but statuses.
///
/// Refusals: 2201 not the sponsor (or, renaming into a domain, not its sponsor); 2304
/// update prohibited; 2306 a `server*` status from a registrar, a status or address added
/// that is there or removed that is not, addresses on an external host; 2003 a subordinate
/// host left without addresses; name refusals as for [`create`].
pub fn update(
    ctx: &Ctx<'_>,
    host: &Host,
    req: &HostUpdate,
    new_name_taken: bool,
    new_superordinate: Option<&Domain>,
) -> Result<Decision<Host>, Refusal> {
    let object = label(&host.name);
    require_sponsor(ctx, host)?;
    statuses::may_update(ctx, &object, &host.statuses, &req.rem_statuses, req.only_statuses())?;
    let mut next = host.clone();
    statuses::change(ctx, &object, &mut next.statuses, &req.add_statuses, &req.rem_statuses)?;
    for addr in &req.rem_addrs {
        let before = next.addrs.len();
        next.addrs.retain(|listed| listed != addr);
        if next.addrs.len() == before {
            return Err(refuse::policy(&object, format!("address {addr} is not on the host")));
        }
    }
    for addr in &req.add_addrs {
        check_addr(&object, addr)?;
        if next.addrs.contains(addr) {
            return Err(refuse::policy(&object, format!("address {addr} is already on the host")));
        }
        next.addrs.push(*addr);
    }
    if next.addrs.len() > MAX_ADDRS {
        return Err(refuse::policy(&object, format!("more than {MAX_ADDRS} addresses")));
    }
    let name = match &req.new_name {
        Some(new_name) => {
            let new_name = names::check_host_name(new_name)?;
            if new_name != host.name && new_name_taken {
                return Err(refuse::exists(&label(&new_name)));
            }
            new_name
        }
        None => host.name.clone(),
    };
    let superordinate = if req.new_name.is_some() { new_superordinate } else { None };
    if req.new_name.is_some() || !req.add_addrs.is_empty() || !req.rem_addrs.is_empty() {
        let (sponsor, parent) = if req.new_name.is_some() {
            placement(ctx, &name, superordinate, &next.addrs, &host.sponsor)?
        } else {
            check_kept_placement(&object, host, &next.addrs)?
        };
        next.sponsor = sponsor;
        next.superordinate = parent;
        next.name = name;
    }
    next.stamps.touch(ctx.actor, ctx.now);
    Ok(Decision::new(next, "update"))
}

/// Without a rename the host stays where it is; only its address rule applies.
fn check_kept_placement(
    object: &str,
    host: &Host,
    addrs: &[IpAddr],
) -> Result<(String, Option<String>), Refusal> {
    match (&host.superordinate, addrs.is_empty()) {
        (Some(_), true) => {
            Err(refuse::required(object, "a subordinate host needs at least one address"))
        }
        (None, false) => Err(refuse::policy(
            object,
            "an external host takes no addresses (the registry publishes no glue for it)"
                .to_owned(),
        )),
        _ => Ok((host.sponsor.clone(), host.superordinate.clone())),
    }
}

/// Deletes a host. `linked` (a fact from the store): some domain lists it as a name server.
///
/// Refusals: 2201 not the sponsor; 2304 `client`/`serverDeleteProhibited`; 2305 linked.
pub fn delete(ctx: &Ctx<'_>, host: &Host, linked: bool) -> Result<Decision<()>, Refusal> {
    require_sponsor(ctx, host)?;
    require_not_prohibited(
        ctx,
        host,
        HostStatus::ClientDeleteProhibited,
        HostStatus::ServerDeleteProhibited,
        "delete",
    )?;
    if linked {
        return Err(refuse::association(
            &label(&host.name),
            "domains use it as a name server".to_owned(),
        ));
    }
    Ok(Decision::new((), "delete"))
}

/// A subordinate host follows its superordinate domain to the domain's new sponsor (RFC
/// 5732 §1.1: subordinate hosts are provisioned by the domain's sponsor).
pub fn follow_superordinate(host: &Host, new_sponsor: &str, at: OffsetDateTime) -> Decision<Host> {
    let mut moved = host.clone();
    moved.sponsor = new_sponsor.to_owned();
    moved.stamps.touch(super::OPERATOR, at);
    Decision::new(moved, "superordinate_transfer")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::lifecycle::OPERATOR;
    use crate::lifecycle::domain::tests::{T0, created, ctx, policy};

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn req(name: &str, addrs: Vec<IpAddr>) -> HostCreate {
        HostCreate { name: name.to_owned(), addrs }
    }

    fn code_of<T: std::fmt::Debug>(result: Result<T, Refusal>) -> u16 {
        result.unwrap_err().epp_code()
    }

    #[test]
    fn create_subordinate_and_external_hosts() {
        let policy = policy();
        let domain = created(&policy);
        let alpha = ctx(&policy, T0, "alpha");
        let host = create(&alpha, &req("NS1.a.example", vec![v4(1)]), false, Some(&domain), 3)
            .unwrap()
            .state;
        assert_eq!(host.name, "ns1.a.example");
        assert_eq!(host.roid, "H3-EXAMPLE");
        assert_eq!(host.superordinate.as_deref(), Some("a.example"));
        assert_eq!(host.sponsor, "alpha");
        let by_operator = create(
            &ctx(&policy, T0, OPERATOR),
            &req("ns2.a.example", vec![v4(2)]),
            false,
            Some(&domain),
            4,
        )
        .unwrap()
        .state;
        assert_eq!(
            by_operator.sponsor, "alpha",
            "a subordinate host belongs to its domain's sponsor"
        );
        let external =
            create(&ctx(&policy, T0, "beta"), &req("ns.other.net", vec![]), false, None, 5)
                .unwrap()
                .state;
        assert_eq!((external.superordinate, external.sponsor.as_str()), (None, "beta"));
    }

    #[test]
    fn create_refusals() {
        let policy = policy();
        let domain = created(&policy);
        let alpha = ctx(&policy, T0, "alpha");
        let deleted =
            crate::lifecycle::domain::delete(&ctx(&policy, datetime(), "alpha"), &domain, &[])
                .unwrap()
                .state
                .unwrap();
        let cases: Vec<(&Ctx<'_>, HostCreate, bool, Option<&Domain>, u16)> = vec![
            (&alpha, req("ns1.a.example", vec![v4(1)]), true, Some(&domain), 2302),
            (&alpha, req("ns1..a.example", vec![v4(1)]), false, Some(&domain), 2005),
            (&alpha, req("a.example", vec![v4(1)]), false, None, 2306),
            (&alpha, req("ns1.b.example", vec![v4(1)]), false, None, 2303),
            (&alpha, req("ns1.b.example", vec![v4(1)]), false, Some(&domain), 2303),
            (&alpha, req("ns1.a.example", vec![]), false, Some(&domain), 2003),
            (&alpha, req("ns1.a.example", vec![v4(1), v4(1)]), false, Some(&domain), 2306),
            (
                &alpha,
                req("ns1.a.example", vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
                false,
                Some(&domain),
                2306,
            ),
            (
                &alpha,
                req("ns1.a.example", vec![IpAddr::V6(Ipv6Addr::UNSPECIFIED)]),
                false,
                Some(&domain),
                2306,
            ),
            (
                &alpha,
                req("ns1.a.example", vec![IpAddr::V4(Ipv4Addr::BROADCAST)]),
                false,
                Some(&domain),
                2306,
            ),
            (&alpha, req("ns1.a.example", (1..=17).map(v4).collect()), false, Some(&domain), 2306),
            (&alpha, req("ns1.a.example", vec![v4(1)]), false, Some(&deleted), 2304),
            (&alpha, req("ns.other.net", vec![v4(1)]), false, None, 2306),
        ];
        for (ctx, request, taken, superordinate, code) in cases {
            let refusal = create(ctx, &request, taken, superordinate, 1).unwrap_err();
            assert_eq!(refusal.epp_code(), code, "{request:?}: {refusal}");
        }
        let beta = ctx(&policy, T0, "beta");
        assert_eq!(
            code_of(create(&beta, &req("ns1.a.example", vec![v4(1)]), false, Some(&domain), 1)),
            2201
        );
    }

    fn datetime() -> time::OffsetDateTime {
        time::macros::datetime!(2030-06-01 0:00 UTC)
    }

    #[test]
    fn update_addresses_statuses_and_rename() {
        let policy = policy();
        let domain = created(&policy);
        let alpha = ctx(&policy, T0, "alpha");
        let host = create(&alpha, &req("ns1.a.example", vec![v4(1)]), false, Some(&domain), 3)
            .unwrap()
            .state;
        let swap =
            HostUpdate { add_addrs: vec![v4(2)], rem_addrs: vec![v4(1)], ..HostUpdate::default() };
        assert_eq!(update(&alpha, &host, &swap, false, None).unwrap().state.addrs, [v4(2)]);
        let empty = HostUpdate { rem_addrs: vec![v4(1)], ..HostUpdate::default() };
        assert_eq!(code_of(update(&alpha, &host, &empty, false, None)), 2003);
        let again = HostUpdate { add_addrs: vec![v4(1)], ..HostUpdate::default() };
        assert_eq!(code_of(update(&alpha, &host, &again, false, None)), 2306);
        let absent = HostUpdate { rem_addrs: vec![v4(9)], ..HostUpdate::default() };
        assert_eq!(code_of(update(&alpha, &host, &absent, false, None)), 2306);
        assert_eq!(code_of(update(&ctx(&policy, T0, "beta"), &host, &swap, false, None)), 2201);

        // Rename inside the same domain, then out to an external name (dropping addresses).
        let rename =
            |name: &str| HostUpdate { new_name: Some(name.to_owned()), ..HostUpdate::default() };
        let renamed =
            update(&alpha, &host, &rename("ns9.a.example"), false, Some(&domain)).unwrap().state;
        assert_eq!(renamed.name, "ns9.a.example");
        assert_eq!(
            code_of(update(&alpha, &host, &rename("ns9.a.example"), true, Some(&domain))),
            2302
        );
        assert_eq!(code_of(update(&alpha, &host, &rename("ns.other.net"), false, None)), 2306);
        let out = HostUpdate { rem_addrs: vec![v4(1)], ..rename("ns.other.net") };
        let external = update(&alpha, &host, &out, false, None).unwrap().state;
        assert_eq!((external.superordinate, external.addrs.len()), (None, 0));
        // Into a domain someone else sponsors, or one that does not exist.
        let mut other = domain.clone();
        other.name = "b.example".into();
        other.sponsor = "beta".into();
        assert_eq!(
            code_of(update(&alpha, &host, &rename("ns1.b.example"), false, Some(&other))),
            2201
        );
        assert_eq!(code_of(update(&alpha, &host, &rename("ns1.c.example"), false, None)), 2303);
        assert_eq!(code_of(update(&alpha, &host, &rename("c.example"), false, None)), 2306);

        let lock = HostUpdate {
            add_statuses: vec![HostStatus::ClientUpdateProhibited],
            ..HostUpdate::default()
        };
        let locked = update(&alpha, &host, &lock, false, None).unwrap().state;
        assert_eq!(code_of(update(&alpha, &locked, &swap, false, None)), 2304);
        let unlock = HostUpdate {
            rem_statuses: vec![HostStatus::ClientUpdateProhibited],
            ..HostUpdate::default()
        };
        assert!(update(&alpha, &locked, &unlock, false, None).unwrap().state.statuses.is_empty());
        let server = HostUpdate {
            add_statuses: vec![HostStatus::ServerDeleteProhibited],
            ..HostUpdate::default()
        };
        assert_eq!(code_of(update(&alpha, &host, &server, false, None)), 2306);
        let server_locked = update(
            &ctx(&policy, T0, OPERATOR),
            &host,
            &HostUpdate {
                add_statuses: vec![HostStatus::ServerUpdateProhibited],
                ..HostUpdate::default()
            },
            false,
            None,
        )
        .unwrap()
        .state;
        assert_eq!(code_of(update(&alpha, &server_locked, &swap, false, None)), 2304);
    }

    #[test]
    fn delete_rules_and_following_a_transfer() {
        let policy = policy();
        let domain = created(&policy);
        let alpha = ctx(&policy, T0, "alpha");
        let mut host = create(&alpha, &req("ns1.a.example", vec![v4(1)]), false, Some(&domain), 3)
            .unwrap()
            .state;
        assert_eq!(delete(&alpha, &host, false).unwrap().action, "delete");
        assert_eq!(code_of(delete(&alpha, &host, true)), 2305);
        assert_eq!(code_of(delete(&ctx(&policy, T0, "beta"), &host, false)), 2201);
        host.statuses.insert(HostStatus::ClientDeleteProhibited);
        assert_eq!(code_of(delete(&alpha, &host, false)), 2304);
        assert!(delete(&ctx(&policy, T0, OPERATOR), &host, false).is_ok());
        let moved = follow_superordinate(&host, "beta", T0).state;
        assert_eq!(moved.sponsor, "beta");
    }
}
