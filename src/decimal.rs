//! Decimal text for the few numbers the library reads and writes: integers in playlists and HTTP headers
//! (sequence numbers, byte ranges, `Content-Length`), fractional seconds in playlists (`#EXTINF:6.006,`,
//! `FRAME-RATE=29.970`, the seconds of a `PROGRAM-DATE-TIME`), the table of a `.cube` LUT (which may write
//! exponents), and seconds in error messages.
//!
//! Core's general float parsing and formatting handle every exponent and the shortest round-trip digits; in
//! the wasm they cost about 35 KiB (tables of powers of five and ten, and three digit-generation algorithms).
//! Media text never needs that range: a playlist writes plain decimals, and a message wants a fixed number of
//! decimals. The functions here do just that, and read integers with one digits reader rather than an
//! instance of core's integer parsing.

use std::fmt;

/// The most significant digits a decimal keeps; later digits are below an `f64`'s precision anyway.
const SIGNIFICANT_DIGITS: u32 = 19;

/// The number a plain decimal (`12`, `-0.5`, `6.006`, `.5`, `3.`) writes, as the `f64` nearest to it.
///
/// `None` for anything else: no exponents, `inf` or `NaN`, no `+`, no spaces, and no number too large for an
/// `f64`. With at most 15 significant digits and 22 decimals (every time and rate media text writes) the result
/// is the correctly rounded `f64`; longer decimals land within a few units of the last place.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    // value = mantissa × 10^exponent, keeping the leading significant digits in the mantissa.
    let mut mantissa: u64 = 0;
    let mut kept = 0;
    let mut exponent: i32 = 0;
    for (digit, is_fraction) in whole
        .bytes()
        .map(|b| (b, false))
        .chain(fraction.bytes().map(|b| (b, true)))
    {
        if kept < SIGNIFICANT_DIGITS {
            mantissa = mantissa * 10 + u64::from(digit - b'0');
            kept += u32::from(mantissa != 0);
            exponent -= i32::from(is_fraction);
        } else {
            exponent += i32::from(!is_fraction);
        }
    }
    let magnitude = if exponent < 0 {
        mantissa as f64 / 10f64.powi(-exponent)
    } else {
        mantissa as f64 * 10f64.powi(exponent)
    };
    let value = if negative { -magnitude } else { magnitude };
    value.is_finite().then_some(value)
}

