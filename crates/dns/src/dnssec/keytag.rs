//! The key tag (RFC 4034 Appendix B): how DS and RRSIG records point at a DNSKEY.

/// The key tag of a DNSKEY (or CDNSKEY) given its RDATA in wire form.
///
/// Algorithm 1 (RSA/MD5) takes the tag from the modulus; every other algorithm sums the RDATA
/// as big-endian 16-bit words, adds the carry once and keeps the low 16 bits.
pub fn key_tag(rdata: &[u8]) -> u16 {
    if rdata.get(3) == Some(&1) {
        let n = rdata.len();
        let octet = |back: usize| n.checked_sub(back).and_then(|i| rdata.get(i)).copied();
        return match (octet(3), octet(2)) {
            (Some(hi), Some(lo)) if n >= 7 => u16::from_be_bytes([hi, lo]),
            _ => 0,
        };
    }
    let mut sum: u32 = 0;
    for (i, &octet) in rdata.iter().enumerate() {
        sum = sum.wrapping_add(if i % 2 == 0 { u32::from(octet) << 8 } else { u32::from(octet) });
    }
    sum = sum.wrapping_add((sum >> 16) & 0xFFFF);
    (sum & 0xFFFF) as u16
}
