#!/usr/bin/env python3
"""Writes a hosting-and-delegation style zone of N records for the zone-reading benchmark.

The mix: A, AAAA, MX, TXT, CNAME, SRV, delegations with glue and DS, and HIP records in
RFC 3597 form (TYPE55 \\# ...) so that every peer, including those without a HIP type, reads the
same file.
"""
import hashlib
import sys

origin = "bench."
count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = sys.stdout
w = out.write
w(f"$ORIGIN {origin}\n$TTL 3600\n")
w("@ IN SOA ns1 hostmaster 2026112101 7200 900 1209600 300\n")
w("@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n")
for m in range(97):
    w(f"mail{m} IN A 192.0.2.{m + 100}\n")
written = 6 + 97
i = 0
key = "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTd"
while written < count:
    i += 1
    kind = i % 20
    name = f"h{i}"
    if kind < 8:
        w(f"{name} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
        written += 1
    elif kind < 12:
        w(f"{name} IN AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}\n")
        written += 1
    elif kind == 12:
        w(f"{name} IN MX 10 mail{i % 97}\n")
        written += 1
    elif kind == 13:
        w(f'{name} IN TXT "v=spf1 ip4:10.0.0.0/8 -all" "record {i}"\n')
        written += 1
    elif kind == 14:
        w(f"{name} IN CNAME h{i - 1}\n")
        written += 1
    elif kind == 15:
        w(f"_sip._tcp.{name} IN SRV 10 60 5060 h{i - 7}\n")
        written += 1
    elif kind in (16, 17):
        # A delegation with in-bailiwick glue and a DS.
        digest = hashlib.sha256(name.encode()).hexdigest()
        w(f"d{i} IN NS ns.d{i}\nns.d{i} IN A 198.51.{(i >> 8) & 255}.{i & 255}\n")
        w(f"d{i} IN DS {i & 0xffff} 13 2 {digest}\n")
        written += 3
    else:
        hit = hashlib.md5(name.encode()).hexdigest()
        rdata = bytes.fromhex(f"10020030{hit}") + bytes(range(48))
        w(f"{name} IN TYPE55 \\# {len(rdata)} {rdata.hex()}\n")
        written += 1
