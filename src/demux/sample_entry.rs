//! MP4 sample entries (`stsd`) to [`CodecConfig`]: the WebCodecs codec string and `description` bytes.
//!
//! A visual entry (`avc1`, `hvc1`, `av01`, ...) holds the picture size and a configuration box whose body
//! is what WebCodecs takes as `description`; an audio entry (`mp4a`, `Opus`, ...) holds channels and rate
//! and, for AAC, an `esds` descriptor tree around the AudioSpecificConfig (ISO/IEC 14496-12 12.1-12.2,
//! 14496-14, 14496-15).

use super::boxes::fourcc_text;
use super::reader::{required_child, BoxReader};
use crate::codec::aac::AudioSpecificConfig;
use crate::codec::h264;
use crate::codec::opus::OpusHead;
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, TrackKind};

/// MPEG-4 object type indications of AAC in `esds` (ISO/IEC 14496-1 table 5): MPEG-4 audio and the three
/// MPEG-2 AAC profiles.
const OTI_AAC: [u8; 4] = [0x40, 0x66, 0x67, 0x68];
/// Object type indications of MP3 (MPEG-1 and MPEG-2 audio).
const OTI_MP3: [u8; 2] = [0x6B, 0x69];

/// Bytes of a visual sample entry before its child boxes: the sample entry header (8), then pre-defined
/// and reserved fields (16), width and height, resolutions, frame count, compressor name and depth.
const VISUAL_HEADER: usize = 78;
/// Bytes of an audio sample entry before its children, version 0: the sample entry header (8), version,
/// revision and vendor (8), channels, sample size, compression id, packet size, rate (16.16).
const AUDIO_HEADER: usize = 28;
/// Extra bytes QuickTime sound description versions 1 and 2 add after [`AUDIO_HEADER`].
const AUDIO_V1_EXTRA: usize = 16;
const AUDIO_V2_EXTRA: usize = 36;

/// The decoder configuration of a sample entry of a track of `kind`.
pub fn codec_config(entry: &BoxReader, kind: TrackKind) -> Result<CodecConfig> {
    match kind {
        TrackKind::Video => video_config(entry),
        TrackKind::Audio => audio_config(entry),
    }
}

fn video_config(entry: &BoxReader) -> Result<CodecConfig> {
    let mut header = entry.clone();
    header.skip(24)?;
    let width = u32::from(header.u16()?);
    let height = u32::from(header.u16()?);
    let mut boxes = entry.clone();
    boxes.skip(VISUAL_HEADER)?;
    let record = |kind: &[u8; 4]| required_child(&boxes, kind).map(|found| found.rest().to_vec());
    let fourcc = entry.kind();
    let (codec, description) = match &fourcc {
        b"avc1" | b"avc3" => {
            let avcc = record(b"avcC")?;
            let fields = avcc.get(1..4).ok_or_else(|| entry.error("avcC record cut short"))?;
            (h264::codec_string(fields[0], fields[1], fields[2]), Some(avcc))
        }
        b"hvc1" | b"hev1" => {
            let hvcc = record(b"hvcC")?;
            (hevc_codec_string(&fourcc, &hvcc)?, Some(hvcc))
        }
        b"av01" => {
            let av1c = record(b"av1C")?;
            (av1_codec_string(&av1c)?, Some(av1c))
        }
        b"vp09" => {
            // vpcC is a full box: version and flags, then profile, level, bit depth (high 4 bits).
            let vpcc = record(b"vpcC")?;
            let fields = vpcc.get(4..7).ok_or_else(|| entry.error("vpcC record cut short"))?;
            (
                format!("vp09.{:02}.{:02}.{:02}", fields[0], fields[1], fields[2] >> 4),
                None,
            )
        }
        b"vp08" => ("vp8".to_owned(), None),
        // Other codecs keep their sample entry type as codec string: the track is listed, and decoding
        // reports it unsupported.
        _ => (fourcc_text(&fourcc), None),
    };
    Ok(CodecConfig {
        codec,
        description,
        width,
        height,
        ..CodecConfig::default()
    })
}

