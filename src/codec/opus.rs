//! Opus in MP4: the `dOps` box holds the fields of the Ogg `OpusHead` identification header, which is what
//! WebCodecs takes as the `description` of an `opus` decoder. Opus in MPEG-TS (ETSI TS 102 366 style
//! framing): each packet behind an `opus_control_header`, the configuration in PMT descriptors.

use crate::error::{Error, Result};

/// The rate Opus codes and decodes at whatever its input's: pre-skip and packet lengths count its samples.
pub const RATE: u32 = 48_000;

/// The fields of an Opus identification header (RFC 7845 5.1), as `dOps` stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusHead {
    /// Output channel count.
    pub channels: u8,
    /// Samples (at 48 kHz) to discard from the start of the decoded stream: the encoder's priming.
    pub pre_skip: u16,
    /// Sample rate of the original input, informational only (Opus always decodes at 48 kHz).
    pub input_sample_rate: u32,
    /// Gain to apply on output, Q7.8 dB.
    pub output_gain: i16,
    /// Channel mapping family and, for families other than 0, stream count, coupled count and mapping.
    pub mapping: Option<(u8, u8, u8, Vec<u8>)>,
}

impl OpusHead {
    /// Reads an `OpusHead` packet (the layout [`OpusHead::to_bytes`] writes).
    pub fn parse(bytes: &[u8]) -> Result<OpusHead> {
        let fields = bytes
            .strip_prefix(b"OpusHead")
            .ok_or_else(|| Error::malformed("OpusHead: no 'OpusHead' magic"))?;
        Self::read_fields(fields, Endian::Little, "OpusHead")
    }

    /// Reads a `dOps` box body (Opus in ISO BMFF, 4.3.2): the same fields as `OpusHead`, big-endian,
    /// after a version byte and without the magic.
    pub fn from_dops(body: &[u8]) -> Result<OpusHead> {
        Self::read_fields(body, Endian::Big, "dOps")
    }

    /// The `dOps` box body: version 0, then the fields big-endian.
    pub fn to_dops(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_fields(&mut out, 0, Endian::Big);
        out
    }

    /// The `OpusHead` packet bytes (little-endian fields, unlike `dOps`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"OpusHead".to_vec();
        self.write_fields(&mut out, 1, Endian::Little);
        out
    }

    /// Both forms lay out the same fields at the same offsets from the version byte: channels, pre-skip,
    /// input rate, output gain, mapping family and, past family 0, stream counts and the mapping table.
    fn read_fields(fields: &[u8], endian: Endian, form: &str) -> Result<OpusHead> {
        let malformed = |what: &str| Error::malformed(format!("{form}: {what}"));
        let fixed = fields.get(..11).ok_or_else(|| malformed("cut short"))?;
        let family = fixed[10];
        let mapping = if family == 0 {
            None
        } else {
            let channels = usize::from(fixed[1]);
            let rest = fields
                .get(11..13 + channels)
                .ok_or_else(|| malformed("channel mapping table cut short"))?;
            Some((family, rest[0], rest[1], rest[2..].to_vec()))
        };
        Ok(OpusHead {
            channels: fixed[1],
            pre_skip: endian.u16([fixed[2], fixed[3]]),
            input_sample_rate: endian.u32([fixed[4], fixed[5], fixed[6], fixed[7]]),
            output_gain: endian.u16([fixed[8], fixed[9]]) as i16,
            mapping,
        })
    }

    fn write_fields(&self, out: &mut Vec<u8>, version: u8, endian: Endian) {
        let (pre_skip, rate, gain) = match endian {
            Endian::Little => (
                self.pre_skip.to_le_bytes(),
                self.input_sample_rate.to_le_bytes(),
                self.output_gain.to_le_bytes(),
            ),
            Endian::Big => (
                self.pre_skip.to_be_bytes(),
                self.input_sample_rate.to_be_bytes(),
                self.output_gain.to_be_bytes(),
            ),
        };
        out.extend_from_slice(&[version, self.channels]);
        out.extend_from_slice(&pre_skip);
        out.extend_from_slice(&rate);
        out.extend_from_slice(&gain);
        match &self.mapping {
            None => out.push(0),
            Some((family, streams, coupled, table)) => {
                out.extend_from_slice(&[*family, *streams, *coupled]);
                out.extend_from_slice(table);
            }
        }
    }
}

