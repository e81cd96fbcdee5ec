//! A trim plan's tracks for the muxer: the planned samples, their bytes borrowed from the footage, the
//! re-encoded stretches of an exact cut in their places, and H.264 parameter sets sent in-band wherever
//! the coding changes inside the one video track.

use std::borrow::Cow;

use super::footage::Footage;
use super::trim::{is_h264, EncodedStretch, TrimPlan, VideoCut, VideoPiece};
use crate::codec::h264::AvcConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Display, Sample, Track, TrackKind};
use crate::mux::{MuxSample, MuxTrack, Unread};

fn out_of_range(message: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorCode::OutOfRange, message)
}

/// The clip's tracks. `encoded` holds the re-encoded stretches of an exact cut, in the plan's order
/// (none in keyframe mode). The copied samples' bytes are borrowed from `footage.data`.
pub fn tracks<'a>(footage: &'a Footage, plan: &TrimPlan, encoded: Vec<EncodedStretch>) -> Result<Vec<MuxTrack<'a>>> {
    assembled(footage, false, plan, encoded)
}

/// The clip's tracks, as [`tracks`], but from footage whose sample offsets are positions in the source
/// file (its `data` empty): the copied samples' bytes are left there ([`Unread`]), to be read as the file
/// is written, so an export holds a batch of them at a time, not the clip.
pub fn tracks_at_source<'a>(
    footage: &'a Footage,
    plan: &TrimPlan,
    encoded: Vec<EncodedStretch>,
) -> Result<Vec<MuxTrack<'a>>> {
    assembled(footage, true, plan, encoded)
}

fn assembled<'a>(
    footage: &'a Footage,
    at_source: bool,
    plan: &TrimPlan,
    encoded: Vec<EncodedStretch>,
) -> Result<Vec<MuxTrack<'a>>> {
    let copied = |sample: &Sample| copied(footage, at_source, sample);
    let mut tracks = Vec::new();
    if let (Some(cut), Some(track)) = (&plan.video, &footage.video) {
        tracks.push(video(footage, track, cut, encoded, copied)?);
    }
    if let (Some(cut), Some(track)) = (&plan.audio, &footage.audio) {
        let source = track
            .samples
            .get(cut.samples.clone())
            .ok_or_else(|| out_of_range("the plan names audio samples the footage does not have"))?;
        let mut samples = Vec::with_capacity(source.len());
        for sample in source {
            samples.push(copied(sample)?);
        }
        tracks.push(MuxTrack {
            kind: TrackKind::Audio,
            timescale: track.timescale,
            config: footage
                .config_at(TrackKind::Audio, cut.samples.start)
                .cloned()
                .unwrap_or_default(),
            samples,
            shown: cut.shown,
            display: Display::default(),
        });
    }
    Ok(tracks)
}

/// A sample copied from the footage: its bytes borrowed, or, when the footage's offsets are positions in
/// the source, left there to be read as the file is written.
fn copied<'a>(footage: &'a Footage, at_source: bool, sample: &Sample) -> Result<MuxSample<'a>> {
    let (data, unread) = if at_source {
        let unread = Unread {
            at: sample.offset,
            len: sample.size,
        };
        (Cow::Borrowed(&[][..]), Some(unread))
    } else {
        (Cow::Borrowed(footage.sample_data(sample)?), None)
    };
    Ok(MuxSample {
        dts: sample.dts,
        pts: sample.pts,
        duration: sample.duration,
        key: sample.key,
        data,
        unread,
    })
}

