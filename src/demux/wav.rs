//! WAV files (RIFF `WAVE`): integer PCM of 8, 16, 24 or 32 bits and IEEE float of 32 or 64 bits, plain or
//! `WAVE_FORMAT_EXTENSIBLE`, to planar `f32`.
//!
//! Sizes read from the file are checked against the bytes present: a `data` chunk longer than the file
//! (a recording cut short, or a streaming writer's `0xFFFFFFFF`) gives the whole frames that are there.

use crate::error::{Error, ErrorCode, Result};
use crate::media::Pcm;

/// At most this many channels (WAV allows 65535; no voice has more than a surround mix's).
const MAX_CHANNELS: u16 = 32;

/// Whether `bytes` start like a WAV file.
pub fn is_wav(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

/// How the samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Integer,
    Float,
}

/// The `fmt ` chunk's meaning.
#[derive(Debug, Clone, Copy)]
struct Format {
    encoding: Encoding,
    channels: u16,
    rate: u32,
    bits: u16,
    /// Bytes of one frame (a sample of every channel).
    block: usize,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_EXTENSIBLE (whose sub-format GUID begins with one
/// of the first two).
const PCM: u16 = 1;
const IEEE_FLOAT: u16 = 3;
const EXTENSIBLE: u16 = 0xFFFE;

fn parse_format(chunk: &[u8]) -> Result<Format> {
    let field = |at| u16_at(chunk, at).ok_or_else(|| Error::malformed("the WAV 'fmt ' chunk is too short"));
    let mut tag = field(0)?;
    let channels = field(2)?;
    let rate = u32_at(chunk, 4).ok_or_else(|| Error::malformed("the WAV 'fmt ' chunk is too short"))?;
    let bits = field(14)?;
    if tag == EXTENSIBLE {
        // cbSize (16), valid bits (18), channel mask (20), then the sub-format GUID (24).
        tag = u16_at(chunk, 24).ok_or_else(|| Error::malformed("the WAV extensible format is too short"))?;
    }
    let encoding = match (tag, bits) {
        (PCM, 8 | 16 | 24 | 32) => Encoding::Integer,
        (IEEE_FLOAT, 32 | 64) => Encoding::Float,
        _ => {
            let (tag, bits) = (u32::from(tag), u32::from(bits));
            return Err(Error::new(
                ErrorCode::UnsupportedCodec,
                format!(
                "WAV format {tag} with {bits}-bit samples: only integer PCM (8–32 bits) and float (32, 64) are read"
            ),
            ));
        }
    };
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(Error::malformed(format!(
            "a WAV file with {} channels",
            u32::from(channels)
        )));
    }
    if !(1_000..=384_000).contains(&rate) {
        return Err(Error::malformed(format!("a WAV sample rate of {rate} Hz")));
    }
    Ok(Format {
        encoding,
        channels,
        rate,
        bits,
        block: usize::from(channels) * usize::from(bits / 8),
    })
}

/// One sample at `bytes` (exactly `bits / 8` of them) as `f32` in `[-1, 1]`.
fn sample(bytes: &[u8], format: &Format) -> f32 {
    match (format.encoding, bytes) {
        // 8-bit WAV is unsigned, centred on 128.
        (Encoding::Integer, [b]) => (f32::from(*b) - 128.0) / 128.0,
        (Encoding::Integer, [a, b]) => f32::from(i16::from_le_bytes([*a, *b])) / 32_768.0,
        (Encoding::Integer, [a, b, c]) => (i32::from_le_bytes([0, *a, *b, *c]) >> 8) as f32 / 8_388_608.0,
        (Encoding::Integer, [a, b, c, d]) => i32::from_le_bytes([*a, *b, *c, *d]) as f32 / 2_147_483_648.0,
        (Encoding::Float, [a, b, c, d]) => f32::from_le_bytes([*a, *b, *c, *d]),
        (Encoding::Float, &[a, b, c, d, e, f, g, h]) => f64::from_le_bytes([a, b, c, d, e, f, g, h]) as f32,
        _ => 0.0,
    }
}

/// Decodes a WAV file.
pub fn decode(bytes: &[u8]) -> Result<Pcm> {
    if !is_wav(bytes) {
        return Err(Error::malformed("not a WAV file (no RIFF/WAVE header)"));
    }
    let mut format = None;
    let mut at = 12;
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) {
        let body_start = at + 8;
        let body_end = body_start.saturating_add(size as usize).min(bytes.len());
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " => format = Some(parse_format(body)?),
            b"data" => {
                let format = format.ok_or_else(|| Error::malformed("the WAV 'data' chunk comes before its 'fmt '"))?;
                return Ok(samples(body, &format));
            }
            _ => {}
        }
        // Chunks are padded to an even length; `body_end` never goes back, so the walk ends.
        at = body_end + (size as usize & 1);
    }
    Err(Error::malformed("the WAV file has no 'data' chunk"))
}

