//! RFC 1034 §4.3.2 inside one zone: exact matches, CNAME chains, DNAME (RFC 6672), wildcards
//! (RFC 4592), referrals with glue, DS from the parent side, and negative answers (RFC 2308).

use std::borrow::Cow;

use nameward_dns::message::rcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::rfc1035::Cname;
use nameward_dns::{Name, Question, Rtype};

use crate::denial::Proofs;
use crate::lower::{MAX_NAME, lower, lower_wire, name_len};
use crate::response::{RecordHead, ResponseBuffer, Section};
use crate::zone::{NodeRef, Rrset, Zone};
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
    Done(Option<Rrset<'z>>),
    /// Follow this name next.
    Follow(Cow<'z, Name>),
    /// Negative: the SOA goes in authority.
    NoData,
    NxDomain,
    /// A referral to this cut.
    Referral(NodeRef<'z>),
    /// A DNAME substitution overflowed the name length (RFC 6672 §2.2).
    YxDomain,
}

/// What the answer is being written with: the zone, whether RRSIGs and denial proofs go in
/// (DO set and the zone signed, RFC 4035 §3.1), and the proofs gathered along the chain, which
/// go in authority once the answer section is complete.
struct Ctx<'z, 'o> {
    zone: &'z Zone,
    dnssec: bool,
    proofs: Proofs,
    out: &'o mut ResponseBuffer,
}

impl Ctx<'_, '_> {
    /// Writes `set` of `node` under `owner`, followed by its RRSIGs when DNSSEC is on (RFC 4035
    /// §3.1.1: in the same section).
    fn put(&mut self, section: Section, owner: &Name, node: &NodeRef<'_>, set: &Rrset<'_>) -> bool {
        let sigs = node.sigs_of(set).filter(|_| self.dnssec);
        let before = self.out.checkpoint();
        let written = put(self.out, section, owner, set);
        if written
            && let Some(sigs) = sigs
            && !put(self.out, section, owner, &sigs)
        {
            // The RRset goes with its RRSIGs or not at all; TC is set (RFC 4035 §3.1.1).
            self.out.restore(before);
            return false;
        }
        written
    }
}

pub(crate) fn resolve(
    zones: &Zones,
    zone: &Zone,
    question: &Question,
    dnssec_ok: bool,
    out: &mut ResponseBuffer,
) -> Resolved {
    let dnssec = dnssec_ok && zone.signed();
    let mut ctx = Ctx { zone, dnssec, proofs: Proofs::default(), out };
    let resolved = resolve_in(&mut ctx, question);
    // NSEC and NSEC3 proofs close the authority section (RFC 4035 §3.1.3).
    let proofs = std::mem::take(&mut ctx.proofs);
    for at in proofs.nodes() {
        let Some(node) = zone.layer(at.base).and_then(|layer| layer.node(at.node)) else {
            continue;
        };
        for rtype in [Rtype::NSEC, Rtype::NSEC3] {
            if let Some(set) = node.rrset(rtype) {
                ctx.put(Section::Authority, node.name(), &node, &set);
            }
        }
    }
    if let Some(hip) = resolved.hip {
        hip_additional(zones, &hip, ctx.out);
    }
    if let Some(cut) = resolved.referral {
        if zone.layered() {
            layered_glue(zone, &cut, ctx.out);
        } else {
            for glue in cut.glue() {
                addresses(ctx.out, &glue);
            }
        }
    }
    Resolved { rcode: resolved.rcode, authoritative: resolved.authoritative }
}

struct Partial<'z> {
    rcode: u16,
    authoritative: bool,
    /// A referral's cut, whose glue goes in additional after the proofs.
    referral: Option<NodeRef<'z>>,
    /// A HIP answer, whose rendezvous servers' addresses go in additional after the proofs.
    hip: Option<Rrset<'z>>,
}

fn resolve_in<'z>(ctx: &mut Ctx<'z, '_>, question: &Question) -> Partial<'z> {
    let done = |rcode| Partial { rcode, authoritative: true, referral: None, hip: None };
    let zone = ctx.zone;
    let qtype = question.qtype;
    let mut name: Cow<'_, Name> = Cow::Borrowed(&question.name);
    // Names already answered for, against CNAME loops; allocates only when a chain exists.
    let mut chain: Vec<Name> = Vec::new();
    let mut buf = [0u8; MAX_NAME];
    for _ in 0..MAX_CHAIN {
        let step = step(ctx, &name, qtype, &mut buf);
        match step {
            Step::Done(set) => {
                let hip = set.filter(|s| s.rtype() == Rtype::HIP && qtype == Rtype::HIP);
                return Partial { hip, ..done(rcode::NOERROR) };
            }
            Step::Follow(next) => {
                let looped = chain.contains(&next) || *next == *name;
                if looped || !next.is_subdomain_of(zone.origin()) || ctx.out.full() {
                    return done(rcode::NOERROR);
                }
                chain.push(name.into_owned());
                name = next;
            }
            Step::NoData | Step::NxDomain => {
                let code = if matches!(step, Step::NxDomain) { rcode::NXDOMAIN } else { 0 };
                negative(ctx);
                return done(code);
            }
            Step::Referral(cut) => {
                referral(ctx, &cut);
                let authoritative = ctx.out.answer_count() > 0;
                return Partial { referral: Some(cut), authoritative, ..done(rcode::NOERROR) };
            }
            Step::YxDomain => return done(YXDOMAIN),
        }
    }
    done(rcode::NOERROR)
}

/// One name of the chain.
fn step<'z>(
    ctx: &mut Ctx<'z, '_>,
    name: &Name,
    qtype: Rtype,
    buf: &mut [u8; MAX_NAME],
) -> Step<'z> {
    let zone = ctx.zone;
    let key = lower(name, buf);
    let Some(found) = zone.find(key) else { return Step::NxDomain };
    let Some(node) = found.node_ref() else { return Step::NxDomain };
    if let Some(stop) = node.above() {
        return stop_at(ctx, stop, name, qtype);
    }
    if found.exact {
        // DS at a cut belongs to the parent side (RFC 4035 §3.1.4.1).
        if node.cut() && qtype != Rtype::DS {
            return Step::Referral(node);
        }
        let step = data(ctx, node, name, qtype);
        if ctx.dnssec && matches!(step, Step::NoData) {
            ctx.proofs.nodata(zone, name, &node);
        }
        return step;
    }
    if node.cut() || node.dname() {
        return stop_at(ctx, node, name, qtype);
    }
    match node.wildcard() {
        // RFC 4592 §3.3.1: the closest encloser's `*` child answers, with the QNAME as owner.
        Some(source) => {
            let step = data(ctx, source, name, qtype);
            if ctx.dnssec {
                match step {
                    Step::NoData => {
                        ctx.proofs.wildcard_nodata(zone, name, &node, &source);
                    }
                    _ => ctx.proofs.wildcard_answer(zone, name, &node),
                }
            }
            step
        }
        None => {
            if ctx.dnssec {
                ctx.proofs.nxdomain(zone, name, &node);
            }
            Step::NxDomain
        }
    }
}

