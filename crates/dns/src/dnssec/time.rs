//! Signature times: 32-bit seconds since 1970 compared in RFC 1982 serial number arithmetic
//! (RFC 4034 §3.1.5), so that they keep working after 2106.

pub use crate::serial::serial_lt;

/// A signature with these times is valid at `now`: inception ≤ now ≤ expiration.
pub fn is_valid_at(now: u32, inception: u32, expiration: u32) -> bool {
    !serial_lt(now, inception) && !serial_lt(expiration, now)
}

/// Why a validity window is unusable for signing.
pub fn check_window(inception: u32, expiration: u32) -> Result<(), &'static str> {
    if serial_lt(inception, expiration) {
        Ok(())
    } else {
        Err("the signature expiration must come after its inception (RFC 1982 arithmetic, less \
             than 68 years apart)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_windows_wrap() {
        assert!(is_valid_at(100, 100, 200));
        assert!(is_valid_at(200, 100, 200));
        assert!(!is_valid_at(99, 100, 200));
        assert!(!is_valid_at(201, 100, 200));
        assert!(is_valid_at(3, u32::MAX - 3, 10), "a window across 2106");
        assert!(check_window(10, 5).is_err());
        assert!(check_window(u32::MAX, 1).is_ok());
    }
}
