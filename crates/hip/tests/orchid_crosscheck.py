"""Independent ORCHID v1/v2 computation, used by orchid_vectors.rs to cross-check nameward-hip.

Reads lines "NAME ALGORITHM KEY-HEX" (HIP RR algorithm and public key field) on stdin and writes
"NAME V1 V2" with each HIT as a compressed IPv6 address, or "-" when the version defines none.
Written from the RFCs with Python's integers and hashlib only, sharing no code with the crate:
RFC 4843 §2 (v1), RFC 7343 §2 and RFC 7401 §3.2/§5.2.9 (v2), RFC 9374 §3.4.1.1 and §3.5.2.1
(EdDSA). SHAKE128 stands for cSHAKE128 with an empty function name and customization string,
as NIST SP 800-185 §3.3 defines it.
"""

import hashlib
import ipaddress
import sys

CONTEXT_ID = bytes.fromhex("F0EFF02FBFF43D0FE7930C3C6E6174EA")

# (HIP RR algorithm, key length) -> (HIT suite / OGA ID, curve label); None = any length.
# ECDSA_LOW (SECP160R1) has its own curve label registry, where SECP160R1 is 1.
SUITES = {
    (1, None): (1, None),  # DSA, SHA-256
    (2, None): (1, None),  # RSA, SHA-256
    (3, 64): (2, 1),  # ECDSA NIST P-256, SHA-384
    (3, 96): (2, 2),  # ECDSA NIST P-384, SHA-384
    (3, 40): (3, 1),  # ECDSA_LOW SECP160R1, SHA-1
    (4, 32): (5, 1),  # EdDSA Ed25519, cSHAKE128
    (4, 57): (5, 3),  # EdDSA Ed448, cSHAKE128
}


def middle(digest, nbits):
    """The middle nbits of digest; an odd leftover drops one more bit at the front."""
    total = len(digest) * 8
    after = (total - nbits) // 2
    return (int.from_bytes(digest, "big") >> after) & ((1 << nbits) - 1)


def v1(algorithm, key):
    if algorithm not in (1, 2):
        return None
    hashed = middle(hashlib.sha1(CONTEXT_ID + key).digest(), 100)
    return (0x2001001 << 100) | hashed


def v2(algorithm, key):
    suite = SUITES.get((algorithm, None)) or SUITES.get((algorithm, len(key)))
    if suite is None:
        return None
    oga, curve = suite
    host_id = key if curve is None else curve.to_bytes(2, "big") + key
    if algorithm == 3:
        # RFC 7401 §5.2.9: the ECDSA public key in octet-string format (RFC 6090), that is the
        # uncompressed point 04 || x || y after the curve label; the RR holds only x || y.
        host_id = host_id[:2] + b"\x04" + host_id[2:]
    data = CONTEXT_ID + host_id
    if oga == 1:
        hashed = middle(hashlib.sha256(data).digest(), 96)
    elif oga == 2:
        hashed = middle(hashlib.sha384(data).digest(), 96)
    elif oga == 3:
        hashed = middle(hashlib.sha1(data).digest(), 96)
    else:
        hashed = int.from_bytes(hashlib.shake_128(data).digest(12), "big")
    return (0x2001002 << 100) | (oga << 96) | hashed


def show(hit):
    return "-" if hit is None else str(ipaddress.IPv6Address(hit))


for line in sys.stdin:
    if not line.strip():
        continue
    name, algorithm, key_hex = line.split()
    algorithm, key = int(algorithm), bytes.fromhex(key_hex)
    print(name, show(v1(algorithm, key)), show(v2(algorithm, key)))
