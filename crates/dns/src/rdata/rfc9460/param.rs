//! SvcParams (RFC 9460 §2.1, §7, §8, Appendix A): keys, values, wire and presentation forms.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::text::{decode_base64, parse_decimal, write_base64, write_char_string};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// The keys with a structure here (RFC 9460 §14.3.2).
mod key {
    pub const MANDATORY: u16 = 0;
    pub const ALPN: u16 = 1;
    pub const NO_DEFAULT_ALPN: u16 = 2;
    pub const PORT: u16 = 3;
    pub const IPV4HINT: u16 = 4;
    pub const ECH: u16 = 5;
    pub const IPV6HINT: u16 = 6;
}

const KEY_NAMES: [&str; 7] =
    ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"];

/// The presentation name of a key: its mnemonic, or `keyNNNNN`.
pub fn key_name(key: u16) -> KeyName {
    KeyName(key)
}

/// Displays a SvcParamKey; made by [`key_name`].
#[derive(Debug, Clone, Copy)]
pub struct KeyName(u16);

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match KEY_NAMES.get(usize::from(self.0)) {
            Some(name) => f.write_str(name),
            None => write!(f, "key{}", self.0),
        }
    }
}

/// Parses a key: a mnemonic (any case) or `keyNNNNN` without leading zeros, as BIND does.
pub(super) fn key_from_text(text: &[u8]) -> Option<u16> {
    if let Some(i) = KEY_NAMES.iter().position(|name| text.eq_ignore_ascii_case(name.as_bytes())) {
        return u16::try_from(i).ok();
    }
    let digits = text.get(..3).filter(|p| p.eq_ignore_ascii_case(b"key")).and(text.get(3..))?;
    if digits.len() > 1 && digits.first() == Some(&b'0') {
        return None;
    }
    parse_decimal(digits).and_then(|v| u16::try_from(v).ok())
}

/// One SvcParam: a key and its value.
///
/// Values are checked as RFC 9460 requires: `mandatory` lists at least one key, in increasing
/// order, never itself (§8); `alpn` holds at least one non-empty protocol ID (§7.1);
/// `no-default-alpn` is empty (§7.1); `port` is two octets (§7.2); the hints hold at least one
/// address (§7.3); `ech` is not empty (§7.3 of RFC 9460 leaves the list to the ECH draft, which
/// never makes it empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SvcParam {
    /// Keys the client must understand to use the record (key 0), strictly increasing.
    Mandatory(Vec<u16>),
    /// Application protocol IDs (key 1), each 1 to 255 octets.
    Alpn(Vec<Vec<u8>>),
    /// The default protocol is not offered (key 2).
    NoDefaultAlpn,
    /// The port to connect to (key 3).
    Port(u16),
    /// IPv4 addresses the target may have (key 4).
    Ipv4Hint(Vec<Ipv4Addr>),
    /// An ECHConfigList (key 5).
    Ech(Vec<u8>),
    /// IPv6 addresses the target may have (key 6).
    Ipv6Hint(Vec<Ipv6Addr>),
    /// Any other key (7 and up), its value as opaque octets.
    Other {
        /// The key.
        key: u16,
        /// The value, possibly empty.
        value: Vec<u8>,
    },
}

impl SvcParam {
    /// The SvcParamKey.
    pub fn key(&self) -> u16 {
        match self {
            SvcParam::Mandatory(_) => key::MANDATORY,
            SvcParam::Alpn(_) => key::ALPN,
            SvcParam::NoDefaultAlpn => key::NO_DEFAULT_ALPN,
            SvcParam::Port(_) => key::PORT,
            SvcParam::Ipv4Hint(_) => key::IPV4HINT,
            SvcParam::Ech(_) => key::ECH,
            SvcParam::Ipv6Hint(_) => key::IPV6HINT,
            SvcParam::Other { key, .. } => *key,
        }
    }