fn samples(data: &[u8], format: &Format) -> Pcm {
    let width = usize::from(format.bits / 8);
    let channels = usize::from(format.channels);
    let mut planes = vec![Vec::with_capacity(data.len() / format.block); channels];
    for frame in data.chunks_exact(format.block) {
        for (plane, bytes) in planes.iter_mut().zip(frame.chunks_exact(width)) {
            plane.push(sample(bytes, format));
        }
    }
    Pcm {
        rate: format.rate,
        channels: planes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file with the given `fmt ` fields and `data` bytes, with an odd-sized chunk before `data`.
    fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&tag.to_le_bytes());
        fmt.extend_from_slice(&channels.to_le_bytes());
        fmt.extend_from_slice(&rate.to_le_bytes());
        let block = channels * bits / 8;
        fmt.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        fmt.extend_from_slice(&block.to_le_bytes());
        fmt.extend_from_slice(&bits.to_le_bytes());
        let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
        for (id, body) in [(b"fmt ", fmt.as_slice()), (b"LIST", b"odd".as_slice()), (b"data", data)] {
            out.extend_from_slice(id);
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(body);
            if body.len() % 2 == 1 {
                out.push(0);
            }
        }
        out
    }

    #[test]
    fn integer_widths_and_floats_decode_to_the_same_levels() {
        let pcm16 = decode(&wav(PCM, 2, 48_000, 16, &[0x00, 0x40, 0x00, 0xC0])).unwrap();
        assert_eq!(
            (pcm16.rate, pcm16.channels.clone()),
            (48_000, vec![vec![0.5], vec![-0.5]])
        );
        let pcm24 = decode(&wav(PCM, 1, 44_100, 24, &[0, 0, 0x40, 0, 0, 0xC0])).unwrap();
        assert_eq!(pcm24.channels, vec![vec![0.5, -0.5]]);
        let pcm8 = decode(&wav(PCM, 1, 8_000, 8, &[192, 64])).unwrap();
        assert_eq!(pcm8.channels, vec![vec![0.5, -0.5]]);
        let float = decode(&wav(IEEE_FLOAT, 1, 48_000, 32, &0.25f32.to_le_bytes())).unwrap();
        assert_eq!(float.channels, vec![vec![0.25]]);
        let double = decode(&wav(IEEE_FLOAT, 1, 48_000, 64, &(-0.75f64).to_le_bytes())).unwrap();
        assert_eq!(double.channels, vec![vec![-0.75]]);
    }

    #[test]
    fn a_data_chunk_longer_than_the_file_gives_the_whole_frames_present() {
        let mut file = wav(PCM, 2, 48_000, 16, &[0, 0x40, 0, 0xC0, 0, 0x20, 0, 0x20]);
        let size_at = file.len() - 8 - 4;
        file[size_at..size_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        file.truncate(file.len() - 2); // half of the second frame
        assert_eq!(decode(&file).unwrap().frames(), 1);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert_eq!(decode(b"RIFF").unwrap_err().code(), ErrorCode::MalformedInput);
        assert_eq!(
            decode(&wav(2, 1, 48_000, 4, &[0; 4])).unwrap_err().code(),
            ErrorCode::UnsupportedCodec
        );
        assert_eq!(
            decode(&wav(PCM, 0, 48_000, 16, &[])).unwrap_err().code(),
            ErrorCode::MalformedInput
        );
        assert_eq!(
            decode(&wav(PCM, 1, 0, 16, &[])).unwrap_err().code(),
            ErrorCode::MalformedInput
        );
        let mut no_data = wav(PCM, 1, 48_000, 16, &[]);
        no_data.truncate(no_data.len() - 8);
        assert!(decode(&no_data).unwrap_err().message().contains("no 'data'"));
        // Every prefix of a valid file either decodes or is refused; none panics.
        let file = wav(PCM, 2, 48_000, 24, &[1; 60]);
        for end in 0..file.len() {
            let _ = decode(&file[..end]);
        }
    }
}