/// The number `text` writes in decimal digits alone (no sign, no spaces), when it fits a `u64`.
pub fn parse_digits(text: &str) -> Option<u64> {
    let mut value: u64 = 0;
    if text.is_empty() {
        return None;
    }
    for byte in text.bytes() {
        let digit = byte.checked_sub(b'0').filter(|d| *d < 10)?;
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// The number a decimal with an optional exponent writes (`1.52588e-05`, `2E+3`, `+0.5`, `-.25`), as the
/// `f64` nearest to it within a few units of the last place: how LUT files (`.cube`) and other tools' number
/// columns write floats. The mantissa is a [`parse_decimal`] (plus an optional leading `+`); the exponent is
/// up to four digits after an optional sign. `None` for anything else, and for results beyond an `f64`.
pub fn parse_scientific(text: &str) -> Option<f64> {
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let mantissa = match mantissa.strip_prefix('+') {
        Some(rest) if !rest.starts_with('-') => rest,
        Some(_) => return None,
        None => mantissa,
    };
    let value = parse_decimal(mantissa)?;
    let (negative, digits) = match exponent.as_bytes().first() {
        Some(b'-') => (true, exponent.get(1..)?),
        Some(b'+') => (false, exponent.get(1..)?),
        _ => (false, exponent),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let power = digits.bytes().fold(0i32, |n, b| n * 10 + i32::from(b - b'0'));
    if value == 0.0 {
        return Some(value);
    }
    // Two steps, so that 1e-320 (a denormal) is not 1 / 1e320 = 1 / inf.
    let half = power / 2;
    let scale = |v: f64, p: i32| if negative { v / 10f64.powi(p) } else { v * 10f64.powi(p) };
    let result = scale(scale(value, half), power - half);
    result.is_finite().then_some(result)
}

/// `value` written with `decimals` digits after the point, rounded half away from zero: `12.346` for
/// `Fixed(12.3456, 3)`. `NaN` and `inf` print as such; finite magnitudes of 10^18 and beyond, which no media
/// time reaches, print as `±1e18+`.
pub struct Fixed(pub f64, pub u8);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(value, decimals) = *self;
        if value.is_nan() {
            return f.write_str("NaN");
        }
        let sign = if value.is_sign_negative() { "-" } else { "" };
        if value.is_infinite() {
            return write!(f, "{sign}inf");
        }
        let unit = 10u64.pow(u32::from(decimals.min(9)));
        let scaled = (value.abs() * unit as f64).round();
        if scaled >= 1e18 {
            return write!(f, "{sign}1e18+");
        }
        let scaled = scaled as u64;
        let (whole, fraction) = (scaled / unit, scaled % unit);
        let sign = if scaled == 0 { "" } else { sign };
        match decimals {
            0 => write!(f, "{sign}{whole}"),
            _ => write!(
                f,
                "{sign}{whole}.{fraction:0width$}",
                width = usize::from(decimals.min(9))
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_alone_make_a_number() {
        assert_eq!(parse_digits("0"), Some(0));
        assert_eq!(parse_digits("236158213"), Some(236_158_213));
        assert_eq!(parse_digits("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "+5", "-1", " 7", "1e3", "12a", "18446744073709551616"] {
            assert_eq!(parse_digits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn plain_decimals_parse_to_the_nearest_f64() {
        for (text, value) in [
            ("0", 0.0),
            ("12", 12.0),
            ("6.006", 6.006),
            ("-0.5", -0.5),
            (".5", 0.5),
            ("3.", 3.0),
            ("29.970", 29.97),
            ("0.000000000000000000001", 1e-21),
            ("10.000000000000000000000000001", 10.0),
        ] {
            assert_eq!(parse_decimal(text), Some(value), "{text}");
        }
        let long = parse_decimal("123456789012345678901234.5").unwrap();
        assert!((long / 1.2345678901234568e23 - 1.0).abs() < 1e-15, "{long}");
    }

    #[test]
    fn anything_but_a_plain_decimal_is_refused() {
        for text in [
            "", ".", "-", "+1", " 1", "1 ", "1e3", "inf", "NaN", "1.2.3", "0x10", "1,5", "1-",
        ] {
            assert_eq!(parse_decimal(text), None, "{text:?}");
        }
        assert_eq!(parse_decimal(&"9".repeat(400)), None, "beyond f64");
    }

    #[test]
    fn parsing_agrees_with_core_on_media_times() {
        for ticks in (0..200_000u64).step_by(7) {
            let text = format!("{}.{:03}", ticks / 1000, ticks % 1000);
            assert_eq!(parse_decimal(&text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn scientific_numbers_parse_with_their_exponent() {
        for (text, value) in [
            ("1.52588e-05", 1.52588e-05),
            ("2E+3", 2000.0),
            ("+0.5", 0.5),
            ("-.25", -0.25),
            ("0.000000", 0.0),
            ("1", 1.0),
            ("3.5e0", 3.5),
            ("-1e-320", -1e-320),
            ("0e9999", 0.0),
            ("1.7e308", 1.7e308),
        ] {
            let parsed = parse_scientific(text).unwrap_or_else(|| panic!("{text}"));
            assert!(
                (parsed - value).abs() <= value.abs() * 1e-15,
                "{text}: {parsed} vs {value}"
            );
        }
        for text in [
            "", "e5", "1e", "1e+", "1e-", "1e5.0", "1e99999", "+-1", "++1", "1e3e3", "1.0f", "inf", "NaN", " 1",
            "1e400",
        ] {
            assert_eq!(parse_scientific(text), None, "{text:?}");
        }
    }

    #[test]
    fn fixed_rounds_half_away_from_zero_to_its_decimals() {
        for (value, decimals, text) in [
            (12.3456, 3, "12.346"),
            (0.0, 3, "0.000"),
            (-1.5, 0, "-2"),
            (2.5, 0, "3"),
            (-0.0004, 3, "0.000"),
            (599.99, 1, "600.0"),
            (-3.25, 1, "-3.3"),
            (0.05, 2, "0.05"),
            (f64::NAN, 3, "NaN"),
            (f64::INFINITY, 3, "inf"),
            (1e300, 3, "1e18+"),
            (-1e30, 1, "-1e18+"),
        ] {
            assert_eq!(Fixed(value, decimals).to_string(), text, "{value}");
        }
    }
}
