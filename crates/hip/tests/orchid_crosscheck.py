"""Independent ORCHID v1/v2 computation, used by orchid_vectors.rs to cross-check nameward-hip.

Reads lines "NAME ALGORITHM KEY-HEX" (HIP RR algorithm and public key field) on stdin and writes
"NAME V1 V2 [VARIANT=HIT ...]" with each HIT as a compressed IPv6 address, or "-" when the
version defines none. The variants are the other readings nameward recognises: "ecdsa-bare-point"
(curve label || x || y without the 04 octet) and "eddsa-cshake-custom" (cSHAKE128 with the
context ID as customization string, RFC 9374 section 3.5.2). cSHAKE is implemented here from
NIST SP 800-185 on a small Keccak-f[1600], which checks itself against hashlib's SHAKE128.
Written from the RFCs with Python's integers and hashlib only, sharing no code with the crate:
RFC 4843 §2 (v1), RFC 7343 §2 and RFC 7401 §3.2/§5.2.9 (v2), RFC 9374 §3.4.1.1 and §3.5.2.1
(EdDSA). cSHAKE128 with an empty function name and customization string is SHAKE128
(NIST SP 800-185 section 3.3).
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


def _rc_bit(t):
    # The LFSR of FIPS 202 section 3.2.5 (algorithm 5).
    r = 1
    for _ in range(t % 255):
        r <<= 1
        if r & 0x100:
            r ^= 0x171
    return r & 1


ROUND_CONSTANTS = [sum(_rc_bit(j + 7 * i) << ((1 << j) - 1) for j in range(7)) for i in range(24)]
ROTATIONS = [  # ROTATIONS[x][y], FIPS 202 table 2
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]
MASK64 = (1 << 64) - 1


def _rol(v, n):
    return ((v << n) | (v >> (64 - n))) & MASK64 if n else v


def keccak_f(a):
    for rc in ROUND_CONSTANTS:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], ROTATIONS[x][y])
        a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak_sponge(message, suffix, out_len, rate=168):
    """Keccak[c=256] over message with domain-separation suffix bits and pad10*1."""
    padded = bytearray(message) + bytes([suffix])
    padded += bytes(-len(padded) % rate)
    padded[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for block in range(0, len(padded), rate):
        for i in range(rate // 8):
            lane = int.from_bytes(padded[block + 8 * i : block + 8 * i + 8], "little")
            a[i % 5][i // 5] ^= lane
        a = keccak_f(a)
    out = bytearray()
    while len(out) < out_len:
        for i in range(rate // 8):
            out += a[i % 5][i // 5].to_bytes(8, "little")
        a = keccak_f(a)
    return bytes(out[:out_len])


def left_encode(x):
    n = max(1, (x.bit_length() + 7) // 8)
    return bytes([n]) + x.to_bytes(n, "big")


def encode_string(s):
    return left_encode(len(s) * 8) + s


def bytepad(x, w):
    z = left_encode(w) + x
    return z + bytes(-len(z) % w)


def cshake128(x, out_len, n=b"", s=b""):
    if not n and not s:
        return keccak_sponge(x, 0x1F, out_len)
    return keccak_sponge(bytepad(encode_string(n) + encode_string(s), 168) + x, 0x04, out_len)


for sample in (b"", b"abc", bytes(range(200))):
    assert cshake128(sample, 40) == hashlib.shake_128(sample).digest(40), "Keccak self-check"
# NIST's cSHAKE sample #1 (cSHAKE_samples.pdf): X = 00010203, N = "", S = "Email Signature".
assert cshake128(bytes(range(4)), 32, b"", b"Email Signature") == bytes.fromhex(
    "C1C36925B6409A04F1B504FCBCA9D82B4017277CB5ED2B2065FC1D3814D5AAF5"
), "cSHAKE self-check"


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


def v2(algorithm, key, variant=None):
    """ORCHID v2, or with variant "ecdsa-bare-point" / "eddsa-cshake-custom" that reading."""
    suite = SUITES.get((algorithm, None)) or SUITES.get((algorithm, len(key)))
    if suite is None:
        return None
    oga, curve = suite
    host_id = key if curve is None else curve.to_bytes(2, "big") + key
    if algorithm == 3 and variant != "ecdsa-bare-point":
        # RFC 7401 §5.2.9: the ECDSA public key in octet-string format (RFC 6090), that is the
        # uncompressed point 04 || x || y after the curve label; the RR holds only x || y.
        host_id = host_id[:2] + b"\x04" + host_id[2:]
    if variant == "eddsa-cshake-custom":
        hashed = int.from_bytes(cshake128(host_id, 12, b"", CONTEXT_ID), "big")
        return (0x2001002 << 100) | (oga << 96) | hashed
    data = CONTEXT_ID + host_id
    if oga == 1:
        hashed = middle(hashlib.sha256(data).digest(), 96)
    elif oga == 2:
        hashed = middle(hashlib.sha384(data).digest(), 96)
    elif oga == 3:
        hashed = middle(hashlib.sha1(data).digest(), 96)
    else:
        hashed = int.from_bytes(cshake128(data, 12), "big")
    return (0x2001002 << 100) | (oga << 96) | hashed


def show(hit):
    return "-" if hit is None else str(ipaddress.IPv6Address(hit))


for line in sys.stdin:
    if not line.strip():
        continue
    name, algorithm, key_hex = line.split()
    algorithm, key = int(algorithm), bytes.fromhex(key_hex)
    fields = [name, show(v1(algorithm, key)), show(v2(algorithm, key))]
    if algorithm == 3 and v2(algorithm, key) is not None:
        fields.append("ecdsa-bare-point=" + show(v2(algorithm, key, "ecdsa-bare-point")))
    if algorithm == 4 and v2(algorithm, key) is not None:
        fields.append("eddsa-cshake-custom=" + show(v2(algorithm, key, "eddsa-cshake-custom")))
    print(*fields)
