//! Trim plans: which samples of some [`Footage`] make the clip `[start, end)`, and the clip's tracks
//! ready for the muxer.
//!
//! - **Keyframe** mode copies whole groups of pictures: the clip starts at the keyframe at or before
//!   `start` and ends with the last frame shown before `end`.
//! - **Exact** mode starts on the very frame shown at `start`: the frames from there to the next
//!   keyframe (the "head") are decoded and re-encoded by the caller (in the browser, with WebCodecs), the
//!   groups of pictures after it are copied untouched. Where the footage changes codec configuration (an
//!   HLS discontinuity, a variant switch) to a coding the clip's first one cannot continue in one track (a
//!   new picture size, another codec), that stretch is re-encoded in the clip's coding too.
//!
//! Sound follows the pictures sample-exactly: every audio packet that overlaps the clip is kept, plus the
//! packets a decoder needs before them to produce correct samples (AAC's overlapped transform, Opus'
//! 80 ms pre-roll); the edit list cuts the excess.
//!
//! All times are ticks of the track concerned; `start` and `end` are seconds on the footage's timeline.

use std::borrow::Cow;

use std::ops::Range;

use super::footage::Footage;
use crate::codec::h264::AvcConfig;
use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Codec, CodecConfig, Track, TrackKind};
use crate::player::presentation_order;
use crate::time::Time;

/// How the clip's first frame is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimMode {
    /// Lossless: from the keyframe at or before `start`.
    Keyframe,
    /// Frame-exact: from the frame shown at `start`, re-encoding up to the next keyframe.
    Exact,
    /// Untouched and frame-exact where players honour edit lists: the video is copied from the keyframe
    /// at or before `start`, and the frames before the one shown at `start` are decoded but hidden by the
    /// edit list (a dub keeps its video bit for bit this way). Not offered by `parse`.
    HiddenLead,
}

impl TrimMode {
    /// `"keyframe"` or `"exact"`, as the JS API and the `trim` CLI name them.
    pub fn parse(name: &str) -> Result<TrimMode> {
        match name {
            "keyframe" => Ok(TrimMode::Keyframe),
            "exact" => Ok(TrimMode::Exact),
            other => Err(Error::malformed(format!(
                "unknown trim mode '{other}': use 'keyframe' or 'exact'"
            ))),
        }
    }
}

/// One stretch of a clip's video, in decode order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoPiece {
    /// Decode-order samples copied untouched.
    Copy(Range<usize>),
    /// Decode-order samples to decode (from a keyframe) for the frames shown at `frames` (presentation
    /// times, in order), which are encoded again in the clip's coding.
    Reencode {
        /// The samples decoded.
        decode: Range<usize>,
        /// The frames encoded again.
        frames: Vec<i64>,
    },
}

/// The video part of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoCut {
    /// The clip's video, stretch by stretch in decode order. Keyframe mode: one copy.
    pub pieces: Vec<VideoPiece>,
    /// The coding of the clip's video: the configuration of the first sample it reads. Re-encoded
    /// stretches are encoded with its codec string at its picture size.
    pub coding: CodecConfig,
    /// Presentation time of the clip's first frame, ticks.
    pub first_pts: i64,
    /// Where the clip's last frame ends, ticks.
    pub end_pts: i64,
    /// Frames shown.
    pub frames: usize,
}

impl VideoCut {
    /// The decode-order samples the clip reads, first to last.
    pub fn samples(&self) -> Range<usize> {
        let (mut start, mut end) = (usize::MAX, 0);
        for piece in &self.pieces {
            let (VideoPiece::Copy(range) | VideoPiece::Reencode { decode: range, .. }) = piece;
            start = start.min(range.start);
            end = end.max(range.end);
        }
        if self.pieces.is_empty() {
            0..0
        } else {
            start..end
        }
    }

    /// The stretches to re-encode, in order.
    pub fn reencoded(&self) -> impl Iterator<Item = (&Range<usize>, &[i64])> {
        self.pieces.iter().filter_map(|piece| match piece {
            VideoPiece::Reencode { decode, frames } => Some((decode, frames.as_slice())),
            VideoPiece::Copy(_) => None,
        })
    }
}

/// The audio part of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioCut {
    /// Decode-order samples copied, pre-roll included.
    pub samples: Range<usize>,
    /// The presentation interval shown, ticks: the video's interval (or the request, without video),
    /// within the sound that exists.
    pub shown: (i64, i64),
}

