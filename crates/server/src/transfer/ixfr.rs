//! IXFR (RFC 1995): the condensed difference from the client's version, the whole zone when
//! the journal does not reach back that far, or the current SOA when the client is current.

use std::sync::Arc;

use nameward_dns::Question;

use super::axfr::full_zone;
use super::journal::Journal;
use super::serial::serial_lt;
use super::stream::{Part, TransferKind, TransferStream};
use super::tsig::StreamSigner;
use crate::zone::Zone;

/// What an IXFR over TCP gets, given the client's serial.
pub fn incremental(
    zone: Arc<Zone>,
    journal: Option<&Journal>,
    client_serial: u32,
    id: u16,
    query_flags: u16,
    question: Question,
    signer: Option<StreamSigner>,
) -> TransferStream {
    let (Some(soa), Some(current)) = (zone.soa(), zone.serial()) else {
        return full_zone(zone, id, query_flags, question, signer);
    };
    if !serial_lt(client_serial, current) {
        // Same or newer than ours (RFC 1995 §2): our SOA alone.
        let parts = vec![Part::One(soa)];
        return TransferStream::records(
            id,
            query_flags,
            question,
            parts,
            signer,
            TransferKind::SoaOnly,
        );
    }
    let diff = journal.and_then(|j| j.since(client_serial)).filter(|d| d.to_serial() == current);
    let Some(diff) = diff else {
        return full_zone(zone, id, query_flags, question, signer);
    };
    let parts = vec![
        Part::One(soa.clone()),
        Part::One(diff.from),
        Part::List(diff.deleted.into_iter()),
        Part::One(diff.to),
        Part::List(diff.added.into_iter()),
        Part::One(soa),
    ];
    TransferStream::records(id, query_flags, question, parts, signer, TransferKind::Incremental)
}
