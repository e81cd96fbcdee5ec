//! Trim plans: which samples of some [`Footage`] make the clip `[start, end)`, and the clip's tracks
//! ready for the muxer.
//!
//! - **Keyframe** mode copies whole groups of pictures: the clip starts at the keyframe at or before
//!   `start` and ends with the last frame shown before `end`.
//! - **Exact** mode starts on the very frame shown at `start`: the frames from there to the next
//!   keyframe (the "head") are decoded and re-encoded by the caller (in the browser, with WebCodecs), the
//!   groups of pictures after it are copied untouched.
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
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Track, TrackKind};
use crate::mux::{MuxSample, MuxTrack};
use crate::player::presentation_order;
use crate::time::Time;

/// How the clip's first frame is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimMode {
    /// Lossless: from the keyframe at or before `start`.
    Keyframe,
    /// Frame-exact: from the frame shown at `start`, re-encoding up to the next keyframe.
    Exact,
}

impl TrimMode {
    /// `"keyframe"` or `"exact"`, as the JS API and the `trim` CLI name them.
    pub fn parse(name: &str) -> Result<TrimMode> {
        match name {
            "keyframe" => Ok(TrimMode::Keyframe),
            "exact" => Ok(TrimMode::Exact),
            other => Err(Error::new(
                ErrorCode::MalformedInput,
                format!("unknown trim mode {other:?}: use 'keyframe' or 'exact'"),
            )),
        }
    }
}

/// The video part of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoCut {
    /// Decode-order samples copied untouched (in exact mode, the groups of pictures after the head).
    pub copy: Range<usize>,
    /// Exact mode: decode-order samples to decode for the head (from the keyframe before `start`); empty
    /// when nothing is re-encoded.
    pub decode: Range<usize>,
    /// Presentation times of the head's frames, in order: the decoded frames to re-encode.
    pub reencode: Vec<i64>,
    /// Presentation time of the clip's first frame, ticks.
    pub first_pts: i64,
    /// Where the clip's last frame ends, ticks.
    pub end_pts: i64,
    /// Frames shown.
    pub frames: usize,
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

/// One re-encoded frame of the head (exact mode), as the encoder returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// Presentation time, ticks of the video track (the source frame's).
    pub pts: i64,
    /// Whether the encoder made it a keyframe (the first one must be).
    pub key: bool,
    /// The coded frame, in the format the head's configuration describes (H.264: length-prefixed).
    pub data: Vec<u8>,
}

/// The re-encoded head: its configuration (WebCodecs' `decoderConfig`) and frames in decode order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedHead {
    /// What decodes the frames.
    pub config: CodecConfig,
    /// The frames.
    pub frames: Vec<EncodedFrame>,
}

fn out_of_range(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::OutOfRange, message)
}

fn ticks(seconds: f64, timescale: u32) -> Result<i64> {
    Time::from_seconds(seconds, timescale)
        .map(|t| t.ticks)
        .ok_or_else(|| out_of_range(format!("time {seconds} is not a usable number of seconds")))
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
            "a clip needs start < end (got start {start}, end {end})"
        )));
    }
    let video = footage.video.as_ref().filter(|t| !t.samples.is_empty());
    let audio = footage.audio.as_ref().filter(|t| !t.samples.is_empty());
    let spans = [video, audio].into_iter().flatten().filter_map(|track| {
        let (first, last) = track.presentation_span()?;
        Some((seconds(first, track.timescale), seconds(last, track.timescale)))
    });
    let (media_start, media_end) = spans.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (c, d)| {
        (a.min(c), b.max(d))
    });
    if start >= media_end || end <= media_start {
        return Err(out_of_range(format!(
            "the clip [{start:.3}, {end:.3}) lies outside the media ({media_start:.3} to {media_end:.3} s)"
        )));
    }
    let video_cut = video.map(|track| plan_video(track, start, end, mode)).transpose()?;
    // The interval the sound must cover: the pictures', or the request without video.
    let (from, to) = match (&video_cut, video) {
        (Some(cut), Some(track)) => (
            seconds(cut.first_pts, track.timescale),
            seconds(cut.end_pts, track.timescale),
        ),
        _ => (start, end),
    };
    let audio_cut = audio.map(|track| plan_audio(track, from, to)).transpose()?.flatten();
    if video_cut.is_none() && audio_cut.is_none() {
        return Err(out_of_range("the footage has no samples to clip"));
    }
    if let Some(cut) = &video_cut {
        check_no_config_change(footage, TrackKind::Video, &cut.copy, mode)?;
    }
    if let Some(cut) = &audio_cut {
        check_no_config_change(footage, TrackKind::Audio, &cut.samples, TrimMode::Keyframe)?;
    }
    Ok(TrimPlan {
        video: video_cut,
        audio: audio_cut,
        start: from,
        end: to,
    })
}

