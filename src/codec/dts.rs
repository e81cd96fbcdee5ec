//! DTS Coherent Acoustics (ETSI TS 102 114) core framing: each frame starts with the sync word
//! `7F FE 80 01` and a header giving its length, sample count, channels and sample rate. Extension
//! substreams of DTS-HD (sync `64 58 20 25`) that follow a core frame belong to its access unit.

use super::bits::BitReader;
use crate::media::CodecConfig;

const CORE_SYNC: [u8; 4] = [0x7F, 0xFE, 0x80, 0x01];
const EXTENSION_SYNC: [u8; 4] = [0x64, 0x58, 0x20, 0x25];

/// What a core frame header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtsHeader {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels, the LFE channel included.
    pub channels: u32,
    /// Core frame length in bytes.
    pub frame_len: usize,
    /// Audio samples per channel (32 per block).
    pub samples: u32,
}

/// Sample rates by `SFREQ` (0: invalid).
const SAMPLE_RATES: [u32; 16] = [
    0, 8000, 16_000, 32_000, 0, 0, 11_025, 22_050, 44_100, 0, 0, 12_000, 24_000, 48_000, 0, 0,
];

/// Channels by audio channel arrangement `AMODE` 0 to 15.
const CHANNELS: [u32; 16] = [1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 6, 6, 6, 7, 7, 8];

/// Parses the core frame header at the start of `bytes`: `Ok(None)` when it is not all there yet.
pub fn parse_header(bytes: &[u8]) -> Result<Option<DtsHeader>, &'static str> {
    let Some(header) = bytes.get(..11) else {
        return Ok(None);
    };
    if header[..4] != CORE_SYNC {
        return Err("DTS sync word not found");
    }
    let bad = |_| "DTS header cut short";
    let mut r = BitReader::new(&header[4..], "DTS header");
    // FTYPE (1), SHORT (5), CPF (1), NBLKS (7), FSIZE (14), AMODE (6), SFREQ (4), RATE (5), MIX, DYNF,
    // TIMEF, AUXF, HDCD (1 each), EXT_AUDIO_ID (3), EXT_AUDIO (1), ASPF (1), LFF (2).
    r.skip(7).map_err(bad)?;
    let blocks = r.bits(7).map_err(bad)? + 1;
    let frame_len = r.bits(14).map_err(bad)? as usize + 1;
    let amode = r.bits(6).map_err(bad)? as usize;
    let sample_rate = SAMPLE_RATES[r.bits(4).map_err(bad)? as usize];
    r.skip(15).map_err(bad)?;
    let lfe = r.bits(2).map_err(bad)? != 0;
    if sample_rate == 0 || frame_len < 96 {
        return Err("DTS: invalid sample rate or frame size");
    }
    Ok(Some(DtsHeader {
        sample_rate,
        channels: CHANNELS.get(amode).copied().unwrap_or(2) + u32::from(lfe),
        frame_len,
        samples: blocks * 32,
    }))
}

/// The access unit at the start of `bytes`: its core frame's header and its length, extension substreams
/// after the core included. `Ok(None)` when it is not complete yet; a unit that ends `bytes` is complete.
pub fn access_unit(bytes: &[u8]) -> Result<Option<(DtsHeader, usize)>, &'static str> {
    let Some(header) = parse_header(bytes)? else {
        return Ok(None);
    };
    let mut len = header.frame_len;
    while let Some(rest) = bytes.get(len..).filter(|rest| rest.starts_with(&EXTENSION_SYNC)) {
        // Extension substream header: user-defined (8), index (2), header size and substream size, 8 + 12
        // and 16 + 20 bits wide depending on the blown-up flag, each stored minus one.
        let Some(fields) = rest.get(4..10) else {
            return Ok(None);
        };
        let mut r = BitReader::new(fields, "DTS-HD extension");
        let size = (|| {
            r.skip(10)?;
            let wide = r.bit()?;
            let (header_bits, size_bits) = if wide { (12, 20) } else { (8, 16) };
            r.skip(header_bits)?;
            r.bits(size_bits)
        })()
        .map_err(|_| "DTS-HD extension header cut short")?;
        len += size as usize + 1;
    }
    Ok((len <= bytes.len()).then_some((header, len)))
}

impl DtsHeader {
    /// The decoder configuration. WebCodecs registers no DTS codec string; `dtsc` is the MP4 sample entry
    /// of DTS core audio, which no browser decodes, so the player plays without sound.
    pub fn config(&self) -> CodecConfig {
        CodecConfig::audio("dtsc".into(), None, self.sample_rate, self.channels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_core_frames() {
        // FTYPE 1, SHORT 31, CPF 0, NBLKS 15 (16 blocks: 512 samples), FSIZE 1005 (1006 bytes),
        // AMODE 2 (stereo), SFREQ 13 (48 kHz), LFF 1.
        let mut bits = 0u64;
        for (value, width) in [
            (1, 1),
            (31, 5),
            (0, 1),
            (15, 7),
            (1005, 14),
            (2, 6),
            (13, 4),
            (0, 15),
            (1, 2),
        ] {
            bits = bits << width | value;
        }
        let fields = (bits << (56 - 55)).to_be_bytes();
        let frame = [&CORE_SYNC[..], &fields[1..]].concat();
        let header = parse_header(&frame).unwrap().unwrap();
        assert_eq!(
            header,
            DtsHeader {
                sample_rate: 48_000,
                channels: 3,
                frame_len: 1006,
                samples: 512
            }
        );
        assert_eq!(parse_header(&frame[..10]), Ok(None));
        assert!(parse_header(&[0x7F, 0xFE, 0x80, 0x02, 0, 0, 0, 0, 0, 0, 0]).is_err());
        let mut unit = frame.clone();
        unit.resize(1006, 0);
        assert_eq!(access_unit(&unit).unwrap().map(|(_, len)| len), Some(1006));
        // An extension substream of 32 bytes (narrow header: size field 31) after the core.
        unit.extend_from_slice(&EXTENSION_SYNC);
        unit.extend_from_slice(&[0, 0, 0, 0x03, 0xE0, 0]);
        assert_eq!(access_unit(&unit).unwrap(), None);
        unit.resize(1006 + 32, 0);
        assert_eq!(access_unit(&unit).unwrap().map(|(_, len)| len), Some(1038));
    }
}
