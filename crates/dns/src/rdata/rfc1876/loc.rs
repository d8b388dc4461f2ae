use std::fmt;

use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens, lossy};
use crate::wire::{Reader, WireError, WireErrorKind, Writer};

/// A geographical location (RFC 1876 §2), kept in its wire encoding.
///
/// Wire format: version (u8, always 0), size, horizontal precision, vertical precision (one
/// octet each, RFC 1876 "base and exponent" form), latitude, longitude (u32 thousandths of an
/// arc second, 2^31 being the equator or the prime meridian), altitude (u32 centimetres above
/// 100 000 m below the WGS 84 reference spheroid).
///
/// Presentation (RFC 1876 §3):
/// `d [m [s]] {N|S} d [m [s]] {E|W} alt[m] [siz[m] [hp[m] [vp[m]]]]`, seconds with up to three
/// decimals, metres with up to two; size, horizontal and vertical precision default to 1 m,
/// 10 000 m and 10 m. Sizes are stored as one digit times a power of ten, so other values are cut
/// down to that form (`15m` becomes `10m`), as BIND and dnspython do. Ranges are BIND's: degrees
/// up to 90 (latitude) or 180 (longitude) in total, minutes and seconds below 60, altitude from
/// -100000.00 m to 42849672.95 m, sizes up to 90000000.00 m. As in BIND and Knot, the hemisphere
/// letters and the `m` suffix must be as written here (upper and lower case respectively); ldns
/// is laxer. An altitude may carry `-` but, as RFC 1876 and Knot have it, not `+` (BIND takes
/// `+`). It is printed as BIND prints it: `42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m`.
///
/// On wire the version must be 0 (no other is defined, and its layout would be unknown), each
/// precision digit at most 9, and the coordinates within their ranges, as BIND checks. A size or
/// precision of zero with a non-zero exponent (`0x01`–`0x09`) is refused too, which BIND does
/// not do: no presentation form gives it (BIND prints it as `0.00m` or `0m`, which reads back as
/// `0x00`), so it could not survive a trip through a zone file; encoders write zero as `0x00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loc {
    /// Diameter of the sphere enclosing the entity, as base (high nibble) and exponent of ten
    /// (low nibble) centimetres.
    pub size: u8,
    /// Horizontal precision, encoded as `size`.
    pub horizontal_precision: u8,
    /// Vertical precision, encoded as `size`.
    pub vertical_precision: u8,
    /// Thousandths of an arc second north of 2^31 (the equator); south is below it.
    pub latitude: u32,
    /// Thousandths of an arc second east of 2^31 (the prime meridian); west is below it.
    pub longitude: u32,
    /// Centimetres above a base 100 000 m below the WGS 84 reference spheroid.
    pub altitude: u32,
}

const EQUATOR: u32 = 1 << 31;
const MS_PER_DEGREE: u32 = 3_600_000;
/// The altitude value of the reference spheroid, in centimetres.
const ALTITUDE_BASE: i64 = 10_000_000;
/// The largest size or precision: 9 × 10^9 cm.
const MAX_SIZE_CM: u64 = 9_000_000_000;

/// Defaults of RFC 1876 §3: 1 m, 10 000 m, 10 m.
const DEFAULT_SIZE: u8 = 0x12;
const DEFAULT_HORIZONTAL: u8 = 0x16;
const DEFAULT_VERTICAL: u8 = 0x13;

impl Loc {
    #[cfg(test)]
    fn default_at_origin() -> Loc {
        Loc {
            size: DEFAULT_SIZE,
            horizontal_precision: DEFAULT_HORIZONTAL,
            vertical_precision: DEFAULT_VERTICAL,
            latitude: EQUATOR,
            longitude: EQUATOR,
            altitude: ALTITUDE_BASE as u32,
        }
    }

    /// Latitude in thousandths of an arc second, north positive.
    pub fn latitude_ms(&self) -> i64 {
        i64::from(self.latitude) - i64::from(EQUATOR)
    }

    /// Longitude in thousandths of an arc second, east positive.
    pub fn longitude_ms(&self) -> i64 {
        i64::from(self.longitude) - i64::from(EQUATOR)
    }

    /// Altitude in centimetres above the WGS 84 reference spheroid.
    pub fn altitude_cm(&self) -> i64 {
        i64::from(self.altitude) - ALTITUDE_BASE
    }
}

