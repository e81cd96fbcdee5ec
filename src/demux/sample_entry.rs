//! MP4 sample entries (`stsd`) to [`CodecConfig`]: the WebCodecs codec string and `description` bytes.
//!
//! A visual entry (`avc1`, `hvc1`, `av01`, ...) holds the picture size and a configuration box whose body
//! is what WebCodecs takes as `description`; an audio entry (`mp4a`, `Opus`, ...) holds channels and rate
//! and, for AAC, an `esds` descriptor tree around the AudioSpecificConfig (ISO/IEC 14496-12 12.1-12.2,
//! 14496-14, 14496-15).

use super::boxes::fourcc_text;
use super::reader::{child, required_child, BoxReader};
use crate::codec::aac::AudioSpecificConfig;
use crate::codec::opus::{self, OpusHead};
use crate::codec::{h264, hevc};
use crate::error::{Error, Result};
use crate::isobmff::descriptors::{DECODER_CONFIG_DESCRIPTOR, DECODER_SPECIFIC_INFO, ES_DESCRIPTOR, OTI_AAC, OTI_MP3};
use crate::media::{CodecConfig, TrackKind};

/// Bytes of a visual sample entry before its child boxes: the sample entry header (8), then pre-defined
/// and reserved fields (16), width and height, resolutions, frame count, compressor name and depth.
const VISUAL_HEADER: usize = 78;
/// Bytes of an audio sample entry before its children, version 0: the sample entry header (8), version,
/// revision and vendor (8), channels, sample size, compression id, packet size, rate (16.16).
const AUDIO_HEADER: usize = 28;
/// Extra bytes QuickTime sound description version 1 adds after [`AUDIO_HEADER`]: samples per packet,
/// bytes per packet, bytes per frame, bytes per sample.
const AUDIO_V1_EXTRA: usize = 16;
/// Extra bytes of a QuickTime version 2 sound description: struct size, rate (a double), channels, a
/// constant, bits per channel, format flags (`lpcm`), bytes per packet, frames per packet.
const AUDIO_V2_EXTRA: usize = 36;

/// `formatSpecificFlags` of a version 2 `lpcm` sound description (Core Audio's `AudioStreamBasicDescription`).
const LPCM_FLOAT: u32 = 1;
const LPCM_BIG_ENDIAN: u32 = 2;

/// What a sample entry says about its track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleEntry {
    /// What the decoder needs.
    pub config: CodecConfig,
    /// Pixel aspect ratio of a visual entry's `pasp` (horizontal, vertical spacing); (1, 1) without one.
    pub pixel_aspect: (u32, u32),
    /// For uncompressed sound: the bytes of one frame (one sample of every channel). Its sample tables count
    /// frames, which are regrouped into packets (see `movie::sample_table`).
    pub pcm_frame_bytes: Option<u32>,
}

/// Reads the sample entry of a track of `kind`. `stsd_version` tells QuickTime sound descriptions (in a
/// version 0 `stsd`, whose entry version 1 and 2 add fields) from ISO's `AudioSampleEntryV1` (in a
/// version 1 `stsd`, same layout as version 0).
///
/// Encrypted entries (`encv`, `enca`, or any with a protection scheme `sinf`) are refused as unsupported.
pub fn read_sample_entry(entry: &BoxReader, kind: TrackKind, stsd_version: u8) -> Result<SampleEntry> {
    let fourcc = entry.kind();
    let mut boxes = entry.clone();
    match kind {
        TrackKind::Video => boxes.skip(VISUAL_HEADER)?,
        TrackKind::Audio => boxes.skip(audio_children_at(entry, stsd_version)?)?,
    }
    let sinf = child(&boxes, b"sinf")?;
    if sinf.is_some() || matches!(&fourcc, b"encv" | b"enca") {
        return Err(encrypted(sinf.as_ref()));
    }
    match kind {
        TrackKind::Video => {
            let pixel_aspect = match child(&boxes, b"pasp")? {
                Some(mut pasp) => (pasp.u32()?, pasp.u32()?),
                None => (1, 1),
            };
            Ok(SampleEntry {
                config: video_config(entry, &boxes)?,
                pixel_aspect,
                pcm_frame_bytes: None,
            })
        }
        TrackKind::Audio => audio_config(entry, &boxes, stsd_version),
    }
}