    /// Decodes the value of `key` from exactly `value`; `at` is its offset, for errors.
    pub(super) fn decode(key: u16, value: &[u8], at: usize) -> Result<SvcParam, WireError> {
        let bad = |what| WireError::new(at, WireErrorKind::BadValue(what));
        let bad_len = |what| WireError::new(at, WireErrorKind::BadLength(what));
        match key {
            key::MANDATORY => {
                if value.is_empty() || !value.len().is_multiple_of(2) {
                    return Err(bad_len("mandatory must hold one or more 2-octet keys"));
                }
                let keys: Vec<u16> =
                    value.chunks_exact(2).map(|k| u16::from_be_bytes([k[0], k[1]])).collect();
                if keys.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(bad("mandatory keys not in strictly increasing order"));
                }
                if keys.contains(&key::MANDATORY) {
                    return Err(bad("mandatory lists itself"));
                }
                Ok(SvcParam::Mandatory(keys))
            }
            key::ALPN => {
                let mut ids = Vec::new();
                let mut rest = value;
                while let Some((&len, tail)) = rest.split_first() {
                    let len = usize::from(len);
                    if len == 0 || len > tail.len() {
                        return Err(bad_len("alpn ID empty or overrunning the value"));
                    }
                    let (id, tail) = tail.split_at(len);
                    ids.push(id.to_vec());
                    rest = tail;
                }
                if ids.is_empty() {
                    return Err(bad_len("alpn is empty"));
                }
                Ok(SvcParam::Alpn(ids))
            }
            key::NO_DEFAULT_ALPN if value.is_empty() => Ok(SvcParam::NoDefaultAlpn),
            key::NO_DEFAULT_ALPN => Err(bad_len("no-default-alpn must be empty")),
            key::PORT => match value {
                &[high, low] => Ok(SvcParam::Port(u16::from_be_bytes([high, low]))),
                _ => Err(bad_len("port must be 2 octets")),
            },
            key::IPV4HINT => {
                if value.is_empty() || !value.len().is_multiple_of(4) {
                    return Err(bad_len("ipv4hint must hold one or more 4-octet addresses"));
                }
                let addresses =
                    value.chunks_exact(4).map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3])).collect();
                Ok(SvcParam::Ipv4Hint(addresses))
            }
            key::ECH if value.is_empty() => Err(bad_len("ech is empty")),
            key::ECH => Ok(SvcParam::Ech(value.to_vec())),
            key::IPV6HINT => {
                if value.is_empty() || !value.len().is_multiple_of(16) {
                    return Err(bad_len("ipv6hint must hold one or more 16-octet addresses"));
                }
                let mut addresses = Vec::with_capacity(value.len() / 16);
                for chunk in value.chunks_exact(16) {
                    let mut octets = [0u8; 16];
                    octets.copy_from_slice(chunk);
                    addresses.push(Ipv6Addr::from(octets));
                }
                Ok(SvcParam::Ipv6Hint(addresses))
            }
            _ => Ok(SvcParam::Other { key, value: value.to_vec() }),
        }
    }

    /// Reads one `key | length | value` from `r`.
    pub(super) fn read(r: &mut Reader<'_>) -> Result<SvcParam, WireError> {
        let key = r.u16()?;
        let len = usize::from(r.u16()?);
        let at = r.position();
        if len > r.remaining() {
            return Err(r.error(WireErrorKind::BadLength("SvcParam value overruns RDATA")));
        }
        SvcParam::decode(key, r.bytes(len)?, at)
    }

    /// Writes `key | length | value`.
    pub(super) fn write(&self, w: &mut Writer) {
        w.u16(self.key());
        let length_at = w.len();
        w.u16(0);
        match self {
            SvcParam::Mandatory(keys) => keys.iter().for_each(|&k| w.u16(k)),
            SvcParam::Alpn(ids) => ids.iter().for_each(|id| w.char_string(id)),
            SvcParam::NoDefaultAlpn => {}
            SvcParam::Port(port) => w.u16(*port),
            SvcParam::Ipv4Hint(addresses) => addresses.iter().for_each(|a| w.bytes(&a.octets())),
            SvcParam::Ech(value) | SvcParam::Other { value, .. } => w.bytes(value),
            SvcParam::Ipv6Hint(addresses) => addresses.iter().for_each(|a| w.bytes(&a.octets())),
        }
        let len = w.len() - length_at - 2;
        w.patch_u16(length_at, len as u16);
    }

    /// Builds the param of `key` from its presentation value, already freed of char-string
    /// escapes (RFC 9460 Appendix A.1); `None` when the key was written without `=`.
    pub(super) fn from_text(key: u16, value: Option<&[u8]>) -> Result<SvcParam, String> {
        let name = key_name(key);
        let needed = || format!("{name} needs a value ({name}=...)");
        match key {
            key::MANDATORY => {
                let items = split_list(value.ok_or_else(needed)?)?;
                let mut keys = Vec::with_capacity(items.len());
                for item in &items {
                    let k = key_from_text(item).ok_or_else(|| {
                        format!(
                            "`{}` in mandatory is not a SvcParamKey",
                            String::from_utf8_lossy(item)
                        )
                    })?;
                    if k == key::MANDATORY {
                        return Err("mandatory may not list itself (RFC 9460 §8)".into());
                    }
                    if keys.contains(&k) {
                        return Err(format!("mandatory lists {} twice", key_name(k)));
                    }
                    keys.push(k);
                }
                keys.sort_unstable();
                Ok(SvcParam::Mandatory(keys))
            }
            key::ALPN => {
                let ids = split_list(value.ok_or_else(needed)?)?;
                if ids.iter().any(|id| id.len() > 255) {
                    return Err("an alpn ID is longer than 255 octets".into());
                }
                Ok(SvcParam::Alpn(ids))
            }
            key::NO_DEFAULT_ALPN => match value {
                None | Some([]) => Ok(SvcParam::NoDefaultAlpn),
                Some(_) => Err("no-default-alpn takes no value".into()),
            },
            key::PORT => {
                let text = value.ok_or_else(needed)?;
                parse_decimal(text)
                    .and_then(|v| u16::try_from(v).ok())
                    .map(SvcParam::Port)
                    .ok_or_else(|| "port must be a number from 0 to 65535".into())
            }
            key::IPV4HINT => {
                addresses(value.ok_or_else(needed)?, "ipv4hint", "IPv4").map(SvcParam::Ipv4Hint)
            }
            key::ECH => {
                let value = value.ok_or_else(needed)?;
                let config = decode_base64(value).map_err(|m| format!("bad ech: {m}"))?;
                if config.is_empty() {
                    return Err("ech is empty".into());
                }
                Ok(SvcParam::Ech(config))
            }
            key::IPV6HINT => {
                addresses(value.ok_or_else(needed)?, "ipv6hint", "IPv6").map(SvcParam::Ipv6Hint)
            }
            _ => Ok(SvcParam::Other { key, value: value.unwrap_or_default().to_vec() }),
        }
    }
}