/// Centimetres of a size or precision octet, or `None` when the octet is not one that text can
/// give: a digit above 9, or a zero with an exponent (`0x01`–`0x09`), which would print as
/// `0.00m` and read back as `0x00`.
pub fn precision_cm(octet: u8) -> Option<u64> {
    let (base, exponent) = (octet >> 4, octet & 0x0f);
    (base <= 9 && exponent <= 9 && (base > 0 || exponent == 0))
        .then(|| u64::from(base) * 10u64.pow(u32::from(exponent)))
}

/// The octet for `cm` centimetres (at most 9 × 10^9): its leading digit and power of ten, the
/// rest cut off as RFC 1876's reference code does.
fn encode_precision(cm: u64) -> u8 {
    let mut exponent = 0u8;
    while exponent < 9 && cm >= 10u64.pow(u32::from(exponent) + 1) {
        exponent += 1;
    }
    let base = (cm / 10u64.pow(u32::from(exponent))).min(9) as u8;
    (base << 4) | exponent
}

fn within(value: u32, max_ms: u32) -> bool {
    value.abs_diff(EQUATOR) <= max_ms
}

impl RecordType for Loc {
    const RTYPE: Rtype = Rtype::LOC;

    fn decode(r: &mut Reader<'_>) -> Result<Loc, WireError> {
        let at = r.position();
        if r.u8()? != 0 {
            return Err(WireError::new(at, WireErrorKind::BadValue("LOC version is not 0")));
        }
        let [size, horizontal_precision, vertical_precision] = r.array::<3>()?;
        if [size, horizontal_precision, vertical_precision]
            .iter()
            .any(|&p| precision_cm(p).is_none())
        {
            return Err(WireError::new(
                at + 1,
                WireErrorKind::BadValue(
                    "LOC size or precision is not a digit 0-9 times a power of ten",
                ),
            ));
        }
        let at = r.position();
        let latitude = r.u32()?;
        let longitude = r.u32()?;
        if !within(latitude, 90 * MS_PER_DEGREE) || !within(longitude, 180 * MS_PER_DEGREE) {
            return Err(WireError::new(
                at,
                WireErrorKind::BadValue("LOC latitude or longitude out of range"),
            ));
        }
        let altitude = r.u32()?;
        Ok(Loc { size, horizontal_precision, vertical_precision, latitude, longitude, altitude })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(0);
        w.u8(self.size);
        w.u8(self.horizontal_precision);
        w.u8(self.vertical_precision);
        w.u32(self.latitude);
        w.u32(self.longitude);
        w.u32(self.altitude);
    }

    fn parse_text(t: &mut Tokens<'_>) -> Result<Loc, TextError> {
        let latitude = coordinate(t, &LATITUDE)?;
        let longitude = coordinate(t, &LONGITUDE)?;
        let altitude = altitude(t)?;
        let mut sizes = [DEFAULT_SIZE, DEFAULT_HORIZONTAL, DEFAULT_VERTICAL];
        for (slot, what) in sizes.iter_mut().zip(SIZE_NAMES) {
            if t.is_empty() {
                break;
            }
            *slot = size(t, what)?;
        }
        let [size, horizontal_precision, vertical_precision] = sizes;
        Ok(Loc { size, horizontal_precision, vertical_precision, latitude, longitude, altitude })
    }
}

const SIZE_NAMES: [&str; 3] = ["LOC size", "LOC horizontal precision", "LOC vertical precision"];

/// One axis: its name, degree limit and hemisphere letters (positive first).
struct Axis {
    what: &'static str,
    max_degrees: u32,
    positive: u8,
    negative: u8,
}

const LATITUDE: Axis =
    Axis { what: "LOC latitude", max_degrees: 90, positive: b'N', negative: b'S' };
const LONGITUDE: Axis =
    Axis { what: "LOC longitude", max_degrees: 180, positive: b'E', negative: b'W' };