/// Which samples make a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct TrimPlan {
    /// Video, if the footage has any.
    pub video: Option<VideoCut>,
    /// Audio, if the footage has any.
    pub audio: Option<AudioCut>,
    /// Where the clip starts, seconds on the footage's timeline.
    pub start: f64,
    /// Where it ends.
    pub end: f64,
}

/// One re-encoded frame (exact mode), as the encoder returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// Presentation time, ticks of the video track (the source frame's).
    pub pts: i64,
    /// Whether the encoder made it a keyframe (the first one must be).
    pub key: bool,
    /// The coded frame, in the format the stretch's configuration describes (H.264: length-prefixed).
    pub data: Vec<u8>,
}

/// A re-encoded stretch: its configuration (WebCodecs' `decoderConfig`) and frames in decode order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedStretch {
    /// What decodes the frames.
    pub config: CodecConfig,
    /// The frames.
    pub frames: Vec<EncodedFrame>,
}

fn out_of_range(message: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorCode::OutOfRange, message)
}

fn ticks(seconds: f64, timescale: u32) -> Result<i64> {
    Time::from_seconds(seconds, timescale)
        .map(|t| t.ticks)
        .ok_or_else(|| out_of_range(format!("time {} is not a usable number of seconds", Fixed(seconds, 3))))
}

fn seconds(ticks: i64, timescale: u32) -> f64 {
    Time {
        ticks,
        scale: timescale,
    }
    .seconds()
}

/// Plans the clip `[start, end)` (seconds on the footage's timeline).
pub fn plan(footage: &Footage, start: f64, end: f64, mode: TrimMode) -> Result<TrimPlan> {
    if !(start.is_finite() && end.is_finite() && start < end) {
        return Err(out_of_range(format!(
            "a clip needs start < end (got start {}, end {})",
            Fixed(start, 3),
            Fixed(end, 3)
        )));
    }
    let video = footage.video.as_ref().filter(|t| !t.samples.is_empty());
    let audio = footage.audio.as_ref().filter(|t| !t.samples.is_empty());
    let (mut media_start, mut media_end) = (f64::INFINITY, f64::NEG_INFINITY);
    for track in [video, audio].into_iter().flatten() {
        if let Some((first, last)) = track.presentation_span() {
            media_start = media_start.min(seconds(first, track.timescale));
            media_end = media_end.max(seconds(last, track.timescale));
        }
    }
    if start >= media_end || end <= media_start {
        return Err(out_of_range(format!(
            "the clip [{}, {}) lies outside the media ({} to {} s)",
            Fixed(start, 3),
            Fixed(end, 3),
            Fixed(media_start, 3),
            Fixed(media_end, 3)
        )));
    }
    let video_cut = video
        .map(|track| plan_video(footage, track, start, end, mode))
        .transpose()?;
    // The interval the sound must cover: the pictures', and on to the clip's end where the pictures stop
    // before it (sound that outlasts the video); without video, the clip inside the media.
    let (from, to) = match (&video_cut, video) {
        (Some(cut), Some(track)) => (
            seconds(cut.first_pts, track.timescale),
            seconds(cut.end_pts, track.timescale).max(end.min(media_end)),
        ),
        _ => (start.max(media_start), end.min(media_end)),
    };
    let audio_cut = audio
        .map(|track| plan_audio(footage, track, from, to))
        .transpose()?
        .flatten();
    if video_cut.is_none() && audio_cut.is_none() {
        return Err(out_of_range("the footage has no samples to clip"));
    }
    // Exact mode re-encodes what it must of the video (see `plan_video`); sound is never re-encoded.
    if let Some(cut) = video_cut.as_ref().filter(|_| mode != TrimMode::Exact) {
        check_no_config_change(footage, TrackKind::Video, &cut.samples(), mode)?;
    }
    if let Some(cut) = &audio_cut {
        check_no_config_change(footage, TrackKind::Audio, &cut.samples, mode)?;
    }
    Ok(TrimPlan {
        video: video_cut,
        audio: audio_cut,
        start: from,
        end: to,
    })
}

