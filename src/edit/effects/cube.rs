//! `.cube` 3D LUTs (the Adobe/Resolve text format colourists export looks in).
//!
//! ```text
//! TITLE "Warm look"
//! # comments anywhere
//! LUT_3D_SIZE 33
//! DOMAIN_MIN 0.0 0.0 0.0      (optional; Resolve's LUT_3D_INPUT_RANGE 0.0 1.0 is read too)
//! DOMAIN_MAX 1.0 1.0 1.0
//! 0.000000 0.000000 0.000000   N³ rows of output R G B, red changing fastest, then green, then blue
//! ...
//! ```
//!
//! The table is kept as `f32`, in file order: exactly the layout of a WebGL2 3D texture whose x is red, y
//! green and z blue, uploaded as `RGB16F` from a `Float32Array` (`texImage3D(..., RGB, FLOAT, ...)`), which
//! WebGL2 filters linearly without any extension (`RGB32F` would need `OES_texture_float_linear`). Half floats
//! keep the 10-bit and finer steps of a graded LUT and values outside 0..1 (some LUTs overshoot) that 8-bit
//! would clip or band; 64³ entries (the largest accepted) are 3 MB here and half that on the GPU.

use crate::decimal::parse_scientific;
use crate::error::{Error, ErrorCode, Result};

/// The largest `LUT_3D_SIZE` accepted: 64 points per side (65 and more are rare, and 3 MB is enough).
pub const MAX_LUT_SIZE: usize = 64;

/// A parsed 3D LUT.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    /// The `TITLE`, quotes removed (empty without one).
    pub title: String,
    /// Points per side, 2 to [`MAX_LUT_SIZE`].
    pub size: usize,
    /// The input value that maps to the table's first point, per channel (0 by default).
    pub domain_min: [f32; 3],
    /// The input value that maps to the table's last point, per channel (1 by default).
    pub domain_max: [f32; 3],
    /// `size³` RGB triples: entry `r + g·size + b·size²` at `3 × that` (red fastest).
    pub table: Vec<f32>,
}

impl Lut3d {
    /// The output colour at grid point (`r`, `g`, `b`), each below `size` (`None` outside).
    pub fn entry(&self, r: usize, g: usize, b: usize) -> Option<[f32; 3]> {
        let n = self.size;
        if r >= n || g >= n || b >= n {
            return None;
        }
        let at = 3 * (r + g * n + b * n * n);
        let rgb = self.table.get(at..at + 3)?;
        Some([rgb[0], rgb[1], rgb[2]])
    }
}

