//! Proofs that a name or type does not exist: NSEC (RFC 4035 §5.4, RFC 6840 §4.1) and NSEC3
//! closest-encloser proofs (RFC 5155 §8.3–8.8). Every NSEC and NSEC3 RRset used is first
//! verified with the zone's keys; every NSEC3 hash is counted against the lookup's limit.

use std::cmp::Ordering;

use super::{Finding, Run, SecureZone, Step, Stop, rrset};
use crate::dnssec::nsec3::{SHA1, hash_of_owner, nsec3_hash};
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Nsec, TypeBitmap};
use crate::rdata::rfc5155::Nsec3;
use crate::record::Record;
use crate::rtype::Rtype;

use super::keys::Cut;

/// The NSEC and NSEC3 records of an authority section. Each RRset is verified with the zone's
/// keys when a proof first uses it, so records a proof does not need cost no signature checks.
struct Proofs<'a> {
    authority: &'a [Record],
    zone: &'a SecureZone,
    nsec: Vec<(Name, Nsec)>,
    /// The hash from the owner name, the owner and the record.
    nsec3: Vec<(Vec<u8>, Name, Nsec3)>,
    verified: Vec<(Name, Rtype)>,
    hasher: Option<Hasher>,
}

/// The NSEC3 parameters of the proof, and the hashes computed so far.
struct Hasher {
    salt: Vec<u8>,
    iterations: u16,
    cache: Vec<(Name, [u8; 20])>,
}

/// Gathers the NSEC and NSEC3 records of `authority` that lie in the zone. NSEC3 parameters
/// come from the first NSEC3 RRset, verified first: an unsupported hash or more iterations
/// than [`super::Limits::max_iterations`] make the answer insecure (as BIND does).
fn proofs<'a>(
    run: &mut Run<'_>,
    zone: &'a SecureZone,
    authority: &'a [Record],
) -> Step<Proofs<'a>> {
    let mut proofs = Proofs {
        authority,
        zone,
        nsec: Vec::new(),
        nsec3: Vec::new(),
        verified: Vec::new(),
        hasher: None,
    };
    for record in authority {
        if !record.owner.is_subdomain_of(&zone.apex) {
            continue;
        }
        match &record.data {
            RecordData::Nsec(nsec) => proofs.nsec.push((record.owner.clone(), nsec.clone())),
            RecordData::Nsec3(nsec3) if record.owner.parent().as_ref() == Some(&zone.apex) => {
                if let Some(hash) = hash_of_owner(&record.owner) {
                    proofs.nsec3.push((hash, record.owner.clone(), nsec3.clone()));
                }
            }
            _ => {}
        }
    }
    if let Some((_, owner, first)) = proofs.nsec3.first() {
        let (algorithm, iterations, salt) =
            (first.hash_algorithm, first.iterations, first.salt.clone());
        let owner = owner.clone();
        proofs.verify(run, &owner, Rtype::NSEC3)?;
        if algorithm != SHA1 {
            return Err(Stop::Insecure(Finding::new(
                &owner,
                Rtype::NSEC3,
                format!("NSEC3 hash algorithm {algorithm} is not supported"),
            )));
        }
        if iterations > run.limits().max_iterations {
            return Err(Stop::Insecure(Finding::new(
                &owner,
                Rtype::NSEC3,
                format!(
                    "NSEC3 with {iterations} iterations, more than the {} validated",
                    run.limits().max_iterations
                ),
            )));
        }
        proofs.nsec3.retain(|(_, _, n)| {
            n.hash_algorithm == algorithm && n.iterations == iterations && n.salt == salt
        });
        proofs.hasher = Some(Hasher { salt, iterations, cache: Vec::new() });
    }
    Ok(proofs)
}