fn plan_video(footage: &Footage, track: &Track, start: f64, end: f64, mode: TrimMode) -> Result<VideoCut> {
    let samples = &track.samples;
    let order = presentation_order(track);
    let (start_ticks, end_ticks) = (ticks(start, track.timescale)?, ticks(end, track.timescale)?);
    // The frame shown at `start`: the last one starting at or before it (the first, before them all).
    let shown = order.partition_point(|&i| samples[i].pts <= start_ticks).max(1) - 1;
    let first_frame = order[shown];
    let keyframe = samples[..=first_frame]
        .iter()
        .rposition(|s| s.key)
        .ok_or_else(|| Error::malformed("no keyframe before the clip's start"))?;
    let first_pts = match mode {
        TrimMode::Keyframe => samples[keyframe].pts,
        TrimMode::Exact | TrimMode::HiddenLead => samples[first_frame].pts,
    };
    // The frames shown: presentation order from the first one up to the last starting before `end`.
    let first_position = order.partition_point(|&i| samples[i].pts < first_pts);
    let after_last = order.partition_point(|&i| samples[i].pts < end_ticks);
    if after_last <= first_position {
        return Err(out_of_range(format!(
            "the clip [{}, {}) holds no video frame",
            Fixed(start, 3),
            Fixed(end, 3)
        )));
    }
    let shown_frames = &order[first_position..after_last];
    let last = order[after_last - 1];
    // The last frame lasts until the next one starts; the footage's very last frame one frame interval
    // (the shortest gap between the frames shown: a sample's stored duration is a decode-time step, which
    // B-frame reordering, and a stream cut before the last B-frames, make unreliable for the frame shown
    // last).
    let end_pts = match order.get(after_last) {
        Some(&next) => samples[next].pts,
        None => {
            let mut interval = None;
            for pair in shown_frames.windows(2) {
                let gap = samples[pair[1]].pts - samples[pair[0]].pts;
                if gap > 0 && interval.is_none_or(|shortest| gap < shortest) {
                    interval = Some(gap);
                }
            }
            samples[last].pts + interval.unwrap_or(i64::from(samples[last].duration))
        }
    };
    // Decoding must start at the keyframe and reach every shown frame, and the frames they reference (a
    // B-frame's later P-frame, which the edit list then hides).
    let read = keyframe..shown_frames.iter().copied().max().unwrap_or(last) + 1;
    let coding = footage.config_at(TrackKind::Video, keyframe).unwrap_or(&track.config);
    let mut pieces = Vec::new();
    for (index, stretch) in one_coding_stretches(footage, &read).into_iter().enumerate() {
        let config = footage.config_at(TrackKind::Video, stretch.start).unwrap_or(coding);
        if index == 0 && mode == TrimMode::Exact && first_frame != keyframe {
            // The head: the frames shown before the next keyframe are re-encoded, the rest copied.
            let next_key = samples[keyframe + 1..stretch.end]
                .iter()
                .position(|s| s.key)
                .map_or(stretch.end, |p| keyframe + 1 + p);
            let tail_start = samples.get(next_key).map_or(i64::MAX, |s| s.pts);
            let mut frames = Vec::new();
            for &i in shown_frames {
                if samples[i].pts < tail_start {
                    frames.push(samples[i].pts);
                }
            }
            pieces.push(VideoPiece::Reencode {
                decode: keyframe..next_key,
                frames,
            });
            if next_key < stretch.end {
                pieces.push(VideoPiece::Copy(next_key..stretch.end));
            }
        } else if mode != TrimMode::Exact || continues_in_band(coding, config) {
            pieces.push(VideoPiece::Copy(stretch));
        } else if !samples[stretch.start].key {
            return Err(Error::malformed(format!(
                "the video after the change of coding at {} s does not start with a keyframe",
                Fixed(seconds(samples[stretch.start].pts, track.timescale), 3)
            )));
        } else {
            let mut frames = Vec::new();
            for &i in shown_frames {
                if stretch.contains(&i) {
                    frames.push(samples[i].pts);
                }
            }
            if !frames.is_empty() {
                pieces.push(VideoPiece::Reencode {
                    decode: stretch,
                    frames,
                });
            }
        }
    }
    Ok(VideoCut {
        pieces,
        coding: coding.clone(),
        first_pts,
        end_pts,
        frames: shown_frames.len(),
    })
}

/// `read` split where the video's codec configuration changes.
fn one_coding_stretches(footage: &Footage, read: &Range<usize>) -> Vec<Range<usize>> {
    let mut stretches = Vec::new();
    let mut start = read.start;
    for change in &footage.changes {
        if change.kind == TrackKind::Video && change.sample > read.start && change.sample < read.end {
            stretches.push(start..change.sample);
            start = change.sample;
        }
    }
    stretches.push(start..read.end);
    stretches
}

