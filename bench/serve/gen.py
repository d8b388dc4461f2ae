#!/usr/bin/env python3
"""Writes the data of the server benchmark (docs/benchmarks.md, "Serving"): two zones, the query
file, and pre-signed copies of both zones.

Usage: gen.py OUTDIR [--names N] [--delegations N] [--queries N] [--no-sign]

- host.bench.: a hosting-style zone. N names `hI` with an A and an AAAA each, an MX on every
  tenth, 5 000 CNAMEs `cI` pointing at hosts, a wildcard `*.w`, and a HIP record on every
  hundredth host whose rendezvous server (`rvsK`) is in the zone. HIP records are written in
  RFC 3597 form (`TYPE55 \\# len hex`): Knot 3.2 and NSD 4.6 have no HIP type, and every server
  must read the same file.
- tld.: a TLD-style zone. N delegations `dI`: the even ones with two in-zone name servers and their
  glue, the odd ones with name servers elsewhere; every tenth has a DS.
- queries.txt: dnsperf's input, one `name TYPE` per line, in the recipe's mix (40% positive,
  10% NODATA, 18% NXDOMAIN, 22% referral, 5% CNAME, 3% wildcard, 2% DS), drawn in random order with
  a fixed seed.
- signed/host.bench.zone, signed/tld.zone: both zones signed once by BIND's dnssec-signzone with
  NSEC (not NSEC3), ECDSAP256SHA256, a KSK and a ZSK. The signer knows HIP and prints it (and the
  HIP in RRSIG type-covered fields and NSEC bitmaps) by mnemonic; those are written back into RFC
  3597 form here, for the same reason as above.

Nothing is regenerated when OUTDIR already holds a complete set made with the same arguments.
"""
import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zone-read"))
from gen_zone import hip_rdata  # noqa: E402  (the same HIT-correct HIP data as zone reading)

HOST = "host.bench."
TLD = "tld."
CNAMES = 5000
RVS = 4

# The recipe's mix, split into the query kinds that make it up (percent of all queries).
MIX = [
    ("positive A", 21), ("positive AAAA", 12), ("positive MX", 5), ("positive HIP", 1),
    ("positive SOA", 1),
    ("nodata TXT", 6), ("nodata MX", 4),
    ("nxdomain host", 10), ("nxdomain tld", 8),
    ("referral A", 12), ("referral NS", 5), ("referral AAAA", 5),
    ("cname", 5),
    ("wildcard", 3),
    ("ds", 2),
]


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def hip_of(i):
    """HIP RDATA for host i: key and HIT as in the zone-reading benchmark, plus one RVS."""
    return hip_rdata(i) + wire_name(f"rvs{i % RVS}.{HOST}")


def has_hip(i):
    return i % 100 == 5