fn audio_config(entry: &BoxReader) -> Result<CodecConfig> {
    let mut header = entry.clone();
    header.skip(8)?;
    let version = header.u16()?;
    header.skip(6)?;
    let mut channels = u32::from(header.u16()?);
    header.skip(6)?;
    // 16.16 fixed point: the integer part.
    let mut sample_rate = header.u32()? >> 16;
    let children_at = match version {
        1 => AUDIO_HEADER + AUDIO_V1_EXTRA,
        2 => {
            // Version 2 moves rate and channels after the version 0 fields: struct size, rate as a double,
            // channel count.
            header.u32()?;
            sample_rate = f64::from_bits(header.u64()?) as u32;
            channels = header.u32()?;
            AUDIO_HEADER + AUDIO_V2_EXTRA
        }
        _ => AUDIO_HEADER,
    };
    let mut boxes = entry.clone();
    boxes.skip(children_at)?;
    let fourcc = entry.kind();
    let audio = |codec: String, description: Option<Vec<u8>>, sample_rate: u32, channels: u32| CodecConfig {
        codec,
        description,
        sample_rate,
        channels,
        ..CodecConfig::default()
    };
    Ok(match &fourcc {
        b"mp4a" => {
            let decoder = decoder_config(&required_child(&boxes, b"esds")?)?;
            if OTI_MP3.contains(&decoder.object_type) {
                audio("mp3".to_owned(), None, sample_rate, channels)
            } else if OTI_AAC.contains(&decoder.object_type) {
                let asc = decoder
                    .specific
                    .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "AAC track without an AudioSpecificConfig"))?;
                let parsed = AudioSpecificConfig::parse(&asc)?;
                let channels = if parsed.channels > 0 {
                    u32::from(parsed.channels)
                } else {
                    channels
                };
                audio(parsed.codec_string(), Some(asc), parsed.sample_rate, channels)
            } else {
                // RFC 6381 names other MPEG-4 audio by object type; decoders will say if they know it.
                let codec = format!("mp4a.{:02X}", decoder.object_type);
                audio(codec, None, sample_rate, channels)
            }
        }
        b"Opus" => {
            let dops = required_child(&boxes, b"dOps")?;
            let head = OpusHead::from_dops(dops.rest())?;
            let channels = u32::from(head.channels);
            // Opus always decodes at 48 kHz, whatever the input rate was.
            audio("opus".to_owned(), Some(head.to_bytes()), 48_000, channels)
        }
        b".mp3" => audio("mp3".to_owned(), None, sample_rate, channels),
        b"fLaC" => audio("flac".to_owned(), None, sample_rate, channels),
        // `ac-3`, `ec-3` are WebCodecs' own names; no browser decodes the rest.
        _ => audio(fourcc_text(&fourcc), None, sample_rate, channels),
    })
}

/// What `esds` says about the decoder: its object type and the decoder-specific bytes.
struct DecoderConfig {
    object_type: u8,
    specific: Option<Vec<u8>>,
}

/// `ES_DescrTag`, `DecoderConfigDescrTag` and `DecSpecificInfoTag` (ISO/IEC 14496-1 7.2.2.1).
const ES_DESCRIPTOR: u8 = 3;
const DECODER_CONFIG_DESCRIPTOR: u8 = 4;
const DECODER_SPECIFIC_INFO: u8 = 5;

/// Reads the `esds` full box: an ES descriptor holding a decoder configuration descriptor, which holds
/// the decoder-specific info.
fn decoder_config(esds: &BoxReader) -> Result<DecoderConfig> {
    let mut esds = esds.clone();
    esds.full_box()?;
    let mut es = descriptor(&mut esds, ES_DESCRIPTOR)?;
    es.u16()?; // ES_ID
    let flags = es.u8()?;
    if flags & 0x80 != 0 {
        es.u16()?; // dependsOn_ES_ID
    }
    if flags & 0x40 != 0 {
        let url_len = es.u8()?;
        es.skip(usize::from(url_len))?;
    }
    if flags & 0x20 != 0 {
        es.u16()?; // OCR_ES_Id
    }
    let mut decoder = descriptor(&mut es, DECODER_CONFIG_DESCRIPTOR)?;
    let object_type = decoder.u8()?;
    // Stream type, buffer size, maximum and average bit rates.
    decoder.skip(12)?;
    let specific = if decoder.rest().is_empty() {
        None
    } else {
        Some(descriptor(&mut decoder, DECODER_SPECIFIC_INFO)?.rest().to_vec())
    };
    Ok(DecoderConfig { object_type, specific })
}

