#!/usr/bin/env python3
"""Writes a hosting-and-delegation style zone of N records for the zone-reading benchmark.

Usage: gen_zone.py N [--terse | --a-only]

The mix: A, AAAA, MX, TXT, CNAME, SRV, delegations with glue and DS, and HIP records in
RFC 3597 form (TYPE55 \\# ...) so that every peer, including those without a HIP type, reads the
same file. Each HIP record carries its own 132-octet RFC 3110 RSA key (1024-bit modulus), and its
HIT is that key's ORCHID v1 (RFC 4843), so a checker that verifies HITs finds nothing to report.

--terse writes the same kinds of records without the class on each line (and the apex NS lines
without their owner), numbering names in base 36 rather than 10: a smaller file for the same
number of records, the harder case for memory held per octet of file.

--a-only writes the extreme of that: after the apex, nothing but short A lines
(`a1b A 10.0.1.47`), the least text per record a zone is likely to have.
"""
import argparse
import hashlib
import sys

# RFC 4843 §2 / RFC 7401 §3.2: the ORCHID context ID of HIP.
ORCHID_CONTEXT = bytes.fromhex("F0EFF02FBFF43D0FE7930C3C6E6174EA")


def orchid_v1(host_identity):
    """2001:10::/28 followed by the middle 100 bits (bits 30..130) of SHA-1(context ‖ HI)."""
    digest = int.from_bytes(hashlib.sha1(ORCHID_CONTEXT + host_identity).digest(), "big")
    middle = (digest >> 30) & ((1 << 100) - 1)
    return ((0x20010010 << 96) | middle).to_bytes(16, "big")


def rsa_key(i):
    """An RFC 3110 RSA public key: exponent length 3, exponent 65537, a 128-octet modulus that
    differs per record (odd, top bit set, as a real modulus is)."""
    seed = i.to_bytes(8, "big")
    modulus = bytearray(hashlib.sha512(b"m0" + seed).digest() + hashlib.sha512(b"m1" + seed).digest())
    modulus[0] |= 0x80
    modulus[-1] |= 1
    return bytes([3, 1, 0, 1]) + bytes(modulus)


def base36(i):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        i, d = divmod(i, 36)
        out = digits[d] + out
        if i == 0:
            return out


def hip_rdata(i):
    key = rsa_key(i)
    # RFC 5205 §5: HIT length, PK algorithm (2 = RSA), PK length, HIT, public key.
    return bytes([16, 2]) + len(key).to_bytes(2, "big") + orchid_v1(key) + key


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("records", type=int, nargs="?", default=1_000_000)
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--terse", action="store_true")
    style.add_argument("--a-only", action="store_true")
    args = parser.parse_args()
    count = args.records
    short = args.terse or args.a_only
    cls = "" if short else " IN"
    num = base36 if short else str
    out = sys.stdout
    w = out.write

    def rr(owner, rest):
        w(f"{owner}{cls} {rest}\n")

    w("$ORIGIN bench.\n$TTL 3600\n")
    rr("@", "SOA ns1 hostmaster 2026112101 7200 900 1209600 300")
    rr("" if short else "@", "NS ns1")
    rr("" if short else "@", "NS ns2")
    rr("ns1", "A 192.0.2.1")
    rr("ns2", "A 192.0.2.2")
    for m in range(97):
        rr(f"mail{m}", f"A 192.0.2.{m + 100}")
    written = 6 + 97
    i = 0
    if args.a_only:
        for i in range(count - written):
            rr(f"a{num(i)}", f"A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")
        return
    while written < count:
        i += 1
        kind = i % 20
        name = f"h{num(i)}"
        if kind < 8:
            rr(name, f"A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")
            written += 1
        elif kind < 12:
            rr(name, f"AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}")
            written += 1
        elif kind == 12:
            rr(name, f"MX 10 mail{i % 97}")
            written += 1
        elif kind == 13:
            rr(name, f'TXT "v=spf1 ip4:10.0.0.0/8 -all" "record {i}"')
            written += 1
        elif kind == 14:
            rr(name, f"CNAME h{num(i - 1)}")
            written += 1
        elif kind == 15:
            rr(f"_sip._tcp.{name}", f"SRV 10 60 5060 h{num(i - 7)}")
            written += 1
        elif kind in (16, 17):
            # A delegation with in-bailiwick glue and a DS.
            digest = hashlib.sha256(name.encode()).hexdigest()
            rr(f"d{num(i)}", f"NS ns.d{num(i)}")
            rr(f"ns.d{num(i)}", f"A 198.51.{(i >> 8) & 255}.{i & 255}")
            rr(f"d{num(i)}", f"DS {i & 0xffff} 13 2 {digest}")
            written += 3
        else:
            rdata = hip_rdata(i)
            rr(name, f"TYPE55 \\# {len(rdata)} {rdata.hex()}")
            written += 1


if __name__ == "__main__":
    main()