/// The error for an encrypted track, naming its protection scheme (`schm`: `cenc`, `cbcs`, `cens`, `cbc1`,
/// PIFF's `piff`) when it says.
fn encrypted(sinf: Option<&BoxReader>) -> Error {
    let scheme = sinf
        .and_then(|sinf| child(sinf, b"schm").ok().flatten())
        .and_then(|mut schm| {
            schm.full_box().ok()?;
            schm.fourcc().ok()
        });
    let what = scheme.map_or_else(
        || "encrypted".to_owned(),
        |s| format!("encrypted ({})", fourcc_text(&s)),
    );
    Error::unsupported(format!(
        "the track is {what}: encrypted media (cenc/cbcs) cannot be played"
    ))
}

/// Where an audio sample entry's child boxes start: after the version 0 fields, plus the QuickTime version 1
/// or 2 fields in a version 0 `stsd`.
fn audio_children_at(entry: &BoxReader, stsd_version: u8) -> Result<usize> {
    let mut header = entry.clone();
    header.skip(8)?;
    Ok(match (stsd_version, header.u16()?) {
        (0, 1) => AUDIO_HEADER + AUDIO_V1_EXTRA,
        (0, 2) => AUDIO_HEADER + AUDIO_V2_EXTRA,
        _ => AUDIO_HEADER,
    })
}

fn video_config(entry: &BoxReader, boxes: &BoxReader) -> Result<CodecConfig> {
    let mut header = entry.clone();
    header.skip(24)?;
    let width = u32::from(header.u16()?);
    let height = u32::from(header.u16()?);
    let record = |kind: &[u8; 4]| required_child(boxes, kind).map(|found| found.rest().to_vec());
    let fourcc = entry.kind();
    let (codec, description) = match &fourcc {
        b"avc1" | b"avc3" => {
            let avcc = record(b"avcC")?;
            let fields = avcc.get(1..4).ok_or_else(|| entry.error("avcC record cut short"))?;
            (h264::codec_string(fields[0], fields[1], fields[2]), Some(avcc))
        }
        b"hvc1" | b"hev1" => {
            let hvcc = record(b"hvcC")?;
            (hevc::codec_string(&fourcc_text(&fourcc), &hvcc)?, Some(hvcc))
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
                format!(
                    "vp09.{:02}.{:02}.{:02}",
                    u32::from(fields[0]),
                    u32::from(fields[1]),
                    u32::from(fields[2] >> 4)
                ),
                None,
            )
        }
        b"vp08" => ("vp8".to_owned(), None),
        // Other codecs keep their sample entry type as codec string: the track is listed, and decoding
        // reports it unsupported.
        _ => (fourcc_text(&fourcc), None),
    };
    Ok(CodecConfig::video(codec, description, width, height))
}

