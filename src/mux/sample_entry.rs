//! [`CodecConfig`] back to an MP4 sample entry: the inverse of `demux::sample_entry`.
//!
//! The configuration records WebCodecs hands out as `description` (avcC, hvcC, av1C) are box bodies, so
//! they are written verbatim after a check that they are whole; AAC's AudioSpecificConfig goes into an
//! `esds` descriptor tree, Opus's header into `dOps`.

use super::writer::BoxWriter;
use crate::codec::aac::AudioSpecificConfig;
use crate::codec::h264::AvcConfig;
use crate::codec::opus::OpusHead;
use crate::error::{Error, ErrorCode, Result};
use crate::isobmff::descriptors::{
    DECODER_CONFIG_DESCRIPTOR, DECODER_SPECIFIC_INFO, ES_DESCRIPTOR, OTI_MPEG1_AUDIO, OTI_MPEG4_AUDIO,
    SL_CONFIG_DESCRIPTOR, SL_PREDEFINED_MP4, STREAM_TYPE_AUDIO,
};
use crate::media::{Codec, CodecConfig};

/// Writes the sample entry that describes samples decoded with `config`.
/// `pixel_aspect` (horizontal, vertical spacing) goes into a visual entry's `pasp` box unless the pixels
/// are square.
pub(super) fn write_sample_entry(w: &mut BoxWriter, config: &CodecConfig, pixel_aspect: (u32, u32)) -> Result<()> {
    let description = || {
        config
            .description
            .as_deref()
            .ok_or_else(|| Error::malformed(format!("{} track without its decoder configuration", config.codec)))
    };
    match config.family() {
        Codec::H264 => {
            let avcc = description()?;
            check_avcc(avcc)?;
            visual_entry(w, (b"avc1", config, pixel_aspect), b"avcC", avcc)
        }
        Codec::Hevc => {
            let hvcc = description()?;
            check_hvcc(hvcc)?;
            visual_entry(w, (b"hvc1", config, pixel_aspect), b"hvcC", hvcc)
        }
        Codec::Av1 => {
            let av1c = description()?;
            // marker and version 1, then profile/level and tier/depth bytes.
            if av1c.len() < 4 || av1c[0] != 0x81 {
                return Err(unreadable("av1C"));
            }
            visual_entry(w, (b"av01", config, pixel_aspect), b"av1C", av1c)
        }
        Codec::Aac => {
            let asc = description()?;
            // Checked here so a bad record fails the export, not the player that opens it.
            AudioSpecificConfig::parse(asc)?;
            mp4a_entry(w, config, OTI_MPEG4_AUDIO, Some(asc))
        }
        Codec::Mp3 => mp4a_entry(w, config, OTI_MPEG1_AUDIO, None),
        Codec::Opus => {
            let head = OpusHead::parse(description()?)?;
            audio_entry(w, b"Opus", config, |w| {
                w.boxed(b"dOps", |w| {
                    w.bytes(&head.to_dops());
                    Ok(())
                })
            })
        }
        Codec::Other => Err(Error::new(
            ErrorCode::UnsupportedCodec,
            format!("cannot write {} samples into an MP4 file", config.codec),
        )),
    }
}

fn unreadable(name: &str) -> Error {
    Error::malformed(format!("unreadable {name} record"))
}

/// An `AVCDecoderConfigurationRecord`: version 1, and its parameter sets within the record.
fn check_avcc(record: &[u8]) -> Result<()> {
    if record.first() != Some(&1) {
        return Err(unreadable("avcC"));
    }
    AvcConfig::parse(record).map(|_| ())
}

/// An `HEVCDecoderConfigurationRecord` (ISO/IEC 14496-15 8.3.3.1): version 1, 22 bytes of fields, then
/// arrays of NAL units that must end inside the record.
fn check_hvcc(record: &[u8]) -> Result<()> {
    let arrays = match record.get(22) {
        Some(count) if record[0] == 1 => *count,
        _ => return Err(unreadable("hvcC")),
    };
    let mut at = 23;
    let u16_at = |at: usize| {
        record
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| unreadable("hvcC"))
    };
    for _ in 0..arrays {
        // NAL unit type byte, then a count of length-prefixed NAL units.
        let count = u16_at(at + 1)?;
        at += 3;
        for _ in 0..count {
            at += 2 + u16_at(at)?;
        }
    }
    if at > record.len() {
        return Err(unreadable("hvcC"));
    }
    Ok(())
}

