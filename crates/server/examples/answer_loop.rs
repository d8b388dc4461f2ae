//! Answers a query file against zone files in a loop, for instruction counts of the answering
//! path (`valgrind --tool=callgrind --toggle-collect='*answer_all*'`) before and after a change.
//!
//! Usage: answer_loop [--do] QUERIES ORIGIN=FILE... (QUERIES: one `name TYPE` per line, as
//! bench/serve/gen.py writes them; `--do` sets EDNS DO on every query).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use nameward_dns::Name;
use nameward_server::{ResponseBuffer, Transport, Zone, Zones, answer};

fn query(id: u16, name: &str, rtype: u16, dnssec_ok: bool) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, u8::from(dnssec_ok)]);
    q.extend_from_slice(Name::parse(name, None).unwrap().as_wire());
    q.extend_from_slice(&rtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    if dnssec_ok {
        q.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0]);
    }
    q
}

#[inline(never)]
fn answer_all(zones: &Zones, queries: &[Vec<u8>], out: &mut ResponseBuffer) -> usize {
    let mut octets = 0;
    for q in queries {
        answer(zones, q, out);
        octets += out.as_bytes().len();
    }
    octets
}

/// FNV-1a over every response, to compare two builds' answers octet for octet.
fn digest(zones: &Zones, queries: &[Vec<u8>], out: &mut ResponseBuffer) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for q in queries {
        answer(zones, q, out);
        for &b in out.as_bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    hash
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dnssec_ok = args.first().is_some_and(|a| a == "--do");
    if dnssec_ok {
        args.remove(0);
    }
    let text = std::fs::read_to_string(&args[0]).unwrap();
    let mut zones = Zones::new();
    for spec in &args[1..] {
        let (origin, file) = spec.split_once('=').unwrap();
        let origin = Name::parse(origin, None).unwrap();
        let zone_text = std::fs::read_to_string(file).unwrap();
        zones.insert(Arc::new(Zone::from_text(&origin, file, &zone_text).unwrap()));
    }
    let queries: Vec<Vec<u8>> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let (name, rtype) = line.split_once(' ').unwrap();
            let rtype = match rtype {
                "A" => 1,
                "NS" => 2,
                "SOA" => 6,
                "MX" => 15,
                "TXT" => 16,
                "AAAA" => 28,
                "DS" => 43,
                "HIP" => 55,
                other => panic!("type {other}"),
            };
            query(i as u16, name, rtype, dnssec_ok)
        })
        .collect();
    let mut out = ResponseBuffer::new(Transport::Udp);
    // Once to warm the buffer up, once measured.
    answer_all(&zones, &queries, &mut out);
    let octets = answer_all(&zones, &queries, &mut out);
    let hash = digest(&zones, &queries, &mut out);
    println!("{} queries, {octets} octets of responses, digest {hash:016x}", queries.len());
}