/// The next descriptor in `parent`, which must carry `tag`: its tag, a size in 7-bit groups (high bit:
/// more follow), then its body.
fn descriptor<'a>(parent: &mut BoxReader<'a>, tag: u8) -> Result<BoxReader<'a>> {
    let found = parent.u8()?;
    if found != tag {
        return Err(parent.error(&format!("descriptor tag {found} where {tag} belongs")));
    }
    let mut size = 0usize;
    for _ in 0..4 {
        let byte = parent.u8()?;
        size = (size << 7) | usize::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            break;
        }
    }
    Ok(BoxReader::new(*b"esds", parent.bytes(size)?))
}

/// `hvc1.A.B.TC.DD...` (ISO/IEC 14496-15 E.3) from an `hvcC` record: profile space and profile,
/// compatibility flags in reverse bit order, tier and level, then the constraint bytes without trailing
/// zeros.
fn hevc_codec_string(fourcc: &[u8; 4], hvcc: &[u8]) -> Result<String> {
    let fields = hvcc
        .get(..13)
        .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "hvcC record cut short"))?;
    let space = ["", "A", "B", "C"][usize::from(fields[1] >> 6)];
    let tier = if fields[1] & 0x20 != 0 { 'H' } else { 'L' };
    let profile = fields[1] & 0x1F;
    let compat = u32::from_be_bytes([fields[2], fields[3], fields[4], fields[5]]).reverse_bits();
    let level = fields[12];
    let mut codec = format!("{}.{space}{profile}.{compat:X}.{tier}{level}", fourcc_text(fourcc));
    let constraints = &fields[6..12];
    let used = constraints.len() - constraints.iter().rev().take_while(|b| **b == 0).count();
    for byte in &constraints[..used] {
        codec.push_str(&format!(".{byte:X}"));
    }
    Ok(codec)
}

/// `av01.P.LLT.DD` (AV1 codec ISO BMFF binding, "Codecs Parameter String") from an `av1C` record.
fn av1_codec_string(av1c: &[u8]) -> Result<String> {
    let fields = av1c
        .get(..3)
        .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "av1C record cut short"))?;
    let profile = fields[1] >> 5;
    let level = fields[1] & 0x1F;
    let tier = if fields[2] & 0x80 != 0 { 'H' } else { 'M' };
    let depth = match (fields[2] & 0x40 != 0, fields[2] & 0x20 != 0) {
        (true, true) => 12,
        (true, false) => 10,
        _ => 8,
    };
    Ok(format!("av01.{profile}.{level:02}{tier}.{depth:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hevc_codec_strings() {
        // HEVC Main, level 3.1, progressive-source constraint flag: the usual `hvc1.1.6.L93.B0`.
        let mut hvcc = vec![1, 0x01, 0x60, 0, 0, 0, 0xB0, 0, 0, 0, 0, 0, 93];
        assert_eq!(
            hevc_codec_string(b"hvc1", &hvcc).ok().as_deref(),
            Some("hvc1.1.6.L93.B0")
        );
        // High tier, profile space 1.
        hvcc[1] = 0x40 | 0x20 | 0x01;
        assert_eq!(
            hevc_codec_string(b"hev1", &hvcc).ok().as_deref(),
            Some("hev1.A1.6.H93.B0")
        );
        assert!(hevc_codec_string(b"hvc1", &hvcc[..12]).is_err());
    }

    #[test]
    fn av1_codec_strings() {
        // Main profile, level 4.0 (8), main tier, 10-bit.
        assert_eq!(
            av1_codec_string(&[0x81, 0x08, 0x40, 0]).ok().as_deref(),
            Some("av01.0.08M.10")
        );
        assert!(av1_codec_string(&[0x81]).is_err());
    }

    #[test]
    fn esds_descriptors() {
        // Full box header, ES descriptor (size in the 4-byte form ffmpeg writes), decoder config with
        // AAC's object type, decoder-specific info of AAC-LC 44.1 kHz stereo.
        let esds = [
            0, 0, 0, 0, 3, 0x80, 0x80, 0x80, 28, 0, 1, 0, 4, 0x80, 0x80, 0x80, 20, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 5, 0x80, 0x80, 0x80, 2, 0x12, 0x10,
        ];
        let config = decoder_config(&BoxReader::new(*b"esds", &esds)).ok();
        assert_eq!(config.as_ref().map(|c| c.object_type), Some(0x40));
        assert_eq!(config.and_then(|c| c.specific), Some(vec![0x12, 0x10]));
        assert!(decoder_config(&BoxReader::new(*b"esds", &esds[..20])).is_err());
    }
}
