//! Serial number arithmetic (RFC 1982 §3.2), for SOA serials and RRSIG times alike.

/// `a < b` in serial arithmetic. Undefined pairs (exactly 2³¹ apart) are neither less nor
/// greater, so a transfer between them is a full one.
pub fn serial_lt(a: u32, b: u32) -> bool {
    a != b && (b.wrapping_sub(a) as i32) > 0
}

/// `a > b` in serial arithmetic.
pub fn serial_gt(a: u32, b: u32) -> bool {
    serial_lt(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1982_comparisons() {
        assert!(serial_lt(1, 2));
        assert!(!serial_lt(2, 2));
        // Wrapping: 0xFFFF_FFFF + 1 = 0, and 0 is newer.
        assert!(serial_lt(u32::MAX, 0));
        assert!(serial_gt(5, u32::MAX - 5));
        assert!(serial_lt(0, (1 << 31) - 1));
        // Exactly half the space apart: undefined, neither way.
        assert!(!serial_lt(0, 1 << 31));
        assert!(!serial_gt(0, 1 << 31));
    }
}
