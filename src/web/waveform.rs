//! `media.waveform()`: the sound of a stretch of the media timeline decoded once into [`Peaks`] (min/max
//! per bin of samples), then read as min/max pairs per bucket.
//!
//! The stretch is decoded in pieces of [`PIECE_SECONDS`]. Each piece is gathered as a clip export gathers
//! its samples (a file's read by Range requests, an HLS stream's segments fetched), its sound written alone
//! as an MP4 (the packets before it that prime the decoder included), and that file decoded by the browser's
//! `decodeAudioData`, which runs on threads of its own: while a few pieces decode, the next one is read. Each
//! piece's sound is folded into the summary and released, so the decoded sound is never held whole.
//!
//! The browser decodes AAC, MP3 and Opus from such a file sample for sample as ffmpeg does. Other codecs it
//! does not decode or MP4 cannot carry (AC-3): those are refused.

use js_sys::Float32Array;
use wasm_bindgen::JsValue;

use super::cell::Access;
use super::content::Content;
use super::export::gather;
use super::job::Job;
use super::options;
use super::voice::{decode_audio_data, from_audio_buffer};
use crate::codec::opus::{self, OpusHead};
use crate::edit::assemble;
use crate::edit::trim::{AudioCut, TrimMode, TrimPlan};
use crate::edit::waveform::{buckets, Peaks};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Codec, Pcm, TrackKind};
use crate::mux::{mp4, Container};
use crate::time::Time;

/// Seconds of sound decoded by one `decodeAudioData` call (11.5 MB of samples per channel at 48 kHz). A file's
/// piece is read with one Range request where its sound is interleaved closely with its pictures: 24 MB for
/// a minute of 3 Mbit/s video, a size Chromium fetches at its fastest (smaller requests cost it more per byte).
const PIECE_SECONDS: f64 = 60.0;

/// Pieces decoding at once.
const DECODING: usize = 3;

/// The lowest and highest values of the sound of audio track `track` over `[start, end)` of the media
/// timeline, seconds; its bins count samples at `rate`.
pub(crate) struct Summary {
    track: u32,
    start: f64,
    end: f64,
    rate: f64,
    peaks: Peaks,
}

/// Where a piece's decoded sound lies on the media timeline.
enum Placement {
    /// It starts here, seconds.
    Starts(f64),
    /// It ends where the piece's packets end.
    EndsWithPackets,
}

impl Summary {
    /// Folds in `pcm`, sound placed at `placement`, leaving out what comes before media time `from` or from
    /// media time `until` on (where the piece's packets end).
    fn add(&mut self, placement: Placement, from: f64, until: f64, pcm: &Pcm) {
        let sample = |t: f64| ((t - self.start) * self.rate).round() as i64;
        let first = match placement {
            Placement::Starts(start) => sample(start),
            Placement::EndsWithPackets => sample(until) - pcm.frames() as i64,
        };
        self.peaks.add(first, sample(from)..sample(until), &pcm.channels);
    }

    /// `buckets` min/max pairs over `[start, end)`, which it must cover.
    fn waveform(&self, start: f64, end: f64, buckets: usize) -> Float32Array {
        let sample = |t: f64| (t - self.start) * self.rate;
        Float32Array::from(&self.peaks.waveform(sample(start), sample(end), buckets)[..])
    }
}

