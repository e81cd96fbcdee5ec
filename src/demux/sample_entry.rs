//! MP4 sample entries (`stsd`) to [`CodecConfig`]: the WebCodecs codec string and `description` bytes.

use mp4_atom::{Codec, Encode};

use crate::codec::aac::AudioSpecificConfig;
use crate::codec::h264;
use crate::codec::opus::OpusHead;
use crate::error::{Error, ErrorCode, Result};
use crate::media::CodecConfig;

/// MPEG-4 object type indications of AAC in `esds` (ISO/IEC 14496-1 table 5): MPEG-4 audio and the three
/// MPEG-2 AAC profiles.
const OTI_AAC: [u8; 4] = [0x40, 0x66, 0x67, 0x68];
/// Object type indications of MP3 (MPEG-1 and MPEG-2 audio).
const OTI_MP3: [u8; 2] = [0x6B, 0x69];

/// The decoder configuration of a sample entry.
pub fn codec_config(entry: &Codec) -> Result<CodecConfig> {
    let video = |codec: String, description: Option<Vec<u8>>, visual: &mp4_atom::Visual| CodecConfig {
        codec,
        description,
        width: u32::from(visual.width),
        height: u32::from(visual.height),
        ..CodecConfig::default()
    };
    let audio = |codec: &str, description: Option<Vec<u8>>, sample_rate: u32, channels: u32| CodecConfig {
        codec: codec.to_owned(),
        description,
        sample_rate,
        channels,
        ..CodecConfig::default()
    };
    Ok(match entry {
        Codec::Avc1(avc1) => avc_config(&avc1.avcc, &avc1.visual, video)?,
        Codec::Avc3(avc3) => avc_config(&avc3.avcc, &avc3.visual, video)?,
        Codec::Hvc1(hvc1) => video(
            hevc_codec_string("hvc1", &hvc1.hvcc),
            Some(body(&hvc1.hvcc)?),
            &hvc1.visual,
        ),
        Codec::Hev1(hev1) => video(
            hevc_codec_string("hev1", &hev1.hvcc),
            Some(body(&hev1.hvcc)?),
            &hev1.visual,
        ),
        Codec::Vp09(vp09) => {
            let c = &vp09.vpcc;
            video(
                format!("vp09.{:02}.{:02}.{:02}", c.profile, c.level, c.bit_depth),
                None,
                &vp09.visual,
            )
        }
        Codec::Vp08(vp08) => video("vp8".to_owned(), None, &vp08.visual),
        Codec::Av01(av01) => {
            let c = &av01.av1c;
            let depth = if c.twelve_bit {
                12
            } else if c.high_bitdepth {
                10
            } else {
                8
            };
            let tier = if c.seq_tier_0 { 'H' } else { 'M' };
            let codec = format!("av01.{}.{:02}{tier}.{depth:02}", c.seq_profile, c.seq_level_idx_0);
            video(codec, Some(body(c)?), &av01.visual)
        }
        Codec::Mp4a(mp4a) => {
            let decoder = &mp4a.esds.es_desc.dec_config;
            let channels = u32::from(mp4a.audio.channel_count);
            let rate = u32::from(mp4a.audio.sample_rate.integer());
            if OTI_MP3.contains(&decoder.object_type_indication) {
                audio("mp3", None, rate, channels)
            } else if OTI_AAC.contains(&decoder.object_type_indication) {
                let asc =
                    decoder.dec_specific.as_ref().map(|d| d.raw.clone()).ok_or_else(|| {
                        Error::new(ErrorCode::MalformedInput, "AAC track without an AudioSpecificConfig")
                    })?;
                let parsed = AudioSpecificConfig::parse(&asc)?;
                let channels = if parsed.channels > 0 {
                    u32::from(parsed.channels)
                } else {
                    channels
                };
                audio(&parsed.codec_string(), Some(asc), parsed.sample_rate, channels)
            } else {
                // RFC 6381 names other MPEG-4 audio by object type; decoders will say if they know it.
                let codec = format!("mp4a.{:02X}", decoder.object_type_indication);
                audio(&codec, None, rate, channels)
            }
        }
        Codec::Opus(opus) => {
            let dops = &opus.dops;
            let head = OpusHead {
                channels: dops.output_channel_count,
                pre_skip: dops.pre_skip,
                input_sample_rate: dops.input_sample_rate,
                output_gain: dops.output_gain,
                mapping: dops
                    .channel_mapping
                    .as_ref()
                    .map(|m| (m.family, m.stream_count, m.coupled_count, m.channel_mapping.clone())),
            };
            // Opus always decodes at 48 kHz, whatever the input rate was.
            audio(
                "opus",
                Some(head.to_bytes()),
                48_000,
                u32::from(dops.output_channel_count),
            )
        }
        Codec::Mp3(mp3) => audio(
            "mp3",
            None,
            u32::from(mp3.audio.sample_rate.integer()),
            u32::from(mp3.audio.channel_count),
        ),
        Codec::Flac(flac) => audio(
            "flac",
            None,
            u32::from(flac.audio.sample_rate.integer()),
            u32::from(flac.audio.channel_count),
        ),
        // Other codecs keep their sample entry type as codec string (`ac-3`, `ec-3` are WebCodecs' own
        // names; no browser decodes the rest): the track is listed, and decoding reports it unsupported.
        other => CodecConfig {
            codec: fourcc_of(other),
            width: other.visual().map_or(0, |v| u32::from(v.width)),
            height: other.visual().map_or(0, |v| u32::from(v.height)),
            sample_rate: other.audio().map_or(0, |a| u32::from(a.sample_rate.integer())),
            channels: other.audio().map_or(0, |a| u32::from(a.channel_count)),
            description: None,
        },
    })
}