/// Reads `d [m [s]] H` and returns the wire value.
fn coordinate(t: &mut Tokens<'_>, axis: &Axis) -> Result<u32, TextError> {
    let what = axis.what;
    let hemisphere = |text: &[u8]| match text {
        [c] if *c == axis.positive => Some(true),
        [c] if *c == axis.negative => Some(false),
        _ => None,
    };
    let out_of_range = |t: &Tokens<'_>, text: &[u8], limit: &str| {
        t.error_here(format!("bad {what} `{}`: must be {limit}", lossy(text)))
    };
    // Degrees, then up to two numbers (minutes, seconds), then the hemisphere letter.
    let mut ms: u64 = 0;
    let mut north = None;
    for (field, scale) in [(0, 3_600_000u64), (1, 60_000), (2, 1)] {
        let token = t.next(what)?;
        if field > 0
            && let Some(h) = hemisphere(token.text)
        {
            north = Some(h);
            break;
        }
        let value =
            if field == 2 { fixed_point(token.text, 3) } else { fixed_point(token.text, 0) }
                .ok_or_else(|| {
                    t.error_here(format!(
                        "bad {what} `{}`: expected a number or {}/{}",
                        lossy(token.text),
                        axis.positive as char,
                        axis.negative as char
                    ))
                })?;
        let limit = match field {
            0 => u64::from(axis.max_degrees),
            1 => 59,
            _ => 59_999,
        };
        if value > limit {
            let limit = match field {
                0 => format!("at most {} degrees", axis.max_degrees),
                1 => "below 60 minutes".to_owned(),
                _ => "below 60 seconds".to_owned(),
            };
            return Err(out_of_range(t, token.text, &limit));
        }
        ms += value * scale;
    }
    let north = match north {
        Some(h) => h,
        None => {
            let token = t.next(what)?;
            hemisphere(token.text).ok_or_else(|| {
                t.error_here(format!(
                    "bad {what} `{}`: expected {} or {}",
                    lossy(token.text),
                    axis.positive as char,
                    axis.negative as char
                ))
            })?
        }
    };
    let max = u64::from(axis.max_degrees * MS_PER_DEGREE);
    if ms > max {
        return Err(t.error_here(format!("{what} is beyond {} degrees", axis.max_degrees)));
    }
    // `ms` is at most 180 degrees, well inside 2^31 either way.
    let ms = ms as u32;
    Ok(if north { EQUATOR + ms } else { EQUATOR - ms })
}

/// Reads `[-]m[.cm][m]` and returns the wire value.
fn altitude(t: &mut Tokens<'_>) -> Result<u32, TextError> {
    let token = t.next("LOC altitude")?;
    let (negative, digits) = match token.text {
        [b'-', rest @ ..] => (true, rest),
        text => (false, text),
    };
    let bad = |t: &Tokens<'_>| {
        t.error_here(format!(
            "bad LOC altitude `{}`: expected metres from -100000.00 to 42849672.95, such as -24.5m",
            lossy(token.text)
        ))
    };
    let cm = fixed_point(strip_metres(digits), 2).ok_or_else(|| bad(t))?;
    let cm = i64::try_from(cm).map_err(|_| bad(t))?;
    let value = ALTITUDE_BASE + if negative { -cm } else { cm };
    u32::try_from(value).map_err(|_| bad(t))
}

/// Reads a size or precision `m[.cm][m]` and returns its octet.
fn size(t: &mut Tokens<'_>, what: &'static str) -> Result<u8, TextError> {
    let token = t.next(what)?;
    fixed_point(strip_metres(token.text), 2)
        .filter(|&cm| cm <= MAX_SIZE_CM)
        .map(encode_precision)
        .ok_or_else(|| {
            t.error_here(format!(
                "bad {what} `{}`: expected metres from 0 to 90000000.00, such as 10m",
                lossy(token.text)
            ))
        })
}

fn strip_metres(text: &[u8]) -> &[u8] {
    text.strip_suffix(b"m").unwrap_or(text)
}

/// Parses `int[.frac]` with at most `decimals` fraction digits, scaled to an integer count of
/// the fraction's unit. Either part may be empty (`1.`, `.5`), not both, as BIND reads them.
fn fixed_point(text: &[u8], decimals: u32) -> Option<u64> {
    let (int, frac) = match text.iter().position(|&c| c == b'.') {
        Some(dot) if decimals > 0 => (text.get(..dot)?, text.get(dot + 1..)?),
        Some(_) => return None,
        None => (text, &[][..]),
    };
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if (int.is_empty() && frac.is_empty())
        || int.len() > 12
        || frac.len() > decimals as usize
        || !all_digits(int)
        || !all_digits(frac)
    {
        return None;
    }
    let number = |s: &[u8]| s.iter().fold(0u64, |n, &c| n * 10 + u64::from(c - b'0'));
    let scale = 10u64.pow(decimals);
    let frac_scale = 10u64.pow(decimals - frac.len() as u32);
    Some(number(int) * scale + number(frac) * frac_scale)
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_coordinate(f, self.latitude, 'N', 'S')?;
        f.write_str(" ")?;
        write_coordinate(f, self.longitude, 'E', 'W')?;
        let cm = self.altitude_cm();
        let sign = if cm < 0 { "-" } else { "" };
        let cm = cm.unsigned_abs();
        write!(f, " {sign}{}.{:02}m", cm / 100, cm % 100)?;
        for octet in [self.size, self.horizontal_precision, self.vertical_precision] {
            f.write_str(" ")?;
            write_size(f, octet)?;
        }
        Ok(())
    }
}