impl Proofs<'_> {
    fn verify(&mut self, run: &mut Run<'_>, owner: &Name, rtype: Rtype) -> Step<()> {
        if self.verified.iter().any(|(o, t)| o == owner && *t == rtype) {
            return Ok(());
        }
        rrset::verify(run, self.zone, self.authority, owner, rtype)?;
        self.verified.push((owner.clone(), rtype));
        Ok(())
    }

    fn hash(&mut self, run: &mut Run<'_>, name: &Name) -> Step<Option<[u8; 20]>> {
        let Some(hasher) = &mut self.hasher else { return Ok(None) };
        if let Some((_, hash)) = hasher.cache.iter().find(|(n, _)| n == name) {
            return Ok(Some(*hash));
        }
        if run.work.hashes >= run.limits().hashes_per_lookup {
            return Err(Stop::Bogus(Finding::new(
                name,
                Rtype::NSEC3,
                format!("more than {} NSEC3 hashes for one lookup", run.limits().hashes_per_lookup),
            )));
        }
        run.work.hashes += 1;
        let hash = nsec3_hash(name, &hasher.salt, hasher.iterations);
        hasher.cache.push((name.clone(), hash));
        Ok(Some(hash))
    }

    /// The verified NSEC3 at `index`.
    fn nsec3_at(&mut self, run: &mut Run<'_>, index: Option<usize>) -> Step<Option<Nsec3>> {
        let Some((_, owner, nsec3)) = index.and_then(|i| self.nsec3.get(i)).cloned() else {
            return Ok(None);
        };
        self.verify(run, &owner, Rtype::NSEC3)?;
        Ok(Some(nsec3))
    }

    fn nsec3_matching(&mut self, run: &mut Run<'_>, name: &Name) -> Step<Option<Nsec3>> {
        let Some(hash) = self.hash(run, name)? else { return Ok(None) };
        let index = self.nsec3.iter().position(|(owner, _, _)| owner[..] == hash[..]);
        self.nsec3_at(run, index)
    }

    fn nsec3_covering(&mut self, run: &mut Run<'_>, name: &Name) -> Step<Option<Nsec3>> {
        let Some(hash) = self.hash(run, name)? else { return Ok(None) };
        let index = self
            .nsec3
            .iter()
            .position(|(owner, _, n)| covers(owner, &n.next_hashed_owner, &hash[..]));
        self.nsec3_at(run, index)
    }

    fn nsec_matching(&mut self, run: &mut Run<'_>, name: &Name) -> Step<Option<Nsec>> {
        let Some(nsec) = self.nsec.iter().find(|(owner, _)| owner == name).map(|(_, n)| n.clone())
        else {
            return Ok(None);
        };
        self.verify(run, name, Rtype::NSEC)?;
        Ok(Some(nsec))
    }

    /// An NSEC that proves `name` absent: it lies between owner and next, and the NSEC is not
    /// at a cut or DNAME above it (RFC 6840 §4.1: such an NSEC never denies below it).
    fn nsec_covering(&mut self, run: &mut Run<'_>, name: &Name) -> Step<Option<(Name, Nsec)>> {
        let found = self
            .nsec
            .iter()
            .find(|(owner, nsec)| {
                name_covers(owner, &nsec.next, name)
                    && !(name.is_subdomain_of(owner) && blocks_below(&nsec.types))
            })
            .cloned();
        let Some((owner, nsec)) = found else { return Ok(None) };
        self.verify(run, &owner, Rtype::NSEC)?;
        Ok(Some((owner, nsec)))
    }

    /// RFC 5155 §8.3: the closest encloser of `name` and whether the NSEC3 covering the next
    /// closer name is opt-out. `None` when no proof is there (or `name` itself matches).
    fn closest_encloser(&mut self, run: &mut Run<'_>, name: &Name) -> Step<Option<(Name, bool)>> {
        let apex = self.zone.apex.clone();
        let mut next_closer: Option<Name> = None;
        let mut candidate = name.clone();
        while candidate.is_subdomain_of(&apex) {
            if let Some(found) = self.nsec3_matching(run, &candidate)? {
                if found.types.contains(Rtype::DNAME) || blocks_below(&found.types) {
                    return Err(Stop::Bogus(Finding::new(
                        &candidate,
                        Rtype::NSEC3,
                        "the closest encloser's NSEC3 is at a delegation or DNAME, which proves \
                         nothing below it",
                    )));
                }
                let Some(next) = next_closer else { return Ok(None) };
                return Ok(self
                    .nsec3_covering(run, &next)?
                    .map(|covering| (candidate.clone(), covering.flags & Nsec3::OPT_OUT != 0)));
            }
            next_closer = Some(candidate.clone());
            match candidate.parent() {
                Some(parent) => candidate = parent,
                None => break,
            }
        }
        Ok(None)
    }
}

/// An NS without SOA (a delegation) or a DNAME: nothing below the owner is denied by it.
fn blocks_below(types: &TypeBitmap) -> bool {
    (types.contains(Rtype::NS) && !types.contains(Rtype::SOA)) || types.contains(Rtype::DNAME)
}

/// `value` lies strictly between `owner` and `next` in a ring (the last record wraps).
fn covers(owner: &[u8], next: &[u8], value: &[u8]) -> bool {
    if owner < next { owner < value && value < next } else { value > owner || value < next }
}

fn name_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    let after_owner = owner.canonical_cmp(name) == Ordering::Less;
    let before_next = name.canonical_cmp(next) == Ordering::Less;
    if owner.canonical_cmp(next) == Ordering::Less {
        after_owner && before_next
    } else {
        after_owner || before_next
    }
}

