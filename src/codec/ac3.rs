//! AC-3 and E-AC-3 (ATSC A/52) framing: every syncframe starts with the sync word `0B 77` and a header
//! from which its length follows. An E-AC-3 access unit is an independent substream frame followed by the
//! dependent substream frames that extend it (more channels), which a decoder takes as one packet.

use super::bits::BitReader;
use crate::media::CodecConfig;

/// What a syncframe header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ac3Header {
    /// E-AC-3 (`bsid` 11 to 16) rather than AC-3.
    pub enhanced: bool,
    /// E-AC-3 `strmtyp` 1: a dependent substream that belongs to the frame before it.
    pub dependent: bool,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Full-bandwidth channels plus the LFE channel.
    pub channels: u32,
    /// Syncframe length in bytes.
    pub frame_len: usize,
    /// Audio samples per channel (1536 for AC-3; 256 per audio block for E-AC-3).
    pub samples: u32,
}

/// AC-3 bit rates in kbit/s by `frmsizecod / 2`.
const BITRATES: [u16; 19] = [
    32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640,
];

/// Full-bandwidth channels of audio coding mode `acmod` (3 bits): 1+1 (dual mono), 1/0, 2/0, 3/0, 2/1, 3/1,
/// 2/2, 3/2.
fn channels(acmod: u32) -> u32 {
    match acmod {
        1 => 1,
        0 | 2 => 2,
        3 | 4 => 3,
        5 | 6 => 4,
        _ => 5,
    }
}

/// Parses the syncframe header at the start of `bytes`: `Ok(None)` when its fields are not all there yet.
pub fn parse_header(bytes: &[u8]) -> Result<Option<Ac3Header>, &'static str> {
    if bytes.len() < 8 {
        return Ok(None);
    }
    if bytes[..2] != [0x0B, 0x77] {
        return Err("AC-3 sync word not found");
    }
    let bsid = bytes[5] >> 3;
    let mut r = BitReader::new(&bytes[2..8], "AC-3 header");
    let bad = |_| "AC-3 header cut short";
    if bsid <= 10 {
        // AC-3: crc1 (16), fscod (2), frmsizecod (6), bsid (5), bsmod (3), acmod (3), mixing levels, lfeon.
        r.skip(16).map_err(bad)?;
        let fscod = r.bits(2).map_err(bad)?;
        let size_code = r.bits(6).map_err(bad)? as usize;
        r.skip(8).map_err(bad)?;
        let acmod = r.bits(3).map_err(bad)?;
        let &kbits = BITRATES.get(size_code / 2).ok_or("AC-3: reserved frame size code")?;
        let kbits = u32::from(kbits);
        // 16-bit words per 1536-sample frame: bit rate * 1536 / sample rate / 16; at 44.1 kHz rounded
        // down, with odd codes one word longer.
        let (sample_rate, words) = match fscod {
            0 => (48_000, kbits * 2),
            1 => (44_100, kbits * 1000 * 96 / 44_100 + (size_code as u32 & 1)),
            2 => (32_000, kbits * 3),
            _ => return Err("AC-3: reserved sample rate"),
        };
        let skip = u32::from(acmod & 1 != 0 && acmod != 1) * 2 + u32::from(acmod & 4 != 0) * 2;
        let skip = skip + if acmod == 2 { 2 } else { 0 };
        r.skip(skip as usize).map_err(bad)?;
        let lfe = r.bit().map_err(bad)?;
        return Ok(Some(Ac3Header {
            enhanced: false,
            dependent: false,
            sample_rate,
            channels: channels(acmod) + u32::from(lfe),
            frame_len: words as usize * 2,
            samples: 1536,
        }));
    }
    if bsid > 16 {
        return Err("AC-3: unknown bitstream id");
    }
    // E-AC-3: strmtyp (2), substreamid (3), frmsiz (11), fscod (2), fscod2 or numblkscod (2), acmod (3),
    // lfeon (1).
    let stream_type = r.bits(2).map_err(bad)?;
    r.skip(3).map_err(bad)?;
    let words = r.bits(11).map_err(bad)? + 1;
    let fscod = r.bits(2).map_err(bad)?;
    let code = r.bits(2).map_err(bad)?;
    let (sample_rate, blocks) = match fscod {
        // fscod 3: the reduced rates (fscod2 in place of numblkscod), always six blocks.
        3 => match code {
            0 => (24_000, 6),
            1 => (22_050, 6),
            2 => (16_000, 6),
            _ => (0, 6),
        },
        _ => {
            let rate = match fscod {
                0 => 48_000,
                1 => 44_100,
                _ => 32_000,
            };
            (rate, if code == 3 { 6 } else { code + 1 })
        }
    };
    if sample_rate == 0 {
        return Err("E-AC-3: reserved sample rate");
    }
    let acmod = r.bits(3).map_err(bad)?;
    let lfe = r.bit().map_err(bad)?;
    Ok(Some(Ac3Header {
        enhanced: true,
        dependent: stream_type == 1,
        sample_rate,
        channels: channels(acmod) + u32::from(lfe),
        frame_len: words as usize * 2,
        samples: 256 * blocks,
    }))
}