/// Parses a `.cube` file's bytes.
///
/// Errors (each naming the line): `malformed_input` for a missing or bad `LUT_3D_SIZE`, a size below 2,
/// rows that are not three numbers, table rows before the size, more or fewer rows than `size³`, a domain
/// whose minimum is not below its maximum, text that is not UTF-8; `limit_exceeded` for a size over
/// [`MAX_LUT_SIZE`]; `unsupported` for 1D LUTs (`LUT_1D_SIZE`). Keywords this parser does not know are
/// skipped before the table (vendors add their own) and refused inside it. Memory is allocated only for
/// as many rows as the remaining bytes can hold, and never more than a 64³ table.
pub fn parse_cube(bytes: &[u8]) -> Result<Lut3d> {
    let mut lut = Lut3d {
        title: String::new(),
        size: 0,
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table: Vec::new(),
    };
    let mut rows = 0usize;
    let mut expected = 0usize;
    let mut consumed = 0usize;
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        consumed += raw.len() + 1;
        let number = index + 1;
        let bad = |what: &str| Error::malformed(format!(".cube line {number}: {what}"));
        let Ok(line) = std::str::from_utf8(raw) else {
            return Err(bad("not UTF-8 text"));
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_ascii_whitespace();
        let first = words.next().unwrap_or_default();
        if !first.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // A table row: three numbers.
            if lut.size == 0 {
                return Err(bad("table data before LUT_3D_SIZE"));
            }
            if rows == expected {
                return Err(bad(&format!(
                    "more table rows than LUT_3D_SIZE {} allows ({expected})",
                    lut.size
                )));
            }
            let mut rgb = [0f32; 3];
            read_numbers(line, &mut rgb).map_err(|what| bad(&what))?;
            lut.table.extend_from_slice(&rgb);
            rows += 1;
            continue;
        }
        if rows > 0 {
            return Err(bad(&format!("keyword {} inside the table", shorten(first))));
        }
        match first {
            "TITLE" => {
                let rest = line.get(first.len()..).unwrap_or_default().trim();
                lut.title = rest.trim_matches('"').to_string();
            }
            "LUT_3D_SIZE" => {
                if lut.size != 0 {
                    return Err(bad("a second LUT_3D_SIZE"));
                }
                let size = match (words.next(), words.next()) {
                    (Some(n), None) if n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()) => {
                        n.bytes().fold(0usize, |v, b| v * 10 + usize::from(b - b'0'))
                    }
                    _ => return Err(bad("LUT_3D_SIZE takes one whole number")),
                };
                if size < 2 {
                    return Err(bad(&format!(
                        "LUT_3D_SIZE {size}: a 3D LUT needs at least 2 points per side"
                    )));
                }
                if size > MAX_LUT_SIZE {
                    return Err(Error::new(
                        ErrorCode::LimitExceeded,
                        format!(".cube line {number}: LUT_3D_SIZE {size} is over the {MAX_LUT_SIZE} supported"),
                    ));
                }
                expected = size * size * size;
                // The shortest row is "0 0 0" and a line break: refuse a size the bytes cannot hold before
                // allocating for it.
                let left = bytes.len().saturating_sub(consumed);
                if left < expected * 6 - 1 {
                    return Err(bad(&format!(
                        "LUT_3D_SIZE {size} needs {expected} table rows, more than the {left} bytes left can hold"
                    )));
                }
                lut.size = size;
                lut.table = Vec::with_capacity(3 * expected);
            }
            "DOMAIN_MIN" => read_numbers(after(line, first), &mut lut.domain_min).map_err(|what| bad(&what))?,
            "DOMAIN_MAX" => read_numbers(after(line, first), &mut lut.domain_max).map_err(|what| bad(&what))?,
            "LUT_3D_INPUT_RANGE" => {
                let mut range = [0f32; 2];
                read_numbers(after(line, first), &mut range).map_err(|what| bad(&what))?;
                lut.domain_min = [range[0]; 3];
                lut.domain_max = [range[1]; 3];
            }
            "LUT_1D_SIZE" | "LUT_1D_INPUT_RANGE" => {
                return Err(Error::unsupported(format!(
                    ".cube line {number}: 1D LUTs ({first}) are not supported: export the look as a 3D LUT \
                     (LUT_3D_SIZE)"
                )));
            }
            _ => {} // a vendor's keyword (LUT_IN_VIDEO_RANGE, ...): not needed to apply the table
        }
    }
    if lut.size == 0 {
        return Err(Error::malformed(".cube file has no LUT_3D_SIZE: it is not a 3D LUT"));
    }
    if rows != expected {
        return Err(Error::malformed(format!(
            ".cube file has {rows} table rows where LUT_3D_SIZE {} needs {expected}",
            lut.size
        )));
    }
    // Both are finite: read_numbers refuses anything else.
    if (0..3).any(|c| lut.domain_min[c] >= lut.domain_max[c]) {
        return Err(Error::malformed(
            ".cube file's DOMAIN_MIN must be below its DOMAIN_MAX in every channel",
        ));
    }
    Ok(lut)
}

/// The text of `line` after its keyword.
fn after<'a>(line: &'a str, keyword: &str) -> &'a str {
    line.get(keyword.len()..).unwrap_or_default()
}