fn plan_video(track: &Track, start: f64, end: f64, mode: TrimMode) -> Result<VideoCut> {
    let samples = &track.samples;
    let order = presentation_order(track);
    let (start_ticks, end_ticks) = (ticks(start, track.timescale)?, ticks(end, track.timescale)?);
    // The frame shown at `start`: the last one starting at or before it (the first, before them all).
    let shown = order.partition_point(|&i| samples[i].pts <= start_ticks).max(1) - 1;
    let first_frame = order[shown];
    let keyframe = samples[..=first_frame]
        .iter()
        .rposition(|s| s.key)
        .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "no keyframe before the clip's start"))?;
    let first_pts = match mode {
        TrimMode::Keyframe => samples[keyframe].pts,
        TrimMode::Exact => samples[first_frame].pts,
    };
    // The frames shown: presentation order from the first one up to the last starting before `end`.
    let first_position = order.partition_point(|&i| samples[i].pts < first_pts);
    let after_last = order.partition_point(|&i| samples[i].pts < end_ticks);
    if after_last <= first_position {
        return Err(out_of_range(format!("the clip [{start}, {end}) holds no video frame")));
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
            let interval = shown_frames
                .windows(2)
                .map(|pair| samples[pair[1]].pts - samples[pair[0]].pts)
                .filter(|gap| *gap > 0)
                .min()
                .unwrap_or(i64::from(samples[last].duration));
            samples[last].pts + interval
        }
    };
    // Decoding must reach every shown frame, and the frames they reference (a B-frame's later P-frame,
    // which the edit list then hides).
    let last_decoded = shown_frames.iter().copied().max().unwrap_or(last);
    let (copy_from, decode, reencode) = match mode {
        TrimMode::Exact if first_frame != keyframe => {
            let next_key = samples[keyframe + 1..]
                .iter()
                .position(|s| s.key)
                .map_or(samples.len(), |p| keyframe + 1 + p);
            let head_end = next_key.min(last_decoded + 1);
            let tail_start = samples.get(next_key).map_or(i64::MAX, |s| s.pts);
            let reencode = shown_frames
                .iter()
                .map(|&i| samples[i].pts)
                .filter(|pts| *pts < tail_start)
                .collect();
            (next_key.min(last_decoded + 1), keyframe..head_end, reencode)
        }
        _ => (keyframe, 0..0, Vec::new()),
    };
    Ok(VideoCut {
        copy: copy_from..(last_decoded + 1).max(copy_from),
        decode,
        reencode,
        first_pts,
        end_pts,
        frames: shown_frames.len(),
    })
}

/// What an audio decoder must be fed before the first packet it should output.
enum PreRoll {
    /// This many packets.
    Packets(usize),
    /// Packets covering this many ticks.
    Ticks(i64),
}

fn pre_roll(track: &Track) -> PreRoll {
    let codec = track.config.codec.as_str();
    if codec == "opus" {
        // RFC 7845 4.6: decode at least 80 ms before the first sample played.
        PreRoll::Ticks(i64::from(track.timescale) * 80 / 1000)
    } else if codec.starts_with("mp4a") || codec == "mp3" {
        // AAC's transform overlaps each frame with the one before it (MP3's bit reservoir reaches back
        // about as far).
        PreRoll::Packets(1)
    } else {
        PreRoll::Packets(0)
    }
}

