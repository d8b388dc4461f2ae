//! The data an RRSIG signs (RFC 4034 §3.1.8.1): the RRSIG RDATA without its signature, then each
//! RR of the RRset in canonical form (§6.2) and canonical order (§6.3).
//!
//! Everything is written into a buffer the caller owns and reuses from RRset to RRset; the only
//! input is the RDATA already in canonical form (names lower-cased for the §6.2 types, never
//! NSEC's next name: RFC 6840 §5.1), which [`crate::store::ZoneStore`] keeps for every record
//! and [`canonical_rdata`] makes for the others.

use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::Rrsig;
use crate::rtype::Class;
use crate::wire::{WireMode, Writer};

/// The RRSIG Labels field for an owner: its labels without the root and without a leading `*`
/// (RFC 4034 §3.1.3).
pub fn rrsig_labels(owner: &Name) -> u8 {
    let count = owner.label_count() - usize::from(owner.is_wildcard());
    // A name of at most 255 octets has at most 127 labels.
    count.min(255) as u8
}

/// Writes the data `fields` signs for an RRset into `out` (cleared first). Of `fields`, the
/// RRSIG, everything but the signature is used: a signer fills the signature in afterwards.
///
/// `rdata` holds each record's RDATA in canonical form; it is sorted here (RFC 4034 §6.3) and
/// repeated RDATA is signed once. When `fields.labels` is less than the owner's label count,
/// the owner is the wildcard the RRset was expanded from (RFC 4035 §5.3.2).
pub fn signed_data(
    out: &mut Vec<u8>,
    fields: &Rrsig,
    owner: &Name,
    class: Class,
    rdata: &mut [&[u8]],
) {
    out.clear();
    // The RRSIG RDATA as `Rrsig`'s canonical encoding writes it, without the signature.
    out.extend_from_slice(&fields.type_covered.0.to_be_bytes());
    out.push(fields.algorithm);
    out.push(fields.labels);
    out.extend_from_slice(&fields.original_ttl.to_be_bytes());
    out.extend_from_slice(&fields.expiration.to_be_bytes());
    out.extend_from_slice(&fields.inception.to_be_bytes());
    out.extend_from_slice(&fields.key_tag.to_be_bytes());
    out.extend(fields.signer.as_wire().iter().map(u8::to_ascii_lowercase));
    let header_at = out.len();
    write_owner(out, owner, fields.labels);
    let owner_len = out.len() - header_at;
    out.extend_from_slice(&fields.type_covered.0.to_be_bytes());
    out.extend_from_slice(&class.0.to_be_bytes());
    out.extend_from_slice(&fields.original_ttl.to_be_bytes());
    let header_len = owner_len + 8;
    if !rdata.is_sorted() {
        rdata.sort_unstable();
    }
    let mut previous: Option<&[u8]> = None;
    for (i, data) in rdata.iter().enumerate() {
        if previous == Some(*data) {
            continue;
        }
        previous = Some(data);
        if i > 0 {
            out.extend_from_within(header_at..header_at + header_len);
        }
        // RDATA longer than 65535 octets cannot be in a zone; the store refuses it.
        out.extend_from_slice(&(data.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        out.extend_from_slice(data);
    }
}

/// The owner as signed: lower-cased, or `*.` and its rightmost `labels` labels when the RRSIG
/// has fewer labels than the owner.
fn write_owner(out: &mut Vec<u8>, owner: &Name, labels: u8) {
    let count = owner.label_count();
    let labels = usize::from(labels);
    if labels >= count {
        out.extend(owner.as_wire().iter().map(u8::to_ascii_lowercase));
        return;
    }
    out.extend_from_slice(b"\x01*");
    let wire = owner.as_wire();
    let mut at = 0usize;
    for _ in 0..count - labels {
        at += usize::from(wire.get(at).copied().unwrap_or(0)) + 1;
    }
    out.extend(wire.get(at..).unwrap_or(&[0]).iter().map(u8::to_ascii_lowercase));
}

/// RDATA in canonical form, appended to `out`; returns its range there.
pub fn canonical_rdata(out: &mut Writer, data: &RecordData) -> std::ops::Range<usize> {
    debug_assert_eq!(out.mode(), WireMode::Canonical);
    let start = out.len();
    data.encode(out);
    start..out.len()
}