/// A visual sample entry (ISO/IEC 14496-12 12.1.3) with its configuration box.
fn visual_entry(
    w: &mut BoxWriter,
    (kind, config, (h_spacing, v_spacing)): (&[u8; 4], &CodecConfig, (u32, u32)),
    record_kind: &[u8; 4],
    record: &[u8],
) -> Result<()> {
    let size = |pixels: u32| {
        u16::try_from(pixels).map_err(|_| Error::unsupported(format!("picture too large for MP4: {pixels} pixels")))
    };
    let (width, height) = (size(config.width)?, size(config.height)?);
    w.boxed(kind, |w| {
        sample_entry_header(w);
        w.zeros(16); // pre-defined and reserved
        w.u16(width);
        w.u16(height);
        w.u32(0x0048_0000); // 72 dpi, horizontally
        w.u32(0x0048_0000); // and vertically
        w.u32(0); // reserved
        w.u16(1); // frames per sample
        w.zeros(32); // compressor name
        w.u16(0x0018); // depth: colour without alpha
        w.u16(0xFFFF); // pre-defined: -1
        w.boxed(record_kind, |w| {
            w.bytes(record);
            Ok(())
        })?;
        if h_spacing != v_spacing && h_spacing > 0 && v_spacing > 0 {
            w.boxed(b"pasp", |w| {
                w.u32(h_spacing);
                w.u32(v_spacing);
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// An audio sample entry (ISO/IEC 14496-12 12.2.3); `children` writes its codec box.
fn audio_entry(
    w: &mut BoxWriter,
    kind: &[u8; 4],
    config: &CodecConfig,
    children: impl FnOnce(&mut BoxWriter) -> Result<()>,
) -> Result<()> {
    let channels = u16::try_from(config.channels)
        .map_err(|_| Error::unsupported(format!("{} audio channels", config.channels)))?;
    // The sample entry's rate is 16.16 fixed point: rates above 65535 Hz are written as 0 and read from
    // the codec's own configuration, as ISO/IEC 14496-12 allows.
    let rate = u16::try_from(config.sample_rate).unwrap_or(0);
    w.boxed(kind, |w| {
        sample_entry_header(w);
        w.zeros(8); // reserved
        w.u16(channels);
        w.u16(16); // sample size
        w.zeros(4); // pre-defined, reserved
        w.u32(u32::from(rate) << 16);
        children(w)
    })
}

/// Six reserved bytes, then the data reference index: 1, the only `dref` entry (this file).
fn sample_entry_header(w: &mut BoxWriter) {
    w.zeros(6);
    w.u16(1);
}

/// An `mp4a` entry; `specific` is the decoder-specific info (AAC's AudioSpecificConfig), kept verbatim.
fn mp4a_entry(w: &mut BoxWriter, config: &CodecConfig, object_type: u8, specific: Option<&[u8]>) -> Result<()> {
    let mut decoder = vec![object_type, (STREAM_TYPE_AUDIO << 2) | 1];
    // Buffer size (24 bits), maximum and average bit rates: unknown, 0.
    decoder.extend_from_slice(&[0; 11]);
    if let Some(specific) = specific {
        descriptor(&mut decoder, DECODER_SPECIFIC_INFO, specific);
    }
    // ES_ID 1, no flags; the decoder configuration; the SL configuration MP4 files use.
    let mut es = vec![0, 1, 0];
    descriptor(&mut es, DECODER_CONFIG_DESCRIPTOR, &decoder);
    descriptor(&mut es, SL_CONFIG_DESCRIPTOR, &[SL_PREDEFINED_MP4]);
    audio_entry(w, b"mp4a", config, |w| {
        w.full_box(b"esds", 0, 0, |w| {
            let mut tree = Vec::new();
            descriptor(&mut tree, ES_DESCRIPTOR, &es);
            w.bytes(&tree);
            Ok(())
        })
    })
}

/// Appends a descriptor: its tag, its size in 7-bit groups (high bit set on all but the last), its body.
fn descriptor(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    let len = body.len();
    let groups = (1..4).take_while(|shift| len >> (7 * shift) > 0).count();
    for shift in (1..=groups).rev() {
        out.push(0x80 | ((len >> (7 * shift)) & 0x7F) as u8);
    }
    out.push((len & 0x7F) as u8);
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_sizes() {
        let mut out = Vec::new();
        descriptor(&mut out, 5, &[0xAA; 3]);
        assert_eq!(out, [5, 3, 0xAA, 0xAA, 0xAA]);
        let mut out = Vec::new();
        descriptor(&mut out, 5, &[0; 200]);
        assert_eq!(out[..3], [5, 0x81, 0x48]);
        assert_eq!(out.len(), 203);
    }

    #[test]
    fn hvcc_arrays_must_end_inside_the_record() {
        // 22 bytes of fields, one array (VPS) with one 2-byte NAL unit.
        let mut record = vec![1];
        record.resize(22, 0);
        record.extend_from_slice(&[1, 0x20, 0, 1, 0, 2, 0x40, 0x01]);
        assert!(check_hvcc(&record).is_ok());
        assert!(check_hvcc(&record[..record.len() - 1]).is_err());
        assert!(check_hvcc(&record[..20]).is_err());
    }
}
