//! RFC 1034 §4.3.2 inside one zone: exact matches, CNAME chains, DNAME (RFC 6672), wildcards
//! (RFC 4592), referrals with glue, DS from the parent side, and negative answers (RFC 2308).

use std::borrow::Cow;

use nameward_dns::message::rcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::rfc1035::Cname;
use nameward_dns::{Name, Question, Rtype};

use crate::lower::{MAX_NAME, lower};
use crate::response::{ResponseBuffer, Section};
use crate::zone::{Node, Rrset, Zone};
use crate::zones::Zones;

/// Most CNAME and DNAME steps followed for one query; a longer chain is answered as far as it
/// got, which RFC 1034 §3.6.2 leaves to the resolver.
const MAX_CHAIN: usize = 16;

/// RFC 6672 §2.2 (not among nameward-dns's rcode constants).
const YXDOMAIN: u16 = 6;

/// How resolution ended.
pub(crate) struct Resolved {
    pub(crate) rcode: u16,
    pub(crate) authoritative: bool,
}

enum Step<'z> {
    /// Answered, with this RRset when it came from the zone.
    Done(Option<&'z Rrset>),
    /// Follow this name next.
    Follow(Cow<'z, Name>),
    /// Negative: the SOA goes in authority.
    NoData,
    NxDomain,
    /// A referral to this cut.
    Referral(&'z Node),
    /// A DNAME substitution overflowed the name length (RFC 6672 §2.2).
    YxDomain,
}

pub(crate) fn resolve(
    zones: &Zones,
    zone: &Zone,
    question: &Question,
    dnssec_ok: bool,
    out: &mut ResponseBuffer,
) -> Resolved {
    let qtype = question.qtype;
    let mut name: Cow<'_, Name> = Cow::Borrowed(&question.name);
    // Names already answered for, against CNAME loops; allocates only when a chain exists.
    let mut chain: Vec<Name> = Vec::new();
    let mut buf = [0u8; MAX_NAME];
    for _ in 0..MAX_CHAIN {
        let step = step(zone, &name, qtype, &mut buf, out);
        match step {
            Step::Done(set) => {
                if let Some(set) = set.filter(|s| s.rtype == Rtype::HIP && qtype == Rtype::HIP) {
                    hip_additional(zones, set, out);
                }
                return Resolved { rcode: rcode::NOERROR, authoritative: true };
            }
            Step::Follow(next) => {
                let looped = chain.contains(&next) || *next == *name;
                if looped || !next.is_subdomain_of(zone.origin()) || out.full() {
                    return Resolved { rcode: rcode::NOERROR, authoritative: true };
                }
                chain.push(name.into_owned());
                name = next;
            }
            Step::NoData | Step::NxDomain => {
                let code = if matches!(step, Step::NxDomain) { rcode::NXDOMAIN } else { 0 };
                negative(zone, out);
                return Resolved { rcode: code, authoritative: true };
            }
            Step::Referral(cut) => {
                referral(zone, cut, dnssec_ok, out);
                let authoritative = out.answer_count() > 0;
                return Resolved { rcode: rcode::NOERROR, authoritative };
            }
            Step::YxDomain => return Resolved { rcode: YXDOMAIN, authoritative: true },
        }
    }
    Resolved { rcode: rcode::NOERROR, authoritative: true }
}

/// One name of the chain.
fn step<'z>(
    zone: &'z Zone,
    name: &Name,
    qtype: Rtype,
    buf: &mut [u8; MAX_NAME],
    out: &mut ResponseBuffer,
) -> Step<'z> {
    let key = lower(name, buf);
    let Some(found) = zone.find(key) else { return Step::NxDomain };
    let Some(node) = zone.node(found.node) else { return Step::NxDomain };
    if let Some(stop) = node.above.and_then(|id| zone.node(id)) {
        return stop_at(stop, name, qtype, out);
    }
    if found.exact {
        // DS at a cut belongs to the parent side (RFC 4035 §3.1.4.1).
        if node.cut && qtype != Rtype::DS {
            return Step::Referral(node);
        }
        return data(node, name, qtype, out);
    }
    if node.cut || node.dname {
        return stop_at(node, name, qtype, out);
    }
    match node.wildcard.and_then(|id| zone.node(id)) {
        // RFC 4592 §3.3.1: the closest encloser's `*` child answers, with the QNAME as owner.
        Some(source) => data(source, name, qtype, out),
        None => Step::NxDomain,
    }
}