/// A cut or a DNAME above `name`.
fn stop_at<'z>(ctx: &mut Ctx<'z, '_>, stop: NodeRef<'z>, name: &Name, qtype: Rtype) -> Step<'z> {
    if stop.cut() {
        return Step::Referral(stop);
    }
    let Some(set) = stop.rrset(Rtype::DNAME) else { return Step::NxDomain };
    // The RDATA is the target, uncompressed (RFC 6672 §2.1).
    let Some(target) = set.records().next().filter(|t| name_len(t) == Some(t.len())) else {
        return Step::NxDomain;
    };
    ctx.put(Section::Answer, stop.name(), &stop, &set);
    // RFC 6672 §2.2: replace the DNAME owner suffix of the name with the target.
    let prefix_len = name.wire_len().saturating_sub(stop.name().wire_len());
    let prefix = name.as_wire().get(..prefix_len).unwrap_or(&[]);
    let mut wire = Vec::with_capacity(prefix.len() + target.len());
    wire.extend_from_slice(prefix);
    wire.extend_from_slice(target);
    let Ok(target) = Name::from_wire(&wire) else { return Step::YxDomain };
    let cname = RecordData::Cname(Cname { cname: target.clone() });
    // The synthesised CNAME is unsigned (RFC 6672 §5.3.1: the DNAME's RRSIG validates it).
    ctx.out.rrset(Section::Answer, name, Rtype::CNAME, set.class(), set.ttl(), [&cname]);
    // Asked for the CNAME itself: the synthesised one is the answer (RFC 1034 §3.6.2).
    if qtype == Rtype::CNAME {
        return Step::Done(None);
    }
    Step::Follow(Cow::Owned(target))
}

/// The data at `node` for `name` (which differs from the node's own name for a wildcard).
fn data<'z>(ctx: &mut Ctx<'z, '_>, node: NodeRef<'z>, name: &Name, qtype: Rtype) -> Step<'z> {
    if qtype == Rtype::ANY {
        // RRSIGs are not an RRset of their own: they go with the set chosen.
        return match node.rrsets().find(|s| s.rtype() != Rtype::RRSIG) {
            Some(set) => {
                ctx.put(Section::Answer, name, &node, &set);
                Step::Done(Some(set))
            }
            None => Step::NoData,
        };
    }
    if qtype == Rtype::RRSIG {
        // Asked for by type: every RRSIG at the name, each set with its own TTL.
        let mut any = false;
        for sigs in node.all_sigs() {
            any |= put(ctx.out, Section::Answer, name, &sigs);
        }
        return if any { Step::Done(None) } else { Step::NoData };
    }
    if let Some(set) = node.rrset(qtype) {
        ctx.put(Section::Answer, name, &node, &set);
        return Step::Done(Some(set));
    }
    if qtype != Rtype::CNAME
        && let Some(set) = node.rrset(Rtype::CNAME)
        && let Some(cname) = set.first_name()
    {
        ctx.put(Section::Answer, name, &node, &set);
        return Step::Follow(Cow::Borrowed(cname));
    }
    Step::NoData
}