/// The access unit at the start of `bytes`: its first syncframe's header and its length, which for
/// E-AC-3 takes in the dependent substream frames that follow. `Ok(None)` when it is not complete yet.
/// A frame that ends `bytes` is taken to end its access unit.
pub fn access_unit(bytes: &[u8]) -> Result<Option<(Ac3Header, usize)>, &'static str> {
    let Some(header) = parse_header(bytes)? else {
        return Ok(None);
    };
    let mut len = header.frame_len;
    // A frame that ends the bytes at hand ends its access unit: a PES packet holds whole ones.
    while let Some(rest) = bytes.get(len..).filter(|rest| header.enhanced && !rest.is_empty()) {
        match parse_header(rest) {
            Ok(Some(next)) if next.dependent => len += next.frame_len.max(2),
            Ok(None) => return Ok(None),
            _ => break,
        }
    }
    Ok((len <= bytes.len()).then_some((header, len)))
}

impl Ac3Header {
    /// The decoder configuration: `ac-3` or `ec-3`, as the WebCodecs codec registry names them.
    pub fn config(&self) -> CodecConfig {
        let codec = if self.enhanced { "ec-3" } else { "ac-3" };
        CodecConfig::audio(codec.into(), None, self.sample_rate, self.channels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_ac3_frames() {
        // 48 kHz, 384 kbit/s (code 28), bsid 8, acmod 7 (3/2), LFE on: 1536 bytes, 5.1 channels.
        let frame = [0x0B, 0x77, 0, 0, 0x1C, 0x40, 0xE1, 0x00];
        let header = parse_header(&frame).unwrap().unwrap();
        assert_eq!(
            (header.sample_rate, header.frame_len, header.channels),
            (48_000, 1536, 6)
        );
        assert_eq!((header.enhanced, header.samples), (false, 1536));
        assert_eq!(header.config().codec, "ac-3");
        // 44.1 kHz, 32 kbit/s, odd code: 70 words.
        let header = parse_header(&[0x0B, 0x77, 0, 0, 0x41, 0x40, 0x20, 0]).unwrap().unwrap();
        assert_eq!(
            (header.sample_rate, header.frame_len, header.channels),
            (44_100, 140, 1)
        );
        assert!(parse_header(&[0x0B, 0x77, 0, 0, 0xC0, 0x40, 0, 0]).is_err()); // reserved rate
        assert!(parse_header(&[0x0B, 0x78, 0, 0, 0, 0x40, 0, 0]).is_err());
        assert_eq!(parse_header(&frame[..7]), Ok(None));
    }

    #[test]
    fn joins_eac3_dependent_substreams() {
        // Independent frame: strmtyp 0, frmsiz 3 (8 bytes), 48 kHz, 6 blocks, acmod 2, bsid 16.
        let independent = [0x0B, 0x77, 0x00, 0x03, 0x34, 0x80, 0, 0];
        // Dependent frame: strmtyp 1, frmsiz 3.
        let dependent = [0x0B, 0x77, 0x40, 0x03, 0x34, 0x80, 0, 0];
        let header = parse_header(&independent).unwrap().unwrap();
        assert_eq!((header.enhanced, header.dependent, header.frame_len), (true, false, 8));
        assert_eq!((header.sample_rate, header.samples, header.channels), (48_000, 1536, 2));
        assert_eq!(header.config().codec, "ec-3");
        let stream = [&independent[..], &dependent, &independent].concat();
        assert_eq!(access_unit(&stream).unwrap().map(|(_, len)| len), Some(16));
        assert_eq!(access_unit(&stream[..16]).unwrap().map(|(_, len)| len), Some(16));
        assert_eq!(access_unit(&stream[..12]).unwrap(), None);
        // Whether a dependent frame follows is not known before the next frame's header is there.
        assert_eq!(access_unit(&stream[..20]).unwrap(), None);
    }
}