/// Splits a comma-separated value list (RFC 9460 Appendix A.1): a backslash makes the next
/// octet literal (for `\,` and `\\`); items may not be empty.
fn split_list(value: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut items = Vec::new();
    let mut item = Vec::new();
    let mut octets = value.iter();
    while let Some(&octet) = octets.next() {
        match octet {
            b'\\' => {
                let &next = octets.next().ok_or("a value list may not end with a backslash")?;
                item.push(next);
            }
            b',' => items.push(std::mem::take(&mut item)),
            _ => item.push(octet),
        }
    }
    items.push(item);
    if items.iter().any(Vec::is_empty) {
        return Err("empty item in a comma-separated value list".into());
    }
    Ok(items)
}

fn addresses<T: std::str::FromStr>(
    value: &[u8],
    key: &str,
    family: &str,
) -> Result<Vec<T>, String> {
    split_list(value)?
        .iter()
        .map(|item| {
            std::str::from_utf8(item).ok().and_then(|s| s.parse().ok()).ok_or_else(|| {
                format!("bad {key}: `{}` is not an {family} address", String::from_utf8_lossy(item))
            })
        })
        .collect()
}

impl fmt::Display for SvcParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        key_name(self.key()).fmt(f)?;
        match self {
            SvcParam::Mandatory(keys) => {
                for (i, &k) in keys.iter().enumerate() {
                    f.write_str(if i == 0 { "=" } else { "," })?;
                    key_name(k).fmt(f)?;
                }
                Ok(())
            }
            SvcParam::Alpn(ids) => {
                // List escaping first (`,` and `\`), then char-string escaping on the whole.
                let mut list = Vec::new();
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        list.push(b',');
                    }
                    for &octet in id {
                        if matches!(octet, b',' | b'\\') {
                            list.push(b'\\');
                        }
                        list.push(octet);
                    }
                }
                f.write_str("=")?;
                write_value(f, &list)
            }
            SvcParam::NoDefaultAlpn => Ok(()),
            SvcParam::Port(port) => write!(f, "={port}"),
            SvcParam::Ipv4Hint(addresses) => write_addresses(f, addresses),
            SvcParam::Ech(config) => {
                f.write_str("=")?;
                write_base64(f, config)
            }
            SvcParam::Ipv6Hint(addresses) => write_addresses(f, addresses),
            SvcParam::Other { value, .. } if value.is_empty() => Ok(()),
            SvcParam::Other { value, .. } => {
                f.write_str("=")?;
                write_value(f, value)
            }
        }
    }
}

