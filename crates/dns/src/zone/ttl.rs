/// Parses a TTL: seconds (`3600`) or BIND-style units (`1h30m`, `2w`, any case), at most
/// 2^31-1 seconds as RFC 2181 §8 requires.
pub fn parse_ttl(text: &[u8]) -> Result<u32, &'static str> {
    const MAX: u64 = i32::MAX as u64;
    if text.is_empty() {
        return Err("empty TTL");
    }
    if text.iter().all(u8::is_ascii_digit) {
        let value = crate::text::parse_decimal(text).ok_or("TTL too large")?;
        return if value > MAX {
            Err("TTL larger than 2147483647 seconds")
        } else {
            Ok(value as u32)
        };
    }
    let mut total = 0u64;
    let mut number: Option<u64> = None;
    for &c in text {
        if c.is_ascii_digit() {
            let n = number.unwrap_or(0) * 10 + u64::from(c - b'0');
            if n > MAX {
                return Err("TTL larger than 2147483647 seconds");
            }
            number = Some(n);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86_400,
            b'w' => 604_800,
            _ => return Err("TTL must be seconds or use the units s, m, h, d, w (as in 1h30m)"),
        };
        total += number.take().ok_or("TTL unit without a number before it")? * unit;
        if total > MAX {
            return Err("TTL larger than 2147483647 seconds");
        }
    }
    if number.is_some() {
        return Err("TTL number after units needs a unit (as in 1h30m)");
    }
    Ok(total as u32)
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn units() {
        assert_eq!(parse_ttl(b"3600"), Ok(3600));
        assert_eq!(parse_ttl(b"1h30m"), Ok(5400));
        assert_eq!(parse_ttl(b"1W2D"), Ok(777_600));
        assert_eq!(parse_ttl(b"2147483647"), Ok(i32::MAX as u32));
        assert!(parse_ttl(b"2147483648").is_err());
        assert!(parse_ttl(b"h").is_err());
        assert!(parse_ttl(b"1h30").is_err());
        assert!(parse_ttl(b"1x").is_err());
        assert!(parse_ttl(b"").is_err());
    }
}
