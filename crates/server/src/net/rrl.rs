//! Response-rate limiting against reflection attacks, in the manner of BIND and Knot: identical
//! responses to one client network beyond a rate per second are dropped, and every `slip`-th of
//! those is sent truncated instead so that a real client behind a spoofed flood can still get
//! its answer over TCP.
//!
//! Each UDP worker owns one fixed-size table (no lock, bounded memory). Colliding keys share a
//! slot, which can only make limiting stricter for the two, never let more through.
//!
//! A query with a valid server cookie (RFC 7873) never reaches the limiter: the cookie proves
//! that the query comes from the address it claims, so its response cannot be reflected at
//! anyone else (BIND and Knot exempt such queries too).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::IpAddr;

use nameward_dns::Rtype;

use crate::config::RrlConfig;
use crate::lower::{MAX_NAME, lower_wire};

/// What to do with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send it.
    Send,
    /// Send a truncated, empty version instead.
    Slip,
    /// Send nothing.
    Drop,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: u64,
    second: u64,
    count: u32,
    over: u32,
}

/// One worker's rate limiter.
#[derive(Debug)]
pub struct RateLimiter {
    table: Box<[Slot]>,
    rate: u32,
    slip: u32,
    hasher: RandomState,
}

impl RateLimiter {
    /// A limiter with `config`'s rate, slip and table size.
    pub fn new(config: &RrlConfig) -> RateLimiter {
        RateLimiter {
            table: vec![Slot::default(); config.table_size.max(1)].into_boxed_slice(),
            rate: config.responses_per_second.max(1),
            slip: config.slip,
            hasher: RandomState::new(),
        }
    }

    /// Decides about a response of code `rcode` to `client` at `second` (any monotonic count
    /// of seconds), for `question` (the query's name in wire form and its type). Responses are
    /// "identical" when they go to the same /24 (IPv4) or /56 (IPv6) with the same response
    /// code and, for positive answers, the same question; negative and error responses are
    /// keyed on the code alone, so random names do not escape the limit.
    pub fn check(
        &mut self,
        client: IpAddr,
        rcode: u16,
        question: Option<(&[u8], Rtype)>,
        second: u64,
    ) -> Verdict {
        let mut h = self.hasher.build_hasher();
        match client {
            IpAddr::V4(a) => a.octets().get(..3).hash(&mut h),
            IpAddr::V6(a) => a.octets().get(..7).hash(&mut h),
        }
        rcode.hash(&mut h);
        if let (0, Some((name, qtype))) = (rcode, question) {
            let mut buf = [0u8; MAX_NAME];
            h.write(lower_wire(name, &mut buf));
            qtype.0.hash(&mut h);
        }
        let key = h.finish() | 1;
        let len = self.table.len() as u64;
        let Some(slot) = self.table.get_mut((key % len) as usize) else { return Verdict::Send };
        if slot.key != key || slot.second != second {
            *slot = Slot { key, second, count: 0, over: 0 };
        }
        slot.count = slot.count.saturating_add(1);
        if slot.count <= self.rate {
            return Verdict::Send;
        }
        slot.over = slot.over.wrapping_add(1);
        if self.slip > 0 && slot.over % self.slip == 0 { Verdict::Slip } else { Verdict::Drop }
    }
}

/// Writes into `out` the slipped form of `response`, whose question ends at `question_end`:
/// header and question only, TC set.
pub fn slipped(response: &[u8], question_end: usize, out: &mut Vec<u8>) {
    out.clear();
    let end = Some(question_end).filter(|&e| e <= response.len()).unwrap_or(12);
    out.extend_from_slice(response.get(..end).unwrap_or(&[]));
    if out.len() >= 12 {
        if let Some(flags) = out.get_mut(2) {
            *flags |= 0x02;
        }
        if let Some(counts) = out.get_mut(6..12) {
            counts.fill(0);
        }
        if end == 12
            && let Some(qd) = out.get_mut(4..6)
        {
            qd.fill(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(name: &[u8], rcode: u8) -> Vec<u8> {
        let mut r = vec![0, 1, 0x84, rcode, 0, 1, 0, 1, 0, 0, 0, 0];
        r.extend_from_slice(name);
        r.extend_from_slice(&[0, 1, 0, 1, 0xC0, 12]);
        r
    }

    #[test]
    fn limits_per_second_with_slip() {
        let mut rrl =
            RateLimiter::new(&RrlConfig { responses_per_second: 2, slip: 2, table_size: 64 });
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let q = Some((&b"\x01a\x00"[..], Rtype::A));
        let verdicts: Vec<Verdict> = (0..6).map(|_| rrl.check(client, 0, q, 1)).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Send, Send, Drop, Slip, Drop, Slip]);
        // The same name in other letters is the same response; another name is not.
        assert_eq!(rrl.check(client, 0, Some((&b"\x01A\x00"[..], Rtype::A)), 1), Drop);
        assert_eq!(rrl.check(client, 0, Some((&b"\x01b\x00"[..], Rtype::A)), 1), Send);
        // Another network and the next second are unaffected.
        assert_eq!(rrl.check("198.51.100.1".parse().unwrap(), 0, q, 1), Send);
        assert_eq!(rrl.check(client, 0, q, 2), Send);
    }

    #[test]
    fn slipped_keeps_the_question_only() {
        let mut out = Vec::new();
        slipped(&response(b"\x01a\x00", 0), 12 + 3 + 4, &mut out);
        assert_eq!(out.len(), 12 + 3 + 4);
        assert_eq!(out[2] & 0x02, 0x02);
        assert_eq!(&out[6..12], &[0; 6]);
    }
}