/// A cut or a DNAME above `name`.
fn stop_at<'z>(stop: &'z Node, name: &Name, qtype: Rtype, out: &mut ResponseBuffer) -> Step<'z> {
    if stop.cut {
        return Step::Referral(stop);
    }
    let Some(set) = stop.rrset(Rtype::DNAME) else { return Step::NxDomain };
    let Some(RecordData::Dname(dname)) = set.data.first() else { return Step::NxDomain };
    put(out, Section::Answer, &stop.name, set);
    // RFC 6672 §2.2: replace the DNAME owner suffix of the name with the target.
    let prefix_len = name.wire_len().saturating_sub(stop.name.wire_len());
    let prefix = name.as_wire().get(..prefix_len).unwrap_or(&[]);
    let mut wire = Vec::with_capacity(prefix.len() + dname.target.wire_len());
    wire.extend_from_slice(prefix);
    wire.extend_from_slice(dname.target.as_wire());
    let Ok(target) = Name::from_wire(&wire) else { return Step::YxDomain };
    let cname = RecordData::Cname(Cname { cname: target.clone() });
    out.rrset(Section::Answer, name, Rtype::CNAME, set.class, set.ttl, [&cname]);
    // Asked for the CNAME itself: the synthesised one is the answer (RFC 1034 §3.6.2).
    if qtype == Rtype::CNAME {
        return Step::Done(None);
    }
    Step::Follow(Cow::Owned(target))
}

/// The data at `node` for `name` (which differs from the node's own name for a wildcard).
fn data<'z>(node: &'z Node, name: &Name, qtype: Rtype, out: &mut ResponseBuffer) -> Step<'z> {
    if qtype == Rtype::ANY {
        return match node.rrsets.first() {
            Some(set) => {
                put(out, Section::Answer, name, set);
                Step::Done(Some(set))
            }
            None => Step::NoData,
        };
    }
    if let Some(set) = node.rrset(qtype) {
        put(out, Section::Answer, name, set);
        return Step::Done(Some(set));
    }
    if qtype != Rtype::CNAME
        && let Some(set) = node.rrset(Rtype::CNAME)
        && let Some(RecordData::Cname(cname)) = set.data.first()
    {
        put(out, Section::Answer, name, set);
        return Step::Follow(Cow::Borrowed(&cname.cname));
    }
    Step::NoData
}

fn put(out: &mut ResponseBuffer, section: Section, owner: &Name, set: &Rrset) -> bool {
    if set.wire.is_empty() {
        out.rrset(section, owner, set.rtype, set.class, set.ttl, &set.data)
    } else {
        out.rrset_wire(section, owner, &set.wire)
    }
}

/// The apex SOA with the negative TTL (RFC 2308 §3).
fn negative(zone: &Zone, out: &mut ResponseBuffer) {
    let Some(apex) = zone.apex() else { return };
    let Some(soa) = apex.rrset(Rtype::SOA) else { return };
    let ttl = zone.negative_ttl();
    out.rrset(Section::Authority, &apex.name, Rtype::SOA, soa.class, ttl, &soa.data);
}

/// NS of the cut in authority (with its DS when DNSSEC was asked of a signed zone), glue in
/// additional.
fn referral(zone: &Zone, cut: &Node, dnssec_ok: bool, out: &mut ResponseBuffer) {
    let Some(ns) = cut.rrset(Rtype::NS) else { return };
    put(out, Section::Authority, &cut.name, ns);
    if dnssec_ok
        && zone.signed()
        && let Some(ds) = cut.rrset(Rtype::DS)
    {
        put(out, Section::Authority, &cut.name, ds);
    }
    for glue in cut.glue.iter().filter_map(|&id| zone.node(id)) {
        addresses(out, glue);
    }
}

/// A and AAAA of `node` in additional, where they fit.
fn addresses(out: &mut ResponseBuffer, node: &Node) {
    for rtype in [Rtype::A, Rtype::AAAA] {
        if let Some(set) = node.rrset(rtype) {
            put(out, Section::Additional, &node.name, set);
        }
    }
}

/// RFC 5205 §4.2 (rendezvous servers as additional data): the A and AAAA records of every RVS
/// name of the HIP RRset that a zone of ours holds authoritatively, in RVS order, once each.
fn hip_additional(zones: &Zones, set: &Rrset, out: &mut ResponseBuffer) {
    let mut buf = [0u8; MAX_NAME];
    let rvs_names = set.data.iter().flat_map(|d| match d {
        RecordData::Hip(hip) => hip.rendezvous_servers.as_slice(),
        _ => &[],
    });
    for (i, rvs) in rvs_names.clone().enumerate() {
        if rvs_names.clone().take(i).any(|earlier| earlier == rvs) {
            continue;
        }
        let key = lower(rvs, &mut buf);
        let Some(zone) = zones.find_lower(key, false) else { continue };
        let Some(found) = zone.find(key).filter(|f| f.exact) else { continue };
        let Some(node) = zone.node(found.node) else { continue };
        if node.above.is_none() && !node.cut {
            addresses(out, node);
        }
    }
}
