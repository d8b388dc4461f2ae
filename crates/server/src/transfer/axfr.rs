//! AXFR (RFC 5936): the whole zone, SOA first and last, every other record once in between.

use std::sync::Arc;

use nameward_dns::Question;

use super::stream::{Part, TransferKind, TransferStream, ZoneCursor};
use super::tsig::StreamSigner;
use crate::zone::Zone;

/// The full-zone response stream for `question` (AXFR, or an IXFR answered in full per RFC
/// 1995 §4): the apex SOA, every other record in canonical order, the apex SOA again.
pub fn full_zone(
    zone: Arc<Zone>,
    id: u16,
    query_flags: u16,
    question: Question,
    signer: Option<StreamSigner>,
) -> TransferStream {
    let Some(soa) = zone.soa() else {
        // A compiled zone always has its SOA; an empty stream is the safe answer otherwise.
        return TransferStream::records(
            id,
            query_flags,
            question,
            Vec::new(),
            signer,
            TransferKind::Full,
        );
    };
    let parts = vec![Part::One(soa.clone()), Part::Zone(ZoneCursor::new(zone)), Part::One(soa)];
    TransferStream::records(id, query_flags, question, parts, signer, TransferKind::Full)
}