def write_host(path, names):
    with open(path, "w") as f:
        w = f.write
        w(f"$ORIGIN {HOST}\n$TTL 3600\n")
        w("@ IN SOA ns1 hostmaster 2026112101 7200 900 1209600 300\n")
        w("@ IN NS ns1\n@ IN NS ns2\n")
        w("ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n")
        for m in range(10):
            w(f"mail{m} IN A 192.0.2.{m + 10}\n")
        for k in range(RVS):
            w(f"rvs{k} IN A 192.0.2.{k + 30}\nrvs{k} IN AAAA 2001:db8:ff::{k + 1}\n")
        w("*.w IN A 192.0.2.80\n*.w IN TXT \"wildcard\"\n")
        for i in range(names):
            w(f"h{i} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
            w(f"h{i} IN AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}\n")
            if i % 10 == 0:
                w(f"h{i} IN MX 10 mail{i % 10}\n")
            if has_hip(i):
                rdata = hip_of(i)
                w(f"h{i} IN TYPE55 \\# {len(rdata)} {rdata.hex()}\n")
        for i in range(CNAMES):
            w(f"c{i} IN CNAME h{(i * 7919) % names}\n")


def write_tld(path, delegations):
    with open(path, "w") as f:
        w = f.write
        w(f"$ORIGIN {TLD}\n$TTL 86400\n")
        w("@ IN SOA ns1.nic hostmaster.nic 2026112101 1800 900 604800 3600\n")
        w("@ IN NS ns1.nic\n@ IN NS ns2.nic\n")
        w("ns1.nic IN A 192.0.2.53\nns2.nic IN AAAA 2001:db8:53::2\n")
        for i in range(delegations):
            d = f"d{i}"
            if i % 2 == 0:
                w(f"{d} IN NS ns1.{d}\n{d} IN NS ns2.{d}\n")
                w(f"ns1.{d} IN A 198.{18 + ((i >> 16) & 1)}.{(i >> 8) & 255}.{i & 255}\n")
                w(f"ns2.{d} IN AAAA 2001:db8:1::{i >> 16:x}:{i & 0xffff:x}\n")
            else:
                w(f"{d} IN NS ns1.hoster{i % 50}.net.\n{d} IN NS ns2.hoster{i % 50}.net.\n")
            if i % 10 == 0:
                digest = hashlib.sha256(d.encode()).hexdigest().upper()
                w(f"{d} IN DS {i & 0xffff} 13 2 {digest}\n")


def write_queries(path, count, names, delegations, seed=20261121):
    rnd = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [p for _, p in MIX]
    host = lambda: rnd.randrange(names)  # noqa: E731
    dele = lambda: rnd.randrange(delegations)  # noqa: E731
    with open(path, "w") as f:
        for kind in rnd.choices(kinds, weights, k=count):
            if kind == "positive A":
                q = f"h{host()}.{HOST} A"
            elif kind == "positive AAAA":
                q = f"h{host()}.{HOST} AAAA"
            elif kind == "positive MX":
                q = f"h{host() // 10 * 10}.{HOST} MX"
            elif kind == "positive HIP":
                q = f"h{host() // 100 * 100 + 5}.{HOST} HIP"
            elif kind == "positive SOA":
                q = f"{rnd.choice([HOST, TLD])} SOA"
            elif kind == "nodata TXT":
                q = f"h{host()}.{HOST} TXT"
            elif kind == "nodata MX":
                q = f"h{host() // 10 * 10 + 1 + rnd.randrange(9)}.{HOST} MX"
            elif kind == "nxdomain host":
                q = f"nx{rnd.randrange(10**6)}.{HOST} A"
            elif kind == "nxdomain tld":
                q = f"nx{rnd.randrange(10**6)}.{TLD} A"
            elif kind == "referral A":
                q = f"www.d{dele()}.{TLD} A"
            elif kind == "referral NS":
                q = f"d{dele()}.{TLD} NS"
            elif kind == "referral AAAA":
                q = f"d{dele()}.{TLD} AAAA"
            elif kind == "cname":
                q = f"c{rnd.randrange(CNAMES)}.{HOST} A"
            elif kind == "wildcard":
                q = f"x{rnd.randrange(10**6)}.w.{HOST} A"
            else:
                q = f"d{dele() // 10 * 10}.{TLD} DS"
            f.write(q + "\n")


def sign(zone_path, origin, out_path, workdir):
    keydir = os.path.join(workdir, "keys-" + origin.rstrip("."))
    os.makedirs(keydir, exist_ok=True)
    for extra in (["-f", "KSK"], []):
        subprocess.run(["dnssec-keygen", "-q", "-K", keydir, "-a", "ECDSAP256SHA256", "-n", "ZONE",
                        *extra, origin], check=True, stdout=subprocess.DEVNULL)
    raw = out_path + ".raw"
    subprocess.run(["dnssec-signzone", "-q", "-S", "-K", keydir, "-d", keydir, "-o", origin,
                    "-O", "full",
                    "-P", "-n", "2", "-e", "now+31536000", "-f", raw, zone_path],
                   check=True, stdout=subprocess.DEVNULL)
    with open(raw) as src, open(out_path, "w") as dst:
        for line in src:
            fields = line.split()
            if len(fields) > 4 and fields[3] == "HIP":
                i = int(fields[0].split(".", 1)[0][1:])
                rdata = hip_of(i)
                line = " ".join(fields[:3]) + f" TYPE55 \\# {len(rdata)} {rdata.hex()}\n"
            elif len(fields) > 4 and fields[3] in ("RRSIG", "NSEC") and "HIP" in fields[4:]:
                line = " ".join("TYPE55" if t == "HIP" else t for t in fields) + "\n"
            dst.write(line)
    os.remove(raw)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--delegations", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200_000)
    parser.add_argument("--no-sign", action="store_true")
    args = parser.parse_args()
    out = args.outdir
    os.makedirs(os.path.join(out, "signed"), exist_ok=True)
    stamp_path = os.path.join(out, "params.json")
    params = {k: v for k, v in vars(args).items() if k != "outdir"}
    try:
        with open(stamp_path) as f:
            if json.load(f) == params:
                print(f"{out}: data already generated", file=sys.stderr)
                return
    except (OSError, ValueError):
        pass
    host_path = os.path.join(out, "host.bench.zone")
    tld_path = os.path.join(out, "tld.zone")
    write_host(host_path, args.names)
    write_tld(tld_path, args.delegations)
    write_queries(os.path.join(out, "queries.txt"), args.queries, args.names, args.delegations)
    if not args.no_sign:
        with tempfile.TemporaryDirectory(dir=out) as work:
            sign(host_path, HOST, os.path.join(out, "signed", "host.bench.zone"), work)
            sign(tld_path, TLD, os.path.join(out, "signed", "tld.zone"), work)
    with open(stamp_path, "w") as f:
        json.dump(params, f)


if __name__ == "__main__":
    main()
