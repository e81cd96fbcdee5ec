//! H.264: NAL units in Annex B byte streams, the sequence parameter set, the `avcC` decoder configuration
//! record, and the WebCodecs codec string `avc1.PPCCLL`.
//!
//! MPEG-TS carries H.264 as Annex B (NAL units behind `00 00 01` start codes); MP4 and WebCodecs with a
//! `description` want AVCC (each NAL unit behind its 4-byte big-endian length) plus the `avcC` record.

use super::bits::BitReader;
use crate::error::{Error, Result};

/// NAL unit type of an IDR picture slice: a sample holding one is a sync sample.
pub const NAL_IDR: u8 = 5;
/// NAL unit type of a sequence parameter set.
pub const NAL_SPS: u8 = 7;
/// NAL unit type of a picture parameter set.
pub const NAL_PPS: u8 = 8;

/// Largest picture side accepted from an SPS (H.264 level 6.2 tops out at 8192x4320).
const MAX_DIMENSION: u32 = 16_384;

/// The type of a NAL unit (low 5 bits of its first byte).
pub fn nal_type(nal: &[u8]) -> Option<u8> {
    nal.first().map(|byte| byte & 0x1F)
}

/// The start codes (`00 00 01`) of an Annex B byte stream: for each, where its NAL unit's share of the stream
/// begins (the zero byte of a 4-byte start code, `00 00 00 01`, counted with the NAL unit after it when
/// `zero_byte_with_next`, else left to the one before) and where the NAL unit's own bytes begin.
pub fn start_codes(stream: &[u8], zero_byte_with_next: bool) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = stream.get(from..)?;
        let ends_with_zeros = |at: usize, zeros: &[u8]| rest.get(..at).is_some_and(|before| before.ends_with(zeros));
        // A vectorised search for the 01 byte, each hit checked for the two zeros before it: coded slice data
        // holds a 01 about once in 256 bytes, so the vector loop does nearly all the work.
        let one = memchr::memchr_iter(1, rest).find(|&one| ends_with_zeros(one, &[0, 0]))?;
        let zero_byte = zero_byte_with_next && ends_with_zeros(one, &[0, 0, 0]);
        let share = from + one - if zero_byte { 3 } else { 2 };
        from += one + 1;
        Some((share, from))
    })
}

/// Appends NAL units to `out` in AVCC form (4-byte lengths), calling `each_nal` on every one on the way;
/// `nals` are the `(begin, end)` of each in `stream`, as [`start_codes`] finds them, whose trailing zero bytes
/// (before the next start code) are dropped, and empty ones skipped. Returns the number of bytes appended.
pub fn nals_to_avcc(
    stream: &[u8],
    nals: impl Iterator<Item = (usize, usize)>,
    out: &mut Vec<u8>,
    mut each_nal: impl FnMut(&[u8]),
) -> usize {
    let before = out.len();
    for (begin, end) in nals {
        let nal = super::without_trailing_zeros(stream.get(begin..end).unwrap_or_default());
        if nal.is_empty() {
            continue;
        }
        each_nal(nal);
        out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        out.extend_from_slice(nal);
    }
    out.len() - before
}

/// What the library reads from a sequence parameter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sps {
    /// `profile_idc`: 66 baseline, 77 main, 100 high, ...
    pub profile: u8,
    /// The constraint_set flags byte.
    pub constraints: u8,
    /// `level_idc`: 30 for level 3.0.
    pub level: u8,
    /// `seq_parameter_set_id`, which picture parameter sets refer to.
    pub id: u32,
    /// `chroma_format_idc` (1 = 4:2:0).
    pub chroma_format: u32,
    /// Luma bit depth.
    pub bit_depth_luma: u32,
    /// Chroma bit depth.
    pub bit_depth_chroma: u32,
    /// Displayed width in pixels (cropping applied).
    pub width: u32,
    /// Displayed height in pixels (cropping applied).
    pub height: u32,
}

