//! HEVC (H.265): NAL unit types, the sequence parameter set fields a decoder configuration needs, the
//! `hvcC` decoder configuration record (ISO/IEC 14496-15 8.3.3) and the WebCodecs codec string
//! `hvc1.<profile>.<compatibility>.<tier+level>.<constraints>` (ISO/IEC 14496-15 Annex E).
//!
//! MPEG-TS carries HEVC as Annex B like H.264 (the same start codes, see [`super::h264::start_codes`]);
//! HEVC NAL units have a two-byte header whose type is bits 1 to 6 of the first byte.

use super::bits::BitReader;
use super::h264::remove_emulation_prevention;
use crate::error::{Error, Result};
use std::fmt::Write;

/// NAL unit type of a video parameter set.
pub const NAL_VPS: u8 = 32;
/// NAL unit type of a sequence parameter set.
pub const NAL_SPS: u8 = 33;
/// NAL unit type of a picture parameter set.
pub const NAL_PPS: u8 = 34;
/// NAL unit type of an access unit delimiter.
pub const NAL_AUD: u8 = 35;

/// Largest picture side accepted from an SPS (level 6.2 allows 8192x4320; 16384 leaves room).
const MAX_DIMENSION: u32 = 16_384;

/// The type of an HEVC NAL unit (bits 1..=6 of its first header byte).
pub fn nal_type(nal: &[u8]) -> Option<u8> {
    nal.first().map(|byte| (byte >> 1) & 0x3F)
}

/// Whether a NAL unit type is a slice of an intra random access point picture (BLA, IDR or CRA: types 16
/// to 21), where decoding can start: an access unit holding one is a sync sample.
pub fn is_irap(nal_type: u8) -> bool {
    (16..=21).contains(&nal_type)
}

/// Whether a NAL unit type is a coded slice (types 0 to 31).
pub fn is_vcl(nal_type: u8) -> bool {
    nal_type < 32
}

/// What the library reads from an HEVC sequence parameter set: the general profile, tier and level
/// (`profile_tier_level`, H.265 7.3.3), the chroma format, the bit depths and the picture size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sps {
    /// `general_profile_space` (0 in every profile published so far).
    pub profile_space: u8,
    /// `general_tier_flag`: the High tier.
    pub high_tier: bool,
    /// `general_profile_idc`: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions, ...
    pub profile: u8,
    /// `general_profile_compatibility_flag[j]` for j = 0..32, flag 0 in the most significant bit.
    pub compatibility: u32,
    /// The 48 bits of general constraint flags (progressive, interlaced, ... ), first flag first.
    pub constraints: [u8; 6],
    /// `general_level_idc`: 30 times the level number (93 for level 3.1).
    pub level: u8,
    /// `sps_max_sub_layers_minus1` + 1: the temporal layers.
    pub temporal_layers: u8,
    /// `sps_temporal_id_nesting_flag`.
    pub temporal_id_nested: bool,
    /// `chroma_format_idc` (1 = 4:2:0).
    pub chroma_format: u32,
    /// Luma bit depth.
    pub bit_depth_luma: u32,
    /// Chroma bit depth.
    pub bit_depth_chroma: u32,
    /// Displayed width in pixels (conformance window applied).
    pub width: u32,
    /// Displayed height in pixels (conformance window applied).
    pub height: u32,
}