/// Stream counts and channel order of Opus in MPEG-TS for 1 to 8 channels (channel mapping family 1 past
/// stereo, the Vorbis channel order): (streams, coupled streams, mapping table).
const TS_MAPPINGS: [(u8, u8, &[u8]); 8] = [
    (1, 0, &[0]),
    (1, 1, &[0, 1]),
    (2, 1, &[0, 2, 1]),
    (2, 2, &[0, 1, 2, 3]),
    (3, 2, &[0, 4, 1, 2, 3]),
    (4, 2, &[0, 4, 1, 2, 3, 5]),
    (4, 3, &[0, 4, 1, 2, 3, 5, 6]),
    (5, 3, &[0, 6, 1, 2, 3, 4, 5, 7]),
];

impl OpusHead {
    /// The identification header of an Opus stream in MPEG-TS, from the `channel_config_code` of its Opus
    /// audio descriptor (extension descriptor 0x80): 1 to 8 channels in the standard layouts, 0 for dual
    /// mono (two uncoupled streams). Pre-skip is 0: MPEG-TS trims priming with the control header instead.
    pub fn for_ts_channel_config(code: u8) -> Option<OpusHead> {
        let (channels, mapping) = match code {
            0 => (2, Some((255, 2, 0, vec![0, 1]))),
            1 | 2 => (code, None),
            3..=8 => {
                let (streams, coupled, table) = TS_MAPPINGS[usize::from(code) - 1];
                (code, Some((1, streams, coupled, table.to_vec())))
            }
            _ => return None,
        };
        Some(OpusHead {
            channels,
            pre_skip: 0,
            input_sample_rate: 48_000,
            output_gain: 0,
            mapping,
        })
    }
}

/// The samples per channel (at 48 kHz) an Opus packet decodes to, from its TOC byte and frame count
/// (RFC 6716 3.1); `None` for an empty or cut packet.
pub fn packet_samples(packet: &[u8]) -> Option<u32> {
    let toc = *packet.first()?;
    let config = toc >> 3;
    // Frame sizes in units of 2.5 ms (120 samples): SILK 10/20/40/60 ms, hybrid 10/20, CELT 2.5/5/10/20.
    let units = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config % 4)],
        12..=15 => [4, 8][usize::from(config % 2)],
        _ => [1, 2, 4, 8][usize::from(config % 4)],
    };
    let frames = match toc & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => u32::from(*packet.get(1)? & 0x3F),
    };
    Some(units * 120 * frames)
}

/// The `opus_control_header` in front of each Opus packet in an MPEG-TS stream: prefix `0x3FF` (11 bits),
/// start-trim, end-trim and extension flags, the packet size as a run of bytes summed while they are 255,
/// then the optional trims and extension. Returns (header length, packet length); `Ok(None)` when the header
/// is not all there yet.
pub fn ts_control_header(bytes: &[u8]) -> Result<Option<(usize, usize)>, &'static str> {
    let (Some(&first), Some(&flags)) = (bytes.first(), bytes.get(1)) else {
        return Ok(None);
    };
    if first != 0x7F || flags & 0xE0 != 0xE0 {
        return Err("Opus control header prefix not found");
    }
    let mut at = 2;
    let mut size = 0usize;
    loop {
        let Some(&byte) = bytes.get(at) else {
            return Ok(None);
        };
        at += 1;
        size += usize::from(byte);
        if byte != 0xFF {
            break;
        }
    }
    // start_trim and end_trim: 16 bits each when flagged.
    at += 2 * usize::from(flags & 0x10 != 0) + 2 * usize::from(flags & 0x08 != 0);
    if flags & 0x04 != 0 {
        let Some(&extension) = bytes.get(at) else {
            return Ok(None);
        };
        at += 1 + usize::from(extension);
    }
    Ok(Some((at, size)))
}