/// The longest common ancestor of two names.
fn common_ancestor(a: &Name, b: &Name) -> Name {
    let mut at = a.clone();
    while !b.is_subdomain_of(&at) {
        match at.parent() {
            Some(parent) => at = parent,
            None => break,
        }
    }
    at
}

/// The closest encloser an NSEC covering `name` shows: the longer of its common ancestors
/// with the NSEC's owner and next name (RFC 4592 §3.3.1).
fn nsec_encloser(name: &Name, owner: &Name, next: &Name) -> Name {
    let by_owner = common_ancestor(name, owner);
    let by_next = common_ancestor(name, next);
    if by_owner.label_count() >= by_next.label_count() { by_owner } else { by_next }
}

fn wildcard_of(name: &Name) -> Option<Name> {
    name.prepend(b"*").ok()
}

fn bogus(name: &Name, rtype: Rtype, what: &str) -> Stop {
    Stop::Bogus(Finding::new(name, rtype, what))
}

/// Proves that `name` does not exist (NXDOMAIN): no name matches it and no wildcard could.
pub(crate) fn nxdomain(
    run: &mut Run<'_>,
    zone: &SecureZone,
    authority: &[Record],
    name: &Name,
    rtype: Rtype,
) -> Step<()> {
    let mut proofs = proofs(run, zone, authority)?;
    if !proofs.nsec.is_empty() {
        let Some((owner, nsec)) = proofs.nsec_covering(run, name)? else {
            return Err(bogus(name, rtype, "NXDOMAIN, but no NSEC proves the name absent"));
        };
        let encloser = nsec_encloser(name, &owner, &nsec.next);
        let Some(wildcard) = wildcard_of(&encloser) else {
            return Err(bogus(name, rtype, "NXDOMAIN: the wildcard name is too long"));
        };
        if proofs.nsec_matching(run, &wildcard)?.is_some()
            || proofs.nsec_covering(run, &wildcard)?.is_none()
        {
            return Err(bogus(
                name,
                rtype,
                &format!("NXDOMAIN, but no NSEC proves the wildcard {wildcard} absent"),
            ));
        }
        return Ok(());
    }
    if proofs.hasher.is_none() {
        return Err(bogus(name, rtype, "NXDOMAIN without an NSEC or NSEC3 proof"));
    }
    // An opt-out span covering the next closer name still proves NXDOMAIN: BIND (delv) calls
    // it fully validated, and nameward agrees.
    let Some((encloser, _opt_out)) = proofs.closest_encloser(run, name)? else {
        return Err(bogus(name, rtype, "NXDOMAIN without an NSEC3 closest encloser proof"));
    };
    let Some(wildcard) = wildcard_of(&encloser) else {
        return Err(bogus(name, rtype, "NXDOMAIN: the wildcard name is too long"));
    };
    if proofs.nsec3_covering(run, &wildcard)?.is_none() {
        return Err(bogus(
            name,
            rtype,
            &format!("NXDOMAIN, but no NSEC3 proves the wildcard {wildcard} absent"),
        ));
    }
    Ok(())
}

/// Why a type is absent at a matching NSEC or NSEC3: `None` when its bitmap does deny `rtype`.
fn bitmap_denies(types: &TypeBitmap, rtype: Rtype) -> Option<&'static str> {
    if types.contains(rtype) || types.contains(Rtype::CNAME) {
        return Some("the NSEC/NSEC3 at the name lists the type (or a CNAME)");
    }
    let delegation = types.contains(Rtype::NS) && !types.contains(Rtype::SOA);
    if delegation && rtype != Rtype::DS {
        return Some("the NSEC/NSEC3 at the name is the parent's, at a delegation");
    }
    if types.contains(Rtype::SOA) && rtype == Rtype::DS {
        return Some("the NSEC/NSEC3 denying DS is the child zone's apex");
    }
    None
}