/// The waveform of the options' `{ start, end }` (default: the seekable span) of audio track `track` (an id
/// in `media.tracks`; default: the first) in `buckets` min/max pairs: from the summary kept of an earlier
/// call that covered the span, else decoded (`onProgress`, `signal`).
pub(crate) async fn waveform(content: &Content, options: &JsValue) -> Result<Float32Array> {
    let job = Job::from_options(options)?.on_media(content.life());
    job.check()?;
    let (first, last) = content.range();
    let start = options::number(options, "start")?.unwrap_or(first);
    let end = options::number(options, "end")?.unwrap_or(last);
    let buckets = buckets(options::number(options, "buckets")?)?;
    content.check_span(start, end)?;
    let wanted = options::number(options, "track")?;
    let (track, sound) = content
        .with_tracks(|tracks| {
            let audio = tracks
                .iter()
                .find(|t| t.kind == TrackKind::Audio && wanted.is_none_or(|id| f64::from(t.id) == id))?;
            Some((audio.id, audio.config.clone()))
        })
        .ok_or_else(|| {
            let missing = match wanted {
                Some(_) => "no audio track of the media has the id given as `track`",
                None => "the media has no sound",
            };
            Error::new(ErrorCode::OutOfRange, missing)
        })?;
    // The codecs the browser decodes from our MP4 (see the module's documentation).
    if !matches!(sound.family(), Codec::Aac | Codec::Mp3 | Codec::Opus) {
        return Err(Error::new(
            ErrorCode::UnsupportedCodec,
            format!("waveforms are drawn of AAC, MP3 or Opus sound, not {}", sound.codec),
        ));
    }
    if let Some(summary) = &*content.waveform.read() {
        if summary.track == track && summary.start <= start && end <= summary.end {
            return Ok(summary.waveform(start, end, buckets));
        }
    }
    // The summary counts samples at the sound's own rate, which its pieces are decoded at.
    let rate = f64::from(sound.sample_rate);
    let mut summary = Summary {
        track,
        start,
        end,
        rate,
        peaks: Peaks::of_frames(((end - start) * rate).ceil() as usize),
    };
    decode(content, &mut summary, &job).await?;
    let waveform = summary.waveform(start, end, buckets);
    *content.waveform.write() = Some(summary);
    Ok(waveform)
}

/// Decodes the sound of the summary's span piece by piece into it.
async fn decode(content: &Content, summary: &mut Summary, job: &Job) -> Result<()> {
    let (from, to) = (summary.start, summary.end);
    let pieces = ((to - from) / PIECE_SECONDS).ceil().max(0.0) as usize;
    let length = (to - from) / pieces as f64;
    let mut decoding = Vec::new();
    for piece in 0..pieces {
        let at = from + piece as f64 * length;
        job.step(piece as f64 / pieces as f64, (piece + 1) as f64 / pieces as f64);
        let gathered = gather(content, at, at + length, TrimMode::HiddenLead, Some(summary.track), job).await?;
        if let (Some(cut), Some(track)) = (&gathered.plan.audio, &gathered.footage.audio) {
            let footage = gathered.readable(TrackKind::Audio, cut.samples.clone(), job).await?;
            // Every packet's sound is written whole: an edit list that would hide the pre-roll (the packets
            // before the piece, which prime the decoder) is not read alike by every browser. What comes
            // before the piece is left out as the decoded sound is folded in.
            let packets = track.samples.get(cut.samples.clone()).unwrap_or_default();
            if let (Some(first), Some(last)) = (packets.first(), packets.last()) {
                let end = last.pts + i64::from(last.duration);
                let sound = TrimPlan {
                    video: None,
                    audio: Some(AudioCut {
                        shown: (first.pts, end),
                        ..cut.clone()
                    }),
                    ..gathered.plan
                };
                let file = mp4::write(&assemble::tracks(&footage, &sound, Vec::new())?, Container::Mp4)?;
                let seconds = |ticks| {
                    Time {
                        ticks,
                        scale: track.timescale,
                    }
                    .seconds()
                };
                // An Opus decoder drops the pre-skip the file gives at its start (48 kHz samples; none when
                // its head is unreadable) and keeps all of the last packet, which the index may end early
                // (where an edit list ends the sound): its sound starts the pre-skip after the first packet,
                // and what it decodes past the index's end is left out. Other sound is placed to end where
                // the last packet does, whatever a decoder drops at its start (an AAC decoder's priming).
                let config = footage
                    .config_at(TrackKind::Audio, cut.samples.start)
                    .unwrap_or(&track.config);
                let placement = if config.family() == Codec::Opus {
                    let head = OpusHead::parse(config.description.as_deref().unwrap_or_default());
                    let pre_skip = head.map_or(0, |head| head.pre_skip);
                    Placement::Starts(seconds(first.pts) + f64::from(pre_skip) / f64::from(opus::RATE))
                } else {
                    Placement::EndsWithPackets
                };
                let decoded = decode_audio_data(&file, summary.rate as f32)?;
                decoding.push((placement, seconds(cut.shown.0), seconds(end), decoded));
            }
        }
        job.progress(1.0);
        // The last piece waits for every decoding to end.
        let left = if piece + 1 == pieces { 0 } else { DECODING - 1 };
        while decoding.len() > left {
            let (placement, from, until, sound) = decoding.remove(0);
            summary.add(placement, from, until, &from_audio_buffer(&sound.await?)?);
        }
    }
    Ok(())
}