/// Whether samples coded with `config` can follow, untouched, in a track whose sample entry holds
/// `coding`: the same configuration, or H.264 of the same picture size and NAL length size, whose new
/// parameter sets then travel in-band (see `assemble`).
fn continues_in_band(coding: &CodecConfig, config: &CodecConfig) -> bool {
    if coding == config {
        return true;
    }
    let nal_length = |c: &CodecConfig| {
        AvcConfig::parse(c.description.as_deref().unwrap_or_default())
            .ok()
            .map(|avc| avc.length_size)
    };
    is_h264(coding)
        && is_h264(config)
        && (coding.width, coding.height) == (config.width, config.height)
        && nal_length(coding).is_some()
        && nal_length(coding) == nal_length(config)
}

/// What an audio decoder must be fed before the first packet it should output.
enum PreRoll {
    /// This many packets.
    Packets(usize),
    /// Packets covering this many ticks.
    Ticks(i64),
}

fn pre_roll(track: &Track) -> PreRoll {
    match track.config.family() {
        // RFC 7845 4.6: decode at least 80 ms before the first sample played.
        Codec::Opus => PreRoll::Ticks(i64::from(track.timescale) * 80 / 1000),
        // AAC's transform overlaps each frame with the one before it (MP3's bit reservoir reaches back
        // about as far).
        Codec::Aac | Codec::Mp3 => PreRoll::Packets(1),
        _ => PreRoll::Packets(0),
    }
}

/// The audio samples of `[from, to)` seconds; `None` when there is no sound there. Pre-roll never
/// reaches back across a change of coding: packets of another stream would not prime this one's decoder.
fn plan_audio(footage: &Footage, track: &Track, from: f64, to: f64) -> Result<Option<AudioCut>> {
    let samples = &track.samples;
    let (from, to) = (ticks(from, track.timescale)?, ticks(to, track.timescale)?);
    let first = samples.partition_point(|s| s.pts + i64::from(s.duration) <= from);
    let end = samples.partition_point(|s| s.pts < to);
    if end <= first {
        return Ok(None);
    }
    let sound_end = samples[end - 1].pts + i64::from(samples[end - 1].duration);
    let with_roll = match pre_roll(track) {
        PreRoll::Packets(count) => first.saturating_sub(count),
        PreRoll::Ticks(roll) => {
            let target = samples[first].pts - roll;
            samples[..first].partition_point(|s| s.pts <= target).saturating_sub(1)
        }
    };
    // Where the sound's last change of coding up to `first` is (0 without one).
    let mut coded_from = 0;
    for change in &footage.changes {
        if change.kind == TrackKind::Audio && change.sample <= first {
            coded_from = coded_from.max(change.sample);
        }
    }
    let with_roll = with_roll.max(coded_from);
    Ok(Some(AudioCut {
        samples: with_roll..end,
        shown: (from, sound_end.min(to)),
    }))
}

/// Copied samples cannot switch configuration mid-track (keyframe mode's video, and sound, which is
/// never re-encoded; a dub decodes the original sound with one decoder): a change inside them is an
/// error that says where to move the cut.
fn check_no_config_change(footage: &Footage, kind: TrackKind, copied: &Range<usize>, mode: TrimMode) -> Result<()> {
    let Some(change) = footage
        .changes
        .iter()
        .find(|c| c.kind == kind && c.sample > copied.start && c.sample < copied.end)
    else {
        return Ok(());
    };
    let track = footage.track(kind).ok_or_else(|| out_of_range("no such track"))?;
    let at = track
        .samples
        .get(change.sample)
        .map_or(Fixed(0.0, 3), |s| Fixed(seconds(s.pts, track.timescale), 3));
    Err(Error::unsupported(format!(
        "the clip crosses a change of {} codec configuration at {at} s (an HLS discontinuity): move the \
             start after {at} s or the end before it{}",
        kind.as_str(),
        match (kind, mode) {
            (TrackKind::Video, TrimMode::Keyframe) => ", or export in 'exact' mode, which re-encodes what it must",
            (TrackKind::Video, _) => " (a dub copies the video untouched)",
            (TrackKind::Audio, TrimMode::HiddenLead) => " (a dub decodes the original sound as one stream)",
            (TrackKind::Audio, _) => " (sound is copied, never re-encoded)",
        }
    )))
}

pub(super) fn is_h264(config: &CodecConfig) -> bool {
    config.family() == Codec::H264
}

impl TrimPlan {
    /// Seconds of the clip.
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::footage::ConfigChange;
    use crate::media::Sample;