fn avc_config(
    avcc: &mp4_atom::Avcc,
    visual: &mp4_atom::Visual,
    video: impl Fn(String, Option<Vec<u8>>, &mp4_atom::Visual) -> CodecConfig,
) -> Result<CodecConfig> {
    let codec = h264::codec_string(
        avcc.avc_profile_indication,
        avcc.profile_compatibility,
        avcc.avc_level_indication,
    );
    Ok(video(codec, Some(body(avcc)?), visual))
}

/// An atom's body (its bytes without the 8-byte header): the configuration records WebCodecs takes as
/// `description` are box bodies.
fn body(atom: &impl Encode) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    atom.encode(&mut bytes)
        .map_err(|e| Error::new(ErrorCode::MalformedInput, format!("codec configuration: {e}")))?;
    Ok(bytes.split_off(8.min(bytes.len())))
}

/// `hvc1.A.B.TC.DD...` (ISO/IEC 14496-15 E.3): profile space and profile, compatibility flags in reverse
/// bit order, tier and level, then the constraint bytes without trailing zeros.
fn hevc_codec_string(fourcc: &str, hvcc: &mp4_atom::Hvcc) -> String {
    let space = ["", "A", "B", "C"][usize::from(hvcc.general_profile_space & 3)];
    let compat = u32::from_be_bytes(hvcc.general_profile_compatibility_flags).reverse_bits();
    let tier = if hvcc.general_tier_flag { 'H' } else { 'L' };
    let mut codec = format!(
        "{fourcc}.{space}{}.{compat:X}.{tier}{}",
        hvcc.general_profile_idc, hvcc.general_level_idc
    );
    let constraints = &hvcc.general_constraint_indicator_flags;
    let used = constraints.len() - constraints.iter().rev().take_while(|b| **b == 0).count();
    for byte in &constraints[..used] {
        codec.push_str(&format!(".{byte:X}"));
    }
    codec
}

/// The sample entry's box type, for error messages.
fn fourcc_of(entry: &Codec) -> String {
    match entry {
        Codec::Unknown(kind, _) => kind.to_string(),
        known => {
            let mut bytes = Vec::new();
            match known.encode(&mut bytes) {
                Ok(()) if bytes.len() >= 8 => String::from_utf8_lossy(&bytes[4..8]).into_owned(),
                _ => "unknown".to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hevc_codec_strings() {
        // HEVC Main, level 3.1, progressive-source constraint flag: the usual `hvc1.1.6.L93.B0`.
        let hvcc = mp4_atom::Hvcc {
            general_profile_idc: 1,
            general_profile_compatibility_flags: [0x60, 0, 0, 0],
            general_level_idc: 93,
            general_constraint_indicator_flags: [0xB0, 0, 0, 0, 0, 0],
            ..Default::default()
        };
        assert_eq!(hevc_codec_string("hvc1", &hvcc), "hvc1.1.6.L93.B0");
        let high_tier = mp4_atom::Hvcc {
            general_tier_flag: true,
            general_profile_space: 1,
            ..hvcc
        };
        assert_eq!(hevc_codec_string("hev1", &high_tier), "hev1.A1.6.H93.B0");
    }
}