/// Writes a value as a quoted char-string with spaces, `;` and parentheses escaped too
/// (`\032`), so that it stays one token for any zone tokenizer, even one that does not know
/// `key="..."` and so ends an unquoted token at a comment or a parenthesis.
fn write_value(f: &mut fmt::Formatter<'_>, value: &[u8]) -> fmt::Result {
    let mut quoted = String::new();
    write_char_string(&mut quoted, value)?;
    for c in quoted.chars() {
        match c {
            ' ' | ';' | '(' | ')' => write!(f, "\\{:03}", u32::from(c))?,
            _ => f.write_char(c)?,
        }
    }
    Ok(())
}

fn write_addresses<T: fmt::Display>(f: &mut fmt::Formatter<'_>, addresses: &[T]) -> fmt::Result {
    for (i, address) in addresses.iter().enumerate() {
        f.write_str(if i == 0 { "=" } else { "," })?;
        address.fmt(f)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        assert_eq!(key_from_text(b"ALPN"), Some(1));
        assert_eq!(key_from_text(b"key1"), Some(1));
        assert_eq!(key_from_text(b"key65535"), Some(65535));
        assert_eq!(key_from_text(b"key65536"), None);
        assert_eq!(key_from_text(b"key01"), None);
        assert_eq!(key_from_text(b"key"), None);
        assert_eq!(key_from_text(b"dohpath"), None);
        assert_eq!(key_name(6).to_string(), "ipv6hint");
        assert_eq!(key_name(7).to_string(), "key7");
    }

    #[test]
    fn value_lists() {
        assert_eq!(split_list(b"a,b").unwrap(), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            split_list(b"f\\\\oo\\,bar,h2").unwrap(),
            vec![b"f\\oo,bar".to_vec(), b"h2".to_vec()]
        );
        assert!(split_list(b"a,,b").is_err());
        assert!(split_list(b"").is_err());
        assert!(split_list(b"a,").is_err());
        assert!(split_list(b"a\\").is_err());
    }

    #[test]
    fn values_with_comment_and_parenthesis_characters_read_back_from_a_zone_file() {
        use crate::name::Name;
        use crate::zone::{NoIncludes, ReaderOptions, ZoneReader};
        let value = SvcParam::Other { key: 667, value: b"a;b (c)\"d".to_vec() };
        assert_eq!(value.to_string(), r#"key667="a\059b\032\040c\041\"d""#);
        let alpn = SvcParam::Alpn(vec![b"x;y)".to_vec()]);
        let text = format!("svc 300 IN HTTPS 1 . {alpn} {value}\n");
        let origin = Name::parse("example.", None).unwrap();
        let mut zone = ZoneReader::new(
            text.as_bytes(),
            "z",
            Some(origin),
            ReaderOptions::default(),
            &NoIncludes,
        );
        let record = zone.next().unwrap().unwrap().record;
        assert_eq!(record.data.to_string(), format!("1 . {alpn} {value}"));
    }
}