fn write_coordinate(
    f: &mut fmt::Formatter<'_>,
    value: u32,
    positive: char,
    negative: char,
) -> fmt::Result {
    let (ms, hemisphere) =
        if value >= EQUATOR { (value - EQUATOR, positive) } else { (EQUATOR - value, negative) };
    let (degrees, minutes) = (ms / MS_PER_DEGREE, ms / 60_000 % 60);
    let (seconds, thousandths) = (ms / 1_000 % 60, ms % 1_000);
    write!(f, "{degrees} {minutes} {seconds}.{thousandths:03} {hemisphere}")
}

/// As BIND: whole metres when the exponent makes them whole, else metres with two decimals.
fn write_size(f: &mut fmt::Formatter<'_>, octet: u8) -> fmt::Result {
    let (base, exponent) = (u64::from(octet >> 4), u32::from(octet & 0x0f));
    if exponent >= 2 {
        write!(f, "{}m", base * 10u64.pow(exponent - 2))
    } else {
        let cm = base * 10u64.pow(exponent);
        write!(f, "{}.{:02}m", cm / 100, cm % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::testing::{rejects, round_trip};

    #[test]
    fn round_trips() {
        // RFC 1876 §4 and peers' output.
        round_trip(
            Rtype::LOC,
            "42 21 54 N 71 06 18 W -24m 30m",
            "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m",
            "0033161389172dd070be15f000988d20",
        );
        round_trip(
            Rtype::LOC,
            "1 2 3.5 N 4 5 6.25 E 1.5m 15m 0.5 1234",
            "1 2 3.500 N 4 5 6.250 E 1.50m 10m 0.50m 1000m",
            "001351158038d0ec80e0664a00989716",
        );
        round_trip(
            Rtype::LOC,
            "90 S 180 W 42849672.95m 90000000m 0.01m 0m",
            "90 0 0.000 S 180 0 0.000 W 42849672.95m 90000000m 0.01m 0.00m",
            "009910006cb0270059604e00ffffffff",
        );
        round_trip(
            Rtype::LOC,
            "0 N 0 E 0",
            "0 0 0.000 N 0 0 0.000 E 0.00m 1m 10000m 10m",
            "00121613800000008000000000989680",
        );
        round_trip(
            Rtype::LOC,
            "0 0 .5 S 0 1 1. W -100000m 1.m",
            "0 0 0.500 S 0 1 1.000 W -100000.00m 1m 10000m 10m",
            "00121613 7ffffe0c 7fff11b8 00000000",
        );
    }

    #[test]
    fn precision_octets() {
        assert_eq!(encode_precision(0), 0x00);
        assert_eq!(encode_precision(1), 0x10);
        assert_eq!(encode_precision(1500), 0x13);
        assert_eq!(encode_precision(MAX_SIZE_CM), 0x99);
        assert_eq!(precision_cm(0x99), Some(MAX_SIZE_CM));
        assert_eq!(precision_cm(0xa0), None);
        assert_eq!(precision_cm(0x0a), None);
        assert_eq!(precision_cm(0x00), Some(0));
        assert_eq!(precision_cm(0x03), None);
    }

    #[test]
    fn rejects_bad_fields() {
        rejects(Rtype::LOC, "91 N 0 E 0", "at most 90 degrees");
        rejects(Rtype::LOC, "90 1 N 0 E 0", "beyond 90 degrees");
        rejects(Rtype::LOC, "0 60 N 0 E 0", "below 60 minutes");
        rejects(Rtype::LOC, "0 0 60 N 0 E 0", "below 60 seconds");
        rejects(Rtype::LOC, "0 0 59.9999 N 0 E 0", "bad LOC latitude");
        rejects(Rtype::LOC, "0 N 181 E 0", "at most 180 degrees");
        rejects(Rtype::LOC, "0 n 0 E 0", "bad LOC latitude `n`");
        rejects(Rtype::LOC, "0 0 0 E 0 E 0", "expected N or S");
        rejects(Rtype::LOC, "0 N 0 N 0", "bad LOC longitude");
        rejects(Rtype::LOC, "0 N 0 E -100000.01m", "bad LOC altitude");
        rejects(Rtype::LOC, "0 N 0 E 42849672.96", "bad LOC altitude");
        rejects(Rtype::LOC, "0 N 0 E +5", "bad LOC altitude");
        rejects(Rtype::LOC, "0 N 0 E 1.001", "bad LOC altitude");
        rejects(Rtype::LOC, "0 N 0 E 0 90000001m", "bad LOC size");
        rejects(Rtype::LOC, "0 N 0 E 0 1M", "bad LOC size");
        rejects(Rtype::LOC, "0 N 0 E 0 1 1 1.001", "bad LOC vertical precision");
        rejects(Rtype::LOC, "0 N 0 E 0 1 -1", "bad LOC horizontal precision");
        rejects(Rtype::LOC, "0 N 0 E 0m 1m 1m 1m 1m", "unexpected extra data");
        rejects(Rtype::LOC, "0 N 0 E", "missing LOC altitude");
        rejects(Rtype::LOC, "0 N", "missing LOC longitude");
        rejects(Rtype::LOC, "0 N 0 . E 0", "bad LOC longitude");
    }

    #[test]
    fn rejects_bad_wire() {
        let bad = |hex: &str, needle: &str| {
            rejects(Rtype::LOC, &format!("\\# 16 {hex}"), needle);
        };
        bad("01121613800000008000000000989680", "not valid for type LOC");
        bad("00a21613800000008000000000989680", "not valid for type LOC");
        bad("00121603800000008000000000989680", "not valid for type LOC");
        bad("001216138000000080000000009896", "says 16 octets");
        bad("00121613 9386c780 80000000 00989680", "not valid for type LOC");
        bad("00121613 80000000 a6d6a080 00989680", "not valid for type LOC");
    }

    mod props {
        use proptest::prelude::*;

        use super::*;
        use crate::rdata::RecordData;
        use crate::rdata::testing::parse;

        /// `d [m [s]] H`, each part possibly out of range.
        fn coordinate(max: u32, hemispheres: &'static str) -> impl Strategy<Value = String> {
            (
                0..=max + 1,
                proptest::option::of((0u32..61, proptest::option::of((0u32..61, 0u32..1000)))),
                proptest::sample::select(hemispheres.chars().collect::<Vec<_>>()),
            )
                .prop_map(|(d, rest, h)| match rest {
                    None => format!("{d} {h}"),
                    Some((m, None)) => format!("{d} {m} {h}"),
                    Some((m, Some((s, ms)))) => format!("{d} {m} {s}.{ms:03} {h}"),
                })
        }

        fn metres() -> impl Strategy<Value = String> {
            prop_oneof![
                (0u64..100_000_000, 0u64..100).prop_map(|(m, cm)| format!("{m}.{cm:02}m")),
                (0u64..100_000).prop_map(|m| format!("{m}")),
            ]
        }

        proptest! {
            #[test]
            fn text_in_range_round_trips(
                lat in coordinate(90, "NS"),
                lon in coordinate(180, "EW"),
                negative in any::<bool>(),
                alt in metres(),
                sizes in proptest::collection::vec(metres(), 0..=3),
            ) {
                let sign = if negative { "-" } else { "" };
                let text = format!("{lat} {lon} {sign}{alt} {}", sizes.join(" "));
                if let Ok(data) = parse(Rtype::LOC, &text) {
                    let printed = data.to_string();
                    prop_assert_eq!(parse(Rtype::LOC, &printed), Ok(data.clone()), "{}", printed);
                    prop_assert_eq!(RecordData::from_wire(Rtype::LOC, &data.to_wire()), Ok(data));
                }
            }

            #[test]
            fn wire_round_trips(bytes in proptest::array::uniform15(any::<u8>())) {
                let mut wire = vec![0];
                wire.extend_from_slice(&bytes);
                if let Ok(data) = RecordData::from_wire(Rtype::LOC, &wire) {
                    prop_assert_eq!(data.to_wire(), wire);
                    prop_assert_eq!(parse(Rtype::LOC, &data.to_string()), Ok(data));
                }
            }

            #[test]
            fn every_valid_octet_prints_and_reads_back(octet in any::<u8>()) {
                if let Some(cm) = precision_cm(octet) {
                    let data = Loc { size: octet, ..Loc::default_at_origin() };
                    let printed = data.to_string();
                    prop_assert_eq!(parse(Rtype::LOC, &printed), Ok(RecordData::Loc(data)), "{}", printed);
                    prop_assert!(cm <= MAX_SIZE_CM);
                }
            }
        }

        #[test]
        fn coordinates_inside_their_ranges_decode() {
            // Guards the range checks: a coordinate well inside its range must decode.
            let wire = data_encoding::HEXLOWER.decode(b"00121613900000009000000000989680").unwrap();
            assert!(RecordData::from_wire(Rtype::LOC, &wire).is_ok());
        }
    }
}