fn video<'a>(
    footage: &'a Footage,
    track: &'a Track,
    cut: &VideoCut,
    encoded: Vec<EncodedStretch>,
    copied: impl Fn(&Sample) -> Result<MuxSample<'a>>,
) -> Result<MuxTrack<'a>> {
    let planned = cut.reencoded().count();
    if encoded.len() != planned {
        return Err(if encoded.is_empty() {
            Error::unsupported("an exact cut needs stretches of video re-encoded, which only the browser export does")
        } else {
            Error::new(
                ErrorCode::Browser,
                format!("{} re-encoded stretches for the {planned} planned", encoded.len()),
            )
        });
    }
    let mut configs = Vec::with_capacity(encoded.len());
    let mut frame_lists = Vec::with_capacity(encoded.len());
    for stretch in encoded {
        configs.push(stretch.config);
        frame_lists.push(stretch.frames);
    }
    let source_config = |index: usize| footage.config_at(TrackKind::Video, index).unwrap_or(&track.config);
    // The sample entry describes the clip's coding (re-encoded stretches use its codec string and picture
    // size, so a decoder set up for it decodes them too); a stretch coded with other parameter sets (an
    // encoder's, a segment's after an HLS discontinuity) carries them in-band at its first keyframe.
    let mut sets = InBandSets {
        entry: &cut.coding,
        active: &cut.coding,
    };
    // Encoders here never reorder frames, so a re-encoded frame decodes at its presentation time less the
    // largest delay between decoding and showing among the copied samples: decode times then keep
    // increasing into a copied stretch that decodes a frame before showing it (B-frames).
    let mut delay = 0;
    for piece in &cut.pieces {
        if let VideoPiece::Copy(range) = piece {
            for s in track.samples.get(range.clone()).unwrap_or_default() {
                delay = delay.max(s.pts - s.dts);
            }
        }
    }
    let mut samples: Vec<MuxSample> = Vec::new();
    let mut stretch = 0;
    for (position, piece) in cut.pieces.iter().enumerate() {
        match piece {
            VideoPiece::Copy(range) => {
                let source = track
                    .samples
                    .get(range.clone())
                    .ok_or_else(|| out_of_range("the plan names video samples the footage does not have"))?;
                for (index, sample) in range.clone().zip(source) {
                    let mut out = copied(sample)?;
                    out.data = sets.switch(source_config(index), sample.key, out.data)?;
                    samples.push(out);
                }
            }
            VideoPiece::Reencode { frames: wanted, .. } => {
                let frames = std::mem::take(&mut frame_lists[stretch]);
                if frames.len() != wanted.len() || frames.first().is_some_and(|f| !f.key) {
                    return Err(Error::new(
                        ErrorCode::Browser,
                        format!(
                            "the encoder returned {} frames for {} (the first must be a keyframe)",
                            frames.len(),
                            wanted.len()
                        ),
                    ));
                }
                let after = cut
                    .pieces
                    .get(position + 1)
                    .and_then(|next| first_pts(track, next))
                    .unwrap_or(cut.end_pts);
                let mut frames = frames.into_iter().enumerate().peekable();
                while let Some((index, frame)) = frames.next() {
                    let next = frames.peek().map_or(after, |(_, f)| f.pts);
                    let data = if index == 0 {
                        sets.switch(&configs[stretch], frame.key, Cow::Owned(frame.data))?
                    } else {
                        Cow::Owned(frame.data)
                    };
                    let previous = samples.last().map_or(i64::MIN, |s| s.dts);
                    samples.push(MuxSample {
                        dts: (frame.pts - delay).max(previous.saturating_add(1)),
                        pts: frame.pts,
                        duration: u32::try_from(next - frame.pts).unwrap_or(0),
                        key: frame.key,
                        data,
                        unread: None,
                    });
                }
                stretch += 1;
            }
        }
    }
    Ok(MuxTrack {
        kind: TrackKind::Video,
        timescale: track.timescale,
        config: cut.coding.clone(),
        samples,
        shown: (cut.first_pts, cut.end_pts),
        // The source's turn, mirroring and pixel shape: the clip shows its pictures as the source did.
        display: track.display,
    })
}

/// The earliest presentation time in a piece.
fn first_pts(track: &Track, piece: &VideoPiece) -> Option<i64> {
    match piece {
        VideoPiece::Copy(range) => track.samples.get(range.clone())?.iter().map(|s| s.pts).min(),
        VideoPiece::Reencode { frames, .. } => frames.first().copied(),
    }
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
            return Err(Error::unsupported(format!(
                "cannot join {} and {} video in one track",
                self.active.codec, needed.codec
            )));
        }
        let with_sets = with_parameter_sets(self.entry, needed, &data)?;
        self.active = needed;
        Ok(Cow::Owned(with_sets))
    }
}

/// An H.264 keyframe's bytes in hand (all of it, or none when it is still in the source) with the
/// parameter sets of `config` in front, NAL lengths as `entry` (the sample entry's configuration) declares
/// them.
fn with_parameter_sets(entry: &CodecConfig, config: &CodecConfig, sample: &[u8]) -> Result<Vec<u8>> {
    let record = |c: &CodecConfig| AvcConfig::parse(c.description.as_deref().unwrap_or_default());
    let (entry, sets) = (record(entry)?, record(config)?);
    if entry.length_size != sets.length_size {
        return Err(Error::unsupported(format!(
            "cannot join H.264 with {}-byte and {}-byte NAL lengths",
            u32::from(entry.length_size),
            u32::from(sets.length_size)
        )));
    }
    let mut out = sets.in_band_parameter_sets()?;
    out.extend_from_slice(sample);
    Ok(out)
}
