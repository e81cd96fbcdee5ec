//! `media.waveform()`: the sound of a stretch of the media timeline decoded once into [`Peaks`] (min/max
//! per 256 samples), then read as min/max pairs per bucket.
//!
//! The stretch is decoded in pieces of [`PIECE_SECONDS`]. Each piece is gathered as a clip export gathers
//! its samples (a file's read by Range requests, an HLS stream's segments fetched), its sound written alone
//! as an MP4 (the packets before it that prime the decoder included), and that file decoded by the browser's
//! `decodeAudioData`, which runs on threads of its own: while a few pieces decode, the next one is read. Each
//! piece's sound is folded into the summary and released, so the decoded sound is never held whole.
//!
//! The browser decodes AAC and MP3 from such a file sample for sample as ffmpeg does. Opus it trims at the
//! start by rules of its own, and other codecs it does not decode or MP4 cannot carry: those are refused.

use js_sys::Float32Array;
use wasm_bindgen::JsValue;

use super::cell::Access;
use super::content::Content;
use super::export::gather;
use super::job::Job;
use super::options;
use super::voice::{decode_audio_data, from_audio_buffer};
use crate::edit::assemble;
use crate::edit::trim::{AudioCut, TrimMode, TrimPlan};
use crate::edit::waveform::{buckets, Peaks, BIN};
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

/// The sound's lowest and highest values over `[start, end)` of the media timeline, seconds; its bins count
/// samples at `rate`.
pub(crate) struct Summary {
    start: f64,
    end: f64,
    rate: f64,
    peaks: Peaks,
}

impl Summary {
    /// Folds in `pcm`, sound that ends at media time `end`, leaving out what comes before media time `from`.
    fn add(&mut self, end: f64, from: f64, pcm: &Pcm) {
        let sample = |t: f64| ((t - self.start) * self.rate).round() as i64;
        self.peaks
            .add(sample(end) - pcm.frames() as i64, sample(from), &pcm.channels);
    }

    /// `buckets` min/max pairs over `[start, end)`, which it must cover.
    fn waveform(&self, start: f64, end: f64, buckets: usize) -> Float32Array {
        let sample = |t: f64| (t - self.start) * self.rate;
        Float32Array::from(&self.peaks.waveform(sample(start), sample(end), buckets)[..])
    }
}

/// The waveform of the options' `{ start, end }` (default: the seekable span) in `buckets` min/max pairs:
/// from the summary kept of an earlier call that covered the span, else decoded (`onProgress`, `signal`).
pub(crate) async fn waveform(content: &Content, options: &JsValue) -> Result<Float32Array> {
    let job = Job::from_options(options)?.on_media(content.life());
    job.check()?;
    let (first, last) = content.range();
    let start = options::number(options, "start")?.unwrap_or(first);
    let end = options::number(options, "end")?.unwrap_or(last);
    let buckets = buckets(options::number(options, "buckets")?)?;
    content.check_span(start, end)?;
    let sound = content
        .with_tracks(|tracks| Some(tracks.iter().find(|t| t.kind == TrackKind::Audio)?.config.clone()))
        .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "the media has no sound"))?;
    // AAC and MP3 only (see the module's documentation).
    if !matches!(sound.family(), Codec::Aac | Codec::Mp3) {
        return Err(Error::new(
            ErrorCode::UnsupportedCodec,
            format!("waveforms are drawn of AAC or MP3 sound, not {}", sound.codec),
        ));
    }
    if let Some(summary) = &*content.waveform.read() {
        if summary.start <= start && end <= summary.end {
            return Ok(summary.waveform(start, end, buckets));
        }
    }
    // The summary counts samples at the sound's own rate, which its pieces are decoded at.
    let rate = f64::from(sound.sample_rate);
    let mut summary = Summary {
        start,
        end,
        rate,
        peaks: Peaks::new(((end - start) * rate).ceil() as usize, BIN),
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
        let gathered = gather(content, at, at + length, TrimMode::HiddenLead, job).await?;
        if let (Some(cut), Some(track)) = (&gathered.plan.audio, &gathered.footage.audio) {
            let footage = gathered.readable(TrackKind::Audio, cut.samples.clone(), job).await?;
            // Every packet's sound is written whole: an edit list that would hide the pre-roll (the packets
            // before the piece, which prime the decoder) is not read alike by every browser. The decoded sound
            // is placed to end where the last packet does, whatever a decoder drops at its start (an AAC
            // decoder's priming), and what comes before the piece is left out as it is folded in.
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
                let decoded = decode_audio_data(&file, summary.rate as f32)?;
                decoding.push((seconds(end), seconds(cut.shown.0), decoded));
            }
        }
        job.progress(1.0);
        // The last piece waits for every decoding to end.
        let left = if piece + 1 == pieces { 0 } else { DECODING - 1 };
        while decoding.len() > left {
            let (end, from, sound) = decoding.remove(0);
            summary.add(end, from, &from_audio_buffer(&sound.await?)?);
        }
    }
    Ok(())
}