/// Profiles whose SPS carries chroma format and bit depth fields (H.264 7.3.2.1.1).
fn has_chroma_fields(profile: u8) -> bool {
    matches!(
        profile,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    )
}

impl Sps {
    /// Parses an SPS NAL unit (with its one-byte NAL header).
    pub fn parse(nal: &[u8]) -> Result<Sps> {
        if nal_type(nal) != Some(NAL_SPS) {
            return Err(Error::malformed("not an H.264 SPS NAL unit"));
        }
        let rbsp = remove_emulation_prevention(&nal[1..]);
        let mut r = BitReader::new(&rbsp, "H.264 SPS");
        let profile = r.bits(8)? as u8;
        let constraints = r.bits(8)? as u8;
        let level = r.bits(8)? as u8;
        let id = r.ue()?;
        let (mut chroma_format, mut bit_depth_luma, mut bit_depth_chroma) = (1, 8, 8);
        if has_chroma_fields(profile) {
            chroma_format = r.ue()?;
            if chroma_format == 3 {
                r.skip(1)?; // separate_colour_plane_flag
            }
            bit_depth_luma = r.ue()?.saturating_add(8);
            bit_depth_chroma = r.ue()?.saturating_add(8);
            r.skip(1)?; // qpprime_y_zero_transform_bypass_flag
            if r.bit()? {
                let lists = if chroma_format == 3 { 12 } else { 8 };
                for index in 0..lists {
                    if r.bit()? {
                        skip_scaling_list(&mut r, if index < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }
        let _log2_max_frame_num = r.ue()?;
        match r.ue()? {
            0 => {
                r.ue()?; // log2_max_pic_order_cnt_lsb_minus4
            }
            1 => {
                r.skip(1)?; // delta_pic_order_always_zero_flag
                r.se()?; // offset_for_non_ref_pic
                r.se()?; // offset_for_top_to_bottom_field
                let cycle = r.ue()?;
                if cycle > 255 {
                    return Err(Error::malformed("H.264 SPS: POC cycle too long"));
                }
                for _ in 0..cycle {
                    r.se()?;
                }
            }
            _ => {}
        }
        let _max_num_ref_frames = r.ue()?;
        r.skip(1)?; // gaps_in_frame_num_value_allowed_flag
        let width_mbs = u64::from(r.ue()?) + 1;
        let height_map_units = u64::from(r.ue()?) + 1;
        let frame_mbs_only = r.bit()?;
        if !frame_mbs_only {
            r.skip(1)?; // mb_adaptive_frame_field_flag
        }
        r.skip(1)?; // direct_8x8_inference_flag
        let field_factor = if frame_mbs_only { 1 } else { 2 };
        let (mut crop_x, mut crop_y) = (0u64, 0u64);
        if r.bit()? {
            let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
            // Crop offsets count chroma samples (H.264 7.4.2.1.1, CropUnitX/CropUnitY).
            let (unit_x, unit_y) = match chroma_format {
                1 => (2, 2 * field_factor),
                2 => (2, field_factor),
                _ => (1, field_factor),
            };
            crop_x = unit_x * (u64::from(left) + u64::from(right));
            crop_y = unit_y * (u64::from(top) + u64::from(bottom));
        }
        let width = (width_mbs * 16).checked_sub(crop_x);
        let height = (height_map_units * 16 * field_factor).checked_sub(crop_y);
        let in_range = |side: Option<u64>| side.filter(|s| (1..=MAX_DIMENSION as u64).contains(s));
        let (Some(width), Some(height)) = (in_range(width), in_range(height)) else {
            return Err(Error::malformed("H.264 SPS: picture size out of range"));
        };
        Ok(Sps {
            profile,
            id,
            constraints,
            level,
            chroma_format,
            bit_depth_luma,
            bit_depth_chroma,
            width: width as u32,
            height: height as u32,
        })
    }

    /// The WebCodecs codec string, `avc1.PPCCLL` in hex.
    pub fn codec_string(&self) -> String {
        codec_string(self.profile, self.constraints, self.level)
    }
}

/// `avc1.PPCCLL` from profile, constraint flags and level.
pub fn codec_string(profile: u8, constraints: u8, level: u8) -> String {
    format!("avc1.{profile:02x}{constraints:02x}{level:02x}")
}

fn skip_scaling_list(r: &mut BitReader, size: usize) -> Result<()> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            let delta = r.se()?;
            next = (last + delta).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// The RBSP of a NAL unit payload: every `00 00 03` becomes `00 00` (the 03 only prevents start codes).
pub fn remove_emulation_prevention(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len());
    let mut zeros = 0;
    for &byte in payload {
        if zeros >= 2 && byte == 3 {
            zeros = 0;
            continue;
        }
        zeros = if byte == 0 { zeros + 1 } else { 0 };
        out.push(byte);
    }
    out
}

/// The `profile_idc` values an SPS may carry (H.264 A.2, and the scalable and multiview profiles of annexes
/// G and H).
const PROFILES: [u8; 16] = [66, 77, 88, 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

/// The `seq_parameter_set_id` a PPS NAL unit (with its NAL header) refers to.
fn pps_sps_id(nal: &[u8]) -> Result<u32> {
    if nal_type(nal) != Some(NAL_PPS) {
        return Err(Error::malformed("not an H.264 PPS NAL unit"));
    }
    let rbsp = remove_emulation_prevention(&nal[1..]);
    let mut r = BitReader::new(&rbsp, "H.264 PPS");
    let _pps_id = r.ue()?;
    r.ue()
}

/// `nal` without the copy of its NAL header byte that follows it, if it has one.
fn without_repeated_header(nal: &[u8]) -> Option<Vec<u8>> {
    match nal {
        [header, repeat, rest @ ..] if header == repeat => Some([&[*header][..], rest].concat()),
        _ => None,
    }
}

/// An `AVCDecoderConfigurationRecord` (the body of an `avcC` box; WebCodecs' `description`) for 4-byte
/// NAL lengths, from the stream's SPS and PPS NAL units. The first SPS supplies profile and level.
pub fn avc_decoder_configuration(sps_list: &[Vec<u8>], pps_list: &[Vec<u8>]) -> Result<Vec<u8>> {
    let first = sps_list
        .first()
        .ok_or_else(|| Error::malformed("H.264 stream has no SPS"))?;
    if pps_list.is_empty() {
        return Err(Error::malformed("H.264 stream has no PPS"));
    }
    if sps_list.len() > 31 || pps_list.len() > 255 {
        return Err(Error::limit("too many H.264 parameter sets"));
    }
    let sps = Sps::parse(first)?;
    let mut out = vec![
        1,
        sps.profile,
        sps.constraints,
        sps.level,
        0xFC | 3,
        0xE0 | sps_list.len() as u8,
    ];
    for set in sps_list {
        push_parameter_set(&mut out, set)?;
    }
    out.push(pps_list.len() as u8);
    for set in pps_list {
        push_parameter_set(&mut out, set)?;
    }
    if has_chroma_fields(sps.profile) {
        // High profiles append chroma format and bit depths (ISO/IEC 14496-15 5.3.3.1.2).
        out.push(0xFC | (sps.chroma_format & 3) as u8);
        out.push(0xF8 | (sps.bit_depth_luma.saturating_sub(8) & 7) as u8);
        out.push(0xF8 | (sps.bit_depth_chroma.saturating_sub(8) & 7) as u8);
        out.push(0); // no SPS extensions
    }
    Ok(out)
}

/// What an `AVCDecoderConfigurationRecord` holds that a muxer needs: the NAL length size of the samples
/// and the parameter sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcConfig {
    /// Bytes of each NAL unit's length prefix in the samples (1, 2 or 4).
    pub length_size: u8,
    /// Sequence parameter set NAL units.
    pub sps: Vec<Vec<u8>>,
    /// Picture parameter set NAL units.
    pub pps: Vec<Vec<u8>>,
}

impl AvcConfig {
    /// Reads the record (ISO/IEC 14496-15 5.3.3.1).
    pub fn parse(record: &[u8]) -> Result<AvcConfig> {
        let malformed = || Error::malformed("avcC record cut short");
        let byte = |at: usize| record.get(at).copied().ok_or_else(malformed);
        let length_size = (byte(4)? & 3) + 1;
        let mut at = 6;
        let read_sets = |count: u8, at: &mut usize| -> Result<Vec<Vec<u8>>> {
            let mut sets = Vec::with_capacity(usize::from(count));
            for _ in 0..count {
                let len = usize::from(u16::from_be_bytes([byte(*at)?, byte(*at + 1)?]));
                let set = record.get(*at + 2..*at + 2 + len).ok_or_else(malformed)?;
                *at += 2 + len;
                sets.push(set.to_vec());
            }
            Ok(sets)
        };
        let sps = read_sets(byte(5)? & 0x1F, &mut at)?;
        let pps_count = byte(at)?;
        at += 1;
        let pps = read_sets(pps_count, &mut at)?;
        Ok(AvcConfig { length_size, sps, pps })
    }

    /// The record an encoder gave, checked and rebuilt: each SPS must name a known profile and each PPS an
    /// SPS of the record. A parameter set that fails only because its NAL header byte is written twice (as
    /// Firefox's `VideoEncoder` writes them, e.g. `67 67 64 00 1e`, `68 68 eb`) is mended; anything else
    /// wrong is `malformed_input`. The record is written again with its reserved bits set and its NAL length
    /// size kept.
    pub fn repaired(record: &[u8]) -> Result<Vec<u8>> {
        let config = AvcConfig::parse(record)?;
        let invalid = |what: &str| Error::malformed(format!("the video encoder's avcC holds an invalid {what}"));
        let sps_valid = |nal: &[u8]| Sps::parse(nal).ok().filter(|sps| PROFILES.contains(&sps.profile));
        let mut sps = Vec::with_capacity(config.sps.len());
        let mut ids = Vec::with_capacity(config.sps.len());
        for nal in config.sps {
            let (nal, parsed) = match sps_valid(&nal) {
                Some(parsed) => (nal, parsed),
                None => without_repeated_header(&nal)
                    .and_then(|mended| Some((sps_valid(&mended)?, mended)))
                    .map(|(parsed, mended)| (mended, parsed))
                    .ok_or_else(|| invalid("SPS"))?,
            };
            ids.push(parsed.id);
            sps.push(nal);
        }
        let pps_valid = |nal: &[u8]| pps_sps_id(nal).is_ok_and(|id| ids.contains(&id));
        let mut pps = Vec::with_capacity(config.pps.len());
        for nal in config.pps {
            let nal = if pps_valid(&nal) {
                nal
            } else {
                without_repeated_header(&nal)
                    .filter(|mended| pps_valid(mended))
                    .ok_or_else(|| invalid("PPS"))?
            };
            pps.push(nal);
        }
        let mut rebuilt = avc_decoder_configuration(&sps, &pps)?;
        rebuilt[4] = 0xFC | (config.length_size - 1);
        Ok(rebuilt)
    }

    /// The parameter sets as NAL units in a sample (each behind a `length_size` length prefix): put in
    /// front of a keyframe, they switch a decoder to this configuration mid-stream.
    pub fn in_band_parameter_sets(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for nal in self.sps.iter().chain(&self.pps) {
            // Parameter sets come from an avcC, where their lengths are 16-bit: they fit a 2- or 4-byte
            // prefix; a 1-byte prefix is checked.
            let len = u32::try_from(nal.len()).unwrap_or(u32::MAX);
            if self.length_size == 1 && len > 0xFF {
                return Err(Error::limit("parameter set longer than a 1-byte NAL length allows"));
            }
            out.extend_from_slice(&len.to_be_bytes()[4 - usize::from(self.length_size).min(4)..]);
            out.extend_from_slice(nal);
        }
        Ok(out)
    }
}

fn push_parameter_set(out: &mut Vec<u8>, set: &[u8]) -> Result<()> {
    let len = u16::try_from(set.len()).map_err(|_| Error::limit("H.264 parameter set over 64 KiB"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(set);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    /// The SPS x264 wrote for tests/fixtures (High 3.0, 640x360: 40x23 macroblocks cropped by 8 rows).
    const SPS_HIGH_640X360: [u8; 26] = [
        0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00,
        0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2d, 0x96,
    ];
    const PPS: [u8; 6] = [0x68, 0xeb, 0xe1, 0x12, 0xc8, 0xb0];

    #[test]
    fn splits_annexb_with_both_start_code_lengths() {
        let stream = [0, 0, 0, 1, 9, 0xF0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x65, 0xAA, 0, 0];
        let starts: Vec<(usize, usize)> = start_codes(&stream, true).collect();
        assert_eq!(starts, [(0, 4), (6, 9), (12, 16)]);
        // HEVC leaves a 4-byte start code's zero byte with the NAL unit before it.
        let hevc: Vec<(usize, usize)> = start_codes(&stream, false).collect();
        assert_eq!(hevc, [(1, 4), (6, 9), (13, 16)]);
        let nals = [(4, 6), (9, 12), (16, stream.len())];
        let mut out = Vec::new();
        let mut types = Vec::new();
        let written = nals_to_avcc(&stream, nals.into_iter(), &mut out, |nal| types.push(nal_type(nal)));
        assert_eq!(types, [Some(9), Some(7), Some(5)]);
        assert_eq!(written, 3 * 4 + 2 + 3 + 2);
        assert_eq!(&out[..6], &[0, 0, 0, 2, 9, 0xF0]);
        assert_eq!(start_codes(&[1, 2, 3], true).count(), 0);
        // Only zeros between two start codes: no NAL unit.
        assert_eq!(
            nals_to_avcc(&[0, 0, 1, 0, 0, 0, 1], [(3, 4)].into_iter(), &mut out, |_| {}),
            0
        );
    }

    #[test]
    fn parses_the_fixture_sps() {
        let sps = Sps::parse(&SPS_HIGH_640X360).unwrap();
        assert_eq!((sps.profile, sps.constraints, sps.level), (100, 0, 30));
        assert_eq!((sps.width, sps.height), (640, 360));
        assert_eq!(sps.codec_string(), "avc1.64001e");
    }

    #[test]
    fn truncated_or_wrong_nal_is_an_error() {
        // The fields we read end in byte 11 (the VUI after them is not read).
        for len in 0..11 {
            assert!(Sps::parse(&SPS_HIGH_640X360[..len]).is_err(), "prefix of {len} bytes");
        }
        assert!(Sps::parse(&[0x68, 1, 2]).is_err());
    }

    #[test]
    fn emulation_prevention_is_removed() {
        assert_eq!(
            remove_emulation_prevention(&[0, 0, 3, 1, 0, 0, 3, 0]),
            [0, 0, 1, 0, 0, 0]
        );
    }

    #[test]
    fn builds_the_same_avcc_record_as_ffmpeg() {
        let record = avc_decoder_configuration(&[SPS_HIGH_640X360.to_vec()], &[PPS.to_vec()]).unwrap();
        // The avcC body ffmpeg wrote into tests/fixtures/high_bframes_moovend.mp4.
        let mut expected = vec![1, 0x64, 0x00, 0x1e, 0xFF, 0xE1, 0, 26];
        expected.extend_from_slice(&SPS_HIGH_640X360);
        expected.extend_from_slice(&[1, 0, 6]);
        expected.extend_from_slice(&PPS);
        expected.extend_from_slice(&[0xFD, 0xF8, 0xF8, 0]);
        assert_eq!(record, expected);
        assert!(avc_decoder_configuration(&[], &[vec![0x68]]).is_err());
    }

    #[test]
    fn avc_config_round_trip_and_in_band_sets() {
        // A 1280x720 High profile stream's parameter sets.
        let sps = vec![
            0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9, 0x80, 0x50, 0x05, 0xBB, 0x01, 0x6A, 0x02, 0x02, 0x02, 0x80, 0x00, 0x00,
            0x03, 0x00, 0x80, 0x00, 0x00, 0x1E, 0x07, 0x8C, 0x18, 0xCD,
        ];
        let pps = vec![0x68, 0xE9, 0x7B, 0x2C, 0x8B];
        let record = avc_decoder_configuration(std::slice::from_ref(&sps), std::slice::from_ref(&pps)).expect("record");
        let config = AvcConfig::parse(&record).expect("parse");
        assert_eq!(config.length_size, 4);
        assert_eq!((config.sps.clone(), config.pps.clone()), (vec![sps], vec![pps]));
        let in_band = [&[0, 0, 0, 28][..], &config.sps[0], &[0, 0, 0, 5], &config.pps[0]].concat();
        assert_eq!(config.in_band_parameter_sets().expect("sets"), in_band);
        for cut in 0..record.len() - 4 {
            assert!(AvcConfig::parse(&record[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn an_encoder_record_with_repeated_nal_headers_is_mended() {
        // As Firefox's VideoEncoder writes it: each parameter set's NAL header byte twice, and the reserved
        // bits before the NAL length size and the SPS count left zero.
        let mut firefox = vec![1, 0x64, 0x00, 0x1e, 0x03, 0x01, 0x00, 27, 0x67];
        firefox.extend_from_slice(&SPS_HIGH_640X360);
        firefox.extend_from_slice(&[1, 0x00, 7, 0x68]);
        firefox.extend_from_slice(&PPS);
        let right = avc_decoder_configuration(&[SPS_HIGH_640X360.to_vec()], &[PPS.to_vec()]).unwrap();
        assert_eq!(AvcConfig::repaired(&firefox).unwrap(), right);
        // A right record comes back as it was; one with a 2-byte NAL length keeps it.
        assert_eq!(AvcConfig::repaired(&right).unwrap(), right);
        let mut short = right.clone();
        short[4] = 0xFD;
        assert_eq!(AvcConfig::repaired(&short).unwrap()[4], 0xFD);
    }

    #[test]
    fn a_record_with_parameter_sets_beyond_mending_is_refused() {
        // A PPS naming SPS 1 when the record has only SPS 0, without a repeated header to explain it.
        let mut wrong_pps = PPS;
        wrong_pps[1] = 0b1010_1011; // pps_id 0, sps_id 1
        let record = avc_decoder_configuration(&[SPS_HIGH_640X360.to_vec()], &[wrong_pps.to_vec()]).unwrap();
        assert_eq!(
            AvcConfig::repaired(&record).unwrap_err().code(),
            ErrorCode::MalformedInput
        );
        // An SPS of an unknown profile.
        let mut wrong_sps = SPS_HIGH_640X360;
        wrong_sps[1] = 0x07;
        let record = avc_decoder_configuration(&[wrong_sps.to_vec()], &[PPS.to_vec()]);
        assert!(record.is_err() || AvcConfig::repaired(&record.unwrap()).is_err());
    }

    #[test]
    fn avc_config_on_random_bytes_never_panics() {
        let mut state = 7u32;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len % 80)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (state >> 16) as u8
                })
                .collect();
            if let Ok(config) = AvcConfig::parse(&bytes) {
                assert!((1..=4).contains(&config.length_size));
                let _ = config.in_band_parameter_sets();
            }
        }
    }
}