impl Sps {
    /// Parses an SPS NAL unit (with its two-byte NAL header).
    pub fn parse(nal: &[u8]) -> Result<Sps> {
        if nal_type(nal) != Some(NAL_SPS) || nal.len() < 2 {
            return Err(Error::malformed("not an HEVC SPS NAL unit"));
        }
        let rbsp = remove_emulation_prevention(&nal[2..]);
        let mut r = BitReader::new(&rbsp, "HEVC SPS");
        r.skip(4)?; // sps_video_parameter_set_id
        let sub_layers_minus1 = r.bits(3)? as u8;
        let temporal_id_nested = r.bit()?;
        // profile_tier_level(1, sps_max_sub_layers_minus1)
        let profile_space = r.bits(2)? as u8;
        let high_tier = r.bit()?;
        let profile = r.bits(5)? as u8;
        let compatibility = r.bits(32)?;
        let mut constraints = [0u8; 6];
        for byte in &mut constraints {
            *byte = r.bits(8)? as u8;
        }
        let level = r.bits(8)? as u8;
        let mut sub_layers = [(false, false); 7];
        for layer in sub_layers.iter_mut().take(usize::from(sub_layers_minus1)) {
            *layer = (r.bit()?, r.bit()?);
        }
        if sub_layers_minus1 > 0 {
            r.skip(2 * (8 - usize::from(sub_layers_minus1)))?; // reserved_zero_2bits
        }
        for &(profile_present, level_present) in sub_layers.iter().take(usize::from(sub_layers_minus1)) {
            if profile_present {
                r.skip(88)?;
            }
            if level_present {
                r.skip(8)?;
            }
        }
        let _sps_id = r.ue()?;
        let chroma_format = r.ue()?;
        if chroma_format > 3 {
            return Err(Error::malformed("HEVC SPS: chroma_format_idc out of range"));
        }
        if chroma_format == 3 {
            r.skip(1)?; // separate_colour_plane_flag
        }
        let coded_width = r.ue()?;
        let coded_height = r.ue()?;
        let (mut crop_x, mut crop_y) = (0u64, 0u64);
        if r.bit()? {
            let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
            // Conformance window offsets count chroma samples (H.265 7.4.3.2.1, SubWidthC/SubHeightC).
            let (unit_x, unit_y) = match chroma_format {
                1 => (2, 2),
                2 => (2, 1),
                _ => (1, 1),
            };
            crop_x = unit_x * (u64::from(left) + u64::from(right));
            crop_y = unit_y * (u64::from(top) + u64::from(bottom));
        }
        let bit_depth_luma = r.ue()?.saturating_add(8);
        let bit_depth_chroma = r.ue()?.saturating_add(8);
        let side = |coded: u32, crop: u64| {
            u64::from(coded)
                .checked_sub(crop)
                .filter(|s| (1..=u64::from(MAX_DIMENSION)).contains(s))
        };
        let (Some(width), Some(height)) = (side(coded_width, crop_x), side(coded_height, crop_y)) else {
            return Err(Error::malformed("HEVC SPS: picture size out of range"));
        };
        Ok(Sps {
            profile_space,
            high_tier,
            profile,
            compatibility,
            constraints,
            level,
            temporal_layers: sub_layers_minus1 + 1,
            temporal_id_nested,
            chroma_format,
            bit_depth_luma,
            bit_depth_chroma,
            width: width as u32,
            height: height as u32,
        })
    }
}

/// The WebCodecs codec string (ISO/IEC 14496-15 E.3) of an HEVC stream, from its `hvcC` record: `fourcc`
/// (`hvc1`, `hev1`), the profile space as a letter (none for 0, `A` to `C`) before the profile number, the
/// compatibility flags in reverse bit order as hex, `L` or `H` (tier) before the level number, then the
/// constraint bytes in hex, trailing zero bytes left out. Main profile level 3.1: `hvc1.1.6.L93.B0`.
pub fn codec_string(fourcc: &str, hvcc: &[u8]) -> Result<String> {
    let fields = hvcc
        .get(..13)
        .ok_or_else(|| Error::malformed("hvcC record cut short"))?;
    let space = ["", "A", "B", "C"][usize::from(fields[1] >> 6)];
    let tier = if fields[1] & 0x20 != 0 { "H" } else { "L" };
    let profile = u32::from(fields[1] & 0x1F);
    let compat = u32::from_be_bytes([fields[2], fields[3], fields[4], fields[5]]).reverse_bits();
    let level = u32::from(fields[12]);
    let mut codec = format!("{fourcc}.{space}{profile}.{compat:X}.{tier}{level}");
    for byte in super::without_trailing_zeros(&fields[6..12]) {
        // Appended in place; writing to a String never fails.
        let _ = write!(codec, ".{byte:X}");
    }
    Ok(codec)
}