/// Exactly `out.len()` finite numbers, separated by white space.
fn read_numbers(text: &str, out: &mut [f32]) -> Result<(), String> {
    let count = out.len();
    let mut words = text.split_ascii_whitespace();
    for slot in out.iter_mut() {
        let word = words.next().ok_or_else(|| format!("expected {count} numbers"))?;
        let value = parse_scientific(word)
            .map(|v| v as f32)
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{}' is not a number", shorten(word)))?;
        *slot = value;
    }
    match words.next() {
        Some(extra) => Err(format!("'{}' after the {count} numbers", shorten(extra))),
        None => Ok(()),
    }
}

/// At most the first 24 bytes of `word` (whole characters), for messages.
fn shorten(word: &str) -> &str {
    let mut end = word.len().min(24);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    word.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An identity LUT of `size`, written as Resolve writes it.
    fn identity(size: usize) -> String {
        let mut text = String::from("TITLE \"Identity\"\n# made by hand\nLUT_3D_SIZE ");
        text.push_str(&size.to_string());
        text.push_str("\n\n");
        let step = |i: usize| i as f64 / (size - 1) as f64;
        for b in 0..size {
            for g in 0..size {
                for r in 0..size {
                    text.push_str(&format!("{:.6} {:.6} {:.6}\n", step(r), step(g), step(b)));
                }
            }
        }
        text
    }

    fn error(text: &str) -> Error {
        parse_cube(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn an_identity_lut_parses_red_fastest() {
        let lut = parse_cube(identity(5).as_bytes()).unwrap();
        assert_eq!((lut.title.as_str(), lut.size), ("Identity", 5));
        assert_eq!(lut.table.len(), 3 * 125);
        assert_eq!(lut.entry(1, 0, 0), Some([0.25, 0.0, 0.0]));
        assert_eq!(lut.entry(0, 4, 2), Some([0.0, 1.0, 0.5]));
        assert_eq!(lut.entry(5, 0, 0), None);
        assert_eq!((lut.domain_min, lut.domain_max), ([0.0; 3], [1.0; 3]));
    }

    #[test]
    fn domains_exponents_crlf_and_vendor_keywords_are_read() {
        let text = "LUT_IN_VIDEO_RANGE\r\nLUT_3D_SIZE 2\r\nDOMAIN_MIN 0 0 -0.5\r\nDOMAIN_MAX 1 1 1.5e0\r\n\
                    0 0 0\r\n1.5e-05 0 0\r\n0 1 0\r\n1 1 0\r\n0 0 1\r\n1 0 1\r\n0 1 1\r\n1 1 1.0001\r\n";
        let lut = parse_cube(text.as_bytes()).unwrap();
        assert_eq!(lut.domain_min, [0.0, 0.0, -0.5]);
        assert_eq!(lut.domain_max, [1.0, 1.0, 1.5]);
        assert_eq!(lut.entry(1, 0, 0), Some([1.5e-5, 0.0, 0.0]));
        assert_eq!(lut.entry(1, 1, 1), Some([1.0, 1.0, 1.0001]));
        let resolve = "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0.0 4.0\n".to_string() + &"0 0 0\n".repeat(8);
        assert_eq!(parse_cube(resolve.as_bytes()).unwrap().domain_max, [4.0; 3]);
    }

    #[test]
    fn bad_files_are_typed_errors_naming_the_line() {
        let rows = |n: usize| "0.0 0.0 0.0\n".repeat(n);
        let cases: [(String, ErrorCode, &str); 14] = [
            (
                rows(8),
                ErrorCode::MalformedInput,
                "line 1: table data before LUT_3D_SIZE",
            ),
            ("TITLE \"x\"\n".to_string(), ErrorCode::MalformedInput, "no LUT_3D_SIZE"),
            (
                "LUT_3D_SIZE 2\n".to_string() + &"0.5 0.5 0.5\n".repeat(7),
                ErrorCode::MalformedInput,
                "has 7 table rows where LUT_3D_SIZE 2 needs 8",
            ),
            (
                "LUT_3D_SIZE 2\n".to_string() + &rows(9),
                ErrorCode::MalformedInput,
                "line 10: more table rows",
            ),
            (
                "LUT_3D_SIZE 0\n".to_string(),
                ErrorCode::MalformedInput,
                "at least 2 points",
            ),
            (
                "LUT_3D_SIZE 1\n0 0 0\n".to_string(),
                ErrorCode::MalformedInput,
                "at least 2 points",
            ),
            (
                "LUT_3D_SIZE 65\n".to_string(),
                ErrorCode::LimitExceeded,
                "over the 64 supported",
            ),
            (
                "LUT_3D_SIZE 99999999999\n".to_string(),
                ErrorCode::MalformedInput,
                "one whole number",
            ),
            (
                "LUT_3D_SIZE -2\n".to_string(),
                ErrorCode::MalformedInput,
                "one whole number",
            ),
            (
                "LUT_3D_SIZE 2\n".to_string() + &rows(3) + "0 zero 0\n" + &rows(4),
                ErrorCode::MalformedInput,
                "line 5: 'zero' is not a number",
            ),
            (
                "LUT_3D_SIZE 2\n".to_string() + "0 0\n" + &rows(7),
                ErrorCode::MalformedInput,
                "line 2: expected 3 numbers",
            ),
            (
                "LUT_3D_SIZE 2\n".to_string() + "0 0 0 0\n" + &rows(7),
                ErrorCode::MalformedInput,
                "'0' after the 3 numbers",
            ),
            (
                "LUT_1D_SIZE 1024\n".to_string(),
                ErrorCode::Unsupported,
                "1D LUTs (LUT_1D_SIZE) are not supported",
            ),
            (
                "LUT_3D_SIZE 64\n".to_string() + &rows(10),
                ErrorCode::MalformedInput,
                "needs 262144 table rows, more than",
            ),
        ];
        for (text, code, message) in cases {
            let err = error(&text);
            assert_eq!(err.code(), code, "{text:.40}: {err}");
            assert!(err.message().contains(message), "{text:.40}: {err}");
        }
        let domain = "LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\nDOMAIN_MAX 0 1 1\n".to_string() + &rows(8);
        assert!(error(&domain).message().contains("DOMAIN_MIN must be below"));
        let keyword = "LUT_3D_SIZE 2\n".to_string() + &rows(4) + "DOMAIN_MIN 0 0 0\n" + &rows(4);
        assert!(error(&keyword)
            .message()
            .contains("line 6: keyword DOMAIN_MIN inside the table"));
        assert!(error(&("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n".to_string() + &rows(8)))
            .message()
            .contains("a second"));
        let with = |row: &str| format!("LUT_3D_SIZE 2\n{row}\n{}", rows(7));
        assert!(error(&with("0 0 inf")).message().contains("'inf' is not a number"));
        assert!(error(&with("0 0 1e999")).message().contains("not a number"));
        let mut binary = b"LUT_3D_SIZE 2\n".to_vec();
        binary.extend_from_slice(&[0xff, 0xfe, b'\n']);
        binary.extend_from_slice(rows(8).as_bytes());
        assert!(parse_cube(&binary).unwrap_err().message().contains("line 2: not UTF-8"));
        // A long non-number is cut in the message, on a character boundary.
        let long = format!("LUT_3D_SIZE 2\n0 0 {}\n{}", "é".repeat(40), rows(7));
        assert!(error(&long).message().len() < 80);
    }

    #[test]
    fn noise_never_panics() {
        let mut seed = 0x1234_5678u32;
        let base = identity(2).into_bytes();
        for round in 0..2000 {
            let mut bytes = base.clone();
            for _ in 0..(round % 7 + 1) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = seed as usize % bytes.len();
                bytes[at] = (seed >> 24) as u8;
            }
            let _ = parse_cube(&bytes);
            let _ = parse_cube(&bytes[..seed as usize % bytes.len()]);
        }
    }
}
