//! AAC: ADTS frame headers (how MPEG-TS carries AAC) and the AudioSpecificConfig (how MP4 and WebCodecs
//! describe it), and the WebCodecs codec string `mp4a.40.N`.

use super::bits::BitReader;
use crate::error::{Error, Result};

/// Samples per channel in one AAC frame (raw data block).
pub const SAMPLES_PER_FRAME: u32 = 1024;

/// Sample rates by `sampling_frequency_index` (ISO/IEC 14496-3 1.6.3.4).
const SAMPLE_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// The sample rate a `sampling_frequency_index` stands for.
pub fn sample_rate(index: u8) -> Option<u32> {
    SAMPLE_RATES.get(index as usize).copied()
}

/// The fields of an ADTS header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdtsHeader {
    /// Audio object type (1 = AAC Main, 2 = AAC LC, ...).
    pub object_type: u8,
    /// `sampling_frequency_index`.
    pub frequency_index: u8,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// `channel_configuration` (1 = mono, 2 = stereo, ...).
    pub channels: u8,
    /// Header length: 7 bytes, or 9 with a CRC.
    pub header_len: usize,
    /// Whole frame length, header included.
    pub frame_len: usize,
    /// Raw data blocks in the frame (1 to 4), each of [`SAMPLES_PER_FRAME`] samples.
    pub blocks: u32,
}

/// Parses the ADTS header at the start of `bytes`. `Ok(None)` when fewer than 7 bytes are there.
pub fn parse_adts(bytes: &[u8]) -> Result<Option<AdtsHeader>> {
    let Some(h) = bytes.get(..7) else {
        return Ok(None);
    };
    if h[0] != 0xFF || h[1] & 0xF6 != 0xF0 {
        return Err(Error::malformed("ADTS sync word not found"));
    }
    let protection_absent = h[1] & 1 == 1;
    let object_type = (h[2] >> 6) + 1;
    let frequency_index = (h[2] >> 2) & 0xF;
    let channels = ((h[2] & 1) << 2) | (h[3] >> 6);
    let frame_len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
    let blocks = u32::from(h[6] & 3) + 1;
    let header_len = if protection_absent { 7 } else { 9 };
    let sample_rate =
        sample_rate(frequency_index).ok_or_else(|| Error::malformed("ADTS: reserved sample rate index"))?;
    if frame_len < header_len {
        return Err(Error::malformed("ADTS frame shorter than its header"));
    }
    Ok(Some(AdtsHeader {
        object_type,
        frequency_index,
        sample_rate,
        channels,
        header_len,
        frame_len,
        blocks,
    }))
}

/// The two-byte AudioSpecificConfig for an ADTS stream.
pub fn audio_specific_config(header: &AdtsHeader) -> Vec<u8> {
    let bits = (u16::from(header.object_type) << 11)
        | (u16::from(header.frequency_index) << 7)
        | (u16::from(header.channels) << 3);
    bits.to_be_bytes().to_vec()
}

/// What an AudioSpecificConfig says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSpecificConfig {
    /// Audio object type (2 = LC, 5 = SBR/HE-AAC, 29 = PS/HE-AACv2).
    pub object_type: u8,
    /// Sample rate in Hz (of the core coder).
    pub sample_rate: u32,
    /// `channel_configuration`.
    pub channels: u8,
}

impl AudioSpecificConfig {
    /// Parses the start of an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
    pub fn parse(bytes: &[u8]) -> Result<AudioSpecificConfig> {
        let mut r = BitReader::new(bytes, "AAC AudioSpecificConfig");
        let mut object_type = r.bits(5)? as u8;
        if object_type == 31 {
            object_type = 32 + r.bits(6)? as u8;
        }
        let index = r.bits(4)? as u8;
        let sample_rate = if index == 15 {
            r.bits(24)?
        } else {
            sample_rate(index).ok_or_else(|| Error::malformed("AudioSpecificConfig: reserved sample rate index"))?
        };
        let channels = r.bits(4)? as u8;
        Ok(AudioSpecificConfig {
            object_type,
            sample_rate,
            channels,
        })
    }

    /// The WebCodecs codec string, `mp4a.40.<object type>`.
    pub fn codec_string(&self) -> String {
        format!("mp4a.40.{}", u32::from(self.object_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adts_header_and_its_config() {
        // AAC LC, 48 kHz (index 3), stereo, 232-byte frame, no CRC.
        let header = [0xFF, 0xF1, 0x4C, 0x80, 0x1D, 0x1F, 0xFC];
        let adts = parse_adts(&header).unwrap().unwrap();
        assert_eq!((adts.object_type, adts.sample_rate, adts.channels), (2, 48000, 2));
        assert_eq!((adts.header_len, adts.frame_len, adts.blocks), (7, 232, 1));
        let asc = audio_specific_config(&adts);
        assert_eq!(asc, [0x11, 0x90]);
        let parsed = AudioSpecificConfig::parse(&asc).unwrap();
        assert_eq!(
            parsed,
            AudioSpecificConfig {
                object_type: 2,
                sample_rate: 48000,
                channels: 2
            }
        );
        assert_eq!(parsed.codec_string(), "mp4a.40.2");
    }

    #[test]
    fn bad_headers() {
        assert_eq!(parse_adts(&[0xFF, 0xF1]).unwrap(), None);
        assert!(parse_adts(&[0, 1, 2, 3, 4, 5, 6]).is_err());
        assert!(parse_adts(&[0xFF, 0xF1, 0x7C, 0x80, 0x1D, 0x1F, 0xFC]).is_err()); // index 15 in ADTS
        assert!(parse_adts(&[0xFF, 0xF1, 0x4C, 0x80, 0x00, 0x1F, 0xFC]).is_err()); // length 0
        assert!(AudioSpecificConfig::parse(&[0x11]).is_err());
    }
}