/// The audio samples of `[from, to)` seconds; `None` when there is no sound there.
fn plan_audio(track: &Track, from: f64, to: f64) -> Result<Option<AudioCut>> {
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
    Ok(Some(AudioCut {
        samples: with_roll..end,
        shown: (from, sound_end.min(to)),
    }))
}

/// Keyframe copies cannot switch configuration mid-track: a change inside the copied samples is an
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
        .map_or(0.0, |s| seconds(s.pts, track.timescale));
    let same_picture = footage.config_at(kind, copied.start).is_some_and(|c| {
        is_h264(c) && is_h264(&change.config) && (c.width, c.height) == (change.config.width, change.config.height)
    });
    if mode == TrimMode::Exact && kind == TrackKind::Video && same_picture {
        // Exact mode writes the new parameter sets in-band (see `assemble`).
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Unsupported,
        format!(
            "the clip crosses a change of {} codec configuration at {at:.3} s (an HLS discontinuity): move the \
             start after {at:.3} s or the end before it{}",
            kind.as_str(),
            if kind == TrackKind::Video && mode == TrimMode::Keyframe && same_picture {
                ", or export in 'exact' mode"
            } else {
                ""
            }
        ),
    ))
}

fn is_h264(config: &CodecConfig) -> bool {
    config.codec.starts_with("avc1") || config.codec.starts_with("avc3")
}

/// The clip's tracks for the muxer: the planned samples (their bytes borrowed from the footage), with the
/// re-encoded head in front of the video in exact mode.
pub fn assemble<'a>(footage: &'a Footage, plan: &TrimPlan, head: Option<EncodedHead>) -> Result<Vec<MuxTrack<'a>>> {
    let mut tracks = Vec::new();
    if let (Some(cut), Some(track)) = (&plan.video, &footage.video) {
        tracks.push(assemble_video(footage, track, cut, head)?);
    }
    if let (Some(cut), Some(track)) = (&plan.audio, &footage.audio) {
        let samples = track
            .samples
            .get(cut.samples.clone())
            .ok_or_else(|| out_of_range("the plan names audio samples the footage does not have"))?
            .iter()
            .map(|s| copied(footage, s))
            .collect::<Result<Vec<_>>>()?;
        tracks.push(MuxTrack {
            kind: TrackKind::Audio,
            timescale: track.timescale,
            config: footage
                .config_at(TrackKind::Audio, cut.samples.start)
                .cloned()
                .unwrap_or_default(),
            samples,
            shown: cut.shown,
        });
    }
    Ok(tracks)
}

fn copied<'a>(footage: &'a Footage, sample: &crate::media::Sample) -> Result<MuxSample<'a>> {
    Ok(MuxSample {
        dts: sample.dts,
        pts: sample.pts,
        duration: sample.duration,
        key: sample.key,
        data: Cow::Borrowed(footage.sample_data(sample)?),
    })
}

