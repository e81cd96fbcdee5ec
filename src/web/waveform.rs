//! `media.waveform()`: the sound of a stretch of the media timeline decoded once into [`Peaks`] (min/max
//! per 256 samples), then read as min/max pairs per bucket. A file's groups of pictures and an HLS stream's
//! segments alike are loaded one after another (a stream's next few fetched while one decodes) and their
//! sound decoded as it arrives, each block folded into the summary and released at once: the decoded
//! sound is never held whole.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Float32Array;
use wasm_bindgen::JsValue;

use super::cell::Access;
use super::chunk::{Chunk, Next};
use super::codec::audio_decoder::decode_to_pcm;
use super::content::{ChunkRun, Content};
use super::job::Job;
use super::options;
use crate::edit::waveform::{buckets, Peaks, BIN};
use crate::error::{Error, ErrorCode, Result};
use crate::media::TrackKind;

/// The summary of `[start, end)` of the media timeline, seconds; its bins count samples at `rate`.
struct Summary {
    start: f64,
    end: f64,
    rate: f64,
    peaks: Peaks,
}

thread_local! {
    /// The summary last made, and of which media: at most 8 MiB (1 MiB for 10 minutes at 48 kHz).
    static CACHE: RefCell<Option<(Weak<Content>, Rc<Summary>)>> = const { RefCell::new(None) };
}

/// The waveform of the options' `{ start, end }` (default: the seekable span) in `buckets` min/max pairs:
/// from the summary kept of an earlier call that covered the span, else decoded (`onProgress`, `signal`).
pub(crate) async fn waveform(content: &Rc<Content>, options: &JsValue) -> Result<Float32Array> {
    let job = Job::from_options(options)?.on_media(content.life());
    job.check()?;
    let (first, last) = content.range();
    let start = options::number(options, "start")?.unwrap_or(first);
    let end = options::number(options, "end")?.unwrap_or(last);
    let buckets = buckets(options::number(options, "buckets")?)?;
    // NaN is not finite either.
    if !(end - start).is_finite() || end <= start {
        return Err(Error::new(ErrorCode::OutOfRange, "waveform: start must be before end"));
    }
    if !content.has_track(TrackKind::Audio) {
        return Err(Error::new(ErrorCode::OutOfRange, "the media has no sound"));
    }
    let cached = CACHE.with(|cache| match &*cache.read() {
        Some((owner, summary)) if owner.as_ptr() == Rc::as_ptr(content) => Some(Rc::clone(summary)),
        _ => None,
    });
    let summary = match cached {
        Some(summary) if summary.start <= start && end <= summary.end => summary,
        _ => {
            let summary = Rc::new(decode(content, start, end, &job).await?);
            CACHE.with(|cache| *cache.write() = Some((Rc::downgrade(content), Rc::clone(&summary))));
            summary
        }
    };
    job.progress(1.0);
    let at = |t: f64| (t - summary.start) * summary.rate;
    Ok(Float32Array::from(
        &summary.peaks.waveform(at(start), at(end), buckets)[..],
    ))
}

/// Decodes the sound of the chunks from the one at `start` to the one holding `end` into a summary of
/// `[start, end)`. Each chunk's sound is decoded on its own, as a dub's sound is (`decode_to_pcm`), so a
/// change of coding between segments needs nothing more, and only one chunk is held at a time.
async fn decode(content: &Content, start: f64, end: f64, job: &Job) -> Result<Summary> {
    let mut summary = None;
    let mut previous: Option<Rc<Chunk>> = None;
    let mut next = content.chunk_at(start.max(content.range().0));
    let mut run = ChunkRun::new(content, next, end, job.signal());
    while let Some(key) = next {
        job.check()?;
        let chunk = run.load(key).await?;
        if let Some((track, (first, _))) = chunk.audio.as_ref().and_then(|t| Some((t, t.presentation_span()?))) {
            let origin = first as f64 / f64::from(track.timescale);
            // The packet before the chunk primes the decoder: AAC overlaps each frame with the one before,
            // and a first frame decoded alone fades in.
            let primer = previous.as_deref().and_then(|p: &Chunk| {
                let before = p.audio.as_ref().filter(|t| t.config == track.config)?;
                Some((p, before.samples.last()?))
            });
            let own = track.samples.iter().map(|s| (&*chunk, s));
            let mut samples = primer.into_iter().chain(own).map(|(c, s)| Ok((s, c.sample_data(s)?)));
            let pcm = decode_to_pcm(&track.config, track.timescale, &mut samples, origin, None).await?;
            let rate = f64::from(pcm.rate);
            // The summary counts samples at the rate the decoder gives (HE-AAC's is twice the stream's).
            let summary = summary.get_or_insert_with(|| Summary {
                start,
                end,
                rate,
                peaks: Peaks::new(((end - start) * rate).ceil() as usize, BIN),
            });
            summary
                .peaks
                .add(((origin - start) * summary.rate).round() as i64, &pcm.channels);
        }
        job.progress((chunk.end - start) / (end - start));
        // The next chunk starts where this one ends: past the span, nothing more to load.
        next = match content.chunk_after(key) {
            Next::Chunk(after) if chunk.end < end => Some(after),
            _ => None,
        };
        previous = Some(chunk);
    }
    // No packet in the span: silence.
    Ok(summary.unwrap_or(Summary {
        start,
        end,
        rate: 1.0,
        peaks: Peaks::new(0, BIN),
    }))
}