    const FRAME: i64 = 3000; // ticks of 90 kHz at 30 fps

    /// H.264 at `width`x`height` with 4-byte NAL lengths; `id` tells parameter sets apart.
    fn h264(width: u32, height: u32, id: u8) -> CodecConfig {
        CodecConfig {
            codec: "avc1.64001e".into(),
            description: Some(vec![1, 0x64, 0, 0x1e, 0xFF, 0xE1, 0, 2, 0x67, id, 1, 0, 2, 0x68, id]),
            width,
            height,
            ..CodecConfig::default()
        }
    }

    /// `frames` frames without reordering, a keyframe every 30, coded with `first`, then with each
    /// `(sample, config)` of `changes` from that sample on.
    fn footage(frames: usize, first: CodecConfig, changes: &[(usize, CodecConfig)]) -> Footage {
        let samples = (0..frames)
            .map(|i| Sample {
                pts: i as i64 * FRAME,
                dts: i as i64 * FRAME,
                duration: FRAME as u32,
                key: i % 30 == 0,
                offset: i as u64 * 5,
                size: 5,
                stored_size: 5,
            })
            .collect();
        Footage {
            video: Some(Track {
                id: 1,
                kind: TrackKind::Video,
                timescale: 90_000,
                config: first,
                presentation_start: None,
                display: Default::default(),
                samples,
            }),
            audio: None,
            changes: changes
                .iter()
                .map(|(sample, config)| ConfigChange {
                    kind: TrackKind::Video,
                    sample: *sample,
                    config: config.clone(),
                })
                .collect(),
            // Each sample: a 4-byte NAL length, then one byte (its index).
            data: (0..frames).flat_map(|i| [0, 0, 0, 1, i as u8]).collect(),
        }
    }

    fn pts_of(frames: Range<i64>) -> Vec<i64> {
        frames.map(|i| i * FRAME).collect()
    }

    fn pieces(footage: &Footage, start_frame: f64, end_frame: f64, mode: TrimMode) -> Result<Vec<VideoPiece>> {
        let plan = plan(footage, start_frame / 30.0, end_frame / 30.0, mode)?;
        Ok(plan.video.map(|cut| cut.pieces).unwrap_or_default())
    }

    #[test]
    fn exact_cut_reencodes_the_head_and_copies_the_rest() {
        let footage = footage(90, h264(640, 360, 1), &[]);
        assert_eq!(
            pieces(&footage, 15.0, 70.0, TrimMode::Exact).unwrap(),
            vec![
                VideoPiece::Reencode {
                    decode: 0..30,
                    frames: pts_of(15..30)
                },
                VideoPiece::Copy(30..70),
            ]
        );
        assert_eq!(
            pieces(&footage, 15.0, 70.0, TrimMode::Keyframe).unwrap(),
            vec![VideoPiece::Copy(0..70)]
        );
    }

    #[test]
    fn hidden_lead_copies_from_the_keyframe_and_shows_from_the_frame_at_start() {
        let steady = footage(90, h264(640, 360, 1), &[]);
        let cut = plan(&steady, 15.5 / 30.0, 70.0 / 30.0, TrimMode::HiddenLead)
            .unwrap()
            .video
            .unwrap();
        assert_eq!(cut.pieces, vec![VideoPiece::Copy(0..70)]);
        assert_eq!((cut.first_pts, cut.end_pts), (15 * FRAME, 70 * FRAME));
        assert_eq!(cut.frames, 55);
        // Like keyframe mode, it cannot cross a change of coding (nothing is re-encoded).
        let switching = footage(120, h264(640, 360, 1), &[(60, h264(320, 180, 2))]);
        let error = plan(&switching, 1.0, 3.0, TrimMode::HiddenLead).unwrap_err();
        assert!(error.message().contains("a dub copies the video"), "{error}");
    }

    #[test]
    fn exact_cut_reencodes_a_stretch_of_another_picture_size_and_copies_after_the_size_returns() {
        let footage = footage(
            150,
            h264(640, 360, 1),
            &[(60, h264(320, 180, 2)), (90, h264(640, 360, 1))],
        );
        let plan = plan(&footage, 15.0 / 30.0, 100.0 / 30.0, TrimMode::Exact).unwrap();
        let cut = plan.video.unwrap();
        assert_eq!(
            cut.pieces,
            vec![
                VideoPiece::Reencode {
                    decode: 0..30,
                    frames: pts_of(15..30)
                },
                VideoPiece::Copy(30..60),
                VideoPiece::Reencode {
                    decode: 60..90,
                    frames: pts_of(60..90)
                },
                VideoPiece::Copy(90..100),
            ]
        );
        assert_eq!((cut.coding.width, cut.coding.height), (640, 360));
        assert_eq!(cut.frames, 85);
        assert_eq!(cut.samples(), 0..100);
    }