fn put(out: &mut ResponseBuffer, section: Section, owner: &Name, set: &Rrset<'_>) -> bool {
    put_with_ttl(out, section, owner, set, set.ttl())
}

/// [`put`] with another TTL than the set's own.
fn put_with_ttl(
    out: &mut ResponseBuffer,
    section: Section,
    owner: &Name,
    set: &Rrset<'_>,
    ttl: u32,
) -> bool {
    let head = RecordHead { rtype: set.rtype(), class: set.class(), ttl };
    out.rrset_with(section, owner, head, set.records(), |w, record| set.write_rdata(w, record))
}

/// The apex SOA with the negative TTL (RFC 2308 §3), and its RRSIGs with the same TTL when
/// DNSSEC is on (RFC 4035 §3.1.3).
fn negative(ctx: &mut Ctx<'_, '_>) {
    let Some(apex) = ctx.zone.apex() else { return };
    let Some(soa) = apex.rrset(Rtype::SOA) else { return };
    let ttl = ctx.zone.negative_ttl();
    let out = &mut *ctx.out;
    let before = out.checkpoint();
    let written = put_with_ttl(out, Section::Authority, apex.name(), &soa, ttl);
    if written
        && ctx.dnssec
        && let Some(sigs) = apex.sigs_of(&soa)
        && !put_with_ttl(out, Section::Authority, apex.name(), &sigs, ttl)
    {
        out.restore(before);
    }
}

/// NS of the cut in authority and, when DNSSEC is on, its DS with RRSIGs or the proof that it
/// has none (RFC 4035 §3.1.4); glue goes in additional later, unsigned.
fn referral(ctx: &mut Ctx<'_, '_>, cut: &NodeRef<'_>) {
    let Some(ns) = cut.rrset(Rtype::NS) else { return };
    put(ctx.out, Section::Authority, cut.name(), &ns);
    if !ctx.dnssec {
        return;
    }
    match cut.rrset(Rtype::DS) {
        Some(ds) => {
            ctx.put(Section::Authority, cut.name(), cut, &ds);
        }
        None => ctx.proofs.nodata(ctx.zone, cut.name(), cut),
    }
}

/// The glue of a referral in a layered zone, looked up name by name: the cut and the name
/// servers it names may lie in different layers (a delegation changed over a base whose glue
/// did not, or the reverse), so the links worked out when each layer was compiled do not hold.
fn layered_glue(zone: &Zone, cut: &NodeRef<'_>, out: &mut ResponseBuffer) {
    let Some(ns) = cut.rrset(Rtype::NS) else { return };
    let mut buf = [0u8; MAX_NAME];
    for record in ns.records() {
        let Some(target) = ns.name_in(record) else { continue };
        if !target.is_subdomain_of(zone.origin()) {
            continue;
        }
        let key = lower(target, &mut buf);
        if let Some(node) = zone.find(key).filter(|f| f.exact).and_then(|f| f.node_ref()) {
            addresses(out, &node);
        }
    }
}

/// A and AAAA of `node` in additional, where they fit.
fn addresses(out: &mut ResponseBuffer, node: &NodeRef<'_>) {
    for rtype in [Rtype::A, Rtype::AAAA] {
        if let Some(set) = node.rrset(rtype) {
            put(out, Section::Additional, node.name(), &set);
        }
    }
}

/// RFC 5205 §4.2 (rendezvous servers as additional data): the A and AAAA records of every RVS
/// name of the HIP RRset that a zone of ours holds authoritatively, in RVS order, once each.
fn hip_additional(zones: &Zones, set: &Rrset<'_>, out: &mut ResponseBuffer) {
    let mut buf = [0u8; MAX_NAME];
    let rvs_names = set.records().flat_map(rendezvous_servers);
    for (i, rvs) in rvs_names.clone().enumerate() {
        if rvs_names.clone().take(i).any(|earlier| earlier.eq_ignore_ascii_case(rvs)) {
            continue;
        }
        let key = lower_wire(rvs, &mut buf);
        let Some(zone) = zones.find_lower(key, false) else { continue };
        let Some(found) = zone.find(key).filter(|f| f.exact) else { continue };
        let Some(node) = found.node_ref() else { continue };
        if node.above().is_none() && !node.cut() {
            addresses(out, &node);
        }
    }
}

/// The rendezvous server names of one HIP RDATA, in wire form (RFC 8005 §5: HIT length, PK
/// algorithm, PK length, HIT, public key, then the names, uncompressed).
fn rendezvous_servers(rdata: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    let names = match *rdata {
        [hit_len, _, pk_hi, pk_lo, ..] => {
            let skip = 4 + usize::from(hit_len) + usize::from(u16::from_be_bytes([pk_hi, pk_lo]));
            rdata.get(skip..).unwrap_or(&[])
        }
        _ => &[],
    };
    let mut rest = names;
    std::iter::from_fn(move || {
        let len = name_len(rest)?;
        let (name, after) = rest.split_at_checked(len)?;
        rest = after;
        Some(name)
    })
}