/// Byte order of the multi-byte fields: little-endian in Ogg's `OpusHead`, big-endian in MP4's `dOps`.
#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u16(self, bytes: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(bytes),
            Endian::Big => u16::from_be_bytes(bytes),
        }
    }

    fn u32(self, bytes: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opus_head_layout() {
        let head = OpusHead {
            channels: 2,
            pre_skip: 312,
            input_sample_rate: 48000,
            output_gain: 0,
            mapping: None,
        };
        assert_eq!(
            head.to_bytes(),
            [b'O', b'p', b'u', b's', b'H', b'e', b'a', b'd', 1, 2, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0]
        );
        assert_eq!(OpusHead::parse(&head.to_bytes()).ok(), Some(head));
        let surround = OpusHead {
            channels: 3,
            pre_skip: 0,
            input_sample_rate: 44100,
            output_gain: -256,
            mapping: Some((1, 2, 1, vec![0, 2, 1])),
        };
        let bytes = surround.to_bytes();
        assert_eq!(OpusHead::parse(&bytes).ok(), Some(surround.clone()));
        // dOps: version 0, big-endian fields.
        let dops = surround.to_dops();
        assert_eq!(dops[..4], [0, 3, 0, 0]);
        assert_eq!(dops[8..10], [0xFF, 0x00]);
        assert_eq!(OpusHead::from_dops(&dops).ok(), Some(surround));
        assert!(OpusHead::from_dops(&dops[..dops.len() - 1]).is_err());
        assert!(OpusHead::parse(b"OpusHead\x01").is_err());
        assert!(OpusHead::parse(&bytes[..20]).is_err());
    }

    #[test]
    fn ts_framing_and_packet_durations() {
        // The first packet of an ffmpeg-written stream: start trim 312, 84 bytes.
        let bytes = [0x7F, 0xF0, 0x54, 0x01, 0x38, 0x7C, 0x87];
        assert_eq!(ts_control_header(&bytes), Ok(Some((5, 84))));
        // A size of 255 + 45 and an extension of 2 bytes.
        assert_eq!(ts_control_header(&[0x7F, 0xE4, 0xFF, 45, 2, 0, 0]), Ok(Some((7, 300))));
        assert_eq!(ts_control_header(&[0x7F, 0xE0, 0xFF]), Ok(None));
        assert!(ts_control_header(&[0x7F, 0x00, 3]).is_err());
        // TOC 0x7C: CELT 20 ms, one frame; 0x87 | code 3 with 3 frames of SILK 20 ms; hybrid 10 ms x 2.
        assert_eq!(packet_samples(&[0x7C]), Some(960));
        assert_eq!(packet_samples(&[0x0B, 0x03]), Some(2880));
        assert_eq!(packet_samples(&[0x61]), Some(960));
        assert_eq!(packet_samples(&[0x03]), None);
        let head = OpusHead::for_ts_channel_config(6).unwrap();
        assert_eq!(head.mapping, Some((1, 4, 2, vec![0, 4, 1, 2, 3, 5])));
        assert_eq!(OpusHead::for_ts_channel_config(2).unwrap().mapping, None);
        assert!(OpusHead::for_ts_channel_config(9).is_none());
    }

    #[test]
    fn opus_head_on_random_bytes_never_panics() {
        let mut state = 11u32;
        for len in 0..400 {
            let mut bytes = b"OpusHead".to_vec();
            bytes.extend((0..len % 40).map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (state >> 16) as u8
            }));
            let _ = OpusHead::parse(&bytes);
            let _ = OpusHead::parse(&bytes[8..]);
            let _ = OpusHead::from_dops(&bytes[8..]);
        }
    }
}
