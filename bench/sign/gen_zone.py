#!/usr/bin/env python3
"""Writes a TLD-style zone for the signing benchmark: N delegations, each with two name servers
outside the zone, one in ten with a DS record (ECDSA P-256, SHA-256 digest).

Usage: python3 bench/sign/gen_zone.py N > zone

Deterministic: the same N gives the same file.
"""
import random
import sys


def main():
    count = int(sys.argv[1])
    rng = random.Random(20261207)
    out = sys.stdout
    out.write("$ORIGIN tld.\n$TTL 3600\n")
    out.write("@ IN SOA ns1.nic.example. hostmaster.nic.example. 2026120701 1800 900 604800 300\n")
    out.write("@ IN NS ns1.nic.example.\n@ IN NS ns2.nic.example.\n")
    lines = []
    for i in range(count):
        name = f"d{i:07d}"
        host = rng.randrange(1000)
        lines.append(f"{name} IN NS ns1.host{host}.example.\n")
        lines.append(f"{name} IN NS ns2.host{host}.example.\n")
        if i % 10 == 0:
            digest = "%064x" % rng.getrandbits(256)
            lines.append(f"{name} IN DS {rng.randrange(65536)} 13 2 {digest}\n")
        if len(lines) >= 30000:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))


if __name__ == "__main__":
    main()