    #[test]
    fn same_size_h264_after_a_change_is_copied_with_its_own_parameter_sets() {
        let footage = footage(120, h264(640, 360, 1), &[(60, h264(640, 360, 2))]);
        assert_eq!(
            pieces(&footage, 30.0, 100.0, TrimMode::Exact).unwrap(),
            vec![VideoPiece::Copy(30..60), VideoPiece::Copy(60..100)]
        );
    }

    #[test]
    fn a_clip_that_starts_in_a_smaller_stretch_is_coded_at_its_size() {
        let footage = footage(120, h264(640, 360, 1), &[(60, h264(320, 180, 2))]);
        let cut = plan(&footage, 65.0 / 30.0, 110.0 / 30.0, TrimMode::Exact)
            .unwrap()
            .video
            .unwrap();
        assert_eq!((cut.coding.width, cut.coding.height), (320, 180));
        assert_eq!(
            cut.pieces,
            vec![
                VideoPiece::Reencode {
                    decode: 60..90,
                    frames: pts_of(65..90)
                },
                VideoPiece::Copy(90..110),
            ]
        );
    }

    #[test]
    fn keyframe_mode_refuses_a_change_of_coding_and_names_where() {
        let footage = footage(120, h264(640, 360, 1), &[(60, h264(320, 180, 2))]);
        let error = pieces(&footage, 30.0, 100.0, TrimMode::Keyframe).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Unsupported);
        assert!(
            error.message().contains("at 2.000 s") && error.message().contains("'exact'"),
            "{error}"
        );
        // Before the change it is fine.
        assert_eq!(
            pieces(&footage, 30.0, 60.0, TrimMode::Keyframe).unwrap(),
            vec![VideoPiece::Copy(30..60)]
        );
    }

    #[test]
    fn a_stretch_after_a_change_that_does_not_start_on_a_keyframe_is_malformed() {
        let footage = footage(120, h264(640, 360, 1), &[(45, h264(320, 180, 2))]);
        let error = pieces(&footage, 30.0, 100.0, TrimMode::Exact).unwrap_err();
        assert_eq!(error.code(), ErrorCode::MalformedInput);
    }

    #[test]
    fn assembled_stretches_keep_decode_times_increasing_and_switch_parameter_sets_in_band() {
        let footage = footage(
            150,
            h264(640, 360, 1),
            &[(60, h264(320, 180, 2)), (90, h264(640, 360, 1))],
        );
        let plan = plan(&footage, 15.0 / 30.0, 100.0 / 30.0, TrimMode::Exact).unwrap();
        let encoder_sets = h264(640, 360, 9);
        let encoded = plan
            .video
            .as_ref()
            .unwrap()
            .reencoded()
            .map(|(_, frames)| EncodedStretch {
                config: encoder_sets.clone(),
                frames: frames
                    .iter()
                    .enumerate()
                    .map(|(i, &pts)| EncodedFrame {
                        pts,
                        key: i == 0,
                        data: vec![0, 0, 0, 1, 0xEE],
                    })
                    .collect(),
            })
            .collect();
        let tracks = crate::edit::assemble::tracks(&footage, &plan, encoded).unwrap();
        let video = &tracks[0];
        assert_eq!(video.samples.len(), 85);
        assert!(video.samples.windows(2).all(|pair| pair[0].dts < pair[1].dts));
        assert_eq!(video.config, h264(640, 360, 1));
        // In-band sets (SPS 0x67, PPS 0x68 with the record's id) where the coding changes: each re-encoded
        // stretch's first frame carries the encoder's, the copies after them the source's again.
        let sets_id = |at: usize| match video.samples[at].data.as_ref() {
            [0, 0, 0, 2, 0x67, id, ..] => Some(*id),
            _ => None,
        };
        let switches: Vec<(usize, Option<u8>)> = (0..85)
            .map(|at| (at, sets_id(at)))
            .filter(|(_, id)| id.is_some())
            .collect();
        assert_eq!(
            switches,
            vec![(0, Some(9)), (15, Some(1)), (45, Some(9)), (75, Some(1))]
        );
    }
}
