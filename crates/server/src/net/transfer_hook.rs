//! The seam between the network layer and zone transfers: AXFR and IXFR over TCP, and NOTIFY
//! over either transport, are handed to [`transfer_response`] instead of [`crate::answer`].
//!
//! For now it refuses transfers (REFUSED) and does not implement NOTIFY (NOTIMP); the transfer
//! code replaces its body, keeping the signature.

use std::net::SocketAddr;

use nameward_dns::Rtype;
use nameward_dns::message::{opcode, rcode};

use crate::config::Config;
use crate::net::metrics::{SharedCounters, question_type};
use crate::{Outcome, ResponseBuffer, Transport, Zones, answer};

/// What a transfer handler may look at.
#[derive(Debug, Clone, Copy)]
pub struct TransferContext<'a> {
    /// The zones served now (one snapshot for the whole transfer).
    pub zones: &'a Zones,
    /// The server settings: secondaries, access lists, TSIG keys.
    pub config: &'a Config,
    /// Who asked.
    pub peer: SocketAddr,
    /// How the message came.
    pub transport: Transport,
    /// Counters for transfers and NOTIFY.
    pub counters: &'a SharedCounters,
}

/// True when `query` goes to [`transfer_response`]: NOTIFY on any transport, AXFR and IXFR
/// over TCP (over UDP, the answer function's NOTIMP stands).
pub fn wants_transfer(query: &[u8], transport: Transport) -> bool {
    let Some(&flags) = query.get(2) else { return false };
    if flags & 0x80 != 0 {
        return false;
    }
    let code = (flags >> 3) & 0xF;
    if code == opcode::NOTIFY {
        return true;
    }
    code == opcode::QUERY
        && transport == Transport::Tcp
        && matches!(question_type(query).map(Rtype), Some(Rtype::AXFR | Rtype::IXFR))
}

/// Answers a transfer request or NOTIFY, appending each response message to `out` (an AXFR
/// answer takes several). Messages are complete DNS messages, without the TCP length prefix.
/// Returns the response code of the first message, or None when nothing is to be sent.
pub fn transfer_response(
    ctx: &TransferContext<'_>,
    query: &[u8],
    out: &mut Vec<Vec<u8>>,
) -> Option<u16> {
    let mut buffer = ResponseBuffer::new(ctx.transport);
    let Outcome::Response(summary) = answer(ctx.zones, query, &mut buffer) else { return None };
    let mut message = buffer.as_bytes().to_vec();
    // The answer function says NOTIMP to AXFR/IXFR; until transfers exist they are refused,
    // which secondaries read as "not from this server" rather than "never".
    let code = if summary.transfer { rcode::REFUSED } else { summary.rcode };
    if let Some(low) = message.get_mut(3) {
        *low = (*low & 0xF0) | (code & 0xF) as u8;
    }
    out.push(message);
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_transfers_and_notify() {
        let mut axfr = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        axfr.extend_from_slice(b"\x07example\x00\x00\xfc\x00\x01");
        assert!(wants_transfer(&axfr, Transport::Tcp));
        assert!(!wants_transfer(&axfr, Transport::Udp));
        let mut notify = axfr.clone();
        notify[2] = opcode::NOTIFY << 3;
        notify[15] = 6;
        assert!(wants_transfer(&notify, Transport::Udp));
        let config = Config::default();
        let counters = SharedCounters::default();
        let ctx = TransferContext {
            zones: &Zones::new(),
            config: &config,
            peer: "127.0.0.1:1".parse().unwrap(),
            transport: Transport::Tcp,
            counters: &counters,
        };
        let mut out = Vec::new();
        assert_eq!(transfer_response(&ctx, &axfr, &mut out), Some(rcode::REFUSED));
        assert_eq!(out[0][3] & 0xF, 5);
        assert_eq!(transfer_response(&ctx, &notify, &mut out), Some(rcode::NOTIMP));
    }
}