/// The sound format of an audio entry: the version 0 fields, replaced by the QuickTime version 2 ones
/// when present, then the codec from the entry type and its configuration box.
fn audio_config(entry: &BoxReader, boxes: &BoxReader, stsd_version: u8) -> Result<SampleEntry> {
    let mut header = entry.clone();
    header.skip(8)?;
    let version = header.u16()?;
    header.skip(6)?;
    let mut channels = u32::from(header.u16()?);
    let mut bits = u32::from(header.u16()?);
    header.skip(4)?;
    // 16.16 fixed point: the integer part.
    let mut sample_rate = header.u32()? >> 16;
    let mut lpcm_flags = 0;
    if stsd_version == 0 && version == 2 {
        // Version 2 moves rate, channels and sample format after the version 0 fields: struct size, rate
        // as a double, channel count, a constant, bits per channel, format flags.
        header.u32()?;
        sample_rate = f64::from_bits(header.u64()?) as u32;
        channels = header.u32()?;
        header.u32()?;
        bits = header.u32()?;
        lpcm_flags = header.u32()?;
    }
    let fourcc = entry.kind();
    // QuickTime keeps the codec's boxes (`esds`, `enda`) inside a `wave` box of the entry.
    let wave = child(boxes, b"wave")?;
    let configuration = |kind: &[u8; 4]| -> Result<Option<BoxReader>> {
        match child(boxes, kind)? {
            Some(found) => Ok(Some(found)),
            None => wave.as_ref().map_or(Ok(None), |wave| child(wave, kind)),
        }
    };
    // `enda` (QuickTime): a non-zero 16-bit value marks little-endian samples of `in24`, `in32`, `fl32`.
    let little_endian_box = match configuration(b"enda")? {
        Some(mut enda) => enda.u16()? != 0,
        None => false,
    };
    let audio = |codec: String, description: Option<Vec<u8>>, sample_rate: u32, channels: u32| SampleEntry {
        config: CodecConfig::audio(codec, description, sample_rate, channels),
        pixel_aspect: (1, 1),
        pcm_frame_bytes: None,
    };
    // Uncompressed sound: (float, bits per sample, little-endian, unsigned) by entry type.
    let pcm = match &fourcc {
        b"raw " => Some((false, 8, true, true)),
        b"twos" => Some((false, bits, false, false)),
        b"sowt" => Some((false, bits, true, false)),
        b"in24" => Some((false, 24, little_endian_box, false)),
        b"in32" => Some((false, 32, little_endian_box, false)),
        b"fl32" => Some((true, 32, little_endian_box, false)),
        b"fl64" => Some((true, 64, little_endian_box, false)),
        b"lpcm" => Some((
            lpcm_flags & LPCM_FLOAT != 0,
            bits,
            lpcm_flags & LPCM_BIG_ENDIAN == 0,
            false,
        )),
        b"ipcm" | b"fpcm" => {
            // ISO/IEC 23003-5 `pcmC`: full box, format flags (bit 0: little-endian), bits per sample.
            let mut pcmc = required_child(boxes, b"pcmC")?;
            pcmc.full_box()?;
            let flags = pcmc.u8()?;
            Some((&fourcc == b"fpcm", u32::from(pcmc.u8()?), flags & 1 != 0, false))
        }
        _ => None,
    };
    if let Some((float, bits, little_endian, unsigned)) = pcm {
        if bits == 0 || bits % 8 != 0 || channels == 0 {
            return Err(entry.error("uncompressed sound without a sample size or channels"));
        }
        let frame_bytes = (bits / 8)
            .checked_mul(channels)
            .ok_or_else(|| entry.error("too many channels"))?;
        let mut found = audio(
            pcm_codec(float, bits, little_endian, unsigned),
            None,
            sample_rate,
            channels,
        );
        found.pcm_frame_bytes = Some(frame_bytes);
        return Ok(found);
    }
    Ok(match &fourcc {
        b"mp4a" => {
            let esds = configuration(b"esds")?.ok_or_else(|| boxes.error("no 'esds' box"))?;
            let decoder = decoder_config(&esds)?;
            if OTI_MP3.contains(&decoder.object_type) {
                audio("mp3".to_owned(), None, sample_rate, channels)
            } else if OTI_AAC.contains(&decoder.object_type) {
                let asc = decoder
                    .specific
                    .ok_or_else(|| Error::malformed("AAC track without an AudioSpecificConfig"))?;
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
            let dops = required_child(boxes, b"dOps")?;
            let head = OpusHead::from_dops(dops.rest())?;
            let channels = u32::from(head.channels);
            audio("opus".to_owned(), Some(head.to_bytes()), opus::RATE, channels)
        }
        b".mp3" => audio("mp3".to_owned(), None, sample_rate, channels),
        b"fLaC" => audio("flac".to_owned(), None, sample_rate, channels),
        // `ac-3`, `ec-3` are WebCodecs' own names; no browser decodes the rest.
        _ => audio(fourcc_text(&fourcc), None, sample_rate, channels),
    })
}

/// The codec string of uncompressed sound. WebCodecs registers `pcm-u8`, `pcm-s16`, `pcm-s24`, `pcm-s32` and
/// `pcm-f32` (Linear PCM WebCodecs Registration), all interleaved and little-endian. Other layouts get a name
/// of the same pattern that no browser accepts (mediabunny's: `pcm-s16be`, `pcm-s24be`, `pcm-s32be`,
/// `pcm-f32be`, `pcm-s8`, `pcm-f64`, `pcm-f64be`): samples are passed on as stored, not converted, so a
/// big-endian track (`twos`, `in24` without `enda`, ...) is listed but its decoder configuration is refused,
/// and the player plays the pictures without sound.
fn pcm_codec(float: bool, bits: u32, little_endian: bool, unsigned: bool) -> String {
    let kind = match (float, unsigned) {
        (true, _) => "f",
        (false, true) => "u",
        (false, false) => "s",
    };
    let order = if little_endian || bits == 8 { "" } else { "be" };
    format!("pcm-{kind}{bits}{order}")
}

/// What `esds` says about the decoder: its object type and the decoder-specific bytes.
struct DecoderConfig {
    object_type: u8,
    specific: Option<Vec<u8>>,
}

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
        let (found, tag) = (u32::from(found), u32::from(tag));
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

/// `av01.P.LLT.DD` (AV1 codec ISO BMFF binding, "Codecs Parameter String") from an `av1C` record.
fn av1_codec_string(av1c: &[u8]) -> Result<String> {
    let fields = av1c.get(..3).ok_or_else(|| Error::malformed("av1C record cut short"))?;
    let profile = u32::from(fields[1] >> 5);
    let level = u32::from(fields[1] & 0x1F);
    let tier = if fields[2] & 0x80 != 0 { "H" } else { "M" };
    let depth: u32 = match (fields[2] & 0x40 != 0, fields[2] & 0x20 != 0) {
        (true, true) => 12,
        (true, false) => 10,
        _ => 8,
    };
    Ok(format!("av01.{profile}.{level:02}{tier}.{depth:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

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
    fn pcm_codec_strings() {
        // WebCodecs' registered names for little-endian interleaved PCM.
        assert_eq!(pcm_codec(false, 16, true, false), "pcm-s16");
        assert_eq!(pcm_codec(false, 24, true, false), "pcm-s24");
        assert_eq!(pcm_codec(false, 32, true, false), "pcm-s32");
        assert_eq!(pcm_codec(true, 32, true, false), "pcm-f32");
        assert_eq!(pcm_codec(false, 8, true, true), "pcm-u8");
        // Big-endian and other layouts: names no browser registers.
        assert_eq!(pcm_codec(false, 16, false, false), "pcm-s16be");
        assert_eq!(pcm_codec(true, 64, false, false), "pcm-f64be");
        assert_eq!(pcm_codec(false, 8, false, false), "pcm-s8");
    }

    /// A QuickTime sound sample entry body of `version` with `children`: `twos`-style fields, 2 channels of
    /// 16 bits at 44.1 kHz (version 2: the rate, channels, bits and format flags in its own fields).
    fn sound_entry(version: u16, lpcm_flags: u32, children: &[u8]) -> Vec<u8> {
        let mut body = vec![0, 0, 0, 0, 0, 0, 0, 1];
        body.extend_from_slice(&version.to_be_bytes());
        body.extend_from_slice(&[0; 6]);
        body.extend_from_slice(&[0, 2, 0, 16, 0, 0, 0, 0]);
        body.extend_from_slice(&(44_100u32 << 16).to_be_bytes());
        match version {
            1 => body.extend_from_slice(&[0; 16]),
            2 => {
                body.extend_from_slice(&72u32.to_be_bytes());
                body.extend_from_slice(&96_000f64.to_bits().to_be_bytes());
                body.extend_from_slice(&6u32.to_be_bytes());
                body.extend_from_slice(&0x7F00_0000u32.to_be_bytes());
                body.extend_from_slice(&24u32.to_be_bytes());
                body.extend_from_slice(&lpcm_flags.to_be_bytes());
                body.extend_from_slice(&[0; 8]);
            }
            _ => {}
        }
        body.extend_from_slice(children);
        body
    }

    #[test]
    fn quicktime_sound_descriptions() {
        let read = |kind: &[u8; 4], body: &[u8], stsd_version: u8| {
            read_sample_entry(&BoxReader::new(*kind, body), TrackKind::Audio, stsd_version).map(|e| {
                let c = e.config;
                (c.codec, c.sample_rate, c.channels, e.pcm_frame_bytes)
            })
        };
        let expect = |codec: &str, rate, channels, frame| Ok((codec.to_owned(), rate, channels, Some(frame)));
        assert_eq!(
            read(b"twos", &sound_entry(0, 0, &[]), 0),
            expect("pcm-s16be", 44_100, 2, 4)
        );
        assert_eq!(
            read(b"sowt", &sound_entry(1, 0, &[]), 0),
            expect("pcm-s16", 44_100, 2, 4)
        );
        // `in24` little-endian by an `enda` inside `wave`, then QuickTime's zero terminator.
        let wave = [
            0, 0, 0, 18, b'w', b'a', b'v', b'e', 0, 0, 0, 10, b'e', b'n', b'd', b'a', 0, 1, 0, 0, 0, 0,
        ];
        assert_eq!(
            read(b"in24", &sound_entry(1, 0, &wave), 0),
            expect("pcm-s24", 44_100, 2, 6)
        );
        assert_eq!(
            read(b"in24", &sound_entry(1, 0, &[]), 0),
            expect("pcm-s24be", 44_100, 2, 6)
        );
        // Version 2 `lpcm`: signed integer, packed, little-endian (flags 0x0C); big-endian float (0x0B).
        assert_eq!(
            read(b"lpcm", &sound_entry(2, 0x0C, &[]), 0),
            expect("pcm-s24", 96_000, 6, 18)
        );
        assert_eq!(
            read(b"lpcm", &sound_entry(2, 0x0B, &[]), 0),
            expect("pcm-f24be", 96_000, 6, 18)
        );
        // In a version 1 `stsd`, entry version 1 is ISO's AudioSampleEntryV1: no QuickTime fields follow.
        let mut iso = sound_entry(0, 0, &[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        iso[9] = 1;
        assert_eq!(read(b"sowt", &iso, 1), expect("pcm-s16", 44_100, 2, 4));
        // `mp4a` whose `esds` is missing from the entry and from `wave`.
        assert!(read(b"mp4a", &sound_entry(1, 0, &wave), 0).is_err());
    }

    #[test]
    fn encrypted_entries_are_unsupported() {
        // `enca` with `sinf` holding `frma` and a `schm` of scheme `cbcs`.
        let sinf = [
            0, 0, 0, 40, b's', b'i', b'n', b'f', 0, 0, 0, 12, b'f', b'r', b'm', b'a', b'm', b'p', b'4', b'a', 0, 0, 0,
            20, b's', b'c', b'h', b'm', 0, 0, 0, 0, b'c', b'b', b'c', b's', 0, 1, 0, 0,
        ];
        let error = read_sample_entry(
            &BoxReader::new(*b"enca", &sound_entry(0, 0, &sinf)),
            TrackKind::Audio,
            0,
        )
        .unwrap_err();
        assert_eq!(error.code(), ErrorCode::Unsupported);
        assert!(error.message().contains("encrypted (cbcs)"), "{error}");
        // Without `sinf`, the entry type alone says it.
        let error = read_sample_entry(&BoxReader::new(*b"encv", &[0; 78]), TrackKind::Video, 0).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Unsupported);
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