fn assemble_video<'a>(
    footage: &'a Footage,
    track: &'a Track,
    cut: &VideoCut,
    head: Option<EncodedHead>,
) -> Result<MuxTrack<'a>> {
    let tail = track
        .samples
        .get(cut.copy.clone())
        .ok_or_else(|| out_of_range("the plan names video samples the footage does not have"))?;
    let (head_config, head_frames) = match head {
        Some(head) => (Some(head.config), head.frames),
        None if !cut.reencode.is_empty() => {
            return Err(Error::new(
                ErrorCode::Unsupported,
                "an exact cut needs its first frames re-encoded, which only the browser export does",
            ))
        }
        None => (None, Vec::new()),
    };
    if head_frames.len() != cut.reencode.len() || head_frames.first().is_some_and(|f| !f.key) {
        return Err(Error::new(
            ErrorCode::Browser,
            format!(
                "the encoder returned {} frames for {} (the first must be a keyframe)",
                head_frames.len(),
                cut.reencode.len()
            ),
        ));
    }
    let source_config = |index: usize| footage.config_at(TrackKind::Video, index).unwrap_or(&track.config);
    // The sample entry describes the source's stream (the head is re-encoded with the same codec string,
    // so a decoder set up for the source decodes it too); a stretch coded with other parameter sets (the
    // head, a segment after an HLS discontinuity) carries them in-band at its first keyframe.
    let entry = source_config(if cut.decode.is_empty() {
        cut.copy.start
    } else {
        cut.decode.start
    });
    let mut sets = InBandSets { entry, active: entry };
    let mut samples = Vec::with_capacity(head_frames.len() + tail.len());
    // The copied tail may decode a frame before presenting it (B-frames): its first decode time is
    // `delay` ahead of its first presentation. Shifting the head's decode times by the same delay keeps
    // decode times increasing across the join.
    let delay = tail.first().map_or(0, |s| (s.pts - s.dts).max(0));
    let mut frames = head_frames.into_iter().peekable();
    while let Some(frame) = frames.next() {
        let next = frames
            .peek()
            .map_or(tail.first().map_or(cut.end_pts, |s| s.pts), |f| f.pts);
        let data = match (&head_config, samples.is_empty()) {
            (Some(config), true) => sets.switch(config, frame.key, Cow::Owned(frame.data))?,
            _ => Cow::Owned(frame.data),
        };
        samples.push(MuxSample {
            dts: frame.pts - delay,
            pts: frame.pts,
            duration: u32::try_from(next - frame.pts).unwrap_or(0),
            key: frame.key,
            data,
        });
    }
    for (index, sample) in cut.copy.clone().zip(tail) {
        let mut out = copied(footage, sample)?;
        out.data = sets.switch(source_config(index), sample.key, out.data)?;
        samples.push(out);
    }
    Ok(MuxTrack {
        kind: TrackKind::Video,
        timescale: track.timescale,
        config: entry.clone(),
        samples,
        shown: (cut.first_pts, cut.end_pts),
    })
}

/// Which H.264 parameter sets a track's decoder holds as its samples go by: those of the sample entry
/// at first, then those sent in-band.
struct InBandSets<'c> {
    entry: &'c CodecConfig,
    active: &'c CodecConfig,
}

impl<'c> InBandSets<'c> {
    /// `data`, a sample coded with `needed`: unchanged while that is the active configuration, else (at a
    /// keyframe) with `needed`'s parameter sets in front, which makes it the active one.
    fn switch<'d>(&mut self, needed: &'c CodecConfig, key: bool, data: Cow<'d, [u8]>) -> Result<Cow<'d, [u8]>> {
        if needed == self.active {
            return Ok(data);
        }
        if !(key && is_h264(needed) && is_h264(self.active)) {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "cannot join {} and {} video in one track",
                    self.active.codec, needed.codec
                ),
            ));
        }
        let with_sets = with_parameter_sets(self.entry, needed, &data)?;
        self.active = needed;
        Ok(Cow::Owned(with_sets))
    }
}

/// An H.264 keyframe with the parameter sets of `config` in front, NAL lengths as `entry` (the sample
/// entry's configuration) declares them.
fn with_parameter_sets(entry: &CodecConfig, config: &CodecConfig, sample: &[u8]) -> Result<Vec<u8>> {
    let record = |c: &CodecConfig| AvcConfig::parse(c.description.as_deref().unwrap_or_default());
    let (entry, sets) = (record(entry)?, record(config)?);
    if entry.length_size != sets.length_size {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!(
                "cannot join H.264 with {}-byte and {}-byte NAL lengths",
                entry.length_size, sets.length_size
            ),
        ));
    }
    let mut out = sets.in_band_parameter_sets()?;
    out.extend_from_slice(sample);
    Ok(out)
}

impl TrimPlan {
    /// Seconds of the clip.
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}