/// Proves that `name` exists without `rtype` (NODATA).
pub(crate) fn nodata(
    run: &mut Run<'_>,
    zone: &SecureZone,
    authority: &[Record],
    name: &Name,
    rtype: Rtype,
) -> Step<()> {
    let mut proofs = proofs(run, zone, authority)?;
    if !proofs.nsec.is_empty() {
        if let Some(nsec) = proofs.nsec_matching(run, name)? {
            return match bitmap_denies(&nsec.types, rtype) {
                None => Ok(()),
                Some(why) => Err(bogus(name, rtype, why)),
            };
        }
        let Some((owner, nsec)) = proofs.nsec_covering(run, name)? else {
            return Err(bogus(name, rtype, "NODATA, but no NSEC matches or covers the name"));
        };
        // An empty non-terminal: the next name lies below it (RFC 4035 §5.4).
        if nsec.next.is_subdomain_of(name) && nsec.next != *name {
            return Ok(());
        }
        let encloser = nsec_encloser(name, &owner, &nsec.next);
        let wildcard = wildcard_of(&encloser);
        let matched = match &wildcard {
            Some(w) => proofs.nsec_matching(run, w)?,
            None => None,
        };
        return match matched {
            Some(nsec) if bitmap_denies(&nsec.types, rtype).is_none() => Ok(()),
            _ => Err(bogus(name, rtype, "NODATA, but no NSEC proves the type absent")),
        };
    }
    if proofs.hasher.is_none() {
        return Err(bogus(name, rtype, "NODATA without an NSEC or NSEC3 proof"));
    }
    if let Some(nsec3) = proofs.nsec3_matching(run, name)? {
        return match bitmap_denies(&nsec3.types, rtype) {
            None => Ok(()),
            Some(why) => Err(bogus(name, rtype, why)),
        };
    }
    let Some((encloser, opt_out)) = proofs.closest_encloser(run, name)? else {
        return Err(bogus(
            name,
            rtype,
            "NODATA without a matching NSEC3 or closest encloser proof",
        ));
    };
    if rtype == Rtype::DS && opt_out {
        return Err(Stop::Insecure(opt_out_finding(name)));
    }
    let wildcard = wildcard_of(&encloser);
    let matched = match &wildcard {
        Some(w) => proofs.nsec3_matching(run, w)?,
        None => None,
    };
    match matched {
        Some(nsec3) if bitmap_denies(&nsec3.types, rtype).is_none() => Ok(()),
        _ => Err(bogus(name, rtype, "NODATA, but no NSEC3 proves the type absent")),
    }
}

fn opt_out_finding(name: &Name) -> Finding {
    Finding::new(
        name,
        Rtype::DS,
        "covered by an NSEC3 opt-out span: an unsigned delegation (RFC 5155 §6)",
    )
}

/// Reads the proof that `name` has no DS: an unsigned delegation (insecure below it), or a
/// name that is not a cut at all.
pub(crate) fn ds_absent(
    run: &mut Run<'_>,
    zone: &SecureZone,
    authority: &[Record],
    name: &Name,
) -> Step<Cut> {
    let mut proofs = proofs(run, zone, authority)?;
    let types = match proofs.nsec_matching(run, name)? {
        Some(nsec) => Some(nsec.types),
        None if proofs.nsec.is_empty() => proofs.nsec3_matching(run, name)?.map(|n| n.types),
        None => None,
    };
    if let Some(types) = types {
        if let Some(why) = bitmap_denies(&types, Rtype::DS) {
            return Err(bogus(name, Rtype::DS, why));
        }
        if types.contains(Rtype::NS) {
            return Err(Stop::Insecure(Finding::new(
                name,
                Rtype::DS,
                "an unsigned delegation: the parent proves it has no DS",
            )));
        }
        return Ok(Cut::None);
    }
    if proofs.nsec.is_empty()
        && proofs.hasher.is_some()
        && let Some((_, true)) = proofs.closest_encloser(run, name)?
    {
        return Err(Stop::Insecure(opt_out_finding(name)));
    }
    nodata(run, zone, authority, name, Rtype::DS).map(|()| Cut::None)
}

/// Proves that an answer expanded from a wildcard was not hiding the name itself (RFC 4035
/// §5.3.4, RFC 5155 §8.8): the name, or its next closer name, is covered.
pub(crate) fn wildcard_expansion(
    run: &mut Run<'_>,
    zone: &SecureZone,
    authority: &[Record],
    name: &Name,
    rtype: Rtype,
    labels: u8,
) -> Step<()> {
    let mut proofs = proofs(run, zone, authority)?;
    if !proofs.nsec.is_empty() {
        return match proofs.nsec_covering(run, name)? {
            Some(_) => Ok(()),
            None => Err(bogus(
                name,
                rtype,
                "a wildcard answer without the NSEC proving the name absent",
            )),
        };
    }
    let mut next_closer = name.clone();
    while next_closer.label_count() > usize::from(labels) + 1 {
        match next_closer.parent() {
            Some(parent) => next_closer = parent,
            None => break,
        }
    }
    match proofs.nsec3_covering(run, &next_closer)? {
        Some(nsec3) if nsec3.flags & Nsec3::OPT_OUT != 0 => Err(Stop::Insecure(Finding::new(
            name,
            rtype,
            "a wildcard answer whose proof is an NSEC3 opt-out span",
        ))),
        Some(_) => Ok(()),
        None => Err(bogus(
            name,
            rtype,
            "a wildcard answer without the NSEC3 covering the next closer name",
        )),
    }
}