/// An `HEVCDecoderConfigurationRecord` (the body of an `hvcC` box; WebCodecs' `description`) for 4-byte
/// NAL lengths, holding the stream's VPS, SPS and PPS NAL units. The first SPS supplies profile, tier,
/// level, chroma format and bit depths; segmentation, parallelism and frame rate are left "unknown" (0),
/// which the record allows.
pub fn hevc_decoder_configuration(vps: &[Vec<u8>], sps: &[Vec<u8>], pps: &[Vec<u8>]) -> Result<Vec<u8>> {
    let first = sps.first().ok_or_else(|| Error::malformed("HEVC stream has no SPS"))?;
    if vps.is_empty() || pps.is_empty() {
        return Err(Error::malformed("HEVC stream has no VPS or PPS"));
    }
    let parsed = Sps::parse(first)?;
    let mut out = vec![
        1,
        parsed.profile_space << 6 | u8::from(parsed.high_tier) << 5 | parsed.profile,
    ];
    out.extend_from_slice(&parsed.compatibility.to_be_bytes());
    out.extend_from_slice(&parsed.constraints);
    out.push(parsed.level);
    out.extend_from_slice(&[0xF0, 0x00]); // min_spatial_segmentation_idc 0
    out.push(0xFC); // parallelismType 0
    out.push(0xFC | (parsed.chroma_format & 3) as u8);
    out.push(0xF8 | (parsed.bit_depth_luma.saturating_sub(8) & 7) as u8);
    out.push(0xF8 | (parsed.bit_depth_chroma.saturating_sub(8) & 7) as u8);
    out.extend_from_slice(&[0, 0]); // avgFrameRate unknown
                                    // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3.
    out.push((parsed.temporal_layers & 7) << 3 | u8::from(parsed.temporal_id_nested) << 2 | 3);
    out.push(3);
    for (kind, sets) in [(NAL_VPS, vps), (NAL_SPS, sps), (NAL_PPS, pps)] {
        let count = u16::try_from(sets.len()).map_err(|_| Error::limit("too many HEVC parameter sets"))?;
        out.push(0x80 | kind); // array_completeness: every set is in the record
        out.extend_from_slice(&count.to_be_bytes());
        for set in sets {
            let len = u16::try_from(set.len()).map_err(|_| Error::limit("HEVC parameter set over 64 KiB"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(set);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SPS of `exoplayer/ts/sample_h265.ts`: Main profile, level 3, 854x480 (coded
    /// larger, cut by its conformance window).
    const SPS_MAIN_854X480: [u8; 41] = [
        0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5a,
        0xa0, 0x06, 0xb2, 0x01, 0xe1, 0xd7, 0x96, 0x56, 0x69, 0x24, 0xca, 0xe6, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00,
        0x80, 0x00, 0x00, 0x0f, 0x04,
    ];

    #[test]
    fn parses_profile_level_and_size() {
        let sps = Sps::parse(&SPS_MAIN_854X480).unwrap();
        assert_eq!(
            (sps.profile_space, sps.high_tier, sps.profile, sps.level),
            (0, false, 1, 90)
        );
        assert_eq!(sps.compatibility, 0x6000_0000);
        assert_eq!(sps.constraints, [0x90, 0, 0, 0, 0, 0]);
        assert_eq!((sps.chroma_format, sps.bit_depth_luma, sps.bit_depth_chroma), (1, 8, 8));
        assert_eq!((sps.width, sps.height), (854, 480));
        let record = hevc_decoder_configuration(
            &[vec![0x40, 0x01, 0x0C]],
            &[SPS_MAIN_854X480.to_vec()],
            &[vec![0x44, 0x01, 0xC1]],
        );
        assert_eq!(codec_string("hvc1", &record.unwrap()).unwrap(), "hvc1.1.6.L90.90");
    }

    #[test]
    fn codec_string_spells_space_tier_and_constraints() {
        // HEVC Main, level 3.1, progressive-source constraint flag: the usual `hvc1.1.6.L93.B0`.
        let mut hvcc = vec![1, 0x01, 0x60, 0, 0, 0, 0xB0, 0, 0, 0, 0, 0, 93];
        assert_eq!(codec_string("hvc1", &hvcc).unwrap(), "hvc1.1.6.L93.B0");
        // Profile space 1, high tier, profile 2; constraint bytes with a zero inside and trailing ones.
        hvcc[1] = 0x40 | 0x20 | 0x02;
        hvcc[2..6].copy_from_slice(&[0x20, 0, 0, 0]);
        hvcc[6..12].copy_from_slice(&[0xB0, 0, 0x0A, 0, 0, 0]);
        hvcc[12] = 120;
        assert_eq!(codec_string("hev1", &hvcc).unwrap(), "hev1.A2.4.H120.B0.0.A");
        assert!(codec_string("hvc1", &hvcc[..12]).is_err());
    }

    #[test]
    fn builds_an_hvcc_record() {
        let vps = vec![0x40, 0x01, 0x0C];
        let pps = vec![0x44, 0x01, 0xC1];
        let record =
            hevc_decoder_configuration(std::slice::from_ref(&vps), &[SPS_MAIN_854X480.to_vec()], &[pps]).unwrap();
        assert_eq!(record[..2], [1, 0x01]);
        assert_eq!(record[2..6], [0x60, 0, 0, 0]);
        assert_eq!(record[12], 90);
        assert_eq!(record[13..23], [0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 3]);
        assert_eq!(record[23..28], [0x80 | NAL_VPS, 0, 1, 0, 3]);
        assert_eq!(record[28..31], vps[..]);
        assert!(hevc_decoder_configuration(&[], &[SPS_MAIN_854X480.to_vec()], &[vec![0x44]]).is_err());
    }

    #[test]
    fn truncated_sps_is_an_error() {
        for len in 0..20 {
            assert!(Sps::parse(&SPS_MAIN_854X480[..len]).is_err(), "prefix of {len} bytes");
        }
        assert!(Sps::parse(&[0x40, 0x01, 0x0C]).is_err());
    }
}
