//! Opus in MP4: the `dOps` box holds the fields of the Ogg `OpusHead` identification header, which is what
//! WebCodecs takes as the `description` of an `opus` decoder.

use crate::error::{Error, ErrorCode, Result};

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
            .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "OpusHead: no 'OpusHead' magic"))?;
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
        let malformed = |what: &str| Error::new(ErrorCode::MalformedInput, format!("{form}: {what}"));
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
