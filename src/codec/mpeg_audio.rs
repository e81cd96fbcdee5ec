//! MPEG audio (ISO/IEC 11172-3 and 13818-3: layers I, II and III, MP3 being layer III) framing: each frame
//! starts with a 4-byte header from which its length and sample count follow, so a stream splits into
//! frames without decoding them.

use crate::media::CodecConfig;

/// What one frame header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MpegAudioHeader {
    /// 1 for MPEG-1, 2 for MPEG-2 (lower sample rates), 25 for the unofficial MPEG-2.5.
    pub version: u8,
    /// 1, 2 or 3.
    pub layer: u8,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// 1 (single channel) or 2.
    pub channels: u32,
    /// Whole frame length in bytes, header included.
    pub frame_len: usize,
    /// Audio samples per channel the frame decodes to.
    pub samples: u32,
}

/// Bit rates in kbit/s by index 1 to 14 (index 0 is "free format", 15 is forbidden): MPEG-1 layers I, II,
/// III, then MPEG-2/2.5 layer I and layers II/III.
const BITRATES: [[u16; 14]; 5] = [
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/// Parses the frame header at the start of `bytes`: `Ok(None)` when fewer than 4 bytes are there, `Err`
/// when they are not a frame header this reader can size (no sync, reserved values, free format).
pub fn parse_header(bytes: &[u8]) -> Result<Option<MpegAudioHeader>, &'static str> {
    let Some(h) = bytes.get(..4) else {
        return Ok(None);
    };
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return Err("MPEG audio sync word not found");
    }
    let version = match (h[1] >> 3) & 3 {
        0 => 25,
        2 => 2,
        3 => 1,
        _ => return Err("MPEG audio: reserved version"),
    };
    let layer = match (h[1] >> 1) & 3 {
        1 => 3,
        2 => 2,
        3 => 1,
        _ => return Err("MPEG audio: reserved layer"),
    };
    let bitrate_index = usize::from(h[2] >> 4);
    if bitrate_index == 0 || bitrate_index == 15 {
        return Err("MPEG audio: free-format or forbidden bit rate");
    }
    let table = match (version, layer) {
        (1, 1) => 0,
        (1, 2) => 1,
        (1, _) => 2,
        (_, 1) => 3,
        _ => 4,
    };
    let bitrate = u32::from(BITRATES[table][bitrate_index - 1]) * 1000;
    let base_rate = match (h[2] >> 2) & 3 {
        0 => 44_100,
        1 => 48_000,
        2 => 32_000,
        _ => return Err("MPEG audio: reserved sample rate"),
    };
    let sample_rate = match version {
        1 => base_rate,
        2 => base_rate / 2,
        _ => base_rate / 4,
    };
    let padding = u32::from((h[2] >> 1) & 1);
    let samples = match (version, layer) {
        (_, 1) => 384,
        (1, _) | (_, 2) => 1152,
        _ => 576,
    };
    // Bytes per frame: samples / 8 bits per byte * bit rate / sample rate, plus the padding slot (4 bytes
    // in layer I, 1 byte otherwise).
    let frame_len = if layer == 1 {
        (12 * bitrate / sample_rate + padding) * 4
    } else {
        samples / 8 * bitrate / sample_rate + padding
    };
    Ok(Some(MpegAudioHeader {
        version,
        layer,
        sample_rate,
        channels: if h[3] >> 6 == 3 { 1 } else { 2 },
        frame_len: frame_len as usize,
        samples,
    }))
}

impl MpegAudioHeader {
    /// The decoder configuration. The WebCodecs codec registry registers `mp3` for layer III (its MP3
    /// registration also accepts the MP4 object types `mp4a.6B`/`mp4a.69`, which Chromium maps to its MP3
    /// decoder): layer III is `mp3`. Layers I and II have no registered string, and naming them
    /// `mp4a.6B`/`mp4a.69` would make a browser configure an MP3 decoder that then fails on every
    /// packet; they are `mp1`/`mp2`, which a browser refuses up front, so the player plays without sound.
    pub fn config(&self) -> CodecConfig {
        let codec = match self.layer {
            3 => "mp3",
            2 => "mp2",
            _ => "mp1",
        };
        CodecConfig::audio(codec.into(), None, self.sample_rate, self.channels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_frames_of_each_layer() {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding, joint stereo: 417 bytes, 1152 samples.
        let mp3 = parse_header(&[0xFF, 0xFB, 0x90, 0x40]).unwrap().unwrap();
        assert_eq!((mp3.version, mp3.layer, mp3.sample_rate), (1, 3, 44_100));
        assert_eq!((mp3.frame_len, mp3.samples, mp3.channels), (417, 1152, 2));
        assert_eq!(mp3.config().codec, "mp3");
        // The same with the padding bit: one byte more.
        assert_eq!(parse_header(&[0xFF, 0xFB, 0x92, 0x40]).unwrap().unwrap().frame_len, 418);
        // MPEG-1 layer II, 64 kbit/s, 44.1 kHz, mono: 208 bytes.
        let mp2 = parse_header(&[0xFF, 0xFD, 0x40, 0xC0]).unwrap().unwrap();
        assert_eq!((mp2.layer, mp2.frame_len, mp2.channels), (2, 208, 1));
        assert_eq!(mp2.config().codec, "mp2");
        // MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 576 samples, 208 bytes.
        let lsf = parse_header(&[0xFF, 0xF3, 0x80, 0xC0]).unwrap().unwrap();
        assert_eq!(
            (lsf.version, lsf.sample_rate, lsf.samples, lsf.frame_len),
            (2, 22_050, 576, 208)
        );
        // MPEG-1 layer I, 384 kbit/s, 48 kHz: 4-byte slots.
        let l1 = parse_header(&[0xFF, 0xFF, 0xC4, 0x00]).unwrap().unwrap();
        assert_eq!((l1.layer, l1.frame_len, l1.samples), (1, 384, 384));
    }

    #[test]
    fn rejects_what_cannot_be_sized() {
        assert_eq!(parse_header(&[0xFF, 0xFB]), Ok(None));
        assert!(parse_header(&[0xFF, 0x0B, 0x90, 0x40]).is_err()); // no sync
        assert!(parse_header(&[0xFF, 0xEB, 0x90, 0x40]).is_err()); // reserved version
        assert!(parse_header(&[0xFF, 0xF9, 0x90, 0x40]).is_err()); // reserved layer
        assert!(parse_header(&[0xFF, 0xFB, 0x00, 0x40]).is_err()); // free format
        assert!(parse_header(&[0xFF, 0xFB, 0xF0, 0x40]).is_err()); // forbidden bit rate
        assert!(parse_header(&[0xFF, 0xFB, 0x9C, 0x40]).is_err()); // reserved sample rate
    }
}
